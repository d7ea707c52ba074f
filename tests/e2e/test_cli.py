"""The `sredesk` command as a user runs it: a real process, a real database file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import BACKENDS

if TYPE_CHECKING:
    from tests.conftest import _Postgres

SREDESK = str(Path(sys.executable).parent / "sredesk")


def run(
    db_url: str, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    # The tester's own $SREDESK_USER does not leak in; a test may set one through `env`.
    inherited = {key: value for key, value in os.environ.items() if key != "SREDESK_USER"}
    environment = {**inherited, "SREDESK_DATABASE_URL": db_url, **(env or {})}
    return subprocess.run(
        [SREDESK, *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=environment,
        timeout=60,
        check=False,
    )


def stored_inquiries(db_url: str) -> list[dict[str, Any]]:
    """`inquiry list --json` without each inquiry's live clock, which moves in business hours."""
    listed = json.loads(run(db_url, "inquiry", "list", "--json").stdout)
    return [{key: value for key, value in item.items() if key != "clock"} for item in listed]


def _init(url: str) -> str:
    result = run(url, "init")
    assert result.returncode == 0, result.stderr
    assert "demo desk" in result.stdout
    return url


@pytest.fixture(scope="session")
def _demo_sqlite(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo desk that 'init' seeded once per session on SQLite, for `demo` to copy."""
    path = tmp_path_factory.mktemp("demo") / "desk.db"
    shutil.copyfile(_sqlite_template, path)
    _init(f"sqlite:///{path}")
    # The process closed its last connection, which folded the write-ahead log into the file.
    assert not path.with_name("desk.db-wal").exists()
    return path


@pytest.fixture(scope="session")
def _demo_postgres(_postgres: _Postgres) -> Iterator[str]:
    """The same on the server: a database for `demo` to copy as a template."""
    name = _postgres.create(migrated=True)
    try:
        _init(_postgres.url(name))
        yield name
    finally:
        _postgres.drop(name)


@pytest.fixture(params=BACKENDS)
def demo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh demo desk, for tests that change it.

    It is a copy of one that 'init' seeded at the session's start, for speed: a copy takes a
    tenth of the process that seeds it. `shared_demo` and
    `test_sqlite_file_is_created_on_first_use` see 'init' seed, and migrate, an empty one.
    """
    if request.param == "sqlite":
        path = tmp_path / "desk.db"
        shutil.copyfile(request.getfixturevalue("_demo_sqlite"), path)
        yield f"sqlite:///{path}"
        return
    server: _Postgres = request.getfixturevalue("_postgres")
    name = server.create(migrated=True, copy_of=request.getfixturevalue("_demo_postgres"))
    try:
        yield server.url(name)
    finally:
        server.drop(name)


@pytest.fixture(scope="module")
def shared_demo(module_database_url: str) -> str:
    """One demo desk per backend, on an empty database, for tests that only read it."""
    return _init(module_database_url)


def test_init_creates_the_demo_once(shared_demo: str) -> None:
    demo = shared_demo
    again = run(demo, "init")
    assert again.returncode == 0
    assert "initialised already" in again.stdout
    listed = json.loads(run(demo, "inquiry", "list", "--json").stdout)
    assert len(listed) == 7


def test_sqlite_file_is_created_on_first_use(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "desk.db"
    result = run(f"sqlite:///{target}", "init", "--no-demo", "--team", "VisIt")
    assert result.returncode == 0, result.stderr
    assert target.exists()
    assert json.loads(run(f"sqlite:///{target}", "inquiry", "list", "--json").stdout) == []


def test_list_json_carries_the_contract_fields(shared_demo: str) -> None:
    demo = shared_demo
    listed = json.loads(run(demo, "inquiry", "list", "--json").stdout)
    required = {
        "number",
        "title",
        "state",
        "channel",
        "source",
        "assignee",
        "created_at",
        "response_due",
        "first_response_at",
        "resolved_at",
        "labels",
        "sensitive",
        "serious",
        "message_ids",
    }
    for item in listed:
        assert required <= set(item)
    by_number = {i["number"]: i for i in listed}
    assert by_number[1]["message_ids"] == ["<crash-1@univ.example.edu>"]
    assert by_number[5]["state"] == "resolved"
    assert by_number[6]["sensitive"] is True
    emails = json.loads(run(demo, "inquiry", "list", "--json", "--channel", "email").stdout)
    assert {i["channel"] for i in emails} == {"email"}
    waiting = json.loads(
        run(demo, "inquiry", "list", "--json", "--state", "waiting-on-customer").stdout
    )
    assert [i["number"] for i in waiting] == [4]


def test_reply_from_stdin_then_show(demo: str) -> None:
    owner = json.loads(run(demo, "inquiry", "show", "1", "--json").stdout)["assignee"]
    result = run(
        demo, "inquiry", "reply", "1", "-", "--as", owner, stdin="Please send the file.\nThanks."
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(run(demo, "inquiry", "show", "1", "--json").stdout)
    assert shown["state"] == "responded"
    assert shown["comments"][-1]["body"] == "Please send the file.\nThanks."
    assert shown["comments"][-1]["author"] == owner
    text = run(demo, "inquiry", "show", "1").stdout
    assert "Please send the file." in text


def test_tables_print_user_text_as_written(demo: str) -> None:
    # Square brackets are Rich markup: read as markup, the first title stopped every
    # later list with a traceback and the second lost its tags.
    titles = ["Build cannot find libs in [/usr/lib64]", "[visit-users] Crash in [i] loop"]
    for title in titles:
        opened = run(demo, "inquiry", "new", "--title", title, "--source", "visit-users")
        assert opened.returncode == 0, opened.stderr
    edited = run(demo, "member", "edit", "bob", "--name", "Bob [bold]Builder[/bold]")
    assert edited.returncode == 0, edited.stderr
    listed = run(demo, "inquiry", "list")
    assert listed.returncode == 0, listed.stderr
    for title in titles:
        assert title in listed.stdout
    assert "due (UTC)" in listed.stdout
    members = run(demo, "member", "list")
    assert members.returncode == 0, members.stderr
    assert "Bob [bold]Builder[/bold]" in members.stdout


def test_a_whole_workflow_from_the_shell(demo: str) -> None:
    opened = run(
        demo,
        "inquiry",
        "new",
        "--title",
        "Hotline: license question",
        "--channel",
        "hotline",
        "--source",
        "desk hotline",
        "--customer",
        "Pat",
        "--json",
    )
    assert opened.returncode == 0, opened.stderr
    n = str(json.loads(opened.stdout)["number"])
    owner = json.loads(opened.stdout)["assignee"]
    steps = [
        ("inquiry", "ack", n, "--as", owner),
        ("inquiry", "note", n, "Checked the license file", "--as", owner),
        ("inquiry", "escalate", n, "--as", owner),
        ("effort", "log", "30", "--inquiry", n, "--as", owner),
        ("inquiry", "resolve", n, "--kind", "answered", "--kind", "diagnosed", "--as", owner),
        ("inquiry", "reopen", n, "--as", owner),
    ]
    for step in steps:
        result = run(demo, *step)
        assert result.returncode == 0, (step, result.stderr)
    shown = json.loads(run(demo, "inquiry", "show", n, "--json").stdout)
    assert shown["state"] == "responded"
    assert shown["resolutions"][0]["kinds"] == ["answered", "diagnosed"]
    assert shown["effort"][0]["minutes"] == 30
    assert len(shown["escalations"]) == 1
    handoff = run(demo, "handoff", "--dry-run", "--json")
    assert handoff.returncode == 0, handoff.stderr
    preview = json.loads(handoff.stdout)
    # From the week's last business day the new inquiry is this week's to hand on; before
    # it, the handoff due is last week's, and on a weekend the inquiry is the incoming
    # Primary's already: either way it is with the Primary the handoff goes to.
    assert int(n) in preview["handed"] or owner == preview["to"]
    after = json.loads(run(demo, "inquiry", "show", n, "--json").stdout)
    assert after["assignee"] == owner  # a dry run changes nothing


def test_handing_off_twice_in_a_week_keeps_the_kept(demo: str) -> None:
    def handoff(*args: str) -> dict[str, object]:
        result = run(demo, "handoff", "--json", *args)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)  # type: ignore[no-any-return]

    primary = str(handoff("--dry-run")["from"])
    opened = run(demo, "inquiry", "new", "--title", "Nearly there", "--source", "s", "--json")
    assert opened.returncode == 0, opened.stderr
    n = str(json.loads(opened.stdout)["number"])
    for step in (("assign", n, primary, "--as", primary), ("keep", n, "--as", primary)):
        assert run(demo, "inquiry", *step).returncode == 0
    first = handoff()
    assert int(n) in first["kept"]  # type: ignore[operator]
    assert first["kept_earlier"] == []

    again = run(demo, "handoff")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"handed 0 to {first['to']}: none\n")
    assert f"#{n} (earlier this week)" in again.stdout
    assert json.loads(run(demo, "inquiry", "show", n, "--json").stdout)["assignee"] == primary

    refused = run(demo, "handoff", "--release", "99999")
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "error: #99999 was not kept by this week's earlier handoff; release only those "
        "(to hand over an inquiry marked keep, unmark it)"
    ]
    released = handoff("--release", n)
    assert released["handed"] == [int(n)]
    assert json.loads(run(demo, "inquiry", "show", n, "--json").stdout)["assignee"] == (first["to"])


