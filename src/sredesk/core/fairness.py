"""Measure a rotation against percent-time targets and rank replacements for a swap."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from fractions import Fraction

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


def joined_weeks(
    members: Sequence[RosterMember], history: Sequence[WeekAssignment], first_planned: date
) -> dict[str, date]:
    """The Monday from which each member owes weeks.

    A member's recorded `joined` counts, unless they served in `history` (as Primary or
    Backup) before it: they were evidently there, so they count from their first week
    served. Without a recorded date the weeks must tell. A member who served counts from the
    history's first week: when in that time they arrived, the weeks cannot tell, since a
    rotation may leave anyone out for a while. A member who has served none is new, and
    counts from the first week being planned, `first_planned`.
    """
    first_served: dict[str, date] = {}
    for w in history:
        for handle in (w.primary, w.backup):
            first_served[handle] = min(first_served.get(handle, w.week_start), w.week_start)
    start = min((w.week_start for w in history), default=first_planned)

    def joined(member: RosterMember) -> date:
        served = first_served.get(member.handle)
        if member.joined is not None:
            return member.joined if served is None else min(member.joined, served)
        return first_planned if served is None else start

    return {m.handle: joined(m) for m in members}


def counted_weeks(
    members: Sequence[RosterMember], weeks: Sequence[WeekAssignment], role: Role
) -> list[date]:
    """The Mondays of `weeks` whose `role` a current member held, as `role_counts` counts."""
    handles = {m.handle for m in members}
    return [w.week_start for w in weeks if w.holder(role) in handles]


def fair_shares(
    members: Sequence[RosterMember], weeks: Iterable[date], joined: Mapping[str, date]
) -> dict[str, Fraction]:
    """Each member's fair number of `weeks`, by percent-time, from the week they joined.

    Each week is shared among the members who had joined by then, in proportion to their
    percent-time, so a newcomer owes nothing for the weeks before they came, and someone at
    50% owes half as many weeks as someone at 100%. The shares of a week add up to 1.
    """
    shares = {m.handle: Fraction(0) for m in members}
    for week in weeks:
        present = [m for m in members if joined[m.handle] <= week] or list(members)
        total = sum(m.percent_time for m in present)
        for m in present:
            shares[m.handle] += Fraction(m.percent_time, total)
    return shares


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

    A target is the member's fair share (`fair_shares`) of the weeks served by current
    members since they joined, so a debt carries over from one plan to the next, and a
    newcomer starts with none.
    """
    past, horizon = as_assignments(history), as_assignments(weeks)
    everything = past + horizon
    joined = joined_weeks(members, past, horizon[0].week_start if horizon else date.max)
    report: dict[Role, dict[str, RoleFairness]] = {}
    for role in Role:
        overall, planned = (
            role_counts(members, everything, role),
            role_counts(members, horizon, role),
        )
        target_all = fair_shares(members, counted_weeks(members, everything, role), joined)
        target_horizon = fair_shares(members, counted_weeks(members, horizon, role), joined)
        report[role] = {
            m.handle: RoleFairness(
                target=float(target_all[m.handle]),
                actual=overall[m.handle],
                target_horizon=float(target_horizon[m.handle]),
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

    Those away that week, those who join the rotation after it (`joined_weeks`) and the
    week's other role holder are left out. The rest rank by fairness debt in the role (who
    owes the team most weeks), then by distance from their own nearest shift (a longer rest
    first), then by handle so the order is stable.
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
    past = as_assignments(history)
    everything = past + weeks
    counts = role_counts(roster, everything, role)
    joined = joined_weeks(roster, past, min(w.week_start for w in weeks))
    target = fair_shares(roster, counted_weeks(roster, everything, role), joined)
    candidates = [
        SwapCandidate(
            handle=m.handle,
            fairness_debt=round(float(target[m.handle] - counts[m.handle]), 6),
            distance_weeks=_distance(m.handle, everything, week),
        )
        for m in roster
        if m.handle not in (shift.primary, shift.backup)
        and joined[m.handle] <= week
        and not is_away(m, week, is_business_day)
    ]
    return tuple(sorted(candidates, key=_rank))


def _rank(c: SwapCandidate) -> tuple[float, float, str]:
    distance = float("inf") if c.distance_weeks is None else c.distance_weeks
    return (-c.fairness_debt, -distance, c.handle)


def _distance(handle: str, weeks: Sequence[WeekAssignment], week: date) -> int | None:
    own = [abs((w.week_start - week).days) // 7 for w in weeks if handle in (w.primary, w.backup)]
    return min(own, default=None)


def swap_warnings(
    members: Sequence[RosterMember],
    before: Sequence[ShiftLike],
    after: Sequence[ShiftLike],
    week: date,
    *,
    experienced_after: int,
) -> tuple[str, ...]:
    """One line for each of the planner's soft rules that swapping `week` newly breaks.

    The planner treats an inexperienced pair and back-to-back Primary weeks as exceptions
    it keeps as few as fairness allows, not as refusals, so a swap that makes one is made
    and says why. Weeks from `week` on are compared: taking a Primary week from someone
    may delay the week they count as experienced, and the following week may become a
    second Primary week in a row. Exceptions that were there before the swap are not news.
    """
    old, new = as_assignments(before), as_assignments(after)
    horizon = [w for w in new if w.week_start >= week]
    known = set(pairing_exceptions(members, old, old, experienced_after))
    by_week = {w.week_start: w for w in new}
    lines = [
        f"week of {d}: Primary {by_week[d].primary} and Backup {by_week[d].backup} have both "
        f"served fewer than {experienced_after} Primary weeks; the planner pairs a newer "
        "Primary with an experienced Backup"
        for d in pairing_exceptions(members, new, horizon, experienced_after)
        if d not in known
    ]
    runs = set(back_to_back(old, old))
    lines += [
        f"week of {run.week_start}: {run.handle} is Primary in the week before too; "
        "the planner avoids back-to-back Primary weeks"
        for run in back_to_back(new, horizon)
        if run not in runs
    ]
    return tuple(lines)
