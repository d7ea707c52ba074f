"""A swap that breaks the planner's soft rules is made, but says why in one line each."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sredesk.services import rotation, swap_requests
from sredesk.services.desk import Desk
from tests.conftest import THIS_WEEK

# The memory desk's weeks: next week carol (1 Primary week served) is Primary and alice
# (12) her Backup; the week after, bob is Primary, then dave; 4 weeks make one experienced.
NEXT = THIS_WEEK + timedelta(weeks=1)


def _last_swap_audit(desk: Desk) -> dict[str, object]:
    with desk.unit_of_work() as uow:
        return next(e.after for e in reversed(uow.audit.list()) if e.action == "shift.swapped")


def test_a_swap_leaving_two_newer_members_together_warns(memory_desk: Desk) -> None:
    warnings = rotation.swap(memory_desk, NEXT, "backup", "alice", "dave", by="alice")
    assert warnings == [
        f"week of {NEXT}: Primary carol and Backup dave have both served fewer than 4 "
        "Primary weeks; the planner pairs a newer Primary with an experienced Backup"
    ]
    assert _last_swap_audit(memory_desk)["warnings"] == warnings


def test_a_swap_giving_back_to_back_primary_weeks_warns(memory_desk: Desk) -> None:
    warnings = rotation.swap(memory_desk, NEXT, "primary", "carol", "bob", by="carol")
    following = NEXT + timedelta(weeks=1)
    assert warnings == [
        f"week of {following}: bob is Primary in the week before too; "
        "the planner avoids back-to-back Primary weeks"
    ]


def test_a_swap_within_the_rules_warns_of_nothing(memory_desk: Desk) -> None:
    assert rotation.swap(memory_desk, NEXT, "backup", "alice", "bob", by="alice") == []
    assert "warnings" not in _last_swap_audit(memory_desk)


def test_accepting_a_swap_request_says_why_it_breaks_a_rule(memory_desk: Desk) -> None:
    asked = swap_requests.request_swap(memory_desk, NEXT, "backup", by="alice")
    accepted, warnings = swap_requests.accept(memory_desk, asked, by="dave")
    assert accepted.week_start == NEXT
    assert warnings == [
        f"week of {NEXT}: Primary carol and Backup dave have both served fewer than 4 "
        "Primary weeks; the planner pairs a newer Primary with an experienced Backup"
    ]
    assert _last_swap_audit(memory_desk)["warnings"] == warnings


def test_the_shell_prints_the_warning_after_the_swap(
    memory_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from sredesk.cli import schedule

    monkeypatch.setattr(schedule, "desk", lambda: memory_desk)
    args = ["swap", str(NEXT), "--role", "primary", "--member", "carol", "--to", "bob"]
    told = CliRunner().invoke(schedule.schedule_app, [*args, "--as", "carol"])
    assert told.exit_code == 0, told.output
    assert told.stdout == f"week of {NEXT}: bob replaces carol as primary\n"
    assert told.stderr == (
        f"warning: week of {NEXT + timedelta(weeks=1)}: bob is Primary in the week before "
        "too; the planner avoids back-to-back Primary weeks\n"
    )
