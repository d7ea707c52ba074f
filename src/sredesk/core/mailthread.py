"""Decide which inquiry an e-mail belongs to: Message-ID links, reply tokens and subject tags.

Threading follows JWZ's rule that the Message-ID graph, not the subject, defines a thread.
Every id a message names (its own, In-Reply-To, References) is recorded on its inquiry, even
ids the desk never received, so a reply that arrives before its parent is found again when
the parent arrives. A message that links two inquiries proves they are one thread: they merge
into the older one. Reply tokens and subject tags only place a message that links nowhere.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

# RFC 5322 caps a line, and so an id, at 998 octets; longer ones are junk. Counting octets,
# not characters, also keeps every id within what a database index can hold.
MAX_ID_LENGTH = 998
_BRACKETED = re.compile(r"<([^<>\s]{1,996})>")
_BARE = re.compile(r"[^\s<>,;\"]+@[^\s<>,;\"]+")
_TAG = re.compile(r"\[sredesk\s*#(\d{1,9})\]", re.IGNORECASE)
# Reply and forward markers in the languages list mail commonly arrives in, and list prefixes.
_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|antw|tr|rif|ref|odp|res)\s*(?:\[\d+\]|\(\d+\))?\s*[:\uff1a]"
    r"|\[[^\]]{0,80}\])\s*",
    re.IGNORECASE,
)
_NOTIFICATION_PART = re.compile(r"n\d+")
_DESK_ID = re.compile(r"^<sredesk\.(\d{1,9})\.([a-z0-9]{1,40})\.([0-9a-f]{20})@([^<>\s]+)>$")
_TOKEN = re.compile(r"^(.+)\+(\d{1,9})\.([0-9a-f]{20})@(.+)$")


def normalise_id(value: str) -> str | None:
    """The id in its canonical `<local@domain>` form, or None when it is not an id."""
    found = _BRACKETED.search(value)
    if found is None:
        bare = _BARE.search(value)
        if bare is None:
            return None
        inner = bare.group(0)
    else:
        inner = found.group(1)
    if not inner or not _short_enough(f"<{inner}>"):
        return None
    return f"<{inner}>"


def _short_enough(message_id: str) -> bool:
    """Whether the id fits in MAX_ID_LENGTH octets of UTF-8."""
    if len(message_id) > MAX_ID_LENGTH:
        return False
    return message_id.isascii() or len(message_id.encode("utf-8", "surrogatepass")) <= MAX_ID_LENGTH


def parse_ids(value: str | None) -> list[str]:
    """Every id in a Message-ID, In-Reply-To or References header, in order, once each."""
    if not value:
        return []
    found = [f"<{inner}>" for inner in _BRACKETED.findall(value)]
    if not found:
        # Some mailers drop the brackets; an address-shaped token is still an id.
        found = [f"<{inner}>" for inner in _BARE.findall(value)]
    return list(dict.fromkeys(i for i in found if _short_enough(i)))


def links(message_id: str, in_reply_to: Iterable[str], references: Iterable[str]) -> list[str]:
    """The other messages this one names: its References, then its In-Reply-To."""
    named = [*references, *in_reply_to]
    return [i for i in dict.fromkeys(named) if i != message_id]


def subject_tag(subject: str) -> int | None:
    """The inquiry number in a `[sredesk #123]` tag, wherever list prefixes put it."""
    found = _TAG.search(subject)
    return int(found.group(1)) if found else None


def clean_subject(subject: str) -> str:
    """The subject without reply markers, list prefixes and desk tags: an inquiry's title."""
    # Some list archives quote the whole subject: 'Re: Draft EVS-8a'.
    text = _TAG.sub(" ", " ".join(subject.split())).strip(" '\"")
    while True:
        stripped = _PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    text = " ".join(text.split()).strip(" '\"")
    return text[:300] or "(no subject)"


def reply_subject(title: str, number: int) -> str:
    return f"Re: {title} [sredesk #{number}]"


