"""Render the rotation as iCalendar feeds whose events keep their UIDs across re-plans.

An event's UID comes from the team, the week and the role, never from the person, so a
re-plan that gives a week to someone else updates the same event. Its SEQUENCE rises each
time its content changes, measured against the versions of the previous publication.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

from sredesk.core.rotation_model import RosterMember, ShiftLike, as_assignments

PRODID = "-//sredesk//rotation//EN"
_WEEK = timedelta(days=7)
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class EventVersion:
    """What a subscriber last saw of an event: its SEQUENCE and a digest of its content."""

    sequence: int
    fingerprint: str


@dataclass(frozen=True)
class Holiday:
    day: date
    name: str


@dataclass(frozen=True)
class DelegationWindow:
    """A stretch in which the Primary's role was handed to another member, by agreement."""

    id: int
    from_member: str
    to_member: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class RotationCalendar:
    """Everything the feeds show: shifts, delegations, time-off and the team's holidays."""

    team: str
    timezone: str
    weeks: Sequence[ShiftLike]
    members: Sequence[RosterMember] = ()
    holidays: Sequence[Holiday] = ()
    # When the shift changes hands on Monday, in `timezone` (the business calendar's).
    handoff: time = time(0, 0)
    delegations: Sequence[DelegationWindow] = ()


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    summary: str
    start: date | datetime  # a date for all-day events
    end: date | datetime  # exclusive, as RFC 5545 wants
    category: str
    description: str = ""
    # Handles whose personal feed shows the event; empty means every feed shows it.
    members: frozenset[str] = field(default_factory=frozenset)
    transparent: bool = True

    @property
    def fingerprint(self) -> str:
        content = "\x1f".join(
            [
                self.summary,
                self.start.isoformat(),
                self.end.isoformat(),
                self.category,
                self.description,
                str(self.transparent),
            ]
        )
        return hashlib.sha256(content.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Feed:
    ical: bytes
    # The versions to store as the new publication: every event's, the retired ones too.
    versions: dict[str, EventVersion]


def team_feed(
    calendar: RotationCalendar, *, previous: Mapping[str, EventVersion], now: datetime
) -> Feed:
    """Build the team's feed: every shift, everyone's time-off and the holidays."""
    events = calendar_events(calendar)
    versions = next_versions(events, previous)
    name = f"{calendar.team} desk rotation"
    return Feed(_render(calendar, name, events, versions, now), versions)


def member_feed(
    calendar: RotationCalendar,
    handle: str,
    *,
    previous: Mapping[str, EventVersion],
    now: datetime,
) -> Feed:
    """Build one member's feed: their shifts, their time-off and the team's holidays."""
    events = calendar_events(calendar)
    versions = next_versions(events, previous)
    own = [e for e in events if not e.members or handle in e.members]
    name = f"{calendar.team} desk: {handle}"
    return Feed(_render(calendar, name, own, versions, now), versions)


def calendar_events(calendar: RotationCalendar) -> tuple[CalendarEvent, ...]:
    slug = _slug(calendar.team)
    zone = ZoneInfo(calendar.timezone)
    events: list[CalendarEvent] = []
    for week in as_assignments(calendar.weeks):
        start = datetime.combine(week.week_start, calendar.handoff, tzinfo=zone)
        end = datetime.combine(week.week_start + _WEEK, calendar.handoff, tzinfo=zone)
        pair = f"Primary: {week.primary}\nBackup: {week.backup}"
        for role, handle in (("Primary", week.primary), ("Backup", week.backup)):
            events.append(
                CalendarEvent(
                    uid=f"{slug}-{week.week_start:%Y%m%d}-{role.lower()}@sredesk",
                    summary=f"{calendar.team} {role}: {handle}",
                    start=start,
                    end=end,
                    category=role,
                    description=f"Week of {week.week_start}\n{pair}",
                    members=frozenset({handle}),
                )
            )
    events += [
        CalendarEvent(
            uid=f"{slug}-delegation-{d.id}@sredesk",
            summary=f"{calendar.team} Primary (delegated): {d.to_member}",
            start=d.start.astimezone(zone),
            end=d.end.astimezone(zone),
            category="Delegation",
            description=f"{d.from_member} handed the Primary role to {d.to_member}",
            members=frozenset({d.from_member, d.to_member}),
        )
        for d in calendar.delegations
    ]
    events += _time_off_events(calendar, slug)
    events += [
        CalendarEvent(
            uid=f"{slug}-holiday-{h.day:%Y%m%d}@sredesk",
            summary=f"Holiday: {h.name}",
            start=h.day,
            end=h.day + _DAY,
            category="Holiday",
        )
        for h in calendar.holidays
    ]
    return tuple(sorted(events, key=lambda e: (_day(e.start), e.uid)))


def _time_off_events(calendar: RotationCalendar, slug: str) -> list[CalendarEvent]:
    events: list[CalendarEvent] = []
    seen: set[str] = set()
    for member in calendar.members:
        for t in member.time_off:
            # Keyed by the first day, so moving the end updates the event instead of
            # replacing it; a second range starting the same day gets a suffix.
            uid = base = f"{slug}-timeoff-{member.handle}-{t.start:%Y%m%d}"
            suffix = 2
            while uid in seen:
                uid, suffix = f"{base}-{suffix}", suffix + 1
            seen.add(uid)
            events.append(
                CalendarEvent(
                    uid=f"{uid}@sredesk",
                    summary=f"Time-off: {member.handle}",
                    start=t.start,
                    end=t.end + _DAY,
                    category="Time-off",
                    description=t.reason,
                    members=frozenset({member.handle}),
                    transparent=False,
                )
            )
    return events


def next_versions(
    events: Sequence[CalendarEvent], previous: Mapping[str, EventVersion]
) -> dict[str, EventVersion]:
    """Keep an unchanged event's SEQUENCE and raise a changed one's by one.

    Retired events stay in the result, so an event that comes back later never shows a
    SEQUENCE lower than one a subscriber has already seen.
    """
    versions = dict(previous)
    for event in events:
        old = previous.get(event.uid)
        fingerprint = event.fingerprint
        if old is None:
            versions[event.uid] = EventVersion(0, fingerprint)
        elif old.fingerprint != fingerprint:
            versions[event.uid] = EventVersion(old.sequence + 1, fingerprint)
    return versions


def _render(
    calendar: RotationCalendar,
    name: str,
    events: Sequence[CalendarEvent],
    versions: Mapping[str, EventVersion],
    now: datetime,
) -> bytes:
    if now.tzinfo is None:
        raise ValueError("now must carry a timezone; pass an aware datetime")
    stamp = now.astimezone(UTC)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", calendar.timezone)
    # Subscribers poll: an hour keeps a last-minute swap visible the same morning.
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    timed = [e.start for e in events if isinstance(e.start, datetime)]
    if timed:
        first, last = min(timed).date() - _WEEK, max(timed).date() + 2 * _WEEK
        cal.add_component(Timezone.from_tzid(calendar.timezone, first_date=first, last_date=last))
    for e in events:
        cal.add_component(_event(e, versions[e.uid].sequence, stamp))
    return bytes(cal.to_ical())


def _event(e: CalendarEvent, sequence: int, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", e.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", e.start)
    event.add("dtend", e.end)
    event.add("summary", e.summary)
    if e.description:
        event.add("description", e.description)
    event.add("categories", [e.category])
    event.add("sequence", sequence)
    event.add("transp", "TRANSPARENT" if e.transparent else "OPAQUE")
    return event


def _slug(team: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", team.lower()).strip("-") or "team"


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value
