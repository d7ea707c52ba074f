"""Turn raw e-mail bytes into what the desk needs, recording defects instead of raising.

The compat32 parser is used: it is several times faster than the modern policy and never
raises on malformed input. Headers and bodies are decoded here, with explicit fallbacks.

Most mail is a single text part with plain headers, and for that the stdlib parser costs
more than everything else together. Such a message is split here instead (`_single_part`)
into the same `Message` the parser would build; anything unusual goes to the parser.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.header import Header, decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache

from sredesk.adapters.mail.charsets import codec_for, is_text_codec, meta_charset
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
_LIST_ID = re.compile(r"<([^<>]+)>")

# Field names as the stdlib parser reads them (RFC 5322 ftext), one a line. A name read with
# a line end in it (a line without a colon, then a continuation) fails: a blank follows it.
_FIELD_NAMES = re.compile(r"[!-9;-~]+(?:\n[!-9;-~]+)*")
# An address alone, in a form every version of `getaddresses` returns unchanged.
_PLAIN_ADDRESS = re.compile(r"[\w+-]+(?:\.[\w+-]+)*@[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*", re.ASCII)


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
    html_only: bool = False  # the text was read from an HTML part
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
    # How message_from_bytes reads the bytes. The parser, when it is needed, is called the
    # same way as before: it recurses on nested parts, and its depth limit stays the same.
    text = raw.decode("ascii", "surrogateescape")
    single = _single_part(text)
    msg = message_from_bytes(raw) if single is None else single[0]
    headers = _Headers(msg)
    parsed = ParsedMessage(raw=raw, message_id="")
    defects = parsed.defects
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
    parsed.machine = _machine_reason(msg, headers, parsed, single is not None)
    if single is None:
        _body(_leaves(msg), parsed, limit)
    else:
        if not text.isascii():
            # _leaves reads every leaf's payload; for 8-bit text that reads the charset,
            # which raises on some broken Content-Types. So must this, to fail the same way.
            msg.get_payload()
        _body([(msg, single[1], headers)], parsed, limit)
    # Decoding a body adds its defects (bad base64) to its part: collect them after it.
    defects.extend(_mime_defects(msg))
    return parsed


def _single_part(text: str) -> tuple[Message, str] | None:
    """The message and its content type, as the stdlib parser reads it, for a simple message.

    None unless the parser would store every header without a defect or a line pushed back
    to the body, and the type is neither multipart nor message/*: then the parser stores each
    field and keeps everything after the empty line as the payload, and so does this.
    """
    first = text.find("\n")
    end = "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"
    stop = text.find(end + end)
    if stop <= 0:
        return None
    block = text[:stop]
    # One kind of line end throughout: the parser also ends lines at a lone CR or LF.
    if end == "\n" and "\r" in block:
        return None
    if end == "\r\n" and not block.count("\r") == block.count("\n") == block.count("\r\n"):
        return None
    lines = block.split(end)
    if "\n " in block or "\n\t" in block or block[0] in " \t":
        unfolded = _unfold(lines, end)
        if unfolded is None:
            return None
        lines = unfolded
    rows = [line.partition(":") for line in lines]
    # compat32 keeps each name as written, and the value without the blanks after ':'. A
    # line without a colon or with a name the parser does not read as one (RFC 5322 ftext;
    # "From " is not) is where the parser starts the body or records a defect.
    names, colons, values = zip(*rows, strict=True)
    if "" in colons or not _FIELD_NAMES.fullmatch("\n".join(names)):
        return None
    msg = Message()
    for name, value in zip(names, values, strict=True):
        msg.set_raw(name, value.lstrip(" \t"))
    kind = msg.get_content_type()
    if kind.startswith(("multipart/", "message/")):
        return None
    msg.set_payload(text[stop + 2 * len(end) :])
    return msg, kind


def _unfold(lines: list[str], end: str) -> list[str] | None:
    """Each field on one line: continuation lines (starting with a blank) joined to theirs."""
    fields: list[str] = []
    for line in lines:
        if line[:1] not in (" ", "\t"):
            fields.append(line)
        elif fields:
            fields[-1] += end + line
        else:
            return None  # a continuation first: the parser records a defect
    return fields


def _synthetic_id(raw: bytes) -> str:
    # A message without a Message-ID still needs one identity, so a re-import skips it.
    return f"<{hashlib.sha256(raw).hexdigest()[:32]}@sredesk.invalid>"


def decode_header_value(value: str | Header, defects: list[str] | None = None) -> str:
    """A header as text: encoded words decoded, raw 8-bit bytes read as UTF-8, lines unfolded."""
    value = str(value)
    if "=?" in value or not value.isascii():
        if not value.isascii():
            value = _eight_bit(value, defects)
        try:
            words = [(text, codec_for(cs) if cs else cs) for text, cs in decode_header(value)]
            value = str(make_header(words))
        except (LookupError, UnicodeError, ValueError) as error:
            if defects is not None:
                defects.append(f"undecodable header: {error}"[:200])
    if "\x00" in value:
        value = _without_nul(value, "a header", defects)
    return " ".join(value.split())


def _without_nul(text: str, where: str, defects: list[str] | None) -> str:
    # PostgreSQL stores no NUL character in text: one in a header or a body would fail the
    # message's every write, its quarantine included.
    if defects is not None:
        defects.append(f"NUL characters removed from {where}")
    return text.replace("\x00", "")


def _eight_bit(value: str, defects: list[str] | None) -> str:
    """A header that arrived with raw 8-bit bytes (kept as surrogate escapes), as text.

    The standard says such bytes are UTF-8; old clients sent Windows-1252 instead.
    """
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value  # text already: nothing arrived as raw bytes
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if defects is not None:
        defects.append("raw 8-bit header is not UTF-8; read as cp1252")
    return data.decode("cp1252", "replace")


class _Headers(dict[str, list[str]]):
    """The message's headers by lowercased name, read once: `Message.get` scans them all.

    Each value is as it arrived, raw 8-bit bytes kept as surrogate escapes, for the desk to
    read; `raw_first` gives what `Message.get` returns, which makes a `Header` of such a value.
    """

    def __init__(self, msg: Message) -> None:
        super().__init__()
        self._fetch = msg.policy.header_fetch_parse
        self._names: dict[str, str] = {}
        for name, value in msg.raw_items():
            key = name.lower()
            self._names.setdefault(key, name)
            self.setdefault(key, []).append(value)

    def first(self, name: str, defects: list[str]) -> str:
        values = self.get(name, [])
        if len(values) > 1:
            defects.append(f"duplicate {name} header; the first is used")
        return decode_header_value(values[0], defects) if values else ""

    def raw_first(self, name: str) -> str | Header | None:
        """What `Message.get(name)` returns."""
        values = self.get(name)
        if not values:
            return None
        value = values[0]
        return value if value.isascii() else self._fetch(self._names[name], value)


def _first_address(value: str) -> str:
    if not value:
        return ""
    if _PLAIN_ADDRESS.fullmatch(value):
        return _bare(value)
    for _name, address in getaddresses([value]):
        if "@" in address:
            return _bare(address)
    return ""


def _bare(address: str) -> str:
    # Archives that dropped the angle brackets leave 'Name name@host': keep the address.
    if len(address.split()) > 1:  # a blank inside it
        address = next(t for t in reversed(address.split()) if "@" in t)
    return address.strip().strip("<>\"'").lower()


def _addresses(headers: _Headers, defects: list[str]) -> list[str]:
    found: list[str] = []
    for name in _ADDRESS_HEADERS:
        values = [decode_header_value(v, defects) for v in headers.get(name, [])]
        if not values:
            continue
        if all(_PLAIN_ADDRESS.fullmatch(v) for v in values):
            found.extend(_bare(v) for v in values)
        else:
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
        found = _LIST_ID.search(list_id)
        parsed.list_id = (found.group(1) if found else list_id).strip().lower()
    precedence = headers.first("precedence", defects).lower()
    parsed.list_mail = bool(
        list_id
        or precedence == "list"
        or headers.get("list-post", [""])[0]
        or headers.get("list-unsubscribe", [""])[0]
        or headers.get("mailing-list", [""])[0]
    )


def _machine_reason(
    msg: Message, headers: _Headers, parsed: ParsedMessage, single: bool
) -> str | None:
    """Why the message is an auto-reply or a bounce (RFC 3834, RFC 3464), or None.

    `single`: a message from _single_part, whose one part is neither multipart nor message/*.
    """
    auto = str(headers.raw_first("auto-submitted") or "").split(";")[0].strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
        if name in headers:
            return f"{name} header"
    precedence = str(headers.raw_first("precedence") or "").strip().lower()
    # Some list servers mark every post "bulk"; with list headers it says nothing of the author.
    # No list marks its posts auto_reply: that one is always an answering machine's.
    if precedence == "auto_reply" or (precedence in ("bulk", "junk") and not parsed.list_mail):
        return f"Precedence: {precedence}"
    # Message.walk recurses: deep enough nesting raises here, as it always did.
    if not single and (
        msg.get_content_type() == "multipart/report"
        or any(p.get_content_type() == "message/delivery-status" for p in msg.walk())
    ):
        return "delivery-status report"
    if _BOUNCER.match(parsed.sender):
        return f"sent by {parsed.sender}"
    if str(headers.raw_first("return-path") or "").strip() == "<>":
        return "null return path"
    if _AUTO_SUBJECT.match(parsed.subject):
        return f"automatic subject {parsed.subject[:60]!r}"
    return None


# A leaf part, its content type and its headers.
_Leaf = tuple[Message, str, _Headers]


def _leaves(msg: Message) -> list[_Leaf]:
    """The message's leaf parts; a forwarded message counts as one attachment, not its parts."""
    leaves: list[_Leaf] = []
    stack = [msg]
    while stack:
        part = stack.pop()
        payload = part.get_payload()
        # The parser gives a message/rfc822 part its message as a one-item list, as if it
        # were multipart: it is a leaf all the same, stored whole (see `_attachment`).
        forwarded = part is not msg and part.get_content_maintype() == "message"
        if part.is_multipart() and isinstance(payload, list) and not forwarded:
            stack.extend(reversed([p for p in payload if isinstance(p, Message)]))
        else:
            leaves.append((part, part.get_content_type(), _Headers(part)))
    return leaves


def _body(leaves: list[_Leaf], parsed: ParsedMessage, limit: int) -> None:
    plain: _Leaf | None = None
    html: _Leaf | None = None
    attachments: list[_Leaf] = []
    for leaf in leaves:
        _part, kind, _headers = leaf
        if _is_attachment(leaf):
            attachments.append(leaf)
        elif kind == "text/plain" and plain is None:
            plain = leaf
        elif kind == "text/html" and html is None:
            html = leaf
        elif not kind.startswith("text/") or _filename(leaf) is not None:
            # A named text part past the body is a file shown inline (Apple Mail sends logs
            # and scripts so): it is kept as one.
            attachments.append(leaf)
        # Further unnamed text parts are alternatives or list footers; the raw message keeps them.
    text = tidy(_text(plain, parsed.defects)) if plain is not None else ""
    # Some clients send an empty plain part beside the HTML one: the text is then the HTML's.
    if html is not None and not text.strip():
        markup = _text(html, parsed.defects)
        parsed.html_only = True
        parsed.text = html_to_text(markup)
        parsed.reply, parsed.display = display_text(
            drop_attribution(html_to_text(html_reply(markup)))
        )
    elif plain is not None:
        parsed.text = text
        parsed.reply, parsed.display = display_text(parsed.text)
    if not parsed.display.strip():
        parsed.display = parsed.text.strip()
    for part, kind, _headers in attachments:
        _attachment(part, kind, parsed, limit)


def _is_attachment(leaf: _Leaf) -> bool:
    _part, kind, headers = leaf
    disposition = headers.raw_first("content-disposition")
    if str(disposition or "").split(";")[0].strip().lower() == "attachment":
        return True
    return _filename(leaf) is not None and not kind.startswith("text/")


def _filename(leaf: _Leaf) -> str | None:
    """`part.get_filename()`, from a cache when its two headers are plain text."""
    part, _kind, headers = leaf
    disposition = headers.raw_first("content-disposition")
    content_type = headers.raw_first("content-type")
    if isinstance(disposition, Header) or isinstance(content_type, Header):
        return part.get_filename()
    return _filename_of(disposition, content_type)


def _charset(leaf: _Leaf) -> str | None:
    """`part.get_content_charset()`, from a cache when the Content-Type is plain text."""
    part, _kind, headers = leaf
    content_type = headers.raw_first("content-type")
    if isinstance(content_type, Header):
        return part.get_content_charset()
    return _charset_of(content_type)


# Mail repeats a few Content-Type and Content-Disposition values, and reading their
# parameters costs more than the rest of a header: the stdlib reads each value once.
@lru_cache(maxsize=1024)
def _filename_of(disposition: str | None, content_type: str | None) -> str | None:
    return _holder(disposition, content_type).get_filename()


@lru_cache(maxsize=1024)
def _charset_of(content_type: str | None) -> str | None:
    return _holder(None, content_type).get_content_charset()


def _holder(disposition: str | None, content_type: str | None) -> Message:
    """A part with just these two headers (None: absent), for the stdlib to read."""
    holder = Message()
    if disposition is not None:
        holder.set_raw("Content-Disposition", disposition)
    if content_type is not None:
        holder.set_raw("Content-Type", content_type)
    return holder


def _text(leaf: _Leaf, defects: list[str]) -> str:
    text = _decoded(leaf, defects)
    return _without_nul(text, "the text", defects) if "\x00" in text else text


def _decoded(leaf: _Leaf, defects: list[str]) -> str:
    payload = leaf[0].get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    charset = codec_for(_charset(leaf) or "")
    if not charset and leaf[1] == "text/html":
        charset = meta_charset(data) or ""
    if charset and not is_text_codec(charset):
        defects.append(f"unknown charset {charset!r}")
        charset = ""
    if charset:
        try:
            return data.decode(charset)
        except (UnicodeDecodeError, ValueError):
            pass
        # A wrong label: the text is then almost always UTF-8 or Windows-1252.
        for fallback in ("utf-8", "cp1252"):
            try:
                text = data.decode(fallback)
            except UnicodeDecodeError:
                continue
            defects.append(f"wrong charset label: text is not valid {charset}; read as {fallback}")
            return text
        defects.append(f"text is not valid {charset}; undecodable bytes replaced")
        return data.decode(charset, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # No charset or a wrong one: Windows-1252 is what such mail almost always is.
        return data.decode("cp1252", "replace")


def _attachment(part: Message, kind: str, parsed: ParsedMessage, limit: int) -> None:
    name = decode_header_value(part.get_filename() or "", parsed.defects)
    if "\x00" in kind:
        kind = _without_nul(kind, "a content type", parsed.defects)
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
