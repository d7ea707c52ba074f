"""Read and write the desk's entities through one SQLAlchemy session."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, Table, func, insert, or_, select, update
from sqlalchemy.orm import Session, lazyload, selectinload
from sqlalchemy.sql.elements import ColumnElement

from sredesk.adapters.db import tables as t
from sredesk.core.errors import NotFound, NotSetUp, no_inquiry
from sredesk.core.mailthread import InquiryAlias, MailMessage
from sredesk.core.model import (
    OPEN_STATES,
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
from sredesk.core.queue import QueueQuery


class _Repo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _insert_rows(self, table: Table, items: Sequence[object]) -> None:
        # One executemany outside the unit of work: the objects stay transient, without ids.
        names = [c.name for c in table.columns if c.name != "id"]
        if items:
            rows = [{name: getattr(item, name) for name in names} for item in items]
            self.session.execute(insert(table), rows)


class SqlTeamRepository(_Repo):
    def get(self) -> Team:
        team = self.session.scalars(select(Team).order_by(t.teams.c.id).limit(1)).first()
        if team is None:
            raise NotSetUp("the desk has no team yet; run 'sredesk init'")
        return team

    def add(self, team: Team) -> None:
        self.session.add(team)


class SqlInquiryRepository(_Repo):
    # The last number `reserve_number` gave on SQLite: the transaction's own inquiries are
    # not in the table until the flush.
    _highest: int | None = None

    def add(self, inquiry: Inquiry) -> None:
        self.session.add(inquiry)

    def get(self, number: int) -> Inquiry:
        inquiry = self.session.get(Inquiry, number)
        if inquiry is None:
            raise no_inquiry(number)
        return inquiry

    def get_many(self, numbers: Collection[int]) -> dict[int, Inquiry]:
        # The children come in one query per kind for the whole chunk, not per inquiry; the
        # attachments too (without their bodies), since every audit snapshot reads them.
        wanted = sorted(set(numbers))
        found: dict[int, Inquiry] = {}
        for start in range(0, len(wanted), 500):
            query = (
                select(Inquiry)
                .where(t.inquiries.c.number.in_(wanted[start : start + 500]))
                .options(selectinload(Inquiry.attachments))  # type: ignore[arg-type]
            )
            found.update((i.number, i) for i in self.session.scalars(query) if i.number)
        return found

    def list(
        self,
        *,
        state: State | None = None,
        assignee: str | None = None,
        channel: Channel | None = None,
        open_only: bool = False,
    ) -> Sequence[Inquiry]:
        c = t.inquiries.c
        query = select(Inquiry).order_by(c.number)
        if state is not None:
            query = query.where(c.state == state)
        if assignee is not None:
            query = query.where(c.assignee == assignee)
        if channel is not None:
            query = query.where(c.channel == channel)
        if open_only:
            query = query.where(c.state.in_(list(OPEN_STATES)))
        return self.session.scalars(query).all()

    def by_message_id(self, message_id: str) -> Inquiry | None:
        refs = t.message_refs.c
        query = (
            select(Inquiry)
            .join(t.message_refs, refs.inquiry_number == t.inquiries.c.number)
            .where(refs.message_id == message_id)
        )
        return self.session.scalars(query).first()

    def queue(self, query: QueueQuery) -> tuple[Sequence[Inquiry], int]:
        c = t.inquiries.c
        where: list[ColumnElement[bool]] = [c.state.in_(list(OPEN_STATES))]
        if query.unassigned:
            where.append(c.assignee.is_(None))
        if query.assignee is not None:
            where.append(c.assignee == query.assignee)
        if query.source is not None:
            where.append(c.source == query.source)
        if not query.see_classified:
            where.append(c.sensitive.is_(False))
        text = query.search.strip()
        if query.number is not None and text.startswith("#"):
            where.append(c.number == query.number)
        elif query.number is not None:
            where.append(or_(c.number == query.number, c.title.contains(text, autoescape=True)))
        elif text:
            where.append(c.title.icontains(text, autoescape=True))
        total = self.session.scalar(select(func.count()).select_from(t.inquiries).where(*where))
        page = (
            select(Inquiry)
            .where(*where)
            .order_by(c.first_response_at.is_not(None), c.response_due, c.number)
            # A queue row shows no comments, links or other children: skip their eight
            # selectin queries; they load on first access, as lazily as ever.
            .options(lazyload("*"))
            .offset(query.offset)
            .limit(query.limit)
        )
        return self.session.scalars(page).all(), total or 0

    def open_sources(self, *, see_classified: bool = True) -> Sequence[str]:
        c = t.inquiries.c
        query = (
            select(c.source)
            .where(c.state.in_(list(OPEN_STATES)), c.source != "")
            .distinct()
            .order_by(c.source)
        )
        if not see_classified:
            query = query.where(c.sensitive.is_(False))
        return self.session.scalars(query).all()

    def sensitive_numbers(self) -> set[int]:
        c = t.inquiries.c
        return set(self.session.scalars(select(c.number).where(c.sensitive.is_(True))))

    def reserve_number(self) -> int:
        """A number for an inquiry added with it already set, so no flush has to number it.

        On SQLite, as the table would, the highest number plus one; a concurrent writer that
        takes it first makes the commit fail, and nothing is written. On PostgreSQL, the
        column's sequence.
        """
        with self.session.no_autoflush:
            if self.session.get_bind().dialect.name == "postgresql":
                sequence = func.pg_get_serial_sequence("inquiries", "number")
                return int(self.session.execute(select(func.nextval(sequence))).scalar_one())
            if self._highest is None:
                found = self.session.execute(select(func.max(t.inquiries.c.number))).scalar()
                self._highest = int(found or 0)
        self._highest += 1
        return self._highest


class SqlMemberRepository(_Repo):
    def add(self, member: Member) -> None:
        self.session.add(member)

    def find(self, handle: str) -> Member | None:
        return self.session.scalars(select(Member).where(t.members.c.handle == handle)).first()

    def get(self, handle: str) -> Member:
        member = self.find(handle)
        if member is None:
            raise NotFound(f"no member {handle!r}; list them with 'sredesk member list'")
        return member

    def list(self, *, active_only: bool = False) -> Sequence[Member]:
        query = select(Member).order_by(t.members.c.handle)
        if active_only:
            query = query.where(t.members.c.active.is_(True))
        return self.session.scalars(query).all()

    def add_time_off(self, time_off: TimeOff) -> None:
        self.session.add(time_off)

    def time_off(self, handle: str | None = None) -> Sequence[TimeOff]:
        query = select(TimeOff).order_by(t.time_off.c.start, t.time_off.c.id)
        if handle is not None:
            query = query.where(t.time_off.c.member == handle)
        return self.session.scalars(query).all()

    def find_time_off(self, time_off_id: int) -> TimeOff | None:
        return self.session.get(TimeOff, time_off_id)

    def remove_time_off(self, time_off: TimeOff) -> None:
        self.session.delete(time_off)


class SqlShiftRepository(_Repo):
    def add(self, shift: Shift) -> None:
        self.session.add(shift)

    def find(self, week_start: date) -> Shift | None:
        return self.session.scalars(
            select(Shift).where(t.shifts.c.week_start == week_start)
        ).first()

    def get(self, week_start: date) -> Shift:
        shift = self.find(week_start)
        if shift is None:
            raise NotFound(f"no shift for the week of {week_start}; plan or add one first")
        return shift

    def list(self, *, start: date | None = None, end: date | None = None) -> Sequence[Shift]:
        c = t.shifts.c
        query = select(Shift).order_by(c.week_start)
        if start is not None:
            query = query.where(c.week_start >= start - timedelta(days=6))
        if end is not None:
            query = query.where(c.week_start <= end)
        return self.session.scalars(query).all()


class SqlEffortRepository(_Repo):
    def add(self, entry: EffortEntry) -> None:
        self.session.add(entry)

    def list(
        self, *, member: str | None = None, inquiry_number: int | None = None
    ) -> Sequence[EffortEntry]:
        c = t.effort_entries.c
        query = select(EffortEntry).order_by(c.on, c.id)
        if member is not None:
            query = query.where(c.member == member)
        if inquiry_number is not None:
            query = query.where(c.inquiry_number == inquiry_number)
        return self.session.scalars(query).all()


class SqlAuditRepository(_Repo):
    def add(self, event: AuditEvent) -> None:
        self.session.add(event)

    def add_many(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Insert events, given as their fields, in one statement outside the session: the
        bulk path of a backfill."""
        if events:
            self.session.execute(insert(t.audit_events), list(events))

    def list(self, *, inquiry_number: int | None = None) -> Sequence[AuditEvent]:
        c = t.audit_events.c
        query = select(AuditEvent).order_by(c.id)
        if inquiry_number is not None:
            query = query.where(c.inquiry_number == inquiry_number)
        return self.session.scalars(query).all()


