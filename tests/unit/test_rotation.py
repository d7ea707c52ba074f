"""Test the rotation planner, its fairness report and swap suggestions."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction
from random import Random

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sredesk.core.fairness import fair_shares, fairness_report, joined_weeks, swap_candidates
from sredesk.core.rotation import _integer_targets, moved_slots, plan_rotation
from sredesk.core.rotation_model import (
    BackToBack,
    FairnessReport,
    Plan,
    PlanningError,
    Role,
    RosterMember,
    TimeOffRange,
    WeekAssignment,
    is_away,
)
from tests.strategies_rotation import (
    START,
    WEEK,
    Scenario,
    feasible_assignments,
    mondays,
    plannable_scenarios,
    scenarios,
    weekdays,
)

PROPERTY = settings(max_examples=30, deadline=None)


def plan(scenario: Scenario, **kwargs: object) -> Plan:
    return plan_rotation(
        scenario.members,
        start=START,
        weeks=scenario.weeks,
        is_business_day=weekdays,
        experienced_after=scenario.experienced_after,
        history=scenario.history,
        **kwargs,  # type: ignore[arg-type]
    )


def member(handle: str, percent: int = 100, served: int = 10, *away: date) -> RosterMember:
    """A member away for the whole week of each Monday in `away`."""
    time_off = tuple(TimeOffRange(d, d + timedelta(days=4)) for d in away)
    return RosterMember(handle, percent, served, time_off)


def objective(report: FairnessReport, moved: int = 0) -> tuple[float | int, ...]:
    """The planner's lexicographic objective, recomputed from a plan's fairness report."""
    levels: list[float | int] = []
    for role in Role:
        deviations = [abs(m.role(role).deviation) for m in report.members]
        levels += [round(max(deviations), 9), round(sum(deviations), 9)]
    return (*levels, len(report.back_to_back), len(report.pairing_exceptions), moved)


# Hard rules


@PROPERTY
@given(scenarios())
def test_every_week_gets_two_available_members_or_the_first_short_week_is_named(
    scenario: Scenario,
) -> None:
    short = [d for d in mondays(START, scenario.weeks) if len(scenario.available(d)) < 2]
    if short:
        with pytest.raises(PlanningError, match=f"^week of {short[0]}: (only 1|no) member"):
            plan(scenario)
        return
    result = plan(scenario)
    assert [w.week_start for w in result.weeks] == mondays(START, scenario.weeks)
    by_handle = {m.handle: m for m in scenario.members}
    for week in result.weeks:
        assert week.primary != week.backup
        for handle in (week.primary, week.backup):
            assert not is_away(by_handle[handle], week.week_start, weekdays)
            assert handle in scenario.available(week.week_start)  # joined by then


@settings(max_examples=60, deadline=None)
@given(plannable_scenarios(max_members=4, max_weeks=4), st.data())
def test_the_plan_is_lexicographically_best_of_every_feasible_plan(
    scenario: Scenario, data: st.DataObject
) -> None:
    per_week = [
        [WeekAssignment(d, p, b) for p, b in itertools.permutations(scenario.available(d), 2)]
        for d in mondays(START, scenario.weeks)
    ]
    assume(math.prod(len(pairs) for pairs in per_week) <= 3000)
    previous = data.draw(feasible_assignments(scenario))
    result = plan(scenario, previous=previous)
    assert result.optimal
    best = min(
        objective(
            fairness_report(
                scenario.members,
                scenario.history,
                weeks,
                experienced_after=scenario.experienced_after,
            ),
            moved_slots(previous, weeks),
        )
        for weeks in itertools.product(*per_week)
    )
    assert objective(result.fairness, result.moved) == best


@PROPERTY
@given(plannable_scenarios(), st.data())
def test_no_feasible_plan_has_a_smaller_largest_primary_deviation(
    scenario: Scenario, data: st.DataObject
) -> None:
    result = plan(scenario)
    other = data.draw(feasible_assignments(scenario))
    report = fairness_report(
        scenario.members, scenario.history, other, experienced_after=scenario.experienced_after
    )
    assert result.optimal
    assert objective(result.fairness)[:2] <= objective(report)[:2]


def test_the_total_deviation_of_a_small_team_with_history_is_proven_at_once() -> None:
    """A team Hypothesis found: six members, two joining, one away, six weeks. The total
    Primary deviation was not proven optimal within the effort, after seconds of search."""
    joined = {"alice": date(2027, 2, 1), "frank": date(2027, 3, 8)}
    away = (TimeOffRange(date(2027, 2, 22), date(2027, 3, 3), "training"),)
    members = tuple(
        RosterMember(
            handle,
            percent,
            served,
            away if handle == "carol" else (),
            joined=joined.get(handle),
        )
        for handle, percent, served in [
            ("alice", 50, 3),
            ("bob", 10, 1),
            ("carol", 50, 6),
            ("dave", 50, 1),
            ("erin", 100, 5),
            ("frank", 100, 0),
        ]
    )
    pairs = [("bob", "carol"), ("bob", "dave"), ("carol", "dave"), ("bob", "dave")]
    pairs.append(("bob", "frank"))
    history = tuple(
        WeekAssignment(START - (len(pairs) - i) * WEEK, p, b) for i, (p, b) in enumerate(pairs)
    )
    result = plan(Scenario(members, 6, history, 5), effort=1.0)
    assert result.optimal


@PROPERTY
@given(plannable_scenarios(max_weeks=12))
def test_without_time_off_or_history_primary_weeks_round_the_percent_time_share(
    scenario: Scenario,
) -> None:
    members = tuple(RosterMember(m.handle, m.percent_time) for m in scenario.members)
    result = plan(Scenario(members, scenario.weeks, (), 0))
    for m in result.fairness.members:
        assert abs(m.primary.deviation) < 1
        assert m.primary.actual == m.primary.actual_horizon


@settings(max_examples=15, deadline=None)
@given(plannable_scenarios())
def test_the_same_input_gives_the_same_plan_and_replanning_moves_nothing(
    scenario: Scenario,
) -> None:
    first = plan(scenario)
    assert plan(scenario) == first
    again = plan(scenario, previous=first.weeks)
    assert again.weeks == first.weeks
    assert again.moved == 0


@settings(max_examples=15, deadline=None)
@given(plannable_scenarios(), st.randoms(use_true_random=False))
def test_the_order_the_members_are_listed_in_changes_nothing(
    scenario: Scenario, random: Random
) -> None:
    shuffled = list(scenario.members)
    random.shuffle(shuffled)
    first = plan(scenario)
    assert plan(replace(scenario, members=tuple(shuffled))) == first
    assert plan(replace(scenario, members=scenario.members[::-1])) == first


def test_a_team_listed_the_other_way_round_gets_the_same_plan() -> None:
    """Ties between equally fair plans are broken by handle, not by the file's order."""
    roster = [member(h, p, s) for h, p, s in [("alice", 100, 14), ("bob", 50, 9)]]
    roster += [member(h, p, s) for h, p, s in [("carol", 100, 2), ("dave", 50, 0)]]
    roster.append(member("erin", 80, 22))
    forward = plan_rotation(roster, start=START, weeks=12, is_business_day=weekdays)
    backward = plan_rotation(roster[::-1], start=START, weeks=12, is_business_day=weekdays)
    assert backward.weeks == forward.weeks
    assert backward.fairness == forward.fairness


