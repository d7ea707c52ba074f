"""Accept mail from an MTA over LMTP (or SMTP) and hand each message to the desk.

The desk answers 250 only after its commit, so the MTA keeps the message until then. A
failure on the desk's side answers 451: the MTA retries later, and nothing is lost.

The largest message taken follows the mail settings' attachment limit (see
`max_message_size`): a message with an attachment the desk would keep, or one it would
drop with a note, reaches the desk rather than being bounced at the door.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP

from sredesk.core.errors import NotSetUp
from sredesk.services.ports import StoreUnavailable

log = logging.getLogger("sredesk.mail.lmtp")

# Takes the raw message and its envelope recipients; returns once the desk has committed.
Deliver = Callable[[bytes, list[str]], object]

# aiosmtpd's own limit, which the desk never goes below.
AIOSMTPD_DATA_SIZE_LIMIT = 32 * 1024 * 1024
# An attachment travels base64-encoded: 4/3 of its size, plus a line break every 76
# characters, is about 1.37 times. The headroom covers the headers and the text parts.
BASE64_GROWTH = 1.37
HEADROOM = 1024 * 1024


def max_message_size(attachment_limit: int) -> int:
    """The largest message, in bytes, that carries an attachment of `attachment_limit`."""
    return max(AIOSMTPD_DATA_SIZE_LIMIT, int(attachment_limit * BASE64_GROWTH) + HEADROOM)


class DeskHandler:
    """The aiosmtpd handler: accept the desk's own recipients and deliver into the desk."""

    def __init__(self, deliver: Deliver, accepts: Callable[[str], bool]) -> None:
        self.deliver, self.accepts = deliver, accepts

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if not self.accepts(address):
            return "550 5.1.1 not a mailbox of this desk"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = with_return_path(envelope.original_content or envelope.content, envelope.mail_from)
        recipients = list(envelope.rcpt_tos)
        try:
            # The desk's database work is blocking: keep it off the event loop.
            await asyncio.get_running_loop().run_in_executor(None, self.deliver, raw, recipients)
        except (StoreUnavailable, NotSetUp) as error:
            # The MTA retries each deferred message while the database is away: one line
            # each, saying why.
            log.warning(
                "delivery into the desk failed: %s; answered 451, the MTA will retry", error
            )
            status = "451 4.3.0 the desk could not store the message; try again later"
        except Exception:
            log.exception("delivery into the desk failed; answered 451, the MTA will retry")
            status = "451 4.3.0 the desk could not store the message; try again later"
        else:
            status = "250 2.0.0 delivered"
        if isinstance(server, LMTP):
            # LMTP answers once per recipient; the desk stores the message once for all.
            return "\r\n".join([status] * len(recipients))
        return status


def with_return_path(raw: bytes, mail_from: str | None) -> bytes:
    """The message with the Return-Path line the final delivery puts first (RFC 5321, 4.4).

    The envelope sender reaches the desk only so: an empty one (`MAIL FROM:<>`) marks a
    bounce or an auto-reply, which the desk ignores.
    """
    sender = (mail_from or "").strip().strip("<>")
    first = raw.find(b"\n")
    end = "\r\n" if first > 0 and raw[first - 1 : first] == b"\r" else "\n"
    return f"Return-Path: <{sender}>{end}".encode("utf-8", "surrogateescape") + raw


class _LmtpController(Controller):
    def factory(self) -> SMTP:
        return LMTP(self.handler, **self.SMTP_kwargs)


def listener(
    handler: DeskHandler,
    *,
    host: str,
    port: int,
    protocol: str = "lmtp",
    attachment_limit: int = 10 * 1024 * 1024,
) -> Controller:
    """A started-on-demand server on `host:port`; call `start()` and `stop()` on it.

    It takes messages up to `max_message_size(attachment_limit)` and answers a larger one
    with 552, as aiosmtpd does.
    """
    if protocol not in ("lmtp", "smtp"):
        raise ValueError(f"protocol {protocol!r} must be lmtp or smtp")
    cls = _LmtpController if protocol == "lmtp" else Controller
    return cls(
        handler,
        hostname=host,
        port=port,
        data_size_limit=max_message_size(attachment_limit),
    )
