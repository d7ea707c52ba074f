"""Read and write the team file: settings, members with their time-off, and past weeks.

A member with `active = false` has left the rotation: the planner never gives them a week,
but the history may name them, and their weeks count towards everyone's fairness as they
do on the desk.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from difflib import get_close_matches
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sredesk.core.calendar_years import MAX_YEAR, MIN_YEAR
from sredesk.core.roster import week_start
from sredesk.core.rotation_model import (
    RosterMember,
    TimeOffRange,
    WeekAssignment,
    reserved_handle,
)
from sredesk.core.teamfile_toml import (
    KeyLocator,
    Path,
    assignments,
    decode_line,
    decode_problem,
    toml_value,
)

T = TypeVar("T")

# Handles appear in calendar URLs and @mentions, so they stay to URL-safe characters.
_HANDLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

_TOP_KEYS = ("team", "member", "history")
_TEAM_KEYS = ("name", "timezone", "calendar", "experienced_after")
_MEMBER_KEYS = (
    "handle",
    "name",
    "email",
    "percent_time",
    "primary_weeks_served",
    "classified_access",
    "active",
    "joined",
    "time_off",
)
_TIME_OFF_KEYS = ("start", "end", "reason")
_HISTORY_KEYS = ("week_start", "primary", "backup")

# Shown in the fix of a type error: what a correct line looks like.
_EXAMPLES = {
    "name": '"VisIt"',
    "timezone": '"America/Los_Angeles"',
    "calendar": '"llnl"',
    "experienced_after": "4",
    "handle": '"alice"',
    "email": '"alice@example.org"',
    "percent_time": "100",
    "primary_weeks_served": "0",
    "classified_access": "false",
    "active": "false",
    "joined": "2026-01-05",
    "start": "2027-01-11",
    "end": "2027-01-15",
    "reason": '"vacation"',
    "week_start": "2026-12-28",
    "primary": '"alice"',
    "backup": '"bob"',
}


class TeamFileError(ValueError):
    """The team file is wrong; the one-line message names the file, the line and the fix."""

    def __init__(self, path: str, line: int, problem: str) -> None:
        super().__init__(f"{path}:{line}: {problem}")
        self.path = path
        self.line = line


@dataclass(frozen=True)
class TeamSettings:
    name: str
    # The business calendar's zone: the desk's weeks, hours and feeds run in it.
    timezone: str = "America/Los_Angeles"
    calendar: str = "llnl"  # the business calendar's holiday set
    # Primary weeks served before someone counts as experienced.
    experienced_after: int = 4


@dataclass(frozen=True)
class TeamFile:
    team: TeamSettings
    # The members on the rotation: the roster to plan.
    members: tuple[RosterMember, ...]
    history: tuple[WeekAssignment, ...] = ()
    # Former members (`active = false`): never planned, named by the history.
    former: tuple[RosterMember, ...] = ()


def parse_team(
    text: str,
    path: str = "team.toml",
    *,
    calendar_zone: Callable[[str], str] | None = None,
) -> TeamFile:
    """Parse the team file's text; `path` only names the file in error messages.

    `calendar_zone(name)` gives the zone of the business calendar `name`. With it, the team's
    timezone defaults to its calendar's, and any other is refused: the desk keeps its weeks
    and hours in the calendar's zone, so a team zone apart from it would be used by nothing.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TeamFileError(path, decode_line(error, text), decode_problem(error)) from None
    reader = _Reader(path, KeyLocator(text))
    reader.keys(data, (), _TOP_KEYS)
    team = _team(reader, reader.table(data, "team", ()), calendar_zone)
    read = [
        _member(reader, item, ("member", i))
        for i, item in enumerate(reader.tables(data, "member", ()))
    ]
    everyone = tuple(m for m, _ in read)
    _check_unique_handles(reader, everyone)
    history = _history(reader, reader.tables(data, "history", ()), everyone)
    return TeamFile(
        team=team,
        members=tuple(m for m, active in read if active),
        history=history,
        former=tuple(m for m, active in read if not active),
    )


def dump_team(team_file: TeamFile) -> str:
    """Write a team file that `parse_team` reads back to the same value."""
    team = team_file.team
    lines = ["[team]"]
    lines += assignments(
        name=team.name,
        timezone=team.timezone,
        calendar=team.calendar,
        experienced_after=team.experienced_after,
    )
    former = {m.handle for m in team_file.former}
    for m in (*team_file.members, *team_file.former):
        lines += ["", "[[member]]"]
        lines += assignments(
            handle=m.handle,
            name=m.name,
            email=m.email,
            percent_time=m.percent_time,
            primary_weeks_served=m.primary_weeks_served,
            classified_access=m.classified_access,
        )
        if m.handle in former:
            lines += assignments(active=False)
        if m.joined is not None:
            lines += assignments(joined=m.joined)
        for t in m.time_off:
            lines += ["", "[[member.time_off]]"]
            lines += assignments(start=t.start, end=t.end, reason=t.reason)
    for w in team_file.history:
        lines += ["", "[[history]]"]
        lines += assignments(week_start=w.week_start, primary=w.primary, backup=w.backup)
    return "\n".join(lines) + "\n"


