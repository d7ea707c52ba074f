"""Build the Primary's queue: open inquiries by deadline, each with its response clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sredesk.core.calendar import BusinessCalendar
from sredesk.core.clock import ClockState, response_status
from sredesk.core.errors import InvalidInput
from sredesk.core.model import Inquiry, State
from sredesk.core.queue import VIEWS, QueueQuery
from sredesk.core.roster import duty_at
from sredesk.services import clocks
from sredesk.services.desk import Desk
from sredesk.services.views import _iso

PER_PAGE = 50
# Words, not only colours: each clock state reads the same in print and to a screen reader.
CLOCK_LABELS = {
    ClockState.ON_TRACK: "on track",
    ClockState.AT_RISK: "at risk",
    ClockState.BREACHED: "breached",
    ClockState.MET: "responded in time",
    ClockState.MISSED: "responded late",
}
# A clock that a resolution stopped, with no response before it.
UNANSWERED_LABELS = {
    ClockState.MET: "resolved in time, no response",
    ClockState.MISSED: "resolved late, no response",
}


def business_span(span: timedelta) -> str:
    """'2 h 05 min' for a span of business time."""
    minutes = max(0, int(span.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def clock_row(
    desk: Desk, calendar: BusinessCalendar, inquiry: Inquiry, now: datetime
) -> dict[str, Any]:
    stop = clocks.response_stop(inquiry)
    status = response_status(
        calendar, inquiry.created_at, stop, now, clocks.policy_for(desk, inquiry)
    )
    label = CLOCK_LABELS[status.state]
    if stop is not None and not clocks.responded_by(inquiry, stop):
        label = UNANSWERED_LABELS.get(status.state, label)
    if status.state is ClockState.BREACHED:
        text = f"breached {business_span(calendar.elapsed(status.due, now))} ago"
    elif status.state in (ClockState.ON_TRACK, ClockState.AT_RISK):
        text = f"{business_span(status.remaining)} left"
    else:
        text = label
    return {
        "state": status.state.value,
        "label": label,
        "text": text,
        "due": _iso(status.due),
        # With its zone's abbreviation: members may live in other zones than the desk's.
        "due_local": status.due.astimezone(calendar.tz).strftime("%a %d %b %H:%M %Z"),
        "remaining_seconds": int(status.remaining.total_seconds()),
        "running": stop is None,
    }


def _query(
    view: str, me: str, source: str | None, search: str, page: int, see_classified: bool
) -> QueueQuery:
    if view not in VIEWS:
        raise InvalidInput(f"unknown view {view!r}; use one of {', '.join(VIEWS)}")
    if page < 1:
        raise InvalidInput("the page must be 1 or more")
    return QueueQuery(
        assignee=me if view == "mine" else None,
        unassigned=view == "unassigned",
        source=source or None,
        search=search,
        offset=(page - 1) * PER_PAGE,
        limit=PER_PAGE,
        see_classified=see_classified,
    )


def queue(
    desk: Desk,
    *,
    me: str,
    see_classified: bool,
    view: str = "all",
    source: str | None = None,
    search: str = "",
    page: int = 1,
) -> dict[str, Any]:
    """One page of the queue; for a reader off the desk, without classified inquiries.

    What is left out is not counted either: a count that changed with the filters would tell
    a viewer which titles or numbers the classified inquiries have.
    """
    query = _query(view, me, source, search, page, see_classified)
    now = desk.now()
    with desk.unit_of_work() as uow:
        calendar = desk.calendar(uow)
        found, total = uow.inquiries.queue(query)
        rows = [
            {
                "number": i.number,
                "title": i.title,
                "channel": i.channel.value,
                "source": i.source,
                "assignee": i.assignee,
                "state": i.state.value,
                "waiting": i.state is State.WAITING,
                "serious": i.serious,
                "sensitive": i.sensitive,
                "keep_at_handoff": i.keep_at_handoff,
                "created_at": _iso(i.created_at),
                "clock": clock_row(desk, calendar, i, now),
            }
            for i in found
        ]
        sources = list(uow.inquiries.open_sources(see_classified=see_classified))
        today = now.date()
        near = uow.shifts.list(start=today - timedelta(days=14), end=today + timedelta(days=14))
        duty = duty_at(near, now, calendar)
        held = (
            None
            if duty is None
            else {
                "week_start": duty.shift.week_start.isoformat(),
                "primary": duty.primary,
                "backup": duty.backup,
                "delegate": duty.delegate,
                "holder": duty.holder,
            }
        )
    return {
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PER_PAGE)),
        "view": view,
        "source": source or "",
        "search": search,
        "sources": sources,
        "now": _iso(now),
        "duty": held,
        "classified_left_out": not see_classified,
    }
