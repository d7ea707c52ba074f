"""Real list archives into SQLite and PostgreSQL: threads match the Message-ID graph exactly."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from sredesk.adapters.mail.archive import Archive, Kind, read_maildir, read_mbox, read_pipermail
from sredesk.adapters.mail.parse import parse
from sredesk.adapters.memory import FixedClock, MemoryStore
from sredesk.core.errors import InvalidInput
from sredesk.core.mailthread import links
from sredesk.services import inquiries, mail
from sredesk.services.desk import Desk
from sredesk.services.mail import Arrival
from tests.conftest import IN_CI, NOW, populate
from tests.mailfactory import SETTINGS, SHARED_MAIL, list_message, mid

LISTS = SHARED_MAIL / "lists"
PIPERMAIL = LISTS / "pipermail" / "numpy-discussion-2001-November.txt"
MBOXES = sorted((LISTS / "3gpp").glob("*.mbox"))


@pytest.fixture(autouse=True)
def _archives_present() -> None:
    if not PIPERMAIL.exists() and not IN_CI:
        pytest.skip(f"the shared list archives are not at {LISTS}")


def components(messages: list[bytes]) -> list[set[str]]:
    """The threads the Message-ID graph defines, computed apart from the desk."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    own: list[str] = []
    for raw in messages:
        parsed = parse(raw)
        own.append(parsed.message_id)
        for other in links(parsed.message_id, parsed.in_reply_to, parsed.references):
            parent[root(other)] = root(parsed.message_id)
    groups: dict[str, set[str]] = {}
    for message_id in own:
        groups.setdefault(root(message_id), set()).add(message_id)
    return list(groups.values())


def desk_threads(desk: Desk, message_ids: set[str]) -> list[set[str]]:
    found = []
    for summary in inquiries.list_inquiries(desk):
        held = set(summary["message_ids"]) & message_ids
        if held:
            found.append(held)
    return found


def imported_ids(desk: Desk) -> set[str]:
    with desk.unit_of_work() as uow:
        return {m.message_id for m in uow.mail.list(outcomes=("imported",))}


def test_the_numpy_pipermail_month_threads_as_its_message_id_graph(sql_desk: Desk) -> None:
    messages = list(read_pipermail(PIPERMAIL))
    assert len(messages) == 164
    arrival = Arrival(list_name="numpy-discussion", backfill=True)
    summary = mail.ingest_many(sql_desk, messages, settings=SETTINGS, arrival=arrival)
    # Pipermail's month file holds each of its 82 messages twice: stored once each.
    assert summary == {
        "messages": 164,
        "inquiries_created": 33,
        "replies_threaded": 49,
        "duplicates": 82,
        "ignored": 0,
        "quarantined": 0,
    }
    ids = imported_ids(sql_desk)
    expected = sorted(sorted(c) for c in components(messages))
    assert sorted(sorted(t) for t in desk_threads(sql_desk, ids)) == expected
    thread = inquiries.get_inquiry(sql_desk, 2)
    assert thread["title"] == "Assembly optimized numerical packages?"
    assert thread["customers"][:2] == ["hungjunglu@yahoo.com", "chrishbarker@home.net"]
    assert thread["created_at"].startswith("2001-11-02T10:24:10")
    again = mail.ingest_many(sql_desk, messages, settings=SETTINGS, arrival=arrival)
    assert again["duplicates"] == 164


def test_the_3gpp_mboxes_thread_and_quarantine_what_has_no_text(sql_desk: Desk) -> None:
    for path in MBOXES:
        messages = list(read_mbox(path))
        arrival = Arrival(list_name=path.stem, backfill=True)
        summary = mail.ingest_many(sql_desk, messages, settings=SETTINGS, arrival=arrival)
        assert summary["messages"] == len(messages)
        assert summary["ignored"] == 0
        ids = imported_ids(sql_desk)
        # A quarantined copy is no comment, but the ids it names still link its thread.
        expected = imported_threads(messages, ids)
        found = sorted(sorted(t) for t in desk_threads(sql_desk, ids) if t & expected_ids(expected))
        assert found == expected
    quarantined = mail.quarantine(sql_desk)
    assert quarantined  # some list copies lost their bodies in the archive
    assert {q["reason"] for q in quarantined} <= {
        "no text and no attachment",
        "no sender address: the message cannot be attributed",
    }


