"""The rotation on SQLite and PostgreSQL: team files, plans, publishing, swaps, feeds."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
from fastapi.testclient import TestClient

from sredesk.adapters.db.unit_of_work import Database
from sredesk.adapters.memory import FixedClock
from sredesk.core.errors import InvalidInput, InvalidTransition, NotFound
from sredesk.core.teamfile import TeamFileError, parse_team
from sredesk.services import feeds, rotation, shifts, team, teamfile
from sredesk.services.desk import Desk
from sredesk.web.app import create_app
from tests.accounts_support import admin_headers
from tests.conftest import THIS_WEEK

TEAM_FILE = """
[team]
name = "VisIt"
timezone = "America/Los_Angeles"
calendar = "llnl"
experienced_after = 4

[[member]]
handle = "alice"
name = "Alice Liddell"
email = "alice@example.org"
percent_time = 100
primary_weeks_served = 12

[[member]]
handle = "bob"
name = "Bob Tanaka"
email = "bob@example.org"
percent_time = 50
primary_weeks_served = 8

[[member.time_off]]
start = 2027-01-11
end = 2027-01-15
reason = "vacation"

[[member]]
handle = "carol"
name = "Carol Okafor"
email = "carol@example.org"
percent_time = 100

[[member]]
handle = "dave"
name = "Dave Lindqvist"
email = "dave@example.org"
percent_time = 50

