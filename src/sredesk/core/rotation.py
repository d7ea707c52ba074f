"""Plan Primary and Backup weeks with CP-SAT, fair by percent-time and stable across re-plans.

Hard rules: every week has one Primary and one Backup, who differ, and nobody is assigned
in a week where one of their time-off days falls on a business day, or before the Monday
they joined (as `fairness.joined_weeks` finds it).

The objective is lexicographic. Each level is minimised in turn, then held at its optimum
while the next one is minimised:

1. the largest |Primary weeks - target| of any member, history included;
2. the total of those Primary deviations;
3. the largest Backup deviation;
4. the total Backup deviation;
5. the number of back-to-back Primary weeks (the week before the horizon counts);
6. the number of weeks whose Primary and Backup are both inexperienced (fewer than
   `experienced_after` Primary weeks served by that week, planned weeks included);
7. the number of Primary and Backup slots that differ from the previous published plan.

A target is the member's percent-time share of all weeks served by current members over
history plus horizon, counted from the week the member joined: the recorded join Monday
(or their first week served, if they served before it); without one, the history's first week
for anyone who served in it and the horizon's first for someone who has served none. So
fairness debt carries over from one plan to the next, and a newcomer starts without any, in
their first plan and in every plan after it. Fairness comes
before the softer rules: a back-to-back or an inexperienced pair appears only when avoiding
it would make someone's share less fair.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from fractions import Fraction
from math import gcd, lcm

from ortools.sat.python import cp_model

from sredesk.core.fairness import (
    counted_weeks,
    fair_shares,
    fairness_report,
    joined_weeks,
    role_counts,
)
from sredesk.core.rotation_model import (
    MAX_HORIZON_WEEKS,
    IsBusinessDay,
    Plan,
    PlanningError,
    Role,
    RosterMember,
    ShiftLike,
    WeekAssignment,
    as_assignments,
    check_monday,
    check_roster,
    is_away,
)

#: Deterministic time (the solver's own work unit, about a second) allowed per objective level.
#: A wall-clock limit would make the plan depend on the machine's speed.
DEFAULT_EFFORT = 10.0

_WEEK = timedelta(days=7)
Slot = tuple[int, int]  # (week index, member index)


def plan_rotation(
    members: Sequence[RosterMember],
    *,
    start: date,
    weeks: int,
    is_business_day: IsBusinessDay,
    experienced_after: int = 4,
    history: Sequence[ShiftLike] = (),
    previous: Sequence[ShiftLike] = (),
    effort: float = DEFAULT_EFFORT,
) -> Plan:
    """Assign a Primary and a Backup to each of `weeks` weeks from the Monday `start`.

    `history` holds the weeks already served (before `start`); `previous` is the last
    published plan, kept wherever fairness allows. The same input gives the same plan, in
    whatever order it lists the members; the fairness report lists them by handle.
    Raises PlanningError naming the week when a week has fewer than two members available.
    """
    past = _check_request(members, start, weeks, history)
    # The model's variables, the greedy start's tie-break and the solver's search all follow
    # the members' order: one fixed order makes the plan the same however they were listed.
    members = sorted(members, key=lambda m: m.handle)
    if experienced_after < 0:
        raise PlanningError(f"experienced_after is {experienced_after}; give 0 or more")
    mondays = [start + i * _WEEK for i in range(weeks)]
    joined = joined_weeks(members, past, start)
    available = [_available(members, monday, is_business_day, joined) for monday in mondays]
    rotation = _Rotation(members, mondays, available, past, experienced_after)
    rotation.add_fairness(Role.PRIMARY)
    rotation.add_fairness(Role.BACKUP)
    rotation.add_back_to_back()
    rotation.add_pairing()
    rotation.add_stability(as_assignments(previous))
    planned, optimal = rotation.solve(effort)
    return Plan(
        weeks=planned,
        optimal=optimal,
        fairness=fairness_report(members, past, planned, experienced_after=experienced_after),
        moved=moved_slots(previous, planned),
    )


def moved_slots(previous: Sequence[ShiftLike], weeks: Sequence[ShiftLike]) -> int:
    """Count the Primary and Backup slots that differ between two plans' common weeks."""
    before = {w.week_start: w for w in previous}
    return sum(
        (old.primary != w.primary) + (old.backup != w.backup)
        for w in weeks
        if (old := before.get(w.week_start)) is not None
    )


