"""Gather what the inquiry page shows: the conversation with its original e-mail, the clocks
in the desk's zone, the timeline in words, and who may be asked for help."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sredesk.adapters.mail.parse import parse
from sredesk.core import clearance
from sredesk.core.calendar import CalendarError
from sredesk.core.calendar_years import check_year
from sredesk.core.errors import NotFound
from sredesk.core.handoff import earlier_handoff
from sredesk.core.model import AuditEvent, EscalationStatus, Inquiry, LinkKind, ResolutionKind
from sredesk.core.roster import duty_at, week_start
from sredesk.services import clocks, shifts
from sredesk.services.desk import Desk, readable
from sredesk.services.ports import AbstractUnitOfWork
from sredesk.services.queue import business_span, clock_row
from sredesk.services.views import inquiry_detail

# What each audit action did, in the words of the desk; unknown actions show their name.
ACTIONS = {
    "inquiry.created": "opened the inquiry",
    "inquiry.replied": "replied to the customer",
    "inquiry.noted": "wrote an internal note",
    "inquiry.acknowledged": "acknowledged the inquiry",
    "inquiry.auto_acknowledged": "sent the automatic acknowledgement",
    "inquiry.customer_wrote": "wrote to the desk",
    "inquiry.waiting": "set it waiting on the customer",
    "inquiry.resolved": "resolved it",
    "inquiry.reopened": "reopened it",
    "inquiry.closed": "closed it",
    "inquiry.marked_serious": "changed the serious marker",
    "inquiry.kept": "changed keep-at-handoff",
    "inquiry.labelled": "changed the labels",
    "inquiry.linked": "linked a product issue",
    "inquiry.promoted": "promoted it to a product issue",
    "inquiry.assigned": "reassigned it",
    "inquiry.redirect_confirmed": "confirmed the redirect",
    "inquiry.response_time_set": "set the required response time",
    "inquiry.response_due_recomputed": "moved the response due time",
    "inquiry.escalated": "escalated it",
    "inquiry.escalation_answered": "answered an escalation",
    "inquiry.attached": "attached a file",
    "inquiry.attachment_approved": "approved an attachment for world read",
    "inquiry.postmortem_written": "wrote the postmortem",
    "inquiry.handed_off": "handed it off",
    "inquiry.merged": "merged another inquiry into it",
    "effort.logged": "logged effort",
}
# The changed fields worth a line in the timeline; counts and timestamps are noise there.
_SHOWN_FIELDS = ("state", "assignee", "serious", "keep_at_handoff", "sensitive", "labels")
_EXTRA_FIELDS = ("to_member", "answer", "filename", "reason")


def local(value: datetime | str | None, tz: ZoneInfo) -> str:
    """'Wed 18 Nov 2026 10:00' in the desk's zone, for a datetime or its ISO text."""
    if value is None:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(tz).strftime("%a %d %b %Y %H:%M")


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return "none" if value is None else str(value)


def _what(event: AuditEvent) -> str:
    # Asking a member who delayed again is the same escalation asked once more.
    if event.after.get("reasked"):
        return "asked again"
    return ACTIONS.get(event.action, event.action)


def describe(event: AuditEvent, tz: ZoneInfo) -> dict[str, Any]:
    """One timeline line: when, who, what, and the fields that changed."""
    changes = [
        f"{name.replace('_', ' ')}: {_shown(event.before.get(name))} → {_shown(event.after[name])}"
        for name in _SHOWN_FIELDS
        if name in event.after
    ]
    changes += [
        f"{name.replace('_', ' ')}: {_shown(event.after[name])}"
        for name in _EXTRA_FIELDS
        if name in event.after
    ]
    if event.action == "effort.logged":
        changes.append(f"{event.after.get('minutes', '?')} min")
    return {
        "at": event.at.isoformat(),
        "when": local(event.at, tz),
        "actor": event.actor,
        "what": _what(event),
        "changes": changes,
    }


def original_text(uow: AbstractUnitOfWork, message_id: str | None) -> str | None:
    """The whole text of the e-mail a comment came from, quotation included; None if not mail."""
    if not message_id:
        return None
    found = uow.mail.get(message_id)
    if found is None or not found.raw:
        return None
    return parse(found.raw).text


def _comments(
    uow: AbstractUnitOfWork, comments: Iterable[dict[str, Any]], tz: ZoneInfo
) -> list[dict[str, Any]]:
    return [
        {
            **c,
            "when": local(c["created_at"], tz),
            "original": original_text(uow, c["source_message_id"]),
        }
        for c in comments
    ]


