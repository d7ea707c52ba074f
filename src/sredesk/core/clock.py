"""Run an inquiry's response and resolution clocks against a business calendar.

The response clock starts at arrival (in effect at the next opening, since only business
time counts) and stops at the first public response. The resolution clock also pauses
while the inquiry waits on the customer. Both are pure: the caller passes `now`.

A clock is met when it stops at or before its due instant and missed when it stops after;
a running clock is breached once `now` is past due. Due instants are compared on the wall
clock, not in business time: a response at 18:00 to a question due at 17:00 is late even
though no business time passed in between.

Instants are compared and subtracted in UTC: Python does both on the local wall clock
when two datetimes share a zone, which is wrong across a daylight-saving change.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import TYPE_CHECKING

from sredesk.core.holiday_rules import CalendarError

# Only annotations name the calendar: importing it loads NumPy, which a command that runs
# no clock does not need.
if TYPE_CHECKING:
    from sredesk.core.calendar import BusinessCalendar

__all__ = [
    "ClockState",
    "ClockStatus",
    "Pause",
    "PolicyError",
    "ResolutionStatus",
    "ResponsePolicy",
    "TargetBasis",
    "resolution_due",
    "resolution_status",
    "response_due",
    "response_status",
    "threshold_times",
]

DEFAULT_TARGET = timedelta(hours=4)
DEFAULT_THRESHOLDS = (0.5, 0.75)

#: A pause while the inquiry waits on the customer; an end of None means still waiting.
Pause = tuple[datetime, datetime | None]


class PolicyError(ValueError):
    """A response policy cannot be used; the message says what to fix."""


class ClockState(StrEnum):
    ON_TRACK = "on-track"
    AT_RISK = "at-risk"  # at least the first threshold of the target is used
    BREACHED = "breached"  # still running, and past due
    MET = "met"  # stopped at or before due
    MISSED = "missed"  # stopped, but after due


class TargetBasis(StrEnum):
    BUSINESS = "business"  # only the calendar's open hours count
    CALENDAR = "calendar"  # every hour counts, nights and weekends too


@dataclass(frozen=True)
class ResponsePolicy:
    """How long the desk has, and at which used fractions it warns.

    The default is the desk's promise: 4 business hours, warnings at 50% and 75%.
    A per-inquiry override, such as a classified customer's contract, is
    `ResponsePolicy.business_hours(8)` or `ResponsePolicy.calendar_days(2)`, or
    `ResponsePolicy.parse("2d")`. Calendar days are real elapsed time (48 hours for 2 days)
    counted from arrival, night and weekend included.
    """

    target: timedelta = DEFAULT_TARGET
    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS
    basis: TargetBasis = TargetBasis.BUSINESS

    def __post_init__(self) -> None:
        if self.target <= timedelta(0):
            raise PolicyError(f"response target {self.target} must be longer than zero")
        ordered = all(a < b for a, b in pairwise(self.thresholds))
        if not ordered or not all(0 < t < 1 for t in self.thresholds):
            raise PolicyError(
                f"thresholds {self.thresholds} must rise strictly between 0 and 1, e.g. (0.5, 0.75)"
            )

    @classmethod
    def business_hours(
        cls, hours: float, thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS
    ) -> ResponsePolicy:
        return cls(_span(hours, "hours"), thresholds, TargetBasis.BUSINESS)

    @classmethod
    def calendar_days(
        cls, days: float, thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS
    ) -> ResponsePolicy:
        return cls(_span(days, "days"), thresholds, TargetBasis.CALENDAR)

    @classmethod
    def parse(cls, text: str, thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS) -> ResponsePolicy:
        """Read "4h" or "4" (business hours), "90m" (business minutes) or "2d" (calendar days)."""
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([hmd]?)\s*", text.lower())
        if match is None:
            raise PolicyError(f"response time '{text}' must look like 4h, 90m or 2d")
        amount, unit = float(match[1]), match[2] or "h"
        if unit == "d":
            return cls.calendar_days(amount, thresholds)
        return cls.business_hours(amount / 60 if unit == "m" else amount, thresholds)

    def with_hours(self, hours: float | None) -> ResponsePolicy:
        """This policy with its target replaced by `hours` business hours, if given."""
        if hours is None:
            return self
        return replace(self, target=_span(hours, "hours"), basis=TargetBasis.BUSINESS)


def _span(value: float, unit: str) -> timedelta:
    if not math.isfinite(value) or value <= 0:
        raise PolicyError(f"response time of {value} {unit} must be a positive number")
    try:
        return timedelta(**{unit: value})
    except OverflowError:
        raise PolicyError(f"response time of {value} {unit} is too long") from None


@dataclass(frozen=True)
class ClockStatus:
    """Where a response clock stands at `now`."""

    state: ClockState
    due: datetime
    used: float  # fraction of the target used; can pass 1 once past due
    spent: timedelta  # clock time used: business time unless the target is in calendar days
    remaining: timedelta  # target minus spent, never below zero
    thresholds_crossed: tuple[float, ...]
    warn_at: tuple[datetime, ...]  # when each threshold of the policy is reached
    stopped_at: datetime | None  # the first response, once it has happened


@dataclass(frozen=True)
class ResolutionStatus:
    """Where a resolution clock stands at `now`; no due instant while paused before it."""

    state: ClockState
    due: datetime | None
    used: float
    spent: timedelta
    remaining: timedelta
    thresholds_crossed: tuple[float, ...]
    paused: bool
    stopped_at: datetime | None


def response_due(
    calendar: BusinessCalendar, created_at: datetime, policy: ResponsePolicy = ResponsePolicy()
) -> datetime:
    """When the first public response is due for an inquiry that arrived at `created_at`."""
    return _reach(calendar, policy, _utc(created_at), policy.target).astimezone(calendar.tz)


def threshold_times(
    calendar: BusinessCalendar, created_at: datetime, policy: ResponsePolicy = ResponsePolicy()
) -> tuple[datetime, ...]:
    """When each warning threshold of the response clock is reached, in policy order.

    For business targets these are open instants or closing times; a watcher that only
    sends during business hours moves one at a closing time to the next opening.
    """
    start = _utc(created_at)
    return tuple(
        _reach(calendar, policy, start, policy.target * t).astimezone(calendar.tz)
        for t in policy.thresholds
    )


def response_status(
    calendar: BusinessCalendar,
    created_at: datetime,
    first_response_at: datetime | None,
    now: datetime,
    policy: ResponsePolicy = ResponsePolicy(),
) -> ClockStatus:
    """The response clock at `now`; a response later than `now` has not happened yet."""
    due = response_due(calendar, created_at, policy)
    created_at, now = _utc(created_at), _utc(now)
    responded = _utc(first_response_at) if first_response_at is not None else None
    stopped = responded if responded is not None and responded <= now else None
    spent = _spent(calendar, policy, created_at, stopped or now)
    return ClockStatus(
        state=_state(policy, spent, due, stopped, now),
        due=due,
        used=spent / policy.target,
        spent=spent,
        remaining=max(policy.target - spent, timedelta(0)),
        thresholds_crossed=_crossed(policy, spent),
        warn_at=threshold_times(calendar, created_at, policy),
        stopped_at=_local(calendar, stopped),
    )


def resolution_due(
    calendar: BusinessCalendar,
    created_at: datetime,
    policy: ResponsePolicy,
    pauses: Sequence[Pause] = (),
) -> datetime | None:
    """When resolution is due, given the waits on the customer so far.

    None while a wait that began before the due instant is still open: the clock is
    stopped, so there is no due instant until the customer answers.
    """
    due = _reach_with_pauses(calendar, policy, _utc(created_at), policy.target, _merge(pauses))
    return _local(calendar, due)


def resolution_status(
    calendar: BusinessCalendar,
    created_at: datetime,
    resolved_at: datetime | None,
    now: datetime,
    policy: ResponsePolicy,
    pauses: Sequence[Pause] = (),
) -> ResolutionStatus:
    """The resolution clock at `now`, not counting time spent waiting on the customer.

    A resolution or a wait later than `now` has not happened yet.
    """
    created_at, now = _utc(created_at), _utc(now)
    resolved = _utc(resolved_at) if resolved_at is not None else None
    stopped = resolved if resolved is not None and resolved <= now else None
    end = stopped or now
    # Waits that begin after `now` have not happened yet; resolving ends any open wait.
    merged = [
        (s, stopped if e is None and stopped is not None else e)
        for s, e in _merge(pauses)
        if s <= end
    ]
    due = _reach_with_pauses(calendar, policy, created_at, policy.target, merged)
    spent = _spent(calendar, policy, created_at, end)
    for start, stop in merged:
        lo, hi = max(start, created_at), min(stop or end, end)
        spent -= _spent(calendar, policy, lo, hi)
    return ResolutionStatus(
        state=_state(policy, spent, due, stopped, now),
        due=_local(calendar, due),
        used=spent / policy.target,
        spent=spent,
        remaining=max(policy.target - spent, timedelta(0)),
        thresholds_crossed=_crossed(policy, spent),
        paused=stopped is None and any(s <= now and (e is None or now < e) for s, e in merged),
        stopped_at=_local(calendar, stopped),
    )


def _state(
    policy: ResponsePolicy,
    spent: timedelta,
    due: datetime | None,
    stopped: datetime | None,
    now: datetime,
) -> ClockState:
    if stopped is not None:
        return ClockState.MET if due is None or stopped <= due else ClockState.MISSED
    if due is not None and now > due:
        return ClockState.BREACHED
    return ClockState.AT_RISK if _crossed(policy, spent) else ClockState.ON_TRACK


def _crossed(policy: ResponsePolicy, spent: timedelta) -> tuple[float, ...]:
    return tuple(t for t in policy.thresholds if spent >= policy.target * t)


def _spent(
    calendar: BusinessCalendar, policy: ResponsePolicy, start: datetime, end: datetime
) -> timedelta:
    if policy.basis is TargetBasis.BUSINESS:
        return calendar.elapsed(start, end)
    return max(_utc(end) - _utc(start), timedelta(0))


def _reach(
    calendar: BusinessCalendar, policy: ResponsePolicy, start: datetime, amount: timedelta
) -> datetime:
    if policy.basis is TargetBasis.BUSINESS:
        return calendar.add(start, amount).astimezone(UTC)
    # Through UTC, so the days are real 24-hour days even across a daylight-saving change.
    return _utc(start) + amount


def _reach_with_pauses(
    calendar: BusinessCalendar,
    policy: ResponsePolicy,
    start: datetime,
    amount: timedelta,
    pauses: Sequence[Pause],
) -> datetime | None:
    cursor, left = start, amount
    for pause_start, pause_end in pauses:
        if pause_end is not None and pause_end <= cursor:
            continue
        candidate = _reach(calendar, policy, cursor, left)
        if candidate <= pause_start:
            return candidate
        left -= _spent(calendar, policy, cursor, pause_start)
        if pause_end is None:
            return None
        cursor = max(cursor, pause_end)
    return _reach(calendar, policy, cursor, left)


def _merge(pauses: Sequence[Pause]) -> list[Pause]:
    """Sort the pauses and join overlapping ones, so no time is subtracted twice."""
    merged: list[Pause] = []
    in_utc = [(_utc(s), _utc(e) if e is not None else None) for s, e in pauses]
    for start, end in sorted(in_utc, key=lambda p: p[0]):
        if end is not None and end < start:
            raise PolicyError(f"a pause ends ({end.isoformat()}) before it starts")
        if merged and (merged[-1][1] is None or start <= merged[-1][1]):
            last_start, last_end = merged[-1]
            joined_end = None if last_end is None or end is None else max(last_end, end)
            merged[-1] = (last_start, joined_end)
        else:
            merged.append((start, end))
    return merged


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise CalendarError(f"instant {at.isoformat()} has no time zone; attach one")
    return at.astimezone(UTC)


def _local(calendar: BusinessCalendar, at: datetime | None) -> datetime | None:
    return at.astimezone(calendar.tz) if at is not None else None