# Trade-offs between levels, found by brute force over every feasible plan. Each case
# names what the documented order gives and what another order would have given.


def away(handle: str, percent: int, served: int, *weeks: int) -> RosterMember:
    return member(handle, percent, served, *(START + w * WEEK for w in weeks))


def plan_of(*pairs: str) -> tuple[WeekAssignment, ...]:
    return tuple(WeekAssignment(START + i * WEEK, p[0], p[1]) for i, p in enumerate(pairs))


TRADE_OFFS = {
    # Primary fairness first: a largest Backup deviation of 1.53 rather than 0.6 with
    # Primary at 1.33. (b and d have not served yet: they owe only the horizon's weeks.)
    # Also, fewer novice pairs beat stability: 2 pairs and 4 moves rather than 3 and 3.
    "primary before backup, pairing before stability": (
        [away("a", 10, 3, 2), away("b", 20, 3), away("c", 50, 2, 0), away("d", 20, 4, 0)],
        [WeekAssignment(START - WEEK, "c", "a")],
        5,
        plan_of("ab", "db", "cb"),
        (0.466666667, 1.6, 1.533333333, 3.866666667, 0, 2, 4),
    ),
    # Fairness first: 2 back-to-back weeks rather than none with Primary deviation 2.29.
    "fairness before back-to-back": (
        [away("a", 50, 4, 0), away("b", 10, 0, 1), away("c", 10, 0, 2)],
        [WeekAssignment(START - 2 * WEEK, "c", "b"), WeekAssignment(START - WEEK, "c", "a")],
        4,
        plan_of("cb", "ac", "ba", "bc"),
        (1.285714286, 2.571428571, 3.285714286, 6.571428571, 2, 1, 5),
    ),
    # No back-to-back first: 3 novice pairs rather than 1 back-to-back week and 2 pairs.
    "back-to-back before pairing": (
        [away("a", 20, 4), away("b", 50, 1, 1), away("c", 10, 0, 2)],
        [],
        5,
        plan_of("ac", "ac", "ab", "ab"),
        (0.5, 1.0, 1.5, 3.0, 0, 3, 4),
    ),
}


