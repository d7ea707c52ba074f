"""The handoff's rules when it runs more than once in a week: nothing is handed twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sredesk.core.errors import InvalidInput
from sredesk.core.handoff import (
    HandoffPlan,
    Route,
    apply_handoff,
    earlier_handoff,
    plan_handoff,
    receiver,
    stayed,
)
from sredesk.core.model import Channel, Handoff, Inquiry
from tests.strategies import HOLDERS, desk_inquiries

LA = ZoneInfo("America/Los_Angeles")
MONDAY = datetime(2026, 11, 16, tzinfo=LA)
FRIDAY = datetime(2026, 11, 20, 16, tzinfo=LA)
ROUTE = Route(frozenset({"alice"}), "carol", since=MONDAY, primary="alice")


def make(number: int, assignee: str | None = "alice", *, keep: bool = False) -> Inquiry:
    inquiry = Inquiry(
        title=f"#{number}",
        channel=Channel.EMAIL,
        source="l",
        created_at=MONDAY,
        response_due=MONDAY,
        assignee=assignee,
        keep_at_handoff=keep,
    )
    inquiry.number = number
    return inquiry


def run(inquiries: list[Inquiry], route: Route, at: datetime, **kw: object) -> HandoffPlan:
    plan = plan_handoff(inquiries, route, **kw)  # type: ignore[arg-type]
    apply_handoff(plan, week=route.week, from_member="alice", to_member=route.to_member, now=at)
    return plan


def numbers(found: list[Inquiry]) -> list[int | None]:
    return [i.number for i in found]


def test_a_classified_inquiry_goes_to_the_first_cleared_of_the_next_pair() -> None:
    route = Route(
        frozenset({"alice"}),
        "carol",
        since=MONDAY,
        primary="alice",
        backup="bob",
        cleared=frozenset({"bob"}),
    )
    plain, secret = make(1), make(2)
    secret.sensitive = True
    assert (receiver(plain, route), receiver(secret, route)) == ("carol", "bob")
    assert receiver(secret, replace(route, cleared=frozenset({"carol", "bob"}))) == "carol"
    nobody = replace(route, cleared=frozenset({"alice"}))
    assert receiver(secret, nobody) is None
    plan = plan_handoff([plain, secret], nobody)
    assert (numbers(plan.handed), numbers(plan.uncleared)) == ([1], [2])
    for inquiry in plan.handed:
        apply_handoff(
            HandoffPlan(handed=[inquiry], kept=[]),
            week=route.week,
            from_member="alice",
            to_member=receiver(inquiry, route) or "",
            now=FRIDAY,
        )
    apply_handoff(
        HandoffPlan(handed=[], kept=[], uncleared=[secret]),
        week=route.week,
        from_member="alice",
        to_member="carol",
        now=FRIDAY,
    )
    assert (plain.assignee, secret.assignee, secret.handoffs) == ("carol", None, [])
    # bob, a delegate this week and next week's cleared Backup, takes it; a repeat run of
    # the week's handoff knows it for handed, and leaves it alone.
    delegated = replace(route, outgoing=frozenset({"alice", "bob"}))
    secret.assignee = "alice"
    (first,) = plan_handoff([secret], delegated).handed
    apply_handoff(
        HandoffPlan(handed=[first], kept=[]),
        week=route.week,
        from_member="alice",
        to_member="bob",
        now=FRIDAY,
    )
    assert earlier_handoff(secret, delegated) is secret.handoffs[-1]
    again = plan_handoff([secret], delegated)
    assert (again.handed, again.stayed) == ([], [])


def test_a_repeat_keeps_what_the_first_run_kept_and_hands_only_what_is_new() -> None:
    handed, kept = make(1), make(2, keep=True)
    run([handed, kept], ROUTE, FRIDAY)
    assert not kept.keep_at_handoff  # the first run used the mark up
    late = make(3)
    again = run([handed, kept, late], ROUTE, FRIDAY + timedelta(hours=1))
    assert (numbers(again.handed), numbers(again.kept)) == ([3], [2])
    assert numbers(again.kept_earlier) == [2]
    assert kept.assignee == "alice"
    assert len(kept.handoffs) == 1, "a kept inquiry is recorded once a week"
    assert len(handed.handoffs) == 1


def test_what_was_handed_is_not_handed_again_even_to_a_holder_of_this_week() -> None:
    # carol, next week's Primary, holds this week by delegation: what she got is still hers.
    route = Route(frozenset({"alice", "carol"}), "carol", since=MONDAY, primary="alice")
    first = make(1)
    run([first], route, FRIDAY)
    assert first.assignee == "carol"
    again = plan_handoff([first], route)
    assert (again.handed, again.kept) == ([], [])
    # So does one that came back to alice afterwards: the customer had the notice already.
    first.assignee = "alice"
    assert plan_handoff([first], route).handed == []


def test_a_kept_inquiry_marked_again_stays_kept_and_the_mark_is_cleared() -> None:
    kept = make(2, keep=True)
    run([kept], ROUTE, FRIDAY)
    kept.keep_at_handoff = True
    again = run([kept], ROUTE, FRIDAY + timedelta(hours=1))
    assert numbers(again.kept_earlier) == [2]
    assert len(kept.handoffs) == 1
    assert not kept.keep_at_handoff


def test_releasing_hands_over_what_the_first_run_kept() -> None:
    kept = make(2, keep=True)
    run([kept], ROUTE, FRIDAY)
    later = FRIDAY + timedelta(hours=1)
    again = run([kept], ROUTE, later, release={2})
    assert numbers(again.handed) == [2]
    assert kept.assignee == "carol"
    assert [(h.kept_by_previous, h.to_member) for h in kept.handoffs] == [
        (True, "alice"),
        (False, "carol"),
    ]
    assert earlier_handoff(kept, ROUTE) is kept.handoffs[-1]
    assert plan_handoff([kept], ROUTE).handed == []


@pytest.mark.parametrize(
    ("release", "named"),
    [({9}, "#9"), ({1}, "#1"), ({2, 9}, "#9")],
)
def test_releasing_what_was_not_kept_this_week_is_refused(release: set[int], named: str) -> None:
    plain, kept, marked = make(1), make(2, keep=True), make(3)
    run([plain, kept], ROUTE, FRIDAY)
    marked.keep_at_handoff = True
    with pytest.raises(InvalidInput, match=rf"^{named} was not kept by this week's earlier"):
        plan_handoff([plain, kept, marked], ROUTE, release=release)
    # Marked keep since, not kept earlier: unmarking it is the way to hand it over.
    with pytest.raises(InvalidInput, match=r"^#3 was not kept"):
        plan_handoff([plain, kept, marked], ROUTE, release={3})
    assert plain.assignee == "carol"
    assert kept.assignee == "alice"


def test_last_weeks_handoff_does_not_count_for_this_week() -> None:
    # alice kept it at last week's handoff and is Primary again: her choice is made afresh.
    kept = make(2)
    kept.handoffs.append(
        Handoff("alice", "alice", MONDAY - timedelta(days=3), kept_by_previous=True)
    )
    assert earlier_handoff(kept, ROUTE) is None
    assert numbers(plan_handoff([kept], ROUTE).handed) == [2]
    # Handed to carol last week and back with alice now, it goes to carol again.
    back = make(3)
    back.handoffs.append(Handoff("alice", "carol", MONDAY - timedelta(seconds=1)))
    assert numbers(plan_handoff([back], ROUTE).handed) == [3]


def test_a_late_handoff_of_last_week_is_not_this_weeks_earlier_run() -> None:
    """alice is Primary two weeks running and hands the first week over on the second's Tuesday."""
    last_week = Route(
        frozenset({"alice"}), "alice", since=MONDAY - timedelta(days=7), primary="alice"
    )
    kept = make(2, keep=True)
    run([kept], last_week, MONDAY + timedelta(days=1, hours=9))
    assert [(h.week_start, h.kept_by_previous) for h in kept.handoffs] == [(last_week.week, True)]
    # Her keep mark was for last week; this week's handoff hands it on like any other.
    assert earlier_handoff(kept, ROUTE) is None
    assert numbers(run([kept], ROUTE, FRIDAY).handed) == [2]
    assert kept.assignee == "carol"