def _team(
    reader: _Reader, table: Mapping[str, Any], calendar_zone: Callable[[str], str] | None
) -> TeamSettings:
    where: Path = ("team",)
    reader.keys(table, where, _TEAM_KEYS)
    defaults = TeamSettings(name="")
    timezone = reader.value(table, "timezone", where, str, defaults.timezone)
    try:
        ZoneInfo(timezone)
    # A folder of the zone database ("Pacific") raises OSError rather than NotFound.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        reader.fail(
            (*where, "timezone"),
            f'unknown timezone {timezone!r}; give an IANA name such as "Europe/Paris"',
        )
    calendar = reader.value(table, "calendar", where, str, defaults.calendar)
    if calendar_zone is not None:
        zone = calendar_zone(calendar)
        if "timezone" not in table:
            timezone = zone
        elif timezone != zone:
            reader.fail(
                (*where, "timezone"),
                f"timezone {timezone!r} is not the zone of calendar {calendar!r}, {zone!r},"
                " in which the desk keeps its weeks and hours;"
                f" write timezone = {toml_value(zone)} or name a calendar in {timezone}",
            )
    experienced_after = reader.value(
        table, "experienced_after", where, int, defaults.experienced_after
    )
    if experienced_after < 0:
        reader.fail((*where, "experienced_after"), "experienced_after is negative; give 0 or more")
    name = reader.value(table, "name", where, str).strip()
    if not name:
        reader.fail((*where, "name"), f"the team needs a name; write name = {_EXAMPLES['name']}")
    return TeamSettings(
        name=name,
        timezone=timezone,
        calendar=calendar,
        experienced_after=experienced_after,
    )


def _member(reader: _Reader, table: Mapping[str, Any], where: Path) -> tuple[RosterMember, bool]:
    """The member, and whether they are on the rotation (`active`, true unless given)."""
    reader.keys(table, where, _MEMBER_KEYS)
    handle = reader.value(table, "handle", where, str)
    if not _HANDLE.fullmatch(handle):
        reader.fail(
            (*where, "handle"),
            f"handle {handle!r} is not usable in a URL; use letters, digits, '.', '_' or '-'",
        )
    reserved = reserved_handle(handle)
    if reserved is not None:
        reader.fail((*where, "handle"), reserved)
    percent = reader.value(table, "percent_time", where, int, RosterMember.percent_time)
    if not 1 <= percent <= 100:
        reader.fail(
            (*where, "percent_time"),
            f"percent_time of {handle} is {percent}; give a whole number from 1 to 100",
        )
    served = reader.value(table, "primary_weeks_served", where, int, 0)
    if served < 0:
        reader.fail(
            (*where, "primary_weeks_served"), "primary_weeks_served is negative; give 0 or more"
        )
    time_off = tuple(
        _time_off(reader, item, (*where, "time_off", j))
        for j, item in enumerate(reader.tables(table, "time_off", where))
    )
    member = RosterMember(
        handle=handle,
        percent_time=percent,
        primary_weeks_served=served,
        time_off=time_off,
        name=reader.value(table, "name", where, str, ""),
        email=reader.value(table, "email", where, str, ""),
        classified_access=reader.value(table, "classified_access", where, bool, False),
        joined=_joined(reader, table, where),
    )
    return member, reader.value(table, "active", where, bool, True)


def _joined(reader: _Reader, table: Mapping[str, Any], where: Path) -> date | None:
    """The Monday the member joined the rotation; None when the file does not say."""
    if "joined" not in table:
        return None
    joined = reader.value(table, "joined", where, date)
    if joined.weekday() != 0:
        reader.fail(
            (*where, "joined"),
            f"joined {joined} is a {joined:%A}; give the Monday of that week, {week_start(joined)}",
        )
    return joined


def _time_off(reader: _Reader, table: Mapping[str, Any], where: Path) -> TimeOffRange:
    reader.keys(table, where, _TIME_OFF_KEYS)
    start = reader.value(table, "start", where, date)
    end = reader.value(table, "end", where, date)
    if end < start:
        reader.fail(
            (*where, "end"),
            f"time-off ends on {end}, before it starts on {start};"
            " give an end on or after the start",
        )
    return TimeOffRange(start, end, reader.value(table, "reason", where, str, ""))


def _check_unique_handles(reader: _Reader, members: tuple[RosterMember, ...]) -> None:
    seen: set[str] = set()
    for i, m in enumerate(members):
        if m.handle in seen:
            reader.fail(
                ("member", i, "handle"),
                f"handle {m.handle!r} is already used by another member; give each a unique handle",
            )
        seen.add(m.handle)


