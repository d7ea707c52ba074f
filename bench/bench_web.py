"""Time the queue page for a busy desk against a bare FastAPI endpoint, over loopback.

Run it with `.venv/bin/python bench/bench_web.py [--open N] [--closed N] [--requests N]`.
It builds a SQLite desk with `--open` open inquiries (2,000) and `--closed` closed ones
(200,000), serves it with `sredesk serve` and a bare FastAPI page with the same uvicorn,
each in a process of its own, and times `--requests` GETs of the queue's first page (the
"all" view, signed in as a member) and of the bare page from a third process. It prints
the median, p95, p99 and maximum of each and their ratios, and exits with status 1 if the
queue's median is 50 ms or more or its p99 150 ms or more.

The closed inquiries take a minute or two to build, so they are kept in the system's temp
folder (sredesk-bench-web/) and reused; `--fresh` rebuilds them. The servers use the wall
clock, so each run adds this week's shifts and the open inquiries to a copy, dated back
from now: some on track, some at risk, most breached, as on a desk that fell behind.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.progress import Progress
from sqlalchemy import insert

from sredesk.adapters.clock import SystemClock
from sredesk.adapters.db import tables
from sredesk.adapters.db.unit_of_work import Database
from sredesk.core.calendar import BusinessCalendar
from sredesk.services import accounts, shifts, team
from sredesk.services.desk import Desk

HERE = Path(__file__).parent
TARGET_MEDIAN_MS, TARGET_P99_MS = 50.0, 150.0
USER, PASSWORD = "alice", "correct horse battery"
MEMBERS = ("alice", "bob", "carol", "dave")
SOURCES = [
    ("email", "visit-users"),
    ("email", "visit-help-asc"),
    ("github", "visit-dav/visit-help"),
    ("github", "visit-dav/visit"),
    ("hotline", "desk hotline"),
    ("redirect", "hallway"),
]
TITLES = [
    "Crash opening a Silo file with {n} domains",
    "Pseudocolor plot empty after upgrading to 3.{n}",
    "Cannot connect to the cluster from a laptop (attempt {n})",
    "Parallel engine hangs at {n} ranks",
    "Expression editor loses my expression {n}",
    "Licence question for release 3.{n}",
]
BATCH = 5_000
# Raise when the cached history's rows change shape, so that old caches are not reused.
HISTORY_VERSION = 1


def history(path: Path, closed_count: int, seed: int) -> None:
    """The team, a member's account, and years of closed inquiries: the cached part."""
    database = Database(f"sqlite:///{path}")
    desk = Desk(unit_of_work=database.unit_of_work, clock=SystemClock())
    team.create_team(desk, "VisIt")
    for handle in MEMBERS:
        team.add_member(desk, handle, handle.title(), f"{handle}@example.org")
    accounts.add_user(desk, USER, "member", PASSWORD)
    _add_inquiries(database, desk, _batches(closed_count, ["closed"]), closed_count, seed)
    with database.engine.begin() as connection:
        # Fold the write-ahead log into the file, so that copying the file copies it all.
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()


def this_week(path: Path, open_count: int, seed: int) -> None:
    """Shifts around this week and the open inquiries, dated back from now: the fresh part."""
    database = Database(f"sqlite:///{path}")
    desk = Desk(unit_of_work=database.unit_of_work, clock=SystemClock())
    monday = desk.now().date() - timedelta(days=desk.now().weekday())
    for offset in range(-2, 4):
        primary, backup = MEMBERS[offset % 4], MEMBERS[(offset + 1) % 4]
        shifts.set_shift(desk, monday + timedelta(weeks=offset), primary, backup)
    _add_inquiries(database, desk, _batches(open_count, _OPEN_MIX), open_count, seed)
    database.dispose()


