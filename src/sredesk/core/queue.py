"""Order and filter the Primary's queue: open inquiries by response deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sredesk.core.errors import InvalidInput
from sredesk.core.model import Inquiry

VIEWS = ("mine", "unassigned", "all")
MAX_PAGE = 200


@dataclass(frozen=True)
class QueueQuery:
    """Which open inquiries to show, and which page of them."""

    assignee: str | None = None
    unassigned: bool = False
    source: str | None = None
    search: str = ""
    offset: int = 0
    limit: int = 50
    # False for a reader off the desk: classified inquiries are left out, and not counted.
    see_classified: bool = True

    def __post_init__(self) -> None:
        if self.offset < 0:
            raise InvalidInput("the page must be 1 or more")
        if not 1 <= self.limit <= MAX_PAGE:
            raise InvalidInput(f"show 1 to {MAX_PAGE} inquiries a page")
        if len(self.search) > 200:
            raise InvalidInput("search for at most 200 characters")

    @property
    def number(self) -> int | None:
        """'#12' asks for inquiry 12 alone; a bare '12' also matches titles holding it."""
        text = self.search.strip().removeprefix("#")
        # Only ASCII digits: str.isdigit() also takes "²", which int() refuses.
        return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def queue_order(inquiry: Inquiry) -> tuple[bool, datetime, int]:
    """Still awaiting a response first, soonest deadline first, then oldest number."""
    return (inquiry.first_response_at is not None, inquiry.response_due, inquiry.number or 0)


def matches(inquiry: Inquiry, query: QueueQuery) -> bool:
    if not inquiry.is_open or not inquiry.shown(see_classified=query.see_classified):
        return False
    if query.unassigned and inquiry.assignee is not None:
        return False
    if query.assignee is not None and inquiry.assignee != query.assignee:
        return False
    if query.source is not None and inquiry.source != query.source:
        return False
    number = query.number
    if number is not None:
        return inquiry.number == number or (
            not query.search.strip().startswith("#") and query.search.strip() in inquiry.title
        )
    text = query.search.strip()
    return not text or text.lower() in inquiry.title.lower()