def expected_ids(groups: list[list[str]]) -> set[str]:
    return {i for group in groups for i in group}


def imported_threads(messages: list[bytes], imported: set[str]) -> list[list[str]]:
    """The threads of the whole Message-ID graph, as the imported messages show them."""
    return sorted(sorted(c & imported) for c in components(messages) if c & imported)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_3gpp_threads_are_the_same_whatever_the_arrival_order(seed: int) -> None:
    """Some list copies are quarantined mid-chain; a reply that came first still joins."""
    messages = [raw for path in MBOXES for raw in read_mbox(path)]
    random.Random(seed).shuffle(messages)
    desk = Desk(unit_of_work=MemoryStore().unit_of_work, clock=FixedClock(NOW))
    populate(desk)
    for raw in messages:
        mail.ingest(desk, raw, settings=SETTINGS, arrival=Arrival(list_name="3gpp"))
    ids = imported_ids(desk)
    found = sorted(sorted(t) for t in desk_threads(desk, ids))
    assert found == imported_threads(messages, ids)


def test_a_crash_mid_import_loses_nothing_and_a_rerun_resumes(sql_desk: Desk) -> None:
    messages = [list_message(mid(i), in_reply_to=mid(i - 1) if i else None) for i in range(30)]
    arrival = Arrival(list_name="visit-users", backfill=True)

    def crash_after(count: int) -> object:
        for index, raw in enumerate(messages):
            if index == count:
                raise KeyboardInterrupt  # the process dies mid-batch
            yield raw

    with pytest.raises(KeyboardInterrupt):
        mail.ingest_many(
            sql_desk, crash_after(25), settings=SETTINGS, arrival=arrival, batch_size=10
        )
    assert len(imported_ids(sql_desk)) == 20  # two whole batches, nothing of the third
    summary = mail.ingest_many(
        sql_desk, messages, settings=SETTINGS, arrival=arrival, batch_size=10
    )
    assert (summary["duplicates"], summary["replies_threaded"]) == (20, 10)
    (thread,) = inquiries.list_inquiries(sql_desk)
    assert len(thread["message_ids"]) == 30


def test_parsing_in_worker_processes_gives_the_same_import(tmp_path: Path) -> None:
    from sredesk.adapters.db.unit_of_work import Database
    from sredesk.adapters.memory import FixedClock
    from tests.conftest import NOW, populate

    messages = list(read_pipermail(PIPERMAIL))
    arrival = Arrival(list_name="numpy-discussion", backfill=True)
    results = []
    for workers in (0, 1):
        database = Database(f"sqlite:///{tmp_path}/w{workers}.db")
        desk = Desk(unit_of_work=database.unit_of_work, clock=FixedClock(NOW))
        populate(desk)
        summary = mail.ingest_many(
            desk, messages, settings=SETTINGS, arrival=arrival, batch_size=40, workers=workers
        )
        threads = [(i["title"], i["message_ids"]) for i in inquiries.list_inquiries(desk)]
        results.append((summary, threads))
        database.dispose()
    assert results[0] == results[1]


def test_maildir_names_sort_by_their_numbers_not_their_digits(tmp_path: Path) -> None:
    """Delivery names carry microseconds without leading zeros: M99999 came before M100000."""
    cur = tmp_path / "Maildir" / "cur"
    cur.mkdir(parents=True)
    names = ["1700000000.M100000P7.host:2,S", "1700000000.M99999P7.host:2,", "1699999999.M5P7.h"]
    for number, name in zip((2, 1, 0), names, strict=True):
        (cur / name).write_bytes(list_message(mid(number)))
    read = [parse(raw).message_id for raw in read_maildir(tmp_path / "Maildir")]
    assert read == [mid(0), mid(1), mid(2)]


def test_a_maildir_is_read_in_delivery_order(tmp_path: Path) -> None:
    import mailbox

    box = mailbox.Maildir(tmp_path / "Maildir")
    for i in range(3):
        box.add(list_message(mid(i)))
    assert [parse(raw).message_id for raw in read_maildir(tmp_path / "Maildir")] == [
        mid(0),
        mid(1),
        mid(2),
    ]
    with pytest.raises(InvalidInput):
        list(read_maildir(tmp_path))
    with pytest.raises(InvalidInput):
        list(read_pipermail(tmp_path / "Maildir" / "missing.txt"))


