"""Test reading and writing the team file, and the errors that point at its lines."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings

from sredesk.core.rotation_model import RosterMember, TimeOffRange, WeekAssignment
from sredesk.core.teamfile import TeamFile, TeamFileError, TeamSettings, dump_team, parse_team
from sredesk.core.teamfile_toml import toml_value
from tests.strategies_rotation import team_files

# The example from the rotation issue, plus a second member so the history is valid.
EXAMPLE = """\
[team]
name = "VisIt"
timezone = "America/Los_Angeles"
calendar = "llnl"          # holiday calendar (see the business-calendar issue)
experienced_after = 4      # Primary weeks served before someone counts as experienced

[[member]]
handle = "alice"
name = "Alice Liddell"
email = "alice@example.org"
percent_time = 100         # 1..100
primary_weeks_served = 12  # experience before the history below; default 0
classified_access = false

[[member.time_off]]
start = 2027-01-11
end = 2027-01-15           # inclusive
reason = "vacation"

[[member]]
handle = "bob"
name = "Bob"
email = "bob@example.org"
percent_time = 50

[[history]]                # past weeks, optional
week_start = 2026-12-28
primary = "alice"
backup = "bob"
"""

PARSED = TeamFile(
    team=TeamSettings("VisIt", "America/Los_Angeles", "llnl", 4),
    members=(
        RosterMember(
            handle="alice",
            percent_time=100,
            primary_weeks_served=12,
            time_off=(TimeOffRange(date(2027, 1, 11), date(2027, 1, 15), "vacation"),),
            name="Alice Liddell",
            email="alice@example.org",
            classified_access=False,
        ),
        RosterMember("bob", 50, 0, (), "Bob", "bob@example.org", False),
    ),
    history=(WeekAssignment(date(2026, 12, 28), "alice", "bob"),),
)


def test_the_issue_example_parses() -> None:
    assert parse_team(EXAMPLE) == PARSED


def test_defaults_fill_what_the_file_leaves_out() -> None:
    team = parse_team('[team]\nname = "Ops"\n\n[[member]]\nhandle = "zoe"\n')
    assert team == TeamFile(TeamSettings("Ops"), (RosterMember("zoe"),), ())
    assert team.members[0].percent_time == 50
    assert team.team.experienced_after == 4


def test_dump_writes_every_key_in_a_fixed_order() -> None:
    assert dump_team(PARSED) == (
        "[team]\n"
        'name = "VisIt"\n'
        'timezone = "America/Los_Angeles"\n'
        'calendar = "llnl"\n'
        "experienced_after = 4\n"
        "\n"
        "[[member]]\n"
        'handle = "alice"\n'
        'name = "Alice Liddell"\n'
        'email = "alice@example.org"\n'
        "percent_time = 100\n"
        "primary_weeks_served = 12\n"
        "classified_access = false\n"
        "\n"
        "[[member.time_off]]\n"
        "start = 2027-01-11\n"
        "end = 2027-01-15\n"
        'reason = "vacation"\n'
        "\n"
        "[[member]]\n"
        'handle = "bob"\n'
        'name = "Bob"\n'
        'email = "bob@example.org"\n'
        "percent_time = 50\n"
        "primary_weeks_served = 0\n"
        "classified_access = false\n"
        "\n"
        "[[history]]\n"
        "week_start = 2026-12-28\n"
        'primary = "alice"\n'
        'backup = "bob"\n'
    )


@settings(max_examples=60, deadline=None)
@given(team_files())
def test_dump_then_parse_gives_back_the_same_team(team: TeamFile) -> None:
    assert parse_team(dump_team(team)) == team


def test_a_join_monday_is_read_and_written_only_when_given() -> None:
    text = EXAMPLE.replace("percent_time = 50\n", "percent_time = 50\njoined = 2026-12-28\n")
    team = parse_team(text)
    alice, bob = team.members
    assert (alice.joined, bob.joined) == (None, date(2026, 12, 28))
    written = dump_team(team)
    assert written.count("joined") == 1
    assert 'handle = "bob"' in written.split("classified_access = false\njoined = 2026-12-28\n")[0]
    assert parse_team(written) == team


def test_a_former_member_is_kept_apart_from_the_roster_with_their_weeks() -> None:
    text = (
        EXAMPLE
        + '\n[[member]]\nhandle = "erin"\nactive = false\n'
        + '\n[[history]]\nweek_start = 2026-12-21\nprimary = "erin"\nbackup = "alice"\n'
    )
    team = parse_team(text)
    assert [m.handle for m in team.members] == ["alice", "bob"]  # the roster to plan
    assert team.former == (RosterMember("erin"),)
    assert team.history[0] == WeekAssignment(date(2026, 12, 21), "erin", "alice")
    written = dump_team(team)
    assert written.count("active") == 1
    assert (
        '[[member]]\nhandle = "erin"\nname = ""\nemail = ""\npercent_time = 50\n'
        "primary_weeks_served = 0\nclassified_access = false\nactive = false\n"
    ) in written
    assert parse_team(written) == team
    # Saying so changes nothing for a member on the rotation.
    assert parse_team(edit('handle = "bob"', 'handle = "bob"\nactive = true')) == PARSED


def test_the_team_zone_is_its_calendars() -> None:
    zones = {"llnl": "America/Los_Angeles", "tokyo": "Asia/Tokyo"}
    assert parse_team(EXAMPLE, calendar_zone=zones.__getitem__) == PARSED
    tokyo = edit('timezone = "America/Los_Angeles"\n', "").replace("llnl", "tokyo")
    assert parse_team(tokyo, calendar_zone=zones.__getitem__).team.timezone == "Asia/Tokyo"
    paris = edit('timezone = "America/Los_Angeles"', 'timezone = "Europe/Paris"')
    with pytest.raises(TeamFileError) as refused:
        parse_team(paris, "visit.toml", calendar_zone=zones.__getitem__)
    assert str(refused.value) == (
        "visit.toml:3: timezone 'Europe/Paris' is not the zone of calendar 'llnl',"
        " 'America/Los_Angeles', in which the desk keeps its weeks and hours;"
        ' write timezone = "America/Los_Angeles" or name a calendar in Europe/Paris'
    )
    assert parse_team(paris).team.timezone == "Europe/Paris"  # no calendars to check against


def test_history_is_sorted_by_week() -> None:
    text = EXAMPLE + '\n[[history]]\nweek_start = 2026-12-21\nprimary = "bob"\nbackup = "alice"\n'
    weeks = [w.week_start for w in parse_team(text).history]
    assert weeks == [date(2026, 12, 21), date(2026, 12, 28)]


def edit(old: str, new: str) -> str:
    assert old in EXAMPLE
    return EXAMPLE.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            edit("percent_time = 50", "percnt_time = 50"),
            "team.toml:24: unknown key 'percnt_time' in [[member]]; did you mean 'percent_time'?",
        ),
        (
            edit('reason = "vacation"', 'reason = "vacation"\ncolour = "red"'),
            "team.toml:19: unknown key 'colour' in [[member.time_off]];"
            " remove it (allowed: start, end, reason)",
        ),
        (
            edit("experienced_after = 4", "experienced_after = 4\nowner = 'x'"),
            "team.toml:6: unknown key 'owner' in [team];"
            " remove it (allowed: name, timezone, calendar, experienced_after)",
        ),
        (
            EXAMPLE + "\n[extra]\nx = 1\n",
            "team.toml:31: unknown key 'extra' in the file;"
            " remove it (allowed: team, member, history)",
        ),
        (
            edit('handle = "bob"', 'handle = "alice"'),
            "team.toml:21: handle 'alice' is already used by another member;"
            " give each a unique handle",
        ),
        (
            edit("percent_time = 50", "percent_time = 0"),
            "team.toml:24: percent_time of bob is 0; give a whole number from 1 to 100",
        ),
        (
            edit("percent_time = 100 ", "percent_time = 101 "),
            "team.toml:11: percent_time of alice is 101; give a whole number from 1 to 100",
        ),
        (
            edit('backup = "bob"', 'backup = "bobby"'),
            "team.toml:29: history names 'bobby', who is not a member; did you mean 'bob'?",
        ),
        (
            edit('primary = "alice"', 'primary = "zed"'),
            "team.toml:28: history names 'zed', who is not a member;"
            " add a [[member]] with that handle (and active = false if they have left)",
        ),
        (
            edit("end = 2027-01-15", "end = 9999-12-31"),
            "team.toml:17: end 9999-12-31 is outside the years 2-9998 the calendar supports",
        ),
        (
            edit("end = 2027-01-15", "end = 2027-01-10"),
            "team.toml:17: time-off ends on 2027-01-10, before it starts on 2027-01-11;"
            " give an end on or after the start",
        ),
        (
            edit("percent_time = 100 ", 'percent_time = "100" '),
            'team.toml:11: percent_time is a string ("100"); write percent_time = 100 (an integer)',
        ),
        (
            edit('handle = "bob"', 'handle = "bob"\nactive = "no"'),
            'team.toml:22: active is a string ("no"); write active = false (a boolean)',
        ),
        (
            edit("classified_access = false", "classified_access = 0"),
            "team.toml:13: classified_access is an integer (0);"
            " write classified_access = false (a boolean)",
        ),
        (
            edit("percent_time = 50", "percent_time = true"),
            "team.toml:24: percent_time is a boolean (true); write percent_time = 100 (an integer)",
        ),
        (
            edit("start = 2027-01-11", 'start = "2027-01-11"'),
            'team.toml:16: start is a string ("2027-01-11"); write start = 2027-01-11 (a date)',
        ),
        (
            edit("start = 2027-01-11", "start = 2027-01-11T09:00:00"),
            "team.toml:16: start is a date-time (2027-01-11T09:00:00);"
            " write start = 2027-01-11 (a date)",
        ),
        (
            edit("percent_time = 50", "percent_time = 50.5"),
            "team.toml:24: percent_time is a float (50.5); write percent_time = 100 (an integer)",
        ),
        (
            edit("week_start = 2026-12-28", "week_start = 2026-12-30"),
            "team.toml:27: week_start 2026-12-30 is a Wednesday; give the Monday of that week",
        ),
        (
            edit("percent_time = 50", "percent_time = 50\njoined = 2026-12-30"),
            "team.toml:25: joined 2026-12-30 is a Wednesday;"
            " give the Monday of that week, 2026-12-28",
        ),
        (
            edit("percent_time = 50", 'percent_time = 50\njoined = "2026-12-28"'),
            'team.toml:25: joined is a string ("2026-12-28"); write joined = 2026-01-05 (a date)',
        ),
        (
            EXAMPLE + '\n[[history]]\nweek_start = 2026-12-28\nprimary = "bob"\nbackup = "alice"\n',
            "team.toml:32: the week of 2026-12-28 is listed twice; keep one entry",
        ),
        (
            edit('backup = "bob"', 'backup = "alice"'),
            "team.toml:29: alice is both Primary and Backup; name two different members",
        ),
        (
            edit('handle = "bob"', 'handle = "bob smith"'),
            "team.toml:21: handle 'bob smith' is not usable in a URL;"
            " use letters, digits, '.', '_' or '-'",
        ),
        (
            edit('handle = "bob"\n', ""),
            'team.toml:20: [[member]] has no handle; add handle = "alice"',
        ),
        (
            edit('timezone = "America/Los_Angeles"', 'timezone = "Pacific"'),
            "team.toml:3: unknown timezone 'Pacific'; give an IANA name such as \"Europe/Paris\"",
        ),
        (
            edit("experienced_after = 4", "experienced_after = -1"),
            "team.toml:5: experienced_after is negative; give 0 or more",
        ),
        (
            edit("primary_weeks_served = 12", "primary_weeks_served = -2"),
            "team.toml:12: primary_weeks_served is negative; give 0 or more",
        ),
        (
            '[[member]]\nhandle = "a"\n',
            'team.toml:1: no [team] table; start the file with [team] and name = "..."',
        ),
        (
            'team = "VisIt"\n',
            'team.toml:1: team is a string ("VisIt"); start the file with [team] and name = "..."',
        ),
        (
            '[team]\nname = "VisIt"\nmember = "alice"\n',
            "team.toml:3: unknown key 'member' in [team];"
            " remove it (allowed: name, timezone, calendar, experienced_after)",
        ),
        (
            '[team]\nname = "VisIt"\n\n[member]\nhandle = "alice"\n',
            "team.toml:4: member is a table; write each entry under [[member]]",
        ),
        (
            edit('name = "VisIt"', 'name = "VisIt'),
            "team.toml:2: not valid TOML: Illegal character '\\n';"
            " fix the syntax (strings in quotes, dates as 2027-01-11)",
        ),
        (
            edit('calendar = "llnl"', 'name = "again"'),
            "team.toml:4: not valid TOML: Cannot overwrite a value;"
            " fix the syntax (strings in quotes, dates as 2027-01-11)",
        ),
        (
            # The desk refuses a team without a name when it is created; an import must too.
            edit('name = "VisIt"', 'name = "  "'),
            'team.toml:2: the team needs a name; write name = "VisIt"',
        ),
    ],
)
def test_a_mistake_names_the_file_line_and_fix(text: str, message: str) -> None:
    with pytest.raises(TeamFileError) as caught:
        parse_team(text)
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


def test_the_error_carries_the_path_and_line() -> None:
    with pytest.raises(TeamFileError) as caught:
        parse_team(edit("percent_time = 50", "percent_time = 500"), "teams/visit.toml")
    assert (caught.value.path, caught.value.line) == ("teams/visit.toml", 24)
    assert str(caught.value).startswith("teams/visit.toml:24: ")
    assert isinstance(caught.value, ValueError)


def test_lines_are_found_past_multiline_strings_and_inline_tables() -> None:
    text = (
        '[team]\nname = """Vis\n[[member]]\nhandle = "x"\nIt"""\n\n'
        '[[member]]\nhandle = "ann"\n'
        "time_off = [{ start = 2027-01-11, end = 2027-01-01 }]\n"
    )
    with pytest.raises(TeamFileError, match=r"^team\.toml:9: time-off ends on 2027-01-01"):
        parse_team(text)


def test_a_time_off_table_belongs_to_the_member_above_it() -> None:
    text = EXAMPLE.replace(
        "percent_time = 50\n",
        "percent_time = 50\n\n[[member.time_off]]\nstart = 2027-02-01\nend = 2027-01-01\n",
    )
    with pytest.raises(TeamFileError, match=r"^team\.toml:28: time-off ends on 2027-01-01"):
        parse_team(text)


def test_only_toml_scalars_are_written() -> None:
    with pytest.raises(TypeError, match="cannot write list to the team file"):
        toml_value([1])