class SqlNotificationRepository(_Repo):
    def add(self, notification: Notification) -> None:
        self.session.add(notification)

    def list(self, *, pending_only: bool = False) -> Sequence[Notification]:
        c = t.notifications.c
        query = select(Notification).order_by(c.id)
        if pending_only:
            query = query.where(c.sent_at.is_(None))
        return self.session.scalars(query).all()

    def has_key(self, dedupe_key: str) -> bool:
        c = t.notifications.c
        found = self.session.execute(select(c.id).where(c.dedupe_key == dedupe_key)).first()
        return found is not None


class SqlRotationRepository(_Repo):
    def add_plan(self, plan: RotationPlan) -> None:
        self.session.add(plan)

    def get_plan(self, plan_id: int) -> RotationPlan:
        plan = self.session.get(RotationPlan, plan_id)
        if plan is None:
            raise NotFound(f"no plan {plan_id}; list them with 'sredesk schedule plans'")
        return plan

    def plans(self, *, status: PlanStatus | None = None) -> Sequence[RotationPlan]:
        c = t.rotation_plans.c
        query = select(RotationPlan).order_by(c.id)
        if status is not None:
            query = query.where(c.status == status)
        return self.session.scalars(query).all()

    def add_swap(self, swap: Swap) -> None:
        self.session.add(swap)

    def swaps(self) -> Sequence[Swap]:
        return self.session.scalars(select(Swap).order_by(t.swaps.c.id)).all()

    def add_swap_request(self, request: SwapRequest) -> None:
        self.session.add(request)

    def get_swap_request(self, request_id: int) -> SwapRequest:
        found = self.session.get(SwapRequest, request_id)
        if found is None:
            raise NotFound(f"no swap request {request_id}; see the rotation page")
        return found

    def swap_requests(
        self, *, since: date | None = None, open_only: bool = True
    ) -> Sequence[SwapRequest]:
        c = t.swap_requests.c
        query = select(SwapRequest).order_by(c.week_start, c.id)
        if since is not None:
            query = query.where(c.week_start >= since)
        if open_only:
            query = query.where(c.status == SwapRequestStatus.OPEN)
        return self.session.scalars(query).all()

    def close_swap_request(
        self, request: SwapRequest, status: SwapRequestStatus, at: datetime, by: str
    ) -> bool:
        # The status in the WHERE is read after any other transaction's write to the row has
        # committed (PostgreSQL waits on its lock), not from what this session loaded.
        c = t.swap_requests.c
        result = self.session.execute(
            update(t.swap_requests)
            .where(c.id == request.id, c.status == SwapRequestStatus.OPEN)
            .values(status=status, closed_at=at, closed_by=by)
        )
        assert isinstance(result, CursorResult)
        if result.rowcount != 1:
            return False
        request.status, request.closed_at, request.closed_by = status, at, by
        return True

    def add_token(self, token: FeedToken) -> None:
        self.session.add(token)

    def tokens(self) -> Sequence[FeedToken]:
        return self.session.scalars(select(FeedToken).order_by(t.feed_tokens.c.id)).all()

    def add_feed_events(self, events: Sequence[FeedEvent]) -> None:
        # ON CONFLICT DO NOTHING: a render beside this one may store the same UID first. On
        # PostgreSQL the insert waits for that render to commit, on SQLite for its write lock.
        if not events:
            return
        rows = [
            {"uid": e.uid, "sequence": e.sequence, "fingerprint": e.fingerprint} for e in events
        ]
        # Imported here: loading the PostgreSQL dialect costs a SQLite desk's every command.
        from sqlalchemy.dialects import postgresql, sqlite

        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        statement = dialect.insert(t.feed_events).on_conflict_do_nothing(
            index_elements=[t.feed_events.c.uid]
        )
        self.session.execute(statement, rows)

    def feed_events(self) -> Sequence[FeedEvent]:
        return self.session.scalars(select(FeedEvent).order_by(t.feed_events.c.id)).all()


