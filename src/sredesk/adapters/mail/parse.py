"""Turn raw e-mail bytes into what the desk needs, recording defects instead of raising.

The compat32 parser is used: it is several times faster than the modern policy and never
raises on malformed input. Headers and bodies are decoded here, with explicit fallbacks.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from sredesk.adapters.mail.quotes import (
    display_text,
    drop_attribution,
    html_reply,
    html_to_text,
    tidy,
)
from sredesk.core.mailthread import parse_ids

DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:auto(?:matic)?[ -]?(?:reply|response|antwort)|out of (?:the )?office|"
    r"autoreply|abwesenheitsnotiz|réponse automatique|respuesta automática|"
    r"vacation|undeliver(?:ed|able)|delivery status notification|"
    r"mail delivery (?:failed|subsystem)|returned mail|failure notice)",
    re.IGNORECASE,
)
_BOUNCER = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon)@", re.IGNORECASE)
_ADDRESS_HEADERS = ("to", "cc", "delivered-to", "x-original-to", "envelope-to")


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes


@dataclass
class ParsedMessage:
    raw: bytes
    message_id: str
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    sender: str = ""  # the address, lowercased; empty when the message names none
    # Where a list that rewrites From (against DMARC) keeps the author's own address.
    reply_to: str = ""
    original_from: str = ""
    recipients: list[str] = field(default_factory=list)
    date: datetime | None = None
    list_id: str | None = None
    # Sent through a mailing list: no auto-acknowledgement, but never machine mail.
    list_mail: bool = False
    # Why the message is machine-generated (auto-reply, bounce), or None for a person's mail.
    machine: str | None = None
    text: str = ""  # the whole text, as written
    reply: str = ""  # without the quotation
    display: str = ""  # without the quotation and the signature: what the comment shows
    html_only: bool = False
    attachments: list[ParsedAttachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


def parse(raw: bytes, *, attachment_limit: int = DEFAULT_ATTACHMENT_LIMIT) -> ParsedMessage:
    """Parse `raw`; whatever is wrong with it ends up in `defects`, never in an exception."""
    try:
        return _parse(raw, attachment_limit)
    except Exception as error:  # the gateway must survive any input; the defect says why
        return ParsedMessage(
            raw=raw,
            message_id=_synthetic_id(raw),
            defects=[f"unparseable: {type(error).__name__}: {error}"[:300]],
        )


def _parse(raw: bytes, limit: int) -> ParsedMessage:
    msg = message_from_bytes(raw)
    parsed = ParsedMessage(raw=raw, message_id="")
    defects = parsed.defects
    headers = _Headers(msg)
    if not headers:
        defects.append("no headers")
    ids = parse_ids(headers.first("message-id", defects))
    parsed.message_id = ids[0] if ids else _synthetic_id(raw)
    if not ids:
        defects.append("no Message-ID")
    parsed.in_reply_to = parse_ids(headers.first("in-reply-to", defects))
    parsed.references = parse_ids(headers.first("references", defects))
    parsed.subject = headers.first("subject", defects)
    parsed.sender = _first_address(headers.first("from", defects))
    parsed.reply_to = _first_address(headers.first("reply-to", defects))
    parsed.original_from = _first_address(headers.first("x-original-from", defects))
    if not parsed.sender:
        defects.append("no sender address")
    parsed.recipients = _addresses(headers, defects)
    parsed.date = _date(headers.first("date", defects), defects)
    _list_headers(headers, parsed, defects)
    parsed.machine = machine_reason(msg, parsed)
    _body(msg, parsed, limit)
    defects.extend(_mime_defects(msg))
    return parsed


def _synthetic_id(raw: bytes) -> str:
    # A message without a Message-ID still needs one identity, so a re-import skips it.
    return f"<{hashlib.sha256(raw).hexdigest()[:32]}@sredesk.invalid>"


def decode_header_value(value: str, defects: list[str] | None = None) -> str:
    """A header as text: encoded words decoded, raw 8-bit bytes read as UTF-8, lines unfolded."""
    value = str(value)
    if "=?" in value or not value.isascii():
        if not value.isascii():
            value = value.encode("ascii", "surrogateescape").decode("utf-8", "replace")
        try:
            value = str(make_header(decode_header(value)))
        except (LookupError, UnicodeError, ValueError) as error:
            if defects is not None:
                defects.append(f"undecodable header: {error}"[:200])
    return " ".join(value.split())


class _Headers(dict[str, list[str]]):
    """The message's headers by lowercased name, read once: `Message.get` scans them all."""

    def __init__(self, msg: Message) -> None:
        super().__init__()
        for name, value in msg.items():
            self.setdefault(name.lower(), []).append(value)

    def first(self, name: str, defects: list[str]) -> str:
        values = self.get(name, [])
        if len(values) > 1:
            defects.append(f"duplicate {name} header; the first is used")
        return decode_header_value(values[0], defects) if values else ""


def _first_address(value: str) -> str:
    if not value:
        return ""
    for _name, address in getaddresses([value]):
        if "@" in address:
            return _bare(address)
    return ""


def _bare(address: str) -> str:
    # Archives that dropped the angle brackets leave 'Name name@host': keep the address.
    if any(c.isspace() for c in address.strip()):
        address = next(t for t in reversed(address.split()) if "@" in t)
    return address.strip().strip("<>\"'").lower()