[[history]]
week_start = 2026-12-28
primary = "alice"
backup = "bob"
"""
START = date(2027, 1, 4)


@pytest.fixture
def desk(sql_desk_factory) -> Desk:  # type: ignore[no-untyped-def]
    d: Desk = sql_desk_factory()
    teamfile.import_team(d, TEAM_FILE, "team.toml")
    return d


def test_import_creates_the_roster_and_export_round_trips(desk: Desk) -> None:
    assert [s["week_start"] for s in shifts.list_shifts(desk)] == ["2026-12-28"]
    exported = teamfile.export_team(desk, history_before=START)
    again = parse_team(exported, "export.toml")
    original = parse_team(TEAM_FILE, "team.toml")
    assert again.team == original.team
    assert again.history == original.history
    assert {m.handle: m.time_off for m in again.members} == {
        m.handle: m.time_off for m in original.members
    }
    summary = teamfile.import_team(desk, exported, "export.toml")
    assert summary["members_added"] == 0
    assert summary["members_updated"] == 4


def test_a_team_file_gives_each_member_it_names_its_time_off(desk: Desk) -> None:
    """An edited range replaces the old one, a dropped one goes, and the file comes back."""
    team.add_member(desk, "erin", "Erin", "erin@example.org")
    team.add_time_off(desk, "erin", date(2027, 2, 1), date(2027, 2, 5), "training")
    kept = team.add_time_off(desk, "alice", date(2027, 3, 1), date(2027, 3, 5), "sabbatical")
    dave = (
        "percent_time = 50\n\n[[member.time_off]]\nstart = 2027-01-25\nend = 2027-01-26\n"
        'reason = "moving"'
    )
    edited = (
        TEAM_FILE.replace("end = 2027-01-15", "end = 2027-01-13")
        .replace(
            "percent_time = 100\nprimary_weeks_served = 12",
            "percent_time = 100\nprimary_weeks_served = 12\n\n[[member.time_off]]\n"
            'start = 2027-03-01\nend = 2027-03-05\nreason = "leave"',
        )
        .replace(
            'email = "dave@example.org"\npercent_time = 50', f'email = "dave@example.org"\n{dave}'
        )
    )
    summary = teamfile.import_team(desk, edited, "team.toml")
    assert (summary["time_off_added"], summary["time_off_removed"]) == (2, 1)
    assert [(t["member"], t["start"], t["end"], t["reason"]) for t in team.list_time_off(desk)] == [
        ("bob", "2027-01-11", "2027-01-13", "vacation"),
        ("dave", "2027-01-25", "2027-01-26", "moving"),
        ("erin", "2027-02-01", "2027-02-05", "training"),  # not in the file: left alone
        ("alice", "2027-03-01", "2027-03-05", "leave"),
    ]
    assert team.list_time_off(desk, "alice")[0]["id"] == kept  # the same range stays
    exported = parse_team(teamfile.export_team(desk, history_before=START), "export.toml")
    named = {m.handle: m.time_off for m in parse_team(edited, "team.toml").members}
    assert {m.handle: m.time_off for m in exported.members if m.handle in named} == named
    again = teamfile.import_team(desk, teamfile.export_team(desk, history_before=START), "e")
    assert (again["time_off_added"], again["time_off_removed"]) == (0, 0)


def test_a_team_file_that_changes_a_weeks_pair_ends_its_delegations(desk: Desk) -> None:
    # A week the lab is open: a delegation during the winter closure belongs to the shift
    # after it, which holds the desk then.
    team_file = TEAM_FILE.replace("week_start = 2026-12-28", "week_start = 2026-12-14")
    teamfile.import_team(desk, team_file, "team.toml")
    start = datetime(2026, 12, 15, 17, tzinfo=UTC)
    accepted = shifts.delegate(desk, start, start + timedelta(hours=6), by="alice")
    shifts.answer_delegation(desk, accepted, by="bob", accept=True)
    proposed = shifts.delegate(
        desk, start + timedelta(days=1), start + timedelta(days=2), by="alice"
    )

    def statuses() -> dict[int, str]:
        return {d["id"]: d["status"] for d in shifts.list_shifts(desk)[0]["delegations"]}

    teamfile.import_team(desk, team_file, "team.toml")  # the same pair: nothing ends
    assert statuses() == {accepted: "accepted", proposed: "proposed"}
    teamfile.import_team(desk, team_file.replace('backup = "bob"', 'backup = "carol"'), "t.toml")
    week = shifts.list_shifts(desk)[0]
    assert (week["primary"], week["backup"]) == ("alice", "carol")
    assert statuses() == {accepted: "ended", proposed: "ended"}


def test_a_desk_exported_and_imported_elsewhere_plans_the_same(
    sql_desk: Desk, request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock
) -> None:
    desk = sql_desk  # four members and shifts from two weeks back to three ahead
    # Erin served two weeks and left; Frank left without serving.
    early = THIS_WEEK - timedelta(weeks=4)
    team.add_member(desk, "erin", "Erin", "erin@example.org", percent_time=100, joined=early)
    team.add_member(desk, "frank", "Frank", "frank@example.org", joined=early)
    shifts.set_shift(desk, early, "erin", "alice")
    shifts.set_shift(desk, early + timedelta(weeks=1), "bob", "erin")
    team.update_member(desk, "erin", active=False)
    team.update_member(desk, "frank", active=False)
    start = THIS_WEEK + timedelta(weeks=4)
    exported = teamfile.export_team(desk, history_before=start)
    assert exported.count("active = false") == 1  # Erin's; Frank is in no week

    # The desk it goes to is a fresh SQLite one: a copy of the migrated template.
    shutil.copyfile(request.getfixturevalue("_sqlite_template"), tmp_path / "fresh.db")
    database = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        fresh = Desk(unit_of_work=database.unit_of_work, clock=clock)
        teamfile.import_team(fresh, exported, "export.toml")
        assert shifts.list_shifts(fresh) == shifts.list_shifts(desk, end=start - timedelta(1))
        assert {m["handle"]: m["active"] for m in team.list_members(fresh)} == {
            "alice": True,
            "bob": True,
            "carol": True,
            "dave": True,
            "erin": False,
        }
        here, there = rotation.plan(desk, start, 8), rotation.plan(fresh, start, 8)
    finally:
        database.dispose()
    assert "erin" not in {h for w in there["weeks"] for h in (w["primary"], w["backup"])}
    for key in ("weeks", "fairness", "optimal", "moved"):
        assert there[key] == here[key], key
    # Importing the file back leaves Erin where she is: off the rotation.
    teamfile.import_team(desk, exported, "export.toml")
    assert not next(m for m in team.list_members(desk) if m["handle"] == "erin")["active"]


def test_a_bad_team_file_names_the_line_and_changes_nothing(desk: Desk) -> None:
    broken = TEAM_FILE.replace(
        "percent_time = 50\nprimary_weeks_served = 8",
        "percent_time = 150\nprimary_weeks_served = 8",
    )
    with pytest.raises(TeamFileError, match=r"bad\.toml:\d+: .*percent_time"):
        teamfile.import_team(desk, broken, "bad.toml")
    assert [m.percent_time for m in rotation.roster_of_desk(desk)] == [100, 50, 100, 50]


def test_a_team_zone_apart_from_its_calendars_is_refused(desk: Desk) -> None:
    before = teamfile.export_team(desk, history_before=START)
    paris = TEAM_FILE.replace("America/Los_Angeles", "Europe/Paris").replace("Alice L", "Al L")
    with pytest.raises(TeamFileError) as refused:
        teamfile.import_team(desk, paris, "paris.toml")
    assert str(refused.value).startswith(
        "paris.toml:4: timezone 'Europe/Paris' is not the zone of calendar 'llnl',"
        " 'America/Los_Angeles'"
    )
    assert teamfile.export_team(desk, history_before=START) == before
    # A team stored in another zone before the two had to agree is exported in the
    # calendar's, the zone its weeks were kept in, so that the file imports again.
    with desk.unit_of_work() as uow:
        uow.team.get().timezone = "Europe/Paris"
        uow.commit()
    assert teamfile.export_team(desk, history_before=START) == before
    assert team.team_overview(desk)["timezone"] == "America/Los_Angeles"
    teamfile.import_team(desk, before, "export.toml")


def test_plan_publish_replan_and_supersede(desk: Desk) -> None:
    draft = rotation.plan(desk, START, 8)
    assert draft["status"] == "draft"
    assert draft["optimal"] is True
    weeks = draft["weeks"]
    assert len(weeks) == 8
    for w in weeks:
        assert w["primary"] != w["backup"]
        if w["week_start"] == "2027-01-11":
            assert "bob" not in (w["primary"], w["backup"])  # on vacation that week
    assert shifts.list_shifts(desk, start=START) == []  # a draft is not the desk's yet
    published = rotation.publish(desk, draft["id"])
    assert published["status"] == "published"
    assert [
        (s["week_start"], s["primary"], s["backup"]) for s in shifts.list_shifts(desk, start=START)
    ] == [(w["week_start"], w["primary"], w["backup"]) for w in weeks]
    with pytest.raises(InvalidTransition, match="published"):
        rotation.publish(desk, draft["id"])
    again = rotation.plan(desk, START, 8)
    assert again["moved"] == 0  # nothing changed, so nothing moves
    rotation.publish(desk, again["id"])
    assert [p["status"] for p in rotation.list_plans(desk)] == ["superseded", "published"]
    with desk.unit_of_work() as uow:
        kinds = {n.kind for n in uow.notifications.list()}
    assert "rotation" in kinds


def test_refused_plans(desk: Desk) -> None:
    with pytest.raises(InvalidInput, match="not a Monday"):
        rotation.plan(desk, START + timedelta(days=1), 4)
    with pytest.raises(InvalidInput, match=r"1\.\.52"):
        rotation.plan(desk, START, 53)
    with pytest.raises(NotFound):
        rotation.publish(desk, 999)


def test_weeks_that_are_over_are_neither_planned_nor_published(desk: Desk) -> None:
    """Past weeks are history: a plan may not rewrite who served them."""
    before = shifts.list_shifts(desk)
    with pytest.raises(InvalidInput) as refused:
        rotation.plan(desk, THIS_WEEK - timedelta(weeks=2), 4)
    assert str(refused.value) == (
        "--start 2026-11-02 is a week that is over, and past weeks are history; "
        "plan from this week's Monday, 2026-11-16, or a later one"
    )
    assert rotation.list_plans(desk) == []
    draft = rotation.plan(desk, START, 4)
    # A draft left lying until its first week has gone by.
    assert isinstance(desk.clock, FixedClock)
    desk.clock.current = datetime(2027, 1, 12, 18, tzinfo=UTC)
    with pytest.raises(InvalidTransition) as refused:
        rotation.publish(desk, draft["id"])
    assert str(refused.value) == (
        f"plan {draft['id']} starts in the week of 2027-01-04, which is over, and past weeks "
        "are history; draft again from 2027-01-11 or later"
    )
    assert shifts.list_shifts(desk) == before
    assert [p["status"] for p in rotation.list_plans(desk)] == ["draft"]
    # This week may still be planned and published.
    rotation.publish(desk, rotation.plan(desk, date(2027, 1, 11), 2)["id"])


def test_swap_lists_the_eligible_and_applies(desk: Desk) -> None:
    rotation.publish(desk, rotation.plan(desk, START, 4)["id"])
    week = shifts.list_shifts(desk, start=date(2027, 1, 11), end=date(2027, 1, 11))[0]
    options = rotation.swap_options(desk, date(2027, 1, 13), "primary", week["primary"])
    handles = [o["handle"] for o in options]
    assert "bob" not in handles  # away that week
    assert week["backup"] not in handles
    assert handles, "someone must be able to take the week"
    with pytest.raises(InvalidInput, match="cannot take that week"):
        rotation.swap(
            desk, date(2027, 1, 11), "primary", week["primary"], "bob", by=week["primary"]
        )
    rotation.swap(
        desk,
        date(2027, 1, 11),
        "primary",
        week["primary"],
        handles[0],
        by=week["primary"],
        note="dentist",
    )
    after = shifts.list_shifts(desk, start=date(2027, 1, 11), end=date(2027, 1, 11))[0]
    assert after["primary"] == handles[0]
    with desk.unit_of_work() as uow:
        assert [(s.from_member, s.to_member) for s in uow.rotation.swaps()] == [
            (week["primary"], handles[0])
        ]
        swap_notices = [n for n in uow.notifications.list() if n.kind == "swap"]
    assert len(swap_notices) == 4  # everyone on the team is told


def _held(desk: Desk) -> list[tuple[str, str, str]]:
    return [
        (s["week_start"], s["primary"], s["backup"]) for s in shifts.list_shifts(desk, start=START)
    ]


def _refused_as_stale(desk: Desk, plan_id: int, week: str) -> None:
    """Publishing the draft is refused, naming the week, and changes nothing."""
    before = _held(desk)
    statuses = [p["status"] for p in rotation.list_plans(desk)]
    with pytest.raises(InvalidTransition) as refused:
        rotation.publish(desk, plan_id)
    assert str(refused.value) == (
        f"week of {week} changed since plan {plan_id} was drafted; draft again"
    )
    assert _held(desk) == before
    assert [p["status"] for p in rotation.list_plans(desk)] == statuses


def test_a_draft_whose_weeks_changed_since_is_not_published(desk: Desk) -> None:
    rotation.publish(desk, rotation.plan(desk, START, 4)["id"])
    week = "2027-01-11"

    # A swap made after the draft: publishing it would put the old pair back.
    swapped = rotation.plan(desk, START, 4)
    holder = shifts.list_shifts(desk, start=date(2027, 1, 11), end=date(2027, 1, 11))[0]
    taker = rotation.swap_options(desk, date(2027, 1, 11), "primary", holder["primary"])[0]
    rotation.swap(
        desk, date(2027, 1, 11), "primary", holder["primary"], taker["handle"], by="alice"
    )
    _refused_as_stale(desk, swapped["id"], week)
    assert (week, taker["handle"], holder["backup"]) in _held(desk)

    # A week set by hand, here one without a shift when the draft was made.
    longer = rotation.plan(desk, START, 6)
    shifts.set_shift(desk, date(2027, 2, 8), "alice", "carol")
    _refused_as_stale(desk, longer["id"], "2027-02-08")

    # Another plan published over the same weeks.
    older = rotation.plan(desk, START, 6)
    third = shifts.list_shifts(desk, start=date(2027, 1, 18), end=date(2027, 1, 18))[0]
    team.add_time_off(desk, third["primary"], date(2027, 1, 18), date(2027, 1, 22))
    before = {w: (p, b) for w, p, b in _held(desk)}
    rotation.publish(desk, rotation.plan(desk, START, 6)["id"])
    changed = sorted(w for w, p, b in _held(desk) if before.get(w) != (p, b))
    assert changed, "the newer plan must move the member who is now away"
    _refused_as_stale(desk, older["id"], changed[0])

    # A draft made after the changes publishes; so does one whose week changed and changed back.
    fresh = rotation.plan(desk, START, 6)
    pair = next((p, b) for w, p, b in _held(desk) if w == "2027-02-01")
    shifts.set_shift(desk, date(2027, 2, 1), pair[1], pair[0])
    shifts.set_shift(desk, date(2027, 2, 1), *pair)
    assert rotation.publish(desk, fresh["id"])["status"] == "published"


def test_a_draft_from_before_the_desk_kept_its_weeks_is_not_published(desk: Desk) -> None:
    draft = rotation.plan(desk, START, 2)
    with desk.unit_of_work() as uow:
        uow.rotation.get_plan(draft["id"]).drafted_against = None  # as migration 0011 leaves it
        uow.commit()
    with pytest.raises(
        InvalidTransition, match=rf"^plan {draft['id']} was drafted before .*; draft again$"
    ):
        rotation.publish(desk, draft["id"])
    assert shifts.list_shifts(desk, start=START) == []


@pytest.fixture
def client(desk: Desk) -> Iterator[TestClient]:
    with TestClient(create_app(desk), headers=admin_headers(desk)) as test_client:
        yield test_client


def test_feeds_need_a_live_token_and_raise_sequence_on_change(
    desk: Desk, client: TestClient
) -> None:
    rotation.publish(desk, rotation.plan(desk, START, 4)["id"])
    token = feeds.issue_token(desk)
    assert client.get("/calendar/team.ics", params={"token": "x" * 20}).status_code == 404
    first = client.get("/calendar/team.ics", params={"token": token})
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(first.content)
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert any(c.name == "VTIMEZONE" for c in cal.walk())
    # The lab's holidays come with their names: 2027's Martin Luther King Jr. Day.
    holiday = events["visit-holiday-20270118@sredesk"]
    assert str(holiday["SUMMARY"]) == "Holiday: Martin Luther King Jr. Day (desk closed)"
    week = shifts.list_shifts(desk, start=date(2027, 1, 18), end=date(2027, 1, 18))[0]
    primary_uid = next(
        uid
        for uid, e in events.items()
        if "2027-01-18" in str(e.get("DTSTART").dt) and "Primary" in str(e["SUMMARY"])
    )
    options = rotation.swap_options(desk, date(2027, 1, 18), "primary", week["primary"])
    rotation.swap(
        desk,
        date(2027, 1, 18),
        "primary",
        week["primary"],
        options[0]["handle"],
        by=week["primary"],
    )
    second = icalendar.Calendar.from_ical(
        client.get("/calendar/team.ics", params={"token": token}).content
    )
    updated = {str(e["UID"]): e for e in second.walk("VEVENT")}
    assert set(updated) == set(events)  # UIDs are stable across changes
    assert int(updated[primary_uid]["SEQUENCE"]) == int(events[primary_uid].get("SEQUENCE", 0)) + 1
    unchanged = next(uid for uid in events if uid != primary_uid)
    assert updated[unchanged].get("SEQUENCE") == events[unchanged].get("SEQUENCE")
    mine = feeds.issue_token(desk, "alice")
    assert client.get("/calendar/alice.ics", params={"token": mine}).status_code == 200
    assert client.get("/calendar/bob.ics", params={"token": mine}).status_code == 404
    assert client.get("/calendar/bob.ics", params={"token": token}).status_code == 200
    feeds.revoke_tokens(desk)
    assert client.get("/calendar/team.ics", params={"token": token}).status_code == 404
    with pytest.raises(InvalidTransition):
        feeds.revoke_tokens(desk)


def test_the_team_feed_shows_a_delegation_once_accepted_until_it_ends(desk: Desk) -> None:
    rotation.publish(desk, rotation.plan(desk, START, 2)["id"])
    week = shifts.list_shifts(desk, start=START, end=START)[0]
    start = datetime(2027, 1, 6, 17, tzinfo=UTC)
    number = shifts.delegate(desk, start, start + timedelta(hours=6), by=week["primary"])
    uid = f"visit-delegation-{number}@sredesk"

    def delegation_events() -> dict[str, Any]:
        cal = icalendar.Calendar.from_ical(feeds.render(desk))
        return {str(e["UID"]): e for e in cal.walk("VEVENT") if "delegation" in str(e["UID"])}

    assert delegation_events() == {}  # proposed, not yet in force
    shifts.answer_delegation(desk, number, by=week["backup"], accept=True)
    event = delegation_events()[uid]
    assert str(event["SUMMARY"]) == f"VisIt Primary (delegated): {week['backup']}"
    assert event.decoded("DTEND") == start + timedelta(hours=6)
    assert isinstance(desk.clock, FixedClock)
    desk.clock.current = start + timedelta(hours=2)
    shifts.end_delegation(desk, number, by=week["primary"])
    ended = delegation_events()[uid]
    assert ended.decoded("DTEND") == start + timedelta(hours=2)
    assert int(ended["SEQUENCE"]) == int(event["SEQUENCE"]) + 1


def test_a_swap_ends_the_weeks_delegation_in_the_feed_when_it_was_made(desk: Desk) -> None:
    rotation.publish(desk, rotation.plan(desk, START, 2)["id"])
    week = shifts.list_shifts(desk, start=START, end=START)[0]
    start = datetime(2027, 1, 6, 17, tzinfo=UTC)

    def accepted_delegation() -> str:
        number = shifts.delegate(desk, start, start + timedelta(hours=6), by=week["primary"])
        shifts.answer_delegation(desk, number, by=week["backup"], accept=True)
        return f"visit-delegation-{number}@sredesk"

    def delegation_events() -> dict[str, Any]:
        cal = icalendar.Calendar.from_ical(feeds.render(desk))
        return {str(e["UID"]): e for e in cal.walk("VEVENT") if "delegation" in str(e["UID"])}

    def swap_backup() -> None:
        holder = shifts.list_shifts(desk, start=START, end=START)[0]["backup"]
        taker = rotation.swap_options(desk, START, "backup", holder)[0]["handle"]
        rotation.swap(desk, START, "backup", holder, taker, by=holder)

    # Swapped before the delegation began: it never took effect, so the feed drops it.
    never = accepted_delegation()
    assert never in delegation_events()
    swap_backup()
    assert delegation_events() == {}

    # Swapped two hours into it: the feed shows the two hours it held.
    week = shifts.list_shifts(desk, start=START, end=START)[0]
    cut = accepted_delegation()
    assert isinstance(desk.clock, FixedClock)
    desk.clock.current = start + timedelta(hours=2)
    swap_backup()
    assert set(delegation_events()) == {cut}
    assert delegation_events()[cut].decoded("DTEND") == start + timedelta(hours=2)


def test_the_rotation_api(desk: Desk, client: TestClient) -> None:
    drafted = client.post("/api/v1/plans", json={"start": "2027-01-04", "weeks": 4})
    assert drafted.status_code == 201, drafted.text
    plan_id = drafted.json()["id"]
    assert client.post(f"/api/v1/plans/{plan_id}/publish").json()["status"] == "published"
    assert client.post("/api/v1/plans", json={"start": "2027-01-05", "weeks": 4}).status_code == 422
    stale = client.post("/api/v1/plans", json={"start": "2027-01-04", "weeks": 4}).json()["id"]
    shifts.set_shift(desk, date(2027, 1, 25), "dave", "carol")
    before = client.get("/api/v1/shifts", params={"start": "2027-01-04"}).json()
    refused = client.post(f"/api/v1/plans/{stale}/publish")
    assert refused.status_code == 409, refused.text
    assert refused.json() == {
        "detail": f"week of 2027-01-25 changed since plan {stale} was drafted; draft again"
    }
    assert client.get("/api/v1/shifts", params={"start": "2027-01-04"}).json() == before
    report = client.get("/api/v1/fairness").json()
    assert {m["handle"] for m in report["members"]} == {"alice", "bob", "carol", "dave"}


def test_khal_imports_the_team_feed(desk: Desk, tmp_path: Path) -> None:
    khal = shutil.which("khal")
    if khal is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("khal is not installed; .ci/run installs it")
        pytest.skip("khal is not installed (apt-get install khal)")
    rotation.publish(desk, rotation.plan(desk, START, 4)["id"])
    feed = tmp_path / "team.ics"
    feed.write_bytes(feeds.render(desk))
    vdir = tmp_path / "calendars" / "desk"
    vdir.mkdir(parents=True)
    config = tmp_path / "khal.conf"
    config.write_text(
        f"[calendars]\n[[desk]]\npath = {vdir}\n\n[locale]\ntimeformat = %H:%M\n"
        "dateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\ndatetimeformat = %Y-%m-%d %H:%M\n"
        "longdatetimeformat = %Y-%m-%d %H:%M\n"
    )
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    imported = subprocess.run(
        [khal, "-c", str(config), "import", "--batch", str(feed)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    assert len(list(vdir.glob("*.ics"))) >= 8  # a Primary and a Backup event per week
    listed = subprocess.run(
        [khal, "-c", str(config), "list", "2027-01-04", "28d"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    assert "Primary" in listed.stdout
