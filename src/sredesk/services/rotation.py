"""Plan the rotation, publish it as the desk's shifts, and swap weeks between members."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sredesk.core import roster as roster_rules
from sredesk.core.calendar_years import check_year
from sredesk.core.errors import InvalidInput, InvalidTransition
from sredesk.core.fairness import fairness_report, swap_candidates, swap_warnings
from sredesk.core.model import (
    Member,
    PlannedWeek,
    PlanStatus,
    RotationPlan,
    Shift,
    Swap,
)
from sredesk.core.rotation import plan_rotation
from sredesk.core.rotation_model import (
    Role,
    RosterMember,
    TimeOffRange,
    WeekAssignment,
)
from sredesk.services.desk import Desk, audit, member, notify
from sredesk.services.ports import AbstractUnitOfWork


def roster_of(uow: AbstractUnitOfWork) -> list[RosterMember]:
    """The active members as the planner sees them, with their time-off."""
    return as_roster(uow, uow.members.list(active_only=True))


def as_roster(uow: AbstractUnitOfWork, members: Iterable[Member]) -> list[RosterMember]:
    """The members as the planner sees them, with their time-off."""
    time_off = uow.members.time_off()
    return [
        RosterMember(
            handle=m.handle,
            percent_time=m.percent_time,
            primary_weeks_served=m.experience,
            time_off=tuple(
                TimeOffRange(t.start, t.end, t.reason) for t in time_off if t.member == m.handle
            ),
            name=m.name,
            email=m.email,
            classified_access=m.classified_access,
            joined=m.joined,
        )
        for m in members
    ]


def roster_of_desk(desk: Desk) -> list[RosterMember]:
    with desk.unit_of_work() as uow:
        return roster_of(uow)


def _assignments(shifts: list[Shift]) -> list[WeekAssignment]:
    return [WeekAssignment(s.week_start, s.primary, s.backup) for s in shifts]


def _held(shifts: list[Shift], start: date, weeks: int) -> dict[str, list[str]]:
    """The pairs the shifts hold in the horizon by Monday; a week without a shift is left out."""
    end = start + timedelta(weeks=weeks)
    return {
        s.week_start.isoformat(): [s.primary, s.backup]
        for s in shifts
        if start <= s.week_start < end
    }


def _check_horizon(start: date, weeks: int) -> None:
    if start.weekday() != 0:
        raise InvalidInput(f"--start {start} is not a Monday; plans start on Mondays")
    if not 1 <= weeks <= 52:
        raise InvalidInput(f"--weeks {weeks} is outside 1..52")
    check_year(start.year)  # then the end, at most 52 weeks on, is still a date
    check_year((start + timedelta(weeks=weeks)).year)


def plan(desk: Desk, start: date, weeks: int, *, by: str = "system") -> dict[str, Any]:
    """Draft a plan from the roster, the weeks served before `start` and the published plan."""
    _check_horizon(start, weeks)
    now = desk.now()
    with desk.unit_of_work() as uow:
        team = uow.team.get()
        calendar = desk.calendar(uow)
        this_week = _this_week(desk, uow)
        if start < this_week:
            raise InvalidInput(
                f"--start {start} is a week that is over, and past weeks are history; "
                f"plan from this week's Monday, {this_week}, or a later one"
            )
        shifts = list(uow.shifts.list())
        history = _assignments([s for s in shifts if s.week_start < start])
        # The published shifts are the plan to stay close to: moving a week people have
        # arranged their lives around has a cost.
        previous = _assignments([s for s in shifts if s.week_start >= start])
        result = plan_rotation(
            roster_of(uow),
            start=start,
            weeks=weeks,
            is_business_day=calendar.is_business_day,
            experienced_after=team.experienced_after,
            history=history,
            previous=previous,
        )
        draft = RotationPlan(
            start=start,
            weeks_count=weeks,
            created_at=now,
            created_by=by,
            optimal=result.optimal,
            fairness=result.fairness.to_json(),
            moved=result.moved,
            weeks=[PlannedWeek(w.week_start, w.primary, w.backup) for w in result.weeks],
            drafted_against=_held(shifts, start, weeks),
        )
        uow.rotation.add_plan(draft)
        uow.flush()
        audit(
            uow,
            "plan.drafted",
            actor=by,
            now=now,
            after={
                "plan": draft.id,
                "start": start.isoformat(),
                "weeks": weeks,
                "optimal": result.optimal,
                "moved": result.moved,
            },
        )
        view = plan_view(draft)
        uow.commit()
    return view


def plan_view(p: RotationPlan) -> dict[str, Any]:
    return {
        "id": p.id,
        "status": p.status.value,
        "start": p.start.isoformat(),
        "weeks": [
            {"week_start": w.week_start.isoformat(), "primary": w.primary, "backup": w.backup}
            for w in p.weeks
        ],
        "optimal": p.optimal,
        "fairness": dict(p.fairness),
        "moved": p.moved,
        "created_at": p.created_at.isoformat(),
        "created_by": p.created_by,
        "published_at": p.published_at.isoformat() if p.published_at else None,
    }


def list_plans(desk: Desk) -> list[dict[str, Any]]:
    with desk.unit_of_work() as uow:
        return [plan_view(p) for p in uow.rotation.plans()]


def publish(desk: Desk, plan_id: int, *, by: str = "system") -> dict[str, Any]:
    """Make a draft the desk's shifts for its weeks, and tell the team."""
    now = desk.now()
    with desk.unit_of_work() as uow:
        draft = uow.rotation.get_plan(plan_id)
        if draft.status is not PlanStatus.DRAFT:
            raise InvalidTransition(f"plan {plan_id} is {draft.status.value}; draft a new one")
        this_week = _this_week(desk, uow)
        if draft.start < this_week:
            raise InvalidTransition(
                f"plan {plan_id} starts in the week of {draft.start}, which is over, and "
                f"past weeks are history; draft again from {this_week} or later"
            )
        _check_unchanged(uow, draft)
        planned = {w.week_start for w in draft.weeks}
        for other in uow.rotation.plans(status=PlanStatus.PUBLISHED):
            if planned & {w.week_start for w in other.weeks}:
                other.status = PlanStatus.SUPERSEDED
        changed = [_apply_week(uow, w.week_start, w.primary, w.backup, now) for w in draft.weeks]
        draft.status, draft.published_at = PlanStatus.PUBLISHED, now
        audit(
            uow,
            "plan.published",
            actor=by,
            now=now,
            after={"plan": plan_id, "changed_weeks": [d.isoformat() for d in changed if d]},
        )
        for m in uow.members.list(active_only=True):
            notify(
                uow,
                m.handle,
                f"[sredesk] rotation from {draft.start} published",
                "\n".join(
                    f"{w.week_start}: Primary {w.primary}, Backup {w.backup}" for w in draft.weeks
                ),
                kind="rotation",
                now=now,
            )
        view = plan_view(draft)
        uow.commit()
    return view


