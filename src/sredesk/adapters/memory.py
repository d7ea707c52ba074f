"""Keep the desk in memory, with real commit and rollback, for the tests of the layers above."""

from __future__ import annotations

import pickle
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sredesk.adapters.memory_accounts import AccountState, MemoryAccountRepository
from sredesk.adapters.memory_github import GitHubState, MemoryGitHubRepository
from sredesk.core.errors import NotFound, NotSetUp, no_inquiry
from sredesk.core.mailthread import InquiryAlias, MailMessage
from sredesk.core.model import (
    INQUIRY_CHILDREN,
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
    SwapRequest,
    SwapRequestStatus,
    Team,
    TimeOff,
)
from sredesk.core.queue import QueueQuery, matches, queue_order
from sredesk.services.ports import AbstractUnitOfWork


@dataclass
class _State:
    team: Team | None = None
    inquiries: list[Inquiry] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    time_off: list[TimeOff] = field(default_factory=list)
    shifts: list[Shift] = field(default_factory=list)
    effort: list[EffortEntry] = field(default_factory=list)
    audit: list[AuditEvent] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    plans: list[RotationPlan] = field(default_factory=list)
    swaps: list[Swap] = field(default_factory=list)
    swap_requests: list[SwapRequest] = field(default_factory=list)
    tokens: list[FeedToken] = field(default_factory=list)
    feed_events: list[FeedEvent] = field(default_factory=list)
    outbox: list[OutboundMessage] = field(default_factory=list)
    mail: list[MailMessage] = field(default_factory=list)
    aliases: list[InquiryAlias] = field(default_factory=list)
    github: GitHubState = field(default_factory=GitHubState)
    accounts: AccountState = field(default_factory=AccountState)
    next_id: int = 1


class MemoryStore:
    """The committed state that every MemoryUnitOfWork opened on it shares."""

    def __init__(self) -> None:
        self.state = _State()

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)


class _Repo:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    @property
    def _s(self) -> _State:
        return self._uow.work

    def _new_id(self) -> int:
        value = self._s.next_id
        self._s.next_id += 1
        return value


class _Team(_Repo):
    def get(self) -> Team:
        if self._s.team is None:
            raise NotSetUp("the desk has no team yet; run 'sredesk init'")
        return self._s.team

    def add(self, team: Team) -> None:
        team.id = self._new_id()
        self._s.team = team


class _Inquiries(_Repo):
    def add(self, inquiry: Inquiry) -> None:
        inquiry.number = max((i.number or 0 for i in self._s.inquiries), default=0) + 1
        self._s.inquiries.append(inquiry)

    def reserve_number(self) -> int:
        return max((i.number or 0 for i in self._s.inquiries), default=0) + 1

    def get(self, number: int) -> Inquiry:
        for inquiry in self._s.inquiries:
            if inquiry.number == number:
                return inquiry
        raise no_inquiry(number)

    def get_many(self, numbers: Collection[int]) -> dict[int, Inquiry]:
        wanted = set(numbers)
        return {i.number: i for i in self._s.inquiries if i.number in wanted}

    def list(
        self,
        *,
        state: State | None = None,
        assignee: str | None = None,
        channel: Channel | None = None,
        open_only: bool = False,
    ) -> Sequence[Inquiry]:
        found = [
            i
            for i in self._s.inquiries
            if (state is None or i.state == state)
            and (assignee is None or i.assignee == assignee)
            and (channel is None or i.channel == channel)
            and (not open_only or i.is_open)
        ]
        return sorted(found, key=lambda i: i.number or 0)

    def by_message_id(self, message_id: str) -> Inquiry | None:
        return next((i for i in self._s.inquiries if message_id in i.message_ids), None)

    def queue(self, query: QueueQuery) -> tuple[Sequence[Inquiry], int]:
        found = sorted((i for i in self._s.inquiries if matches(i, query)), key=queue_order)
        return found[query.offset : query.offset + query.limit], len(found)

    def open_sources(self, *, see_classified: bool = True) -> Sequence[str]:
        return sorted(
            {
                i.source
                for i in self._s.inquiries
                if i.is_open and i.source and i.shown(see_classified=see_classified)
            }
        )

    def sensitive_numbers(self) -> set[int]:
        return {i.number for i in self._s.inquiries if i.sensitive and i.number is not None}


