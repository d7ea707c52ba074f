"""Produce holiday dates for a year: the lab's rules, a country's, or an .ics file's."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

# `holidays` and `icalendar` are imported where a country's holidays or an .ics file are
# read: together they are a third of every command's start, and the lab's calendar needs
# neither.


class CalendarError(ValueError):
    """A calendar, or an instant or duration given to one, cannot be used; the message says why."""


# The name a holiday gets when its source gives none, such as a date added in the settings.
UNNAMED = "Holiday"


class HolidaySource(Protocol):
    """Give the holidays that fall in a year; extra dates outside the year are ignored."""

    def __call__(self, year: int) -> Iterable[date]: ...

    def named(self, year: int) -> Iterable[tuple[date, str]]:
        """The same days, each with its holiday's name."""
        ...


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """Return the n-th `weekday` (Monday=0) of a month; n=-1 is the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    next_month = date(year + month // 12, month % 12 + 1, 1)
    last = next_month - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date, name: str) -> tuple[date, str]:
    """Move a fixed holiday off the weekend: Saturday to Friday, Sunday to Monday."""
    if day.weekday() == 5:
        return day - timedelta(days=1), f"{name} (observed)"
    if day.weekday() == 6:
        return day + timedelta(days=1), f"{name} (observed)"
    return day, name


@dataclass(frozen=True)
class LlnlHolidays:
    """Give the lab's holidays: federal ones it keeps, Thanksgiving Friday, the winter closure.

    The winter closure runs from `winter_closure[0]` (month, day) in December of one year
    through `winter_closure[1]` (month, day) of the next, both days included, weekends and
    all. `None` means no closure; New Year's Day is then observed on its own.
    """

    winter_closure: tuple[tuple[int, int], tuple[int, int]] | None = ((12, 24), (1, 1))

    def __call__(self, year: int) -> Iterator[date]:
        return (day for day, _name in self.named(year))

    def named(self, year: int) -> Iterator[tuple[date, str]]:
        # A holiday of the next year can be observed in this one (1 January on a
        # Saturday moves to 31 December), so look one year each side. The rules come
        # before the closure, so a holiday inside it keeps its own name.
        for y in (year - 1, year, year + 1):
            yield from self._rules(y)
        for y in (year - 1, year, year + 1):
            yield from ((day, "Winter closure") for day in self._closure(y))

    @staticmethod
    def _rules(year: int) -> Iterator[tuple[date, str]]:
        yield _observed(date(year, 1, 1), "New Year's Day")
        yield _nth_weekday(year, 1, 0, 3), "Martin Luther King Jr. Day"
        yield _nth_weekday(year, 2, 0, 3), "Presidents' Day"
        yield _nth_weekday(year, 5, 0, -1), "Memorial Day"
        yield _observed(date(year, 7, 4), "Independence Day")
        yield _nth_weekday(year, 9, 0, 1), "Labor Day"
        thanksgiving = _nth_weekday(year, 11, 3, 4)
        yield thanksgiving, "Thanksgiving Day"
        yield thanksgiving + timedelta(days=1), "Day after Thanksgiving"

    def _closure(self, year: int) -> Iterator[date]:
        """Yield the closure that starts in December of `year`."""
        if self.winter_closure is None or year >= date.max.year:
            return
        (m0, d0), (m1, d1) = self.winter_closure
        day = date(year, m0, d0)
        end = date(year + 1 if m1 < m0 else year, m1, d1)
        while day <= end:
            yield day
            day += timedelta(days=1)


@dataclass(frozen=True)
class CountryHolidays:
    """Give a country's (or subdivision's) public holidays from the `holidays` package."""

    country: str
    subdiv: str | None = None

    def __post_init__(self) -> None:
        import holidays as holidays_pkg

        try:
            holidays_pkg.country_holidays(self.country, subdiv=self.subdiv, years=[])
        except NotImplementedError as exc:
            where = self.country + (f"-{self.subdiv}" if self.subdiv else "")
            raise CalendarError(
                f"holidays '{where}' are not known to the holidays package; "
                "use a code like 'US' or 'US-CA', 'llnl' or 'none'"
            ) from exc

    def __call__(self, year: int) -> Iterable[date]:
        return [day for day, _name in self.named(year)]

    def named(self, year: int) -> Iterable[tuple[date, str]]:
        import holidays as holidays_pkg

        found = holidays_pkg.country_holidays(self.country, subdiv=self.subdiv, years=[year])
        return list(found.items())


@dataclass(frozen=True)
class DateHolidays:
    """Give fixed dates, and dates that recur every year from a first year to a last one."""

    # (day, name)
    dates: tuple[tuple[date, str], ...] = ()
    # (month, day, first year, last year or None for ever, name)
    yearly: tuple[tuple[int, int, int, int | None, str], ...] = ()

    def __call__(self, year: int) -> Iterator[date]:
        return (day for day, _name in self.named(year))

    def named(self, year: int) -> Iterator[tuple[date, str]]:
        yield from ((d, name) for d, name in self.dates if d.year == year)
        for month, day, first, last, name in self.yearly:
            if first <= year and (last is None or year <= last):
                # 29 February recurs only in leap years.
                if month == 2 and day == 29 and not _is_leap(year):
                    continue
                yield date(year, month, day), name


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def parse_ics_holidays(text: str) -> DateHolidays:
    """Read the holidays in .ics text: every day an event covers is a holiday.

    All-day events cover DTSTART up to DTEND (exclusive, as RFC 5545 says); timed events
    cover the dates they touch. `RRULE:FREQ=YEARLY` (with optional COUNT or UNTIL) repeats
    an event each year; other recurrences are refused, since a holiday list rarely needs
    them and a wrong expansion would silently move a deadline.
    """
    import icalendar

    try:
        cal = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        raise CalendarError(f"cannot read the .ics text: {_first_line(exc)}") from exc
    dates: dict[date, str] = {}
    yearly: list[tuple[int, int, int, int | None, str]] = []
    for event in cal.walk("VEVENT"):
        days = list(_event_days(event))
        name = " ".join(str(event.get("SUMMARY", "")).split()) or UNNAMED
        rule = event.get("RRULE")
        if rule is None:
            for day in days:
                dates.setdefault(day, name)
            continue
        first_year, last_year = _yearly_range(rule, days[0])
        yearly.extend(
            (d.month, d.day, first_year + (d.year - days[0].year), last_year, name) for d in days
        )
    return DateHolidays(tuple(sorted(dates.items())), tuple(yearly))


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise CalendarError(f"an .ics event has a start or end that is not a date: {value!r}")


def _event_days(event: Any) -> Iterator[date]:
    start_prop = event.get("DTSTART")
    if start_prop is None:
        raise CalendarError("an .ics event has no DTSTART; every holiday needs a date")
    raw_start = start_prop.dt
    start = _as_date(raw_start)
    end_prop = event.get("DTEND")
    if end_prop is not None:
        raw_end = end_prop.dt
        end = _as_date(raw_end)
        # A timed event ending after midnight still covers the day it ends on.
        if isinstance(raw_end, datetime) and raw_end.time() != datetime.min.time():
            end += timedelta(days=1)
    elif event.get("DURATION") is not None:
        end = _as_date(raw_start + event.get("DURATION").dt)
    else:
        end = start + timedelta(days=1)
    end = max(end, start + timedelta(days=1))
    day = start
    while day < end:
        yield day
        day += timedelta(days=1)


def _yearly_range(rule: Any, start: date) -> tuple[int, int | None]:
    freq = rule.get("FREQ", [None])[0]
    unsupported = set(rule) - {"FREQ", "COUNT", "UNTIL", "INTERVAL"}
    if freq != "YEARLY" or unsupported or rule.get("INTERVAL", [1])[0] != 1:
        raise CalendarError(
            f"an .ics event recurs by '{rule.to_ical().decode()}'; only FREQ=YEARLY is "
            "understood, so list the other dates as separate events"
        )
    if "COUNT" in rule:
        return start.year, start.year + int(rule["COUNT"][0]) - 1
    if "UNTIL" in rule:
        until = _as_date(rule["UNTIL"][0])
        last = (
            until.year if (start.month, start.day) <= (until.month, until.day) else until.year - 1
        )
        return start.year, last
    return start.year, None
