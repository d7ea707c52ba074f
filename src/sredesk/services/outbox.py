"""Deliver what the desk queued to send: each message claimed, sent once, retried with backoff.

A worker claims a message by pushing its next attempt past a lease before it sends, in one
conditional UPDATE of its own, so two workers never send it at once. A send that fails is
retried later with exponential backoff, and given up after `max_attempts`, visibly. A process
that dies between sending and recording the send will send again once the lease runs out. An
e-mail keeps its Message-ID when sent again, so mail clients recognise the repeat. GitHub has
no idempotency key: a repeated write shows there twice (the desk's hidden marker in a comment
only lets the desk recognise the echo of its own writes). So a GitHub message retried after a
failure repeats only writes that are harmless to repeat, and its one write that is not (a
comment, a new issue) comes last. A message some recipients refused is sent for the
others: the refusal is recorded on it and audited ("outbox.refused"), and those refused only
for now get the same message later, queued as a message of its own (see `PartlyDelivered`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sredesk.core.errors import InvalidTransition, NotFound, first_line
from sredesk.core.model import OutboundMessage
from sredesk.services.desk import Desk, audit, classified_numbers
from sredesk.services.ports import AbstractUnitOfWork, StoreUnavailable
from sredesk.services.views import outbox_view

log = logging.getLogger("sredesk.outbox")

LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)


class DeliveryError(Exception):
    """The send failed; it may work later, not before `retry_at` when the peer said so."""

    retry_at: datetime | None = None


class ChannelUnavailable(DeliveryError):
    """The peer takes no message now, whichever it is: it cannot be reached, or it refused
    the desk's own login. No message is at fault, so none is given up: the channel waits
    `pause` and tries again, for as long as it takes."""

    def __init__(self, message: str, pause: timedelta) -> None:
        super().__init__(message)
        self.pause = pause


class PermanentDeliveryError(DeliveryError):
    """The send can never work as it stands (e.g. a rejected address); do not retry."""


class PartlyDelivered(Exception):
    """The send went through, but the peer refused some recipients (an SMTP RCPT answer).

    The message counts as sent: sending it again would repeat it for those who got it. The
    refusal is recorded on it and audited. `retry_payload`, when set, is the same message
    addressed only to the recipients refused for now (a 4xx answer); the outbox queues it
    as a message of its own, retried with backoff like any other.
    """

    def __init__(self, refusal: str, retry_payload: dict[str, Any] | None = None) -> None:
        super().__init__(refusal)
        self.retry_payload = retry_payload


class Sender(Protocol):
    def send(self, message: OutboundMessage) -> None: ...


def queue(uow: AbstractUnitOfWork, message: OutboundMessage) -> bool:
    """Queue `message` in the caller's transaction; False when its key is queued already."""
    if message.dedupe_key is not None and uow.outbox.has_key(message.dedupe_key):
        return False
    uow.outbox.add(message)
    return True


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_due(
    desk: Desk, senders: Mapping[str, Sender], *, limit: int = 100, max_attempts: int = 8
) -> DeliveryReport:
    """Send every due message whose channel has a sender.

    A peer that says when to come back (a rate limit's reset, or a pause after it refused the
    desk's credentials), or one that cannot be reached, stops its channel's pass: the
    channel's other due messages wait until then, and the attempt is not counted against
    `max_attempts`, since the message itself is not at fault.
    """
    report = DeliveryReport()
    now = desk.now()
    with desk.unit_of_work() as uow:
        # Filtered in the query: a backlog of one channel must not hide another's messages.
        due = [(m.id, m.channel) for m in uow.outbox.due(now, channels=list(senders), limit=limit)]
    paused: dict[str, datetime] = {}
    for message_id, channel in due:
        assert message_id is not None
        if channel in paused:
            report.retrying += _postpone(desk, message_id, paused[channel])
            continue
        claimed = _claim(desk, message_id)
        if claimed is None:
            continue
        try:
            senders[claimed.channel].send(claimed)
        except PartlyDelivered as partly:
            _record_partly_sent(desk, claimed, partly)
            log.warning("outbox %s (%s) partly refused: %s", message_id, claimed.kind, partly)
            report.sent += 1
            continue
        except DeliveryError as error:
            permanent = isinstance(error, PermanentDeliveryError)
            retry_at = error.retry_at
            if isinstance(error, ChannelUnavailable):
                retry_at = desk.now() + error.pause
            if retry_at is not None and not permanent:
                paused[claimed.channel] = retry_at
            gave_up = _record_failure(
                desk, message_id, str(error), permanent, max_attempts, retry_at
            )
            report.failed += gave_up
            report.retrying += not gave_up
            log.warning("outbox %s (%s) failed: %s", message_id, claimed.kind, error)
            continue
        except StoreUnavailable:
            raise  # not the message's fault: the lease runs out and the next pass retries
        except Exception as error:
            # A message that cannot even be built (a header with a line break) would fail
            # the same way every time: give it up, visibly, and go on with the others.
            log.exception("outbox %s (%s) cannot be sent", message_id, claimed.kind)
            _record_failure(desk, message_id, first_line(error), True, max_attempts)
            report.failed += 1
            continue
        _record_sent(desk, message_id)
        report.sent += 1
    return report