@dataclass(frozen=True)
class Signer:
    """Sign the desk's Message-IDs and reply addresses so the desk can recognise them later.

    Everything signed names an inquiry number; the MAC stops anyone from forging an address
    or a reference that would push mail into an inquiry they are not on.
    """

    secret: bytes = field(repr=False)
    address: str  # the desk's own address, e.g. sre-desk@example.org
    # The right-hand side of the desk's Message-IDs; the address's domain when empty.
    id_domain: str = ""

    @property
    def domain(self) -> str:
        return self.id_domain or self.address.rpartition("@")[2]

    def _mac(self, text: str) -> str:
        return hmac.new(self.secret, text.encode(), hashlib.sha256).hexdigest()[:20]

    def message_id(self, number: int, part: str) -> str:
        """A Message-ID for something the desk sends about inquiry `number`."""
        if not re.fullmatch(r"[a-z0-9]{1,40}", part):
            raise ValueError(f"message id part {part!r} must be short lowercase letters or digits")
        return f"<sredesk.{number}.{part}.{self._mac(f'{number}.{part}')}@{self.domain}>"

    def notification_id(self, number: int, notification: int) -> str:
        """The Message-ID of a member's notification about inquiry `number` (0: none)."""
        return self.message_id(number, f"n{notification}")

    def pseudo_reference(self, number: int) -> str:
        """The inquiry's stable reference, sent in every References header (as RT does)."""
        return self.message_id(number, "inquiry")

    def reply_address(self, number: int) -> str:
        local, _, domain = self.address.partition("@")
        return f"{local}+{number}.{self._mac(f'reply.{number}')}@{domain}"

    def verify_message_id(self, message_id: str) -> int | None:
        """The inquiry a desk Message-ID names, if the desk signed it."""
        signed = self._signed(message_id)
        return signed[0] if signed else None

    def is_notification(self, message_id: str) -> bool:
        """Whether the desk signed `message_id` for a member's notification: internal mail."""
        signed = self._signed(message_id)
        return signed is not None and _NOTIFICATION_PART.fullmatch(signed[1]) is not None

    def _signed(self, message_id: str) -> tuple[int, str] | None:
        """The inquiry and part of a Message-ID the desk signed; None for any other."""
        found = _DESK_ID.match(message_id)
        if found is None:
            return None
        number, part, mac = int(found.group(1)), found.group(2), found.group(3)
        expected = self._mac(f"{number}.{part}")
        return (number, part) if hmac.compare_digest(mac, expected) else None

    def verify_address(self, address: str) -> int | None:
        """The inquiry a reply address names, if it is the desk's and the token is genuine."""
        found = _TOKEN.match(address.strip().lower())
        if found is None:
            return None
        local, number, mac, domain = found.groups()
        own_local, _, own_domain = self.address.lower().partition("@")
        if (local, domain) != (own_local, own_domain):
            return None
        expected = self._mac(f"reply.{int(number)}")
        return int(number) if hmac.compare_digest(mac, expected) else None


@dataclass(frozen=True)
class Placement:
    """Where a message goes: an inquiry (None: a new one) and the inquiries merged into it."""

    target: int | None
    merge: tuple[int, ...] = ()
    via: str = "new"  # "message-id", "token", "tag" or "new"


def place(
    linked: Iterable[int], *, addressed: int | None = None, tagged: int | None = None
) -> Placement:
    """Choose the inquiry for a message from what links it to the desk's inquiries.

    `linked` are the inquiries holding any id the message names. They are one thread, so all
    merge into the oldest. The reply token, then an honoured subject tag, count only when no
    id links the message: they say where a reply was sent, not that two threads are one.
    """
    numbers = sorted(set(linked))
    if numbers:
        return Placement(numbers[0], tuple(numbers[1:]), "message-id")
    if addressed is not None:
        return Placement(addressed, (), "token")
    if tagged is not None:
        return Placement(tagged, (), "tag")
    return Placement(None)


def honours_tag(
    sender: str, *, on_inquiry: Iterable[str], members: Iterable[str], via_list: bool
) -> bool:
    """A subject tag counts from a sender on the inquiry, a member, or the inquiry's own list.

    Anyone can type a tag; honouring it from strangers would let them write into any inquiry.
    """
    sender = sender.lower()
    known = {a.lower() for a in on_inquiry} | {a.lower() for a in members}
    return via_list or sender in known


def resolve_alias(number: int, aliases: Mapping[int, int]) -> int:
    """Follow merges: an inquiry merged into another answers as that one."""
    seen = {number}
    while number in aliases:
        number = aliases[number]
        if number in seen:
            break
        seen.add(number)
    return number


@dataclass(eq=False)
class MailMessage:
    """One e-mail the desk received or sent, stored once by Message-ID whatever its copies."""

    message_id: str
    direction: str  # "in" or "out"
    outcome: str  # "imported", "ignored", "quarantined", "held" or "sent"
    received_at: datetime
    sender: str
    subject: str
    lists: list[str] = field(default_factory=list)
    inquiry_number: int | None = None
    reason: str = ""
    defects: list[str] = field(default_factory=list)
    # The message as it arrived: the comment shows the stripped text, this keeps the rest.
    raw: bytes = b""
    # The ids it names (In-Reply-To, References). A message no inquiry holds (quarantined,
    # ignored, held) still joins the thread through them when a later message names it.
    links: list[str] = field(default_factory=list)
    id: int | None = None


@dataclass(eq=False)
class InquiryAlias:
    """An inquiry merged into another: its tokens, tags and links now lead there."""

    merged_number: int
    into_number: int
    at: datetime
    id: int | None = None