def maildir_name(delivered: int, flags: str | None) -> str:
    """A maildir file name: the delivery time first, then in cur/ ':2,' and the flags."""
    return f"170000000{delivered}.M{delivered}P1.host" + ("" if flags is None else f":2,{flags}")


# The messages delivered first, second and third (with their flags in cur/), in no order.
MAILDIR_LAYOUTS: dict[str, dict[str, list[tuple[int, str | None]]]] = {
    "only cur": {"cur": [(3, "S"), (1, "RS"), (2, "")]},
    "only new": {"new": [(2, None), (3, None), (1, None)]},
    "both": {"new": [(2, None)], "cur": [(3, "S"), (1, "")]},
}


@pytest.mark.parametrize("layout", MAILDIR_LAYOUTS)
def test_a_maildir_with_cur_or_new_or_both_is_read_in_delivery_order(
    tmp_path: Path, layout: str
) -> None:
    root = tmp_path / "Maildir"
    for folder, messages in MAILDIR_LAYOUTS[layout].items():
        (root / folder).mkdir(parents=True)
        for delivered, flags in messages:
            (root / folder / maildir_name(delivered, flags)).write_bytes(
                list_message(mid(delivered))
            )
        # Neither a dot file nor a folder is a message.
        (root / folder / f".{maildir_name(0, None)}").write_bytes(b"not a message")
        (root / folder / maildir_name(0, None)).mkdir()
    with Archive("maildir", root) as archive:
        assert len(archive) == 3
        assert [parse(raw).message_id for raw in archive] == [mid(1), mid(2), mid(3)]


def test_a_maildir_message_moved_or_deleted_while_importing_is_found_or_skipped(
    tmp_path: Path,
) -> None:
    """A mail reader moves new mail to cur/ and renames it by its flags as it goes."""
    root = tmp_path / "Maildir"
    for folder in ("new", "cur"):
        (root / folder).mkdir(parents=True)
    for delivered in (1, 2, 3):
        (root / "new" / maildir_name(delivered, None)).write_bytes(list_message(mid(delivered)))
    with Archive("maildir", root) as archive:
        read = iter(archive)
        assert parse(next(read)).message_id == mid(1)
        (root / "new" / maildir_name(2, None)).rename(root / "cur" / maildir_name(2, "S"))
        (root / "new" / maildir_name(3, None)).unlink()
        assert [parse(raw).message_id for raw in read] == [mid(2)]


def test_a_maildir_message_that_cannot_be_read_is_refused_in_one_line(tmp_path: Path) -> None:
    cur = tmp_path / "Maildir" / "cur"
    cur.mkdir(parents=True)
    (cur / maildir_name(1, "S")).write_bytes(list_message(mid(1)))
    looping = cur / maildir_name(2, "S")
    looping.symlink_to(looping)
    with pytest.raises(
        InvalidInput, match=r"cannot be read \(Too many levels.*\); fix or remove it$"
    ):
        list(read_maildir(cur.parent))


def test_an_archive_counts_its_messages_and_reads_each_once(tmp_path: Path) -> None:
    import mailbox

    box = mailbox.Maildir(tmp_path / "Maildir")
    for i in range(4):
        box.add(list_message(mid(i)))
    # The archives repeat some messages: the Pipermail month holds each of its 82 twice.
    cases: list[tuple[Kind, Path, int, int]] = [
        ("pipermail", PIPERMAIL, 164, 82),
        ("mbox", MBOXES[0], 59, 56),
        ("mbox", MBOXES[1], 50, 49),
        ("maildir", tmp_path / "Maildir", 4, 4),
    ]
    for kind, path, count, distinct in cases:
        with Archive(kind, path) as archive:
            assert len(archive) == count
            read = list(archive)
        assert len(read) == count
        assert len({parse(raw).message_id for raw in read}) == distinct


def test_an_empty_or_foreign_file_is_refused_in_one_line(tmp_path: Path) -> None:
    empty, foreign = tmp_path / "empty.txt", tmp_path / "notes.txt"
    empty.write_bytes(b"")
    foreign.write_text("Meeting notes\nFrom the floor: nothing.\n")
    for path in (empty, foreign):
        with pytest.raises(InvalidInput, match="has no Pipermail 'From user at host  date' lines"):
            Archive("pipermail", path)