def inquiry_row(
    rng: random.Random, calendar: BusinessCalendar, created: datetime, state: str
) -> dict[str, Any]:
    channel, source = rng.choice(SOURCES)
    due = calendar.add(created, timedelta(hours=4))
    answered = None if state == "new" else created + timedelta(minutes=rng.randrange(10, 600))
    done = created + timedelta(days=rng.randrange(1, 30)) if state == "closed" else None
    return {
        "title": rng.choice(TITLES).format(n=rng.randrange(1, 40)),
        "channel": channel,
        "source": source,
        "created_at": created,
        "response_due": due,
        "customers": [f"user{rng.randrange(5000)}@uni{rng.randrange(60)}.example.edu"],
        "state": state,
        "assignee": rng.choice([*MEMBERS, None]),
        "labels": ["silo"] if rng.random() < 0.1 else [],
        "sensitive": rng.random() < 0.05,
        "serious": rng.random() < 0.02,
        "response_hours": 2.0 if rng.random() < 0.03 else None,
        "keep_at_handoff": state != "closed" and rng.random() < 0.03,
        "first_response_at": answered,
        "resolved_at": done,
        "closed_at": done + timedelta(days=7) if done else None,
        "waiting_since": answered if state == "waiting-on-customer" else None,
        "last_customer_at": created,
        "last_desk_at": answered,
        "redirected_by": None,
        "redirect_confirmed_at": None,
    }


def _insert(database: Database, rows: list[dict[str, Any]]) -> None:
    """Add the inquiries and, for each, the customer's opening message."""
    comments = [
        {
            "inquiry_number": row["number"],
            "author": row["customers"][0],
            "body": "Please see the attached log; it fails the same way every time.",
            "created_at": row["created_at"],
            "public": True,
            "by_member": False,
            "source_message_id": None,
        }
        for row in rows
    ]
    with database.engine.begin() as connection:
        connection.execute(insert(tables.inquiries), rows)
        connection.execute(insert(tables.comments), comments)


def _add_inquiries(
    database: Database, desk: Desk, batches: Iterator[list[str]], count: int, seed: int
) -> None:
    with desk.unit_of_work() as uow:
        calendar = desk.calendar(uow)
    with database.engine.connect() as connection:
        done = connection.exec_driver_sql("SELECT count(*) FROM inquiries").scalar_one()
    rng, now = random.Random(seed + done), desk.now()
    with Progress(transient=True) as progress:
        task = progress.add_task(f"adding {count:,} inquiries", total=count)
        for batch in batches:
            rows = [inquiry_row(rng, calendar, _created(rng, now, state), state) for state in batch]
            for number, row in enumerate(rows, start=done + 1):
                row["number"] = number
            done += len(rows)
            _insert(database, rows)
            progress.advance(task, len(rows))


def prepare(folder: Path, args: argparse.Namespace) -> Path:
    """A copy of the cached history, with this week's shifts and open inquiries added."""
    cached = Path(tempfile.gettempdir()) / "sredesk-bench-web"
    cached /= f"history-{args.closed}-closed-seed{args.seed}-v{HISTORY_VERSION}.db"
    if args.fresh or not cached.exists():
        began = time.perf_counter()
        cached.parent.mkdir(exist_ok=True)
        partial = cached.with_suffix(".partial")
        for leftover in cached.parent.glob(partial.name + "*"):
            leftover.unlink()
        history(partial, args.closed, args.seed)
        partial.replace(cached)  # only a finished history is ever reused
        print(f"built {args.closed:,} closed inquiries in {time.perf_counter() - began:.1f} s")
    database = folder / "desk.db"
    shutil.copyfile(cached, database)
    this_week(database, args.open, args.seed)
    return database


_OPEN_MIX = ["new"] * 5 + ["responded"] * 3 + ["waiting-on-customer"] * 2


def _batches(count: int, states: list[str]) -> Iterator[list[str]]:
    for start in range(0, count, BATCH):
        yield [states[i % len(states)] for i in range(start, min(count, start + BATCH))]


