"""Keep the team and its members: percent-time, experience, join date, access, time-off."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sredesk.core.calendar_years import check_year
from sredesk.core.errors import InvalidInput, InvalidTransition, NotFound
from sredesk.core.model import Member, Team, TimeOff
from sredesk.core.roster import roles_during, week_start
from sredesk.core.rotation_model import reserved_handle
from sredesk.services.desk import Desk, audit
from sredesk.services.ports import AbstractUnitOfWork
from sredesk.services.views import member_view, time_off_view

HANDLE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,38}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_member_fields(
    handle: str, email: str, percent_time: int, experience: int, timezone: str
) -> None:
    if not HANDLE.match(handle):
        raise InvalidInput(
            f"handle {handle!r} must be lower-case letters, digits, '.', '_' or '-' (max 39)"
        )
    reserved = reserved_handle(handle)
    if reserved is not None:
        raise InvalidInput(reserved)
    if not EMAIL.match(email):
        raise InvalidInput(f"e-mail {email!r} is not an address; give name@host")
    if not 1 <= percent_time <= 100:
        raise InvalidInput(f"percent_time {percent_time} is outside 1..100")
    if experience < 0:
        raise InvalidInput("experience (Primary weeks served) cannot be negative")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {timezone!r}; use an IANA name") from None


def check_joined(joined: date | None) -> None:
    """Refuse a join date that is not a Monday: a member shares the desk's weeks whole."""
    if joined is not None:
        check_year(joined.year)
    if joined is not None and joined.weekday() != 0:
        raise InvalidInput(
            f"joined {joined} is a {joined:%A}; give the Monday of that week, {week_start(joined)}"
        )


def check_team_timezone(timezone: str | None, calendar: str, zone: str) -> None:
    """Refuse a team timezone other than its calendar's `zone`: nothing would use it.

    Shift weeks, duty, the planner's business days and the feeds all run in the business
    calendar's zone, so a team in another zone would see weeks that are not its own.
    """
    if timezone is not None and timezone != zone:
        raise InvalidInput(
            f"timezone {timezone!r} is not the zone of calendar {calendar!r}, {zone!r}, in "
            f"which the desk keeps its weeks and hours; give timezone {zone!r} or leave it out, "
            f"or name a calendar in {timezone}"
        )


def _this_week(desk: Desk, uow: AbstractUnitOfWork, timezone: str) -> date:
    """The Monday of the desk's current week, in its calendar's zone (the member's, if no team)."""
    try:
        zone = desk.calendar(uow).tz
    except NotFound:
        zone = ZoneInfo(timezone)
    return week_start(desk.now().astimezone(zone).date())


def create_team(
    desk: Desk, name: str, *, calendar: str = "llnl", timezone: str | None = None
) -> None:
    """Create the team; its timezone is its calendar's, in which the desk keeps its weeks."""
    if not name.strip():
        raise InvalidInput("the team needs a name")
    now = desk.now()
    with desk.unit_of_work() as uow:
        try:
            existing = uow.team.get()
        except NotFound:
            existing = None
        if existing is not None:
            raise InvalidInput(f"this desk already serves team {existing.name!r}")
        zone = str(desk.calendar_named(calendar).tz)  # an unknown calendar is refused here
        check_team_timezone(timezone, calendar, zone)
        team = Team(name=name.strip(), calendar=calendar, timezone=zone)
        uow.team.add(team)
        audit(
            uow,
            "team.created",
            actor="system",
            now=now,
            after={"name": team.name, "calendar": calendar, "timezone": zone},
        )
        uow.commit()