def test_a_file_that_is_not_an_mbox_is_refused_in_one_line(tmp_path: Path) -> None:
    import random

    eml = SHARED_MAIL / "replies" / "talon" / "standard_replies" / "android.eml"
    noise = tmp_path / "noise.bin"
    noise.write_bytes(random.Random(5).randbytes(64 * 1024))
    for path in (eml, noise):
        with pytest.raises(InvalidInput, match=r"has no mbox 'From ' lines; give an mbox file"):
            Archive("mbox", path)
    empty = tmp_path / "empty.mbox"
    empty.write_bytes(b"")
    with Archive("mbox", empty) as archive:  # an empty mbox: nothing to import
        assert len(archive) == 0
        assert list(archive) == []


@pytest.mark.parametrize("kind", ["mbox", "pipermail", "maildir"])
def test_a_large_archive_is_read_a_message_at_a_time(tmp_path: Path, kind: Kind) -> None:
    """Reading 20 MB of archive holds about one message in memory, not the whole file."""
    import tracemalloc

    body = ("A line of a long message about a failing render of a large mesh.\n" * 150).encode()
    path = tmp_path / f"big.{kind}"
    if kind == "maildir":  # as copied for archiving: cur/ alone
        (path / "cur").mkdir(parents=True)
        for i in range(2000):
            message = f"Message-ID: <big{i}@example.org>\nSubject: big\n\n".encode() + body
            (path / "cur" / f"{1700000000 + i}.M{i}P1.host:2,S").write_bytes(message)
    else:
        with path.open("wb") as out:
            for i in range(2000):
                if kind == "mbox":
                    out.write(b"From someone@example.org Thu Nov  1 11:19:12 2001\n")
                else:
                    out.write(b"From someone at example.org  Thu Nov  1 11:19:12 2001\n")
                out.write(f"Message-ID: <big{i}@example.org>\nSubject: big\n\n".encode())
                out.write(body)
    size = sum(p.stat().st_size for p in [path, *path.rglob("*")] if p.is_file())
    assert size > 19_000_000
    tracemalloc.start()
    try:
        with Archive(kind, path) as archive:
            count = sum(1 for raw in archive if raw.startswith(b"Message-ID: <big"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 2000
    assert peak < 4_000_000, f"reading the archive held {peak:,} bytes at once"


@pytest.mark.parametrize("size", [5, 2, 1])
def test_a_thread_goes_on_through_a_quarantined_message_in_any_batch(
    sql_desk: Desk, size: int
) -> None:
    """Real list replies often carry In-Reply-To alone; a quarantined one must not cut the
    chain, whether it sits in the same batch as its answer or an earlier one."""
    chain = [
        list_message(mid(1)),
        list_message(mid(2), body=" ", in_reply_to=mid(1)),
        list_message(mid(3), in_reply_to=mid(2)),
        list_message(mid(4), body=" ", in_reply_to=mid(3)),
        list_message(mid(5), in_reply_to=mid(4)),
    ]
    arrival = Arrival(list_name="visit-users", backfill=True)
    summary = mail.ingest_many(sql_desk, chain, settings=SETTINGS, arrival=arrival, batch_size=size)
    assert (summary["inquiries_created"], summary["quarantined"]) == (1, 2)
    (thread,) = inquiries.list_inquiries(sql_desk)
    assert set(thread["message_ids"]) == {mid(i) for i in range(1, 6)}


@pytest.mark.parametrize("size", [2, 1])
def test_a_whole_copy_after_a_stripped_one_is_imported_in_any_batch(
    sql_desk: Desk, size: int
) -> None:
    copies = [list_message(mid(1), body=" "), list_message(mid(1)), list_message(mid(1))]
    arrival = Arrival(list_name="visit-users", backfill=True)
    summary = mail.ingest_many(
        sql_desk, copies, settings=SETTINGS, arrival=arrival, batch_size=size
    )
    assert (summary["inquiries_created"], summary["quarantined"], summary["duplicates"]) == (
        1,
        1,
        1,
    )
    assert mail.quarantine(sql_desk) == []
    (thread,) = inquiries.list_inquiries(sql_desk)
    assert thread["message_ids"] == [mid(1)]
