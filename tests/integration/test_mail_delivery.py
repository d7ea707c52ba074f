"""Mail in over LMTP and SMTP, and out to a real SMTP server, on loopback."""

from __future__ import annotations

import contextlib
import dataclasses
import email.policy
import logging
import smtplib
import sqlite3
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from sredesk.adapters.mail.lmtp import DeskHandler, listener
from sredesk.adapters.mail.smtp import UNREACHABLE_PAUSE, SmtpSender
from sredesk.adapters.memory import FixedClock
from sredesk.core.mailthread import parse_ids
from sredesk.core.model import OutboundMessage
from sredesk.services import escalations, inquiries, mail, outbox
from sredesk.services.desk import Desk
from sredesk.services.mail import Arrival
from sredesk.services.mail_outbound import mail_publisher, send_mail
from sredesk.services.ports import StoreUnavailable
from sredesk.settings import MailList, MailSettings
from tests.conftest import NOW, populate
from tests.mailfactory import DESK, LIST, SETTINGS, list_message, message, mid
from tests.mailservers import Sink, free_port, smtp_sink

VIA_LIST = Arrival(list_name=LIST.name)


def lmtp_handler(desk: Desk, settings: MailSettings = SETTINGS) -> DeskHandler:
    def deliver(raw: bytes, recipients: list[str]) -> object:
        arrival = mail.arrival_for(settings, recipients)
        return mail.ingest(desk, raw, settings=settings, arrival=arrival)

    return DeskHandler(deliver, lambda address: mail.is_desk_recipient(settings, address))


@pytest.mark.parametrize("protocol", ["lmtp", "smtp"])
def test_the_listener_delivers_into_the_desk(sql_desk: Desk, protocol: str) -> None:
    port = free_port()
    server = listener(lmtp_handler(sql_desk), host="127.0.0.1", port=port, protocol=protocol)
    server.start()
    client_class = smtplib.LMTP if protocol == "lmtp" else smtplib.SMTP
    try:
        with client_class("127.0.0.1", port) as client:
            assert client.sendmail("u@x.edu", [LIST.address], list_message(mid(1))) == {}
            n = inquiries.list_inquiries(sql_desk)[0]["number"]
            token = SETTINGS.signer.reply_address(n)
            client.sendmail("v@y.edu", [token], message(mid(2), sender="v@y.edu", to=[token]))
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.sendmail("u@x.edu", ["someone@elsewhere.org"], message(mid(3)))
    finally:
        server.stop()
    (thread,) = inquiries.list_inquiries(sql_desk)
    assert thread["source"] == "visit-users"
    assert thread["message_ids"] == [mid(1), mid(2)]


def test_mail_from_the_null_sender_is_ignored_as_machine_mail(sql_desk: Desk) -> None:
    """An answering machine that sets no header of its own still sends from <> (RFC 3834)."""
    port = free_port()
    server = listener(lmtp_handler(sql_desk), host="127.0.0.1", port=port)
    server.start()
    try:
        with smtplib.LMTP("127.0.0.1", port) as client:
            client.sendmail("u@x.edu", [DESK], message(mid(1), sender="u@x.edu"))
            away = message(mid(2), sender="u@x.edu", subject="Re: crash", body="I am away.")
            client.sendmail("", [DESK], away)
    finally:
        server.stop()
    with sql_desk.unit_of_work() as uow:
        stored = {m.message_id: m for m in uow.mail.list()}
        assert (stored[mid(1)].outcome, stored[mid(2)].outcome) == ("imported", "ignored")
        assert stored[mid(2)].reason == "machine-generated: null return path"
        assert bytes(stored[mid(1)].raw).startswith(b"Return-Path: <u@x.edu>\nFrom: ")


