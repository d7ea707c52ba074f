"""Measure a rotation against percent-time targets and rank replacements for a swap."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta

from sredesk.core.rotation_model import (
    BackToBack,
    FairnessReport,
    IsBusinessDay,
    MemberFairness,
    Plan,
    PlanningError,
    Role,
    RoleFairness,
    RosterMember,
    ShiftLike,
    SwapCandidate,
    WeekAssignment,
    as_assignments,
    is_away,
)

_WEEK = timedelta(days=7)


def role_counts(
    members: Sequence[RosterMember], weeks: Sequence[WeekAssignment], role: Role
) -> Counter[str]:
    """Count each roster member's weeks in `role`; former members' weeks are left out."""
    handles = {m.handle for m in members}
    return Counter(h for w in weeks if (h := w.holder(role)) in handles)


def targets(members: Sequence[RosterMember], slots: int) -> dict[str, float]:
    """Share `slots` weeks among the members in proportion to their percent-time."""
    total = sum(m.percent_time for m in members)
    return {m.handle: slots * m.percent_time / total for m in members}


def experience_before(
    member: RosterMember, weeks: Sequence[WeekAssignment], week_start: date
) -> int:
    """Primary weeks the member has served by the Monday `week_start`."""
    served = sum(1 for w in weeks if w.week_start < week_start and w.primary == member.handle)
    return member.primary_weeks_served + served


def fairness_report(
    members: Sequence[RosterMember],
    history: Sequence[ShiftLike],
    weeks: Sequence[ShiftLike],
    *,
    experienced_after: int,
) -> FairnessReport:
    """Report targets, actual weeks and exceptions of `weeks`, counting `history` too.

    A target is the member's percent-time share of the weeks served by current members,
    so a debt carries over from one plan to the next.
    """
    past, horizon = as_assignments(history), as_assignments(weeks)
    everything = past + horizon
    report: dict[Role, dict[str, RoleFairness]] = {}
    for role in Role:
        overall, planned = (
            role_counts(members, everything, role),
            role_counts(members, horizon, role),
        )
        target_all = targets(members, sum(overall.values()))
        target_horizon = targets(members, sum(planned.values()))
        report[role] = {
            m.handle: RoleFairness(
                target=target_all[m.handle],
                actual=overall[m.handle],
                target_horizon=target_horizon[m.handle],
                actual_horizon=planned[m.handle],
            )
            for m in members
        }
    return FairnessReport(
        members=tuple(
            MemberFairness(
                handle=m.handle,
                percent_time=m.percent_time,
                primary=report[Role.PRIMARY][m.handle],
                backup=report[Role.BACKUP][m.handle],
            )
            for m in members
        ),
        pairing_exceptions=pairing_exceptions(members, everything, horizon, experienced_after),
        back_to_back=back_to_back(everything, horizon),
    )


def pairing_exceptions(
    members: Sequence[RosterMember],
    everything: Sequence[WeekAssignment],
    horizon: Sequence[WeekAssignment],
    experienced_after: int,
) -> tuple[date, ...]:
    """Weeks of the horizon whose Primary and Backup are both still inexperienced."""
    by_handle = {m.handle: m for m in members}

    def inexperienced(handle: str, week_start: date) -> bool:
        member = by_handle.get(handle)
        return member is not None and (
            experience_before(member, everything, week_start) < experienced_after
        )

    return tuple(
        w.week_start
        for w in horizon
        if inexperienced(w.primary, w.week_start) and inexperienced(w.backup, w.week_start)
    )


def back_to_back(
    everything: Sequence[WeekAssignment], horizon: Sequence[WeekAssignment]
) -> tuple[BackToBack, ...]:
    """Horizon weeks whose Primary was also Primary the week before, history included."""
    primary_of = {w.week_start: w.primary for w in everything}
    return tuple(
        BackToBack(w.primary, w.week_start)
        for w in horizon
        if primary_of.get(w.week_start - _WEEK) == w.primary
    )


def swap_candidates(
    plan: Plan | Sequence[ShiftLike],
    week: date,
    role: Role,
    member: str,
    roster: Sequence[RosterMember],
    *,
    is_business_day: IsBusinessDay,
    history: Sequence[ShiftLike] = (),
) -> tuple[SwapCandidate, ...]:
    """List who could take `member`'s `role` in the week of `week`, best first.

    Those away that week and the week's other role holder are left out. The rest rank by
    fairness debt in the role (who owes the team most weeks), then by distance from their
    own nearest shift (a longer rest first), then by handle so the order is stable.
    """
    weeks = as_assignments(plan.weeks if isinstance(plan, Plan) else plan)
    shift = next((w for w in weeks if w.week_start == week), None)
    if shift is None:
        raise PlanningError(f"week of {week}: not in the plan; pick a planned Monday")
    if shift.holder(role) != member:
        raise PlanningError(
            f"week of {week}: {member} is not {role.value.capitalize()}"
            f" ({shift.holder(role)} is); name the member who holds the role"
        )
    everything = as_assignments(history) + weeks
    counts = role_counts(roster, everything, role)
    target = targets(roster, sum(counts.values()))
    candidates = [
        SwapCandidate(
            handle=m.handle,
            fairness_debt=round(target[m.handle] - counts[m.handle], 6),
            distance_weeks=_distance(m.handle, everything, week),
        )
        for m in roster
        if m.handle not in (shift.primary, shift.backup) and not is_away(m, week, is_business_day)
    ]
    return tuple(sorted(candidates, key=_rank))


def _rank(c: SwapCandidate) -> tuple[float, float, str]:
    distance = float("inf") if c.distance_weeks is None else c.distance_weeks
    return (-c.fairness_debt, -distance, c.handle)


def _distance(handle: str, weeks: Sequence[WeekAssignment], week: date) -> int | None:
    own = [abs((w.week_start - week).days) // 7 for w in weeks if handle in (w.primary, w.backup)]
    return min(own, default=None)
