"""Time the rotation planner and compare its fairness with linkedin/oncall's rule.

Run it with `.venv/bin/python bench/bench_rotation.py [--seeds N] [--seed S]`. Each seed
draws a roster with random percent-time, experience and time-off, on the llnl business
calendar, then plans it twice:

- by the CP-SAT planner, which must prove its plan optimal within the target time;
- by linkedin/oncall's rule: each role goes to the available member who has gone longest
  since their last shift in that role, without weights.

Both plans' largest deviation from the percent-time target is reported, for Primary and
for Backup. The script exits with status 1 if a plan is not proven optimal or a solve
misses its target time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta

from sredesk.core.calendar import default_calendar
from sredesk.core.fairness import fairness_report
from sredesk.core.rotation import plan_rotation
from sredesk.core.rotation_model import (
    IsBusinessDay,
    Role,
    RosterMember,
    TimeOffRange,
    WeekAssignment,
    is_away,
)

START = date(2027, 1, 4)  # a Monday
WEEK = timedelta(days=7)
EXPERIENCED_AFTER = 4


@dataclass(frozen=True)
class Case:
    members: int
    weeks: int
    target_seconds: float


CASES = (
    Case(members=8, weeks=13, target_seconds=1.0),
    Case(members=40, weeks=52, target_seconds=10.0),
)


def random_roster(
    rng: random.Random, size: int, weeks: int, is_business_day: IsBusinessDay
) -> list[RosterMember]:
    """Members with 0-4 time-off ranges of 1-15 days each, redrawn until every week is staffed."""
    while True:
        roster = [
            RosterMember(
                handle=f"m{i:02d}",
                percent_time=rng.choice([100, 100, 80, 60, 50, 50, 20]),
                primary_weeks_served=rng.randint(0, 10),
                time_off=tuple(_time_off(rng, weeks) for _ in range(rng.randint(0, 4))),
            )
            for i in range(size)
        ]
        mondays = [START + w * WEEK for w in range(weeks)]
        if all(sum(not is_away(m, d, is_business_day) for m in roster) >= 2 for d in mondays):
            return roster


def _time_off(rng: random.Random, weeks: int) -> TimeOffRange:
    first = START + timedelta(days=rng.randint(0, 7 * weeks - 1))
    return TimeOffRange(first, first + timedelta(days=rng.randint(0, 14)), "vacation")


def least_recently_on_call(
    roster: list[RosterMember], weeks: int, is_business_day: IsBusinessDay
) -> tuple[WeekAssignment, ...]:
    """linkedin/oncall's rule: per role, whoever has gone longest since their last shift.

    Ties (never on call) go to roster order, as a fixed list would.
    """
    last: dict[Role, dict[str, int]] = {role: {} for role in Role}
    plan = []
    for w in range(weeks):
        monday = START + w * WEEK
        free = [m.handle for m in roster if not is_away(m, monday, is_business_day)]
        chosen: dict[Role, str] = {}
        for role in Role:
            pool = [h for h in free if h not in chosen.values()]
            chosen[role] = min(pool, key=lambda h, r=role: last[r].get(h, -1))  # type: ignore[misc]
            last[role][chosen[role]] = w
        plan.append(WeekAssignment(monday, chosen[Role.PRIMARY], chosen[Role.BACKUP]))
    return tuple(plan)


def run(case: Case, seed: int, is_business_day: IsBusinessDay) -> dict[str, float | bool]:
    rng = random.Random(seed)
    roster = random_roster(rng, case.members, case.weeks, is_business_day)
    started = time.perf_counter()
    plan = plan_rotation(
        roster,
        start=START,
        weeks=case.weeks,
        is_business_day=is_business_day,
        experienced_after=EXPERIENCED_AFTER,
    )
    seconds = time.perf_counter() - started
    baseline = fairness_report(
        roster,
        (),
        least_recently_on_call(roster, case.weeks, is_business_day),
        experienced_after=EXPERIENCED_AFTER,
    )
    return {
        "seconds": seconds,
        "optimal": plan.optimal,
        "primary": plan.fairness.largest_deviation(Role.PRIMARY),
        "backup": plan.fairness.largest_deviation(Role.BACKUP),
        "lro_primary": baseline.largest_deviation(Role.PRIMARY),
        "lro_backup": baseline.largest_deviation(Role.BACKUP),
        "pairs": len(plan.fairness.pairing_exceptions),
        "lro_pairs": len(baseline.pairing_exceptions),
    }


def _pair(planner: float | bool, baseline: float | bool, spec: str = ".2f") -> str:
    return f"{planner:{spec}} / {baseline:{spec}}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="rosters to draw per case")
    parser.add_argument("--seed", type=int, default=2027, help="first seed")
    args = parser.parse_args()
    calendar = default_calendar()
    failed = False
    print("largest deviation from the percent-time target, in weeks: planner / least-recent")
    print(
        f"{'case':<12} {'seed':>5} {'seconds':>8} {'optimal':>8} {'Primary':>13} {'Backup':>13}"
        f" {'novice pairs':>13}"
    )
    for case in CASES:
        times = []
        for seed in range(args.seed, args.seed + args.seeds):
            r = run(case, seed, calendar.is_business_day)
            times.append(float(r["seconds"]))
            slow = r["seconds"] > case.target_seconds
            failed |= slow or not r["optimal"]
            print(
                f"{case.members:>2} x {case.weeks:>2} wks {seed:>5} {r['seconds']:>8.2f}"
                f" {'yes' if r['optimal'] else 'NO':>8}"
                f" {_pair(r['primary'], r['lro_primary']):>13}"
                f" {_pair(r['backup'], r['lro_backup']):>13}"
                f" {_pair(r['pairs'], r['lro_pairs'], '.0f'):>13}{'  SLOW' if slow else ''}"
            )
        print(
            f"{case.members:>2} x {case.weeks:>2} wks: median {statistics.median(times):.2f} s,"
            f" max {max(times):.2f} s, target {case.target_seconds:.0f} s"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
