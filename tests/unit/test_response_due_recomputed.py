"""An unanswered inquiry's stored due time follows the business calendar when it changes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sredesk.adapters.memory import FixedClock, MemoryStore
from sredesk.services import inquiries, teamfile, watcher
from sredesk.services.desk import Desk
from tests.conftest import populate

PACIFIC = ZoneInfo("America/Los_Angeles")
# Wednesday 18 November 2026, 16:00: one business hour left that day.
ARRIVAL = datetime(2026, 11, 18, 16, tzinfo=PACIFIC)
# Four business hours on: Thursday 11:00, or Friday 11:00 once Thursday is a holiday.
THURSDAY_DUE = datetime(2026, 11, 19, 11, tzinfo=PACIFIC)
FRIDAY_DUE = datetime(2026, 11, 20, 11, tzinfo=PACIFIC)
THURSDAY_OFF = {"extra_holidays": ["2026-11-19"]}


def _desk(store: MemoryStore, clock: FixedClock, config: dict[str, object]) -> Desk:
    return Desk(unit_of_work=store.unit_of_work, clock=clock, calendar_config=config)


def _open(desk: Desk) -> int:
    return inquiries.open_inquiry(
        desk, title="Crash", channel="email", source="visit-users", body="It crashes."
    )


def _due(desk: Desk, number: int) -> datetime:
    return datetime.fromisoformat(inquiries.get_inquiry(desk, number)["response_due"])


def _recomputed(desk: Desk, number: int) -> list[tuple[str, str, str]]:
    return [
        (e["before"]["response_due"], e["after"]["response_due"], e["after"]["reason"])
        for e in inquiries.get_inquiry(desk, number)["timeline"]
        if e["action"] == "inquiry.response_due_recomputed"
    ]


def _iso(moment: datetime) -> str:
    return moment.astimezone(PACIFIC).isoformat()


def test_a_team_file_naming_another_calendar_moves_the_due_time() -> None:
    store, clock = MemoryStore(), FixedClock(ARRIVAL)
    desk = _desk(store, clock, {"lab": {"extends": "llnl", **THURSDAY_OFF}})
    populate(desk)
    waiting, answered = _open(desk), _open(desk)
    inquiries.reply(desk, answered, "Looking at it.", by="alice")
    assert _due(desk, waiting) == THURSDAY_DUE
    exported = teamfile.export_team(desk)
    assert 'calendar = "llnl"' in exported
    teamfile.import_team(desk, exported.replace('calendar = "llnl"', 'calendar = "lab"'), "t.toml")
    assert _due(desk, waiting) == FRIDAY_DUE
    assert _recomputed(desk, waiting) == [
        (_iso(THURSDAY_DUE), _iso(FRIDAY_DUE), "the team's calendar changed from llnl to lab")
    ]
    # Answered, the clock has stopped: its due time is history and stays as it was.
    assert _due(desk, answered) == THURSDAY_DUE
    assert _recomputed(desk, answered) == []


def test_holidays_added_to_the_configuration_move_the_due_time_on_the_next_watch() -> None:
    store, clock = MemoryStore(), FixedClock(ARRIVAL)
    before = _desk(store, clock, {})
    populate(before)
    number = _open(before)
    assert _due(before, number) == THURSDAY_DUE
    # The desk restarted with Thursday made a holiday in its configuration.
    after = _desk(store, clock, {"llnl": THURSDAY_OFF})
    watcher.watch_once(after)
    assert _due(after, number) == FRIDAY_DUE
    assert _recomputed(after, number) == [
        (_iso(THURSDAY_DUE), _iso(FRIDAY_DUE), "the business calendar llnl changed")
    ]
    watcher.watch_once(after)
    assert len(_recomputed(after, number)) == 1