@pytest.mark.parametrize("case", TRADE_OFFS, ids=list(TRADE_OFFS))
def test_levels_give_way_in_the_documented_order(case: str) -> None:
    members, history, experienced_after, previous, expected = TRADE_OFFS[case]
    result = plan_rotation(
        members,
        start=START,
        weeks=len(previous),
        is_business_day=weekdays,
        experienced_after=experienced_after,
        history=history,
        previous=previous,
    )
    assert result.optimal
    assert objective(result.fairness, result.moved) == expected


# Fairness


def test_percent_time_weights_primary_weeks() -> None:
    members = [member("alice", 100), member("bob", 50), member("carol", 50)]
    result = plan_rotation(members, start=START, weeks=8, is_business_day=weekdays)
    counts = {m.handle: m.primary.actual for m in result.fairness.members}
    assert counts == {"alice": 4, "bob": 2, "carol": 2}
    assert result.optimal
    assert result.fairness.largest_deviation(Role.PRIMARY) == 0


def test_a_debt_from_history_is_paid_in_the_next_plan() -> None:
    history = [
        WeekAssignment(START - (4 - i) * WEEK, "alice", "bob" if i % 2 else "carol")
        for i in range(4)
    ]
    members = [member("alice"), member("bob"), member("carol")]
    result = plan_rotation(members, start=START, weeks=5, is_business_day=weekdays, history=history)
    fair = {m.handle: m.primary for m in result.fairness.members}
    assert fair["alice"].actual_horizon == 0
    assert fair["alice"].actual == 4
    assert fair["alice"].target == pytest.approx(3)
    assert fair["bob"].target_horizon == pytest.approx(5 / 3)
    assert {fair["bob"].actual, fair["carol"].actual} == {3, 2}


def test_time_off_on_a_holiday_leaves_the_member_available() -> None:
    holiday = START + 2 * WEEK  # a Monday
    alice = RosterMember("alice", 100, 10, (TimeOffRange(holiday, holiday, "bridge day"),))

    def open_days(day: date) -> bool:
        return weekdays(day) and day != holiday

    assert not is_away(alice, holiday, open_days)
    assert is_away(alice, holiday, weekdays)
    weekend = RosterMember(
        "bob", time_off=(TimeOffRange(START + timedelta(5), START + timedelta(6)),)
    )
    assert not is_away(weekend, START, weekdays)


def test_back_to_back_primary_is_avoided_when_fairness_allows() -> None:
    members = [member("alice", 100), member("bob", 100), member("carol", 10)]
    result = plan_rotation(members, start=START, weeks=10, is_business_day=weekdays)
    primaries = [w.primary for w in result.weeks]
    assert all(a != b for a, b in itertools.pairwise(primaries))
    assert result.fairness.back_to_back == ()


def test_back_to_back_is_reported_when_fairness_demands_it() -> None:
    history = [WeekAssignment(START - WEEK, "alice", "bob")]
    members = [member("alice", 100), member("bob", 1)]
    result = plan_rotation(members, start=START, weeks=3, is_business_day=weekdays, history=history)
    assert [w.primary for w in result.weeks] == ["alice"] * 3
    assert result.fairness.back_to_back == tuple(BackToBack("alice", d) for d in mondays(START, 3))


