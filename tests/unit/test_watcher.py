"""The clock watcher: each warning once, to the right person, in business hours only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sredesk.adapters.memory import FixedClock
from sredesk.services import inquiries, shifts, team, watcher
from sredesk.services.desk import Desk


def pending(desk: Desk) -> list[tuple[str, str | None]]:
    with desk.unit_of_work() as uow:
        return [(n.recipient, n.dedupe_key) for n in uow.notifications.list() if n.kind == "clock"]


def test_thresholds_then_breach_each_once(memory_desk: Desk, clock: FixedClock) -> None:
    n = inquiries.open_inquiry(memory_desk, title="Crash", channel="email", source="l")
    assert watcher.watch_once(memory_desk) == []
    clock.advance(timedelta(hours=3))  # Wed 13:00: 2 business hours, 50%
    assert [w.key for w in watcher.watch_once(memory_desk)] == [f"clock:{n}:50"]
    assert watcher.watch_once(memory_desk) == []  # not again
    clock.advance(timedelta(hours=1))  # 14:00: 75%
    assert [w.key for w in watcher.watch_once(memory_desk)] == [f"clock:{n}:75"]
    clock.advance(timedelta(hours=1, minutes=1))  # 15:01: breached
    breach = watcher.watch_once(memory_desk)
    assert [(w.recipient, w.key) for w in breach] == [("bob", f"clock:{n}:breach")]
    assert pending(memory_desk) == [
        ("alice", f"clock:{n}:50"),
        ("alice", f"clock:{n}:75"),
        ("bob", f"clock:{n}:breach"),
    ]


def test_a_breach_by_the_primarys_delegate_is_told_to_the_primary(
    memory_desk: Desk, clock: FixedClock
) -> None:
    """bob, the Backup, holds the desk for alice: his miss must reach someone else."""
    d = shifts.delegate(memory_desk, clock.now(), clock.now() + timedelta(days=1), by="alice")
    shifts.answer_delegation(memory_desk, d, by="bob", accept=True)
    n = inquiries.open_inquiry(memory_desk, title="Crash", channel="email", source="l")
    assert inquiries.get_inquiry(memory_desk, n)["assignee"] == "bob"
    clock.advance(timedelta(hours=5, minutes=1))  # 15:01: breached
    assert pending(memory_desk) == []
    watcher.watch_once(memory_desk)
    assert pending(memory_desk) == [
        ("bob", f"clock:{n}:50"),
        ("bob", f"clock:{n}:75"),
        ("alice", f"clock:{n}:breach"),
    ]


def test_responded_inquiries_are_not_watched(memory_desk: Desk, clock: FixedClock) -> None:
    n = inquiries.open_inquiry(memory_desk, title="Crash", channel="email", source="l")
    inquiries.acknowledge(memory_desk, n, by="alice")
    clock.advance(timedelta(hours=8))
    assert watcher.watch_once(memory_desk) == []


def test_warnings_wait_for_the_next_opening(memory_desk: Desk, clock: FixedClock) -> None:
    # Arrives Wednesday 16:00 PST; 50% is reached at Thursday 09:00 PST.
    clock.current = datetime(2026, 11, 19, 0, 0, tzinfo=UTC)
    n = inquiries.open_inquiry(memory_desk, title="Late", channel="email", source="l")
    clock.current = datetime(2026, 11, 19, 6, 0, tzinfo=UTC)  # Wed 22:00 PST: closed
    assert watcher.watch_once(memory_desk) == []
    clock.current = datetime(2026, 11, 19, 19, 0, tzinfo=UTC)  # Thu 11:00 PST: 3 h used
    assert [w.key for w in watcher.watch_once(memory_desk)] == [f"clock:{n}:50", f"clock:{n}:75"]


def test_a_restart_does_not_repeat_warnings(memory_desk: Desk, clock: FixedClock) -> None:
    inquiries.open_inquiry(memory_desk, title="Crash", channel="email", source="l")
    clock.advance(timedelta(hours=3))
    first = watcher.watch_once(memory_desk)
    # A new desk on the same store is what a restarted service sees.
    restarted = Desk(unit_of_work=memory_desk.unit_of_work, clock=clock)
    assert len(first) == 1
    assert watcher.watch_once(restarted) == []


def test_a_warning_names_a_classified_inquiry_by_its_number_only(
    memory_desk: Desk, clock: FixedClock
) -> None:
    # Warnings are mailed to members; a classified inquiry's title and source never leave.
    team.update_member(memory_desk, "alice", classified_access=True)  # the Primary holds it
    plain = inquiries.open_inquiry(memory_desk, title="Crash", channel="email", source="l")
    secret = inquiries.open_inquiry(
        memory_desk,
        title="Export-controlled code at Site X",
        channel="email",
        source="site-x-list",
        sensitive=True,
    )
    clock.advance(timedelta(hours=3))
    watcher.watch_once(memory_desk)
    with memory_desk.unit_of_work() as uow:
        found = {n.inquiry_number: (n.subject, n.body) for n in uow.notifications.list()}
    assert found[plain][1] == (
        f"Inquiry #{plain}, 'Crash' (email:l), has no response yet: 50% of the response "
        "time used; respond by Wed 18 Nov 15:00 PST."
    )
    subject, body = found[secret]
    assert (
        subject
        == f"[sredesk #{secret}] 50% of the response time used; respond by Wed 18 Nov 15:00 PST"
    )
    assert body == (
        f"Inquiry #{secret} has no response yet: 50% of the response time used; respond by "
        "Wed 18 Nov 15:00 PST."
    )
