"""The stored due time follows a calendar change on a database, and only then."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sredesk.adapters.memory import FixedClock
from sredesk.services import inquiries, watcher
from sredesk.services.desk import Desk
from tests.conftest import populate

PACIFIC = ZoneInfo("America/Los_Angeles")
ARRIVAL = datetime(2026, 11, 18, 16, 0, 12, 345678, tzinfo=PACIFIC)


def test_only_a_changed_calendar_moves_a_stored_due_time(database_url: str) -> None:
    from sredesk.adapters.db.unit_of_work import Database

    database, clock = Database(database_url), FixedClock(ARRIVAL)
    try:
        plain = Desk(unit_of_work=database.unit_of_work, clock=clock)
        populate(plain)
        number = inquiries.open_inquiry(plain, title="Crash", channel="email", source="l")

        def recomputed() -> list[str]:
            return [
                e["after"]["response_due"]
                for e in inquiries.get_inquiry(plain, number)["timeline"]
                if e["action"] == "inquiry.response_due_recomputed"
            ]

        watcher.watch_once(plain)  # the same calendar: the stored time stands
        assert recomputed() == []
        holiday = {"llnl": {"extra_holidays": ["2026-11-19"]}}
        changed = Desk(unit_of_work=database.unit_of_work, clock=clock, calendar_config=holiday)
        watcher.watch_once(changed)
        due = datetime.fromisoformat(inquiries.get_inquiry(plain, number)["response_due"])
        assert due == datetime(2026, 11, 20, 11, 0, 12, 345678, tzinfo=PACIFIC)
        assert len(recomputed()) == 1
    finally:
        database.dispose()
