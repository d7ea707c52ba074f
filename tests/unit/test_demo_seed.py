"""The demo desk seeds whenever `make run` starts it: at any hour, on any day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sredesk.adapters.memory import FixedClock, MemoryStore
from sredesk.services import demo, inquiries
from sredesk.services.desk import Desk

# Every hour of a week: the demo's history reaches back days, across evenings and a weekend
# (Sunday 18:10 in San Francisco is Monday 02:10 in UTC).
MOMENTS = [datetime(2026, 11, 16, 0, 10, tzinfo=UTC) + timedelta(hours=i) for i in range(168)]


@pytest.mark.parametrize("now", MOMENTS, ids=lambda m: m.strftime("%a-%H%M-UTC"))
def test_the_demo_seeds_at_any_hour(now: datetime) -> None:
    desk = Desk(unit_of_work=MemoryStore().unit_of_work, clock=FixedClock(now))
    demo.seed(desk)
    seeded = inquiries.list_inquiries(desk)
    assert len(seeded) == 7
    (launch,) = [i for i in seeded if str(i["title"]).startswith("Parallel engine")]
    shown = inquiries.get_inquiry(desk, int(launch["number"]))
    assert shown["escalations"], shown
    asked = shown["escalations"][0]
    assert asked["to_member"] != asked["requested_by"]
