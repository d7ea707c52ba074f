"""The long-running workers in real processes: they outlive a database that goes away."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import populate
from tests.e2e.test_cli import SREDESK

# Always open, so that the worker has warnings to give whenever the test runs.
ALWAYS_OPEN = """
[calendars.llnl]
hours = { mon-sun = ["00:00-24:00"] }
holidays = "none"
winter_closure = false
"""


def _desk_with_a_late_inquiry(path: Path) -> None:
    from sredesk.adapters.db.unit_of_work import Database
    from sredesk.adapters.memory import FixedClock
    from sredesk.services import inquiries
    from sredesk.services.desk import Desk

    database = Database(f"sqlite:///{path}")
    clock = FixedClock(datetime.now(UTC) - timedelta(hours=6))
    desk = Desk(unit_of_work=database.unit_of_work, clock=clock)
    populate(desk)
    n = inquiries.open_inquiry(desk, title="Crash", channel="email", source="visit-users")
    inquiries.assign(desk, n, "alice", by="alice")
    database.dispose()


def test_the_clock_watcher_outlives_a_locked_database(tmp_path: Path) -> None:
    """`sla watch --every` says in one line that a pass failed, and warns once the
    database is free, each warning once; `--once` stops with the error in one line."""
    path = tmp_path / "desk.db"
    _desk_with_a_late_inquiry(path)
    config = tmp_path / "sredesk.toml"
    config.write_text(ALWAYS_OPEN)
    env = {**os.environ, "SREDESK_DATABASE_URL": f"sqlite:///{path}", "SREDESK_CONFIG": str(config)}
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the database: a long import
    try:
        once = subprocess.run(
            [SREDESK, "sla", "watch", "--once"], env=env, capture_output=True, text=True, timeout=60
        )
        assert once.returncode == 2
        assert len(once.stderr.strip().splitlines()) == 1
        assert "database is locked" in once.stderr
        with subprocess.Popen(
            [SREDESK, "sla", "watch", "--every", "1"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as worker:
            assert worker.stderr is not None
            assert worker.stdout is not None
            try:
                said = worker.stderr.readline()  # blocks until the first pass has failed
                assert "database is locked" in said
                assert said.rstrip().endswith("(retrying in 1 s)")
                holder.execute("ROLLBACK")
                warned = [worker.stdout.readline() for _ in range(3)]
                assert warned[:2] == ["#1: clock:1:50 -> alice\n", "#1: clock:1:75 -> alice\n"]
                # To the Backup on duty, or to alice when the shifts no longer reach today.
                assert warned[2].startswith("#1: clock:1:breach -> ")
                time.sleep(2.5)  # more passes: no warning twice
                assert worker.poll() is None
            finally:
                worker.terminate()
            assert worker.stdout.read() == ""
    finally:
        holder.close()


@pytest.mark.parametrize("every", ["-1", "nan"])
def test_serve_refuses_a_watch_interval_below_zero(tmp_path: Path, every: str) -> None:
    """A negative interval would run the watcher without a pause, hammering the database."""
    env = {**os.environ, "SREDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}"}
    refused = subprocess.run(
        [SREDESK, "serve", "--port", "1", "--watch-every", every],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert refused.returncode == 2
    assert "--watch-every" in refused.stderr
    assert not (tmp_path / "desk.db").exists()


def test_a_second_mail_listener_on_a_taken_port_stops_in_one_line(tmp_path: Path) -> None:
    """Started twice by mistake, the second `mail listen` says the port is taken, exit 2."""
    config = tmp_path / "sredesk.toml"
    config.write_text('[mail]\naddress = "sre-desk@visit.example.org"\n')
    env = {
        **os.environ,
        "SREDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "SREDESK_CONFIG": str(config),
        "SREDESK_MAIL_SECRET": "a test secret of enough length",
    }
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = subprocess.run(
            [SREDESK, "mail", "listen", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert refused.returncode == 2
    (said,) = refused.stderr.strip().splitlines()
    assert said.startswith(f"error: cannot listen on 127.0.0.1:{port}: "), said
    assert "address already in use" in said


@pytest.mark.parametrize(
    "command",
    [
        ["sla", "watch", "--every"],
        ["mail", "send", "--every"],
        ["mail", "poll", "--every"],
        ["serve", "--watch-every"],
    ],
)
def test_a_worker_refuses_an_interval_past_a_day(tmp_path: Path, command: list[str]) -> None:
    """An interval no timer takes (inf, 1e300) was accepted, and the worker stopped with a
    traceback after its first pass."""
    env = {**os.environ, "SREDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}"}
    for every in ("inf", "1e300", "86401"):
        refused = subprocess.run(
            [SREDESK, *command, every], env=env, capture_output=True, text=True, timeout=30
        )
        assert refused.returncode == 2, refused.stderr
        assert command[-1] in refused.stderr
        assert "Traceback" not in refused.stderr
    assert not (tmp_path / "desk.db").exists()
