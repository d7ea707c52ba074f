"""Poll a real Dovecot over IMAP: messages are marked only after the desk commits them."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from imapclient import IMAPClient

from sredesk.adapters.mail.imap import KEYWORD, Poller
from sredesk.services import inquiries, mail
from sredesk.services.desk import Desk
from sredesk.services.mail import Arrival
from sredesk.settings import MailSettings
from tests.mailfactory import LIST, SETTINGS, list_message, mid
from tests.mailservers import Dovecot, dovecot, free_port


@pytest.fixture(scope="module")
def server() -> Iterator[Dovecot]:
    with dovecot() as running:
        yield running


@pytest.fixture
def settings(server: Dovecot) -> MailSettings:
    # A folder per test keeps the tests apart on the one server.
    folder = f"list-{uuid.uuid4().hex[:12]}"
    mail_list = dataclasses.replace(LIST, mailbox=folder)
    return dataclasses.replace(
        SETTINGS,
        lists=(mail_list,),
        imap_host="127.0.0.1",
        imap_port=server.port,
        imap_ssl=False,
        imap_user=server.user,
        imap_password=server.password,
    )


def client(settings: MailSettings) -> IMAPClient:
    imap = IMAPClient("127.0.0.1", port=settings.imap_port, ssl=False, timeout=10)
    imap.login(settings.imap_user, settings.imap_password)
    return imap


def append(settings: MailSettings, *messages: bytes) -> None:
    imap = client(settings)
    folder = settings.lists[0].mailbox
    if not imap.folder_exists(folder):
        imap.create_folder(folder)
    for raw in messages:
        imap.append(folder, raw)
    imap.logout()


def keywords(settings: MailSettings, folder: str | None = None) -> list[bool]:
    imap = client(settings)
    imap.select_folder(folder or settings.lists[0].mailbox, readonly=True)
    flags = imap.get_flags(imap.search(["ALL"]))
    imap.logout()
    return [KEYWORD.encode() in f for _uid, f in sorted(flags.items())]


def deliver_into(desk: Desk, settings: MailSettings) -> object:
    def deliver(raw: bytes, list_name: str) -> object:
        return mail.ingest(desk, raw, settings=settings, arrival=Arrival(list_name=list_name))

    return deliver


def test_polled_mail_is_threaded_and_marked_only_after_the_commit(
    sql_desk: Desk, settings: MailSettings
) -> None:
    append(settings, list_message(mid(1)), list_message(mid(2), in_reply_to=mid(1)))
    marked_during: list[tuple[bool, bool]] = []

    def deliver(raw: bytes, list_name: str) -> object:
        index = len(marked_during)
        before = keywords(settings)[index]
        outcome = mail.ingest(
            sql_desk, raw, settings=settings, arrival=Arrival(list_name=list_name)
        )
        # Committed now, and the message is still unmarked: the mark comes after this returns.
        marked_during.append((before, keywords(settings)[index]))
        return outcome

    assert Poller(settings, deliver).poll_once() == 2
    assert marked_during == [(False, False), (False, False)]
    assert keywords(settings) == [True, True]
    (thread,) = inquiries.list_inquiries(sql_desk)
    assert thread["message_ids"] == [mid(1), mid(2)]
    assert thread["source"] == "visit-users"
    assert Poller(settings, deliver).poll_once() == 0  # nothing left unmarked


def test_a_crash_between_commit_and_mark_loses_nothing_and_imports_nothing_twice(
    sql_desk: Desk, settings: MailSettings
) -> None:
    append(settings, list_message(mid(1)), list_message(mid(2), in_reply_to=mid(1)))
    store = deliver_into(sql_desk, settings)

    class Crash(Exception):
        pass

    def crash_after_commit(raw: bytes, list_name: str) -> object:
        store(raw, list_name)  # type: ignore[operator]
        raise Crash  # the process dies before the message is marked

    with pytest.raises(Crash):
        Poller(settings, crash_after_commit).poll_once()
    assert keywords(settings) == [False, False]
    assert Poller(settings, store).poll_once() == 2  # type: ignore[arg-type]
    assert keywords(settings) == [True, True]
    with sql_desk.unit_of_work() as uow:
        assert [m.message_id for m in uow.mail.list()] == [mid(1), mid(2)]
    (thread,) = inquiries.list_inquiries(sql_desk)
    assert len([c for c in inquiries.get_inquiry(sql_desk, thread["number"])["comments"]]) == 2


def test_with_a_done_folder_messages_move_after_the_commit(
    sql_desk: Desk, settings: MailSettings
) -> None:
    moving = dataclasses.replace(settings, imap_done_mailbox=f"{settings.lists[0].mailbox}-done")
    append(moving, list_message(mid(1)))
    assert Poller(moving, deliver_into(sql_desk, moving)).poll_once() == 1  # type: ignore[arg-type]
    assert keywords(moving) == []
    assert keywords(moving, moving.imap_done_mailbox) == [False]
    assert len(inquiries.list_inquiries(sql_desk)) == 1


def test_watching_in_idle_takes_mail_as_it_arrives(sql_desk: Desk, settings: MailSettings) -> None:
    append(settings, list_message(mid(1)))
    poller = Poller(settings, deliver_into(sql_desk, settings))  # type: ignore[arg-type]
    stop = threading.Event()
    watcher = threading.Thread(target=poller.watch, args=(settings.lists[0], stop), daemon=True)
    watcher.start()
    try:
        wait_for(lambda: len(inquiries.list_inquiries(sql_desk)) == 1)
        append(settings, list_message(mid(2), sender="b@lab.gov"))
        wait_for(lambda: len(inquiries.list_inquiries(sql_desk)) == 2)
    finally:
        stop.set()
        append(settings, list_message(mid(3)))  # wakes the IDLE so the watcher sees `stop`
        watcher.join(10)
    assert not watcher.is_alive()


def wait_for(condition: object, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.mark.parametrize("trouble", ["no server", "wrong password"])
def test_a_failed_poll_is_logged_in_one_line_and_retried(
    sql_desk: Desk, settings: MailSettings, caplog: pytest.LogCaptureFixture, trouble: str
) -> None:
    """The server away or the login refused: each attempt is one line that says why, not a
    traceback a minute; the poller keeps trying."""
    broken = (
        dataclasses.replace(settings, imap_port=free_port())
        if trouble == "no server"
        else dataclasses.replace(settings, imap_password="not the password")
    )
    poller = Poller(broken, deliver_into(sql_desk, broken))  # type: ignore[arg-type]
    stop = threading.Event()
    runner = threading.Thread(target=poller.run, args=(stop,), kwargs={"every": 0.2})
    with caplog.at_level(logging.WARNING, logger="sredesk.mail.imap"):
        runner.start()
        try:
            # Dovecot answers a refused login after a pause of seconds, longer on a busy machine.
            wait_for(lambda: len(caplog.records) >= 2, timeout=60)
        finally:
            stop.set()
            runner.join(10)
    assert not runner.is_alive()
    folder = settings.lists[0].mailbox
    reason = "ConnectionRefusedError" if trouble == "no server" else "LoginError"
    for record in caplog.records:
        assert record.exc_info is None
        said = record.getMessage()
        assert said.startswith(f"polling {folder} failed: {reason}: "), said
        assert said.endswith("; retrying in 0.2 s")
        assert "\n" not in said