class SqlOutboxRepository(_Repo):
    def add(self, message: OutboundMessage) -> None:
        self.session.add(message)

    def get(self, message_id: int) -> OutboundMessage:
        found = self.session.get(OutboundMessage, message_id)
        if found is None:
            raise NotFound(f"no outbound message {message_id}")
        return found

    def has_key(self, dedupe_key: str) -> bool:
        c = t.outbox.c
        return (
            self.session.execute(select(c.id).where(c.dedupe_key == dedupe_key)).first() is not None
        )

    def due(
        self, now: datetime, *, channels: Collection[str], limit: int = 100
    ) -> Sequence[OutboundMessage]:
        c = t.outbox.c
        query = (
            select(OutboundMessage)
            .where(c.channel.in_(list(channels)))
            .where(c.sent_at.is_(None), c.failed.is_(False))
            .where(or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now))
            .order_by(c.id)
            .limit(limit)
        )
        return self.session.scalars(query).all()

    def claim(self, message_id: int, now: datetime, until: datetime) -> bool:
        # One conditional UPDATE: the database checks and takes the row together, so of two
        # workers racing for it, the second's condition no longer holds once the first
        # commits (PostgreSQL re-checks a row it waited for), and it updates nothing.
        c = t.outbox.c
        statement = (
            update(t.outbox)
            .where(c.id == message_id, c.sent_at.is_(None), c.failed.is_(False))
            .where(or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now))
            .values(next_attempt_at=until, attempts=c.attempts + 1)
        )
        result = self.session.execute(statement)
        assert isinstance(result, CursorResult)
        return result.rowcount == 1

    def list(
        self, *, inquiry_number: int | None = None, pending_only: bool = False
    ) -> Sequence[OutboundMessage]:
        c = t.outbox.c
        query = select(OutboundMessage).order_by(c.id)
        if inquiry_number is not None:
            query = query.where(c.inquiry_number == inquiry_number)
        if pending_only:
            query = query.where(c.sent_at.is_(None))
        return self.session.scalars(query).all()


