"""Time a backfill of realistic list threads into SQLite against bare `email.message_from_bytes`.

Run it with `.venv/bin/python bench/bench_mail.py [--messages N] [--seed S] [--workers W]`.
The threads are built from the shared corpora: real list messages open them, and replies
carry real reply text above the quoted parent, with In-Reply-To and References. As in a real
list archive, the messages come in date order, so threads interleave over weeks, and some
replies arrive before their parents. It exits with status 1 if the desk's threads differ from
the generated ones.

It also times two parts of an import alone, each a bound on any import that does the same:
sredesk's parser (MIME, charsets, quotation and signature: what the import does to a message
before storing it), and writing the rows the import left (inquiries, comments, message ids,
stored messages, audit events) into an empty desk with SQLAlchemy Core: no parsing,
threading or ORM.
"""

from __future__ import annotations

import argparse
import email
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import Engine, insert, select

from sredesk.adapters.db import tables
from sredesk.adapters.db.unit_of_work import Database
from sredesk.adapters.mail.archive import read_mbox, read_pipermail
from sredesk.adapters.mail.parse import parse
from sredesk.adapters.memory import FixedClock
from sredesk.services import mail, shifts, team
from sredesk.services.desk import Desk
from sredesk.services.mail import Arrival
from sredesk.settings import MailSettings

MAIL = Path(__file__).parents[2] / "shared" / "mail"
SETTINGS = MailSettings(address="sre-desk@visit.example.org", secret=b"benchmark secret key!")
TARGET_RATE, TARGET_SHARE = 1000, 0.5
NOW = datetime(2026, 11, 18, 18, 0, tzinfo=UTC)
# The archive's first day: its threads start over the weeks after.
START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def populate(desk: Desk) -> None:
    team.create_team(desk, "VisIt")
    for handle in ("alice", "bob"):
        team.add_member(desk, handle, handle.title(), f"{handle}@example.org")
    shifts.set_shift(desk, date(2026, 11, 16), "alice", "bob")


def corpora() -> tuple[list[tuple[str, str, str]], list[str]]:
    """Openings (sender, subject, text) from the list archives; reply texts from the clients."""
    openings = []
    archives = [*sorted((MAIL / "lists" / "3gpp").glob("*.mbox"))]
    raws = [raw for path in archives for raw in read_mbox(path)]
    raws += list(
        read_pipermail(MAIL / "lists" / "pipermail" / "numpy-discussion-2001-November.txt")
    )
    for raw in raws:
        parsed = parse(raw)
        if parsed.sender and parsed.display:
            openings.append((parsed.sender, parsed.subject, parsed.display))
    replies = [
        path.read_text(encoding="utf-8", errors="replace")
        for path in sorted((MAIL / "replies" / "email_reply_parser").glob("*.txt"))
    ]
    replies += [
        parse(path.read_bytes()).reply for path in (MAIL / "replies" / "talon").rglob("*.eml")
    ]
    return openings, [r for r in replies if r.strip() and len(r) < 4000]