def test_a_record_without_its_week_counts_from_when_it_was_written() -> None:
    """Records written before handoffs named their week keep the rule they had."""
    kept = make(2)
    kept.handoffs.append(
        Handoff("alice", "alice", MONDAY + timedelta(days=4), kept_by_previous=True)
    )
    assert earlier_handoff(kept, ROUTE) is kept.handoffs[0]
    kept.handoffs[0].at = MONDAY - timedelta(seconds=1)
    assert earlier_handoff(kept, ROUTE) is None


def test_what_the_next_primary_holds_already_stays_recorded_but_not_handed() -> None:
    """alice is Primary again next week; carol, her delegate this week, hands hers to alice."""
    again = Route(frozenset({"alice", "carol"}), "alice", since=MONDAY, primary="alice")
    hers, nobodys, carols = make(1), make(2, assignee=None), make(3, assignee="carol")
    plan = run([hers, nobodys, carols], again, FRIDAY)
    assert (numbers(plan.handed), numbers(plan.stayed)) == ([3], [1, 2])
    assert [h.assignee for h in (hers, nobodys, carols)] == ["alice"] * 3
    assert [(h.from_member, h.to_member) for h in hers.handoffs] == [("alice", "alice")]
    assert [stayed(i.handoffs[-1]) for i in (hers, nobodys, carols)] == [True, True, False]
    # A repeat run knows they were settled.
    assert earlier_handoff(hers, again) is hers.handoffs[0]
    repeat = plan_handoff([hers, nobodys, carols], again)
    assert (repeat.handed, repeat.stayed, repeat.kept) == ([], [], [])