def _resolution_clock(clock: dict[str, Any] | None, tz: ZoneInfo) -> dict[str, Any] | None:
    if clock is None:
        return None
    left = timedelta(seconds=clock["remaining_seconds"])
    return {**clock, "due_local": local(clock["due"], tz), "left": business_span(left)}


def _open_escalations_for(me: str, escalations: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    waiting = {EscalationStatus.REQUESTED.value, EscalationStatus.DELAYED.value}
    return [e for e in escalations if e["to_member"] == me and e["status"] in waiting]


def _kept_this_week(
    uow: AbstractUnitOfWork, inquiry: Inquiry, now: datetime, tz: ZoneInfo
) -> str | None:
    """When this week's handoff kept the open inquiry, in the desk's zone; else None.

    That handoff cleared the keep mark, yet running it again keeps the inquiry still.
    """
    if not inquiry.is_open:
        return None
    try:
        _, _, route = shifts.handoff_route(uow, tz, week_start(now.astimezone(tz).date()))
    except NotFound:
        return None
    earlier = earlier_handoff(inquiry, route)
    return local(earlier.at, tz) if earlier and earlier.kept_by_previous else None


def inquiry_page(desk: Desk, number: int, *, me: str, see_classified: bool) -> dict[str, Any]:
    """Everything the inquiry page shows, read in one transaction; NotFound if there is none
    or the reader may not see it."""
    now = desk.now()
    with desk.unit_of_work() as uow:
        inquiry = readable(uow, number, see_classified=see_classified)
        calendar = desk.calendar(uow)
        tz = calendar.tz
        events = uow.audit.list(inquiry_number=number)
        page = inquiry_detail(
            inquiry,
            clock=clock_row(desk, calendar, inquiry, now),
            effort=uow.effort.list(inquiry_number=number),
            events=events,
        )
        page["resolution_clock"] = _resolution_clock(
            clocks.resolution_clock(desk, calendar, inquiry, events), tz
        )
        page["comments"] = _comments(uow, page["comments"], tz)
        page["timeline"] = [
            describe(e, tz) for e in sorted(events, key=lambda e: (e.at, e.id or 0))
        ]
        page["effort_minutes"] = sum(e["minutes"] for e in page["effort"])
        page["created_local"] = local(inquiry.created_at, tz)
        for escalation in page["escalations"]:
            escalation["when"] = local(escalation["requested_at"], tz)
        page["my_escalations"] = _open_escalations_for(me, page["escalations"])
        # Whom the escalation may ask: on a classified inquiry, only members cleared for it.
        page["members"] = [
            m.handle
            for m in uow.members.list()
            if m.active and m.handle != me and clearance.may_hold(inquiry, m)
        ]
        duty = duty_at(uow.shifts.list(), now, calendar)
        page["duty"] = (
            None
            if duty is None
            else {"primary": duty.primary, "backup": duty.backup, "delegate": duty.delegate}
        )
        page["kept_this_week"] = _kept_this_week(uow, inquiry, now, tz)
        page["timezone"] = str(tz)
        page["today"] = now.astimezone(tz).strftime("%a %d %b")
    page["resolution_kinds"] = [k.value for k in ResolutionKind]
    page["link_kinds"] = [k.value for k in LinkKind]
    return page


def end_of_day(now: datetime, tz: ZoneInfo) -> datetime:
    """Midnight at the end of `now`'s day in the desk's zone."""
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=tz)


def parse_local(text: str, tz: ZoneInfo) -> datetime | None:
    """A datetime-local field's value ('2026-11-20T17:00') in the desk's zone; None if invalid.

    A year outside the calendar's raises CalendarError, before any conversion of zones; so
    does a wall time that does not exist in `tz`.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    check_year(moment.year)
    if moment.tzinfo is not None:
        return moment
    wall = moment.replace(tzinfo=tz)
    # A time the clocks skip (02:30 on the day summer time starts) names no instant: taken
    # as it stands it would be an hour off, so it is refused.
    if wall.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != moment:
        raise CalendarError(
            f"{text.strip()} does not exist in {tz.key}: the clocks skip that hour; "
            "give a time before or after it"
        )
    return wall


def desk_zone(desk: Desk) -> ZoneInfo:
    with desk.unit_of_work() as uow:
        return desk.calendar(uow).tz
