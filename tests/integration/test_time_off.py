"""Removing time-off, on the in-memory fake and on both databases: it frees the week."""

from __future__ import annotations

from datetime import date

import pytest

from sredesk.core.errors import InvalidInput, NotFound
from sredesk.core.rotation_model import PlanningError
from sredesk.services import rotation, team
from sredesk.services.desk import Desk

# The first week after the shifts tests/conftest.py sets up.
FREE_WEEK = date(2026, 12, 14)


def records(desk: Desk) -> tuple[list[dict[str, object]], int]:
    """What a refused removal must leave alone: every time-off entry and the audit log."""
    with desk.unit_of_work() as uow:
        events = len(uow.audit.list())
    return team.list_time_off(desk), events


def _removing_time_off(desk: Desk) -> None:
    away = {
        handle: team.add_time_off(desk, handle, FREE_WEEK, date(2026, 12, 18), "vacation")
        for handle in ("bob", "carol", "dave")
    }
    assert len(set(away.values())) == 3
    assert [t["id"] for t in team.list_time_off(desk, "dave")] == [away["dave"]]
    with pytest.raises(
        PlanningError, match=r"week of 2026-12-14: only 1 member available \(alice\)"
    ):
        rotation.plan(desk, FREE_WEEK, 1)

    before = records(desk)
    refusals = [
        (9999, NotFound, "dave has no time-off #9999; list the ids with 'sredesk member"),
        # Past the database's integers: PostgreSQL would refuse the query itself.
        (2**31, NotFound, "dave has no time-off #2147483648;"),
        (0, NotFound, "dave has no time-off #0;"),
        (away["bob"], InvalidInput, f"time-off #{away['bob']} is bob's, not dave's; give"),
    ]
    for time_off_id, error, message in refusals:
        with pytest.raises(error) as refused:
            team.remove_time_off(desk, "dave", time_off_id, actor="carol")
        assert str(refused.value).startswith(message)
        assert "\n" not in str(refused.value)
    with pytest.raises(NotFound, match="no member 'zed'"):
        team.remove_time_off(desk, "zed", away["dave"])
    assert records(desk) == before

    removed = team.remove_time_off(desk, "@dave", away["dave"], actor="carol")
    assert removed == {
        "id": away["dave"],
        "member": "dave",
        "start": "2026-12-14",
        "end": "2026-12-18",
        "reason": "vacation",
    }
    assert [t["member"] for t in team.list_time_off(desk)] == ["bob", "carol"]
    with desk.unit_of_work() as uow:
        event = uow.audit.list()[-1]
        assert (event.action, event.actor, event.before) == (
            "member.time_off_removed",
            "carol",
            removed,
        )
    with pytest.raises(NotFound, match=f"no time-off #{away['dave']}"):
        team.remove_time_off(desk, "dave", away["dave"])

    # The week dave was wrongly away is his to work again.
    planned = rotation.plan(desk, FREE_WEEK, 1)["weeks"]
    assert {planned[0]["primary"], planned[0]["backup"]} == {"alice", "dave"}


def test_removing_time_off_on_the_memory_fake(memory_desk: Desk) -> None:
    _removing_time_off(memory_desk)


def test_removing_time_off_on_the_database(sql_desk: Desk) -> None:
    _removing_time_off(sql_desk)
