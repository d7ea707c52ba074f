"""Apply the response clock to inquiries: their due time, and their state at a given moment."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sredesk.core.clock import (
    Pause,
    ResponsePolicy,
    resolution_status,
    response_due,
    response_status,
)
from sredesk.core.model import AuditEvent, Inquiry, State
from sredesk.services.desk import recorded

# The caller passes the calendar in, so its module (and NumPy) is needed for annotations only.
if TYPE_CHECKING:
    from sredesk.core.calendar import BusinessCalendar
    from sredesk.services.desk import Desk
    from sredesk.services.ports import AbstractUnitOfWork


def policy_for(desk: Desk, inquiry: Inquiry) -> ResponsePolicy:
    """The desk's policy, or the inquiry's own required response time when it has one."""
    if inquiry.response_days is not None:
        return ResponsePolicy.calendar_days(inquiry.response_days, desk.policy.thresholds)
    return desk.policy.with_hours(inquiry.response_hours)


def response_due_for(desk: Desk, calendar: BusinessCalendar, inquiry: Inquiry) -> datetime:
    return response_due(calendar, inquiry.created_at, policy_for(desk, inquiry))


def recompute_due(
    desk: Desk, uow: AbstractUnitOfWork, *, now: datetime, actor: str, reason: str
) -> list[int]:
    """Store each unanswered open inquiry's due time anew, on the team's calendar as it is.

    The due time is stored for the queue's order and the views, so it goes stale when the
    calendar changes under it (a holiday added, other hours, another calendar for the team):
    the caller runs this in the transaction that makes the change, or, for a change to the
    configuration, the first time the calendar is used after it. An inquiry answered or
    resolved keeps its due time: its clock stopped by it. Return the inquiries moved.
    """
    calendar = desk.calendar(uow)
    moved = []
    for inquiry in uow.inquiries.list(open_only=True):
        if inquiry.first_response_at is not None or inquiry.number is None:
            continue
        due = response_due_for(desk, calendar, inquiry)
        if due == inquiry.response_due:
            continue
        with recorded(
            uow,
            inquiry,
            "inquiry.response_due_recomputed",
            actor=actor,
            now=now,
            extra={"reason": reason},
        ):
            inquiry.response_due = due
        moved.append(inquiry.number)
    return moved


def response_stop(inquiry: Inquiry) -> datetime | None:
    """Where the response clock stops: the first response, or the resolution while it stands.

    A resolution is no response: reopened without one, the inquiry is new again and its
    clock runs from arrival. But while an inquiry is resolved or closed, nobody waits for
    the desk's answer, so a clock that no response stopped stops at the resolution, met or
    missed by then, instead of running on for ever; a reply written after the resolution (a
    summary of the call that settled it) does not move it.
    """
    if inquiry.is_open:
        return inquiry.first_response_at
    stops = [t for t in (inquiry.first_response_at, inquiry.resolved_at or inquiry.closed_at) if t]
    return min(stops) if stops else None


def responded_by(inquiry: Inquiry, stop: datetime | None) -> bool:
    """Whether the clock stopped at `stop` was stopped by a response, not a resolution."""
    return stop is not None and stop == inquiry.first_response_at


def response_clock(
    desk: Desk, calendar: BusinessCalendar, inquiry: Inquiry, now: datetime | None = None
) -> dict[str, Any]:
    status = response_status(
        calendar,
        inquiry.created_at,
        response_stop(inquiry),
        now or desk.now(),
        policy_for(desk, inquiry),
    )
    return {
        "state": status.state.value,
        "due": status.due.astimezone(UTC).isoformat(),
        "used": round(status.used, 4),
        "remaining_seconds": int(status.remaining.total_seconds()),
    }


def waiting_pauses(events: Iterable[AuditEvent]) -> list[Pause]:
    """The intervals spent waiting on the customer, read from the audit timeline."""
    waiting = State.WAITING.value
    pauses: list[Pause] = []
    started: datetime | None = None
    for event in sorted(events, key=lambda e: (e.at, e.id or 0)):
        if event.after.get("state") == waiting and started is None:
            started = event.at
        elif event.before.get("state") == waiting and started is not None:
            pauses.append((started, event.at))
            started = None
    if started is not None:
        pauses.append((started, None))
    return pauses


def resolution_clock(
    desk: Desk, calendar: BusinessCalendar, inquiry: Inquiry, events: Iterable[AuditEvent]
) -> dict[str, Any] | None:
    """The resolution clock, paused while waiting on the customer; None without a target."""
    if desk.resolution_policy is None:
        return None
    status = resolution_status(
        calendar,
        inquiry.created_at,
        inquiry.resolved_at,
        desk.now(),
        desk.resolution_policy,
        waiting_pauses(events),
    )
    return {
        "state": status.state.value,
        "due": status.due.astimezone(UTC).isoformat() if status.due else None,
        "used": round(status.used, 4),
        "remaining_seconds": int(status.remaining.total_seconds()),
        "paused": status.paused,
    }
