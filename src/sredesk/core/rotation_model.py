"""Describe the rotation's members, weeks, plans and fairness report as plain values."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Protocol

IsBusinessDay = Callable[[date], bool]

#: The planner's horizon, in weeks: a quarter is usual, a year is the most anyone negotiates.
MAX_HORIZON_WEEKS = 52


#: The team's calendar feed is /calendar/team.ics, beside each member's /calendar/HANDLE.ics.
TEAM_FEED = "team"


def reserved_handle(handle: str) -> str | None:
    """Why `handle` cannot be a member's, or None: a member's feed URL must not be the team's.

    Refused rather than moving the feeds elsewhere: calendars subscribed to /calendar/team.ics
    keep working. Case is ignored, as a reader of a URL would.
    """
    if handle.lower() == TEAM_FEED:
        return f"handle {handle!r} is reserved for the team's calendar feed; pick another"
    return None


class PlanningError(ValueError):
    """The rotation cannot be planned as asked; the message names the week and the reason."""


class Role(StrEnum):
    PRIMARY = "primary"
    BACKUP = "backup"


@dataclass(frozen=True)
class TimeOffRange:
    """Days a member is away, both ends inclusive."""

    start: date
    end: date
    reason: str = ""

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class RosterMember:
    """One member as the planner sees them."""

    handle: str
    # 50 is the nominal assignment; 100 is Primary twice as often.
    percent_time: int = 50
    # Primary weeks served before the history the desk holds: experience from elsewhere.
    primary_weeks_served: int = 0
    time_off: tuple[TimeOffRange, ...] = ()
    name: str = ""
    email: str = ""
    classified_access: bool = False
    # The Monday from which the member shares the desk's weeks; None when the weeks served
    # must tell (see fairness.joined_weeks).
    joined: date | None = None


class ShiftLike(Protocol):
    """Anything with a week's Monday, its Primary and its Backup, such as a stored shift."""

    @property
    def week_start(self) -> date: ...

    @property
    def primary(self) -> str: ...

    @property
    def backup(self) -> str: ...


@dataclass(frozen=True)
class WeekAssignment:
    """One week's shift: who is Primary and who is Backup from Monday to Sunday."""

    week_start: date
    primary: str
    backup: str

    def holder(self, role: Role) -> str:
        return self.primary if role is Role.PRIMARY else self.backup

    def to_json(self) -> dict[str, str]:
        return {
            "week_start": self.week_start.isoformat(),
            "primary": self.primary,
            "backup": self.backup,
        }


@dataclass(frozen=True)
class RoleFairness:
    """One member's weeks in one role against their percent-time target."""

    target: float  # over history plus horizon
    actual: int
    target_horizon: float  # over the horizon alone
    actual_horizon: int

    @property
    def deviation(self) -> float:
        """Weeks served beyond the target; negative is a fairness debt owed to the team."""
        return self.actual - self.target

    def to_json(self) -> dict[str, float | int]:
        return {
            "target": round(self.target, 3),
            "actual": self.actual,
            "target_horizon": round(self.target_horizon, 3),
            "actual_horizon": self.actual_horizon,
            "deviation": round(self.deviation, 3),
        }


@dataclass(frozen=True)
class MemberFairness:
    handle: str
    percent_time: int
    primary: RoleFairness
    backup: RoleFairness

    def role(self, role: Role) -> RoleFairness:
        return self.primary if role is Role.PRIMARY else self.backup


@dataclass(frozen=True)
class BackToBack:
    """A member who is Primary in `week_start` and in the week before it."""

    handle: str
    week_start: date


@dataclass(frozen=True)
class FairnessReport:
    members: tuple[MemberFairness, ...]
    # Weeks whose Primary and Backup are both inexperienced.
    pairing_exceptions: tuple[date, ...]
    back_to_back: tuple[BackToBack, ...]

    def largest_deviation(self, role: Role) -> float:
        return max((abs(m.role(role).deviation) for m in self.members), default=0.0)

    def member(self, handle: str) -> MemberFairness:
        return next(m for m in self.members if m.handle == handle)

    def to_json(self) -> dict[str, Any]:
        return {
            "members": [
                {
                    "handle": m.handle,
                    "percent_time": m.percent_time,
                    "primary": m.primary.to_json(),
                    "backup": m.backup.to_json(),
                }
                for m in self.members
            ],
            "largest_primary_deviation": round(self.largest_deviation(Role.PRIMARY), 3),
            "largest_backup_deviation": round(self.largest_deviation(Role.BACKUP), 3),
            "pairing_exceptions": [d.isoformat() for d in self.pairing_exceptions],
            "back_to_back": [
                {"handle": b.handle, "week_start": b.week_start.isoformat()}
                for b in self.back_to_back
            ],
        }


@dataclass(frozen=True)
class Plan:
    """The planner's answer: a shift for every week of the horizon."""

    weeks: tuple[WeekAssignment, ...]
    # True when the solver proved every level of the objective optimal.
    optimal: bool
    fairness: FairnessReport
    # Role slots that differ from the previous published plan, over the weeks both cover.
    moved: int = 0

    def to_json(self) -> dict[str, Any]:
        """Return the `schedule plan --json` document; external checks rely on its shape."""
        return {
            "weeks": [w.to_json() for w in self.weeks],
            "optimal": self.optimal,
            "fairness": self.fairness.to_json(),
            "moved": self.moved,
        }


@dataclass(frozen=True)
class SwapCandidate:
    """A member who could take over a role for one week, and why they rank where they do."""

    handle: str
    # Target minus actual weeks in the role, history included: who owes the team most.
    fairness_debt: float
    # Weeks to their nearest own shift in either role; None when they have none.
    distance_weeks: int | None


def week_days(week_start: date) -> tuple[date, ...]:
    return tuple(week_start + timedelta(days=i) for i in range(7))


def is_away(member: RosterMember, week_start: date, is_business_day: IsBusinessDay) -> bool:
    """Tell whether any time-off day of the member falls on a business day of the week."""
    return any(
        is_business_day(day) and any(t.covers(day) for t in member.time_off)
        for day in week_days(week_start)
    )


def check_monday(day: date, what: str) -> None:
    if day.weekday() != 0:
        monday = day - timedelta(days=day.weekday())
        raise PlanningError(f"{what} {day} is a {day:%A}; give a Monday such as {monday}")


def check_roster(members: Sequence[RosterMember]) -> None:
    if not members:
        raise PlanningError("the roster is empty; add at least two members")
    seen: set[str] = set()
    for m in members:
        if m.handle in seen:
            raise PlanningError(f"member {m.handle} appears twice; keep one entry per handle")
        seen.add(m.handle)
        if not 1 <= m.percent_time <= 100:
            raise PlanningError(
                f"member {m.handle} has percent_time {m.percent_time}; give 1 to 100"
            )
        if m.joined is not None:
            check_monday(m.joined, f"member {m.handle} joined on")


def as_assignments(weeks: Iterable[ShiftLike]) -> tuple[WeekAssignment, ...]:
    """Copy shifts into sorted plain values, so callers may pass stored shifts as they are."""
    return tuple(
        sorted(
            (WeekAssignment(w.week_start, w.primary, w.backup) for w in weeks),
            key=lambda w: w.week_start,
        )
    )
