"""The `sredesk mail` commands in real processes: backfill, the threading contract, refusals."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import IN_CI, NOW, populate
from tests.e2e.test_cli import SREDESK, run
from tests.mailfactory import LIST, SETTINGS, SHARED_MAIL, list_message, mid
from tests.mailservers import dovecot, free_port, smtp_sink

LISTS = SHARED_MAIL / "lists"
PIPERMAIL = LISTS / "pipermail" / "numpy-discussion-2001-November.txt"


def test_import_prints_the_summary_and_inquiries_show_their_message_ids(
    migrated_database_url: str, tmp_path: Path
) -> None:
    if not PIPERMAIL.exists() and not IN_CI:
        pytest.skip(f"the shared list archives are not at {LISTS}")
    assert run(migrated_database_url, "init").returncode == 0
    args = ["mail", "import", "--pipermail", str(PIPERMAIL), "--list", "numpy-discussion"]
    result = run(migrated_database_url, *args, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert list(summary) == [
        "messages",
        "inquiries_created",
        "replies_threaded",
        "duplicates",
        "ignored",
        "quarantined",
    ]
    assert summary["inquiries_created"] == 33
    listed = json.loads(run(migrated_database_url, "inquiry", "list", "--json").stdout)
    imported = [i for i in listed if i["source"] == "numpy-discussion"]
    assert len(imported) == 33
    thread = next(i for i in imported if "<3BE2FADF.23D659E9@home.net>" in i["message_ids"])
    shown = json.loads(
        run(migrated_database_url, "inquiry", "show", str(thread["number"]), "--json").stdout
    )
    assert "<20011102182318.66182.qmail@web12606.mail.yahoo.com>" in shown["message_ids"]
    again = run(migrated_database_url, *args)
    assert "duplicates: 164" in again.stdout
    mbox = tmp_path / "one.mbox"
    mbox.write_bytes(b"From someone Thu Nov  1 11:19:12 2001\n" + list_message(mid(1)))
    assert (
        json.loads(
            run(migrated_database_url, "mail", "import", "--mbox", str(mbox), "--json").stdout
        )["inquiries_created"]
        == 1
    )


@pytest.fixture(scope="module")
def desk_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('mail')}/desk.db"
    assert run(url, "init", "--no-demo").returncode == 0
    return url


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["mail", "import"], "give exactly one archive"),
        (["mail", "import", "--mbox", "/no/such.mbox"], "is not a file"),
        (["mail", "poll", "--once"], "mail is not configured"),
        (["mail", "send", "--once"], "mail is not configured"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(desk_url: str, args: list[str], message: str) -> None:
    result = run(desk_url, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def _imap_environment(tmp_path: Path, port: int, user: str, password: str) -> dict[str, str]:
    config = tmp_path / "imap.toml"
    config.write_text(
        '[mail]\naddress = "sre-desk@visit.example.org"\nimap_host = "127.0.0.1"\n'
        f'imap_port = {port}\nimap_ssl = false\nimap_user = "{user}"\n'
        '[mail.lists.visit-users]\naddress = "visit-users@lists.example.org"\n'
        'mailbox = "INBOX"\n'
    )
    return {
        "SREDESK_CONFIG": str(config),
        "SREDESK_MAIL_SECRET": SETTINGS.secret.decode(),
        "SREDESK_IMAP_PASSWORD": password,
    }


def test_polling_a_server_it_cannot_reach_or_log_in_to_is_one_line(
    desk_url: str, tmp_path: Path
) -> None:
    closed = run(
        desk_url,
        "mail",
        "poll",
        "--once",
        env=_imap_environment(tmp_path, free_port(), "desk", "x"),
    )
    assert closed.returncode == 2
    assert closed.stderr.startswith("error: cannot poll the IMAP server 127.0.0.1:")
    assert len(closed.stderr.strip().splitlines()) == 1
    with dovecot() as server:
        wrong = _imap_environment(tmp_path, server.port, server.user, "not-the-password")
        refused = run(desk_url, "mail", "poll", "--once", env=wrong)
    assert refused.returncode == 2
    assert "check mail.imap_* and SREDESK_IMAP_PASSWORD" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def test_listening_on_a_port_in_use_is_one_line(desk_url: str, tmp_path: Path) -> None:
    config = tmp_path / "listen.toml"
    config.write_text('[mail]\naddress = "sre-desk@visit.example.org"\n')
    env = {"SREDESK_CONFIG": str(config), "SREDESK_MAIL_SECRET": SETTINGS.secret.decode()}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(desk_url, "mail", "listen", "--port", str(port), env=env)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_configuration_without_the_secret_is_refused(desk_url: str, tmp_path: Path) -> None:
    config = tmp_path / "sredesk.toml"
    config.write_text('[mail]\naddress = "sre-desk@visit.example.org"\n')
    result = run(desk_url, "mail", "quarantine", env={"SREDESK_CONFIG": str(config)})
    assert result.returncode == 2
    assert "SREDESK_MAIL_SECRET" in result.stderr
    secret = {"SREDESK_CONFIG": str(config), "SREDESK_MAIL_SECRET": "s3cret-that-is-long-enough"}
    listed = run(desk_url, "mail", "quarantine", "--json", env=secret)
    assert listed.returncode == 0
    assert json.loads(listed.stdout) == []
    assert "s3cret" not in listed.stdout + listed.stderr


def test_an_import_into_a_desk_not_set_up_stops_in_one_line_and_keeps_nothing(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/new.db"
    mbox = tmp_path / "two.mbox"
    mbox.write_bytes(
        b"".join(b"From someone Thu Nov  1 11:19:12 2001\n" + list_message(mid(i)) for i in (1, 2))
    )
    refused = run(url, "mail", "import", "--mbox", str(mbox), "--json")
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == "error: the desk has no team yet; run 'sredesk init'\n"
    assert run(url, "init", "--no-demo").returncode == 0
    assert json.loads(run(url, "mail", "quarantine", "--json").stdout) == []
    imported = json.loads(run(url, "mail", "import", "--mbox", str(mbox), "--json").stdout)
    assert (imported["inquiries_created"], imported["duplicates"]) == (2, 0)


def test_a_maildir_with_only_cur_is_imported(desk_url: str, tmp_path: Path) -> None:
    # A maildir copied for archiving often keeps cur/ alone.
    cur = tmp_path / "Maildir" / "cur"
    cur.mkdir(parents=True)
    for i in range(2):
        (cur / f"170000000{i}.M{i}P1.host:2,S").write_bytes(list_message(mid(700 + i)))
    result = run(desk_url, "mail", "import", "--maildir", str(cur.parent), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["messages"] == 2


def test_a_file_that_is_not_an_mbox_is_refused_but_an_empty_one_imports_nothing(
    desk_url: str, tmp_path: Path
) -> None:
    noise = tmp_path / "noise.bin"
    noise.write_bytes(bytes(range(256)) * 64)
    result = run(desk_url, "mail", "import", "--mbox", str(noise))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {noise} has no mbox 'From ' lines; give an mbox file (or --maildir / --pipermail)"
    ]
    empty = tmp_path / "empty.mbox"
    empty.write_bytes(b"")
    result = run(desk_url, "mail", "import", "--mbox", str(empty), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["messages"] == 0


def _mail_environment(tmp_path: Path, smtp_port: int) -> dict[str, str]:
    config = tmp_path / "sredesk.toml"
    config.write_text(
        '[mail]\naddress = "sre-desk@visit.example.org"\nsmtp_host = "127.0.0.1"\n'
        f"smtp_port = {smtp_port}\n"
        '[mail.lists.visit-users]\naddress = "visit-users@lists.example.org"\n'
    )
    return {"SREDESK_CONFIG": str(config), "SREDESK_MAIL_SECRET": SETTINGS.secret.decode()}


def _desk_with_a_reply(path: Path) -> None:
    from sredesk.adapters.db.unit_of_work import Database
    from sredesk.adapters.memory import FixedClock
    from sredesk.services import inquiries, mail
    from sredesk.services.desk import Desk
    from sredesk.services.mail import Arrival
    from sredesk.services.mail_outbound import mail_publisher

    database = Database(f"sqlite:///{path}")
    desk = Desk(unit_of_work=database.unit_of_work, clock=FixedClock(NOW))
    populate(desk)
    desk.publishers.append(mail_publisher(SETTINGS))
    n = mail.ingest(desk, list_message(mid(1)), settings=SETTINGS, arrival=Arrival(LIST.name))
    inquiries.reply(desk, n.inquiry or 0, "Which version?", by="alice")
    database.dispose()


def test_the_send_worker_outlives_a_locked_database(tmp_path: Path) -> None:
    """`mail send --every` says that a pass failed and sends once the database is free;
    `--once` stops with the error in one line."""
    path = tmp_path / "desk.db"
    _desk_with_a_reply(path)
    url = f"sqlite:///{path}"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the database: a long import
    with smtp_sink() as sink:
        env = _mail_environment(tmp_path, sink.port)
        once = run(url, "mail", "send", "--once", env=env)
        assert once.returncode == 2
        assert "database is locked" in once.stderr
        assert len(once.stderr.strip().splitlines()) == 1
        worker = subprocess.Popen(
            [SREDESK, "mail", "send", "--every", "1"],
            env={**os.environ, "SREDESK_DATABASE_URL": url, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert worker.stderr is not None
            said = worker.stderr.readline()  # blocks until the first pass has failed
            assert "database is locked" in said
            assert said.rstrip().endswith("(retrying in 1 s)")
            holder.execute("ROLLBACK")
            deadline = time.monotonic() + 30
            while not sink.received and time.monotonic() < deadline:
                time.sleep(0.1)
            assert worker.poll() is None
        finally:
            holder.close()
            worker.terminate()
            out, _ = worker.communicate(timeout=10)
        assert len(sink.received) == 1
        assert "sent 1, retrying 0, failed 0" in out


def test_an_import_into_a_list_that_is_not_configured_is_refused(
    desk_url: str, tmp_path: Path
) -> None:
    mbox = tmp_path / "one.mbox"
    mbox.write_bytes(b"From someone Thu Nov  1 11:19:12 2001\n" + list_message(mid(1)))
    env = _mail_environment(tmp_path, 25)
    args = ["mail", "import", "--mbox", str(mbox), "--json"]
    refused = run(desk_url, *args, "--list", "visit-userz", env=env)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == (
        "error: --list visit-userz: no such list is configured; they are: visit-users\n"
    )
    assert json.loads(run(desk_url, "mail", "quarantine", "--json", env=env).stdout) == []
    taken = run(desk_url, *args, "--list", "visit-users", env=env)
    assert json.loads(taken.stdout)["inquiries_created"] == 1
