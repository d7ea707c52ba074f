"""Turn a named calendar and the `[calendars]` settings table into a calendar specification."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sredesk.core.holiday_rules import (
    CalendarError,
    CountryHolidays,
    HolidaySource,
    LlnlHolidays,
    parse_ics_holidays,
)

# Open hours of one day: (open, close) in seconds after local midnight, sorted, disjoint.
DayHours = tuple[tuple[int, int], ...]
Week = tuple[DayHours, DayHours, DayHours, DayHours, DayHours, DayHours, DayHours]

DAY = 86_400
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_NAME = "llnl"

BUILTIN: Mapping[str, Mapping[str, Any]] = {
    "llnl": {
        "timezone": "America/Los_Angeles",
        "hours": {"mon-fri": ["08:00-12:00", "13:00-17:00"]},
        "holidays": "llnl",
        "winter_closure": ["12-24", "01-01"],
    },
}
KEYS = frozenset(
    {
        "extends",
        "timezone",
        "hours",
        "holidays",
        "winter_closure",
        "extra_holidays",
        "removed_holidays",
        "half_days",
        "ics",
    }
)
# Keys whose values accumulate down an `extends` chain instead of replacing the parent's.
_ADDITIVE = ("extra_holidays", "removed_holidays", "ics")


@dataclass(frozen=True)
class CalendarSpec:
    """Everything that decides when a calendar is open; `week[0]` is Monday."""

    name: str
    tz: ZoneInfo
    week: Week
    sources: tuple[HolidaySource, ...] = ()
    extra_holidays: frozenset[date] = frozenset()
    removed_holidays: frozenset[date] = frozenset()
    # Day -> closing time in seconds after midnight; the day is open until then.
    half_days: Mapping[date, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not any(self.week):
            raise CalendarError(
                f"calendar '{self.name}' has no open hours, so no deadline could ever be "
                "reached; give it at least one interval in 'hours'"
            )
        clash = self.extra_holidays & set(self.half_days)
        if clash:
            raise CalendarError(
                f"calendar '{self.name}' lists {min(clash).isoformat()} as both a holiday "
                "and a half day; keep one"
            )


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CalendarError(
            f"unknown time zone '{name}'; use an IANA name such as America/Los_Angeles"
        ) from exc


def clock_seconds(text: str | time) -> int:
    """Seconds after midnight for 'HH:MM', 'HH:MM:SS' or a time; '24:00' is the day's end."""
    if isinstance(text, time):
        return text.hour * 3600 + text.minute * 60 + text.second
    parts = text.strip().split(":")
    try:
        h, m, s = (int(p) for p in [*parts, "0"][:3]) if len(parts) in (2, 3) else (-1, 0, 0)
    except ValueError:
        h, m, s = -1, 0, 0
    seconds = h * 3600 + m * 60 + s
    if not (0 <= h <= 24 and 0 <= m < 60 and 0 <= s < 60 and seconds <= DAY):
        raise CalendarError(f"'{text}' is not a time of day; write it as HH:MM, e.g. 08:00")
    return seconds


def day_hours(intervals: Iterable[tuple[int, int]], where: str) -> DayHours:
    """Check a day's intervals: each opens before it closes and none overlap."""
    result = tuple(sorted(intervals))
    for start, end in result:
        if not 0 <= start < end <= DAY:
            raise CalendarError(f"open hours on {where} must open before they close, within a day")
    for (_, end), (start, _) in pairwise(result):
        if start < end:
            raise CalendarError(f"open hours on {where} overlap; list each interval once")
    return result


def week_from_table(table: Mapping[str, Any]) -> Week:
    """Read `{"mon-fri": ["08:00-12:00", ...], "sat": [...]}`; days not named are closed."""
    days: list[list[tuple[int, int]]] = [[] for _ in WEEKDAYS]
    for key, intervals in table.items():
        if isinstance(intervals, str) or not isinstance(intervals, Sequence):
            raise CalendarError(f"hours for '{key}' must be a list like [\"08:00-12:00\"]")
        for weekday in _weekday_range(key):
            days[weekday].extend(_interval(text) for text in intervals)
    week = tuple(day_hours(d, WEEKDAYS[i]) for i, d in enumerate(days))
    return week  # type: ignore[return-value]  # seven entries by construction


def _weekday_range(key: str) -> range:
    first, _, last = key.strip().lower().partition("-")
    try:
        a = WEEKDAYS.index(first)
        b = WEEKDAYS.index(last) if last else a
    except ValueError:
        raise CalendarError(f"'{key}' is not a weekday or range; use mon..sun or mon-fri") from None
    if b < a:
        raise CalendarError(f"weekday range '{key}' runs backwards; write it as mon-fri")
    return range(a, b + 1)


