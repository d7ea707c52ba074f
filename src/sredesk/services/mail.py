"""Take e-mail into the desk: store each message once, thread it, open or add to inquiries.

Each message is one transaction (a backfill batch shares one): the stored message, its
comment, its Message-IDs, any merge and any acknowledgement commit together or not at all.
A message that cannot be imported is quarantined with the reason, never dropped.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sredesk.adapters.mail.batches import parsed_batches
from sredesk.adapters.mail.parse import ParsedMessage, parse
from sredesk.core import mailthread
from sredesk.core.errors import InvalidTransition, NotSetUp, first_line
from sredesk.core.mailthread import MailMessage
from sredesk.services.desk import Desk, audit, member
from sredesk.services.mail_arrival import Arrival, Outcome
from sredesk.services.mail_batch import BatchWrites
from sredesk.services.mail_intake import Intake
from sredesk.services.ports import AbstractUnitOfWork, StoreUnavailable
from sredesk.settings import MailSettings

log = logging.getLogger("sredesk.mail")

# Failures that say nothing about the message: the desk is not set up, or its store is down
# or busy. They propagate, so the message stays with whoever delivered it (LMTP answers 451,
# IMAP leaves it unmarked, an import stops and resumes on its next run) instead of being
# quarantined for something it did not do.
_NOT_THE_MESSAGE: tuple[type[Exception], ...] = (NotSetUp, StoreUnavailable)

SUMMARY_KEYS = (
    "messages",
    "inquiries_created",
    "replies_threaded",
    "duplicates",
    "ignored",
    "quarantined",
)
_COUNTED_AS = {
    "created": "inquiries_created",
    "threaded": "replies_threaded",
    "duplicate": "duplicates",
    "ignored": "ignored",
    "quarantined": "quarantined",
    "held": "quarantined",
}

__all__ = [
    "SUMMARY_KEYS",
    "Arrival",
    "Outcome",
    "arrival_for",
    "ingest",
    "ingest_many",
    "is_desk_recipient",
    "quarantine",
    "release",
]


def arrival_for(settings: MailSettings, recipients: Sequence[str]) -> Arrival:
    """How mail delivered to `recipients` arrived: through which lists, if any; the first
    list among them is the one it joins (see `Arrival.list_name`)."""
    found = (settings.list_for(address=address) for address in recipients)
    names = list(dict.fromkeys(entry.name for entry in found if entry is not None))
    if not names:
        return Arrival(envelope_to=tuple(recipients))
    return Arrival(list_name=names[0], envelope_to=tuple(recipients), other_lists=tuple(names[1:]))


def is_desk_recipient(settings: MailSettings, address: str) -> bool:
    """Whether the desk takes mail for `address`: its own, a reply token, or a list's."""
    address = address.strip().strip("<>").lower()
    return (
        address == settings.address.lower()
        or settings.signer.verify_address(address) is not None
        or settings.list_for(address=address) is not None
    )


def ingest(
    desk: Desk, raw: bytes, *, settings: MailSettings, arrival: Arrival | None = None
) -> Outcome:
    """Take one message in, in one transaction; a database failure propagates, nothing else."""
    parsed = parse(raw, attachment_limit=settings.attachment_limit)
    return _ingest_parsed(desk, parsed, settings, arrival or Arrival())


def _ingest_parsed(
    desk: Desk, parsed: ParsedMessage, settings: MailSettings, arrival: Arrival
) -> Outcome:
    try:
        return _take(desk, parsed, settings, arrival)
    except _NOT_THE_MESSAGE:
        raise
    except Exception as first:
        # A second try sees a copy another worker stored meanwhile as a duplicate; if the
        # message itself breaks the intake, it is quarantined with the reason instead.
        log.warning("intake of %s failed once: %s", parsed.message_id, first)
        try:
            return _take(desk, parsed, settings, arrival)
        except _NOT_THE_MESSAGE:
            raise
        except Exception as second:
            log.exception("intake of %s failed; quarantining it", parsed.message_id)
            return _quarantine_failed(desk, parsed, arrival, second)


def _take(desk: Desk, parsed: ParsedMessage, settings: MailSettings, arrival: Arrival) -> Outcome:
    with desk.unit_of_work() as uow:
        outcome = Intake(desk, uow, settings).take(parsed, arrival)
        _record_other_lists(uow, outcome.message_id, arrival)
        uow.commit()
    return outcome


def _record_other_lists(uow: AbstractUnitOfWork, message_id: str, arrival: Arrival) -> None:
    """Add the delivery's further lists to the stored message: the intake records only the
    list it came through."""
    if not arrival.other_lists:
        return
    record = uow.mail.get(message_id)
    if record is None:
        return
    missing = [name for name in arrival.other_lists if name not in record.lists]
    if missing:
        record.lists = [*record.lists, *missing]