def test_time_off_entered_by_mistake_is_listed_and_removed(demo: str) -> None:
    added = run(demo, "member", "time-off", "dave", "2031-03-03", "2031-03-07", "--reason", "typo")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("time-off #")
    assert added.stderr == ""  # no week of dave's in it, so no warning
    entry = int(added.stdout.split("#", 1)[1].split()[0])
    listed = json.loads(run(demo, "member", "time-off-list", "dave", "--json").stdout)
    assert listed == [
        {
            "id": entry,
            "member": "dave",
            "start": "2031-03-03",
            "end": "2031-03-07",
            "reason": "typo",
        }
    ]
    everyone = run(demo, "member", "time-off-list").stdout
    assert f"#{entry:<5} dave         2031-03-03 to 2031-03-07  typo" in everyone
    bobs = json.loads(run(demo, "member", "time-off-list", "bob", "--json").stdout)[0]["id"]

    for args, message in [
        (("dave", str(bobs)), f"error: time-off #{bobs} is bob's, not dave's; give the member"),
        (("dave", "99999"), "error: dave has no time-off #99999; list the ids with"),
        (("dave", "99999999999"), "error: dave has no time-off #99999999999;"),
    ]:
        refused = run(demo, "member", "time-off-remove", *args)
        assert refused.returncode == 2, refused.stdout
        assert refused.stderr.startswith(message)
        assert len(refused.stderr.strip().splitlines()) == 1
    assert run(demo, "member", "time-off-list", "--json").stdout.count('"id"') == 2

    removed = run(demo, "member", "time-off-remove", "dave", str(entry))
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout == f"removed time-off #{entry} of dave: 2031-03-03 to 2031-03-07 (typo)\n"
    assert json.loads(run(demo, "member", "time-off-list", "dave", "--json").stdout) == []