def _check_request(
    members: Sequence[RosterMember], start: date, weeks: int, history: Sequence[ShiftLike]
) -> tuple[WeekAssignment, ...]:
    check_roster(members)
    check_monday(start, "the horizon starts on")
    if not 1 <= weeks <= MAX_HORIZON_WEEKS:
        raise PlanningError(f"a horizon of {weeks} weeks; give 1 to {MAX_HORIZON_WEEKS}")
    past = as_assignments(history)
    for w in past:
        if w.week_start >= start:
            raise PlanningError(
                f"week of {w.week_start}: history reaches into the horizon; plan from a later"
                " Monday or drop that week from the history"
            )
    return past


def _available(
    members: Sequence[RosterMember],
    monday: date,
    is_business_day: IsBusinessDay,
    joined: dict[str, date],
) -> list[int]:
    """The members who may take the week: joined by then, and not away on a business day."""
    free = [
        i
        for i, m in enumerate(members)
        if joined[m.handle] <= monday and not is_away(m, monday, is_business_day)
    ]
    if len(free) < 2:
        who = f" ({members[free[0]].handle})" if free else ""
        count = "only 1 member" if free else "no member"
        raise PlanningError(
            f"week of {monday}: {count} available{who}; a week needs a Primary and a Backup,"
            " so move someone's time-off or add a member"
        )
    return free


# Targets finer than a millionth of a week make no difference to a plan, and keep the
# solver's integers small when many join dates make the exact common denominator large.
_FINEST_UNIT = 10**6


def _integer_targets(shares: dict[str, Fraction]) -> tuple[int, dict[str, int]]:
    """A unit `u` and each target times `u`, as integers, so the model stays integral.

    The unit is the targets' common denominator, exact, unless that is finer than a
    millionth of a week; then targets are rounded to millionths.
    """
    unit = lcm(*(share.denominator for share in shares.values()))
    if unit > _FINEST_UNIT:
        unit = _FINEST_UNIT
    scaled = {handle: round(share * unit) for handle, share in shares.items()}
    common = gcd(unit, *scaled.values())
    return unit // common, {handle: value // common for handle, value in scaled.items()}


@dataclass(frozen=True)
class _Level:
    """One level of the objective, and a value it cannot go below.

    `tighter`, when set, builds the level's objective anew once the level before it is
    solved, from that level's value: an objective the solver proves faster when the model
    knows the optimum above it.
    """

    objective: cp_model.LinearExprT
    floor: int = 0
    tighter: Callable[[int], cp_model.LinearExprT] | None = None


