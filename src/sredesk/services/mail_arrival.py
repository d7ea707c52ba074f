"""Describe how a message reached the desk and what became of it, and the rules on its own."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sredesk.adapters.mail.parse import ParsedMessage

# RFC 5321: 64 characters before the @, 255 after it.
MAX_ADDRESS_LENGTH = 320


@dataclass(frozen=True)
class Arrival:
    """How a message reached the desk."""

    # The list it came through: the one whose thread and inquiry source it joins.
    list_name: str | None = None
    envelope_to: tuple[str, ...] = ()
    # History from an archive: no rate limit, no acknowledgement, dated by its Date header.
    backfill: bool = False
    # A member let a held message through: no rate limit this time.
    released_by: str | None = None
    # Further lists one delivery was addressed to (an LMTP transaction to two lists): the
    # stored message records them beside `list_name`, and nothing else changes.
    other_lists: tuple[str, ...] = ()

    @property
    def lists(self) -> list[str]:
        """Every list it arrived through, `list_name` first."""
        named = [self.list_name] if self.list_name else []
        return list(dict.fromkeys([*named, *self.other_lists]))


@dataclass(frozen=True)
class Outcome:
    status: str  # created, threaded, duplicate, ignored, quarantined or held
    message_id: str
    inquiry: int | None = None
    reason: str = ""
    merged: tuple[int, ...] = ()


def unusable(parsed: ParsedMessage) -> str:
    """Why the message cannot become a comment, or "" when it can."""
    unparseable = next((d for d in parsed.defects if d.startswith("unparseable")), None)
    if unparseable:
        return unparseable
    if not parsed.sender:
        return "no sender address: the message cannot be attributed"
    if len(parsed.sender) > MAX_ADDRESS_LENGTH:
        return f"the sender address is longer than {MAX_ADDRESS_LENGTH} characters: not an address"
    if not parsed.display.strip() and not parsed.attachments:
        # Its only content may be an attachment the limit kept out: say so, and what to change.
        over = next((d for d in parsed.defects if d.startswith("attachment ")), None)
        if over:
            over = over.removesuffix("; not stored")
            return f"no text, and {over}; raise mail.attachment_limit_mb to take it"
        return "no text and no attachment"
    return ""


def via_list(parsed: ParsedMessage, arrival: Arrival) -> bool:
    # List headers only suppress answers; they never make a message machine mail.
    return arrival.list_name is not None or parsed.list_mail


def arrival_time(parsed: ParsedMessage, arrival: Arrival, now: datetime) -> datetime:
    """When the message counts as arrived: its Date for history, else now."""
    if arrival.backfill and parsed.date is not None and parsed.date <= now:
        return parsed.date
    return now


def safe_name(filename: str) -> str:
    # Only plain characters survive: the name ends up in paths and download headers.
    name = re.sub(r"[^A-Za-z0-9._ -]", "_", filename.strip()).strip(". ")
    return name[:255] or "attachment"
