"""A member's join Monday, on the in-memory fake and on both databases: kept, and planned by."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from sredesk.adapters.memory import FixedClock, MemoryStore
from sredesk.core.errors import InvalidInput
from sredesk.core.teamfile import TeamFileError, parse_team
from sredesk.services import rotation, shifts, team, teamfile
from sredesk.services.desk import Desk
from tests.conftest import FIRST_WEEK, THIS_WEEK

WEEK = timedelta(weeks=1)


def joined(desk: Desk) -> dict[str, str | None]:
    return {m["handle"]: m["joined"] for m in team.list_members(desk)}


def audit_count(desk: Desk) -> int:
    with desk.unit_of_work() as uow:
        return len(uow.audit.list())


def last_events(desk: Desk, count: int) -> list[tuple[str, object, object]]:
    """The last audit events: action, before, and the join Monday after."""
    with desk.unit_of_work() as uow:
        return [(e.action, e.before, e.after["joined"]) for e in uow.audit.list()[-count:]]


def _recording_the_join_monday(desk: Desk, clock: FixedClock) -> None:
    # Sunday 22 November, 22:00 in San Francisco: already Monday in UTC, still this week here.
    clock.current = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    assert team.add_member(desk, "erin", "Erin", "erin@example.org") == THIS_WEEK
    assert team.add_member(desk, "finn", "Finn", "finn@example.org", joined=date(2027, 1, 4)) == (
        date(2027, 1, 4)
    )
    assert joined(desk) == {
        "alice": "2026-11-02",
        "bob": "2026-11-02",
        "carol": "2026-11-02",
        "dave": "2026-11-02",
        "erin": "2026-11-16",
        "finn": "2027-01-04",
    }
    assert last_events(desk, 1) == [("member.added", {}, "2027-01-04")]
    roster = {m.handle: m.joined for m in rotation.roster_of_desk(desk)}
    assert roster["erin"] == THIS_WEEK

    before, events = joined(desk), audit_count(desk)
    message = "joined 2026-11-18 is a Wednesday; give the Monday of that week, 2026-11-16"
    with pytest.raises(InvalidInput) as refused:
        team.add_member(desk, "gail", "Gail", "gail@example.org", joined=date(2026, 11, 18))
    assert str(refused.value) == message
    with pytest.raises(InvalidInput) as refused:
        team.update_member(desk, "erin", joined=date(2026, 11, 18))
    assert str(refused.value) == message
    assert (joined(desk), audit_count(desk)) == (before, events)

    team.update_member(desk, "erin", joined=date(2026, 11, 9), actor="carol")
    team.update_member(desk, "dave", joined=None)
    assert (joined(desk)["erin"], joined(desk)["dave"]) == ("2026-11-09", None)
    assert last_events(desk, 2)[0] == ("member.updated", {"joined": "2026-11-16"}, "2026-11-09")


def test_recording_the_join_monday_on_the_memory_fake(memory_desk: Desk, clock: FixedClock) -> None:
    _recording_the_join_monday(memory_desk, clock)


def test_recording_the_join_monday_on_the_database(sql_desk: Desk, clock: FixedClock) -> None:
    _recording_the_join_monday(sql_desk, clock)


def _a_newcomer_stays_new(desk: Desk) -> None:
    # Half a year of the four veterans before the shifts tests/conftest.py sets up.
    pairs = [("alice", "carol"), ("bob", "alice"), ("carol", "dave"), ("dave", "bob")]
    for k in range(1, 27):
        shifts.set_shift(desk, FIRST_WEEK - k * WEEK, *pairs[k % len(pairs)])
    team.add_member(desk, "newbie", "Newbie", "newbie@example.org")  # joins this week
    first_start = THIS_WEEK + 4 * WEEK
    first = rotation.plan(desk, first_start, 13)
    rotation.publish(desk, first["id"])
    # The first plan served, the newcomer's weeks are history; the next plan must not count
    # them from the history's first week, half a year before they came.
    second = rotation.plan(desk, first_start + 13 * WEEK, 13)
    newbie = next(m for m in second["fairness"]["members"] if m["handle"] == "newbie")
    # 50% of a 350% team: a seventh of the 30 weeks since they joined, 13 of them planned here.
    assert newbie["primary"]["target"] == pytest.approx(30 / 7, abs=1e-3)
    assert newbie["primary"]["target_horizon"] == pytest.approx(13 / 7, abs=1e-3)
    assert newbie["primary"]["actual_horizon"] <= 3
    assert abs(newbie["primary"]["deviation"]) < 1


def test_a_newcomer_stays_new_on_the_memory_fake(memory_desk: Desk) -> None:
    _a_newcomer_stays_new(memory_desk)


def test_a_newcomer_stays_new_on_the_database(sql_desk: Desk) -> None:
    _a_newcomer_stays_new(sql_desk)


TEAM_FILE = """
[team]
name = "VisIt"