def test_the_listener_takes_a_message_as_large_as_the_attachment_limit_allows(
    sql_desk: Desk,
) -> None:
    """With a 50 MB attachment limit, a 30 MB core dump (41 MB in base64, past aiosmtpd's
    own 32 MiB) reaches the desk; a message past the derived limit is refused with 552."""
    settings = dataclasses.replace(SETTINGS, attachment_limit=50 * 1024 * 1024)
    port = free_port()
    server = listener(
        lmtp_handler(sql_desk, settings),
        host="127.0.0.1",
        port=port,
        attachment_limit=settings.attachment_limit,
    )
    server.start()

    def dump(megabytes: int, message_id: str) -> bytes:
        core = EmailMessage()
        core["From"], core["To"], core["Subject"] = "u@x.edu", DESK, "core dump"
        core["Message-ID"] = message_id
        core.set_content("The core is attached.")
        core.add_attachment(
            bytes(megabytes * 1024 * 1024), "application", "octet-stream", filename="core"
        )
        return core.as_bytes(policy=email.policy.SMTP)

    try:
        with smtplib.LMTP("127.0.0.1", port) as client:
            assert client.sendmail("u@x.edu", [DESK], dump(30, mid(1))) == {}
        with (
            smtplib.LMTP("127.0.0.1", port) as client,
            pytest.raises(smtplib.SMTPException) as refused,
        ):
            client.sendmail("u@x.edu", [DESK], dump(60, mid(2)))
        assert "552" in str(refused.value)
    finally:
        server.stop()
    (thread,) = inquiries.list_inquiries(sql_desk)
    (attachment,) = inquiries.get_inquiry(sql_desk, thread["number"])["attachments"]
    assert (attachment["filename"], attachment["size"]) == ("core", 30 * 1024 * 1024)


def test_nul_characters_in_headers_and_text_are_dropped_not_fatal(sql_desk: Desk) -> None:
    """PostgreSQL refuses NUL in text: such mail must neither fail nor come back forever."""
    raw = (
        b"From: u\x00ser@x.edu\r\nTo: " + DESK.encode() + b"\r\nSubject: cra\x00sh\r\n"
        b"Message-ID: <nul\x00@x.edu>\r\n"
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nIt cra\x00shes.\r\n"
        b"--b\r\nContent-Type: image/pn\x00g\r\nContent-Disposition: attachment; filename=a.png"
        b"\r\n\r\nPNG\r\n--b--\r\n"
    )
    port = free_port()
    server = listener(lmtp_handler(sql_desk), host="127.0.0.1", port=port)
    server.start()
    try:
        with smtplib.LMTP("127.0.0.1", port) as client:
            assert client.sendmail("user@x.edu", [DESK], raw) == {}
    finally:
        server.stop()
    (thread,) = inquiries.list_inquiries(sql_desk)
    shown = inquiries.get_inquiry(sql_desk, thread["number"])
    assert (shown["title"], shown["customers"], shown["message_ids"]) == (
        "crash",
        ["user@x.edu"],
        ["<nul@x.edu>"],
    )
    assert shown["comments"][0]["body"] == "It crashes."
    assert shown["attachments"][0]["content_type"] == "image/png"


def test_an_id_too_long_to_index_is_no_id_and_stops_nothing(sql_desk: Desk) -> None:
    """990 CJK characters are 2,970 octets, past what a PostgreSQL index holds."""
    wide = "<" + "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(990)) + "@x.edu>"

    def raw(message_id: str, references: str = "") -> bytes:
        head = f"From: u@x.edu\nSubject: hi\nMessage-ID: {message_id}\nReferences: {references}\n"
        return (head + "\nIt crashes.\n").encode()

    own = take_raw(sql_desk, raw(wide))
    assert own.status == "created"
    assert own.message_id.endswith("@sredesk.invalid>")
    reply = take_raw(sql_desk, raw(mid(2), f"{wide} {mid(1)}"))
    assert reply.status == "created"
    assert inquiries.get_inquiry(sql_desk, reply.inquiry or 0)["message_ids"] == [mid(2), mid(1)]


def test_an_overlong_list_id_or_sender_is_handled_alike_on_every_database(
    sql_desk: Desk,
) -> None:
    """A List-Id without brackets is the whole header; an address has at most 320 characters."""
    long_list = take_raw(sql_desk, message(mid(1), headers={"List-Id": "visit " * 80}))
    assert long_list.status == "created"
    assert (
        inquiries.get_inquiry(sql_desk, long_list.inquiry or 0)["source"] == ("visit " * 50)[:300]
    )
    sender = "a" * 300 + "@" + "b" * 30 + ".org"
    long_sender = take_raw(sql_desk, message(mid(2), sender=sender))
    assert (long_sender.status, long_sender.reason) == (
        "quarantined",
        "the sender address is longer than 320 characters: not an address",
    )