class _Members(_Repo):
    def add(self, member: Member) -> None:
        member.id = self._new_id()
        self._s.members.append(member)

    def find(self, handle: str) -> Member | None:
        return next((m for m in self._s.members if m.handle == handle), None)

    def get(self, handle: str) -> Member:
        member = self.find(handle)
        if member is None:
            raise NotFound(f"no member {handle!r}; list them with 'sredesk member list'")
        return member

    def list(self, *, active_only: bool = False) -> Sequence[Member]:
        return [m for m in self._s.members if m.active or not active_only]

    def add_time_off(self, time_off: TimeOff) -> None:
        time_off.id = self._new_id()
        self._s.time_off.append(time_off)

    def time_off(self, handle: str | None = None) -> Sequence[TimeOff]:
        return [t for t in self._s.time_off if handle is None or t.member == handle]

    def find_time_off(self, time_off_id: int) -> TimeOff | None:
        return next((t for t in self._s.time_off if t.id == time_off_id), None)

    def remove_time_off(self, time_off: TimeOff) -> None:
        self._s.time_off.remove(time_off)


class _Shifts(_Repo):
    def add(self, shift: Shift) -> None:
        shift.id = self._new_id()
        self._s.shifts.append(shift)

    def find(self, week_start: date) -> Shift | None:
        return next((s for s in self._s.shifts if s.week_start == week_start), None)

    def get(self, week_start: date) -> Shift:
        shift = self.find(week_start)
        if shift is None:
            raise NotFound(f"no shift for the week of {week_start}; plan or add one first")
        return shift

    def list(self, *, start: date | None = None, end: date | None = None) -> Sequence[Shift]:
        found = [
            s
            for s in self._s.shifts
            if (start is None or s.week_start + timedelta(days=6) >= start)
            and (end is None or s.week_start <= end)
        ]
        return sorted(found, key=lambda s: s.week_start)


class _Effort(_Repo):
    def add(self, entry: EffortEntry) -> None:
        entry.id = self._new_id()
        self._s.effort.append(entry)

    def list(
        self, *, member: str | None = None, inquiry_number: int | None = None
    ) -> Sequence[EffortEntry]:
        return [
            e
            for e in self._s.effort
            if (member is None or e.member == member)
            and (inquiry_number is None or e.inquiry_number == inquiry_number)
        ]


class _Audit(_Repo):
    def add(self, event: AuditEvent) -> None:
        event.id = self._new_id()
        self._s.audit.append(event)

    def add_many(self, events: Sequence[Mapping[str, Any]]) -> None:
        for fields in events:
            self.add(AuditEvent(**fields))

    def list(self, *, inquiry_number: int | None = None) -> Sequence[AuditEvent]:
        return [
            e for e in self._s.audit if inquiry_number is None or e.inquiry_number == inquiry_number
        ]


class _Notifications(_Repo):
    def add(self, notification: Notification) -> None:
        notification.id = self._new_id()
        self._s.notifications.append(notification)

    def list(self, *, pending_only: bool = False) -> Sequence[Notification]:
        return [n for n in self._s.notifications if n.sent_at is None or not pending_only]

    def has_key(self, dedupe_key: str) -> bool:
        return any(n.dedupe_key == dedupe_key for n in self._s.notifications)