def _this_monday() -> date:
    today = datetime.now(ZoneInfo("America/Los_Angeles")).date()  # the llnl calendar's zone
    return today - timedelta(days=today.weekday())


def test_a_member_joins_the_rotation_on_a_monday(demo: str) -> None:
    def joined() -> dict[str, str | None]:
        return {
            m["handle"]: m["joined"]
            for m in json.loads(run(demo, "member", "list", "--json").stdout)
        }

    before = joined()
    person = ("--name", "Gail", "--email", "gail@example.org")
    for given, message in [
        (
            "2031-03-05",
            "error: joined 2031-03-05 is a Wednesday; give the Monday of that week, 2031-03-03\n",
        ),
        ("next week", "error: --joined 'next week' is not a date; write YYYY-MM-DD\n"),
    ]:
        refused = run(demo, "member", "add", "gail", *person, "--joined", given)
        assert (refused.returncode, refused.stderr) == (2, message)
    assert joined() == before

    added = run(demo, "member", "add", "gail", *person, "--joined", "2031-03-03")
    assert added.returncode == 0, added.stderr
    assert added.stdout == "added gail, sharing the desk's weeks from 2031-03-03\n"
    monday = _this_monday()
    now = run(demo, "member", "add", "hal", "--name", "Hal", "--email", "hal@example.org")
    assert now.returncode == 0, now.stderr
    assert joined()["hal"] in {monday.isoformat(), _this_monday().isoformat()}  # past midnight
    assert joined()["gail"] == "2031-03-03"
    assert "2031-03-03" in run(demo, "member", "list").stdout