def take_raw(desk: Desk, raw: bytes) -> mail.Outcome:
    return mail.ingest(desk, raw, settings=SETTINGS, arrival=Arrival())


def test_one_delivery_to_two_lists_records_both(sql_desk: Desk) -> None:
    help_list = MailList("visit-help", "visit-help@lists.example.org", "", "visit-help.x")
    settings = dataclasses.replace(SETTINGS, lists=(LIST, help_list))
    port = free_port()
    server = listener(lmtp_handler(sql_desk, settings), host="127.0.0.1", port=port)
    server.start()
    try:
        with smtplib.LMTP("127.0.0.1", port) as client:
            both = [LIST.address, help_list.address]
            assert client.sendmail("u@x.edu", both, message(mid(1), to=both)) == {}
            # LMTP answers once per recipient; smtplib reads only the first answer.
            assert client.getreply()[0] == 250
    finally:
        server.stop()
    with sql_desk.unit_of_work() as uow:
        stored = uow.mail.get(mid(1))
        assert stored is not None
        assert stored.lists == [LIST.name, help_list.name]
    # The first list is the one it came through: its inquiry's source.
    (thread,) = inquiries.list_inquiries(sql_desk)
    assert thread["source"] == LIST.name


def test_a_desk_failure_answers_451_so_the_mta_keeps_the_message() -> None:
    def broken(raw: bytes, recipients: list[str]) -> object:
        raise ConnectionError("database down")

    port = free_port()
    server = listener(DeskHandler(broken, lambda a: True), host="127.0.0.1", port=port)
    server.start()
    try:
        with (
            smtplib.LMTP("127.0.0.1", port) as client,
            pytest.raises(smtplib.SMTPDataError) as error,
        ):
            client.sendmail("u@x.edu", [DESK], message(mid(1)))
        assert error.value.smtp_code == 451
    finally:
        server.stop()