def _created(rng: random.Random, now: datetime, state: str) -> datetime:
    back = timedelta(days=3 * 365) if state == "closed" else timedelta(days=6)
    return (now - back * rng.random()).replace(microsecond=0).astimezone(UTC)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(
    command: list[str], env: dict[str, str], port: int, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server until the block ends, however it ends, once it answers on `port`."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{command} exited: {log.read_text()[-2000:]}")
            try:
                httpx.get(_url(port) + "/login", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{command} did not answer within 60 s") from None
                time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cpu_ms(pids: list[int]) -> list[float] | None:
    """The processor time (user and system) each process has used, where /proc tells."""
    try:
        fields = [Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split() for pid in pids]
    except OSError:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    return [(int(f[11]) + int(f[12])) * 1000 / tick for f in fields]


def run_load(
    command: list[str], pids: list[int]
) -> tuple[dict[str, list[float]], list[float] | None]:
    """Time the servers from a process of their own; also the CPU they used meanwhile.

    The CPU time per request barely moves with the machine's load, unlike latency.
    """
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        stdin, stdout = process.stdin, process.stdout
        if stdin is None or stdout is None:
            raise RuntimeError("the load process has no pipes")
        before = None
        try:
            if stdout.readline().strip() == "warm":
                before = cpu_ms(pids)
                stdin.write("go\n")
                stdin.flush()
            out, err = process.communicate(timeout=900)
        except BaseException:
            process.kill()
            raise
        after = cpu_ms(pids)
    if process.returncode:
        raise SystemExit(f"the load process failed: {err.strip()}")
    used = None
    if before is not None and after is not None:
        used = [end - start for start, end in zip(before, after, strict=True)]
    return json.loads(out), used


def figures(times: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return {"median": statistics.median(times), "p95": cuts[94], "p99": cuts[98], "max": max(times)}


def report(desk: dict[str, float], bare: dict[str, float]) -> bool:
    names = [k for k in ("median", "p95", "p99", "max", "cpu") if k in desk]
    print(f"{'(ms)':<28}" + "".join(f"{'CPU/req' if k == 'cpu' else k:>9}" for k in names))
    for name, row in (("queue page (GET /)", desk), ("bare FastAPI endpoint", bare)):
        print(f"{name:<28}" + "".join(f"{row[k]:>9.1f}" for k in names))
    print(f"{'ratio queue / bare':<28}" + "".join(f"{desk[k] / bare[k]:>8.1f}x" for k in names))
    median_ok, p99_ok = desk["median"] < TARGET_MEDIAN_MS, desk["p99"] < TARGET_P99_MS
    print(
        f"target median < {TARGET_MEDIAN_MS:.0f} ms: {'met' if median_ok else 'missed'}; "
        f"p99 < {TARGET_P99_MS:.0f} ms: {'met' if p99_ok else 'missed'}"
    )
    return median_ok and p99_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=2_000)
    parser.add_argument("--closed", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--fresh", action="store_true", help="rebuild the cached closed inquiries first"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-web-") as folder:
        work = Path(folder)
        database = prepare(work, args)
        env = {**os.environ, "SREDESK_DATABASE_URL": f"sqlite:///{database}"}
        desk_port, bare_port = free_port(), free_port()
        sredesk = [str(Path(sys.executable).parent / "sredesk"), "serve", "--watch-every", "0"]
        bare = [sys.executable, str(HERE / "_load.py"), "serve-bare", "--port", str(bare_port)]
        with (
            server([*sredesk, "--port", str(desk_port)], env, desk_port, work / "desk.log") as desk,
            server(bare, env, bare_port, work / "bare.log") as baseline,
        ):
            load = [sys.executable, str(HERE / "_load.py"), "load", "--desk", _url(desk_port)]
            load += ["--bare", _url(bare_port), "--user", USER, "--password", PASSWORD]
            load += ["--expect", f"{args.open} open inquiries"]
            load += ["--requests", str(args.requests), "--warmup", str(args.warmup)]
            times, cpu = run_load(load, [desk.pid, baseline.pid])
    print(f"{args.requests} sequential requests to each after {args.warmup} to warm up")
    desk_figures, bare_figures = figures(times["desk"]), figures(times["bare"])
    if cpu is not None:
        desk_figures["cpu"], bare_figures["cpu"] = (c / args.requests for c in cpu)
    return 0 if report(desk_figures, bare_figures) else 1


def _url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


if __name__ == "__main__":
    sys.exit(main())
