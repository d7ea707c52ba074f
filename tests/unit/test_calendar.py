"""Check the business calendar against worked examples, the lab's rules and properties."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import holidays as holidays_pkg
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sredesk.core.calendar import BusinessCalendar, CalendarError, default_calendar, load_calendar
from sredesk.core.calendar_spec import CalendarSpec, load_spec
from sredesk.core.holiday_rules import LlnlHolidays
from tests.strategies import (
    LA,
    business_durations,
    calendars,
    instants,
    second_instants,
)

CAL = default_calendar()
H = timedelta(hours=1)
S = timedelta(seconds=1)
US = timedelta(microseconds=1)


def la(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=LA)


# A reference that walks the open hours day by day, in plain datetimes.


def open_intervals(cal: BusinessCalendar, day: date) -> Iterator[tuple[datetime, datetime]]:
    """Merged open intervals in UTC from `day` on, straight from the day's hours."""
    pending: tuple[datetime, datetime] | None = None
    while True:
        midnight = datetime(day.year, day.month, day.day, tzinfo=cal.tz)
        for s, e in cal.hours_on(day):
            o = (midnight + timedelta(seconds=s)).astimezone(UTC)
            c = (midnight + timedelta(seconds=e)).astimezone(UTC)
            if c <= o:
                continue
            if pending is not None and o <= pending[1]:
                pending = (pending[0], max(pending[1], c))
                continue
            if pending is not None:
                yield pending
            pending = (o, c)
        day += timedelta(days=1)


# Python subtracts and adds same-zone datetimes on the wall clock, so the references
# work in UTC throughout.


