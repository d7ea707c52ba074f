"""Calendar feeds fetched at the same time, on SQLite and PostgreSQL, from real threads."""

from __future__ import annotations

import threading
from datetime import timedelta

import icalendar
import pytest

from sredesk.adapters.memory import _Rotation
from sredesk.core.model import FeedEvent
from sredesk.services import feeds, shifts
from sredesk.services.desk import Desk
from tests.conftest import THIS_WEEK

SCOPES = ["team", "alice", "bob", "team", "carol", "dave", "team", "alice"]


def _render_together(desk: Desk) -> list[bytes]:
    """Render SCOPES' feeds from one thread each, started together; raise what any raised."""
    barrier = threading.Barrier(len(SCOPES))
    results: dict[int, bytes] = {}
    errors: list[BaseException] = []

    def render(i: int, scope: str) -> None:
        barrier.wait()
        try:
            results[i] = feeds.render(desk, scope)
        except BaseException as error:  # handed to the test's thread
            errors.append(error)

    threads = [threading.Thread(target=render, args=item) for item in enumerate(SCOPES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return [results[i] for i in range(len(SCOPES))]


def _versions(feed: bytes) -> dict[str, int]:
    cal = icalendar.Calendar.from_ical(feed)
    return {str(e["UID"]): int(e.get("SEQUENCE", 0)) for e in cal.walk("VEVENT")}


def test_first_fetches_at_the_same_time_all_succeed_alike(sql_desk: Desk) -> None:
    # Each round brings events no render has published yet, which every thread then adds.
    for round_ in range(3):
        if round_:
            week = THIS_WEEK + timedelta(weeks=10 + round_)
            shifts.set_shift(sql_desk, week, "carol", "dave")
        rendered = _render_together(sql_desk)
        by_scope: dict[str, set[bytes]] = {}
        for scope, feed in zip(SCOPES, rendered, strict=True):
            by_scope.setdefault(scope, set()).add(feed)
        # The same feed each time, and again when fetched alone afterwards.
        assert {scope: len(feeds_) for scope, feeds_ in by_scope.items()} == dict.fromkeys(
            by_scope, 1
        )
        for scope, (feed,) in by_scope.items():
            assert feeds.render(sql_desk, scope) == feed
        team = _versions(by_scope["team"].pop())
        assert set(team.values()) == {0}  # first published, so SEQUENCE 0
    with sql_desk.unit_of_work() as uow:
        stored = [(e.uid, e.sequence) for e in uow.rotation.feed_events()]
    assert sorted(stored) == sorted(team.items())  # one row per event, none lost


def test_an_event_stored_first_by_another_render_is_rendered_against(
    monkeypatch: pytest.MonkeyPatch, memory_desk: Desk
) -> None:
    """The render beside this one saw other shifts: its version stands, and this one follows."""
    original = _Rotation.add_feed_events
    raced: list[str] = []

    def another_render_first(self: _Rotation, events: list[FeedEvent]) -> None:
        if not raced:
            raced.append(events[0].uid)
            original(self, [FeedEvent(events[0].uid, 0, "what the other render saw")])
        original(self, events)

    monkeypatch.setattr(_Rotation, "add_feed_events", another_render_first)
    served = _versions(feeds.render(memory_desk))
    assert served[raced[0]] == 1  # its content differs from the stored version 0
    assert {seq for uid, seq in served.items() if uid != raced[0]} == {0}
    assert _versions(feeds.render(memory_desk)) == served
    with memory_desk.unit_of_work() as uow:
        assert {e.uid: e.sequence for e in uow.rotation.feed_events()} == served