def test_an_inexperienced_primary_gets_an_experienced_backup() -> None:
    members = [member("alice", served=9), member("bob", served=0), member("carol", served=0)]
    members.append(member("dave", served=9))
    result = plan_rotation(
        members, start=START, weeks=8, is_business_day=weekdays, experienced_after=4
    )
    assert result.fairness.pairing_exceptions == ()
    seasoned = {"alice", "dave"}
    for w in result.weeks:
        assert w.primary in seasoned or w.backup in seasoned


def test_a_member_becomes_experienced_during_the_horizon() -> None:
    # Nobody is experienced at first; bob's first Primary week makes him so, and from
    # then on he backs up a novice. One more week is unavoidably a novice pair.
    members = [member("alice", served=0), member("bob", served=3), member("carol", served=0)]
    result = plan_rotation(
        members, start=START, weeks=3, is_business_day=weekdays, experienced_after=4
    )
    bob_primary = next(w.week_start for w in result.weeks if w.primary == "bob")
    bob_backup = next(w.week_start for w in result.weeks if w.backup == "bob")
    assert result.optimal
    assert bob_primary < bob_backup
    assert len(result.fairness.pairing_exceptions) == 2
    assert bob_backup not in result.fairness.pairing_exceptions


def test_replanning_after_new_time_off_moves_only_what_it_must() -> None:
    members = [member("alice"), member("bob"), member("carol"), member("dave")]
    first = plan_rotation(members, start=START, weeks=8, is_business_day=weekdays)
    week = first.weeks[3]
    away = [
        member(m.handle, 100, 10, week.week_start) if m.handle == week.primary else m
        for m in members
    ]
    # The week before the horizon is history now; the planner ignores it in `previous`.
    previous = (WeekAssignment(START - WEEK, "alice", "bob"), *first.weeks)
    second = plan_rotation(away, start=START, weeks=8, is_business_day=weekdays, previous=previous)
    assert second.weeks[3].primary != week.primary
    assert second.fairness.largest_deviation(Role.PRIMARY) == 0
    assert second.moved == moved_slots(first.weeks, second.weeks) <= 4


def test_a_former_members_history_is_left_out_of_the_targets() -> None:
    history = [
        WeekAssignment(START - 2 * WEEK, "zoe", "bob"),
        WeekAssignment(START - WEEK, "zoe", "alice"),
    ]
    report = fairness_report(
        [member("alice"), member("bob")],
        history,
        [WeekAssignment(START, "alice", "bob")],
        experienced_after=4,
    )
    alice = report.member("alice")
    # zoe's two Primary weeks are not shared out; the horizon's one is.
    assert (alice.primary.target, alice.primary.actual) == (0.5, 1)
    assert (alice.backup.target, alice.backup.actual) == (1.5, 1)


def test_a_newcomer_owes_no_weeks_from_before_they_joined() -> None:
    veterans = [member(handle, 50) for handle in ("a", "b", "c", "d")]
    history = [
        WeekAssignment(START - (52 - k) * WEEK, f"{'abcd'[k % 4]}", f"{'abcd'[(k + 1) % 4]}")
        for k in range(52)
    ]
    result = plan_rotation(
        [*veterans, member("newbie", 50)],
        start=START,
        weeks=13,
        is_business_day=weekdays,
        history=history,
    )
    assert result.optimal
    newbie = result.fairness.member("newbie")
    # A fifth of the 13 weeks, not the 13 that a year of others' weeks would have made owed.
    assert newbie.primary.target == pytest.approx(13 / 5)
    assert newbie.primary.actual in (2, 3)
    assert newbie.backup.actual in (2, 3)
    assert result.fairness.largest_deviation(Role.PRIMARY) < 1


def _a_year_of_veterans() -> tuple[list[RosterMember], list[WeekAssignment]]:
    veterans = [member(handle, 50) for handle in ("a", "b", "c", "d")]
    history = [
        WeekAssignment(START - (52 - k) * WEEK, "abcd"[k % 4], "abcd"[(k + 1) % 4])
        for k in range(52)
    ]
    return veterans, history


def test_a_newcomer_stays_new_in_the_plan_after_their_first() -> None:
    veterans, history = _a_year_of_veterans()
    newbie = RosterMember("newbie", 50, 10, joined=START)
    roster = [*veterans, newbie]
    first = plan_rotation(roster, start=START, weeks=13, is_business_day=weekdays, history=history)
    # Their first plan is served: now their weeks are in the history, a year after its start.
    served = [*history, *first.weeks]
    second = plan_rotation(
        roster, start=START + 13 * WEEK, weeks=13, is_business_day=weekdays, history=served
    )
    assert second.optimal
    mine = second.fairness.member("newbie")
    # A fifth of the 26 weeks since they joined, not of the 65 the history holds.
    assert mine.primary.target == pytest.approx(26 / 5)
    assert mine.primary.actual_horizon in (2, 3)
    assert mine.backup.actual_horizon in (2, 3)
    assert second.fairness.largest_deviation(Role.PRIMARY) < 1


def test_the_join_monday_a_member_counts_from() -> None:
    history = [
        WeekAssignment(START - 6 * WEEK, "old", "early"),
        WeekAssignment(START - 4 * WEEK, "old", "recorded"),
        WeekAssignment(START - 2 * WEEK, "unrecorded", "old"),
    ]
    members = [
        RosterMember("old"),  # no date, served: the history's first week
        RosterMember("early", joined=START - 3 * WEEK),  # served before the date recorded
        RosterMember("recorded", joined=START - 5 * WEEK),  # served after it
        RosterMember("unrecorded"),  # no date, served late: still the history's first week
        RosterMember("new"),  # no date, never served: the first planned week
        RosterMember("coming", joined=START + 2 * WEEK),  # not yet here
    ]
    assert joined_weeks(members, history, START) == {
        "old": START - 6 * WEEK,
        "early": START - 6 * WEEK,
        "recorded": START - 5 * WEEK,
        "unrecorded": START - 6 * WEEK,
        "new": START,
        "coming": START + 2 * WEEK,
    }


def test_nobody_is_planned_or_offered_a_swap_before_the_monday_they_join() -> None:
    veterans, history = _a_year_of_veterans()
    joins = START + 3 * WEEK
    coming = RosterMember("coming", 100, 10, joined=joins)
    roster = [*veterans, coming]
    result = plan_rotation(roster, start=START, weeks=8, is_business_day=weekdays, history=history)
    theirs = [w.week_start for w in result.weeks if "coming" in (w.primary, w.backup)]
    assert theirs, "a member at 100% owes weeks once they have joined"
    assert min(theirs) >= joins
    for week in result.weeks:
        candidates = swap_candidates(
            result, week.week_start, Role.PRIMARY, week.primary, roster, is_business_day=weekdays
        )
        offered = "coming" in {c.handle for c in candidates}
        free = "coming" not in (week.primary, week.backup)
        assert offered == (week.week_start >= joins and free)


def test_a_member_who_served_before_their_recorded_date_owes_from_their_first_week() -> None:
    veterans, history = _a_year_of_veterans()
    first_served = START - 50 * WEEK  # d is first Backup in the history's third week

    def report(joined: date) -> FairnessReport:
        roster = [*veterans[:3], replace(veterans[3], joined=joined)]
        return fairness_report(roster, history, [], experienced_after=4)

    # The date on record says three weeks ago; the weeks say d was there 50 weeks ago.
    assert report(START - 3 * WEEK) == report(first_served)
    assert report(START - 3 * WEEK).member("d").primary.target == pytest.approx(50 / 4)


def test_a_join_date_that_is_not_a_monday_is_refused() -> None:
    wednesday = START + timedelta(days=2)
    with pytest.raises(
        PlanningError,
        match=f"^member bob joined on {wednesday} is a Wednesday; give a Monday such as {START}$",
    ):
        plan_rotation(
            [member("alice"), RosterMember("bob", joined=wednesday)],
            start=START,
            weeks=1,
            is_business_day=weekdays,
        )


@PROPERTY
@given(
    st.lists(st.integers(1, 100), min_size=1, max_size=6),
    st.lists(st.integers(0, 20), min_size=6, max_size=6),
    st.lists(st.integers(0, 20), max_size=30),
)
def test_fair_shares_split_each_week_among_those_who_had_joined(
    percents: list[int], joins: list[int], weeks: list[int]
) -> None:
    members = [RosterMember(f"m{i}", p) for i, p in enumerate(percents)]
    joined = {m.handle: START + joins[i] * WEEK for i, m in enumerate(members)}
    mondays = [START + w * WEEK for w in weeks]
    shares = fair_shares(members, mondays, joined)
    # Every week is shared out whole.
    assert sum(shares.values()) == len(mondays)
    first = min(joined.values())
    for m in members:
        # Nobody owes more than the weeks since they joined (the first to join owes the
        # weeks before anyone had, too, since those are shared among everyone).
        since = [d for d in mondays if joined[m.handle] <= d or d < first]
        assert 0 <= shares[m.handle] <= len(since)
        if not since:
            assert shares[m.handle] == 0
    if len(set(percents)) == 1 and len(set(joined.values())) == 1:
        assert set(shares.values()) == {Fraction(len(mondays), len(members))}


def test_targets_stay_integers_of_a_bounded_unit() -> None:
    exact = {"a": Fraction(1, 3), "b": Fraction(2, 3)}
    assert _integer_targets(exact) == (3, {"a": 1, "b": 2})
    # Denominators whose common multiple passes a millionth of a week are rounded to it.
    fine = {"a": Fraction(1, 999_983), "b": Fraction(2, 999_979)}
    unit, scaled = _integer_targets(fine)
    assert unit <= 10**6
    assert scaled["a"] / unit == pytest.approx(1 / 999_983, abs=1e-6)
    assert scaled["b"] / unit == pytest.approx(2 / 999_979, abs=1e-6)


def test_the_json_document_keeps_the_cli_contract() -> None:
    members = [member("alice"), member("bob", 50)]
    document = plan_rotation(members, start=START, weeks=2, is_business_day=weekdays).to_json()
    first, second = document["weeks"]
    assert first == {
        "week_start": "2027-03-01",
        "primary": first["primary"],
        "backup": second["primary"],
    }
    assert second == {
        "week_start": "2027-03-08",
        "primary": first["backup"],
        "backup": first["primary"],
    }
    assert document["optimal"] is True
    alice = document["fairness"]["members"][0]
    assert alice["handle"] == "alice"
    assert alice["primary"] == {
        "target": 1.333,
        "actual": alice["primary"]["actual"],
        "target_horizon": 1.333,
        "actual_horizon": alice["primary"]["actual"],
        "deviation": round(alice["primary"]["actual"] - 4 / 3, 3),
    }
    assert set(document["fairness"]) == {
        "members",
        "largest_primary_deviation",
        "largest_backup_deviation",
        "pairing_exceptions",
        "back_to_back",
    }


# Refusals


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"start": START + timedelta(days=1)},
            "2027-03-02 is a Tuesday; give a Monday such as 2027-03-01",
        ),
        ({"weeks": 0}, "a horizon of 0 weeks; give 1 to 52"),
        ({"weeks": 53}, "a horizon of 53 weeks; give 1 to 52"),
        ({"members": []}, "the roster is empty"),
        ({"experienced_after": -1}, "experienced_after is -1; give 0 or more"),
        ({"members": [member("alice"), member("alice")]}, "member alice appears twice"),
        ({"members": [member("alice", 0), member("bob")]}, "percent_time 0; give 1 to 100"),
        (
            {"history": [WeekAssignment(START, "alice", "bob")]},
            "week of 2027-03-01: history reaches into the horizon",
        ),
    ],
)
def test_a_malformed_request_is_refused(kwargs: dict[str, object], message: str) -> None:
    request: dict[str, object] = {
        "members": [member("alice"), member("bob")],
        "start": START,
        "weeks": 4,
        "is_business_day": weekdays,
    }
    with pytest.raises(PlanningError, match=message):
        plan_rotation(**(request | kwargs))  # type: ignore[arg-type]


def test_a_week_with_one_member_free_is_named() -> None:
    week = START + WEEK
    members = [member("alice"), member("bob", 100, 10, week), member("carol", 100, 10, week)]
    with pytest.raises(PlanningError) as caught:
        plan_rotation(members, start=START, weeks=4, is_business_day=weekdays)
    assert str(caught.value) == (
        "week of 2027-03-08: only 1 member available (alice); a week needs a Primary and a"
        " Backup, so move someone's time-off or add a member"
    )


