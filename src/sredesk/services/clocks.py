"""Apply the response clock to inquiries: their due time, and their state at a given moment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sredesk.core.calendar import BusinessCalendar
from sredesk.core.clock import ResponsePolicy, response_due, response_status
from sredesk.core.model import Inquiry

if TYPE_CHECKING:
    from sredesk.services.desk import Desk


def policy_for(desk: Desk, inquiry: Inquiry) -> ResponsePolicy:
    """The desk's policy, or the inquiry's own required response time when it has one."""
    return desk.policy.with_hours(inquiry.response_hours)


def response_due_for(desk: Desk, calendar: BusinessCalendar, inquiry: Inquiry) -> datetime:
    return response_due(calendar, inquiry.created_at, policy_for(desk, inquiry))


def response_clock(
    desk: Desk, calendar: BusinessCalendar, inquiry: Inquiry, now: datetime | None = None
) -> dict[str, Any]:
    status = response_status(
        calendar,
        inquiry.created_at,
        inquiry.first_response_at,
        now or desk.now(),
        policy_for(desk, inquiry),
    )
    return {
        "state": status.state.value,
        "due": status.due.astimezone(UTC).isoformat(),
        "used": round(status.used, 4),
        "remaining_seconds": int(status.remaining.total_seconds()),
    }
