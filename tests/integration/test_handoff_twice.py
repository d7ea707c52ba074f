"""A second handoff in the same week, on the in-memory fake and on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sredesk.adapters.memory import FixedClock
from sredesk.core.errors import InvalidInput
from sredesk.services import inquiries, outbox, shifts
from sredesk.services.desk import Desk
from tests.conftest import THIS_WEEK
from tests.outbox_support import email_publisher


def open_one(desk: Desk, title: str) -> int:
    return inquiries.open_inquiry(
        desk, title=title, channel="email", source="visit-users", customers=["u@example.edu"]
    )


def notices(desk: Desk, number: int) -> int:
    """How many handoff notices the inquiry's customers got."""
    comments = inquiries.get_inquiry(desk, number)["comments"]
    return sum(1 for c in comments if c["public"] and "The SRE desk rotates weekly" in c["body"])


def handoff_messages(desk: Desk) -> list[str]:
    """What the next Primary was told, one notification a handoff that handed anything."""
    with desk.unit_of_work() as uow:
        return [n.body for n in uow.notifications.list() if n.kind == "handoff"]


def _second_handoff_settles_only_what_is_new(desk: Desk, clock: FixedClock) -> None:
    desk.publishers.append(email_publisher)
    handed, kept = open_one(desk, "Handed"), open_one(desk, "Nearly there")
    inquiries.keep_at_handoff(desk, kept, True, by="alice")
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00
    first = shifts.handoff(desk)
    assert (first.handed, first.kept, first.kept_earlier) == ([handed], [kept], [])

    clock.advance(timedelta(minutes=30))
    late = open_one(desk, "Arrived after the handoff")
    assert inquiries.get_inquiry(desk, late)["assignee"] == "alice"
    preview = shifts.handoff(desk, dry_run=True)
    assert (preview.handed, preview.kept, preview.kept_earlier) == ([late], [kept], [kept])
    second = shifts.handoff(desk)
    assert (second.handed, second.kept, second.kept_earlier) == ([late], [kept], [kept])

    kept_data = inquiries.get_inquiry(desk, kept)
    assert kept_data["assignee"] == "alice"
    assert [h["kept_by_previous"] for h in kept_data["handoffs"]] == [True]
    assert [notices(desk, n) for n in (handed, kept, late)] == [1, 0, 1]
    assert sorted(m["inquiry"] for m in outbox.list_outbox(desk)) == sorted([handed, late])
    assert handoff_messages(desk) == [f"Handed over: #{handed}", f"Handed over: #{late}"]

    # Nothing new: a third run hands nothing and writes nothing about any inquiry.
    timelines = {n: len(inquiries.get_inquiry(desk, n)["timeline"]) for n in (handed, kept)}
    assert shifts.handoff(desk).handed == []
    assert {n: len(inquiries.get_inquiry(desk, n)["timeline"]) for n in timelines} == timelines

    # alice changes her mind about the kept one: releasing it hands it over, with its notice.
    with pytest.raises(InvalidInput, match=f"^#{handed} was not kept by this week's earlier"):
        shifts.handoff(desk, release=[handed, kept])
    assert inquiries.get_inquiry(desk, kept)["assignee"] == "alice"
    released = shifts.handoff(desk, release=[kept])
    assert (released.handed, released.kept) == ([kept], [])
    assert inquiries.get_inquiry(desk, kept)["assignee"] == "carol"
    assert notices(desk, kept) == 1
    assert shifts.handoff(desk).handed == []


def test_a_second_handoff_in_the_week_on_the_memory_fake(
    memory_desk: Desk, clock: FixedClock
) -> None:
    _second_handoff_settles_only_what_is_new(memory_desk, clock)


def test_a_second_handoff_in_the_week_on_the_database(sql_desk: Desk, clock: FixedClock) -> None:
    _second_handoff_settles_only_what_is_new(sql_desk, clock)


def _a_late_handoff_of_last_week_does_not_keep_this_weeks(desk: Desk, clock: FixedClock) -> None:
    """alice is Primary two weeks running and runs the first week's handoff a day late."""
    shifts.set_shift(desk, THIS_WEEK + timedelta(weeks=1), "alice", "bob")
    shifts.set_shift(desk, THIS_WEEK + timedelta(weeks=2), "carol", "dave")
    kept = open_one(desk, "Nearly there")
    inquiries.keep_at_handoff(desk, kept, True, by="alice")
    clock.advance(timedelta(days=6))  # the next Tuesday
    late = shifts.handoff(desk, week_start=THIS_WEEK)
    assert (late.to_member, late.kept) == ("alice", [kept])
    clock.advance(timedelta(days=3, hours=6))  # that week's Friday, 16:00
    this_week = shifts.handoff(desk)
    assert (this_week.to_member, this_week.handed, this_week.kept) == ("carol", [kept], [])
    handoffs = inquiries.get_inquiry(desk, kept)["handoffs"]
    assert [(h["week_start"], h["to_member"]) for h in handoffs] == [
        (THIS_WEEK.isoformat(), "alice"),
        ((THIS_WEEK + timedelta(weeks=1)).isoformat(), "carol"),
    ]


def test_a_late_handoff_of_last_week_on_the_memory_fake(
    memory_desk: Desk, clock: FixedClock
) -> None:
    _a_late_handoff_of_last_week_does_not_keep_this_weeks(memory_desk, clock)


def test_a_late_handoff_of_last_week_on_the_database(sql_desk: Desk, clock: FixedClock) -> None:
    _a_late_handoff_of_last_week_does_not_keep_this_weeks(sql_desk, clock)


def _a_handoff_to_the_same_primary_tells_nobody(desk: Desk, clock: FixedClock) -> None:
    """alice is Primary two weeks running: what she holds stays hers, with no notice."""
    desk.publishers.append(email_publisher)
    shifts.set_shift(desk, THIS_WEEK + timedelta(weeks=1), "alice", "carol")
    hers, bobs = open_one(desk, "Hers"), open_one(desk, "Bob's, as delegate")
    inquiries.assign(desk, bobs, "bob", by="alice")
    delegation = shifts.delegate(desk, clock.now(), clock.now() + timedelta(hours=2), by="alice")
    shifts.answer_delegation(desk, delegation, by="bob", accept=True)
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00
    result = shifts.handoff(desk)
    assert (result.handed, result.stayed, result.kept) == ([bobs], [hers], [])
    assert [notices(desk, n) for n in (hers, bobs)] == [0, 1]
    assert [m["inquiry"] for m in outbox.list_outbox(desk)] == [bobs]
    assert handoff_messages(desk) == [f"Handed over: #{bobs}"]
    data = inquiries.get_inquiry(desk, hers)
    assert data["assignee"] == "alice"
    assert [(h["from_member"], h["to_member"]) for h in data["handoffs"]] == [("alice", "alice")]
    # A repeat run knows it was settled: it records nothing more and tells nobody.
    again = shifts.handoff(desk)
    assert (again.handed, again.stayed, again.kept) == ([], [], [])
    assert len(inquiries.get_inquiry(desk, hers)["handoffs"]) == 1
    assert handoff_messages(desk) == [f"Handed over: #{bobs}"]


def test_a_handoff_to_the_same_primary_on_the_memory_fake(
    memory_desk: Desk, clock: FixedClock
) -> None:
    _a_handoff_to_the_same_primary_tells_nobody(memory_desk, clock)


def test_a_handoff_to_the_same_primary_on_the_database(sql_desk: Desk, clock: FixedClock) -> None:
    _a_handoff_to_the_same_primary_tells_nobody(sql_desk, clock)