def _addresses(headers: _Headers, defects: list[str]) -> list[str]:
    found: list[str] = []
    for name in _ADDRESS_HEADERS:
        values = [decode_header_value(v, defects) for v in headers.get(name, [])]
        if values:
            found.extend(_bare(a) for _n, a in getaddresses(values) if "@" in a)
    return list(dict.fromkeys(found))


def _date(value: str, defects: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        defects.append(f"unreadable Date {value[:60]!r}")
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def _list_headers(headers: _Headers, parsed: ParsedMessage, defects: list[str]) -> None:
    list_id = headers.first("list-id", defects)
    if list_id:
        found = re.search(r"<([^<>]+)>", list_id)
        parsed.list_id = (found.group(1) if found else list_id).strip().lower()
    precedence = headers.first("precedence", defects).lower()
    parsed.list_mail = bool(
        list_id
        or precedence == "list"
        or headers.get("list-post", [""])[0]
        or headers.get("list-unsubscribe", [""])[0]
        or headers.get("mailing-list", [""])[0]
    )


def machine_reason(msg: Message, parsed: ParsedMessage) -> str | None:
    """Why the message is an auto-reply or a bounce (RFC 3834, RFC 3464), or None."""
    auto = str(msg.get("auto-submitted", "")).split(";")[0].strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
        if msg.get(name) is not None:
            return f"{name} header"
    precedence = str(msg.get("precedence", "")).strip().lower()
    # Some list servers mark every post "bulk"; with list headers it says nothing of the author.
    if precedence in ("bulk", "junk", "auto_reply") and not parsed.list_mail:
        return f"Precedence: {precedence}"
    if msg.get_content_type() == "multipart/report" or any(
        p.get_content_type() == "message/delivery-status" for p in msg.walk()
    ):
        return "delivery-status report"
    if _BOUNCER.match(parsed.sender):
        return f"sent by {parsed.sender}"
    if str(msg.get("return-path", "")).strip() == "<>":
        return "null return path"
    if _AUTO_SUBJECT.match(parsed.subject):
        return f"automatic subject {parsed.subject[:60]!r}"
    return None


def _leaves(msg: Message) -> list[Message]:
    """The message's leaf parts; a forwarded message counts as one attachment, not its parts."""
    leaves: list[Message] = []
    stack = [msg]
    while stack:
        part = stack.pop()
        payload = part.get_payload()
        if part.is_multipart() and isinstance(payload, list):
            stack.extend(reversed([p for p in payload if isinstance(p, Message)]))
        else:
            leaves.append(part)
    return leaves


def _body(msg: Message, parsed: ParsedMessage, limit: int) -> None:
    plain: Message | None = None
    html: Message | None = None
    attachments: list[Message] = []
    for part in _leaves(msg):
        kind = part.get_content_type()
        if _is_attachment(part):
            attachments.append(part)
        elif kind == "text/plain" and plain is None:
            plain = part
        elif kind == "text/html" and html is None:
            html = part
        elif not kind.startswith("text/"):
            attachments.append(part)
        # Further inline text parts are alternatives or list footers; the raw message keeps them.
    if plain is not None:
        parsed.text = tidy(_text(plain, parsed.defects))
        parsed.reply, parsed.display = display_text(parsed.text)
    elif html is not None:
        markup = _text(html, parsed.defects)
        parsed.html_only = True
        parsed.text = html_to_text(markup)
        parsed.reply, parsed.display = display_text(
            drop_attribution(html_to_text(html_reply(markup)))
        )
    if not parsed.display.strip():
        parsed.display = parsed.text.strip()
    for part in attachments:
        _attachment(part, parsed, limit)


def _is_attachment(part: Message) -> bool:
    disposition = str(part.get("content-disposition", "")).split(";")[0].strip().lower()
    return disposition == "attachment" or (
        part.get_filename() is not None and not part.get_content_type().startswith("text/")
    )


def _text(part: Message, defects: list[str]) -> str:
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    charset = (part.get_content_charset() or "").strip().lower()
    if charset:
        try:
            codecs.lookup(charset)
        except LookupError:
            defects.append(f"unknown charset {charset!r}")
            charset = ""
    if charset:
        try:
            return data.decode(charset)
        except (UnicodeDecodeError, ValueError):
            defects.append(f"text is not valid {charset}; undecodable bytes replaced")
            return data.decode(charset, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # No charset or a wrong one: Windows-1252 is what such mail almost always is.
        return data.decode("cp1252", "replace")


def _attachment(part: Message, parsed: ParsedMessage, limit: int) -> None:
    name = decode_header_value(part.get_filename() or "", parsed.defects)
    kind = part.get_content_type()
    if kind == "message/rfc822":
        inner = part.get_payload()
        first = inner[0] if isinstance(inner, list) and inner else None
        try:
            content = first.as_bytes() if isinstance(first, Message) else b""
        except (LookupError, UnicodeError, ValueError) as error:
            # A forwarded message too broken to write back out: the raw message keeps it.
            parsed.defects.append(f"forwarded message not stored: {error}"[:200])
            return
        name = name or "forwarded.eml"
    else:
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
    if not content:
        return
    name = name or f"attachment-{len(parsed.attachments) + 1}"
    if len(content) > limit:
        parsed.defects.append(
            f"attachment {name!r} ({len(content)} bytes) is over the {limit}-byte limit; not stored"
        )
        return
    parsed.attachments.append(ParsedAttachment(name, kind, content))


def _mime_defects(msg: Message) -> list[str]:
    found: list[str] = []
    for part in msg.walk():
        found.extend(type(d).__name__ for d in getattr(part, "defects", []))
    return list(dict.fromkeys(found))