def test_a_store_outage_is_logged_in_one_line_per_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The MTA retries every deferred message while the database is down: each refusal is
    one line that says why, not a traceback."""

    def unavailable(raw: bytes, recipients: list[str]) -> object:
        raise StoreUnavailable("the database is unavailable: connection refused")

    port = free_port()
    server = listener(DeskHandler(unavailable, lambda a: True), host="127.0.0.1", port=port)
    server.start()
    try:
        with caplog.at_level(logging.WARNING, logger="sredesk.mail.lmtp"):
            for n in (1, 2):
                with (
                    smtplib.LMTP("127.0.0.1", port) as client,
                    pytest.raises(smtplib.SMTPDataError, match="451"),
                ):
                    client.sendmail("u@x.edu", [DESK], message(mid(n)))
    finally:
        server.stop()
    assert [(r.getMessage(), r.exc_info) for r in caplog.records] == [
        (
            "delivery into the desk failed: the database is unavailable: connection refused;"
            " answered 451, the MTA will retry",
            None,
        )
    ] * 2


def test_a_locked_database_leaves_the_message_with_the_sender(tmp_path: Path) -> None:
    """A busy store is not the message's fault: it propagates (LMTP answers 451), nothing is
    stored, and the same message goes in once the database is free."""
    from sredesk.adapters.db.unit_of_work import Database

    path = tmp_path / "desk.db"
    database = Database(f"sqlite:///{path}")
    desk = Desk(unit_of_work=database.unit_of_work, clock=FixedClock(NOW))
    populate(desk)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreUnavailable, match=r"^the database is unavailable: .*locked"):
            mail.ingest(desk, list_message(mid(1)), settings=SETTINGS, arrival=VIA_LIST)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert mail.quarantine(desk) == []
    assert inquiries.list_inquiries(desk) == []
    outcome = mail.ingest(desk, list_message(mid(1)), settings=SETTINGS, arrival=VIA_LIST)
    assert outcome.status == "created"
    database.dispose()


@pytest.fixture
def sink() -> Iterator[Sink]:
    with smtp_sink() as running:
        yield running


@pytest.fixture
def desk(sql_desk: Desk) -> Desk:
    sql_desk.publishers.append(mail_publisher(SETTINGS))
    return sql_desk


def sender_to(sink: Sink) -> SmtpSender:
    return SmtpSender("127.0.0.1", sink.port, timeout=10)


def test_replies_go_out_threaded_under_the_original(desk: Desk, sink: Sink) -> None:
    n = mail.ingest(desk, list_message(mid(1)), settings=SETTINGS, arrival=Arrival("visit-users"))
    number = n.inquiry or 0
    inquiries.note(desk, number, "internal: check the Silo plugin", by="alice")
    inquiries.reply(desk, number, "Which version of VisIt?", by="alice")
    assert send_mail(desk, SETTINGS, sender_to(sink)).sent == 1
    (sent,) = sink.received
    assert sent["In-Reply-To"] == mid(1)
    references = parse_ids(sent["References"])
    assert references == [SETTINGS.signer.pseudo_reference(number), mid(1)]
    assert SETTINGS.signer.verify_message_id(sent["Message-ID"]) == number
    assert SETTINGS.signer.verify_address(sent["Reply-To"]) == number
    assert sent["Subject"] == f"Re: VisIt crashes on launch [sredesk #{number}]"
    assert "check the Silo plugin" not in sent.get_payload()
    assert sink.envelopes == [(DESK, [LIST.address, "user@uni.example.edu"])]
    # The customer answers the desk's mail; it joins, and so does the list's copy of ours.
    answer = message(mid(2), in_reply_to=sent["Message-ID"], references=references)
    assert mail.ingest(desk, answer, settings=SETTINGS).inquiry == number
    echo = mail.ingest(desk, sent.as_bytes(), settings=SETTINGS, arrival=Arrival("visit-users"))
    assert echo.status == "ignored"


def test_a_sensitive_inquiry_never_reaches_the_list(sql_desk: Desk, sink: Sink) -> None:
    allowed = dataclasses.replace(SETTINGS, sensitive_mail=True)
    sql_desk.publishers.append(mail_publisher(allowed))
    n = mail.ingest(
        sql_desk, list_message(mid(1)), settings=allowed, arrival=Arrival("visit-users")
    )
    with sql_desk.unit_of_work() as uow:
        uow.inquiries.get(n.inquiry or 0).sensitive = True
        uow.commit()
    inquiries.reply(sql_desk, n.inquiry or 0, "Answer for the named customer", by="alice")
    assert send_mail(sql_desk, allowed, sender_to(sink)).sent == 1
    (envelope,) = sink.envelopes
    assert envelope[1] == ["user@uni.example.edu", "alice@example.org"]
    assert LIST.address not in str(sink.received[0])


def test_a_retry_sends_once_and_a_refusal_is_visible(
    desk: Desk, sink: Sink, clock: FixedClock
) -> None:
    n = mail.ingest(desk, list_message(mid(1)), settings=SETTINGS, arrival=Arrival("visit-users"))
    inquiries.reply(desk, n.inquiry or 0, "First answer", by="alice")
    sink.failures = ["421 4.3.0 try again later"]
    report = send_mail(desk, SETTINGS, sender_to(sink))
    assert (report.sent, report.retrying, len(sink.received)) == (0, 1, 0)
    clock.advance(timedelta(minutes=2))
    assert send_mail(desk, SETTINGS, sender_to(sink)).sent == 1
    clock.advance(timedelta(hours=1))
    assert send_mail(desk, SETTINGS, sender_to(sink)).sent == 0
    assert len(sink.received) == 1
    inquiries.reply(desk, n.inquiry or 0, "Second answer", by="alice")
    sink.failures = ["550 5.1.1 no such list"]
    assert send_mail(desk, SETTINGS, sender_to(sink)).failed == 1
    failed = [m for m in outbox.list_outbox(desk) if m["failed"]]
    assert failed[0]["last_error"] == "550 5.1.1 no such list"


def test_two_workers_racing_for_a_message_send_it_once(
    migrated_database_url: str, clock: FixedClock, sink: Sink
) -> None:
    """Two mail workers, each with its own database connections, find the same reply due
    and claim it at the same moment: one sends it, the other leaves it."""
    from sqlalchemy import event

    from sredesk.adapters.db.unit_of_work import Database

    databases = [Database(migrated_database_url) for _ in range(3)]
    desk = Desk(unit_of_work=databases[0].unit_of_work, clock=clock)
    populate(desk)
    desk.publishers.append(mail_publisher(SETTINGS))
    n = mail.ingest(desk, list_message(mid(1)), settings=SETTINGS, arrival=VIA_LIST)
    inquiries.reply(desk, n.inquiry or 0, "Which version?", by="alice")
    both_claiming = threading.Barrier(2)

    def hold_after_first_touch(database: Database) -> None:
        """Let the claim's first statement on the row run, then wait for the other worker
        to get as far, so that neither finishes its claim before the other starts its own:
        a claim that reads and then writes lets both through."""
        seen: list[str] = []

        @event.listens_for(database.engine, "after_cursor_execute")
        def gate(conn: object, cursor: object, statement: str, *args: object) -> None:
            if "outbox" not in statement:
                return
            seen.append(statement)
            if len(seen) == 2:  # the first is deliver_due's query for what is due
                # A claim that holds the row makes the other wait for it: not forever.
                with contextlib.suppress(threading.BrokenBarrierError):
                    both_claiming.wait(timeout=2)

    reports: list[outbox.DeliveryReport] = []
    errors: list[BaseException] = []

    def worker(database: Database) -> None:
        try:
            worker_desk = Desk(unit_of_work=database.unit_of_work, clock=clock)
            reports.append(outbox.deliver_due(worker_desk, {"email": sender_to(sink)}))
        except BaseException as error:
            errors.append(error)

    for database in databases[1:]:
        hold_after_first_touch(database)
    threads = [threading.Thread(target=worker, args=(d,)) for d in databases[1:]]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        for database in databases:
            database.dispose()
    assert errors == []
    assert sorted(report.sent for report in reports) == [0, 1]
    assert len(sink.received) == 1


class QuitRefusingSink(Sink):
    """Takes the message at DATA, then answers QUIT with an error."""

    async def handle_QUIT(self, server: object, session: object, envelope: object) -> str:
        return "421 4.4.2 closing connection"


def test_an_error_answering_quit_after_data_does_not_send_again(
    desk: Desk, clock: FixedClock
) -> None:
    n = mail.ingest(desk, list_message(mid(1)), settings=SETTINGS, arrival=VIA_LIST)
    inquiries.reply(desk, n.inquiry or 0, "Which version?", by="alice")
    with smtp_sink(QuitRefusingSink) as sink:
        assert send_mail(desk, SETTINGS, sender_to(sink)).sent == 1
        clock.advance(outbox.LEASE + timedelta(hours=1))
        assert send_mail(desk, SETTINGS, sender_to(sink)).sent == 0
        assert len(sink.received) == 1
    (sent,) = outbox.list_outbox(desk)
    assert sent["sent_at"] is not None
    assert sent["last_error"] is None


def test_a_message_that_cannot_be_built_fails_alone_and_visibly(desk: Desk, sink: Sink) -> None:
    """A queued message with a line break in a header (queued before customers were checked)
    is given up with the reason; the mail queued after it still goes out."""
    with desk.unit_of_work() as uow:
        outbox.queue(
            uow,
            OutboundMessage(
                channel="email",
                kind="reply",
                payload={
                    "message_id": "<broken@visit.example.org>",
                    "from": DESK,
                    "to": ["jane@uni.example.edu\nbob@uni.example.edu"],
                    "subject": "Licence question",
                    "body": "Answer",
                },
                created_at=NOW,
                dedupe_key="email:broken",
            ),
        )
        uow.commit()
    n = mail.ingest(desk, list_message(mid(1)), settings=SETTINGS, arrival=VIA_LIST)
    inquiries.reply(desk, n.inquiry or 0, "Which version?", by="alice")
    report = send_mail(desk, SETTINGS, sender_to(sink))
    assert (report.sent, report.retrying, report.failed) == (1, 0, 1)
    assert [m["Subject"] for m in sink.received] == ["Re: VisIt crashes on launch [sredesk #1]"]
    broken = next(m for m in outbox.list_outbox(desk) if m["failed"])
    assert broken["last_error"].startswith("ValueError: ")
    assert "linefeed" in broken["last_error"]
    assert "\n" not in broken["last_error"]
    with desk.unit_of_work() as uow:
        assert [e.action for e in uow.audit.list()][-1] == "outbox.failed"


class RcptRefusingSink(Sink):
    """Refuses one recipient for good, and another for now while `busy`."""

    busy = True

    async def handle_RCPT(
        self, server: object, session: object, envelope: Any, address: str, options: object
    ) -> str:
        if address == "gone@uni.example.edu":
            return "550 5.1.1 user unknown"
        if address == "busy@uni.example.edu" and self.busy:
            return "451 4.2.1 mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_refused_recipients_are_recorded_and_a_temporary_refusal_is_retried_alone(
    desk: Desk, clock: FixedClock
) -> None:
    payload = {
        "message_id": "<answer@visit.example.org>",
        "from": DESK,
        "to": [LIST.address],
        "cc": ["gone@uni.example.edu", "busy@uni.example.edu"],
        "subject": "Re: VisIt crashes on launch",
        "body": "Which version?",
    }
    with desk.unit_of_work() as uow:
        outbox.queue(
            uow,
            OutboundMessage(
                channel="email",
                kind="reply",
                payload=payload,
                created_at=NOW,
                dedupe_key="email:answer",
            ),
        )
        uow.commit()
    with smtp_sink(RcptRefusingSink) as sink:
        assert send_mail(desk, SETTINGS, sender_to(sink)).sent == 1
        assert sink.envelopes == [(DESK, [LIST.address])]
        first, rest = outbox.list_outbox(desk)
        assert (first["sent_at"] is not None, first["failed"]) == (True, False)
        assert "gone@uni.example.edu: 550 5.1.1 user unknown" in first["last_error"]
        assert "busy@uni.example.edu: 451 4.2.1" in first["last_error"]
        assert (rest["sent_at"], rest["next_attempt_at"] is not None) == (None, True)
        with desk.unit_of_work() as uow:
            (refused,) = [e for e in uow.audit.list() if e.action == "outbox.refused"]
            assert refused.after["retry"] == rest["id"]
            assert "gone@uni.example.edu" in refused.after["error"]
        assert send_mail(desk, SETTINGS, sender_to(sink)).sent == 0  # backing off
        sink.busy = False
        clock.advance(timedelta(minutes=2))
        assert send_mail(desk, SETTINGS, sender_to(sink)).sent == 1
        clock.advance(timedelta(hours=1))
        assert send_mail(desk, SETTINGS, sender_to(sink)).sent == 0
    # Only the recipient refused for now got it again: the same message, the same headers.
    assert sink.envelopes[1] == (DESK, ["busy@uni.example.edu"])
    again, original = sink.received[1], sink.received[0]
    assert [again[h] for h in ("Message-ID", "Date", "To", "Cc")] == [
        original[h] for h in ("Message-ID", "Date", "To", "Cc")
    ]
    assert [m["last_error"] for m in outbox.list_outbox(desk)][1] is None


def test_member_notifications_are_mailed_once_each(desk: Desk, sink: Sink) -> None:
    n = mail.ingest(desk, list_message(mid(1)), settings=SETTINGS, arrival=Arrival("visit-users"))
    escalations.escalate(desk, n.inquiry or 0, by="alice", note="Can you look at the reader?")
    assert send_mail(desk, SETTINGS, sender_to(sink)).sent == 1
    assert send_mail(desk, SETTINGS, sender_to(sink)).sent == 0
    (sent,) = sink.received
    assert sink.envelopes[0][1] == ["bob@example.org"]
    assert sent["Auto-Submitted"] == "auto-generated"
    with desk.unit_of_work() as uow:
        (notification,) = uow.notifications.list()
        assert notification.sent_at is not None
        assert uow.notifications.list(pending_only=True) == []


def test_a_night_without_the_smtp_server_gives_no_message_up(desk: Desk, clock: FixedClock) -> None:
    """The server is down for ten hours, the worker passing every five minutes: the mail
    waits, and goes out once when the server is back."""
    n = mail.ingest(desk, list_message(mid(1)), settings=SETTINGS, arrival=VIA_LIST)
    inquiries.reply(desk, n.inquiry or 0, "Which version?", by="alice")
    inquiries.reply(desk, n.inquiry or 0, "And which platform?", by="alice")
    port = free_port()  # nothing listens there yet
    down = SmtpSender("127.0.0.1", port, timeout=10)
    for _ in range(10 * 12):
        report = send_mail(desk, SETTINGS, down)
        assert (report.sent, report.failed) == (0, 0)
        clock.advance(timedelta(minutes=5))
    first, second = outbox.list_outbox(desk)
    assert (first["failed"], second["failed"]) == (False, False)
    assert first["last_error"].startswith("cannot reach the SMTP server at 127.0.0.1:")
    sink = Sink(port)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()  # the server is back
    try:
        clock.advance(UNREACHABLE_PAUSE)
        assert send_mail(desk, SETTINGS, down).sent == 2
        clock.advance(timedelta(hours=1))
        assert send_mail(desk, SETTINGS, down).sent == 0
    finally:
        controller.stop()
    assert len(sink.received) == 2


def test_refused_smtp_credentials_hold_the_mail_until_they_are_fixed(
    desk: Desk, clock: FixedClock
) -> None:
    """A wrong SMTP password fails no message: the mail waits for the operator's fix."""
    from aiosmtpd.smtp import AuthResult

    sink = Sink(free_port())

    def authenticator(*args: Any) -> AuthResult:
        login = args[-1]
        return AuthResult(success=login.password == b"right", handled=False)

    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=sink.port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    n = mail.ingest(desk, list_message(mid(1)), settings=SETTINGS, arrival=VIA_LIST)
    inquiries.reply(desk, n.inquiry or 0, "Which version?", by="alice")
    wrong = SmtpSender("127.0.0.1", sink.port, user="desk", password="wrong", timeout=10)
    controller.start()
    try:
        for _ in range(3 * 24):
            report = send_mail(desk, SETTINGS, wrong)
            assert (report.sent, report.failed) == (0, 0)
            clock.advance(timedelta(hours=1))
        (waiting,) = outbox.list_outbox(desk)
        assert waiting["failed"] is False
        assert "refused the desk's login (535 5.7.8" in waiting["last_error"]
        right = SmtpSender("127.0.0.1", sink.port, user="desk", password="right", timeout=10)
        assert send_mail(desk, SETTINGS, right).sent == 1
    finally:
        controller.stop()
    assert len(sink.received) == 1