@dataclass
class _Rotation:
    """The CP-SAT model: one Boolean per (week, member) for each role, plus the levels."""

    members: Sequence[RosterMember]
    mondays: list[date]
    available: list[list[int]]
    history: tuple[WeekAssignment, ...]
    experienced_after: int
    cp: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    primary: dict[Slot, cp_model.IntVar] = field(default_factory=dict)
    backup: dict[Slot, cp_model.IntVar] = field(default_factory=dict)
    levels: list[_Level] = field(default_factory=list)
    # The previous plan's holder of each role by week, where they are still available.
    previous: dict[Role, dict[int, int]] = field(
        default_factory=lambda: {role: {} for role in Role}
    )

    def __post_init__(self) -> None:
        for w, free in enumerate(self.available):
            for m in free:
                self.primary[w, m] = self.cp.new_bool_var(f"p{w}_{m}")
                self.backup[w, m] = self.cp.new_bool_var(f"b{w}_{m}")
                self.cp.add_at_most_one(self.primary[w, m], self.backup[w, m])
            self.cp.add_exactly_one(self.primary[w, m] for m in free)
            self.cp.add_exactly_one(self.backup[w, m] for m in free)

    def role_vars(self, role: Role) -> dict[Slot, cp_model.IntVar]:
        return self.primary if role is Role.PRIMARY else self.backup

    def add_fairness(self, role: Role) -> None:
        """Add the largest and the total deviation from the percent-time targets."""
        served = role_counts(self.members, self.history, role)
        slots = sum(served.values()) + len(self.mondays)
        joined = joined_weeks(self.members, self.history, self.mondays[0])
        counted = counted_weeks(self.members, self.history, role) + self.mondays
        unit, scaled = _integer_targets(fair_shares(self.members, counted, joined))
        bound = unit * slots
        chosen = self.role_vars(role)
        deviations = []
        counts = []
        ranges = []
        for m, member in enumerate(self.members):
            weeks = self.cp.new_int_var(0, slots, f"n_{role.value}_{m}")
            planned = [v for (_, i), v in chosen.items() if i == m]
            self.cp.add(weeks == served[member.handle] + sum(planned))
            counts.append(weeks)
            ranges.append(range(served[member.handle], served[member.handle] + len(planned) + 1))
            excess = unit * weeks - scaled[member.handle]
            deviation = self.cp.new_int_var(0, bound, f"dev_{role.value}_{m}")
            self.cp.add_abs_equality(deviation, excess)
            deviations.append(deviation)
        # Implied by one holder a week, but stated: with it the solver sees that counts
        # near every target cannot all fit, and proves the largest deviation in a second.
        self.cp.add(sum(counts) == slots)
        largest = self.cp.new_int_var(0, bound, f"largest_{role.value}")
        self.cp.add_max_equality(largest, deviations)

        def total(most: int) -> cp_model.LinearExprT:
            targets = [scaled[member.handle] for member in self.members]
            return self._total_deviation(counts, ranges, targets, unit, most)

        self.levels += [_Level(largest), _Level(sum(deviations), tighter=total)]

    def _total_deviation(
        self,
        counts: list[cp_model.IntVar],
        ranges: list[range],
        targets: list[int],
        unit: int,
        most: int,
    ) -> cp_model.LinearExprT:
        """The members' total deviation, once no deviation may exceed `most`.

        As the sum of |unit * count - target| it left the solver's relaxation so weak that
        some teams of a few members took minutes, and the optimum was not proven. So each
        count a member can still end with gets a flag, and the deviation is a constant times
        its flag: the relaxation sees each deviation's true (convex) shape. With the largest
        deviation known by now, a member has only a few such counts left.
        """
        terms: list[cp_model.LinearExprT] = []
        for weeks, possible, target in zip(counts, ranges, targets, strict=True):
            ends = {
                n: self.cp.new_bool_var(f"{weeks.name}_is_{n}")
                for n in possible
                if abs(unit * n - target) <= most
            }
            self.cp.add_exactly_one(ends.values())
            self.cp.add(weeks == sum(n * flag for n, flag in ends.items()))
            terms += [abs(unit * n - target) * flag for n, flag in ends.items()]
        return sum(terms)

    def add_back_to_back(self) -> None:
        before = {w.week_start: w.primary for w in self.history}.get(self.mondays[0] - _WEEK)
        runs: list[cp_model.LinearExprT] = [
            v for (w, m), v in self.primary.items() if w == 0 and self.members[m].handle == before
        ]
        for (w, m), second in self.primary.items():
            first = self.primary.get((w - 1, m))
            if first is not None:
                run = self.cp.new_bool_var(f"run{w}_{m}")
                self.cp.add_multiplication_equality(run, [first, second])
                runs.append(run)
        self.levels.append(_Level(sum(runs)))

    def add_pairing(self) -> None:
        """Count weeks whose Primary and Backup are both below `experienced_after`."""
        experienced = self._experience_flags()
        pairs = []
        for w, free in enumerate(self.available):
            if all(experienced.get((w, m)) is True for m in free):
                continue
            novice = {role: self.cp.new_bool_var(f"novice_{role.value}{w}") for role in Role}
            for role, flag in novice.items():
                for m in free:
                    seasoned = experienced.get((w, m), False)
                    # The flag is exact: set if and only if the role's holder is a novice.
                    holder = self.role_vars(role)[w, m]
                    if seasoned is False:
                        self.cp.add_implication(holder, flag)
                    elif seasoned is True:
                        self.cp.add_implication(flag, holder.Not())
                    else:
                        self.cp.add_bool_or([holder.Not(), seasoned, flag])
                        self.cp.add_bool_or([flag.Not(), holder.Not(), seasoned.Not()])
            pair = self.cp.new_bool_var(f"pair{w}")
            self.cp.add_multiplication_equality(pair, list(novice.values()))
            pairs.append(pair)
        self.levels.append(_Level(sum(pairs)))

    def _experience_flags(self) -> dict[Slot, bool | cp_model.IntVar]:
        """Map (week, member) to True when experienced, False when not, or a flag.

        A flag is true exactly when the member's planned Primary weeks before that week
        bring them to `experienced_after`.
        """
        served = role_counts(self.members, self.history, Role.PRIMARY)
        flags: dict[Slot, bool | cp_model.IntVar] = {}
        for m, member in enumerate(self.members):
            missing = self.experienced_after - member.primary_weeks_served - served[member.handle]
            before: list[cp_model.IntVar] = []
            for w in range(len(self.mondays)):
                if missing <= 0:
                    flags[w, m] = True
                elif len(before) < missing:
                    flags[w, m] = False
                else:
                    flag = self.cp.new_bool_var(f"exp{w}_{m}")
                    so_far = cp_model.LinearExpr.sum(before)
                    self.cp.add(so_far >= missing).only_enforce_if(flag)
                    self.cp.add(so_far < missing).only_enforce_if(flag.Not())
                    flags[w, m] = flag
                if (w, m) in self.primary:
                    before.append(self.primary[w, m])
        return flags

    def add_stability(self, previous: tuple[WeekAssignment, ...]) -> None:
        index = {m.handle: i for i, m in enumerate(self.members)}
        week_of = {monday: w for w, monday in enumerate(self.mondays)}
        kept: list[cp_model.IntVar] = []
        for old in previous:
            w = week_of.get(old.week_start)
            if w is None:
                continue
            for role in Role:
                m = index.get(old.holder(role), -1)
                var = self.role_vars(role).get((w, m))
                if var is not None:
                    kept.append(var)
                    self.previous[role][w] = m
        self.levels.append(_Level(-sum(kept), floor=-len(kept)))

    def solve(self, effort: float) -> tuple[tuple[WeekAssignment, ...], bool]:
        """Minimise each level in turn; report whether every level was proven optimal."""
        solver = cp_model.CpSolver()
        # One worker with a fixed seed and a deterministic-time limit: the same input
        # always gives the same plan. Two workers race and may return different optima.
        solver.parameters.num_workers = 1
        solver.parameters.optimize_with_core = True
        solver.parameters.random_seed = 7
        solver.parameters.max_deterministic_time = effort
        solution = self._greedy()
        self._hint(solution)
        optimal, solved, above = True, False, 0
        for level in self.levels:
            if isinstance(level.objective, int):
                continue
            tighter = level.tighter if solved else None
            if tighter is not None:
                level = replace(level, objective=tighter(above))
            # A rebuilt objective's new variables have no value in the plan in hand.
            if (
                solved
                and tighter is None
                and (above := solver.value(level.objective)) <= level.floor
            ):
                # The plan in hand already reaches the level's floor: nothing to search.
                self.cp.add(level.objective <= level.floor)
                continue
            self.cp.minimize(level.objective)
            status = solver.solve(self.cp)
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                return self._weeks(solution), False
            optimal, solved = optimal and status == cp_model.OPTIMAL, True
            above = round(solver.objective_value)
            self.cp.add(level.objective <= above)
            solution = (
                {slot for slot, v in self.primary.items() if solver.value(v)},
                {slot for slot, v in self.backup.items() if solver.value(v)},
            )
            # Hint every variable, not just the assignment: with the levels above held at
            # their optimum, the solver may not find a way back to a feasible point alone.
            values = list(solver.response_proto.solution)
            self.cp.proto.clear_solution_hint()
            self.cp.proto.solution_hint.vars.extend(range(len(values)))
            self.cp.proto.solution_hint.values.extend(values)
        return self._weeks(solution), optimal

    def _greedy(self) -> tuple[set[Slot], set[Slot]]:
        """A start: the previous plan where it still holds, else a fair-ish pick.

        The pick is Webster's divisor rule: whoever is furthest below their percent-time
        share, so a member at 50% comes up half as often as one at 100%.
        """
        chosen: tuple[set[Slot], set[Slot]] = (set(), set())
        for role, slots in zip(Role, chosen, strict=True):
            served = role_counts(self.members, self.history, role)
            counts = [served[m.handle] for m in self.members]
            for w, free in enumerate(self.available):
                taken = {m for (week, m) in chosen[0] if week == w}
                m = self.previous[role].get(w, -1)
                if m in taken or m < 0:
                    m = min(
                        (i for i in free if i not in taken),
                        key=lambda i: ((counts[i] + 0.5) / self.members[i].percent_time, i),
                    )
                counts[m] += 1
                slots.add((w, m))
        return chosen

    def _hint(self, solution: tuple[set[Slot], set[Slot]]) -> None:
        for chosen, variables in zip(solution, (self.primary, self.backup), strict=True):
            for slot, var in variables.items():
                self.cp.add_hint(var, slot in chosen)

    def _weeks(self, solution: tuple[set[Slot], set[Slot]]) -> tuple[WeekAssignment, ...]:
        primary, backup = (dict(sorted(s)) for s in solution)
        return tuple(
            WeekAssignment(monday, self.members[primary[w]].handle, self.members[backup[w]].handle)
            for w, monday in enumerate(self.mondays)
        )