class _Rotation(_Repo):
    def add_plan(self, plan: RotationPlan) -> None:
        plan.id = self._new_id()
        self._s.plans.append(plan)

    def get_plan(self, plan_id: int) -> RotationPlan:
        for plan in self._s.plans:
            if plan.id == plan_id:
                return plan
        raise NotFound(f"no plan {plan_id}; list them with 'sredesk schedule plans'")

    def plans(self, *, status: PlanStatus | None = None) -> Sequence[RotationPlan]:
        return [p for p in self._s.plans if status is None or p.status == status]

    def add_swap(self, swap: Swap) -> None:
        swap.id = self._new_id()
        self._s.swaps.append(swap)

    def swaps(self) -> Sequence[Swap]:
        return list(self._s.swaps)

    def add_swap_request(self, request: SwapRequest) -> None:
        request.id = self._new_id()
        self._s.swap_requests.append(request)

    def get_swap_request(self, request_id: int) -> SwapRequest:
        for request in self._s.swap_requests:
            if request.id == request_id:
                return request
        raise NotFound(f"no swap request {request_id}; see the rotation page")

    def swap_requests(
        self, *, since: date | None = None, open_only: bool = True
    ) -> Sequence[SwapRequest]:
        found = [
            r
            for r in self._s.swap_requests
            if (since is None or r.week_start >= since)
            and (not open_only or r.status is SwapRequestStatus.OPEN)
        ]
        return sorted(found, key=lambda r: (r.week_start, r.id or 0))

    def close_swap_request(
        self, request: SwapRequest, status: SwapRequestStatus, at: datetime, by: str
    ) -> bool:
        if request.status is not SwapRequestStatus.OPEN:
            return False
        request.status, request.closed_at, request.closed_by = status, at, by
        return True

    def add_token(self, token: FeedToken) -> None:
        token.id = self._new_id()
        self._s.tokens.append(token)

    def tokens(self) -> Sequence[FeedToken]:
        return list(self._s.tokens)

    def add_feed_events(self, events: Sequence[FeedEvent]) -> None:
        stored = {e.uid for e in self._s.feed_events}
        for event in events:
            if event.uid not in stored:
                event.id = self._new_id()
                self._s.feed_events.append(event)
                stored.add(event.uid)

    def feed_events(self) -> Sequence[FeedEvent]:
        return list(self._s.feed_events)


class _Outbox(_Repo):
    def add(self, message: OutboundMessage) -> None:
        if message.dedupe_key is not None and self.has_key(message.dedupe_key):
            raise ValueError(f"outbox key {message.dedupe_key} is taken")  # as the database would
        message.id = self._new_id()
        self._s.outbox.append(message)

    def get(self, message_id: int) -> OutboundMessage:
        for message in self._s.outbox:
            if message.id == message_id:
                return message
        raise NotFound(f"no outbound message {message_id}")

    def has_key(self, dedupe_key: str) -> bool:
        return any(m.dedupe_key == dedupe_key for m in self._s.outbox)

    def due(
        self, now: datetime, *, channels: Collection[str], limit: int = 100
    ) -> Sequence[OutboundMessage]:
        return [
            m
            for m in self._s.outbox
            if m.channel in channels
            and m.sent_at is None
            and not m.failed
            and (m.next_attempt_at is None or m.next_attempt_at <= now)
        ][:limit]

    def claim(self, message_id: int, now: datetime, until: datetime) -> bool:
        message = self.get(message_id)
        if message.sent_at is not None or message.failed:
            return False
        if message.next_attempt_at is not None and message.next_attempt_at > now:
            return False
        message.next_attempt_at = until
        message.attempts += 1
        return True

    def list(
        self, *, inquiry_number: int | None = None, pending_only: bool = False
    ) -> Sequence[OutboundMessage]:
        return [
            m
            for m in self._s.outbox
            if (inquiry_number is None or m.inquiry_number == inquiry_number)
            and (not pending_only or m.sent_at is None)
        ]


