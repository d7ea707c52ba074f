"""Generate small rosters, time-off and histories for the rotation planner's property tests."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from hypothesis import strategies as st

from sredesk.core.fairness import joined_weeks
from sredesk.core.rotation_model import (
    RosterMember,
    TimeOffRange,
    WeekAssignment,
    is_away,
)
from sredesk.core.teamfile import TeamFile, TeamSettings

START = date(2027, 3, 1)  # a Monday
WEEK = timedelta(days=7)
HANDLES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace")


def weekdays(day: date) -> bool:
    return day.weekday() < 5


def mondays(start: date, weeks: int) -> list[date]:
    return [start + i * WEEK for i in range(weeks)]


@st.composite
def time_off(draw: st.DrawFn, first: date = START, span_days: int = 70) -> TimeOffRange:
    start = first + timedelta(days=draw(st.integers(-7, span_days)))
    length = draw(st.integers(0, 12))
    reason = draw(st.sampled_from(["", "vacation", "training", "travel"]))
    return TimeOffRange(start, start + timedelta(days=length), reason)


@st.composite
def rosters(
    draw: st.DrawFn,
    min_size: int = 2,
    max_size: int = 6,
    max_time_off: int = 2,
) -> tuple[RosterMember, ...]:
    size = draw(st.integers(min_size, max_size))
    return tuple(
        RosterMember(
            handle=handle,
            percent_time=draw(st.sampled_from([100, 100, 80, 50, 50, 20, 10])),
            primary_weeks_served=draw(st.integers(0, 6)),
            time_off=tuple(draw(st.lists(time_off(), max_size=max_time_off))),
            joined=draw(join_mondays()),
        )
        for handle in HANDLES[:size]
    )


def join_mondays() -> st.SearchStrategy[date | None]:
    """No date (the weeks tell), or a Monday from before the history to inside the horizon."""
    return st.none() | st.integers(-8, 4).map(lambda weeks: START + weeks * WEEK)


@dataclass(frozen=True)
class Scenario:
    members: tuple[RosterMember, ...]
    weeks: int
    history: tuple[WeekAssignment, ...]
    experienced_after: int

    def available(self, monday: date) -> list[str]:
        """Who may take the week: joined by then (as the planner counts it), and not away."""
        joined = joined_weeks(self.members, self.history, START)
        return [
            m.handle
            for m in self.members
            if joined[m.handle] <= monday and not is_away(m, monday, weekdays)
        ]

    @property
    def plannable(self) -> bool:
        return all(len(self.available(d)) >= 2 for d in mondays(START, self.weeks))


@st.composite
def histories(
    draw: st.DrawFn, members: tuple[RosterMember, ...], max_weeks: int = 6
) -> tuple[WeekAssignment, ...]:
    """Past weeks right before START; any two members, since the past had other rosters."""
    count = draw(st.integers(0, max_weeks))
    handles = [m.handle for m in members]
    weeks = []
    for i in range(count):
        pair = draw(st.permutations(handles))[:2]
        weeks.append(WeekAssignment(START - (count - i) * WEEK, pair[0], pair[1]))
    return tuple(weeks)


@st.composite
def scenarios(draw: st.DrawFn, max_members: int = 6, max_weeks: int = 8) -> Scenario:
    members = draw(rosters(max_size=max_members))
    return Scenario(
        members=members,
        weeks=draw(st.integers(1, max_weeks)),
        history=draw(histories(members)),
        experienced_after=draw(st.integers(0, 5)),
    )


@st.composite
def plannable_scenarios(draw: st.DrawFn, max_members: int = 6, max_weeks: int = 8) -> Scenario:
    """Scenarios in which every week has at least two members free."""
    members = draw(rosters(min_size=3, max_size=max_members, max_time_off=1))
    weeks = draw(st.integers(1, max_weeks))
    scenario = Scenario(members, weeks, draw(histories(members)), draw(st.integers(0, 5)))
    # Drop time-off, then join dates in the horizon, rather than discard the example, so
    # Hypothesis keeps its budget.
    for keep_joined in (True, False):
        if scenario.plannable:
            break
        members = tuple(
            replace(m, time_off=(), joined=m.joined if keep_joined else None) for m in members
        )
        scenario = Scenario(members, weeks, scenario.history, scenario.experienced_after)
    return scenario


@st.composite
def feasible_assignments(draw: st.DrawFn, scenario: Scenario) -> tuple[WeekAssignment, ...]:
    """Any plan that keeps the hard rules, to compare the planner's optimum against."""
    weeks = []
    for monday in mondays(START, scenario.weeks):
        pair = draw(st.permutations(scenario.available(monday)))[:2]
        weeks.append(WeekAssignment(monday, pair[0], pair[1]))
    return tuple(weeks)


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20)


@st.composite
def team_files(draw: st.DrawFn) -> TeamFile:
    """Valid team files with awkward strings: quotes, backslashes, control characters."""
    members = draw(rosters(min_size=0, max_size=4))
    members = tuple(
        RosterMember(
            handle=m.handle,
            percent_time=draw(st.integers(1, 100)),
            primary_weeks_served=m.primary_weeks_served,
            time_off=tuple(TimeOffRange(t.start, t.end, draw(_TEXT)) for t in m.time_off),
            name=draw(_TEXT),
            email=draw(_TEXT),
            classified_access=draw(st.booleans()),
            joined=m.joined,
        )
        for m in members
    )
    history = draw(histories(members)) if len(members) >= 2 else ()
    # Some members may have left: the history still names them.
    left = draw(st.sets(st.sampled_from([m.handle for m in members]))) if members else set()
    return TeamFile(
        team=TeamSettings(
            # A team has a name: the file is refused without one, and it is read stripped.
            name=draw(_TEXT.map(str.strip).filter(bool)),
            timezone=draw(st.sampled_from(["UTC", "America/Los_Angeles", "Europe/Paris"])),
            calendar=draw(st.sampled_from(["llnl", "us", ""])),
            experienced_after=draw(st.integers(0, 10)),
        ),
        members=tuple(m for m in members if m.handle not in left),
        history=history,
        former=tuple(m for m in members if m.handle in left),
    )
