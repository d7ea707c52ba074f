"""Bundle what every use case needs: the unit of work, the clock, the calendar and the rules."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sredesk.core.audit import diff, snapshot
from sredesk.core.clock import PolicyError, ResponsePolicy
from sredesk.core.errors import DeskError, InvalidInput, no_inquiry
from sredesk.core.holiday_rules import CalendarError
from sredesk.core.model import AuditEvent, Comment, Inquiry, Member, Notification
from sredesk.core.rotation_model import PlanningError
from sredesk.core.teamfile import TeamFileError
from sredesk.services.ports import AbstractUnitOfWork, Clock

# Only annotations name these; the calendar (NumPy) is imported when a calendar is built,
# so a command that needs none starts without it.
if TYPE_CHECKING:
    from pwdlib import PasswordHash

    from sredesk.core.calendar import BusinessCalendar

# Every error that means "the input is wrong; nothing changed": the CLI exits 2 on these
# and the API answers 4xx. The core's calendar, clock, planner and team file raise
# ValueErrors of their own rather than depend on the desk's errors.
USER_ERRORS: tuple[type[Exception], ...] = (
    DeskError,
    CalendarError,
    PolicyError,
    PlanningError,
    TeamFileError,
)

Publisher = Callable[["AbstractUnitOfWork", "Inquiry", "Comment", datetime], None]
Observer = Callable[["AbstractUnitOfWork", "Inquiry", str, datetime], None]


@dataclass
class Desk:
    """The ports and settings a service call runs with."""

    unit_of_work: Callable[[], AbstractUnitOfWork]
    clock: Clock
    calendar_config: dict[str, Any] = field(default_factory=dict)
    policy: ResponsePolicy = field(default_factory=ResponsePolicy)
    # An optional resolution target; its clock pauses while waiting on the customer.
    resolution_policy: ResponsePolicy | None = None
    # Called with each public comment the desk writes, inside its transaction: a channel
    # (mail, GitHub) queues what it must send in the outbox there.
    publishers: list[Publisher] = field(default_factory=list)
    # Called after each recorded change to an inquiry, inside its transaction, with the
    # audit action: a channel that mirrors state (GitHub) queues its sync there.
    observers: list[Observer] = field(default_factory=list)
    # Reads the .ics files a configured calendar names; None refuses such calendars.
    read_calendar_file: Callable[[str], str] | None = None
    # Hashes account passwords; None is the accounts service's strong argon2id default.
    # Tests pass a cheaper argon2id so that signing in does not dominate their time.
    password_hasher: PasswordHash | None = None
    _calendars: dict[str, BusinessCalendar] = field(default_factory=dict, repr=False)
    # The calendars whose stored due times the watcher has brought up to date since this
    # desk loaded them (see clocks.recompute_due): once a process is enough.
    due_recomputed: set[str] = field(default_factory=set, repr=False)

    def now(self) -> datetime:
        now = self.clock.now()
        if now.tzinfo is None:
            raise ValueError("the desk clock must give aware datetimes")
        return now

    def publish(
        self, uow: AbstractUnitOfWork, inquiry: Inquiry, comment: Comment, now: datetime
    ) -> None:
        """Hand a public comment to every channel; internal notes never come here."""
        if not comment.public:
            raise ValueError("internal notes are never published")
        uow.flush()  # the comment's id names what the channels queue
        for publisher in self.publishers:
            publisher(uow, inquiry, comment, now)

    def observe(
        self, uow: AbstractUnitOfWork, inquiry: Inquiry, action: str, now: datetime
    ) -> None:
        for observer in self.observers:
            observer(uow, inquiry, action, now)

    def calendar(self, uow: AbstractUnitOfWork) -> BusinessCalendar:
        """The team's business calendar: its holidays, hours and zone are the desk's."""
        return self.calendar_named(uow.team.get().calendar)

    def calendar_named(self, name: str) -> BusinessCalendar:
        if name not in self._calendars:
            from sredesk.core.calendar import load_calendar  # loads NumPy: see the imports

            self._calendars[name] = load_calendar(
                name, self.calendar_config, read_text=self.read_calendar_file
            )
        return self._calendars[name]


def member(uow: AbstractUnitOfWork, handle: str, *, active: bool = True) -> Member:
    found = uow.members.get(handle.lstrip("@"))
    if active and not found.active:
        raise InvalidInput(f"member {found.handle!r} is inactive; reactivate them or pick another")
    return found


# A reader who may not see classified inquiries (a viewer on the web) reads the desk through
# these two: one inquiry, or which inquiries' records to leave out. The shell and the desk's
# workers act with the desk's own rights and see everything.


def readable(uow: AbstractUnitOfWork, number: int, *, see_classified: bool) -> Inquiry:
    """Inquiry `number`, or NotFound: to a reader off the desk, a classified one is not there."""
    inquiry = uow.inquiries.get(number)
    if not inquiry.shown(see_classified=see_classified):
        raise no_inquiry(number)
    return inquiry


def classified_numbers(uow: AbstractUnitOfWork, *, see_classified: bool) -> set[int]:
    """The inquiries whose records the reader must not see: none, or off the desk the classified."""
    return set() if see_classified else uow.inquiries.sensitive_numbers()


@contextmanager
def recorded(
    uow: AbstractUnitOfWork,
    inquiry: Inquiry,
    action: str,
    *,
    actor: str,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> Iterator[None]:
    """Record the change the block makes to `inquiry` as one audit event."""

    def add(fields: dict[str, Any]) -> None:
        uow.audit.add(AuditEvent(**fields))

    with recorded_to(add, inquiry, action, actor=actor, now=now, extra=extra):
        yield


@contextmanager
def recorded_to(
    add: Callable[[dict[str, Any]], None],
    inquiry: Inquiry,
    action: str,
    *,
    actor: str,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> Iterator[None]:
    """Hand the change the block makes to `inquiry` to `add`, as one audit event's fields.

    Fields, not an `AuditEvent`: a bulk writer inserts them as they are, without building
    the mapped object, which costs more than the rest of the event.
    """
    before = snapshot(inquiry)
    yield
    changed_before, changed_after = diff(before, snapshot(inquiry))
    changed_after.update(extra or {})
    add(
        {
            "at": now,
            "actor": actor,
            "action": action,
            "inquiry_number": inquiry.number,
            "before": changed_before,
            "after": changed_after,
        }
    )


def audit(
    uow: AbstractUnitOfWork,
    action: str,
    *,
    actor: str,
    now: datetime,
    after: dict[str, Any],
    before: dict[str, Any] | None = None,
    inquiry_number: int | None = None,
) -> None:
    uow.audit.add(
        AuditEvent(
            at=now,
            actor=actor,
            action=action,
            inquiry_number=inquiry_number,
            before=before or {},
            after=after,
        )
    )


def notify(
    uow: AbstractUnitOfWork,
    recipient: str,
    subject: str,
    body: str,
    *,
    kind: str,
    now: datetime,
    inquiry_number: int | None = None,
    dedupe_key: str | None = None,
) -> None:
    """Queue a notification in this transaction; a sender delivers it after the commit."""
    uow.notifications.add(
        Notification(
            recipient=recipient,
            subject=subject,
            body=body,
            kind=kind,
            created_at=now,
            inquiry_number=inquiry_number,
            dedupe_key=dedupe_key,
        )
    )
