"""Generate desk data for Hypothesis: instants, business durations, calendars and inquiries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from sredesk.core.calendar import BusinessCalendar, default_calendar, load_calendar
from sredesk.core.model import Channel, Inquiry, State

LA = ZoneInfo("America/Los_Angeles")

# Zones chosen for awkward transitions: DST at 02:00 (Los Angeles), at midnight
# (Santiago, Havana), a half-hour shift (Lord Howe), none at all (Kolkata, UTC).
ZONES = (
    "America/Los_Angeles",
    "America/Santiago",
    "America/Havana",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
)

# Random calendars stay within these years so their timelines build quickly.
FIRST_YEAR, LAST_YEAR = 2019, 2031


def instants(
    tz: ZoneInfo = LA, first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR
) -> st.SearchStrategy[datetime]:
    """Aware instants with microseconds, as local times in `tz` or in UTC."""
    zones = st.sampled_from([tz, UTC])
    return st.datetimes(
        min_value=datetime(first_year, 1, 1),
        max_value=datetime(last_year, 12, 31),
        timezones=zones,
        allow_imaginary=False,
    )


def second_instants(
    first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR
) -> st.SearchStrategy[datetime]:
    """Whole-second aware UTC instants, as reports and imports carry them."""
    return instants(ZoneInfo("UTC"), first_year, last_year).map(lambda t: t.replace(microsecond=0))


def business_durations(max_hours: int = 400) -> st.SearchStrategy[timedelta]:
    """Durations from zero up to `max_hours`, with round hours and odd microseconds both likely."""
    round_hours = st.integers(0, max_hours).map(lambda h: timedelta(hours=h))
    exact = st.integers(0, max_hours * 3_600_000_000).map(lambda us: timedelta(microseconds=us))
    return st.one_of(round_hours, exact)


def clock_times(step_minutes: int = 30) -> st.SearchStrategy[int]:
    """Minutes after midnight on a grid, up to 24:00."""
    return st.integers(0, 24 * 60 // step_minutes).map(lambda n: n * step_minutes)


@st.composite
def day_hours(draw: st.DrawFn) -> list[str]:
    """Zero to three disjoint intervals like "08:00-12:00"; 00:00-24:00 is possible."""
    cuts = sorted(set(draw(st.lists(clock_times(), min_size=0, max_size=6))))
    pairs = list(zip(cuts[::2], cuts[1::2], strict=False))
    return [f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in pairs if a < b]


@st.composite
def calendar_settings(draw: st.DrawFn) -> dict[str, Any]:
    """Settings for one calendar with at least one open interval in the week."""
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    hours = {day: draw(day_hours()) for day in days}
    if not any(hours.values()):
        hours[draw(st.sampled_from(days))] = ["09:00-17:00"]
    return {
        "timezone": draw(st.sampled_from(ZONES)),
        "hours": hours,
        "holidays": draw(st.sampled_from(["llnl", "none"])),
        "winter_closure": draw(st.sampled_from([["12-24", "01-01"], False, ["12-31", "01-02"]])),
        "half_days": draw(
            st.dictionaries(
                st.dates(date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)).map(str),
                st.sampled_from(["10:00", "12:00", "15:30"]),
                max_size=3,
            )
        ),
    }


def calendars() -> st.SearchStrategy[BusinessCalendar]:
    """The lab's calendar half the time, otherwise a random one."""
    random = calendar_settings().map(lambda settings: load_calendar("x", {"x": settings}))
    return st.one_of(st.just(default_calendar()), random)


HOLDERS = ("alice", "bob", "carol", "dave")


@st.composite
def desk_inquiries(
    draw: st.DrawFn, first_number: int = 1, max_size: int = 8, created: datetime | None = None
) -> list[Inquiry]:
    """Numbered inquiries in any state, held by anyone or nobody, some marked keep."""
    at = created or datetime(2026, 11, 18, 18, tzinfo=UTC)
    found: list[Inquiry] = []
    for offset in range(draw(st.integers(0, max_size))):
        inquiry = Inquiry(
            title="t",
            channel=Channel.EMAIL,
            source="l",
            created_at=at,
            response_due=at,
            state=draw(st.sampled_from(list(State))),
            assignee=draw(st.sampled_from([*HOLDERS, None])),
            keep_at_handoff=draw(st.booleans()),
        )
        inquiry.number = first_number + offset
        found.append(inquiry)
    return found
