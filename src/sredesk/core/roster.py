"""Decide who holds the desk: the week's Primary, the Backup, delegations, escalations, handoffs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sredesk.core.errors import InvalidInput, InvalidTransition, NotFound
from sredesk.core.model import (
    Delegation,
    DelegationStatus,
    Escalation,
    EscalationStatus,
    Inquiry,
    Shift,
)

# Only annotations name the calendar: importing it loads NumPy, which a command that reads
# the roster without a calendar does not need.
if TYPE_CHECKING:
    from sredesk.core.calendar import BusinessCalendar


def week_start(day: date) -> date:
    """Return the Monday of the week that holds `day`."""
    return day - timedelta(days=day.weekday())


def shift_for(shifts: Sequence[Shift], day: date) -> Shift | None:
    monday = week_start(day)
    return next((s for s in shifts if s.week_start == monday), None)


def duty_week(at: datetime, calendar: BusinessCalendar) -> date:
    """The Monday of the shift that holds the desk at `at`: that of the next opening.

    While the desk is closed, an arrival's clock starts at the next opening, so the hours
    after Friday's close, a weekend, or the evening before a holiday closure belong to the
    Primary of the week the desk opens in, not to the outgoing one. Who holds the desk, and
    which shift a delegation starting at `at` belongs to, are both decided here.
    """
    return week_start(calendar.next_opening(at).astimezone(calendar.tz).date())


def handoff_due(week: date, is_business_day: Callable[[date], bool]) -> date:
    """The day from which the handoff of `week` may run: its last business day.

    The handoff ends a shift, so before that day the week's Primary still holds the desk and
    what arrives is theirs to answer. A week with no business day waits for nothing.
    """
    monday = week_start(week)
    days = (monday + timedelta(days=offset) for offset in range(7))
    return max((day for day in days if is_business_day(day)), default=monday)


def handoff_week(today: date, is_business_day: Callable[[date], bool]) -> date:
    """The Monday of the week whose handoff is due on `today`.

    This week's from its last business day on; before that, the week that ended, so a
    handoff run on a Monday morning hands on last week's inquiries, not the new Primary's.
    """
    this_week = week_start(today)
    if today >= handoff_due(this_week, is_business_day):
        return this_week
    return this_week - timedelta(days=7)


def check_handoff_due(week: date, today: date, is_business_day: Callable[[date], bool]) -> None:
    """Refuse to hand off a week before its last business day."""
    due = handoff_due(week, is_business_day)
    if today < due:
        raise InvalidInput(
            f"the week of {week_start(week)} has not ended: hand it off from its last "
            f"business day, {due:%A} {due}"
        )


def roles_during(
    shifts: Sequence[Shift],
    handle: str,
    start: date,
    end: date,
    is_business_day: Callable[[date], bool],
) -> list[tuple[date, str]]:
    """The (Monday, role) of each week `handle` holds whose business days [start, end] touches.

    Time-off there leaves a published week without its holder: the member should find a
    replacement, as the planner would have for a week it knew them away.
    """
    found: list[tuple[date, str]] = []
    for shift in sorted(shifts, key=lambda s: s.week_start):
        days = (shift.week_start + timedelta(days=offset) for offset in range(7))
        if any(start <= day <= end and is_business_day(day) for day in days):
            held = {"primary": shift.primary, "backup": shift.backup}
            found += [(shift.week_start, role) for role, who in held.items() if who == handle]
    return found


@dataclass(frozen=True)
class Duty:
    """Who holds the desk at one instant, and why."""

    shift: Shift
    primary: str
    backup: str
    # Set when a delegation is in force: the member who acts as Primary.
    delegate: str | None = None

    @property
    def holder(self) -> str:
        return self.delegate or self.primary


def duty_at(shifts: Sequence[Shift], at: datetime, calendar: BusinessCalendar) -> Duty | None:
    """Return who takes an inquiry that arrives at `at`: the shift of `duty_week`."""
    shift = shift_for(shifts, duty_week(at, calendar))
    if shift is None:
        return None
    delegate = next((d.to_member for d in shift.delegations if d.in_force(at)), None)
    return Duty(shift=shift, primary=shift.primary, backup=shift.backup, delegate=delegate)


def request_delegation(
    shift: Shift, start: datetime, end: datetime, *, by: str, now: datetime, tz: ZoneInfo
) -> Delegation:
    """The Primary proposes to hand the role to the Backup for [start, end).

    The window is time still to come, within the shift's week (which ends at the next
    Monday's midnight in the calendar's zone, `tz`): the desk looks for a delegation only
    on the shift it belongs to, so a window past the week would promise what nobody applies,
    and one already over would rewrite who held the desk.
    """
    if by != shift.primary:
        raise InvalidTransition(
            f"only the Primary of the week of {shift.week_start} ({shift.primary}) can delegate"
        )
    if end <= start:
        raise InvalidInput("the delegation ends before it starts; give an end after the start")
    if end <= now:
        raise InvalidInput(
            f"the delegation window ended at {_local(end, tz)}; give a window still to come"
        )
    week_end = datetime.combine(shift.week_start + timedelta(weeks=1), time(0), tzinfo=tz)
    if end > week_end:
        raise InvalidInput(
            f"the delegation ends after the week of {shift.week_start}, which ends at "
            f"{_local(week_end, tz)}; end it by then"
        )
    for other in shift.delegations:
        live = other.status in (DelegationStatus.PROPOSED, DelegationStatus.ACCEPTED)
        if live and other.start < end and start < other.end:
            raise InvalidTransition(
                f"delegation {other.id} already covers part of that window; end it first"
            )
    delegation = Delegation(
        from_member=shift.primary,
        to_member=shift.backup,
        start=start,
        end=end,
        requested_at=now,
    )
    shift.delegations.append(delegation)
    return delegation


def answer_delegation(delegation: Delegation, *, by: str, accept: bool, now: datetime) -> None:
    """The Backup accepts or declines; a window that is over can only be declined."""
    if delegation.status is not DelegationStatus.PROPOSED:
        raise InvalidTransition(f"delegation {delegation.id} is {delegation.status.value} already")
    if by != delegation.to_member:
        raise InvalidTransition(
            f"only {delegation.to_member}, the Backup asked, can answer delegation {delegation.id}"
        )
    if accept and delegation.end <= now:
        raise InvalidTransition(
            f"delegation {delegation.id}'s window ended at {delegation.end.isoformat()};"
            " decline it, and ask for a new one"
        )
    delegation.status = DelegationStatus.ACCEPTED if accept else DelegationStatus.DECLINED
    delegation.answered_at = now


def _local(moment: datetime, tz: ZoneInfo) -> str:
    """A time as the desk reads it: in the calendar's zone, named."""
    return f"{moment.astimezone(tz):%Y-%m-%d %H:%M} {tz.key}"