def _quarantine_failed(
    desk: Desk, parsed: ParsedMessage, arrival: Arrival, error: Exception
) -> Outcome:
    now = desk.now()
    reason = f"the intake failed: {first_line(error)}"[:2000]
    with desk.unit_of_work() as uow:
        existing = uow.mail.get(parsed.message_id)
        if existing is not None:
            return Outcome("duplicate", parsed.message_id, existing.inquiry_number)
        uow.mail.add(
            MailMessage(
                message_id=parsed.message_id,
                direction="in",
                outcome="quarantined",
                received_at=now,
                sender=parsed.sender[:320],
                subject=parsed.subject[:998],
                lists=arrival.lists,
                reason=reason,
                defects=parsed.defects[:50],
                raw=parsed.raw,
                links=mailthread.links(parsed.message_id, parsed.in_reply_to, parsed.references),
            )
        )
        uow.commit()
    return Outcome("quarantined", parsed.message_id, reason=reason)


def ingest_many(
    desk: Desk,
    messages: Iterable[bytes],
    *,
    settings: MailSettings,
    arrival: Arrival,
    batch_size: int = 200,
    workers: int = 0,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Import many messages, a batch per transaction; return the summary counts.

    A crash loses at most the batch in flight, and running the import again skips what was
    committed, by Message-ID. A batch that fails is redone one message at a time, so one bad
    message is quarantined without holding back the others. `workers` processes parse
    ahead while this one writes.
    """
    summary: Counter[str] = Counter(dict.fromkeys(SUMMARY_KEYS, 0))
    batches = parsed_batches(
        messages, size=batch_size, limit=settings.attachment_limit, workers=workers
    )
    for batch in batches:
        for outcome in _import_batch(desk, batch, settings, arrival):
            summary["messages"] += 1
            summary[_COUNTED_AS[outcome.status]] += 1
        if progress is not None:
            progress(len(batch))
    return {key: summary[key] for key in SUMMARY_KEYS}


def _import_batch(
    desk: Desk, parsed: Sequence[ParsedMessage], settings: MailSettings, arrival: Arrival
) -> list[Outcome]:
    try:
        with desk.unit_of_work() as uow:
            # History is neither rate-limited nor answered, so nothing in the batch reads back
            # the rows that are written in bulk.
            batch = BatchWrites.of(uow) if arrival.backfill else None
            intake = Intake(desk, uow, settings, batch=batch)
            intake.prefetch(parsed)
            outcomes = [intake.take(message, arrival) for message in parsed]
            if batch is not None:
                batch.write()
            uow.commit()
        return outcomes
    except _NOT_THE_MESSAGE:
        raise
    except Exception:
        log.warning("a batch of %d failed; importing it one at a time", len(parsed), exc_info=True)
        return [_ingest_parsed(desk, message, settings, arrival) for message in parsed]


def quarantine(desk: Desk) -> list[dict[str, Any]]:
    """The messages held or quarantined, with the reason, for a member to look at."""
    with desk.unit_of_work() as uow:
        return [
            {
                "id": m.id,
                "message_id": m.message_id,
                "outcome": m.outcome,
                "reason": m.reason,
                "sender": m.sender,
                "subject": m.subject,
                "lists": list(m.lists),
                "received_at": m.received_at.isoformat(),
                "defects": list(m.defects),
            }
            for m in uow.mail.list(outcomes=("quarantined", "held"))
        ]


def release(desk: Desk, row_id: int, *, settings: MailSettings, by: str) -> Outcome:
    """Take a held or quarantined message in again, as if it had just arrived.

    A held message passes the rate limit this time. A quarantined one is judged afresh: one
    the intake failed on may go through once the cause is fixed, and one that is unusable
    (no sender, no text) is quarantined again, with the reason.
    """
    with desk.unit_of_work() as uow:
        by = member(uow, by).handle
        record = uow.mail.get_row(row_id)
        if record.outcome not in ("held", "quarantined"):
            raise InvalidTransition(
                f"mail message {row_id} is {record.outcome}; "
                "only held or quarantined messages can be released"
            )
        parsed = parse(bytes(record.raw), attachment_limit=settings.attachment_limit)
        arrival = Arrival(list_name=record.lists[0] if record.lists else None, released_by=by)
        outcome = Intake(desk, uow, settings).take(parsed, arrival, record=record)
        audit(
            uow,
            "mail.released",
            actor=by,
            now=desk.now(),
            after={"mail": row_id, "message_id": record.message_id, "outcome": outcome.status},
            inquiry_number=outcome.inquiry,
        )
        uow.commit()
    return outcome