def add_member(
    desk: Desk,
    handle: str,
    name: str,
    email: str,
    *,
    percent_time: int = 50,
    experience: int = 0,
    classified_access: bool = False,
    timezone: str = "America/Los_Angeles",
    github: str | None = None,
    joined: date | None = None,
    actor: str = "system",
) -> date:
    """Add a member who shares the desk's weeks from the Monday `joined`, else from this week's.

    A newcomer owes no weeks from before they joined (see core.fairness.joined_weeks).
    Return the join Monday recorded.
    """
    handle = handle.lstrip("@")
    check_member_fields(handle, email, percent_time, experience, timezone)
    check_joined(joined)
    if not name.strip():
        raise InvalidInput("the member needs a name")
    now = desk.now()
    with desk.unit_of_work() as uow:
        if uow.members.find(handle) is not None:
            raise InvalidInput(f"member {handle!r} exists already; pick another handle")
        since = joined or _this_week(desk, uow, timezone)
        new = Member(
            handle=handle,
            name=name.strip(),
            email=email,
            percent_time=percent_time,
            experience=experience,
            classified_access=classified_access,
            timezone=timezone,
            github=github,
            joined=since,
        )
        uow.members.add(new)
        audit(uow, "member.added", actor=actor, now=now, after=member_view(new))
        uow.commit()
    return since


_EDITABLE = {
    "name",
    "email",
    "percent_time",
    "experience",
    "classified_access",
    "timezone",
    "active",
    "github",
    "joined",  # a date, or None for a member there from the start of the history
}