class _Mail(_Repo):
    def add(self, message: MailMessage) -> None:
        if self.get(message.message_id) is not None:
            raise ValueError(f"message {message.message_id} is stored already")  # as the database
        message.id = self._new_id()
        self._s.mail.append(message)

    def add_many(self, messages: Sequence[MailMessage]) -> None:
        for message in messages:
            self.add(message)

    def get(self, message_id: str) -> MailMessage | None:
        return next((m for m in self._s.mail if m.message_id == message_id), None)

    def known(self, message_ids: Sequence[str]) -> set[str]:
        wanted = set(message_ids)
        return {m.message_id for m in self._s.mail if m.message_id in wanted}

    def get_row(self, row_id: int) -> MailMessage:
        found = next((m for m in self._s.mail if m.id == row_id), None)
        if found is None:
            raise NotFound(f"no mail message {row_id}; list them with 'sredesk mail quarantine'")
        return found

    def list(self, *, outcomes: Sequence[str] = ()) -> Sequence[MailMessage]:
        return [m for m in self._s.mail if not outcomes or m.outcome in outcomes]

    def holders(self, message_ids: Sequence[str]) -> dict[str, int]:
        wanted = set(message_ids)
        return {
            ref.message_id: inquiry.number
            for inquiry in self._s.inquiries
            if inquiry.number is not None
            for ref in inquiry.message_refs
            if ref.message_id in wanted
        }

    def unheld_links(self, message_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        wanted = set(message_ids)
        return {
            m.message_id: tuple(m.links)
            for m in self._s.mail
            if m.message_id in wanted and m.inquiry_number is None
        }

    def count_from(self, sender: str, since: datetime) -> int:
        return sum(
            1
            for m in self._s.mail
            if m.sender == sender and m.received_at >= since and m.direction == "in"
        )

    def add_alias(self, alias: InquiryAlias) -> None:
        alias.id = self._new_id()
        self._s.aliases.append(alias)

    def aliases(self) -> dict[int, int]:
        return {a.merged_number: a.into_number for a in self._s.aliases}

    def outbound(self, dedupe_key: str) -> OutboundMessage | None:
        return next((m for m in self._s.outbox if m.dedupe_key == dedupe_key), None)


class MemoryUnitOfWork(AbstractUnitOfWork):
    """Works on a private copy of the store; commit publishes it, rollback discards it."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._work: _State | None = None
        self.commits = 0
        self.team = _Team(self)
        self.inquiries = _Inquiries(self)
        self.members = _Members(self)
        self.shifts = _Shifts(self)
        self.effort = _Effort(self)
        self.audit = _Audit(self)
        self.notifications = _Notifications(self)
        self.rotation = _Rotation(self)
        self.outbox = _Outbox(self)
        self.mail = _Mail(self)
        self.github = MemoryGitHubRepository(self)
        self.accounts = MemoryAccountRepository(self)

    @property
    def account_state(self) -> AccountState:
        return self.work.accounts

    @property
    def github_state(self) -> GitHubState:
        return self.work.github

    @property
    def work(self) -> _State:
        if self._work is None:
            # A pickle round trip is a deep copy made in C: several times quicker than
            # copy.deepcopy on a store of plain dataclasses, and the same copy.
            self._work = pickle.loads(pickle.dumps(self._store.state, pickle.HIGHEST_PROTOCOL))
        return self._work

    def commit(self) -> None:
        self.flush()
        self._store.state = self.work
        self._work = None
        self.commits += 1

    def rollback(self) -> None:
        self._work = None

    def flush(self) -> None:
        """Number the new children of inquiries and shifts, as the database would."""
        state = self.work
        children: list[Any] = []
        for inquiry in state.inquiries:
            for name in INQUIRY_CHILDREN:
                children.extend(getattr(inquiry, name))
        for shift in state.shifts:
            children.extend(shift.delegations)
        for plan in state.plans:
            children.extend(plan.weeks)
        for child in children:
            if child.id is None:
                child.id = state.next_id
                state.next_id += 1


class FixedClock:
    """A clock the tests set and move by hand."""

    def __init__(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta
