"""Place one parsed message inside the caller's transaction: record, thread, merge, comment."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from functools import partial
from typing import Any

from sredesk.adapters.mail.parse import ParsedMessage
from sredesk.core import clearance, lifecycle
from sredesk.core.errors import NotFound
from sredesk.core.mailthread import (
    InquiryAlias,
    MailMessage,
    Placement,
    clean_subject,
    honours_tag,
    links,
    place,
    resolve_alias,
    subject_tag,
)
from sredesk.core.merge import merge_into
from sredesk.core.model import Attachment, Channel, Comment, Inquiry, Member, MessageRef, State
from sredesk.core.roster import duty_at
from sredesk.services import clocks
from sredesk.services.desk import Desk, recorded
from sredesk.services.mail_arrival import (
    Arrival,
    Outcome,
    arrival_time,
    safe_name,
    unusable,
    via_list,
)
from sredesk.services.mail_batch import BatchWrites
from sredesk.services.ports import AbstractUnitOfWork
from sredesk.settings import MailSettings

# The author of what the desk writes by itself, such as the automatic acknowledgement.
DESK_AUTHOR = "sredesk"
AUTO_ACKNOWLEDGEMENT = (
    "Thank you for writing to the SRE desk. Your message is inquiry #{number}; {primary} holds "
    "the desk and will answer it. Reply to this message to add to it."
)


class Intake:
    """One transaction's view of the desk for taking mail in; a backfill batch reuses it."""

    def __init__(
        self,
        desk: Desk,
        uow: AbstractUnitOfWork,
        settings: MailSettings,
        *,
        batch: BatchWrites | None = None,
    ) -> None:
        self.desk, self.uow, self.settings = desk, uow, settings
        # A backfill batch writes its messages and audit events in bulk (see mail_batch).
        self.batch = batch
        self.signer = settings.signer
        self.list_addresses = {entry.address.lower() for entry in settings.lists}
        self.members: dict[str, Member] = {m.email.lower(): m for m in uow.members.list()}
        self.aliases = uow.mail.aliases()
        self.calendar = desk.calendar(uow)
        self.shifts = list(uow.shifts.list())
        # What this transaction knows already, so a batch asks the database once, not per
        # message: inquiries by number (held strongly, or the session would forget them),
        # which inquiry holds each id, and the messages stored so far.
        self._inquiries: dict[int, Inquiry] = {}
        self._holders: dict[str, int] = {}
        self._unheld: set[str] = set()
        self._stored: dict[str, MailMessage] = {}
        self._absent: set[str] = set()
        # Ids found to be no stored message without an inquiry: nothing to follow there.
        self._linkless: set[str] = set()

    def prefetch(self, messages: Sequence[ParsedMessage]) -> None:
        """Look up, a few queries in all, what a batch of messages will ask about.

        Which of them are stored, which inquiries hold the ids they name, and those
        inquiries: a list archive interleaves its threads, so a batch continues many.
        """
        own = [m.message_id for m in messages]
        known = self.uow.mail.known(own)
        self._absent.update(i for i in own if i not in known)
        named = {i for m in messages for i in _ids(m)}
        holders = self._remember_holders(named)
        numbers = {self._alias(holders[i]) for i in named if i in holders}
        self._inquiries.update(self.uow.inquiries.get_many(numbers - self._inquiries.keys()))

    def _remember_holders(self, ids: Iterable[str]) -> dict[str, int]:
        wanted = [i for i in ids if i not in self._holders and i not in self._unheld]
        if wanted:
            found = self.uow.mail.holders(wanted)
            self._holders.update(found)
            self._unheld.update(i for i in wanted if i not in found)
        return self._holders

    def _existing(self, message_id: str) -> MailMessage | None:
        if message_id in self._stored:
            return self._stored[message_id]
        if message_id in self._absent:
            return None
        return self.uow.mail.get(message_id)

    def take(
        self, parsed: ParsedMessage, arrival: Arrival, *, record: MailMessage | None = None
    ) -> Outcome:
        now = self.desk.now()
        arrival = self._through_list(parsed, arrival)
        parsed = self._author(parsed)
        ids = _ids(parsed)
        if record is None:
            existing = self._existing(parsed.message_id)
            if existing is not None:
                if arrival.list_name and arrival.list_name not in existing.lists:
                    existing.lists = [*existing.lists, arrival.list_name]
                if existing.outcome != "quarantined" or unusable(parsed):
                    return Outcome("duplicate", parsed.message_id, existing.inquiry_number)
                # The copy that came first was of no use (a list stripped its text, say), and
                # this one is whole: the stored message becomes this copy.
                existing.raw, existing.defects = parsed.raw, parsed.defects[:50]
                existing.sender, existing.subject = parsed.sender[:320], parsed.subject[:998]
                existing.links = ids[1:_MAX_LINKS]
                record = existing
            else:
                record = self._record(parsed, arrival, now, ids)
        if record.outcome != "imported":
            record.outcome, record.reason = "imported", ""
        reason = self._ignored(parsed)
        if reason:
            return self._settle_unheld(parsed, record, "ignored", reason, now, ids)
        reason = unusable(parsed)
        if reason:
            return self._settle_unheld(parsed, record, "quarantined", reason, now, ids)
        # The limit stops a loop of answers, and the desk answers no list mail: a discussion
        # on a configured list, or one the poller catches up on after a pause, is no burst.
        if not (arrival.backfill or arrival.released_by or arrival.list_name is not None):
            limit, window = self.settings.rate_limit, self.settings.rate_window
            count = self.uow.mail.count_from(parsed.sender, now - window)
            if count > limit:
                minutes = int(window.total_seconds() // 60)
                reason = f"{count} messages from {parsed.sender} in {minutes} minutes; held"
                return self._settle_unheld(parsed, record, "held", reason, now, ids)
        return self._thread(parsed, arrival, record, now, ids)

    def _settle_unheld(
        self,
        parsed: ParsedMessage,
        record: MailMessage,
        outcome: str,
        reason: str,
        now: datetime,
        ids: list[str],
    ) -> Outcome:
        """Settle a message no inquiry will hold, keeping the thread it proves whole.

        Its ids still link the messages they name: the inquiries holding any of them merge,
        and the oldest takes the ids it names, as when a later message names this one. So a
        reply that came before it and its parent's thread are one, whatever the order.
        """
        ids = self._through_unheld(ids)
        holders = self._remember_holders(ids)
        linked = sorted({self._alias(holders[i]) for i in ids if i in holders})
        if linked:
            target = self._get(linked[0])
            member = self.members.get(parsed.sender)
            actor = member.handle if member else (parsed.sender or DESK_AUTHOR)
            for number in linked[1:]:
                self._merge(target, number, parsed.message_id, actor, now)
            self._add_refs(target, ids[1:])
        return _settle(record, outcome, reason)

    def _through_list(self, parsed: ParsedMessage, arrival: Arrival) -> Arrival:
        """The arrival, naming the configured list the message shows it came through.

        The envelope names the list only when the list's own mailbox is polled or its address
        is delivered to. A desk subscribed to the list gets its copy at the desk's address, and
        a copy sent to the list and to the desk comes directly: the List-Id header, or the
        list among the recipients, says which list it is.
        """
        if arrival.list_name is not None:
            return arrival
        found = self.settings.list_for(list_id=parsed.list_id) if parsed.list_id else None
        for address in parsed.recipients:
            found = found or self.settings.list_for(address=address)
        return dataclasses.replace(arrival, list_name=found.name) if found else arrival

    def _author(self, parsed: ParsedMessage) -> ParsedMessage:
        """The message with its author as sender, when a list rewrote From to its own address.

        Lists that rewrite From (against DMARC) keep the author in X-Original-From or
        Reply-To; Mailman, when replies go to the list, puts the author in Cc instead.
        """
        lists = self.list_addresses
        if parsed.sender not in lists:
            return parsed
        author = next(
            (a for a in (parsed.original_from, parsed.reply_to) if a and a not in lists), ""
        )
        if not author:
            others = [a for a in parsed.recipients if a not in lists and not self._desks(a)]
            author = others[0] if len(others) == 1 else ""
        return dataclasses.replace(parsed, sender=author) if author else parsed

    def _desks(self, address: str) -> bool:
        """Whether `address` is the desk's own, or one of its reply addresses."""
        return (
            address == self.settings.address.lower()
            or self.signer.verify_address(address) is not None
        )

    def _record(
        self, parsed: ParsedMessage, arrival: Arrival, now: datetime, ids: list[str]
    ) -> MailMessage:
        record = MailMessage(
            message_id=parsed.message_id,
            direction="in",
            outcome="imported",
            received_at=now,
            sender=parsed.sender[:320],
            subject=parsed.subject[:998],
            lists=[arrival.list_name] if arrival.list_name else [],
            defects=parsed.defects[:50],
            raw=parsed.raw,
            links=ids[1:_MAX_LINKS],
        )
        if self.batch is None:
            self.uow.mail.add(record)
        else:
            self.batch.messages.append(record)
        self._stored[record.message_id] = record
        self._absent.discard(record.message_id)
        return record

    def _ignored(self, parsed: ParsedMessage) -> str:
        if self.signer.verify_message_id(parsed.message_id) is not None:
            return "the desk's own message, come back"
        if parsed.sender == self.settings.address.lower():
            return "sent from the desk's own address"
        if parsed.machine:
            return f"machine-generated: {parsed.machine}"
        return ""

    def _thread(
        self,
        parsed: ParsedMessage,
        arrival: Arrival,
        record: MailMessage,
        now: datetime,
        ids: list[str],
    ) -> Outcome:
        ids = self._through_unheld(ids)
        placement = self._place(parsed, arrival, ids)
        member = self.members.get(parsed.sender)
        actor = member.handle if member else parsed.sender
        arrived = arrival_time(parsed, arrival, now)
        if placement.target is None:
            inquiry = self._open(parsed, arrival, arrived, member, ids, now)
            status = "created"
        else:
            inquiry = self._get(placement.target)
            for number in placement.merge:
                self._merge(inquiry, number, parsed.message_id, actor, now)
            # A member answering a desk notification (an escalation, a handoff) answers the
            # desk, not the customer: an internal note, which never leaves. Through the list,
            # it has reached everyone already, and is a reply like any other.
            internal = (
                member is not None
                and not via_list(parsed, arrival)
                and any(self.signer.is_notification(i) for i in ids)
            )
            action = "inquiry.customer_wrote"
            if member:
                action = "inquiry.noted" if internal else "inquiry.replied"
            extra = {"message_id": parsed.message_id, "threaded_by": placement.via}
            with self._recorded(inquiry, action, actor=actor, now=now, extra=extra):
                self._write(
                    inquiry, parsed, arrival, arrived, member, is_response=True, internal=internal
                )
                self._add_refs(inquiry, ids)
            self.desk.observe(self.uow, inquiry, action, now)
            status = "threaded"
        record.inquiry_number = inquiry.number
        if status == "created" and self._acknowledges(parsed, arrival, member):
            self._acknowledge(inquiry, now)
        return Outcome(status, parsed.message_id, inquiry.number, merged=placement.merge)

    def _through_unheld(self, ids: list[str]) -> list[str]:
        """The message's ids, then those named in turn by stored messages no inquiry holds.

        A reply to a quarantined, ignored or held message may name only that message (many
        clients send In-Reply-To alone): the thread goes on through the ids it named.
        """
        found, seen = list(ids), set(ids)
        holders = self._remember_holders(ids)
        frontier = [i for i in ids[1:] if i not in holders]
        while frontier and len(found) < _MAX_LINKS:
            named = self._unheld_links(frontier)
            frontier = [i for links in named.values() for i in links if i not in seen]
            frontier = list(dict.fromkeys(frontier))[: _MAX_LINKS - len(found)]
            seen.update(frontier)
            found.extend(frontier)
            frontier = [i for i in frontier if i not in self._remember_holders(frontier)]
        return found

    def _unheld_links(self, ids: list[str]) -> dict[str, tuple[str, ...]]:
        """The links of those of `ids` that are stored messages no inquiry holds."""
        found: dict[str, tuple[str, ...]] = {}
        asked: list[str] = []
        for message_id in ids:
            record = self._stored.get(message_id)
            if record is not None:
                if record.inquiry_number is None:
                    found[message_id] = tuple(record.links)
            elif message_id not in self._absent and message_id not in self._linkless:
                asked.append(message_id)
        if asked:
            stored = self.uow.mail.unheld_links(asked)
            found.update(stored)
            self._linkless.update(i for i in asked if i not in stored)
        return found

    def _place(self, parsed: ParsedMessage, arrival: Arrival, ids: list[str]) -> Placement:
        holders = self._remember_holders(ids)
        linked = {self._alias(holders[i]) for i in ids if i in holders}
        for message_id in ids:
            signed = self.signer.verify_message_id(message_id)
            if signed is not None and self._find(signed) is not None:
                linked.add(self._alias(signed))
        addressed = None
        for address in [*parsed.recipients, *arrival.envelope_to]:
            number = self.signer.verify_address(address)
            if number is not None and self._find(number) is not None:
                addressed = self._alias(number)
                break
        return place(linked, addressed=addressed, tagged=self._tagged(parsed, arrival))

    def _tagged(self, parsed: ParsedMessage, arrival: Arrival) -> int | None:
        tag = subject_tag(parsed.subject)
        inquiry = self._find(tag) if tag is not None else None
        if inquiry is None:
            return None
        people = [*inquiry.customers, *(c.author for c in inquiry.comments)]
        via_list = arrival.list_name is not None and arrival.list_name == inquiry.source
        if honours_tag(parsed.sender, on_inquiry=people, members=self.members, via_list=via_list):
            return inquiry.number
        return None

    def _alias(self, number: int) -> int:
        return resolve_alias(number, self.aliases)

    def _find(self, number: int) -> Inquiry | None:
        try:
            return self._get(self._alias(number))
        except NotFound:
            return None

    def _get(self, number: int) -> Inquiry:
        if number not in self._inquiries:
            self._inquiries[number] = self.uow.inquiries.get(number)
        return self._inquiries[number]

    def _open(
        self,
        parsed: ParsedMessage,
        arrival: Arrival,
        arrived: datetime,
        member: Member | None,
        ids: list[str],
        now: datetime,
    ) -> Inquiry:
        calendar = self.calendar
        duty = duty_at(self.shifts, arrived, calendar)
        inquiry = Inquiry(
            title=clean_subject(parsed.subject),
            channel=Channel.EMAIL,
            # A List-Id without its brackets is the whole header: keep it to the column.
            source=(arrival.list_name or parsed.list_id or "email")[:300],
            created_at=arrived,
            response_due=arrived,
            assignee=duty.holder if duty else None,
        )
        inquiry.response_due = clocks.response_due_for(self.desk, calendar, inquiry)
        actor = member.handle if member else parsed.sender
        extra = {"message_id": parsed.message_id}
        with self._recorded(inquiry, "inquiry.created", actor=actor, now=now, extra=extra):
            if self.batch is None:
                self.uow.inquiries.add(inquiry)
                self.uow.flush()
            else:
                inquiry.number = self.batch.number()
                self.uow.inquiries.add(inquiry)
            assert inquiry.number is not None
            self._inquiries[inquiry.number] = inquiry
            # A member who starts a thread is not answering anyone: no response yet.
            self._write(inquiry, parsed, arrival, arrived, member, is_response=False)
            self._add_refs(inquiry, ids)
        self.desk.observe(self.uow, inquiry, "inquiry.created", now)
        return inquiry

    def _write(
        self,
        inquiry: Inquiry,
        parsed: ParsedMessage,
        arrival: Arrival,
        arrived: datetime,
        member: Member | None,
        *,
        is_response: bool,
        internal: bool = False,
    ) -> None:
        body = parsed.display or f"({len(parsed.attachments)} attachments, no text)"
        comment: Comment
        if member is None:
            comment = lifecycle.add_customer_comment(
                inquiry, parsed.sender, body, now=arrived, source_message_id=parsed.message_id
            )
        else:
            if inquiry.state is State.CLOSED:
                lifecycle.reopen(inquiry)
            comment = lifecycle.add_member_comment(
                inquiry,
                member.handle,
                body,
                public=not internal,
                now=arrived,
                is_response=is_response and not internal,
            )
            comment.source_message_id = parsed.message_id
        if parsed.attachments or (member and not via_list(parsed, arrival)):
            self.uow.flush()
        for part in parsed.attachments:
            inquiry.attachments.append(
                Attachment(
                    filename=safe_name(part.filename),
                    content_type=part.content_type[:255],
                    size=len(part.content),
                    content=part.content,
                    created_at=arrived,
                    comment_id=comment.id,
                )
            )
        # A member who wrote to the desk directly, not through the list, reached nobody else:
        # the desk passes the reply on. Mail through the list has reached everyone already.
        if (
            member
            and is_response
            and not internal
            and not via_list(parsed, arrival)
            and not arrival.backfill
        ):
            self.desk.publish(self.uow, inquiry, comment, arrived)

    def _add_refs(self, inquiry: Inquiry, ids: list[str]) -> None:
        assert inquiry.number is not None
        for message_id in ids:
            # Signed desk ids are recognised by their signature; the pseudo-reference of an
            # inquiry is not a message and would only clutter its list.
            if message_id in self._holders or self.signer.verify_message_id(message_id):
                continue
            inquiry.message_refs.append(MessageRef(message_id=message_id))
            self._holders[message_id] = inquiry.number
            self._unheld.discard(message_id)

    def _merge(
        self, target: Inquiry, number: int, message_id: str, actor: str, now: datetime
    ) -> None:
        source = self._get(number)
        record = partial(self._recorded, actor=actor, now=now)
        cause = {"message_id": message_id}
        holders = [target.assignee, source.assignee]
        with (
            record(source, "inquiry.merged", extra={"into": target.number, **cause}),
            record(target, "inquiry.merged", extra={"merged": number, **cause}),
        ):
            merge_into(target, source, now=now)
            if target.sensitive:
                self._keep_cleared(target, holders, now)
        self.desk.observe(self.uow, source, "inquiry.merged", now)
        self.desk.observe(self.uow, target, "inquiry.merged", now)
        for entry in self.uow.effort.list(inquiry_number=number):
            entry.inquiry_number = target.number
        assert target.number is not None
        self.uow.mail.add_alias(
            InquiryAlias(merged_number=number, into_number=target.number, at=now)
        )
        self.aliases[number] = target.number
        for message_id in [ref.message_id for ref in target.message_refs]:
            self._holders[message_id] = target.number

    def _keep_cleared(self, merged: Inquiry, holders: list[str | None], now: datetime) -> None:
        """Give a merge that made an inquiry classified to a member cleared for it.

        That is the first cleared of its two holders, then of the Primary and the Backup on
        duty; with none, nobody, and a note names those who are not cleared, as at intake.
        """
        duty = duty_at(self.shifts, now, self.calendar)
        on_duty = [duty.holder, duty.backup] if duty else []
        candidates = dict.fromkeys(h for h in [*holders, *on_duty] if h)
        found = map(self.uow.members.find, candidates)
        merged.assignee = clearance.first_cleared(merged, found)
        if merged.assignee is None and candidates:
            text = clearance.NOBODY_CLEARED.format(duty=", ".join(candidates))
            lifecycle.add_member_comment(merged, "system", text, public=False, now=now)

    def _recorded(
        self,
        inquiry: Inquiry,
        action: str,
        *,
        actor: str,
        now: datetime,
        extra: dict[str, Any] | None = None,
    ) -> AbstractContextManager[None]:
        if self.batch is not None:
            return self.batch.recorded(inquiry, action, actor=actor, now=now, extra=extra)
        return recorded(self.uow, inquiry, action, actor=actor, now=now, extra=extra)

    def _acknowledges(self, parsed: ParsedMessage, arrival: Arrival, member: Member | None) -> bool:
        return (
            self.settings.auto_acknowledge
            and member is None
            and not arrival.backfill
            and not via_list(parsed, arrival)
        )

    def _acknowledge(self, inquiry: Inquiry, now: datetime) -> None:
        text = AUTO_ACKNOWLEDGEMENT.format(
            number=inquiry.number, primary=inquiry.assignee or "the Primary"
        )
        with self._recorded(inquiry, "inquiry.auto_acknowledged", actor=DESK_AUTHOR, now=now):
            comment = lifecycle.add_member_comment(
                inquiry, DESK_AUTHOR, text, public=True, now=now, is_response=False
            )
            self.desk.publish(self.uow, inquiry, comment, now)
        self.desk.observe(self.uow, inquiry, "inquiry.auto_acknowledged", now)


# The most ids one message carries into its thread: a References header can be very long.
_MAX_LINKS = 200


def _ids(parsed: ParsedMessage) -> list[str]:
    """The message's own id, then the ids it names."""
    return [parsed.message_id, *links(parsed.message_id, parsed.in_reply_to, parsed.references)]


def _settle(record: MailMessage, outcome: str, reason: str) -> Outcome:
    record.outcome, record.reason = outcome, reason[:2000]
    return Outcome(outcome, record.message_id, reason=reason)