def _said(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "empty" if value is None else str(value)


def update_member(
    desk: Desk,
    handle: str,
    *,
    actor: str = "system",
    expected: Mapping[str, Any] | None = None,
    **changes: Any,
) -> dict[str, tuple[Any, Any]]:
    """Change a member's fields; return each field that changed, as (before, after).

    `expected` holds what the editor saw of the fields they change, as `member_view` gives
    them: if one holds something else now, someone changed it since, and nothing is saved.
    """
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise InvalidInput(
            f"cannot change {', '.join(sorted(unknown))}; editable: " + ", ".join(sorted(_EDITABLE))
        )
    if "name" in changes:
        if not str(changes["name"]).strip():
            raise InvalidInput("the member needs a name")
        changes["name"] = str(changes["name"]).strip()
    now = desk.now()
    with desk.unit_of_work() as uow:
        found = uow.members.get(handle.lstrip("@"))
        before = member_view(found)
        for key, seen in (expected or {}).items():
            if key in changes and before[key] != seen:
                raise InvalidTransition(
                    f"{key.replace('_', ' ')} of {found.handle} was changed to "
                    f"{_said(before[key])} after you loaded it; nothing was saved: "
                    "reload and make your change again"
                )
        merged = {**before, **changes}
        check_member_fields(
            found.handle,
            merged["email"],
            merged["percent_time"],
            merged["experience"],
            merged["timezone"],
        )
        check_joined(changes.get("joined"))
        for key, value in changes.items():
            setattr(found, key, value)
        after = member_view(found)
        keys = [k for k in after if after[k] != before[k]]
        audit(
            uow,
            "member.updated",
            actor=actor,
            now=now,
            before={k: before[k] for k in keys},
            after={k: after[k] for k in keys},
        )
        uow.commit()
    return {k: (before[k], after[k]) for k in keys}


def list_members(desk: Desk, *, active_only: bool = False) -> list[dict[str, Any]]:
    with desk.unit_of_work() as uow:
        return [member_view(m) for m in uow.members.list(active_only=active_only)]


def add_time_off(
    desk: Desk,
    handle: str,
    start: date,
    end: date,
    reason: str = "vacation",
    *,
    actor: str = "system",
) -> int:
    """Record a member's time-off (inclusive dates); its id, by which it can be removed."""
    if end < start:
        raise InvalidInput(f"time-off ends ({end}) before it starts ({start}); swap them")
    # The feeds and the planner compute with the days around it: keep to the calendar's years.
    check_year(start.year)
    check_year(end.year)
    now = desk.now()
    with desk.unit_of_work() as uow:
        found = uow.members.get(handle.lstrip("@"))
        entry = TimeOff(member=found.handle, start=start, end=end, reason=reason)
        uow.members.add_time_off(entry)
        uow.flush()
        audit(uow, "member.time_off", actor=actor, now=now, after=time_off_view(entry))
        uow.commit()
    assert entry.id is not None
    return entry.id


def weeks_left_by(desk: Desk, handle: str, start: date, end: date) -> list[dict[str, str]]:
    """The member's weeks from this one on that time-off from `start` to `end` would leave.

    Recording such time-off is allowed (the dates are what they are), but the week keeps its
    holder until someone takes it: the caller tells the member to ask for a swap.
    """
    with desk.unit_of_work() as uow:
        calendar = desk.calendar(uow)
        found = uow.members.get(handle.lstrip("@")).handle
        this_week = week_start(desk.now().astimezone(calendar.tz).date())
        shifts = uow.shifts.list(start=max(week_start(start), this_week), end=end)
        held = roles_during(shifts, found, start, end, calendar.is_business_day)
        return [{"week_start": week.isoformat(), "role": role} for week, role in held]


def weeks_held(desk: Desk, handle: str) -> list[dict[str, str]]:
    """The member's weeks from this one on, by Monday and role.

    A member taken off the rotation keeps the weeks already published for them until someone
    takes each one: the caller tells who did it to swap them or plan again.
    """
    with desk.unit_of_work() as uow:
        found = uow.members.get(handle.lstrip("@")).handle
        this_week = week_start(desk.now().astimezone(desk.calendar(uow).tz).date())
        return [
            {"week_start": s.week_start.isoformat(), "role": role}
            for s in uow.shifts.list(start=this_week)
            for role, holder in (("primary", s.primary), ("backup", s.backup))
            if holder == found
        ]


def list_time_off(desk: Desk, handle: str | None = None) -> list[dict[str, Any]]:
    """Time-off with its ids, everyone's or one member's, by start."""
    with desk.unit_of_work() as uow:
        member = uow.members.get(handle.lstrip("@")).handle if handle else None
        found = sorted(uow.members.time_off(member), key=lambda t: (t.start, t.id or 0))
        return [time_off_view(t) for t in found]


# Ids are integers of the database's 32 bits; a larger one names nothing.
_LAST_ID = 2**31 - 1


def remove_time_off(
    desk: Desk, handle: str, time_off_id: int, *, actor: str = "system"
) -> dict[str, Any]:
    """Remove one of a member's time-off entries, such as one entered by mistake.

    Naming the member as well as the id guards against removing someone else's by a typo.
    """
    now = desk.now()
    with desk.unit_of_work() as uow:
        found = uow.members.get(handle.lstrip("@"))
        entry = uow.members.find_time_off(time_off_id) if 1 <= time_off_id <= _LAST_ID else None
        if entry is None:
            raise NotFound(
                f"{found.handle} has no time-off #{time_off_id}; "
                f"list the ids with 'sredesk member time-off-list {found.handle}'"
            )
        if entry.member != found.handle:
            raise InvalidInput(
                f"time-off #{time_off_id} is {entry.member}'s, not {found.handle}'s; "
                "give the member it belongs to, or another id"
            )
        removed = time_off_view(entry)
        uow.members.remove_time_off(entry)
        audit(uow, "member.time_off_removed", actor=actor, now=now, before=removed, after={})
        uow.commit()
    return removed


def team_overview(desk: Desk) -> dict[str, Any]:
    """The team page's read: every member with the time-off not yet over, by start."""
    with desk.unit_of_work() as uow:
        team = uow.team.get()
        # The calendar's zone, which a team stored before the two had to agree may not hold.
        zone = desk.calendar(uow).tz
        today = desk.now().astimezone(zone).date()
        away = sorted(uow.members.time_off(), key=lambda t: (t.start, t.end))
        members = [
            {
                **member_view(m),
                "time_off": [
                    time_off_view(t) for t in away if t.member == m.handle and t.end >= today
                ],
            }
            for m in uow.members.list()
        ]
        return {"name": team.name, "timezone": str(zone), "members": members}
