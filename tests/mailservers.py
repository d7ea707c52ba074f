"""Start real mail servers for the tests: Dovecot for IMAP, aiosmtpd as an SMTP sink."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI

DOVECOT = Path("/usr/sbin/dovecot")
USER, PASSWORD = "desk", "imap-test-password"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited: {log.read_text() if log.exists() else ''}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"dovecot did not listen on {port}")


def _accounts() -> tuple[str, int, int]:
    """Who Dovecot runs as, and the uid and gid that own the mail."""
    if os.getuid() == 0:
        # Dovecot refuses to give mail to root; its own unprivileged user owns it instead.
        nobody = pwd.getpwnam("nobody")
        return "", nobody.pw_uid, nobody.pw_gid
    me = pwd.getpwuid(os.getuid())
    group = grp.getgrgid(os.getgid()).gr_name
    settings = (
        f"default_internal_user = {me.pw_name}\ndefault_login_user = {me.pw_name}\n"
        f"default_internal_group = {group}\n"
    )
    return settings, os.getuid(), os.getgid()


CONFIG = """protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
{accounts}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0600
  }}
  unix_listener stats-writer {{
    mode = 0600
  }}
}}
"""


@dataclass(frozen=True)
class Dovecot:
    port: int
    user: str = USER
    password: str = PASSWORD


@contextmanager
def dovecot() -> Iterator[Dovecot]:
    """A Dovecot IMAP server on a free loopback port, with one test user and no mail."""
    if not DOVECOT.exists():
        message = "dovecot-imapd is not installed (apt-get install dovecot-imapd)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="sredesk-dovecot-"))
    try:
        with _running_dovecot(root) as port:
            yield Dovecot(port)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def _running_dovecot(root: Path) -> Iterator[int]:
    accounts, uid, gid = _accounts()
    root.chmod(0o755)  # the mail user must reach its home inside
    (root / "home").mkdir()
    if os.getuid() == 0:
        os.chown(root / "home", uid, gid)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(CONFIG.format(root=root, accounts=accounts, uid=uid, gid=gid, port=port))
    process = subprocess.Popen(
        [str(DOVECOT), "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process, root / "dovecot.log")
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Sink:
    """What an aiosmtpd sink received, and the answers it gives next."""

    port: int
    received: list[Message] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    # Status lines to answer DATA with, one per delivery, before accepting normally.
    failures: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.failures:
            return self.failures.pop(0)
        self.received.append(message_from_bytes(envelope.original_content or envelope.content))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@contextmanager
def smtp_sink(kind: type[Sink] = Sink) -> Iterator[Sink]:
    """A running sink of `kind`: a subclass may answer other commands its own way."""
    from aiosmtpd.controller import Controller

    port = free_port()
    sink = kind(port)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