def generate(count: int, seed: int) -> tuple[list[bytes], int]:
    """`count` messages in threads of 1-12, in date order, a few replies before parents."""
    rng = random.Random(seed)
    openings, replies = corpora()
    dated: list[tuple[datetime, bytes]] = []
    threads = 0
    # About 20 threads start a day; replies follow over hours to days.
    span = timedelta(days=max(1, count // 100))
    while len(dated) < count:
        threads += 1
        sender, subject, text = rng.choice(openings)
        size = min(rng.choice([1, 1, 2, 3, 4, 5, 6, 8, 12]), count - len(dated))
        thread: list[tuple[str, list[str], str]] = []
        sent = START + rng.random() * span
        for index in range(size):
            message_id = f"<t{threads}.m{index}.{rng.getrandbits(32):x}@bench.example.org>"
            if index == 0:
                thread.append((message_id, [], text))
                dated.append((sent, _message(message_id, [], sender, subject, text, sent)))
                continue
            parent_id, parent_refs, parent_text = thread[rng.randrange(len(thread))]
            quoted = "\n".join(f"> {line}" for line in parent_text.splitlines()[:40])
            body = (
                f"{rng.choice(replies).strip()}\n\nOn Mon, 2 Apr 2012, someone wrote:\n{quoted}\n"
            )
            refs = [*parent_refs, parent_id]
            who = f"user{rng.randrange(300)}@uni{rng.randrange(40)}.example.edu"
            thread.append((message_id, refs, body))
            sent += timedelta(minutes=rng.expovariate(1 / 600))
            dated.append((sent, _message(message_id, refs, who, f"Re: {subject}", body, sent)))
        if size > 2 and rng.random() < 0.2:
            # A reply that overtook its parent on the way: it reached the archive first.
            (first, older), (second, newer) = dated[-2], dated[-1]
            dated[-2], dated[-1] = (first, newer), (second, older)
    dated.sort(key=lambda pair: pair[0])
    return [raw for _sent, raw in dated], threads


def _message(
    message_id: str, refs: list[str], sender: str, subject: str, body: str, sent: datetime
) -> bytes:
    mail_message = EmailMessage()
    mail_message["From"] = sender
    mail_message["To"] = "visit-users@lists.example.org"
    mail_message["Subject"] = subject
    mail_message["Date"] = format_datetime(sent)
    mail_message["Message-ID"] = message_id
    mail_message["List-Id"] = "<visit-users.lists.example.org>"
    if refs:
        mail_message["In-Reply-To"] = refs[-1]
        mail_message["References"] = " ".join(refs[-10:])
    mail_message.set_content(body)
    return mail_message.as_bytes()


def best_rate(read: Callable[[bytes], object], messages: list[bytes], rounds: int = 3) -> float:
    """The best of `rounds` passes: a single pass varied by almost half from run to run."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for raw in messages:
            read(raw)
        best = min(best, time.perf_counter() - started)
    return len(messages) / best


# What an import writes: the rows a message leaves behind.
WRITTEN = (
    tables.inquiries,
    tables.comments,
    tables.message_refs,
    tables.mail_messages,
    tables.audit_events,
)


def import_rate(messages: list[bytes], workers: int) -> tuple[float, dict[str, int], int, float]:
    """The import's rate, its summary, its open inquiries, and the rate of its writes alone."""
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{folder}/bench.db")
        desk = Desk(unit_of_work=database.unit_of_work, clock=FixedClock(NOW))
        populate(desk)
        arrival = Arrival(list_name="visit-users", backfill=True)
        started = time.perf_counter()
        summary = mail.ingest_many(
            desk, messages, settings=SETTINGS, arrival=arrival, batch_size=500, workers=workers
        )
        elapsed = time.perf_counter() - started
        with desk.unit_of_work() as uow:
            open_threads = len(uow.inquiries.list(open_only=True))
        writes = _write_rate(database.engine, f"sqlite:///{folder}/copy.db", len(messages))
        database.dispose()
    return len(messages) / elapsed, summary, open_threads, writes


def _write_rate(source: Engine, url: str, count: int) -> float:
    """Messages a second at which the import's rows alone go into an empty desk.

    The rows are copied, as they are, with one SQLAlchemy Core executemany a table and
    batches of 500 messages' worth, the way a bulk writer with no parsing, threading or ORM
    would write them: a ceiling for any import that writes the same rows.
    """
    with source.connect() as connection:
        rows = {
            table: [dict(row) for row in connection.execute(select(table)).mappings()]
            for table in WRITTEN
        }
    target = Database(url)
    batches = 20
    started = time.perf_counter()
    with target.engine.begin() as connection:
        for table, found in rows.items():
            size = -(-len(found) // batches)
            for start in range(0, len(found), size or 1):
                connection.execute(insert(table), found[start : start + size])
    elapsed = time.perf_counter() - started
    target.dispose()
    return count / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="processes that parse while the importer writes (default 0: parse in the importer)",
    )
    args = parser.parse_args()
    messages, threads = generate(args.messages, args.seed)
    size = sum(map(len, messages)) / len(messages)
    print(f"{len(messages):,} messages in {threads:,} threads, {size:,.0f} bytes on average")
    bare = best_rate(email.message_from_bytes, messages)
    # What the import does to each message before storing anything: MIME, charsets, quotation.
    parsing = best_rate(parse, messages)
    rate, summary, open_threads, writes = import_rate(messages, args.workers)
    print(f"{'email.message_from_bytes':<28} {bare:>10,.0f} messages/s")
    share = f"({parsing / bare:.0%} of bare)"
    print(f"{'  sredesk parse() alone':<28} {parsing:>10,.0f} messages/s  {share}")
    print(
        f"{'sredesk import into SQLite':<28} {rate:>10,.0f} messages/s  ({rate / bare:.0%} of bare)"
    )
    print(
        f"{'  its rows alone, Core':<28} {writes:>10,.0f} messages/s  ({writes / bare:.0%} of bare)"
    )
    print(f"summary: {summary}")
    ok = summary["messages"] == len(messages) and open_threads == threads
    print(f"threads: {open_threads:,} inquiries for {threads:,} generated threads")
    print(
        f"target >= {TARGET_RATE:,}/s: {'met' if rate >= TARGET_RATE else 'missed'}; "
        f">= {TARGET_SHARE:.0%} of bare: {'met' if rate >= TARGET_SHARE * bare else 'missed'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
