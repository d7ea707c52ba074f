"""Open inquiries and carry their conversation: replies, notes, waits, resolutions, reopenings."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sredesk.core import clearance, lifecycle
from sredesk.core.errors import InvalidInput, InvalidTransition, NotFound
from sredesk.core.model import Attachment, Channel, Inquiry, MessageRef, State
from sredesk.core.roster import duty_at
from sredesk.services import clocks
from sredesk.services.desk import Desk, member, readable, recorded
from sredesk.services.ports import AbstractUnitOfWork
from sredesk.services.views import inquiry_detail, inquiry_summary

ACKNOWLEDGEMENT = (
    "Thank you for contacting the SRE desk. {primary} is looking into this and will follow up "
    "here. Reply to this conversation with anything more; it all stays together."
)


def parse_channel(value: str) -> Channel:
    try:
        return Channel(value)
    except ValueError:
        known = ", ".join(c.value for c in Channel)
        raise InvalidInput(f"unknown channel {value!r}; use one of: {known}") from None


def parse_state(value: str) -> State:
    try:
        return State(value)
    except ValueError:
        known = ", ".join(s.value for s in State)
        raise InvalidInput(f"unknown state {value!r}; use one of: {known}") from None


def _title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise InvalidInput("the inquiry needs a title; give a short summary")
    if len(cleaned) > 300:
        raise InvalidInput("the title is longer than 300 characters; shorten it")
    return cleaned


def open_inquiry(
    desk: Desk,
    *,
    title: str,
    channel: str,
    source: str,
    customers: Sequence[str] = (),
    body: str = "",
    author: str | None = None,
    actor: str = "system",
    sensitive: bool = False,
    serious: bool = False,
    response_hours: float | None = None,
    response_days: float | None = None,
    labels: Sequence[str] = (),
    created_at: datetime | None = None,
    message_id: str | None = None,
    redirected_by: str | None = None,
) -> int:
    """Track a new inquiry from first contact and give it to whoever holds the desk."""
    kind = parse_channel(channel)
    if kind is Channel.REDIRECT and not redirected_by:
        raise InvalidInput("a redirect needs the member the user reached (--redirected-by)")
    _check_response_time(response_hours, response_days)
    if not source.strip():
        raise InvalidInput("the inquiry needs a source: the list, repository or line it came in on")
    for customer in customers:
        problem = lifecycle.customer_problem(customer)
        if problem:
            raise InvalidInput(f"customer {customer!r} {problem}")
    with desk.unit_of_work() as uow:
        inquiry = create_in(
            desk,
            uow,
            title=title,
            channel=kind,
            source=source,
            customers=customers,
            body=body,
            author=author,
            actor=actor,
            sensitive=sensitive,
            serious=serious,
            response_hours=response_hours,
            response_days=response_days,
            labels=labels,
            created_at=created_at,
            message_id=message_id,
            redirected_by=redirected_by,
        )
        number = inquiry.number
        uow.commit()
    assert number is not None
    return number


def create_in(
    desk: Desk,
    uow: AbstractUnitOfWork,
    *,
    title: str,
    channel: Channel,
    source: str,
    customers: Sequence[str] = (),
    body: str = "",
    author: str | None = None,
    actor: str = "system",
    sensitive: bool = False,
    serious: bool = False,
    response_hours: float | None = None,
    response_days: float | None = None,
    labels: Sequence[str] = (),
    created_at: datetime | None = None,
    message_id: str | None = None,
    redirected_by: str | None = None,
    source_id: str | None = None,
) -> Inquiry:
    """Open an inquiry inside the caller's transaction, so a channel can add its own records.

    `source_id` identifies the first message on its channel (a GitHub issue's id) when it
    is not an e-mail Message-ID.
    """
    now = desk.now()
    arrived = created_at or now
    lifecycle.check_arrival(arrived, now=now)
    if redirected_by:
        redirected_by = member(uow, redirected_by).handle
    calendar = desk.calendar(uow)
    duty = duty_at(uow.shifts.list(), arrived, calendar)
    inquiry = Inquiry(
        title=_title(title),
        channel=channel,
        source=source.strip(),
        created_at=arrived,
        response_due=arrived,
        customers=[c.strip() for c in customers if c.strip()],
        sensitive=sensitive,
        serious=serious,
        response_hours=response_hours,
        response_days=response_days,
        redirected_by=redirected_by,
    )
    lifecycle.set_labels(inquiry, add=labels)
    inquiry.response_due = clocks.response_due_for(desk, calendar, inquiry)
    on_duty = [duty.holder, duty.backup] if duty else []
    # The holder; for a classified inquiry the first of the holder and the Backup cleared
    # for it, or nobody.
    inquiry.assignee = clearance.first_cleared(inquiry, map(uow.members.find, on_duty))
    if message_id:
        inquiry.message_refs.append(MessageRef(message_id=message_id))
    with recorded(uow, inquiry, "inquiry.created", actor=actor, now=now):
        uow.inquiries.add(inquiry)
        uow.flush()
        if body.strip():
            writer = author or (inquiry.customers[0] if inquiry.customers else actor)
            # A member recording a call or a chat writes a note; e-mail and GitHub
            # bodies are what the customer wrote.
            customer_facing = channel in (Channel.EMAIL, Channel.GITHUB)
            if uow.members.find(writer) is not None and not customer_facing:
                lifecycle.add_member_comment(inquiry, writer, body, public=False, now=arrived)
            else:
                lifecycle.add_customer_comment(
                    inquiry,
                    writer,
                    body,
                    now=arrived,
                    source_message_id=message_id or source_id,
                )
        if on_duty and inquiry.assignee is None:
            text = clearance.NOBODY_CLEARED.format(duty=", ".join(dict.fromkeys(on_duty)))
            lifecycle.add_member_comment(inquiry, "system", text, public=False, now=now)
    desk.observe(uow, inquiry, "inquiry.created", now)
    return inquiry


def assignee_of(desk: Desk, number: int) -> str | None:
    """Who holds the inquiry, without building its whole detail."""
    with desk.unit_of_work() as uow:
        return uow.inquiries.get(number).assignee


def check_readable(desk: Desk, number: int, *, see_classified: bool) -> None:
    """NotFound unless the reader may see inquiry `number`, as a read of it would answer."""
    with desk.unit_of_work() as uow:
        readable(uow, number, see_classified=see_classified)


def get_inquiry(desk: Desk, number: int, *, see_classified: bool = True) -> dict[str, Any]:
    """The inquiry with its conversation and records; NotFound if the reader may not see it."""
    with desk.unit_of_work() as uow:
        inquiry = readable(uow, number, see_classified=see_classified)
        calendar = desk.calendar(uow)
        events = uow.audit.list(inquiry_number=number)
        detail = inquiry_detail(
            inquiry,
            clock=clocks.response_clock(desk, calendar, inquiry),
            effort=uow.effort.list(inquiry_number=number),
            events=events,
        )
        detail["resolution_clock"] = clocks.resolution_clock(desk, calendar, inquiry, events)
        return detail


def list_inquiries(
    desk: Desk,
    *,
    state: str | None = None,
    assignee: str | None = None,
    channel: str | None = None,
    open_only: bool = False,
    see_classified: bool = True,
) -> list[dict[str, Any]]:
    """The inquiries that match, leaving out classified ones unless the reader may see them."""
    with desk.unit_of_work() as uow:
        if assignee is not None:
            assignee = member(uow, assignee, active=False).handle
        found = uow.inquiries.list(
            state=parse_state(state) if state else None,
            assignee=assignee,
            channel=parse_channel(channel) if channel else None,
            open_only=open_only,
        )
        calendar = desk.calendar(uow)
        return [
            inquiry_summary(i, clocks.response_clock(desk, calendar, i))
            for i in found
            if i.shown(see_classified=see_classified)
        ]


def _change(
    desk: Desk,
    number: int,
    action: str,
    actor: str,
    change: Any,
    *,
    as_member: bool = True,
    extra: dict[str, Any] | None = None,
) -> None:
    """Run one change on one inquiry in its own transaction, recorded in the audit log."""
    now = desk.now()
    with desk.unit_of_work() as uow:
        if as_member:
            actor = member(uow, actor).handle
        inquiry = uow.inquiries.get(number)
        with recorded(uow, inquiry, action, actor=actor, now=now, extra=extra):
            change(uow, inquiry, now)
        desk.observe(uow, inquiry, action, now)
        uow.commit()


def reply(desk: Desk, number: int, body: str, *, by: str) -> None:
    """Reply to the customer; every channel the inquiry lives on carries it out."""

    def change(uow: AbstractUnitOfWork, inquiry: Inquiry, now: datetime) -> None:
        comment = lifecycle.add_member_comment(inquiry, by.lstrip("@"), body, public=True, now=now)
        desk.publish(uow, inquiry, comment, now)

    _change(desk, number, "inquiry.replied", by, change)


def note(desk: Desk, number: int, body: str, *, by: str) -> None:
    _change(
        desk,
        number,
        "inquiry.noted",
        by,
        lambda uow, i, now: lifecycle.add_member_comment(
            i, by.lstrip("@"), body, public=False, now=now
        ),
    )


def acknowledge(desk: Desk, number: int, *, by: str) -> None:
    """Post the standard acknowledgement: a response, though not a resolution."""

    def change(uow: AbstractUnitOfWork, inquiry: Inquiry, now: datetime) -> None:
        if inquiry.first_response_at is not None:
            raise InvalidTransition(
                f"inquiry #{inquiry.number} has been responded to already; reply instead"
            )
        text = ACKNOWLEDGEMENT.format(primary=inquiry.assignee or by.lstrip("@"))
        comment = lifecycle.add_member_comment(inquiry, by.lstrip("@"), text, public=True, now=now)
        desk.publish(uow, inquiry, comment, now)

    _change(desk, number, "inquiry.acknowledged", by, change)


def customer_wrote(
    desk: Desk, number: int, *, author: str, body: str, message_id: str | None = None
) -> None:
    """Add what a customer wrote; it ends a wait, and reopens a resolved inquiry.

    The author is one customer, as on a new inquiry. A message id another inquiry holds is
    refused; the same message posted again to this inquiry changes nothing.
    """
    author = author.strip()
    if not author:
        raise InvalidInput("the customer's address or name is empty")
    problem = lifecycle.customer_problem(author)
    if problem:
        raise InvalidInput(f"the customer {author!r} {problem}")
    message_id = (message_id or "").strip() or None
    now = desk.now()
    with desk.unit_of_work() as uow:
        inquiry = uow.inquiries.get(number)
        if message_id is not None:
            holder = uow.inquiries.by_message_id(message_id)
            if holder is not None and holder.number != inquiry.number:
                raise InvalidTransition(
                    f"message {message_id} belongs to inquiry #{holder.number}; post it there"
                )
            if any(c.source_message_id == message_id for c in inquiry.comments):
                return  # posted already: a retry, not a second message
        with recorded(uow, inquiry, "inquiry.customer_wrote", actor=author, now=now):
            lifecycle.add_customer_comment(
                inquiry, author, body, now=now, source_message_id=message_id
            )
            if message_id and message_id not in inquiry.message_ids:
                inquiry.message_refs.append(MessageRef(message_id=message_id))
        desk.observe(uow, inquiry, "inquiry.customer_wrote", now)
        uow.commit()


def wait_on_customer(desk: Desk, number: int, *, by: str) -> None:
    _change(
        desk,
        number,
        "inquiry.waiting",
        by,
        lambda uow, i, now: lifecycle.wait_on_customer(i, now=now),
    )


def resolve(
    desk: Desk,
    number: int,
    kinds: Iterable[str],
    *,
    by: str,
    note: str = "",
    link_url: str | None = None,
    link_kind: str = "constructive-correction",
) -> None:
    kinds = list(kinds)

    def change(uow: AbstractUnitOfWork, inquiry: Inquiry, now: datetime) -> None:
        link = None
        if link_url:
            # Build the link apart from the inquiry, so a refused resolution adds nothing.
            scratch = Inquiry(
                title="", channel=Channel.EMAIL, source="", created_at=now, response_due=now
            )
            link = lifecycle.add_link(scratch, link_url, link_kind, by.lstrip("@"), now=now)
        lifecycle.resolve(inquiry, kinds, by.lstrip("@"), now=now, note=note, link=link)

    _change(desk, number, "inquiry.resolved", by, change)


def reopen(desk: Desk, number: int, *, by: str) -> None:
    _change(desk, number, "inquiry.reopened", by, lambda uow, i, now: lifecycle.reopen(i))


def close(desk: Desk, number: int, *, by: str) -> None:
    _change(desk, number, "inquiry.closed", by, lambda uow, i, now: lifecycle.close(i, now=now))


def mark_serious(desk: Desk, number: int, serious: bool, *, by: str) -> None:
    _change(
        desk,
        number,
        "inquiry.marked_serious",
        by,
        lambda uow, i, now: lifecycle.mark_serious(i, serious),
    )


def keep_at_handoff(desk: Desk, number: int, keep: bool, *, by: str) -> None:
    _change(desk, number, "inquiry.kept", by, lambda uow, i, now: lifecycle.mark_keep(i, keep))


def label(
    desk: Desk, number: int, *, by: str, add: Sequence[str] = (), remove: Sequence[str] = ()
) -> None:
    _change(
        desk,
        number,
        "inquiry.labelled",
        by,
        lambda uow, i, now: lifecycle.set_labels(i, add=add, remove=remove),
    )


def link(desk: Desk, number: int, url: str, kind: str, *, by: str) -> None:
    _change(
        desk,
        number,
        "inquiry.linked",
        by,
        lambda uow, i, now: lifecycle.add_link(i, url, kind, by.lstrip("@"), now=now),
    )


def assign(desk: Desk, number: int, to: str, *, by: str) -> None:
    def change(uow: AbstractUnitOfWork, inquiry: Inquiry, now: datetime) -> None:
        if not inquiry.is_open:
            raise InvalidTransition(
                f"inquiry #{inquiry.number} is {inquiry.state.value}; reopen it to reassign"
            )
        taker = member(uow, to)
        clearance.check_may_hold(inquiry, taker, cleared_handles(uow), to="assign it to")
        inquiry.assignee = taker.handle

    _change(desk, number, "inquiry.assigned", by, change)


def cleared_handles(uow: AbstractUnitOfWork) -> list[str]:
    """The active members cleared for classified inquiries."""
    return [m.handle for m in uow.members.list(active_only=True) if m.classified_access]


def confirm_redirect(desk: Desk, number: int, *, by: str) -> None:
    _change(
        desk,
        number,
        "inquiry.redirect_confirmed",
        by,
        lambda uow, i, now: lifecycle.confirm_redirect(i, now=now),
    )


def _check_response_time(hours: float | None, days: float | None) -> None:
    if hours is not None and days is not None:
        raise InvalidInput("give the required response time in hours or in days, not both")
    if hours is not None and not 0 < hours <= 24 * 365:
        raise InvalidInput("the required response time must be between 0 and 8760 hours")
    if days is not None and not 0 < days <= 365:
        raise InvalidInput("the required response time must be between 0 and 365 days")


def set_response_time(
    desk: Desk, number: int, hours: float | None, *, days: float | None = None, by: str
) -> None:
    """Give the inquiry its own required response time, e.g. a classified customer's.

    `hours` are business hours, like the desk's own goal; `days` are calendar days, nights
    and weekends included, as a contract may count them. Neither: the desk's goal again.
    """
    _check_response_time(hours, days)

    def change(uow: AbstractUnitOfWork, inquiry: Inquiry, now: datetime) -> None:
        inquiry.response_hours, inquiry.response_days = hours, days
        inquiry.response_due = clocks.response_due_for(desk, desk.calendar(uow), inquiry)

    _change(desk, number, "inquiry.response_time_set", by, change)


def find_by_message_id(desk: Desk, message_id: str) -> int:
    with desk.unit_of_work() as uow:
        inquiry = uow.inquiries.by_message_id(message_id)
        if inquiry is None or inquiry.number is None:
            raise NotFound(f"no inquiry holds message {message_id}")
        return inquiry.number


def sweep_stale(desk: Desk, *, days: int | None = None) -> list[int]:
    """Resolve as no-reply every inquiry whose customer has been silent too long.

    `days` defaults to the team's setting (21). Serious inquiries are left alone: they need
    a postmortem, which no sweep can write.
    """
    if days is not None and not 1 <= days <= lifecycle.MAX_STALE_DAYS:
        raise InvalidInput(
            f"the stale period must be between 1 and {lifecycle.MAX_STALE_DAYS} days"
        )
    now = desk.now()
    closed: list[int] = []
    with desk.unit_of_work() as uow:
        days = days or uow.team.get().stale_after_days
        for inquiry in uow.inquiries.list(open_only=True):
            if inquiry.serious or not lifecycle.is_stale(inquiry, now=now, days=days):
                continue
            with recorded(uow, inquiry, "inquiry.resolved", actor="system", now=now):
                lifecycle.resolve(
                    inquiry,
                    ["no-reply"],
                    "system",
                    now=now,
                    note=f"No reply from the customer for {days} days.",
                )
            desk.observe(uow, inquiry, "inquiry.resolved", now)
            assert inquiry.number is not None
            closed.append(inquiry.number)
        uow.commit()
    return closed


# Attachments larger than this are refused; the mail gateway applies its own configured limit.
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024


def attach(
    desk: Desk, number: int, *, filename: str, content_type: str, content: bytes, by: str
) -> int:
    """Store a file on the inquiry; it stays private until a member approves it."""
    # Only plain characters survive: the name ends up in paths and download headers.
    name = re.sub(r"[^A-Za-z0-9._ -]", "_", filename.strip()).strip(". ")
    if not name:
        raise InvalidInput("the attachment needs a file name")
    # The database keeps 255 characters of each.
    if len(name) > 255 or len(content_type) > 255:
        raise InvalidInput("the attachment's file name and type must be 255 characters at most")
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise InvalidInput(f"{name} is larger than {MAX_ATTACHMENT_BYTES // 2**20} MiB")
    holder: dict[str, int] = {}

    def change(uow: AbstractUnitOfWork, inquiry: Inquiry, now: datetime) -> None:
        attachment = Attachment(
            filename=name,
            content_type=content_type or "application/octet-stream",
            size=len(content),
            content=content,
            created_at=now,
        )
        inquiry.attachments.append(attachment)
        uow.flush()
        assert attachment.id is not None
        holder["id"] = attachment.id

    _change(desk, number, "inquiry.attached", by, change, extra={"filename": name})
    return holder["id"]


def approve_attachment(desk: Desk, number: int, attachment_id: int, *, by: str) -> None:
    """A member approves an attachment for world read."""

    def change(uow: AbstractUnitOfWork, inquiry: Inquiry, now: datetime) -> None:
        found = next((a for a in inquiry.attachments if a.id == attachment_id), None)
        if found is None:
            raise NotFound(f"inquiry #{number} has no attachment {attachment_id}")
        if found.world_readable:
            raise InvalidTransition(f"attachment {attachment_id} is approved already")
        found.world_readable = True
        found.approved_by = by.lstrip("@")

    _change(
        desk, number, "inquiry.attachment_approved", by, change, extra={"attachment": attachment_id}
    )


def attachment_content(
    desk: Desk, number: int, attachment_id: int, *, public_only: bool, see_classified: bool = True
) -> tuple[str, str, bytes]:
    """The file's name, type and bytes; `public_only` refuses one not approved yet."""
    with desk.unit_of_work() as uow:
        inquiry = readable(uow, number, see_classified=see_classified)
        found = next((a for a in inquiry.attachments if a.id == attachment_id), None)
        if found is None or (public_only and not found.world_readable):
            raise NotFound(f"inquiry #{number} has no readable attachment {attachment_id}")
        return found.filename, found.content_type, bytes(found.content)