def _history(
    reader: _Reader, tables: list[Mapping[str, Any]], members: tuple[RosterMember, ...]
) -> tuple[WeekAssignment, ...]:
    handles = sorted(m.handle for m in members)
    weeks: dict[date, WeekAssignment] = {}
    for i, table in enumerate(tables):
        where: Path = ("history", i)
        reader.keys(table, where, _HISTORY_KEYS)
        week_start = reader.value(table, "week_start", where, date)
        if week_start.weekday() != 0:
            reader.fail(
                (*where, "week_start"),
                f"week_start {week_start} is a {week_start:%A}; give the Monday of that week",
            )
        if week_start in weeks:
            reader.fail(
                (*where, "week_start"), f"the week of {week_start} is listed twice; keep one entry"
            )
        roles = {}
        for role in ("primary", "backup"):
            handle = reader.value(table, role, where, str)
            if handle not in handles:
                reader.fail((*where, role), _unknown_member(handle, handles))
            roles[role] = handle
        if roles["primary"] == roles["backup"]:
            reader.fail(
                (*where, "backup"),
                f"{roles['backup']} is both Primary and Backup; name two different members",
            )
        weeks[week_start] = WeekAssignment(week_start, roles["primary"], roles["backup"])
    return tuple(weeks[d] for d in sorted(weeks))


def _unknown_member(handle: str, handles: list[str]) -> str:
    close = get_close_matches(handle, handles, n=1)
    fix = (
        f"did you mean {close[0]!r}?"
        if close
        else "add a [[member]] with that handle (and active = false if they have left)"
    )
    return f"history names {handle!r}, who is not a member; {fix}"


class _Reader:
    """Check the parsed tables, raising errors that point at the offending line."""

    def __init__(self, path: str, locator: KeyLocator) -> None:
        self.path = path
        self.locator = locator

    def fail(self, where: Path, problem: str) -> None:
        raise TeamFileError(self.path, self.locator.line(where), problem)

    def keys(self, table: Mapping[str, Any], where: Path, allowed: tuple[str, ...]) -> None:
        for key in table:
            if key not in allowed:
                close = get_close_matches(key, allowed, n=1)
                fix = (
                    f"did you mean {close[0]!r}?"
                    if close
                    else f"remove it (allowed: {', '.join(allowed)})"
                )
                section = _section_name(where)
                self.fail((*where, key), f"unknown key {key!r} in {section}; {fix}")

    def value(
        self,
        table: Mapping[str, Any],
        key: str,
        where: Path,
        kind: type[T],
        default: T | None = None,
    ) -> T:
        if key not in table:
            if default is None:
                section = _section_name(where)
                self.fail(where, f"{section} has no {key}; add {key} = {_EXAMPLES[key]}")
            return default  # type: ignore[return-value]
        value = table[key]
        if not _is_kind(value, kind):
            self.fail(
                (*where, key),
                f"{key} is {_describe(value)}; write {key} = {_EXAMPLES[key]}"
                f" ({_describe_kind(kind)})",
            )
        if isinstance(value, date) and not MIN_YEAR <= value.year <= MAX_YEAR:
            self.fail(
                (*where, key),
                f"{key} {value} is outside the years {MIN_YEAR}-{MAX_YEAR} the calendar supports",
            )
        return value  # type: ignore[no-any-return]

    def table(self, data: Mapping[str, Any], key: str, where: Path) -> Mapping[str, Any]:
        value = data.get(key)
        if not isinstance(value, dict):
            problem = "no [team] table" if value is None else f"{key} is {_describe(value)}"
            self.fail((*where, key), f'{problem}; start the file with [team] and name = "..."')
        return value  # type: ignore[return-value]

    def tables(self, data: Mapping[str, Any], key: str, where: Path) -> list[Mapping[str, Any]]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            header = ".".join(str(p) for p in (*where, key) if isinstance(p, str))
            self.fail(
                (*where, key), f"{key} is {_describe(value)}; write each entry under [[{header}]]"
            )
        return cast(list[Mapping[str, Any]], value)


def _is_kind(value: object, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is date:
        return isinstance(value, date) and not isinstance(value, datetime)
    return isinstance(value, kind)


_DESCRIPTIONS: list[tuple[type, str]] = [
    (bool, "a boolean"),
    (int, "an integer"),
    (float, "a float"),
    (str, "a string"),
    (datetime, "a date-time"),
    (date, "a date"),
    (time, "a time"),
    (list, "an array"),
    (dict, "a table"),
]


def _describe(value: object) -> str:
    kind = next(name for t, name in _DESCRIPTIONS if isinstance(value, t))
    if isinstance(value, str | int | float | date | time):
        return f"{kind} ({toml_value(value)})"
    return kind


def _describe_kind(kind: type) -> str:
    return next(name for t, name in _DESCRIPTIONS if t is kind)


def _section_name(where: Path) -> str:
    names = [p for p in where if isinstance(p, str)]
    if not names:
        return "the file"
    if names == ["team"]:
        return "[team]"
    return f"[[{'.'.join(names)}]]"