def _check_unchanged(uow: AbstractUnitOfWork, draft: RotationPlan) -> None:
    """Refuse a draft whose weeks changed since it was drafted: publishing it would undo that.

    A swap, a `shift set` or another plan's publication may have changed a week of the
    horizon after the draft was made; its pair for that week knows nothing of the change.
    """
    if draft.drafted_against is None:
        raise InvalidTransition(
            f"plan {draft.id} was drafted before the desk kept what a draft was drafted "
            "against, so its weeks may have changed since; draft again"
        )
    now_held = _held(list(uow.shifts.list()), draft.start, draft.weeks_count)
    for week in sorted(set(now_held) | set(draft.drafted_against)):
        if now_held.get(week) != draft.drafted_against.get(week):
            raise InvalidTransition(
                f"week of {week} changed since plan {draft.id} was drafted; draft again"
            )


def _apply_week(
    uow: AbstractUnitOfWork, week: date, primary: str, backup: str, now: datetime
) -> date | None:
    """Set the week's pair; return the week if it changed. A changed pair ends delegations."""
    shift = uow.shifts.find(week)
    if shift is None:
        uow.shifts.add(Shift(week_start=week, primary=primary, backup=backup))
        return week
    return week if roster_rules.set_pair(shift, primary, backup, now=now) else None


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidInput(f"role {value!r} must be primary or backup") from None


def _this_week(desk: Desk, uow: AbstractUnitOfWork) -> date:
    """The Monday of the desk's current week, in its calendar's zone."""
    return roster_rules.week_start(desk.now().astimezone(desk.calendar(uow).tz).date())


def refuse_past_week(desk: Desk, uow: AbstractUnitOfWork, week: date) -> None:
    """Refuse to swap a week that is over: that would rewrite history and its fairness."""
    week = roster_rules.week_start(week)
    if week < _this_week(desk, uow):
        raise InvalidInput(f"the week of {week} is over; ask for this week or a later one")