class SqlMailRepository(_Repo):
    def add(self, message: MailMessage) -> None:
        self.session.add(message)

    def add_many(self, messages: Sequence[MailMessage]) -> None:
        """Insert messages in one statement, outside the session: the bulk path of a backfill."""
        self._insert_rows(t.mail_messages, messages)

    def get(self, message_id: str) -> MailMessage | None:
        c = t.mail_messages.c
        return self.session.scalars(select(MailMessage).where(c.message_id == message_id)).first()

    def known(self, message_ids: Sequence[str]) -> set[str]:
        c = t.mail_messages.c
        wanted = list(dict.fromkeys(message_ids))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            query = select(c.message_id).where(c.message_id.in_(wanted[start : start + 500]))
            found.update(self.session.scalars(query))
        return found

    def get_row(self, row_id: int) -> MailMessage:
        found = self.session.get(MailMessage, row_id)
        if found is None:
            raise NotFound(f"no mail message {row_id}; list them with 'sredesk mail quarantine'")
        return found

    def list(self, *, outcomes: Sequence[str] = ()) -> Sequence[MailMessage]:
        c = t.mail_messages.c
        query = select(MailMessage).order_by(c.id)
        if outcomes:
            query = query.where(c.outcome.in_(list(outcomes)))
        return self.session.scalars(query).all()

    def holders(self, message_ids: Sequence[str]) -> dict[str, int]:
        refs = t.message_refs.c
        found: dict[str, int] = {}
        wanted = list(dict.fromkeys(message_ids))
        # Chunks keep the IN list under every backend's parameter limit.
        for start in range(0, len(wanted), 500):
            query = select(refs.message_id, refs.inquiry_number).where(
                refs.message_id.in_(wanted[start : start + 500])
            )
            found.update({row[0]: row[1] for row in self.session.execute(query)})
        return found

    def unheld_links(self, message_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """The ids that stored messages no inquiry holds (quarantined, ignored, held) name."""
        c = t.mail_messages.c
        found: dict[str, tuple[str, ...]] = {}
        wanted = list(dict.fromkeys(message_ids))
        # Messages stored in this transaction are the caller's to know (the intake keeps
        # them): flushing everything pending only to ask about older ones costs a flush.
        with self.session.no_autoflush:
            for start in range(0, len(wanted), 500):
                query = select(c.message_id, c.links).where(
                    c.message_id.in_(wanted[start : start + 500]), c.inquiry_number.is_(None)
                )
                rows = self.session.execute(query)
                found.update({row[0]: tuple(row[1] or ()) for row in rows})
        return found

    def count_from(self, sender: str, since: datetime) -> int:
        c = t.mail_messages.c
        query = select(func.count()).where(
            c.sender == sender, c.received_at >= since, c.direction == "in"
        )
        return int(self.session.execute(query).scalar_one())

    def add_alias(self, alias: InquiryAlias) -> None:
        self.session.add(alias)

    def aliases(self) -> dict[int, int]:
        c = t.inquiry_aliases.c
        return {
            row[0]: row[1] for row in self.session.execute(select(c.merged_number, c.into_number))
        }

    def outbound(self, dedupe_key: str) -> OutboundMessage | None:
        c = t.outbox.c
        return self.session.scalars(
            select(OutboundMessage).where(c.dedupe_key == dedupe_key)
        ).first()