def test_a_week_with_nobody_free_is_named() -> None:
    week = START + 2 * WEEK
    members = [member("alice", 100, 10, week), member("bob", 100, 10, week)]
    with pytest.raises(PlanningError, match=r"^week of 2027-03-15: no member available;"):
        plan_rotation(members, start=START, weeks=4, is_business_day=weekdays)


def test_a_tiny_effort_still_returns_a_valid_plan_marked_not_optimal() -> None:
    members = [member(f"m{i}", 100 - 7 * i, i) for i in range(10)]
    result = plan_rotation(members, start=START, weeks=26, is_business_day=weekdays, effort=1e-6)
    assert not result.optimal
    assert all(w.primary != w.backup for w in result.weeks)


# Swaps


SWAP_PLAN = (
    WeekAssignment(START, "alice", "bob"),
    WeekAssignment(START + WEEK, "carol", "alice"),
    WeekAssignment(START + 2 * WEEK, "bob", "carol"),
    WeekAssignment(START + 3 * WEEK, "alice", "dave"),
)


def test_swap_candidates_rank_by_fairness_debt_then_distance() -> None:
    roster = [member("alice"), member("bob"), member("carol"), member("dave"), member("erin")]
    candidates = swap_candidates(
        SWAP_PLAN, START + 3 * WEEK, Role.PRIMARY, "alice", roster, is_business_day=weekdays
    )
    assert [c.handle for c in candidates] == ["erin", "bob", "carol"]
    assert [c.distance_weeks for c in candidates] == [None, 1, 1]
    assert candidates[0].fairness_debt == pytest.approx(0.8)
    assert candidates[1].fairness_debt == pytest.approx(-0.2)


def test_swap_candidates_leave_out_the_away_and_prefer_a_longer_rest() -> None:
    week = START + 3 * WEEK
    roster = [member("alice"), member("bob"), member("carol", 100, 10, week), member("dave")]
    roster.append(member("erin", 100, 10, week))
    candidates = swap_candidates(
        Plan(SWAP_PLAN, True, fairness_report(roster, (), SWAP_PLAN, experienced_after=4)),
        week,
        Role.BACKUP,
        "dave",
        roster,
        is_business_day=weekdays,
        history=[WeekAssignment(START - WEEK, "bob", "carol")],
    )
    assert [c.handle for c in candidates] == ["bob"]


def test_swap_candidates_rank_equal_debts_by_distance() -> None:
    pairs = [("alice", "bob"), ("carol", "alice"), ("bob", "dave"), ("dave", "carol")]
    weeks = [WeekAssignment(START + i * WEEK, p, b) for i, (p, b) in enumerate(pairs)]
    roster = [member(h) for h in ("alice", "bob", "carol", "dave")]
    candidates = swap_candidates(
        weeks, START, Role.PRIMARY, "alice", roster, is_business_day=weekdays
    )
    assert [(c.handle, c.distance_weeks) for c in candidates] == [("dave", 2), ("carol", 1)]


@pytest.mark.parametrize(
    ("week", "holder", "message"),
    [
        (START + 9 * WEEK, "alice", "week of 2027-05-03: not in the plan"),
        (START, "bob", r"week of 2027-03-01: bob is not Primary \(alice is\)"),
    ],
)
def test_a_swap_must_name_a_planned_week_and_its_holder(
    week: date, holder: str, message: str
) -> None:
    with pytest.raises(PlanningError, match=message):
        swap_candidates(
            SWAP_PLAN, week, Role.PRIMARY, holder, [member("alice")], is_business_day=weekdays
        )


@PROPERTY
@given(plannable_scenarios(), st.data())
def test_swap_candidates_are_free_and_not_in_the_week(
    scenario: Scenario, data: st.DataObject
) -> None:
    weeks = data.draw(feasible_assignments(scenario))
    week = data.draw(st.sampled_from(weeks))
    role = data.draw(st.sampled_from(list(Role)))
    candidates = swap_candidates(
        weeks,
        week.week_start,
        role,
        week.holder(role),
        scenario.members,
        is_business_day=weekdays,
        history=scenario.history,
    )
    handles = [c.handle for c in candidates]
    expected = set(scenario.available(week.week_start)) - {week.primary, week.backup}
    assert set(handles) == expected
    debts = [c.fairness_debt for c in candidates]
    assert debts == sorted(debts, reverse=True)
