"""Write a backfill batch in bulk: its stored messages and audit events, one statement each.

The unit of work tracks every object it is given, which costs more than the import itself
on a large archive. The rows nothing else in the transaction reads back (the stored
messages and the audit trail) are therefore collected here and inserted together before the
commit, and new inquiries get their numbers up front, so no flush is needed to number them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from sredesk.core.mailthread import MailMessage
from sredesk.core.model import Inquiry
from sredesk.services.desk import recorded_to
from sredesk.services.ports import AbstractUnitOfWork


@runtime_checkable
class _BulkAudit(Protocol):
    def add_many(self, events: Sequence[Mapping[str, Any]]) -> None: ...


@runtime_checkable
class _BulkMail(Protocol):
    def add_many(self, messages: Sequence[MailMessage]) -> None: ...


@runtime_checkable
class _Numbering(Protocol):
    def reserve_number(self) -> int: ...


class BatchWrites:
    """The messages and audit events of one batch, held until `write`, and inquiry numbers."""

    def __init__(self, audit: _BulkAudit, mail: _BulkMail, numbering: _Numbering) -> None:
        self._audit, self._mail, self._numbering = audit, mail, numbering
        self.messages: list[MailMessage] = []
        # Each event's fields (`recorded_to`), inserted as they are.
        self.events: list[dict[str, Any]] = []

    @classmethod
    def of(cls, uow: AbstractUnitOfWork) -> BatchWrites | None:
        """Bulk writes for `uow`, or None when its repositories cannot do them."""
        audit, mail, numbering = uow.audit, uow.mail, uow.inquiries
        if (
            isinstance(audit, _BulkAudit)
            and isinstance(mail, _BulkMail)
            and isinstance(numbering, _Numbering)
        ):
            return cls(audit, mail, numbering)
        return None

    def number(self) -> int:
        return self._numbering.reserve_number()

    def recorded(
        self,
        inquiry: Inquiry,
        action: str,
        *,
        actor: str,
        now: datetime,
        extra: dict[str, Any] | None = None,
    ) -> AbstractContextManager[None]:
        """The same event as `desk.recorded` records, held for `write`."""
        return recorded_to(self.events.append, inquiry, action, actor=actor, now=now, extra=extra)

    def write(self) -> None:
        """Insert what the batch holds, in the order it came; call it before the commit."""
        self._mail.add_many(self.messages)
        self._audit.add_many(self.events)
        self.messages, self.events = [], []
