"""Add and measure business time on the desk's calendar: weekly hours, holidays, a time zone.

Business time is real elapsed time while the desk is open, so a daylight-saving change
inside open hours makes that day an hour longer or shorter. Open hours are half-open
intervals: the desk is open at 08:00:00 and closed at 17:00:00, yet a deadline that uses up
the day's last second is reported at the closing time itself, not at the next opening.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from sredesk.core.calendar_spec import CalendarSpec, DayHours, load_spec
from sredesk.core.calendar_timeline import Timeline, merge_intervals
from sredesk.core.calendar_years import MAX_YEAR, MIN_YEAR, check_year
from sredesk.core.holiday_rules import UNNAMED, CalendarError

__all__ = ["BusinessCalendar", "CalendarError", "default_calendar", "load_calendar"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)
US_PER_S = 1_000_000
# Spans of years closer than this to the current timeline are joined to it.
JOIN_YEARS = 20
# A calendar that stays shut this many years running would never reach a deadline.
MAX_SHUT_YEARS = 10


class BusinessCalendar:
    """A desk calendar; safe to share between threads, build it once and reuse it.

    Intervals for the years in use are computed on first need and kept, so the first call
    for a new span of years costs about a millisecond per year.
    """

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.name: str = spec.name
        self.tz: ZoneInfo = spec.tz
        self._lock = threading.Lock()
        self._timeline: Timeline | None = None
        self._year_cache: dict[int, tuple[NDArray[np.int64], NDArray[np.int64]]] = {}
        self._holiday_cache: dict[int, frozenset[date]] = {}

    def __repr__(self) -> str:
        return f"BusinessCalendar(name={self.name!r}, tz={self.tz.key!r})"

    # Days and holidays.

    def _holiday_set(self, year: int) -> frozenset[date]:
        cached = self._holiday_cache.get(year)
        if cached is None:
            found = {d for source in self.spec.sources for d in source(year) if d.year == year}
            found |= {d for d in self.spec.extra_holidays if d.year == year}
            cached = self._holiday_cache[year] = frozenset(found - self.spec.removed_holidays)
        return cached

    def hours_on(self, day: date) -> DayHours:
        """Open intervals of a day in seconds after local midnight; empty when closed."""
        check_year(day.year)
        usual = self.spec.week[day.weekday()]
        closing = self.spec.half_days.get(day)
        if closing is not None:
            return tuple((s, min(e, closing)) for s, e in usual if s < closing)
        if day in self._holiday_set(day.year):
            return ()
        return usual

    def is_business_day(self, day: date) -> bool:
        """Whether the desk opens at all that day."""
        return bool(self.hours_on(day))

    def holiday_names(self, year: int) -> dict[date, str]:
        """The days `holidays` lists, each with its name from the source that gives it.

        The first source to name a day wins; a day only the settings add is "Holiday".
        """
        named: dict[date, str] = {}
        for source in self.spec.sources:
            for day, name in source.named(year):
                if day.year == year:
                    named.setdefault(day, name)
        return {day: named.get(day, UNNAMED) for day in self.holidays(year)}

    def holidays(self, year: int) -> list[date]:
        """Days of `year` the weekly hours would open but holidays keep shut all day.

        Weekend days inside the winter closure are not listed: they were never open.
        A holiday that falls on a Saturday appears as its observed Friday.
        """
        check_year(year)
        day, end = date(year, 1, 1), date(year + 1, 1, 1)
        found = []
        while day < end:
            if self.spec.week[day.weekday()] and not self.hours_on(day):
                found.append(day)
            day += timedelta(days=1)
        return found

    # One instant at a time.

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """Instant at which `duration` of business time has passed since `start`.

        Counting starts at the next opening if `start` is closed. A zero duration gives
        that opening (or `start` itself when open).
        """
        t, d = self._us(start, "start"), _duration_us(duration)
        tl = self._covering(t, t)
        if d == 0:
            return self._dt(self._opening(tl, t)[0])
        target = tl.business_at(t) + d
        while target > tl.total:
            # Growing may also move the timeline's start (another thread), so recount.
            tl = self._grow(tl, target)
            target = tl.business_at(t) + d
        return self._dt(tl.reach(target))

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two instants; zero if `end` is not after `start`."""
        t0, t1 = self._us(start, "start"), self._us(end, "end")
        if t1 <= t0:
            return timedelta(0)
        tl = self._covering(t0, t1)
        return timedelta(microseconds=tl.business_at(t1) - tl.business_at(t0))

    def is_open(self, at: datetime) -> bool:
        """Whether the desk is open at `at`: yes at 08:00:00, no at 12:00:00 or 17:00:00."""
        t = self._us(at, "at")
        return self._covering(t, t).is_open(t)

    def next_opening(self, at: datetime) -> datetime:
        """First open instant at or after `at`: `at` itself when open."""
        t = self._us(at, "at")
        return self._dt(self._opening(self._covering(t, t), t)[0])

    # Arrays of instants.

    def add_batch(self, starts: NDArray[Any], duration: timedelta) -> NDArray[np.datetime64]:
        """`add` over an array of UTC instants.

        Takes datetime64 of any unit, read as UTC; NaT stays NaT. Returns datetime64[s]
        in UTC, rounded down to the second. Sub-second inputs are honoured during the
        arithmetic, so only the final result is rounded.
        """
        t, missing = self._us_array(starts, "starts")
        d = _duration_us(duration)
        out = np.empty(t.shape, dtype=np.int64)
        if t.size and not missing.all():
            valid = t[~missing]
            tl = self._covering(int(valid.min()), int(valid.max()))
            if d == 0:
                # The latest start's opening is the latest answer: make sure it is covered.
                tl = self._opening(tl, int(valid.max()))[1]
                out[~missing] = tl.next_opening_many(valid)
            else:
                latest = int(valid[np.argmax(valid)])
                need = tl.business_at(latest) + d
                while need > tl.total:
                    tl = self._grow(tl, need)
                    need = tl.business_at(latest) + d
                out[~missing] = tl.reach_many(tl.business_at_many(valid) + d)
        result = np.floor_divide(out, US_PER_S).astype("datetime64[s]")
        result[missing] = np.datetime64("NaT")
        return result.reshape(np.shape(starts))

    def elapsed_batch(self, starts: NDArray[Any], ends: NDArray[Any]) -> NDArray[np.float64]:
        """`elapsed` over arrays of UTC instants, in seconds as float64; NaT gives NaN.

        Arrays broadcast against each other like any NumPy operands.
        """
        a, b = np.broadcast_arrays(np.asarray(starts), np.asarray(ends))
        t0, miss0 = self._us_array(a, "starts")
        t1, miss1 = self._us_array(b, "ends")
        missing = miss0 | miss1
        seconds = np.full(t0.shape, np.nan)
        if not missing.all():
            v0, v1 = t0[~missing], t1[~missing]
            tl = self._covering(int(min(v0.min(), v1.min())), int(max(v0.max(), v1.max())))
            spent = tl.business_at_many(v1) - tl.business_at_many(v0)
            seconds[~missing] = np.maximum(spent, 0) / US_PER_S
        return seconds.reshape(a.shape)

    # Conversions.

    def _us(self, at: datetime, what: str) -> int:
        if not isinstance(at, datetime):
            raise CalendarError(f"{what} must be a datetime, not {type(at).__name__}")
        if at.tzinfo is None or at.utcoffset() is None:
            raise CalendarError(
                f"{what} {at.isoformat()} has no time zone; attach one (e.g. tzinfo=calendar.tz)"
            )
        return (at - EPOCH) // US

    def _dt(self, t: int) -> datetime:
        return (EPOCH + timedelta(microseconds=t)).astimezone(self.tz)

    def _us_array(self, values: NDArray[Any], what: str) -> tuple[NDArray[np.int64], Any]:
        arr = np.asarray(values)
        if arr.dtype.kind != "M":
            raise CalendarError(f"{what} must be a datetime64 array in UTC, not {arr.dtype}")
        missing = np.isnat(arr).ravel()
        return arr.astype("datetime64[us]").view(np.int64).ravel(), missing

    # The timeline of open intervals.

    def _covering(self, t_min: int, t_max: int) -> Timeline:
        """A timeline whose span includes both instants, extended or replaced if need be."""
        tl = self._timeline
        if tl is not None and tl.lo <= t_min and t_max < tl.hi:
            return tl
        first, last = self._year_of(t_min), self._year_of(t_max)
        # Join a nearby span so the timeline settles on the years in use, but start afresh
        # for a far one: one stray instant in 9000 must not build every year up to it.
        if (
            tl is not None
            and first <= tl.years[1] + JOIN_YEARS
            and last >= tl.years[0] - JOIN_YEARS
        ):
            first, last = min(first, tl.years[0]), max(last, tl.years[1])
        return self._span(first, last)

    def _grow(self, tl: Timeline, target: int) -> Timeline:
        """Extend the timeline forward until it holds `target` business time."""
        shut_years = 0
        while tl.total < target:
            first, last = tl.years
            per_year = tl.total // (last - first + 1)
            step = 1 if per_year == 0 else -(-(target - tl.total) // per_year) + 1
            if last + step > MAX_YEAR:
                step = MAX_YEAR - last
                if step <= 0:
                    raise CalendarError(f"the result falls after the year {MAX_YEAR}")
            before = tl.total
            tl = self._span(first, last + step)
            shut_years = shut_years + step if tl.total == before else 0
            if shut_years >= MAX_SHUT_YEARS:
                raise CalendarError(
                    f"calendar '{self.name}' has no open hours from {last + 1} to {last + step}, "
                    "so no deadline could be reached; check its holidays"
                )
        return tl

    def _opening(self, tl: Timeline, t: int) -> tuple[int, Timeline]:
        """The first open instant at or after `t`, and a timeline that covers it."""
        opening = tl.next_opening(t)
        while opening is None:
            tl = self._grow(tl, tl.total + 1)
            opening = tl.next_opening(t)
        return opening, tl

    def _span(self, first: int, last: int) -> Timeline:
        with self._lock:
            tl = self._timeline
            if tl is not None and tl.years[0] <= first and last <= tl.years[1]:
                return tl
            years = [self._year_intervals(year) for year in range(first, last + 1)]
            opens, closes = merge_intervals(
                np.concatenate([o for o, _ in years]), np.concatenate([c for _, c in years])
            )
            lo, hi = self._year_start(first), self._year_start(last + 1)
            tl = self._timeline = Timeline((first, last), lo, hi, opens, closes)
            return tl

    def _year_intervals(self, year: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        cached = self._year_cache.get(year)
        if cached is not None:
            return cached
        opens, closes = [], []
        day = date(year, 1, 1)
        while day.year == year:
            midnight = datetime(day.year, day.month, day.day, tzinfo=self.tz)
            for s, e in self.hours_on(day):
                # Wall-clock arithmetic on an aware datetime, then its real UTC instant:
                # this is where daylight saving stretches or shrinks a day.
                opens.append((midnight + timedelta(seconds=s) - EPOCH) // US)
                closes.append((midnight + timedelta(seconds=e) - EPOCH) // US)
            day += timedelta(days=1)
        arrays = np.array(opens, dtype=np.int64), np.array(closes, dtype=np.int64)
        self._year_cache[year] = arrays
        return arrays

    def _year_start(self, year: int) -> int:
        return (datetime(year, 1, 1, tzinfo=self.tz) - EPOCH) // US

    def _year_of(self, t: int) -> int:
        try:
            year = self._dt(t).year
        except OverflowError:
            year = MIN_YEAR - 1 if t < 0 else MAX_YEAR + 1
        check_year(year)
        return year


def _duration_us(duration: timedelta) -> int:
    if not isinstance(duration, timedelta):
        raise CalendarError(f"duration must be a timedelta, not {type(duration).__name__}")
    if duration < timedelta(0):
        raise CalendarError(f"duration {duration} is negative; business time only runs forward")
    return duration // US


@cache
def default_calendar() -> BusinessCalendar:
    """The lab's calendar: llnl holidays, America/Los_Angeles, Mon-Fri 08-12 and 13-17."""
    return load_calendar("llnl")


def load_calendar(
    name: str,
    config: Mapping[str, Any] | None = None,
    *,
    read_text: Callable[[str], str] | None = None,
) -> BusinessCalendar:
    """Build calendar `name` from the built-ins and the `[calendars]` settings table.

    `config` is that table, parsed. Each sub-table is one calendar; a sub-table named
    like a built-in (`llnl`) edits it. Every key is optional::

        [calendars]
        default = "llnl"                  # read by the CLI when --calendar is not given

        [calendars.llnl]                  # edit the built-in
        winter_closure = ["12-24", "01-01"]   # first and last day, or false for none
        extra_holidays = [2026-07-02]     # TOML dates or "YYYY-MM-DD" strings
        removed_holidays = ["2026-11-27"]
        half_days = { "2026-12-23" = "12:00" }   # open until that time, even on a holiday

        [calendars.tokyo]
        extends = "llnl"                  # the default: unset keys come from the parent
        timezone = "Asia/Tokyo"
        hours = { mon-fri = ["09:00-12:00", "13:00-18:00"], sat = ["10:00-12:00"] }
        holidays = "JP"                   # "llnl", "none", a country "US" or "US-CA", or a list
        ics = "tokyo-holidays.ics"        # a path or list of paths, read via `read_text`

    Down an `extends` chain, extra_holidays, removed_holidays and ics accumulate and
    half_days merge; other keys replace the parent's. Hours name days or ranges (mon-fri),
    intervals are "HH:MM-HH:MM" with 24:00 allowed as a close; days not named are shut.
    `read_text(path)` returns an .ics file's text; the core does no I/O itself.

    Build each calendar once and reuse it: it keeps the intervals it has computed.
    """
    return BusinessCalendar(load_spec(name, config, read_text))