def _interval(text: Any) -> tuple[int, int]:
    if not isinstance(text, str) or text.count("-") != 1:
        raise CalendarError(f"open hours '{text}' must look like 08:00-12:00")
    start, end = text.split("-")
    return clock_seconds(start), clock_seconds(end)


def _date(value: Any, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CalendarError(f"{what} '{value}' is not a date; write it as YYYY-MM-DD") from None


def _month_day(text: Any) -> tuple[int, int]:
    try:
        month, day = (int(p) for p in str(text).split("-"))
        date(2000, month, day)  # a leap year, so 02-29 is accepted
    except ValueError:
        raise CalendarError(f"winter closure day '{text}' must look like 12-24") from None
    return month, day


def _resolve(name: str, calendars: Mapping[str, Any], chain: tuple[str, ...]) -> dict[str, Any]:
    """Merge a calendar's entry onto its parent's: built-in, or `extends`, default llnl."""
    if name in chain:
        raise CalendarError(f"calendars extend each other in a loop: {' -> '.join((*chain, name))}")
    entry = calendars.get(name)
    if entry is None and name not in BUILTIN:
        known = sorted({*BUILTIN, *(k for k, v in calendars.items() if isinstance(v, Mapping))})
        raise CalendarError(f"unknown calendar '{name}'; known calendars: {', '.join(known)}")
    if entry is not None and not isinstance(entry, Mapping):
        raise CalendarError(f"calendar '{name}' must be a table of settings")
    entry = dict(entry or {})
    unknown = set(entry) - KEYS
    if unknown:
        raise CalendarError(
            f"calendar '{name}' has unknown setting '{min(unknown)}'; "
            f"known settings: {', '.join(sorted(KEYS))}"
        )
    if name in BUILTIN and "extends" not in entry:
        parent = dict(BUILTIN[name])
    else:
        parent = _resolve(str(entry.get("extends", DEFAULT_NAME)), calendars, (*chain, name))
    merged = {**parent, **entry}
    for key in _ADDITIVE:
        merged[key] = [*_as_list(parent.get(key)), *_as_list(entry.get(key))]
    merged["half_days"] = {**parent.get("half_days", {}), **entry.get("half_days", {})}
    return merged


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return [value] if isinstance(value, str | date) else list(value)


def _sources(settings: Mapping[str, Any], read_text: Callable[[str], str] | None) -> list[Any]:
    sources: list[HolidaySource] = []
    for rule in _as_list(settings.get("holidays", "none")):
        if rule == "none":
            continue
        if rule == "llnl":
            sources.append(LlnlHolidays(_closure(settings.get("winter_closure", False))))
        else:
            country, _, subdiv = str(rule).partition("-")
            sources.append(CountryHolidays(country, subdiv or None))
    for path in settings["ics"]:
        if read_text is None:
            raise CalendarError(f"the calendar names the .ics file '{path}'; pass read_text")
        sources.append(parse_ics_holidays(read_text(path)))
    return sources


def _closure(value: Any) -> tuple[tuple[int, int], tuple[int, int]] | None:
    if value is False or value is None:
        return None
    if isinstance(value, str) or len(value) != 2:
        raise CalendarError('winter_closure must be ["12-24", "01-01"] or false')
    return _month_day(value[0]), _month_day(value[1])


def load_spec(
    name: str,
    config: Mapping[str, Any] | None = None,
    read_text: Callable[[str], str] | None = None,
) -> CalendarSpec:
    """Build the specification of calendar `name` from built-ins and the settings table."""
    settings = _resolve(name, config or {}, ())
    tz = zone(str(settings.get("timezone", "America/Los_Angeles")))
    hours = settings.get("hours")
    if not isinstance(hours, Mapping):
        raise CalendarError(f"calendar '{name}' needs 'hours' as a table, e.g. mon-fri = [...]")
    half_days = {
        _date(day, "half day"): clock_seconds(str(close) if not isinstance(close, time) else close)
        for day, close in settings["half_days"].items()
    }
    return CalendarSpec(
        name=name,
        tz=tz,
        week=week_from_table(hours),
        sources=tuple(_sources(settings, read_text)),
        extra_holidays=frozenset(_date(d, "holiday") for d in settings["extra_holidays"]),
        removed_holidays=frozenset(
            _date(d, "removed holiday") for d in settings["removed_holidays"]
        ),
        half_days=half_days,
    )