def test_a_member_is_edited_from_the_shell(demo: str) -> None:
    def alice() -> dict[str, object]:
        found = json.loads(run(demo, "member", "list", "--json").stdout)
        return next(m for m in found if m["handle"] == "alice")

    before = alice()
    for args, message in [
        ((), "nothing to change; give a field, such as --percent-time 50 (see --help)"),
        (("--percent-time", "150"), "percent_time 150 is outside 1..100"),
        (("--name", " "), "the member needs a name"),
        (("--joined", "2031-03-05"), "joined 2031-03-05 is a Wednesday"),
        (("--joined", "2031-03-03", "--from-start"), "give --joined DATE or --from-start"),
    ]:
        refused = run(demo, "member", "edit", "alice", *args)
        assert refused.returncode == 2, refused.stdout
        assert refused.stderr.startswith(f"error: {message}"), refused.stderr
        assert refused.stderr.count("\n") == 1
    unknown = run(demo, "member", "edit", "nobody", "--percent-time", "50")
    assert unknown.returncode == 2
    assert "nobody" in unknown.stderr
    assert alice() == before

    edited = run(demo, "member", "edit", "@alice", "--percent-time", "25", "--inactive")
    assert edited.returncode == 0, edited.stderr
    assert edited.stdout == (
        f"updated alice: percent_time {before['percent_time']} -> 25, active True -> False\n"
    )
    assert (alice()["percent_time"], alice()["active"]) == (25, False)
    cleared = run(demo, "member", "edit", "alice", "--from-start", "--active")
    assert cleared.returncode == 0, cleared.stderr
    assert (alice()["joined"], alice()["active"]) == (None, True)
    again = run(demo, "member", "edit", "alice", "--percent-time", "25")
    assert again.stdout == "alice unchanged\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("inquiry", "show", "999"), "no inquiry #999"),
        (
            ("inquiry", "resolve", "1", "--kind", "fixed", "--as", "alice"),
            "unknown resolution kind",
        ),
        (("inquiry", "list", "--state", "open"), "unknown state"),
        (
            ("inquiry", "new", "--title", "x", "--source", "s", "--channel", "fax"),
            "unknown channel",
        ),
        (
            ("inquiry", "new", "--title", "x", "--source", "s", "--created-at", "yesterday"),
            "not ISO-8601",
        ),
        (
            ("inquiry", "new", "--title", "x", "--source", "s", "--customer", "a@x.edu\nb@y.edu"),
            "customer 'a@x.edu\\nb@y.edu' must be one line",
        ),
        (
            ("inquiry", "new", "--title", "x", "--source", "s", "--customer", "a@x.edu, b@y.edu"),
            "must be exactly one e-mail address",
        ),
        (
            (
                "inquiry",
                "new",
                "--title",
                "x",
                "--source",
                "s",
                "--created-at",
                "9999-12-31T23:59-08:00",
            ),
            "--created-at '9999-12-31T23:59-08:00': year 9999 is outside the supported years",
        ),
        (
            (
                "inquiry",
                "new",
                "--title",
                "x",
                "--source",
                "s",
                "--created-at",
                "0001-01-01T00:00+00:00",
            ),
            "year 1 is outside the supported years",
        ),
        (
            (
                "inquiry",
                "new",
                "--title",
                "x",
                "--source",
                "s",
                "--created-at",
                "9000-01-01T00:00+00:00",
            ),
            "the arrival time 9000-01-01T00:00:00+00:00 is in the future",
        ),
        (
            ("inquiry", "delegate", "--until", "9999-12-31T23:59-08:00", "--as", "alice"),
            "year 9999 is outside the supported years",
        ),
        (("inquiry", "sweep-stale", "--days", "1000000000"), "between 1 and 3650 days"),
        (("inquiry", "reply", "1", "hi", "--as", "nobody"), "no member 'nobody'"),
        (("inquiry", "close", "1", "--as", "alice"), "closing needs"),
        (("effort", "log", "0", "--as", "alice"), "minutes must be between"),
        (
            ("inquiry", "postmortem", "3", "--why", "A bad build", "--as", "alice"),
            "give --recommendations too, to write the postmortem",
        ),
        (
            ("inquiry", "postmortem", "3", "--recommendations", "Test builds", "--as", "alice"),
            "give --why too, to write the postmortem",
        ),
        (
            ("inquiry", "postmortem", "3", "--what", "The build broke", "--as", "alice"),
            "give --why and --recommendations too",
        ),
        (("shift", "set", "2026-11-18", "alice", "bob"), "not a Monday"),
        (("shift", "list", "--start", "0001-01-01"), "year 1 is outside the supported years"),
        (("shift", "set", "0001-01-01", "alice", "bob"), "year 1 is outside the supported years"),
        (
            ("member", "add", "erin", "--name", "E", "--email", "e@x.org", "--percent-time", "150"),
            "percent_time 150 is outside 1..100",
        ),
        (("sla", "deadline", "not-a-time"), "not an ISO-8601 instant"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_changes_nothing(
    shared_demo: str, args: tuple[str, ...], message: str
) -> None:
    demo = shared_demo
    before = stored_inquiries(demo)
    result = run(demo, *args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert stored_inquiries(demo) == before


def test_a_week_that_is_over_is_not_swapped(shared_demo: str) -> None:
    before = run(shared_demo, "shift", "list", "--json").stdout
    first = json.loads(before)[0]  # the demo's shifts begin weeks before this one
    taker = next(
        h for h in ("alice", "bob", "carol") if h not in (first["primary"], first["backup"])
    )
    swap = ("schedule", "swap", first["week_start"], "--role", "primary")
    result = run(shared_demo, *swap, "--member", first["primary"], "--to", taker, "--as", "alice")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.strip().splitlines() == [
        f"error: the week of {first['week_start']} is over; ask for this week or a later one"
    ]
    assert run(shared_demo, "shift", "list", "--json").stdout == before


def test_a_number_past_the_databases_integers_is_one_line(shared_demo: str) -> None:
    # PostgreSQL refuses it outright; SQLite's integers are wider, so there it is not found.
    before = stored_inquiries(shared_demo)
    result = run(shared_demo, "inquiry", "note", "99999999999", "hello", "--as", "alice")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error: ")
    assert ("integer out of range" in result.stderr) or ("no inquiry #99999999999" in result.stderr)
    # Past 64 bits SQLite's driver refuses the number before the query: one line as well.
    for args in (("inquiry", "show", str(2**70)), ("inquiry", "reopen", str(2**70), "--as", "x")):
        refused = run(shared_demo, *args)
        assert refused.returncode == 2, refused.stderr
        assert refused.stderr.count("\n") == 1, refused.stderr
        assert refused.stderr.startswith("error: "), refused.stderr
    assert stored_inquiries(shared_demo) == before


def test_a_bad_database_url_is_one_line(tmp_path: Path) -> None:
    for url, message in [
        ("nonsense://", "not supported"),
        ("::::", "malformed"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "cannot use the database"),
    ]:
        result = run(url, "inquiry", "list")
        assert result.returncode == 2, result.stderr
        assert message in result.stderr
        assert "Traceback" not in result.stderr


def _one_line_refusal(result: subprocess.CompletedProcess[str], *said: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    for words in said:
        assert words in result.stderr, result.stderr


def test_a_database_url_the_desk_cannot_open_is_one_line() -> None:
    # A port that is no number, a driver that is not installed, a dialect SQLAlchemy lacks.
    for url, said in [
        ("postgresql+psycopg://desk@db.example.org:port/desk", "malformed"),
        ("postgresql+asyncpg://desk@db.example.org/desk", "not installed"),
        ("postgresql+nosuchdriver://desk@db.example.org/desk", "not installed"),
    ]:
        _one_line_refusal(run(url, "inquiry", "list"), said, "SREDESK_DATABASE_URL")


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"meeting notes, not a desk\n" * 200)
    before = notes.read_bytes()
    _one_line_refusal(
        run(f"sqlite:///{notes}", "inquiry", "list"), "not a database", "SREDESK_DATABASE_URL"
    )
    assert notes.read_bytes() == before


def test_a_database_of_a_newer_sredesk_is_refused(tmp_path: Path) -> None:
    import sqlite3

    url = _init(f"sqlite:///{tmp_path}/desk.db")
    with sqlite3.connect(tmp_path / "desk.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0999'")
    result = run(url, "inquiry", "list")
    _one_line_refusal(result, "0999", "newer")


def test_another_applications_database_is_refused_untouched(database_url: str) -> None:
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE members (login VARCHAR(40) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO members VALUES ('someone')"))
    try:
        result = run(database_url, "init")
        _one_line_refusal(result, "members", "SREDESK_DATABASE_URL")
        with engine.connect() as conn:
            # SQLite creates tables outside the transaction: the migration must not begin.
            assert inspect(conn).get_table_names() == ["members"]
            assert conn.execute(text("SELECT login FROM members")).scalars().all() == ["someone"]
    finally:
        engine.dispose()


TEAM_FILE = """[team]
name = "VisIt"
experienced_after = 2

[[member]]
handle = "alice"
percent_time = 100
primary_weeks_served = 6

[[member]]
handle = "bob"
percent_time = 50

[[member]]
handle = "carol"
percent_time = 100
"""


def test_schedule_plan_contract_from_a_team_file(tmp_path: Path) -> None:
    team = tmp_path / "team.toml"
    team.write_text(TEAM_FILE)
    url = f"sqlite:///{tmp_path}/unused.db"
    result = run(
        url,
        "schedule",
        "plan",
        "--team",
        str(team),
        "--start",
        "2027-01-04",
        "--weeks",
        "6",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert set(plan) >= {"weeks", "optimal", "fairness"}
    assert plan["optimal"] is True
    assert [w["week_start"] for w in plan["weeks"]] == [
        "2027-01-04",
        "2027-01-11",
        "2027-01-18",
        "2027-01-25",
        "2027-02-01",
        "2027-02-08",
    ]
    for week in plan["weeks"]:
        assert set(week) == {"week_start", "primary", "backup"}
        assert week["primary"] != week["backup"]
    primaries = [w["primary"] for w in plan["weeks"]]
    # Weighted by percent-time: bob (50%) is Primary half as often as alice or carol.
    assert (primaries.count("alice"), primaries.count("bob"), primaries.count("carol")) == (
        2,
        1,
        2,
    ) or primaries.count("bob") < primaries.count("alice")
    assert not (tmp_path / "unused.db").exists()  # planning from a file stores nothing


def test_schedule_plan_from_a_team_file_counts_a_former_members_weeks(tmp_path: Path) -> None:
    team = tmp_path / "team.toml"
    history = "".join(
        f'\n[[history]]\nweek_start = 2026-12-{day}\nprimary = "erin"\nbackup = "alice"\n'
        for day in ("14", "21", "28")
    )
    team.write_text(TEAM_FILE + '\n[[member]]\nhandle = "erin"\nactive = false\n' + history)
    result = run(
        f"sqlite:///{tmp_path}/unused.db",
        *("schedule", "plan", "--team", str(team), "--start", "2027-01-04", "--weeks", "6"),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert "erin" not in {h for w in plan["weeks"] for h in (w["primary"], w["backup"])}
    members = {m["handle"]: m for m in plan["fairness"]["members"]}
    assert set(members) == {"alice", "bob", "carol"}
    backup = members["alice"]["backup"]
    assert backup["actual"] - backup["actual_horizon"] == 3  # her weeks as Erin's Backup


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("percent_time = 50", "percent_time = 0"), "team.toml:12:"),
        (('handle = "carol"', 'handle = "bob"'), "already used by another member"),
        (("[team]", '[team]\ncolour = "red"'), "colour"),
        (
            ("[team]", '[team]\ntimezone = "Europe/Paris"'),
            "team.toml:2: timezone 'Europe/Paris' is not the zone of calendar 'llnl'",
        ),
    ],
)
def test_schedule_plan_refuses_a_bad_team_file(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    team = tmp_path / "team.toml"
    team.write_text(TEAM_FILE.replace(*edit))
    result = run(
        f"sqlite:///{tmp_path}/d.db",
        "schedule",
        "plan",
        "--team",
        str(team),
        "--start",
        "2027-01-04",
        "--weeks",
        "4",
        "--json",
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_team_import_refuses_a_zone_apart_from_the_calendars(
    shared_demo: str, tmp_path: Path
) -> None:
    exported = run(shared_demo, "team", "export")
    assert exported.returncode == 0, exported.stderr
    assert '\ntimezone = "America/Los_Angeles"\n' in exported.stdout
    paris = tmp_path / "paris.toml"
    paris.write_text(exported.stdout.replace("America/Los_Angeles", "Europe/Paris"))
    refused = run(shared_demo, "team", "import", str(paris))
    assert (refused.returncode, refused.stderr) == (
        2,
        f"error: {paris}:3: timezone 'Europe/Paris' is not the zone of calendar 'llnl',"
        " 'America/Los_Angeles', in which the desk keeps its weeks and hours;"
        ' write timezone = "America/Los_Angeles" or name a calendar in Europe/Paris\n',
    )
    assert run(shared_demo, "team", "export").stdout == exported.stdout


def test_a_file_that_cannot_be_written_is_one_line_and_stores_nothing(
    demo: str, tmp_path: Path
) -> None:
    from sqlalchemy import create_engine, text

    def feed_events() -> int:
        engine = create_engine(demo)
        try:
            with engine.connect() as connection:
                return int(connection.execute(text("SELECT count(*) FROM feed_events")).scalar())
        finally:
            engine.dispose()

    missing = tmp_path / "missing" / "out"
    for args, target in [
        (("schedule", "ics", "-o", f"{missing}.ics"), f"{missing}.ics"),
        (("schedule", "ics", "--member", "alice", "-o", str(tmp_path)), str(tmp_path)),
        (("team", "export", f"{missing}.toml"), f"{missing}.toml"),
    ]:
        refused = run(demo, *args)
        assert refused.returncode == 2, refused.stderr
        assert refused.stderr.startswith(f"error: cannot write {target}: ")
        assert refused.stderr.endswith("; give a file in a folder you may write to\n")
        assert len(refused.stderr.splitlines()) == 1
    # The feed's versions are stored only with a feed that was written.
    assert feed_events() == 0
    written = run(demo, "schedule", "ics", "-o", str(tmp_path / "team.ics"))
    assert written.returncode == 0, written.stderr
    assert (tmp_path / "team.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert feed_events() > 0


def test_schedule_plan_names_the_week_it_cannot_staff(tmp_path: Path) -> None:
    team = tmp_path / "team.toml"
    text = TEAM_FILE.replace(
        'handle = "bob"\npercent_time = 50',
        'handle = "bob"\npercent_time = 50\n\n[[member.time_off]]\nstart = 2027-03-01\n'
        "end = 2027-03-05",
    ).replace(
        'handle = "carol"\npercent_time = 100',
        'handle = "carol"\npercent_time = 100\n\n[[member.time_off]]\nstart = 2027-03-01\n'
        "end = 2027-03-05",
    )
    team.write_text(text)
    result = run(
        f"sqlite:///{tmp_path}/d.db",
        "schedule",
        "plan",
        "--team",
        str(team),
        "--start",
        "2027-02-22",
        "--weeks",
        "3",
    )
    assert result.returncode == 2
    assert "week of 2027-03-01: only 1 member available" in result.stderr


def test_schedule_publish_refuses_a_draft_whose_week_changed_since(demo: str) -> None:
    start = _this_monday() + timedelta(weeks=20)
    drafted = run(demo, "schedule", "plan", "--start", str(start), "--weeks", "2", "--json")
    assert drafted.returncode == 0, drafted.stderr
    plan = json.loads(drafted.stdout)
    first = plan["weeks"][0]
    # Someone sets the first week by hand after the draft: the same pair, the other way round.
    changed = run(demo, "shift", "set", str(start), first["backup"], first["primary"])
    assert changed.returncode == 0, changed.stderr
    before = run(demo, "shift", "list", "--json").stdout
    refused = run(demo, "schedule", "publish", str(plan["id"]))
    assert (refused.returncode, refused.stderr) == (
        2,
        f"error: week of {start} changed since plan {plan['id']} was drafted; draft again\n",
    )
    assert run(demo, "shift", "list", "--json").stdout == before
    listed = json.loads(run(demo, "schedule", "plans", "--json").stdout)
    assert [p["status"] for p in listed if p["id"] == plan["id"]] == ["draft"]


def test_roster_changes_from_the_shell_name_who_made_them(demo: str) -> None:
    from sredesk.adapters.db.unit_of_work import Database
    from sredesk.adapters.memory import FixedClock
    from sredesk.services import records
    from sredesk.services.desk import Desk
    from tests.conftest import NOW

    person = ("--name", "Gail", "--email", "gail@example.org")
    changes: list[tuple[tuple[str, ...], dict[str, str]]] = [
        (("member", "add", "gail", *person, "--as", "@alice"), {}),
        (("member", "edit", "gail", "--percent-time", "25"), {"SREDESK_USER": "bob"}),
        (("member", "time-off", "gail", "2031-03-03", "2031-03-07"), {}),
        (("shift", "set", "2031-03-03", "alice", "gail", "--as", "carol"), {}),
    ]
    for args, env in changes:
        done = run(demo, *args, env=env)
        assert done.returncode == 0, done.stderr
    database = Database(demo)
    try:
        events = records.audit_log(Desk(unit_of_work=database.unit_of_work, clock=FixedClock(NOW)))
    finally:
        database.dispose()
    last = {e["action"]: e["actor"] for e in events}
    assert last["member.added"] == "alice"
    assert last["member.updated"] == "bob"
    assert last["member.time_off"] == "system"  # neither --as nor $SREDESK_USER
    assert last["shift.set"] == "carol"


def test_a_required_response_time_in_days_from_the_shell(demo: str) -> None:
    base = ("inquiry", "new", "--title", "Contract", "--source", "visit-users")
    opened = run(demo, *base, "--response-days", "2", "--json")
    assert opened.returncode == 0, opened.stderr
    assert json.loads(opened.stdout)["response_days"] == 2
    both = run(demo, *base, "--response-days", "2", "--response-hours", "4")
    assert (both.returncode, both.stderr) == (
        2,
        "error: give the required response time in hours or in days, not both\n",
    )


def _run_bytes(
    db_url: str, *args: str | bytes, stdin: bytes = b"", env: dict[str, str | bytes] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """A command whose arguments, input or environment may hold bytes that are not UTF-8."""
    inherited = {key: value for key, value in os.environ.items() if key != "SREDESK_USER"}
    environment: dict[bytes, bytes] = {
        os.fsencode(key): os.fsencode(value)
        for key, value in {**inherited, "SREDESK_DATABASE_URL": db_url, **(env or {})}.items()
    }
    return subprocess.run(
        [SREDESK, *args], capture_output=True, input=stdin, env=environment, timeout=60, check=False
    )


def test_text_that_is_not_utf8_is_one_line_and_changes_nothing(migrated_sqlite_url: str) -> None:
    demo = _init(migrated_sqlite_url)
    before = stored_inquiries(demo)
    latin1 = b"Gr\xfc\xdfe aus K\xf6ln"
    refused = [
        _run_bytes(demo, "inquiry", "reply", "1", latin1, "--as", "alice"),
        _run_bytes(demo, "inquiry", "reply", "1", "-", "--as", "alice", stdin=latin1),
        _run_bytes(
            demo, "inquiry", "new", "--title", "t", "--source", "s", "--body", "-", stdin=latin1
        ),
        _run_bytes(demo, "member", "add", "zed", "--name", latin1, "--email", "z@example.org"),
        _run_bytes(demo, "user", "add", "zed", "--password-stdin", stdin=latin1 + b"\n"),
        _run_bytes(demo, "inquiry", "note", "1", "hello", env={"SREDESK_USER": latin1}),
    ]
    for result in refused:
        stderr = result.stderr.decode()
        assert result.returncode == 2, (result.args, stderr)
        assert stderr.startswith("error: "), (result.args, stderr)
        assert stderr.count("\n") == 1, (result.args, stderr)
        assert "UTF-8" in stderr, stderr
    assert stored_inquiries(demo) == before
    assert "zed" not in run(demo, "member", "list").stdout
    assert "zed" not in run(demo, "user", "list").stdout


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("inquiry", "show", "abc"), "Invalid value for 'number'"),
        (
            ("inquiry", "resolve", "1"),
            "Missing option '--kind'; see 'sredesk inquiry resolve --help'",
        ),
        (("effort", "log", "-5"), "No such option: -5"),
        (("serve", "--port", "0"), "Invalid value for '--port'"),
        (("inquiry", "attach", "1", "/nonexistent/trace.txt"), "does not exist"),
        (("inquiry", "frobnicate"), "No such command 'frobnicate'"),
    ],
)
def test_a_usage_error_is_one_line(tmp_path: Path, args: tuple[str, ...], said: str) -> None:
    result = run(f"sqlite:///{tmp_path}/desk.db", *args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert said in result.stderr


def test_help_still_shows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/desk.db"
    for args in (("--help",), ("inquiry", "--help"), ("inquiry", "new", "--help")):
        result = run(url, *args)
        assert result.returncode == 0, result.stderr
        assert "Usage: sredesk" in result.stdout
    alone = run(url, "inquiry")  # a group named alone shows its help, as a usage error
    assert alone.returncode == 2, alone.stderr
    assert "Usage: sredesk inquiry" in alone.stdout


def test_who_opens_an_inquiry_comes_from_as_else_sredesk_user(demo: str) -> None:
    opened = {
        "--as": run(demo, "inquiry", "new", "--title", "a", "--source", "s", "--as", "@carol"),
        "env": run(
            demo, "inquiry", "new", "--title", "b", "--source", "s", env={"SREDESK_USER": "bob"}
        ),
        "neither": run(demo, "inquiry", "new", "--title", "c", "--source", "s", "--json"),
    }
    for result in opened.values():
        assert result.returncode == 0, result.stderr
    titles = {"a": "carol", "b": "bob", "c": "system"}
    for item in json.loads(run(demo, "inquiry", "list", "--json").stdout):
        if item["title"] in titles:
            shown = json.loads(run(demo, "inquiry", "show", str(item["number"]), "--json").stdout)
            created = [e for e in shown["timeline"] if e["action"] == "inquiry.created"]
            assert [e["actor"] for e in created] == [titles.pop(item["title"])]
    assert titles == {}
