"""Test the iCalendar feeds by parsing them back with icalendar."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from sredesk.core.ics import (
    DelegationWindow,
    EventVersion,
    Holiday,
    RotationCalendar,
    member_feed,
    team_feed,
)
from sredesk.core.rotation_model import RosterMember, TimeOffRange, WeekAssignment
from tests.strategies_rotation import HANDLES, START, WEEK

NOW = datetime(2027, 2, 15, 17, 30, tzinfo=UTC)
LA = ZoneInfo("America/Los_Angeles")
WEEKS = (
    WeekAssignment(date(2027, 3, 8), "alice", "bob"),
    WeekAssignment(date(2027, 3, 15), "bob", "carol"),
)
MEMBERS = (
    RosterMember(
        "alice", time_off=(TimeOffRange(date(2027, 3, 22), date(2027, 3, 26), "vacation"),)
    ),
    RosterMember("bob"),
    RosterMember("carol"),
)
HOLIDAYS = (Holiday(date(2027, 5, 31), "Memorial Day"),)
CALENDAR = RotationCalendar("VisIt", "America/Los_Angeles", WEEKS, MEMBERS, HOLIDAYS)


def events(ical: bytes) -> dict[str, dict[str, object]]:
    parsed = Calendar.from_ical(ical)
    return {
        str(e["UID"]): {
            "summary": str(e["SUMMARY"]),
            "start": e.decoded("DTSTART"),
            "end": e.decoded("DTEND"),
            "sequence": int(e["SEQUENCE"]),
            "category": e["CATEGORIES"].cats[0],
        }
        for e in parsed.walk("VEVENT")
    }


def test_the_team_feed_is_exactly_this() -> None:
    small = RotationCalendar("VisIt", "UTC", WEEKS[:1], handoff=time(9, 0))
    feed = team_feed(small, previous={}, now=NOW)
    assert feed.ical.decode().split("\r\n") == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//sredesk//rotation//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:VisIt desk rotation",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
        "X-WR-TIMEZONE:UTC",
        "BEGIN:VTIMEZONE",
        "TZID:UTC",
        "COMMENT:This timezone only works from 2027-03-01 to 2027-03-22.",
        "BEGIN:STANDARD",
        "DTSTART:20270301T000000",
        "TZNAME:UTC",
        "TZOFFSETFROM:+0000",
        "TZOFFSETTO:+0000",
        "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VEVENT",
        "SUMMARY:VisIt Backup: bob",
        "DTSTART:20270308T090000Z",
        "DTEND:20270315T090000Z",
        "DTSTAMP:20270215T173000Z",
        "UID:visit-20270308-backup@sredesk",
        "SEQUENCE:0",
        "CATEGORIES:Backup",
        "DESCRIPTION:Week of 2027-03-08\\nPrimary: alice\\nBackup: bob",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "SUMMARY:VisIt Primary: alice",
        "DTSTART:20270308T090000Z",
        "DTEND:20270315T090000Z",
        "DTSTAMP:20270215T173000Z",
        "UID:visit-20270308-primary@sredesk",
        "SEQUENCE:0",
        "CATEGORIES:Primary",
        "DESCRIPTION:Week of 2027-03-08\\nPrimary: alice\\nBackup: bob",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]


def test_shift_weeks_use_the_team_zone_with_its_vtimezone() -> None:
    feed = team_feed(CALENDAR, previous={}, now=NOW)
    parsed = Calendar.from_ical(feed.ical)
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["America/Los_Angeles"]
    assert "DTSTART;TZID=America/Los_Angeles:20270308T000000" in feed.ical.decode()
    primary = events(feed.ical)["visit-20270308-primary@sredesk"]
    # The week of 8 March 2027 crosses the switch to daylight time on the 14th.
    assert primary["start"] == datetime(2027, 3, 8, tzinfo=LA)
    assert primary["end"] == datetime(2027, 3, 15, tzinfo=LA)
    assert primary["summary"] == "VisIt Primary: alice"


def test_the_team_feed_holds_shifts_time_off_and_holidays() -> None:
    found = events(team_feed(CALENDAR, previous={}, now=NOW).ical)
    assert sorted(found) == [
        "visit-20270308-backup@sredesk",
        "visit-20270308-primary@sredesk",
        "visit-20270315-backup@sredesk",
        "visit-20270315-primary@sredesk",
        "visit-holiday-20270531@sredesk",
        "visit-timeoff-alice-20270322@sredesk",
    ]
    away = found["visit-timeoff-alice-20270322@sredesk"]
    assert (away["start"], away["end"]) == (date(2027, 3, 22), date(2027, 3, 27))
    assert away["category"] == "Time-off"
    assert found["visit-holiday-20270531@sredesk"]["summary"] == "Holiday: Memorial Day"


def test_a_member_feed_holds_their_shifts_their_time_off_and_the_holidays() -> None:
    feed = member_feed(CALENDAR, "alice", previous={}, now=NOW)
    assert sorted(events(feed.ical)) == [
        "visit-20270308-primary@sredesk",
        "visit-holiday-20270531@sredesk",
        "visit-timeoff-alice-20270322@sredesk",
    ]
    assert b"X-WR-CALNAME:VisIt desk: alice" in feed.ical
    # The versions cover every event, so storing them after any feed is safe.
    assert feed.versions == team_feed(CALENDAR, previous={}, now=NOW).versions


def test_a_delegation_shows_in_the_feeds_of_both_members_in_the_team_zone() -> None:
    window = DelegationWindow(
        7,
        "alice",
        "bob",
        datetime(2027, 3, 10, 20, tzinfo=UTC),
        datetime(2027, 3, 11, 1, tzinfo=UTC),
    )
    calendar = replace(CALENDAR, delegations=(window,))
    found = events(team_feed(calendar, previous={}, now=NOW).ical)
    event = found["visit-delegation-7@sredesk"]
    assert event["summary"] == "VisIt Primary (delegated): bob"
    assert event["category"] == "Delegation"
    assert event["start"] == datetime(2027, 3, 10, 12, tzinfo=LA)
    assert event["end"] == datetime(2027, 3, 10, 17, tzinfo=LA)
    for handle, shown in (("alice", True), ("bob", True), ("carol", False)):
        own = events(member_feed(calendar, handle, previous={}, now=NOW).ical)
        assert ("visit-delegation-7@sredesk" in own) is shown
    # Ending it early changes the same event, with a higher SEQUENCE.
    first = team_feed(calendar, previous={}, now=NOW)
    shorter = replace(window, end=datetime(2027, 3, 10, 22, tzinfo=UTC))
    again = team_feed(replace(CALENDAR, delegations=(shorter,)), previous=first.versions, now=NOW)
    assert events(again.ical)["visit-delegation-7@sredesk"]["sequence"] == 1


def test_a_member_without_shifts_gets_a_feed_without_a_vtimezone() -> None:
    feed = member_feed(CALENDAR, "zoe", previous={}, now=NOW)
    assert sorted(events(feed.ical)) == ["visit-holiday-20270531@sredesk"]
    assert b"BEGIN:VTIMEZONE" not in feed.ical


def test_a_replan_keeps_uids_and_raises_the_sequence_of_changed_events() -> None:
    first = team_feed(CALENDAR, previous={}, now=NOW)
    replanned = RotationCalendar(
        "VisIt",
        "America/Los_Angeles",
        (WEEKS[0], WeekAssignment(date(2027, 3, 15), "bob", "alice")),
        MEMBERS,
        HOLIDAYS,
    )
    second = team_feed(replanned, previous=first.versions, now=NOW)
    before, after = events(first.ical), events(second.ical)
    assert sorted(before) == sorted(after)
    changed = {uid for uid in after if after[uid]["sequence"] == 1}
    # The Primary's description names the new Backup, so both events of the week change.
    assert changed == {"visit-20270315-backup@sredesk", "visit-20270315-primary@sredesk"}
    assert after["visit-20270315-backup@sredesk"]["summary"] == "VisIt Backup: alice"
    third = team_feed(replanned, previous=second.versions, now=NOW)
    assert third.versions == second.versions


def test_a_retired_event_never_goes_back_in_sequence() -> None:
    first = team_feed(CALENDAR, previous={}, now=NOW)
    shorter = RotationCalendar("VisIt", "America/Los_Angeles", WEEKS[:1], MEMBERS, HOLIDAYS)
    second = team_feed(shorter, previous=first.versions, now=NOW)
    assert "visit-20270315-primary@sredesk" not in events(second.ical)
    assert second.versions == first.versions
    back = RotationCalendar(
        "VisIt",
        "America/Los_Angeles",
        (WEEKS[0], WeekAssignment(date(2027, 3, 15), "carol", "bob")),
        MEMBERS,
        HOLIDAYS,
    )
    third = events(team_feed(back, previous=second.versions, now=NOW).ical)
    assert third["visit-20270315-primary@sredesk"]["sequence"] == 1


def test_time_off_moving_its_end_updates_the_same_event() -> None:
    first = team_feed(CALENDAR, previous={}, now=NOW)
    longer = (
        RosterMember(
            "alice", time_off=(TimeOffRange(date(2027, 3, 22), date(2027, 3, 30), "vacation"),)
        ),
    )
    calendar = RotationCalendar("VisIt", "America/Los_Angeles", WEEKS, longer, HOLIDAYS)
    found = events(team_feed(calendar, previous=first.versions, now=NOW).ical)
    away = found["visit-timeoff-alice-20270322@sredesk"]
    assert (away["end"], away["sequence"]) == (date(2027, 3, 31), 1)


def test_two_time_off_ranges_starting_the_same_day_get_distinct_uids() -> None:
    day = date(2027, 4, 5)
    twice = (RosterMember("bob", time_off=(TimeOffRange(day, day), TimeOffRange(day, day))),)
    calendar = RotationCalendar("Vis It!", "UTC", (), twice)
    assert sorted(events(team_feed(calendar, previous={}, now=NOW).ical)) == [
        "vis-it-timeoff-bob-20270405-2@sredesk",
        "vis-it-timeoff-bob-20270405@sredesk",
    ]


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="now must carry a timezone"):
        team_feed(CALENDAR, previous={}, now=datetime(2027, 2, 15, 9, 0))


@st.composite
def plans(draw: st.DrawFn) -> tuple[WeekAssignment, ...]:
    weeks = []
    for i in range(draw(st.integers(0, 6))):
        primary, backup = draw(st.permutations(HANDLES[:4]))[:2]
        weeks.append(WeekAssignment(START + i * WEEK, primary, backup))
    return tuple(weeks)


@settings(max_examples=40, deadline=None)
@given(st.lists(plans(), min_size=1, max_size=4))
def test_sequences_rise_exactly_when_an_event_changes(
    publications: list[tuple[WeekAssignment, ...]],
) -> None:
    versions: dict[str, EventVersion] = {}
    seen: dict[str, tuple[str, int]] = {}
    for weeks in publications:
        calendar = RotationCalendar("VisIt", "Europe/Paris", weeks)
        feed = team_feed(calendar, previous=versions, now=NOW)
        parsed = Calendar.from_ical(feed.ical)
        for event in parsed.walk("VEVENT"):
            uid, sequence = str(event["UID"]), int(event["SEQUENCE"])
            content = event.to_ical().decode().replace(f"SEQUENCE:{sequence}", "")
            if uid in seen:
                old_content, old_sequence = seen[uid]
                assert sequence == old_sequence + (content != old_content)
            else:
                assert sequence == 0
            seen[uid] = (content, sequence)
        assert len({str(e["UID"]) for e in parsed.walk("VEVENT")}) == 2 * len(weeks)
        versions = feed.versions
