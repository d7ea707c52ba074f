"""Import the roster from a team file and export it back, in one transaction each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sredesk.core.errors import NotFound
from sredesk.core.model import Member, Shift, Team, TimeOff
from sredesk.core.roster import set_pair, week_start
from sredesk.core.rotation_model import TimeOffRange, WeekAssignment
from sredesk.core.teamfile import TeamFile, TeamSettings, dump_team, parse_team
from sredesk.services import clocks
from sredesk.services.desk import Desk, audit
from sredesk.services.ports import AbstractUnitOfWork
from sredesk.services.rotation import as_roster, roster_of


def import_team(desk: Desk, text: str, path: str, *, actor: str = "system") -> dict[str, Any]:
    """Create or update the team, its members, time-off and past weeks from a team file.

    A team file describes a team that exists, usually with its history, so a member it adds
    without a `joined` date whom that history names gets none: they count from the history's
    start, as if they had been there all along. One the history does not name is new, as the
    planner takes them to be: they join this week, or the week after the file's history if
    that is later, so their first plan and every later one count them from then. A member
    it updates keeps their stored date unless the file gives one.
    A member the file marks `active = false` is stored, or kept, off the rotation: the history
    may name them, and their weeks count, but no plan gives them one. The file's time-off of
    a member it names is that member's time-off: ranges it no longer lists are removed, so
    an edited range replaces the old one, and importing an export gives back the same desk.
    """
    # The team's zone must be its calendar's: the desk's weeks and hours are the calendar's.
    parsed = parse_team(text, path, calendar_zone=lambda name: str(desk.calendar_named(name).tz))
    now = desk.now()
    added = updated = weeks = off_added = off_removed = 0
    with desk.unit_of_work() as uow:
        try:
            team = uow.team.get()
            was: str | None = team.calendar
        except NotFound:
            team, was = Team(name=parsed.team.name), None
            uow.team.add(team)
        team.name, team.timezone = parsed.team.name, parsed.team.timezone
        team.calendar, team.experienced_after = parsed.team.calendar, parsed.team.experienced_after
        desk.calendar(uow)  # an unknown calendar is refused before anything is committed
        if was is not None and was != team.calendar:
            # Other holidays and hours: the waiting inquiries' due times move with them.
            reason = f"the team's calendar changed from {was} to {team.calendar}"
            clocks.recompute_due(desk, uow, now=now, actor=actor, reason=reason)
        former = {m.handle for m in parsed.former}
        newcomers_join = _newcomers_join(desk, uow, parsed)
        served = {h for w in parsed.history for h in (w.primary, w.backup)}
        for m in (*parsed.members, *parsed.former):
            # A former member is kept for the history that names them, never planned.
            active = m.handle not in former
            existing = uow.members.find(m.handle)
            if existing is None:
                uow.members.add(
                    Member(
                        handle=m.handle,
                        name=m.name or m.handle,
                        email=m.email or f"{m.handle}@invalid",
                        percent_time=m.percent_time,
                        experience=m.primary_weeks_served,
                        classified_access=m.classified_access,
                        active=active,
                        # A member the history does not name is new: the planner counts
                        # them from the first planned week, and so must every later plan.
                        joined=m.joined
                        or (None if m.handle in served or not active else newcomers_join),
                    )
                )
                added += 1
            else:
                existing.name = m.name or existing.name
                existing.email = m.email or existing.email
                existing.percent_time, existing.experience = m.percent_time, m.primary_weeks_served
                existing.classified_access, existing.active = m.classified_access, active
                existing.joined = m.joined or existing.joined
                updated += 1
            more, fewer = _replace_time_off(uow, m.handle, m.time_off)
            off_added, off_removed = off_added + more, off_removed + fewer
        uow.flush()
        for past in parsed.history:
            shift = uow.shifts.find(past.week_start)
            if shift is None:
                uow.shifts.add(Shift(past.week_start, past.primary, past.backup))
            else:
                set_pair(shift, past.primary, past.backup, now=now)
            weeks += 1
        summary = {
            "team": team.name,
            "members_added": added,
            "members_updated": updated,
            "history_weeks": weeks,
            "time_off_added": off_added,
            "time_off_removed": off_removed,
        }
        audit(uow, "team.imported", actor=actor, now=now, after={"file": path, **summary})
        uow.commit()
    return summary


def _newcomers_join(desk: Desk, uow: AbstractUnitOfWork, parsed: TeamFile) -> date:
    """The Monday a member new with this file joins: this week's, or after the file's history."""
    this_week = week_start(desk.now().astimezone(desk.calendar(uow).tz).date())
    after_history = max((w.week_start + timedelta(weeks=1) for w in parsed.history), default=None)
    return max(this_week, after_history) if after_history else this_week


def _replace_time_off(
    uow: AbstractUnitOfWork, handle: str, wanted: Sequence[TimeOffRange]
) -> tuple[int, int]:
    """Make the member's stored time-off the file's; return how many were added and removed.

    A stored range the file lists stays (with the file's reason), so its id does not change.
    """
    stored = list(uow.members.time_off(handle))
    added = 0
    for off in wanted:
        same = next((t for t in stored if (t.start, t.end) == (off.start, off.end)), None)
        if same is None:
            uow.members.add_time_off(TimeOff(handle, off.start, off.end, off.reason))
            added += 1
            continue
        stored.remove(same)
        same.reason = off.reason
    for gone in stored:
        uow.members.remove_time_off(gone)
    return added, len(stored)


def export_team(desk: Desk, *, history_before: date | None = None) -> str:
    """Write the roster as a team file; past weeks (before this one) become its history.

    Every past week is kept, since each counts towards fairness: a former member the history
    names is written with `active = false`, so that a plan from the file, or from a desk that
    imported it, weighs the same weeks as one from this desk.
    """
    with desk.unit_of_work() as uow:
        team = uow.team.get()
        cutoff = history_before or week_start(desk.now().astimezone(desk.calendar(uow).tz).date())
        history = tuple(
            WeekAssignment(s.week_start, s.primary, s.backup)
            for s in uow.shifts.list()
            if s.week_start < cutoff
        )
        named = {h.primary for h in history} | {h.backup for h in history}
        former = [m for m in uow.members.list() if not m.active and m.handle in named]
        return dump_team(
            TeamFile(
                team=TeamSettings(
                    name=team.name,
                    # The calendar's, which the stored one matches unless written before
                    # the two had to agree: the file then imports anywhere.
                    timezone=str(desk.calendar(uow).tz),
                    calendar=team.calendar,
                    experienced_after=team.experienced_after,
                ),
                members=tuple(roster_of(uow)),
                history=history,
                former=tuple(as_roster(uow, former)),
            )
        )