def reference_add(cal: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    start = start.astimezone(UTC)
    left = duration
    for o, c in open_intervals(cal, start.astimezone(cal.tz).date() - timedelta(days=1)):
        if c <= start:
            continue
        o = max(o, start)
        if duration == timedelta(0):
            return o
        if c - o >= left:
            return o + left
        left -= c - o
    raise AssertionError("unreachable")  # pragma: no cover


def reference_elapsed(cal: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    total = timedelta(0)
    for o, c in open_intervals(cal, start.astimezone(cal.tz).date() - timedelta(days=1)):
        if o >= end:
            return total
        total += max(timedelta(0), min(c, end) - max(o, start))
    raise AssertionError("unreachable")  # pragma: no cover


# The worked example and the edges of a day.


def test_worked_example_before_thanksgiving() -> None:
    due = CAL.add(la(2026, 11, 25, 16, 30), 4 * H)
    assert due == la(2026, 11, 30, 11, 30)
    assert due.tzinfo is LA


def test_deadline_at_closing_time_is_that_closing_time() -> None:
    assert CAL.add(la(2026, 11, 25, 16), H) == la(2026, 11, 25, 17)
    assert CAL.add(la(2026, 3, 3, 11), H) == la(2026, 3, 3, 12)


TUESDAY = (2026, 3, 3)


@pytest.mark.parametrize(
    ("arrival", "due"),
    [
        ((7, 59, 59), (3, 12, 0, 0)),
        ((8, 0, 0), (3, 12, 0, 0)),
        ((11, 59, 59), (3, 16, 59, 59)),
        ((12, 0, 0), (3, 17, 0, 0)),
        ((12, 30, 0), (3, 17, 0, 0)),
        ((12, 59, 59), (3, 17, 0, 0)),
        ((13, 0, 0), (3, 17, 0, 0)),
        ((16, 59, 59), (4, 11, 59, 59)),
        ((17, 0, 0), (4, 12, 0, 0)),
    ],
)
def test_four_hours_from_each_edge_of_the_day(
    arrival: tuple[int, int, int], due: tuple[int, int, int, int]
) -> None:
    start = la(*TUESDAY, *arrival)
    assert CAL.add(start, 4 * H) == la(2026, 3, *due)
    assert CAL.elapsed(start, la(2026, 3, *due)) <= 4 * H


@pytest.mark.parametrize(
    ("at", "is_open", "opening"),
    [
        ((7, 59, 59), False, (3, 8, 0)),
        ((8, 0, 0), True, (3, 8, 0)),
        ((11, 59, 59), True, (3, 11, 59, 59)),
        ((12, 0, 0), False, (3, 13, 0)),
        ((12, 59, 59), False, (3, 13, 0)),
        ((13, 0, 0), True, (3, 13, 0)),
        ((16, 59, 59), True, (3, 16, 59, 59)),
        ((17, 0, 0), False, (4, 8, 0)),
    ],
)
def test_open_and_next_opening_at_each_edge(
    at: tuple[int, int, int], is_open: bool, opening: tuple[int, ...]
) -> None:
    instant = la(*TUESDAY, *at)
    assert CAL.is_open(instant) is is_open
    assert CAL.next_opening(instant) == la(2026, 3, *opening)


def test_arrival_on_a_weekend_counts_from_monday() -> None:
    assert CAL.add(la(2026, 3, 14, 10), 4 * H) == la(2026, 3, 16, 12)
    assert CAL.next_opening(la(2026, 3, 13, 17)) == la(2026, 3, 16, 8)


def test_arrival_on_a_holiday_counts_from_the_next_business_day() -> None:
    assert CAL.add(la(2026, 1, 19, 10), 4 * H) == la(2026, 1, 20, 12)  # MLK Day
    assert not CAL.is_open(la(2026, 1, 19, 10))


def test_next_opening_past_the_years_built_so_far() -> None:
    fresh = load_calendar("llnl")
    assert fresh.is_open(la(2026, 12, 31, 18)) is False
    assert fresh.next_opening(la(2026, 12, 31, 18)) == la(2027, 1, 4, 8)


def test_zero_duration_gives_the_next_opening() -> None:
    assert CAL.add(la(2026, 3, 3, 9), timedelta(0)) == la(2026, 3, 3, 9)
    assert CAL.add(la(2026, 3, 3, 17), timedelta(0)) == la(2026, 3, 4, 8)


def test_results_are_in_the_calendar_zone_whatever_the_input_zone() -> None:
    due = CAL.add(datetime(2026, 11, 26, 0, 30, tzinfo=UTC), 4 * H)
    assert due == la(2026, 11, 30, 11, 30)
    assert due.utcoffset() == timedelta(hours=-8)


def test_elapsed_is_zero_when_end_is_not_later() -> None:
    assert CAL.elapsed(la(2026, 3, 3, 10), la(2026, 3, 3, 9)) == timedelta(0)
    assert CAL.elapsed(la(2026, 3, 3, 10), la(2026, 3, 3, 10)) == timedelta(0)


def test_elapsed_over_the_thanksgiving_weekend() -> None:
    assert CAL.elapsed(la(2026, 11, 25, 16, 30), la(2026, 11, 30, 11, 30)) == 4 * H


# Daylight saving and leap days.


def test_spring_forward_weekend() -> None:
    due = CAL.add(la(2026, 3, 6, 16), 4 * H)  # Friday PST, clocks change on Sunday 8 March
    assert due == la(2026, 3, 9, 11)
    assert due.utcoffset() == timedelta(hours=-7)
    # Same-zone subtraction in Python is wall-clock; compare real time through UTC.
    assert due.astimezone(UTC) - la(2026, 3, 6, 16).astimezone(UTC) == timedelta(days=2, hours=18)


def test_fall_back_weekend() -> None:
    due = CAL.add(la(2026, 10, 30, 16), 4 * H)  # Friday PDT, clocks change on Sunday 1 Nov
    assert due == la(2026, 11, 2, 11)
    assert due.utcoffset() == timedelta(hours=-8)
    assert CAL.elapsed(la(2026, 10, 30, 16), due) == 4 * H


ROUND_THE_CLOCK = load_calendar(
    "always", {"always": {"hours": {"mon-sun": ["00:00-24:00"]}, "holidays": "none"}}
)


def test_open_hours_across_a_change_count_real_time() -> None:
    cal = ROUND_THE_CLOCK
    assert cal.elapsed(la(2026, 3, 8), la(2026, 3, 9)) == 23 * H
    assert cal.elapsed(la(2026, 11, 1), la(2026, 11, 2)) == 25 * H
    assert cal.add(la(2026, 3, 7, 12), 24 * H) == la(2026, 3, 8, 13)
    assert cal.add(la(2026, 3, 3, 23), H) == la(2026, 3, 4)  # one interval across midnight


def test_leap_day_is_a_business_day() -> None:
    assert CAL.is_business_day(date(2028, 2, 29))
    assert CAL.add(la(2028, 2, 28, 16), 4 * H) == la(2028, 2, 29, 11)
    assert CAL.add(la(2024, 2, 29, 16), 4 * H) == la(2024, 3, 1, 11)
    assert CAL.elapsed(la(2028, 2, 28, 8), la(2028, 3, 1, 8)) == 16 * H


# The lab's holidays.


def test_llnl_holidays_2026() -> None:
    assert CAL.holidays(2026) == [
        date(2026, 1, 1),
        date(2026, 1, 19),
        date(2026, 2, 16),
        date(2026, 5, 25),
        date(2026, 7, 3),  # 4 July is a Saturday
        date(2026, 9, 7),
        date(2026, 11, 26),
        date(2026, 11, 27),
        *(date(2026, 12, d) for d in (24, 25, 28, 29, 30, 31)),
    ]


def test_llnl_holidays_have_their_names() -> None:
    names = CAL.holiday_names(2026)
    assert list(names) == CAL.holidays(2026)
    assert names[date(2026, 11, 26)] == "Thanksgiving Day"
    assert names[date(2026, 11, 27)] == "Day after Thanksgiving"
    assert names[date(2026, 7, 3)] == "Independence Day (observed)"
    assert names[date(2026, 12, 28)] == "Winter closure"
    # Inside the closure a holiday keeps its own name.
    assert CAL.holiday_names(2027)[date(2027, 1, 1)] == "New Year's Day"


def test_sunday_holiday_is_observed_on_monday() -> None:
    assert date(2027, 7, 5) in CAL.holidays(2027)
    assert not CAL.is_business_day(date(2027, 7, 5))


def test_winter_closure_runs_to_new_year() -> None:
    assert CAL.add(la(2026, 12, 23, 16), 4 * H) == la(2027, 1, 4, 11)
    assert all(not CAL.is_business_day(date(2026, 12, d)) for d in range(24, 32))


def test_winter_closure_days_are_configurable() -> None:
    short = load_calendar("llnl", {"llnl": {"winter_closure": ["12-26", "12-31"]}})
    assert date(2026, 12, 24) not in short.holidays(2026)
    assert date(2026, 12, 28) in short.holidays(2026)
    assert date(2026, 1, 1) in short.holidays(2026)  # New Year's Day still applies


def test_without_closure_new_year_is_observed_across_the_year_end() -> None:
    cal = load_calendar("llnl", {"llnl": {"winter_closure": False}})
    assert cal.holidays(2021)[-1] == date(2021, 12, 31)  # 1 Jan 2022 is a Saturday
    assert date(2023, 1, 2) in cal.holidays(2023)  # 1 Jan 2023 is a Sunday
    assert date(2021, 12, 24) not in cal.holidays(2021)


NO_CLOSURE = load_calendar("llnl", {"llnl": {"winter_closure": False}})


@pytest.mark.parametrize("year", range(1995, 2045))
def test_llnl_rules_match_us_federal_dates(year: int) -> None:
    cal = NO_CLOSURE
    us_ca = set(holidays_pkg.country_holidays("US", subdiv="CA", years=[year]))
    assert set(cal.holidays(year)) <= us_ca
    assert 7 <= len(cal.holidays(year)) <= 9


def test_removed_extra_and_half_days() -> None:
    cal = load_calendar(
        "llnl",
        {
            "llnl": {
                "removed_holidays": ["2026-11-27"],
                "extra_holidays": [date(2026, 3, 3)],
                "half_days": {"2026-11-25": "12:00", "2026-12-24": "12:00"},
            }
        },
    )
    assert cal.add(la(2026, 11, 25, 11), 2 * H) == la(2026, 11, 27, 9)
    assert not cal.is_business_day(date(2026, 3, 3))
    assert cal.is_open(la(2026, 12, 24, 11))
    assert not cal.is_open(la(2026, 12, 24, 13))
    assert date(2026, 12, 24) not in cal.holidays(2026)


def test_country_holidays_from_the_holidays_package() -> None:
    tokyo = load_calendar(
        "tokyo",
        {
            "tokyo": {
                "timezone": "Asia/Tokyo",
                "holidays": "JP",
                "hours": {"mon-fri": ["09:00-18:00"]},
            }
        },
    )
    assert date(2026, 5, 5) in tokyo.holidays(2026)  # Children's Day
    assert (
        tokyo.holiday_names(2026)[date(2026, 5, 5)]
        == holidays_pkg.country_holidays("JP", years=[2026])[date(2026, 5, 5)]
    )
    assert tokyo.add(datetime(2026, 5, 1, 17, tzinfo=tokyo.tz), 2 * H).day == 7


def test_calendars_extend_and_accumulate() -> None:
    config = {
        "default": "llnl",
        "llnl": {"extra_holidays": ["2026-03-03"]},
        "site": {"removed_holidays": ["2026-01-19"], "extra_holidays": ["2026-03-04"]},
        "night": {"extends": "site", "hours": {"mon-fri": ["18:00-24:00"]}},
    }
    night = load_calendar("night", config)
    assert night.tz.key == "America/Los_Angeles"
    assert not night.is_business_day(date(2026, 3, 3))
    assert not night.is_business_day(date(2026, 3, 4))
    assert night.is_business_day(date(2026, 1, 19))
    assert night.next_opening(la(2026, 3, 5, 9)) == la(2026, 3, 5, 18)


ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:1
DTSTART;VALUE=DATE:20260310
DTEND;VALUE=DATE:20260312
SUMMARY:Site shutdown
END:VEVENT
BEGIN:VEVENT
UID:2
DTSTART;VALUE=DATE:20240229
RRULE:FREQ=YEARLY;COUNT=9
SUMMARY:Leap day off
END:VEVENT
BEGIN:VEVENT
UID:3
DTSTART:20260415T100000Z
DTEND:20260416T020000Z
SUMMARY:Timed event
END:VEVENT
BEGIN:VEVENT
UID:4
DTSTART;VALUE=DATE:20260601
DURATION:P1D
RRULE:FREQ=YEARLY;UNTIL=20270531
SUMMARY:Founders day
END:VEVENT
BEGIN:VEVENT
UID:5
DTSTART;VALUE=DATE:20200714
RRULE:FREQ=YEARLY
SUMMARY:Every year from 2020
END:VEVENT
END:VCALENDAR
"""


def test_ics_holidays() -> None:
    cal = load_calendar(
        "ics", {"ics": {"holidays": "none", "ics": "x.ics"}}, read_text=lambda _: ICS
    )
    days = cal.holidays(2026)
    assert days == [
        date(2026, 3, 10),
        date(2026, 3, 11),
        date(2026, 4, 15),
        date(2026, 4, 16),
        date(2026, 6, 1),
        date(2026, 7, 14),
    ]
    assert cal.holidays(2028) == [date(2028, 2, 29), date(2028, 7, 14)]
    assert cal.holidays(2027) == [date(2027, 7, 14)]  # founders day ended before 1 June 2027
    assert cal.holidays(2019) == []
    names = cal.holiday_names(2028)
    assert names == {date(2028, 2, 29): "Leap day off", date(2028, 7, 14): "Every year from 2020"}
    assert cal.holiday_names(2026)[date(2026, 3, 11)] == "Site shutdown"


def test_a_holiday_only_the_settings_add_is_named_holiday() -> None:
    cal = load_calendar("llnl", {"llnl": {"extra_holidays": ["2026-03-03"]}})
    assert cal.holiday_names(2026)[date(2026, 3, 3)] == "Holiday"


@pytest.mark.parametrize(
    ("config", "read_text", "message"),
    [
        ({}, None, "unknown calendar 'x'"),
        ({"x": "nope"}, None, "must be a table"),
        ({"x": {"colour": 1}}, None, "unknown setting 'colour'"),
        ({"x": {"extends": "y"}, "y": {"extends": "x"}}, None, "loop"),
        ({"x": {"hours": {}}}, None, "no open hours"),
        ({"x": {"hours": "mon"}}, None, "as a table"),
        ({"x": {"hours": {"mon": "08:00-12:00"}}}, None, "must be a list"),
        ({"x": {"hours": {"mon": ["08:00"]}}}, None, "must look like 08:00-12:00"),
        ({"x": {"hours": {"mon": ["8h-12h"]}}}, None, "not a time of day"),
        ({"x": {"hours": {"mon": ["ab:cd-12:00"]}}}, None, "not a time of day"),
        ({"x": {"hours": {"mon": ["12:00-08:00"]}}}, None, "open before they close"),
        ({"x": {"hours": {"mon": ["08:00-12:00", "11:00-13:00"]}}}, None, "overlap"),
        ({"x": {"hours": {"funday": ["08:00-12:00"]}}}, None, "not a weekday"),
        ({"x": {"hours": {"fri-mon": ["08:00-12:00"]}}}, None, "backwards"),
        ({"x": {"timezone": "Mars/Olympus"}}, None, "unknown time zone"),
        ({"x": {"holidays": "ZZ"}}, None, "not known to the holidays package"),
        ({"x": {"winter_closure": "12-24"}}, None, "winter_closure must be"),
        ({"x": {"winter_closure": ["12-24", "13-01"]}}, None, "must look like 12-24"),
        ({"x": {"extra_holidays": ["soon"]}}, None, "not a date"),
        (
            {"x": {"extra_holidays": ["2026-12-23"], "half_days": {"2026-12-23": "12:00"}}},
            None,
            "both",
        ),
        ({"x": {"ics": "a.ics"}}, None, "pass read_text"),
        ({"x": {"ics": "a.ics"}}, lambda _: "not ics", "cannot read the .ics text"),
        ({"x": {"ics": "a.ics"}}, lambda _: ICS.replace("COUNT=9", "BYDAY=MO"), "FREQ=YEARLY"),
        (
            {"x": {"ics": "a.ics"}},
            lambda _: ICS.replace("DTSTART;VALUE=DATE:20240229\n", ""),
            "no DTSTART",
        ),
    ],
)
def test_bad_calendars_are_refused_with_a_reason(
    config: dict[str, Any], read_text: Any, message: str
) -> None:
    with pytest.raises(CalendarError, match=message) as caught:
        load_calendar("x", config, read_text=read_text)
    assert "\n" not in str(caught.value)


def test_a_calendar_that_never_opens_is_refused() -> None:
    spec = load_spec("llnl")
    every_day = CalendarSpec(
        "shut",
        spec.tz,
        spec.week,
        (lambda year: (date(year, 1, 1) + timedelta(days=n) for n in range(366)),),
    )
    with pytest.raises(CalendarError, match="no open hours from"):
        BusinessCalendar(every_day).add(la(2026, 3, 3), H)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: CAL.add(datetime(2026, 3, 3, 9), H), "no time zone"),
        (lambda: CAL.add(la(2026, 3, 3), -S), "negative"),
        (lambda: CAL.add(la(2026, 3, 3), 5), "must be a timedelta"),  # type: ignore[arg-type]
        (lambda: CAL.elapsed(la(2026, 3, 3), datetime(2026, 3, 4)), "no time zone"),
        (lambda: CAL.is_open("2026-03-03"), "must be a datetime"),  # type: ignore[arg-type]
        (lambda: CAL.add(datetime(1, 1, 2, tzinfo=UTC), H), "outside the supported years"),
        (lambda: CAL.add(la(9998, 12, 20), 1000 * H), "after the year 9998"),
        (lambda: CAL.holidays(10_000), "outside the supported years"),
        (lambda: CAL.is_business_day(date(9999, 1, 4)), "outside the supported years"),
        (lambda: CAL.add_batch(np.array([1, 2]), H), "datetime64"),
        (lambda: CAL.add_batch(np.array(["20000-01-01"], "datetime64[D]"), H), "outside"),
    ],
)
def test_bad_arguments_raise_calendar_error(call: Any, message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        call()


def test_llnl_holidays_can_be_built_without_a_closure() -> None:
    assert date(2026, 12, 24) not in set(LlnlHolidays(winter_closure=None)(2026))


# Batches.


def test_batch_matches_single_instants_and_keeps_nat() -> None:
    starts = np.array(
        ["2026-11-26T00:30:00", "NaT", "2026-03-03T20:00:00", "2026-12-31T23:59:59"],
        dtype="datetime64[s]",
    )
    due = CAL.add_batch(starts, 4 * H)
    assert due.dtype == np.dtype("datetime64[s]")
    assert np.isnat(due[1])
    assert due[0] == np.datetime64("2026-11-30T19:30:00")
    assert due[2] == np.datetime64("2026-03-04T01:00:00")  # from lunch to 17:00 PST
    assert due[3] == np.datetime64("2027-01-04T20:00:00")  # after the winter closure


def test_batch_takes_any_unit_and_shape() -> None:
    starts = np.array([["2026-03-03T19:59:59.5"], ["2026-03-03"]], dtype="datetime64[ns]")
    due = CAL.add_batch(starts, S)
    assert due.shape == (2, 1)
    # Half a second before lunch, half after: 13:00:00.5 PST, then rounded down. Rounding
    # the start first would have stopped at 12:00 instead.
    assert due[0, 0] == np.datetime64("2026-03-03T21:00:00")
    assert due[1, 0] == np.datetime64("2026-03-03T00:00:01")  # Monday 16:00 PST is open
    assert CAL.add_batch(np.array([], dtype="datetime64[m]"), H).size == 0
    opening = CAL.add_batch(np.array(["2026-03-04T01:00"], dtype="datetime64[m]"), timedelta(0))
    assert opening[0] == np.datetime64("2026-03-04T16:00:00")


def test_elapsed_batch_broadcasts_and_gives_nan_for_nat() -> None:
    starts = np.array(["2026-11-26T00:30", "NaT"], dtype="datetime64[m]")
    spent = CAL.elapsed_batch(starts, np.datetime64("2026-11-30T19:30"))
    assert spent[0] == 4 * 3600.0
    assert np.isnan(spent[1])
    assert CAL.elapsed_batch(np.datetime64("2026-11-30T19:30"), starts[:1])[0] == 0.0


def test_batch_steps_through_many_short_intervals_per_hour() -> None:
    slots = [f"08:{m:02d}-08:{m + 5:02d}" for m in range(0, 60, 10)]
    cal = load_calendar("slots", {"slots": {"hours": {"mon-fri": slots}}})
    rng = np.random.default_rng(7)
    starts = np.datetime64("2026-01-01") + rng.integers(0, 86_400 * 365, 2000).astype(
        "timedelta64[s]"
    )
    single = [
        cal.add(datetime.fromtimestamp(int(t), UTC), 17 * timedelta(minutes=1))
        for t in starts.astype("int64")
    ]
    expected = [d.astimezone(UTC).replace(tzinfo=None) for d in single]
    assert cal.add_batch(starts, 17 * timedelta(minutes=1)).tolist() == expected
    assert cal.add_batch(starts, timedelta(0)).tolist() == [
        cal.next_opening(datetime.fromtimestamp(int(t), UTC)).astimezone(UTC).replace(tzinfo=None)
        for t in starts.astype("int64")
    ]


def test_a_long_duration_reaches_years_ahead() -> None:
    start = la(2026, 3, 3, 8)
    due = CAL.add(start, 8000 * H)
    assert due.year in (2030, 2031)
    assert CAL.elapsed(start, due) == 8000 * H
    batch = CAL.add_batch(np.array([np.datetime64("2026-03-03T16:00")]), 8000 * H)
    assert batch[0] == np.datetime64(due.astimezone(UTC).replace(tzinfo=None), "s")


def test_threads_share_one_calendar() -> None:
    cal = load_calendar("llnl")
    starts = [la(year, 3, 3, 10) for year in range(2000, 2040)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda s: cal.add(s, 300 * H), starts))
    assert [r.astimezone(UTC) for r in results] == [reference_add(CAL, s, 300 * H) for s in starts]


# Properties. A random calendar builds its intervals on first use, which takes longer
# than Hypothesis's default deadline, so these have none.


@settings(max_examples=60, deadline=None)
@given(calendars(), instants(), business_durations(max_hours=60))
def test_add_agrees_with_a_day_by_day_walk(
    cal: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    # Through UTC: Python never finds an ambiguous local time equal to another zone's.
    assert cal.add(start, duration).astimezone(UTC) == reference_add(cal, start, duration)


@settings(max_examples=60, deadline=None)
@given(calendars(), instants(), instants())
def test_elapsed_agrees_with_a_day_by_day_walk(
    cal: BusinessCalendar, start: datetime, end: datetime
) -> None:
    expected = reference_elapsed(cal, start, end) if end > start else timedelta(0)
    assert cal.elapsed(start, end) == expected


@settings(deadline=None)
@given(calendars(), instants(), business_durations())
def test_elapsed_undoes_add(cal: BusinessCalendar, start: datetime, duration: timedelta) -> None:
    assert cal.elapsed(start, cal.add(start, duration)) == duration


@settings(deadline=None)
@given(calendars(), instants(), instants(), business_durations())
def test_add_is_monotonic_in_start(
    cal: BusinessCalendar, a: datetime, b: datetime, duration: timedelta
) -> None:
    early, late = sorted((a, b))
    assert cal.add(early, duration) <= cal.add(late, duration)


@settings(deadline=None)
@given(calendars(), instants(), business_durations(), business_durations())
def test_add_is_monotonic_in_duration(
    cal: BusinessCalendar, start: datetime, d1: timedelta, d2: timedelta
) -> None:
    short, long = sorted((d1, d2))
    assert cal.add(start, short) <= cal.add(start, long)


@settings(deadline=None)
@given(calendars(), instants(), business_durations())
def test_results_never_fall_in_closed_time(
    cal: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    due = cal.add(start, duration)
    assert due >= start
    if duration:
        # Open, or the closing instant of an open interval.
        assert cal.is_open(due) or cal.is_open(due - US)
    else:
        assert cal.is_open(due)


@settings(deadline=None)
@given(calendars(), instants())
def test_next_opening_is_the_first_open_instant(cal: BusinessCalendar, at: datetime) -> None:
    opening = cal.next_opening(at)
    assert opening >= at
    assert cal.is_open(opening)
    assert cal.elapsed(at, opening) == timedelta(0)
    assert (opening.astimezone(UTC) == at.astimezone(UTC)) is cal.is_open(at)


@settings(max_examples=40, deadline=None)
@given(
    calendars(),
    st.lists(second_instants(), min_size=1, max_size=30),
    st.lists(second_instants(), min_size=1, max_size=30),
    business_durations(),
)
def test_batches_agree_with_single_instants(
    cal: BusinessCalendar, starts: list[datetime], ends: list[datetime], duration: timedelta
) -> None:
    as_array = np.array([s.replace(tzinfo=None) for s in starts], dtype="datetime64[us]")
    expected = [
        cal.add(s, duration).astimezone(UTC).replace(tzinfo=None, microsecond=0) for s in starts
    ]
    assert cal.add_batch(as_array, duration).tolist() == expected
    n = min(len(starts), len(ends))
    ends_array = np.array([e.replace(tzinfo=None) for e in ends[:n]], dtype="datetime64[s]")
    seconds = cal.elapsed_batch(as_array[:n], ends_array)
    assert seconds.tolist() == [
        cal.elapsed(s, e).total_seconds() for s, e in zip(starts, ends[:n], strict=False)
    ]


@given(st.integers(1990, 2100))
def test_every_llnl_year_keeps_its_holidays_on_weekdays(year: int) -> None:
    days = CAL.holidays(year)
    assert all(day.weekday() < 5 and day.year == year for day in days)
    assert date(year, 12, 25) in days or date(year, 12, 25).weekday() >= 5
    assert CAL.is_business_day(date(year, 3, 3)) is (date(year, 3, 3).weekday() < 5)


def test_hours_on_a_half_day_stop_at_its_closing() -> None:
    cal = load_calendar("llnl", {"llnl": {"half_days": {"2026-03-03": time(12, 30)}}})
    assert cal.hours_on(date(2026, 3, 3)) == ((8 * 3600, 12 * 3600),)
    assert repr(cal) == "BusinessCalendar(name='llnl', tz='America/Los_Angeles')"
