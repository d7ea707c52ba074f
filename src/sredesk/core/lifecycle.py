"""Move an inquiry through its lifecycle: new, responded, waiting, resolved, closed, reopened.

Every function checks first and changes second, so a refused command leaves the inquiry as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from email.utils import getaddresses

from sredesk.core.calendar_years import check_year
from sredesk.core.errors import InvalidInput, InvalidTransition
from sredesk.core.model import (
    OPEN_STATES,
    Comment,
    Inquiry,
    LinkKind,
    Postmortem,
    ProductLink,
    Resolution,
    ResolutionKind,
    State,
)

RESOLVABLE = OPEN_STATES
# The longest customer: an e-mail address's limit, and the stored author's.
MAX_CUSTOMER = 320
# How far ahead of the desk's clock an arrival may be given: another clock may run fast.
ARRIVAL_SKEW = timedelta(minutes=5)
# The longest silence a sweep may ask for: ten years.
MAX_STALE_DAYS = 3650


def _require(inquiry: Inquiry, allowed: Iterable[State], action: str) -> None:
    if inquiry.state not in allowed:
        names = ", ".join(sorted(s.value for s in allowed))
        raise InvalidTransition(
            f"inquiry #{inquiry.number} is {inquiry.state.value}; {action} needs it to be {names}"
        )


def _require_text(text: str, what: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput(f"{what} is empty; give some text")
    return cleaned


def check_arrival(arrived: datetime, *, now: datetime) -> None:
    """Refuse an arrival the desk cannot place: without an offset, off the calendar, or ahead.

    An arrival may be given for a call or a mail taken earlier, never for one still to come:
    its response would precede it in the records. A few minutes ahead are allowed, for a
    client whose clock runs fast.
    """
    if arrived.tzinfo is None:
        raise InvalidInput("the arrival time needs a UTC offset")
    check_year(arrived.year)
    if arrived > now + ARRIVAL_SKEW:
        raise InvalidInput(
            f"the arrival time {arrived.isoformat()} is in the future; give when it arrived"
        )


def customer_problem(customer: str) -> str | None:
    """Why `customer` cannot be recorded as one customer, or None when it can.

    A customer is one person: a name, a handle, or one e-mail address. An address becomes a
    header of the desk's mail, where a line break would end the header (the message could
    never be built) and a list would mail people nobody named. It is at most as long as an
    e-mail address may be (320 characters), which is what the desk stores of an author.
    """
    if len(customer) > MAX_CUSTOMER:
        return f"is longer than {MAX_CUSTOMER} characters; give a name or one e-mail address"
    if len(customer.splitlines()) > 1 or "\r" in customer or "\n" in customer:
        return "must be one line; give each customer separately"
    if "@" in customer:
        found = getaddresses([customer])
        if len(found) != 1 or "@" not in found[0][1]:
            return "must be exactly one e-mail address; give each customer separately"
    return None


def add_member_comment(
    inquiry: Inquiry,
    author: str,
    body: str,
    *,
    public: bool,
    now: datetime,
    is_response: bool = True,
) -> Comment:
    """Record a member's reply (public) or internal note; a first public reply is the response.

    A notice the desk sends on its own behalf, such as a handoff, is public but not a
    response (`is_response=False`): it must not stop the response clock.
    """
    if inquiry.state is State.CLOSED:
        raise InvalidTransition(f"inquiry #{inquiry.number} is closed; reopen it before writing")
    comment = Comment(author=author, body=_require_text(body, "the comment"), created_at=now)
    comment.public = public
    if public and is_response:
        if inquiry.first_response_at is None:
            inquiry.first_response_at = now
        if inquiry.state is State.NEW:
            inquiry.state = State.RESPONDED
        inquiry.last_desk_at = now
    inquiry.comments.append(comment)
    return comment


def add_customer_comment(
    inquiry: Inquiry,
    author: str,
    body: str,
    *,
    now: datetime,
    source_message_id: str | None = None,
) -> Comment:
    """Record what a customer wrote; it ends a wait and reopens a resolved or closed inquiry."""
    comment = Comment(
        author=author,
        body=body.strip(),
        created_at=now,
        public=True,
        by_member=False,
        source_message_id=source_message_id,
    )
    if inquiry.state is State.WAITING:
        inquiry.state = State.RESPONDED
        inquiry.waiting_since = None
    elif inquiry.state in (State.RESOLVED, State.CLOSED):
        _reopen(inquiry)
    if author not in inquiry.customers:
        inquiry.customers = [*inquiry.customers, author]
    inquiry.last_customer_at = now
    inquiry.comments.append(comment)
    return comment


def wait_on_customer(inquiry: Inquiry, *, now: datetime) -> None:
    _require(inquiry, {State.RESPONDED}, "waiting on the customer")
    inquiry.state = State.WAITING
    inquiry.waiting_since = now


def resolve(
    inquiry: Inquiry,
    kinds: Iterable[str],
    by: str,
    *,
    now: datetime,
    note: str = "",
    link: ProductLink | None = None,
) -> Resolution:
    """Resolve with one or more kinds; promotion needs a link, a serious inquiry a postmortem."""
    _require(inquiry, RESOLVABLE, "resolving")
    chosen = parse_kinds(kinds)
    if ResolutionKind.PROMOTED in chosen and link is None and not inquiry.links:
        raise InvalidInput("resolving as promoted needs the link to the product-development issue")
    _require_postmortem(inquiry, "resolving")
    if link is not None:
        inquiry.links.append(link)
    resolution = Resolution(kinds=[k.value for k in chosen], by=by, at=now, note=note.strip())
    inquiry.resolutions.append(resolution)
    inquiry.state = State.RESOLVED
    inquiry.resolved_at = now
    inquiry.waiting_since = None
    inquiry.keep_at_handoff = False
    return resolution


def parse_kinds(kinds: Iterable[str]) -> list[ResolutionKind]:
    chosen: list[ResolutionKind] = []
    for raw in kinds:
        try:
            kind = ResolutionKind(raw.strip())
        except ValueError:
            known = ", ".join(k.value for k in ResolutionKind)
            raise InvalidInput(f"unknown resolution kind {raw!r}; use one of: {known}") from None
        if kind not in chosen:
            chosen.append(kind)
    if not chosen:
        raise InvalidInput("resolving needs at least one resolution kind")
    return chosen


def _require_postmortem(inquiry: Inquiry, action: str) -> None:
    """A serious inquiry is settled only with its postmortem: resolving and closing both."""
    if inquiry.serious and inquiry.postmortem is None:
        raise InvalidTransition(
            f"inquiry #{inquiry.number} is serious; write its postmortem before {action}"
        )


def close(inquiry: Inquiry, *, now: datetime) -> None:
    """Close a resolved inquiry; one marked serious after it was resolved needs its postmortem."""
    _require(inquiry, {State.RESOLVED}, "closing")
    _require_postmortem(inquiry, "closing")
    inquiry.state = State.CLOSED
    inquiry.closed_at = now


def reopen(inquiry: Inquiry) -> None:
    _require(inquiry, {State.RESOLVED, State.CLOSED}, "reopening")
    _reopen(inquiry)


def _reopen(inquiry: Inquiry) -> None:
    inquiry.state = State.RESPONDED if inquiry.first_response_at else State.NEW
    inquiry.resolved_at = None
    inquiry.closed_at = None


def is_stale(inquiry: Inquiry, *, now: datetime, days: int) -> bool:
    """True when the desk spoke last and the customer has been silent for `days`."""
    if inquiry.state not in (State.RESPONDED, State.WAITING) or inquiry.last_desk_at is None:
        return False
    if inquiry.last_customer_at is not None and inquiry.last_customer_at > inquiry.last_desk_at:
        return False
    return now - inquiry.last_desk_at >= timedelta(days=days)


def mark_serious(inquiry: Inquiry, serious: bool) -> None:
    if inquiry.state is State.CLOSED:
        raise InvalidTransition(f"inquiry #{inquiry.number} is closed; reopen it first")
    inquiry.serious = serious


def mark_keep(inquiry: Inquiry, keep: bool) -> None:
    _require(inquiry, OPEN_STATES, "keeping at handoff")
    inquiry.keep_at_handoff = keep


def attach_postmortem(inquiry: Inquiry, postmortem: Postmortem) -> None:
    for name in ("what_happened", "why", "recommendations"):
        _require_text(getattr(postmortem, name), f"the postmortem's {name.replace('_', ' ')}")
    inquiry.postmortems.append(postmortem)


def link_kind(kind: str) -> LinkKind:
    """The kind of a link to a product issue, or a refusal naming the kinds there are."""
    try:
        return LinkKind(kind)
    except ValueError:
        known = ", ".join(k.value for k in LinkKind)
        raise InvalidInput(f"unknown link kind {kind!r}; use one of: {known}") from None


def add_link(inquiry: Inquiry, url: str, kind: str, by: str, *, now: datetime) -> ProductLink:
    if not url.startswith(("https://", "http://")):
        raise InvalidInput(f"link {url!r} is not an http(s) URL; give the issue's address")
    link = ProductLink(url=url, kind=link_kind(kind), added_by=by, added_at=now)
    inquiry.links.append(link)
    return link


def set_labels(inquiry: Inquiry, add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
    labels = list(inquiry.labels)
    for label in add:
        label = label.strip()
        if not label or "," in label:
            raise InvalidInput(f"label {label!r} must be non-empty and have no comma")
        if label not in labels:
            labels.append(label)
    drop = set(remove)
    inquiry.labels = [label for label in labels if label not in drop]


def confirm_redirect(inquiry: Inquiry, *, now: datetime) -> None:
    """Record the three-way confirmation that the user reached the Primary."""
    if inquiry.redirected_by is None:
        raise InvalidTransition(f"inquiry #{inquiry.number} is not a redirect; nothing to confirm")
    if inquiry.redirect_confirmed_at is not None:
        raise InvalidTransition(f"inquiry #{inquiry.number}'s redirect is confirmed already")
    inquiry.redirect_confirmed_at = now