def test_an_address_the_server_cannot_take_does_not_hold_up_the_others(desk: Desk) -> None:
    """A customer whose address needs SMTPUTF8 (jürgen@…), sent through a server without
    it: the list and the other customers get the reply, and the refusal is on record."""
    payload = {
        "message_id": "<answer@visit.example.org>",
        "from": DESK,
        "to": [LIST.address],
        "cc": ["jürgen@uni.example.edu", "pat@uni.example.edu"],
        "subject": "Re: Übersetzung",
        "body": "Grüße",
    }
    with desk.unit_of_work() as uow:
        outbox.queue(
            uow,
            OutboundMessage(
                channel="email", kind="reply", payload=payload, created_at=NOW, dedupe_key="e:1"
            ),
        )
        uow.commit()
    sink = Sink(free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port, enable_SMTPUTF8=False)
    controller.start()
    try:
        assert send_mail(desk, SETTINGS, sender_to(sink)).sent == 1
    finally:
        controller.stop()
    assert sink.envelopes == [(DESK, [LIST.address, "pat@uni.example.edu"])]
    (sent,) = outbox.list_outbox(desk)
    assert sent["failed"] is False
    assert "jürgen@uni.example.edu: 553 5.6.7" in sent["last_error"]
    assert "SMTPUTF8" in sent["last_error"]
    # As a mail client reads it: the names as written, the body in its charset.
    (message,) = (
        email.message_from_bytes(m.as_bytes(), policy=email.policy.default) for m in sink.received
    )
    assert message["Subject"] == "Re: Übersetzung"
    assert message.get_content().strip() == "Grüße"