[[member]]
handle = "alice"
email = "alice@example.org"

[[member]]
handle = "bob"
email = "bob@example.org"
joined = 2027-01-04

[[history]]
week_start = 2026-12-28
primary = "alice"
backup = "bob"
"""


def _team_files_carry_the_join_monday(desk: Desk) -> None:
    teamfile.import_team(desk, TEAM_FILE, "team.toml")
    # A team file describes a team with its history: a member it adds without a date has none.
    assert joined(desk) == {"alice": None, "bob": "2027-01-04"}
    exported = teamfile.export_team(desk, history_before=date(2027, 1, 4))
    assert {m.handle: m.joined for m in parse_team(exported).members} == {
        "alice": None,
        "bob": date(2027, 1, 4),
    }
    team.update_member(desk, "alice", joined=date(2026, 12, 21))
    teamfile.import_team(desk, TEAM_FILE, "team.toml")
    assert joined(desk) == {"alice": "2026-12-21", "bob": "2027-01-04"}  # kept: not in the file
    teamfile.import_team(desk, exported.replace("2027-01-04", "2026-12-28"), "export.toml")
    assert joined(desk) == {"alice": "2026-12-21", "bob": "2026-12-28"}

    wednesday = TEAM_FILE.replace("joined = 2027-01-04", "joined = 2027-01-06")
    with pytest.raises(TeamFileError) as refused:
        teamfile.import_team(desk, wednesday, "team.toml")
    assert str(refused.value) == (
        "team.toml:12: joined 2027-01-06 is a Wednesday; give the Monday of that week, 2027-01-04"
    )
    assert joined(desk) == {"alice": "2026-12-21", "bob": "2026-12-28"}


def test_team_files_carry_the_join_monday_on_the_memory_fake(clock: FixedClock) -> None:
    _team_files_carry_the_join_monday(Desk(unit_of_work=MemoryStore().unit_of_work, clock=clock))


def test_team_files_carry_the_join_monday_on_the_database(
    sql_desk_factory: Callable[[], Desk],
) -> None:
    _team_files_carry_the_join_monday(sql_desk_factory())


NEWCOMER_FILE = """
[team]
name = "VisIt"

[[member]]
handle = "alice"
email = "alice@example.org"

[[member]]
handle = "bob"
email = "bob@example.org"

[[member]]
handle = "carol"
email = "carol@example.org"

[[member]]
handle = "erin"
email = "erin@example.org"

[[history]]
week_start = 2026-10-26
primary = "alice"
backup = "bob"

[[history]]
week_start = 2026-11-02
primary = "bob"
backup = "carol"

[[history]]
week_start = 2026-11-09
primary = "carol"
backup = "alice"
"""


def _a_newcomer_from_a_team_file_stays_new(desk: Desk) -> None:
    teamfile.import_team(desk, NEWCOMER_FILE, "team.toml")
    # Erin is in no week of the file's history: she joins after it, here this week.
    assert joined(desk) == {"alice": None, "bob": None, "carol": None, "erin": "2026-11-16"}
    first = rotation.plan(desk, THIS_WEEK + WEEK, 8)
    rotation.publish(desk, first["id"])
    second = rotation.plan(desk, THIS_WEEK + 9 * WEEK, 8)
    erin = next(m for m in second["fairness"]["members"] if m["handle"] == "erin")
    # A quarter of the 16 planned weeks, none of the three before she came.
    assert erin["primary"]["target"] == pytest.approx(4.0)
    assert erin["backup"]["target"] == pytest.approx(4.0)


def test_a_newcomer_from_a_team_file_stays_new_on_the_memory_fake(clock: FixedClock) -> None:
    _a_newcomer_from_a_team_file_stays_new(
        Desk(unit_of_work=MemoryStore().unit_of_work, clock=clock)
    )


def test_a_newcomer_from_a_team_file_stays_new_on_the_database(
    sql_desk_factory: Callable[[], Desk],
) -> None:
    _a_newcomer_from_a_team_file_stays_new(sql_desk_factory())
