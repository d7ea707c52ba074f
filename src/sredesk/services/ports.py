"""Declare the ports the services need: repositories, a unit of work and a clock."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Protocol

from sredesk.core.model import (
    AuditEvent,
    Channel,
    EffortEntry,
    FeedEvent,
    FeedToken,
    Inquiry,
    Member,
    Notification,
    OutboundMessage,
    PlanStatus,
    RotationPlan,
    Shift,
    State,
    Swap,
    Team,
    TimeOff,
)


class Clock(Protocol):
    def now(self) -> datetime: ...


class InquiryRepository(Protocol):
    def add(self, inquiry: Inquiry) -> None: ...
    def get(self, number: int) -> Inquiry: ...
    def list(
        self,
        *,
        state: State | None = None,
        assignee: str | None = None,
        channel: Channel | None = None,
        open_only: bool = False,
    ) -> Sequence[Inquiry]: ...
    def by_message_id(self, message_id: str) -> Inquiry | None: ...


class MemberRepository(Protocol):
    def add(self, member: Member) -> None: ...
    def get(self, handle: str) -> Member: ...
    def find(self, handle: str) -> Member | None: ...
    def list(self, *, active_only: bool = False) -> Sequence[Member]: ...
    def add_time_off(self, time_off: TimeOff) -> None: ...
    def time_off(self, handle: str | None = None) -> Sequence[TimeOff]: ...


class ShiftRepository(Protocol):
    def add(self, shift: Shift) -> None: ...
    def get(self, week_start: date) -> Shift: ...
    def find(self, week_start: date) -> Shift | None: ...
    def list(self, *, start: date | None = None, end: date | None = None) -> Sequence[Shift]: ...


class EffortRepository(Protocol):
    def add(self, entry: EffortEntry) -> None: ...
    def list(
        self, *, member: str | None = None, inquiry_number: int | None = None
    ) -> Sequence[EffortEntry]: ...


class AuditRepository(Protocol):
    def add(self, event: AuditEvent) -> None: ...
    def list(self, *, inquiry_number: int | None = None) -> Sequence[AuditEvent]: ...


class NotificationRepository(Protocol):
    def add(self, notification: Notification) -> None: ...
    def list(self, *, pending_only: bool = False) -> Sequence[Notification]: ...
    def has_key(self, dedupe_key: str) -> bool: ...


class RotationRepository(Protocol):
    """Plans, swaps and the calendar feeds' tokens and published events."""

    def add_plan(self, plan: RotationPlan) -> None: ...
    def get_plan(self, plan_id: int) -> RotationPlan: ...
    def plans(self, *, status: PlanStatus | None = None) -> Sequence[RotationPlan]: ...
    def add_swap(self, swap: Swap) -> None: ...
    def swaps(self) -> Sequence[Swap]: ...
    def add_token(self, token: FeedToken) -> None: ...
    def tokens(self) -> Sequence[FeedToken]: ...
    def add_feed_event(self, event: FeedEvent) -> None: ...
    def feed_events(self) -> Sequence[FeedEvent]: ...


class OutboxRepository(Protocol):
    def add(self, message: OutboundMessage) -> None: ...
    def get(self, message_id: int) -> OutboundMessage: ...
    def has_key(self, dedupe_key: str) -> bool: ...
    def due(self, now: datetime, *, limit: int = 100) -> Sequence[OutboundMessage]: ...
    def list(
        self, *, inquiry_number: int | None = None, pending_only: bool = False
    ) -> Sequence[OutboundMessage]: ...


class TeamRepository(Protocol):
    def get(self) -> Team: ...
    def add(self, team: Team) -> None: ...


class AbstractUnitOfWork(abc.ABC):
    """One transaction: everything a command changes is committed together or not at all."""

    team: TeamRepository
    inquiries: InquiryRepository
    members: MemberRepository
    shifts: ShiftRepository
    effort: EffortRepository
    audit: AuditRepository
    notifications: NotificationRepository
    rotation: RotationRepository
    outbox: OutboxRepository

    def __enter__(self) -> AbstractUnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Whatever was not committed explicitly is thrown away, on error or not.
        self.rollback()

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...

    @abc.abstractmethod
    def flush(self) -> None:
        """Give new rows their ids before the commit, e.g. an inquiry its number."""