def swap_options(desk: Desk, week: date, role: str, holder: str) -> list[dict[str, Any]]:
    """Who could take `holder`'s role that week: ranked by fairness debt, then rest.

    A week that is over is refused.
    """
    with desk.unit_of_work() as uow:
        return _candidates(desk, uow, week, role, holder)


def _candidates(
    desk: Desk, uow: AbstractUnitOfWork, week: date, role: str, holder: str
) -> list[dict[str, Any]]:
    refuse_past_week(desk, uow, week)
    calendar = desk.calendar(uow)
    shifts = _assignments(list(uow.shifts.list()))
    ranked = swap_candidates(
        shifts,
        roster_rules.week_start(week),
        _role(role),
        holder.lstrip("@"),
        roster_of(uow),
        is_business_day=calendar.is_business_day,
    )
    return [
        {"handle": c.handle, "fairness_debt": c.fairness_debt, "distance_weeks": c.distance_weeks}
        for c in ranked
    ]


def swap(
    desk: Desk, week: date, role: str, holder: str, to: str, *, by: str, note: str = ""
) -> list[str]:
    """Give `holder`'s role that week to a willing member; record it and tell the team.

    Return a line for each of the planner's soft rules the swap breaks (see `swap_in`).
    """
    with desk.unit_of_work() as uow:
        warnings = swap_in(desk, uow, week, role, holder, to, by=by, note=note)
        uow.commit()
    return warnings


def swap_in(
    desk: Desk,
    uow: AbstractUnitOfWork,
    week: date,
    role: str,
    holder: str,
    to: str,
    *,
    by: str,
    note: str = "",
) -> list[str]:
    """Make the swap inside the caller's transaction, e.g. with the request it answers.

    Return one line for each week the swap leaves to two newer members, or to someone
    Primary twice in a row: the planner avoids these but allows them, and so does a swap.
    """
    week = roster_rules.week_start(week)
    now = desk.now()
    actor = member(uow, by).handle
    replacement = member(uow, to).handle
    eligible = [c["handle"] for c in _candidates(desk, uow, week, role, holder)]
    if replacement not in eligible:
        raise InvalidInput(
            f"{replacement} cannot take that week (away, or already on it); "
            f"eligible: {', '.join(eligible) or 'nobody'}"
        )
    before = _assignments(list(uow.shifts.list()))
    shift = uow.shifts.get(week)
    pair = {"primary": shift.primary, "backup": shift.backup}
    pair[_role(role).value] = replacement
    _apply_week(uow, week, pair["primary"], pair["backup"], now)
    warnings = _swap_warnings(uow, before, WeekAssignment(week, pair["primary"], pair["backup"]))
    uow.rotation.add_swap(
        Swap(
            week_start=week,
            role=_role(role).value,
            from_member=holder.lstrip("@"),
            to_member=replacement,
            at=now,
            by=actor,
            note=note,
        )
    )
    audit(
        uow,
        "shift.swapped",
        actor=actor,
        now=now,
        after={
            "week_start": week.isoformat(),
            "role": role,
            "from": holder.lstrip("@"),
            "to": replacement,
            **({"warnings": warnings} if warnings else {}),
        },
    )
    for m in uow.members.list(active_only=True):
        notify(
            uow,
            m.handle,
            f"[sredesk] week of {week}: {replacement} is now {role}",
            f"{replacement} takes over as {role} from {holder.lstrip('@')} for the "
            f"week of {week}. {note}".strip(),
            kind="swap",
            now=now,
        )
    return warnings


def _swap_warnings(
    uow: AbstractUnitOfWork, before: list[WeekAssignment], swapped: WeekAssignment
) -> list[str]:
    after = [swapped if w.week_start == swapped.week_start else w for w in before]
    return list(
        swap_warnings(
            roster_of(uow),
            before,
            after,
            swapped.week_start,
            experienced_after=uow.team.get().experienced_after,
        )
    )


def fairness(desk: Desk) -> dict[str, Any]:
    """The fairness report: weeks from this one on, against everything served before."""
    with desk.unit_of_work() as uow:
        team = uow.team.get()
        this_week = roster_rules.week_start(desk.now().astimezone(desk.calendar(uow).tz).date())
        shifts = list(uow.shifts.list())
        report = fairness_report(
            roster_of(uow),
            _assignments([s for s in shifts if s.week_start < this_week]),
            _assignments([s for s in shifts if s.week_start >= this_week]),
            experienced_after=team.experienced_after,
        )
        return report.to_json()
