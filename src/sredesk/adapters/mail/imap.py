"""Poll one IMAP mailbox per list, and mark each message only after the desk has committed it.

The order is the guarantee: fetch, hand to the desk (which commits), then flag or move. A
crash before the commit leaves the message unmarked, so the next poll takes it again; a
crash after the commit but before the mark also leaves it unmarked, and the desk then
recognises it by Message-ID as a duplicate. Nothing is lost, nothing is imported twice.
"""

from __future__ import annotations

import imaplib
import logging
import threading
from collections.abc import Callable
from typing import Any

from imapclient import IMAPClient

from sredesk.core.errors import NotSetUp, first_line
from sredesk.services.ports import StoreUnavailable
from sredesk.settings import MailList, MailSettings

log = logging.getLogger("sredesk.mail.imap")

# Set on each message the desk has taken, when no folder is configured to move it to.
KEYWORD = "$SredeskImported"
# Servers drop idle connections after 30 minutes (RFC 3501); renew IDLE well before.
IDLE_SECONDS = 300
# What a long-running poller meets and waits out: the server away or refusing the login,
# a dropped connection, the desk's database down or not set up. Each is told in one line.
EXPECTED_TROUBLE: tuple[type[Exception], ...] = (
    OSError,
    imaplib.IMAP4.error,
    StoreUnavailable,
    NotSetUp,
)

Deliver = Callable[[bytes, str], object]


def connect(settings: MailSettings) -> IMAPClient:
    client = IMAPClient(
        settings.imap_host, port=settings.imap_port, ssl=settings.imap_ssl, timeout=60
    )
    try:
        client.login(settings.imap_user, settings.imap_password)
    except BaseException:
        client.shutdown()  # a refused login must not leave its connection open
        raise
    return client


class Poller:
    """Take new mail from the lists' IMAP folders into the desk through `deliver`."""

    def __init__(
        self,
        settings: MailSettings,
        deliver: Deliver,
        *,
        connect: Callable[[MailSettings], Any] = connect,
    ) -> None:
        self.settings, self.deliver, self._connect = settings, deliver, connect

    @property
    def mailboxes(self) -> list[MailList]:
        return [entry for entry in self.settings.lists if entry.mailbox]

    def poll_once(self) -> int:
        """Take what is waiting in every list's folder; return how many messages were taken."""
        client = self._connect(self.settings)
        try:
            return sum(self.poll_mailbox(client, entry) for entry in self.mailboxes)
        finally:
            _logout(client)

    def poll_mailbox(self, client: Any, mail_list: MailList) -> int:
        client.select_folder(mail_list.mailbox)
        done = self.settings.imap_done_mailbox
        # With a folder to move to, whatever is left is new; otherwise the keyword says.
        uids = client.search(["ALL"] if done else ["UNKEYWORD", KEYWORD])
        for uid in uids:
            fetched = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {})
            raw = fetched.get(b"BODY[]")
            if raw is None:
                continue  # expunged by someone else meanwhile
            self.deliver(bytes(raw), mail_list.name)  # returns once committed
            self._mark(client, uid)
        return len(uids)

    def _mark(self, client: Any, uid: int) -> None:
        done = self.settings.imap_done_mailbox
        if not done:
            client.add_flags([uid], [KEYWORD])
            return
        if not client.folder_exists(done):
            client.create_folder(done)
        if client.has_capability("MOVE"):
            client.move([uid], done)
        else:
            client.copy([uid], done)
            client.delete_messages([uid])
            if client.has_capability("UIDPLUS"):
                client.uid_expunge([uid])
            else:
                client.expunge()

    def watch(self, mail_list: MailList, stop: threading.Event, *, every: float = 60) -> None:
        """Poll one folder until `stop`, waiting in IDLE between polls when the server can."""
        client = self._connect(self.settings)
        try:
            while not stop.is_set():
                self.poll_mailbox(client, mail_list)
                if client.has_capability("IDLE"):
                    client.idle()
                    try:
                        client.idle_check(timeout=min(every, IDLE_SECONDS))
                    finally:
                        client.idle_done()
                else:
                    stop.wait(every)
        finally:
            _logout(client)

    def run(self, stop: threading.Event, *, every: float = 60) -> None:
        """Watch every list's folder, one connection each, until `stop` is set."""
        threads = [
            threading.Thread(
                target=self._watch_forever, args=(entry, stop, every), name=entry.name, daemon=True
            )
            for entry in self.mailboxes
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _watch_forever(self, mail_list: MailList, stop: threading.Event, every: float) -> None:
        while not stop.is_set():
            try:
                self.watch(mail_list, stop, every=every)
            except EXPECTED_TROUBLE as error:
                # A dropped connection or a database outage: nothing was marked, so wait
                # and take the same messages again.
                log.warning(
                    "polling %s failed: %s; retrying in %g s",
                    mail_list.mailbox,
                    first_line(error),
                    every,
                )
                stop.wait(every)
            except Exception:
                # Not a trouble the poller knows: a bug, so show where it is.
                log.exception("polling %s failed; retrying in %g s", mail_list.mailbox, every)
                stop.wait(every)


def _logout(client: Any) -> None:
    try:
        client.logout()
    except Exception:  # the connection may be gone already; nothing is left to clean up
        log.debug("IMAP logout failed", exc_info=True)