def test_a_delegate_who_is_next_primary_keeps_what_they_hold_without_a_handoff() -> None:
    route = Route(frozenset({"alice", "carol"}), "carol", since=MONDAY, primary="alice")
    carols, alices = make(1, assignee="carol"), make(2)
    plan = run([carols, alices], route, FRIDAY)
    assert (numbers(plan.handed), numbers(plan.stayed)) == ([2], [1])


def test_releasing_what_the_next_primary_holds_lets_it_stay() -> None:
    again = Route(frozenset({"alice"}), "alice", since=MONDAY, primary="alice")
    kept = make(2, keep=True)
    run([kept], again, FRIDAY)
    released = run([kept], again, FRIDAY + timedelta(hours=1), release={2})
    assert (released.handed, numbers(released.stayed)) == ([], [2])
    assert [h.kept_by_previous for h in kept.handoffs] == [True, False]


@st.composite
def routes(draw: st.DrawFn) -> Route:
    """alice's week, perhaps with delegates, handed to carol or (back to back) to alice."""
    delegates = draw(st.sets(st.sampled_from(HOLDERS[1:]), max_size=2))
    to_member = draw(st.sampled_from(["carol", "alice"]))
    return Route(frozenset({"alice", *delegates}), to_member, since=MONDAY, primary="alice")


def held(inquiry: Inquiry, route: Route) -> bool:
    return inquiry.is_open and (inquiry.assignee is None or inquiry.assignee in route.outgoing)


def holds_already(inquiry: Inquiry, route: Route) -> bool:
    """The next Primary holds it: theirs, or nobody's in a week they were Primary of."""
    return (inquiry.assignee or route.primary) == route.to_member


def settled(inquiries: list[Inquiry]) -> list[tuple[str | None, bool, int]]:
    return [(i.assignee, i.keep_at_handoff, len(i.handoffs)) for i in inquiries]


@given(
    route=routes(),
    before=desk_inquiries(first_number=1),
    arrivals=desk_inquiries(first_number=100),
    changes=st.lists(
        st.tuples(st.integers(0, 7), st.sampled_from([*HOLDERS, None]), st.booleans()),
        max_size=4,
    ),
)
def test_a_repeated_handoff_never_hands_twice_and_keeps_what_was_kept(
    route: Route,
    before: list[Inquiry],
    arrivals: list[Inquiry],
    changes: list[tuple[int, str | None, bool]],
) -> None:
    first = run(before, route, FRIDAY)
    first_handed = set(numbers(first.handed)) | set(numbers(first.stayed))
    kept_first = set(numbers(first.kept))
    # Between the runs people reassign, mark and unmark, and new inquiries arrive.
    for index, assignee, keep in changes:
        if before:
            changed = before[index % len(before)]
            changed.assignee, changed.keep_at_handoff = assignee, keep
    everything = before + arrivals
    fresh = [i for i in everything if held(i, route) and earlier_handoff(i, route) is None]
    to_hand = {i.number for i in fresh if not i.keep_at_handoff and not holds_already(i, route)}
    to_stay = {i.number for i in fresh if not i.keep_at_handoff and holds_already(i, route)}
    to_keep = {i.number for i in fresh if i.keep_at_handoff}

    second = run(everything, route, FRIDAY + timedelta(hours=2))

    second_handed = set(numbers(second.handed)) | set(numbers(second.stayed))
    assert not first_handed & second_handed, "an inquiry was handed twice"
    assert set(numbers(second.kept_earlier)) == {
        i.number for i in before if i.number in kept_first and held(i, route)
    }
    assert set(numbers(second.handed)) == to_hand
    assert set(numbers(second.stayed)) == to_stay
    assert set(numbers(second.kept)) == to_keep | set(numbers(second.kept_earlier))
    for inquiry in everything:
        handed_over = [h for h in inquiry.handoffs if not h.kept_by_previous]
        kept = [h for h in inquiry.handoffs if h.kept_by_previous]
        assert len(handed_over) <= 1, f"#{inquiry.number} got two notices"
        assert len(kept) <= 1, f"#{inquiry.number} was recorded kept twice"
    # A third run with nothing new changes nothing at all.
    state = settled(everything)
    third = run(everything, route, FRIDAY + timedelta(hours=3))
    assert (third.handed, third.stayed) == ([], [])
    assert settled(everything) == state


@given(route=routes(), inquiries=desk_inquiries(), data=st.data())
def test_releasing_kept_inquiries_hands_exactly_those(
    route: Route, inquiries: list[Inquiry], data: st.DataObject
) -> None:
    first = run(inquiries, route, FRIDAY)
    released = data.draw(st.sets(st.sampled_from(numbers(first.kept)))) if first.kept else set()
    second = run(inquiries, route, FRIDAY + timedelta(hours=1), release=released)
    assert set(numbers(second.handed)) | set(numbers(second.stayed)) == released
    assert all(holds_already(i, route) for i in second.stayed)
    assert set(numbers(second.kept)) == set(numbers(first.kept)) - released