def end_delegation(delegation: Delegation, *, by: str, now: datetime) -> None:
    if delegation.status not in (DelegationStatus.PROPOSED, DelegationStatus.ACCEPTED):
        raise InvalidTransition(f"delegation {delegation.id} is {delegation.status.value} already")
    if by not in (delegation.from_member, delegation.to_member):
        raise InvalidTransition(
            f"only the Primary or the Backup can end delegation {delegation.id}"
        )
    _end(delegation, now)


def _end(delegation: Delegation, now: datetime) -> None:
    """End it at `now`: one that has not begun keeps no time at all, and so was never in force."""
    delegation.status = DelegationStatus.ENDED
    delegation.end = min(delegation.end, max(now, delegation.start))


def set_pair(shift: Shift, primary: str, backup: str, *, now: datetime) -> bool:
    """Give the week to `primary` and `backup`; return whether its pair changed.

    A delegation is between the Primary and the Backup who agreed it, so a new pair ends the
    week's proposed and accepted delegations at `now`, as ending one by hand does: the old
    Backup no longer takes inquiries for it, and the feeds show it only for the time it held.
    """
    if (shift.primary, shift.backup) == (primary, backup):
        return False
    shift.primary, shift.backup = primary, backup
    for d in shift.delegations:
        if d.status in (DelegationStatus.PROPOSED, DelegationStatus.ACCEPTED):
            _end(d, now)
    return True


def escalate(
    inquiry: Inquiry,
    to_member: str,
    *,
    by: str,
    backup: str | None,
    now: datetime,
    note: str = "",
) -> Escalation:
    """Ask for help: the Backup first, then any member by @handle."""
    if not inquiry.is_open:
        raise InvalidTransition(
            f"inquiry #{inquiry.number} is {inquiry.state.value}; reopen it before escalating"
        )
    if to_member == by:
        raise InvalidInput("you cannot escalate to yourself; name the Backup or another member")
    asked = {e.to_member for e in inquiry.escalations}
    if backup is not None and to_member != backup and backup not in asked and backup != by:
        raise InvalidTransition(
            f"escalate to the Backup ({backup}) first, then to other members by @handle"
        )
    pending = open_escalation(inquiry, to_member)
    if pending is not None and pending.status is EscalationStatus.REQUESTED:
        raise InvalidTransition(f"{to_member} has been asked already and has not answered")
    if pending is not None:
        # A delay leaves the escalation open: asking again asks on it, so that one escalation
        # per member stays open and its answer closes it; the audit keeps the delay.
        pending.status, pending.answered_at, pending.answer_note = (
            EscalationStatus.REQUESTED,
            None,
            "",
        )
        pending.requested_by, pending.requested_at, pending.note = by, now, note
        return pending
    escalation = Escalation(to_member=to_member, requested_by=by, requested_at=now, note=note)
    inquiry.escalations.append(escalation)
    return escalation


def open_escalation(inquiry: Inquiry, to_member: str) -> Escalation | None:
    """The escalation to `to_member` still waiting on them (asked, or delayed), if any."""
    waiting = (EscalationStatus.REQUESTED, EscalationStatus.DELAYED)
    return next(
        (e for e in inquiry.escalations if e.to_member == to_member and e.status in waiting),
        None,
    )


def answer_escalation(
    escalation: Escalation, answer: str, *, by: str, now: datetime, note: str = ""
) -> None:
    """The member asked accepts, delays or declines."""
    try:
        status = EscalationStatus(answer)
    except ValueError:
        raise InvalidInput(
            f"unknown answer {answer!r}; use accepted, delayed or declined"
        ) from None
    if status is EscalationStatus.REQUESTED:
        raise InvalidInput("answer with accepted, delayed or declined")
    if by != escalation.to_member:
        raise InvalidTransition(f"only {escalation.to_member} can answer this escalation")
    if escalation.status in (EscalationStatus.ACCEPTED, EscalationStatus.DECLINED):
        raise InvalidTransition(f"escalation {escalation.id} was {escalation.status.value} already")
    escalation.status = status
    escalation.answered_at = now
    escalation.answer_note = note.strip()


def find_delegation(shifts: Sequence[Shift], delegation_id: int) -> Delegation:
    for shift in shifts:
        for d in shift.delegations:
            if d.id == delegation_id:
                return d
    raise NotFound(f"no delegation {delegation_id}; list them with the week's shift")