def _claim(desk: Desk, message_id: int) -> OutboundMessage | None:
    now = desk.now()
    with desk.unit_of_work() as uow:
        # Checked and taken in one statement: a read, a check here and a write would let
        # two workers both see the message due and both send it.
        if not uow.outbox.claim(message_id, now, now + LEASE):
            return None  # sent, given up, or another worker holds it
        message = uow.outbox.get(message_id)
        snapshot = OutboundMessage(
            channel=message.channel,
            kind=message.kind,
            payload=dict(message.payload),
            created_at=message.created_at,
            inquiry_number=message.inquiry_number,
            dedupe_key=message.dedupe_key,
            attempts=message.attempts,
            id=message.id,
        )
        uow.commit()
    return snapshot


def _postpone(desk: Desk, message_id: int, until: datetime) -> bool:
    """Move a due message, unclaimed and uncounted, to `until`; False if it is not due now."""
    now = desk.now()
    with desk.unit_of_work() as uow:
        message = uow.outbox.get(message_id)
        if message.sent_at is not None or message.failed:
            return False
        if message.next_attempt_at is not None and message.next_attempt_at > now:
            return False  # another worker holds it, or it waits already
        message.next_attempt_at = until
        uow.commit()
    return True


def _record_sent(desk: Desk, message_id: int) -> None:
    now = desk.now()
    with desk.unit_of_work() as uow:
        message = uow.outbox.get(message_id)
        message.sent_at, message.last_error, message.next_attempt_at = now, None, None
        uow.commit()


def _record_partly_sent(desk: Desk, claimed: OutboundMessage, partly: PartlyDelivered) -> None:
    """Record the message sent with the refusal, audit it, and queue the same message for
    the recipients that may take it later, all in one transaction."""
    now = desk.now()
    refusal = str(partly)[:2000]
    assert claimed.id is not None
    with desk.unit_of_work() as uow:
        message = uow.outbox.get(claimed.id)
        message.sent_at, message.next_attempt_at = now, None
        message.last_error = f"some recipients refused it: {refusal}"[:2000]
        follow_up = None
        if partly.retry_payload is not None:
            rest = OutboundMessage(
                channel=message.channel,
                kind=message.kind,
                payload=partly.retry_payload,
                # The queue time stays: the retry is the same message (its Date header).
                created_at=message.created_at,
                inquiry_number=message.inquiry_number,
                dedupe_key=f"outbox:{claimed.id}:refused-for-now",
                next_attempt_at=now + backoff(1),
            )
            if queue(uow, rest):
                uow.flush()
                follow_up = rest.id
        audit(
            uow,
            "outbox.refused",
            actor="system",
            now=now,
            after={
                "outbox": claimed.id,
                "kind": message.kind,
                "error": refusal[:500],
                "retry": follow_up,
            },
            inquiry_number=message.inquiry_number,
        )
        uow.commit()


def _record_failure(
    desk: Desk,
    message_id: int,
    error: str,
    permanent: bool,
    max_attempts: int,
    retry_at: datetime | None = None,
) -> bool:
    now = desk.now()
    with desk.unit_of_work() as uow:
        message = uow.outbox.get(message_id)
        message.last_error = error[:2000]
        if retry_at is not None and not permanent:
            # The peer asked for a pause; that is no failure of the message's.
            message.attempts = max(message.attempts - 1, 0)
        gave_up = permanent or message.attempts >= max_attempts
        message.failed = gave_up
        later = now + backoff(message.attempts)
        # A peer's own "not before" (a rate limit's reset) wins over our backoff.
        message.next_attempt_at = None if gave_up else max(later, retry_at or later)
        if gave_up:
            audit(
                uow,
                "outbox.failed",
                actor="system",
                now=now,
                after={"outbox": message_id, "kind": message.kind, "error": error[:500]},
                inquiry_number=message.inquiry_number,
            )
        uow.commit()
    return gave_up


def retry(desk: Desk, message_id: int, *, by: str = "system", see_classified: bool = True) -> None:
    """Put a message that was given up back in the queue; a reader off the desk finds none
    of a classified inquiry's messages, as `list_outbox` shows them none."""
    now = desk.now()
    with desk.unit_of_work() as uow:
        message = uow.outbox.get(message_id)
        if message.inquiry_number in classified_numbers(uow, see_classified=see_classified):
            raise NotFound(f"no outbound message {message_id}")
        if not message.failed:
            raise InvalidTransition(f"outbound message {message_id} has not failed")
        message.failed, message.attempts, message.next_attempt_at = False, 0, None
        audit(
            uow,
            "outbox.retried",
            actor=by,
            now=now,
            after={"outbox": message_id},
            inquiry_number=message.inquiry_number,
        )
        uow.commit()


def list_outbox(
    desk: Desk,
    *,
    inquiry_number: int | None = None,
    pending_only: bool = False,
    see_classified: bool = True,
) -> list[dict[str, Any]]:
    """What is queued or sent; a reader off the desk gets nothing about classified inquiries."""
    with desk.unit_of_work() as uow:
        hidden = classified_numbers(uow, see_classified=see_classified)
        found = uow.outbox.list(inquiry_number=inquiry_number, pending_only=pending_only)
        return [outbox_view(m) for m in found if m.inquiry_number not in hidden]
