"""Serve the rotation as iCalendar feeds behind revocable secret tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from sredesk.core.errors import InvalidTransition, NotFound
from sredesk.core.ics import (
    DelegationWindow,
    EventVersion,
    Feed,
    Holiday,
    RotationCalendar,
    member_feed,
    team_feed,
)
from sredesk.core.model import DelegationStatus, FeedEvent, FeedToken, Shift
from sredesk.core.rotation_model import TEAM_FEED
from sredesk.services.desk import Desk, audit, member
from sredesk.services.ports import AbstractUnitOfWork
from sredesk.services.rotation import _assignments, roster_of

TEAM = TEAM_FEED


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(desk: Desk, scope: str = TEAM, *, by: str = "system") -> str:
    """Create a feed token for the team or a member; it is shown once and stored hashed."""
    now = desk.now()
    token = secrets.token_urlsafe(24)
    with desk.unit_of_work() as uow:
        if scope != TEAM:
            scope = member(uow, scope).handle
        uow.rotation.add_token(FeedToken(scope=scope, token_hash=_hash(token), created_at=now))
        audit(uow, "feed.token_issued", actor=by, now=now, after={"scope": scope})
        uow.commit()
    return token


def revoke_tokens(desk: Desk, scope: str = TEAM, *, by: str = "system") -> int:
    """Revoke every live token of the scope; subscribed calendars stop updating."""
    now = desk.now()
    with desk.unit_of_work() as uow:
        live = [t for t in uow.rotation.tokens() if t.scope == scope and t.revoked_at is None]
        if not live:
            raise InvalidTransition(f"no live feed token for {scope}; nothing to revoke")
        for token in live:
            token.revoked_at = now
        audit(
            uow,
            "feed.token_revoked",
            actor=by,
            now=now,
            after={"scope": scope, "revoked": len(live)},
        )
        uow.commit()
    return len(live)


def _authorised(uow: AbstractUnitOfWork, scope: str, token: str) -> bool:
    digest = _hash(token)
    for stored in uow.rotation.tokens():
        # The team's token opens every feed; a member's opens only their own.
        if (
            stored.revoked_at is None
            and stored.scope in (scope, TEAM)
            and hmac.compare_digest(stored.token_hash, digest)
        ):
            return True
    return False


def render(
    desk: Desk,
    scope: str = TEAM,
    *,
    token: str | None = None,
    write: Callable[[bytes], None] | None = None,
) -> bytes:
    """Build a feed; with `token`, refuse (as not found) unless it opens this feed.

    Rendering records each event's version, so an event that changed since the last
    rendering carries a higher SEQUENCE and calendar clients replace it. `write`, if given,
    gets the feed before those versions are committed: a feed it fails to write stores none.
    """
    now = desk.now()
    with desk.unit_of_work() as uow:
        if scope != TEAM and uow.members.find(scope) is None:
            raise NotFound(f"no calendar feed {scope}")
        if token is not None and not _authorised(uow, scope, token):
            raise NotFound(f"no calendar feed {scope} for that token")
        team = uow.team.get()
        calendar = desk.calendar(uow)
        shifts = list(uow.shifts.list())
        years = (
            range(shifts[0].week_start.year, shifts[-1].week_start.year + 1)
            if shifts
            else range(now.year, now.year + 1)
        )
        holidays = [
            Holiday(day, f"{name} (desk closed)")
            for y in years
            for day, name in calendar.holiday_names(y).items()
        ]
        rotation = RotationCalendar(
            team=team.name,
            timezone=str(calendar.tz),
            weeks=_assignments(shifts),
            members=roster_of(uow),
            holidays=holidays,
            delegations=_delegations(shifts),
        )
        stored = {e.uid: e for e in uow.rotation.feed_events()}
        feed = _feed(rotation, scope, stored, now)
        new = {uid: v for uid, v in feed.versions.items() if uid not in stored}
        if new:
            uow.rotation.add_feed_events(
                [FeedEvent(uid, v.sequence, v.fingerprint) for uid, v in new.items()]
            )
            # A render beside this one, say another member's feed fetched at the same time,
            # may have stored some of these events first. Its versions stand; should one
            # differ from this render's (shifts changed in between), render against them.
            stored = {e.uid: e for e in uow.rotation.feed_events()}
            if any(_version(stored[uid]) != v for uid, v in new.items()):
                feed = _feed(rotation, scope, stored, now)
        for uid, version in feed.versions.items():
            if _version(stored[uid]) != version:
                stored[uid].sequence, stored[uid].fingerprint = (
                    version.sequence,
                    version.fingerprint,
                )
        if write is not None:
            write(feed.ical)
        uow.commit()
    return feed.ical


def _version(event: FeedEvent) -> EventVersion:
    return EventVersion(event.sequence, event.fingerprint)


def _feed(
    rotation: RotationCalendar, scope: str, stored: Mapping[str, FeedEvent], now: datetime
) -> Feed:
    previous = {uid: _version(e) for uid, e in stored.items()}
    if scope == TEAM:
        return team_feed(rotation, previous=previous, now=now)
    return member_feed(rotation, scope, previous=previous, now=now)


def _delegations(shifts: Sequence[Shift]) -> list[DelegationWindow]:
    """The delegations that were in force: accepted ones, ended early or not."""
    return [
        DelegationWindow(d.id, d.from_member, d.to_member, d.start, d.end)
        for shift in shifts
        for d in shift.delegations
        if d.id is not None
        and d.end > d.start
        # An ended delegation was in force if the Backup had accepted it before it ended.
        and (
            d.status is DelegationStatus.ACCEPTED
            or (d.status is DelegationStatus.ENDED and d.answered_at is not None)
        )
    ]
