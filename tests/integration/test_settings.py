"""Settings from the environment and a TOML file reach the desk's calendar and clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sredesk.adapters.memory import FixedClock
from sredesk.bootstrap import build_desk
from sredesk.core.errors import InvalidInput
from sredesk.core.github import GitHubLink
from sredesk.services import inquiries, outbox, team
from sredesk.settings import DEFAULT_DATABASE_URL, Settings

LA = ZoneInfo("America/Los_Angeles")
ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:site-day@example.org
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20261119
SUMMARY:Site shutdown
END:VEVENT
END:VCALENDAR
"""


def test_a_configured_ics_calendar_and_goal_set_response_due(tmp_path: Path) -> None:
    (tmp_path / "site.ics").write_text(ICS)
    config = tmp_path / "sredesk.toml"
    config.write_text('[desk]\nresponse_hours = 8\n\n[calendars.site]\nics = "site.ics"\n')
    settings = Settings.from_env(
        {"SREDESK_DATABASE_URL": f"sqlite:///{tmp_path}/d.db", "SREDESK_CONFIG": str(config)}
    )
    wednesday_ten = datetime(2026, 11, 18, 10, tzinfo=LA)
    desk, database = build_desk(settings, clock=FixedClock(wednesday_ten))
    try:
        team.create_team(desk, "VisIt", calendar="site")
        n = inquiries.open_inquiry(desk, title="Q", channel="email", source="l")
        due = datetime.fromisoformat(inquiries.get_inquiry(desk, n)["response_due"])
    finally:
        database.dispose()
    # 8 business hours from Wednesday 10:00, with Thursday closed by the .ics: Friday 10:00.
    assert due == wednesday_ten + timedelta(days=2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[desk\n", "not valid TOML"),
        ("[desk]\nresponse_hours = -1\n", "positive number"),
        ("calendars = 3\n", "must be a table"),
        ("[desk]\nwarn_at = [0.75, 0.5]\n", "desk.warn_at must be fractions rising"),
        ("[desk]\nwarn_at = [0.5, 1.2]\n", "desk.warn_at must be fractions rising"),
        ("[desk]\nwarn_at = 0.5\n", "desk.warn_at must be fractions rising"),
        ("[desk]\nwarn_at = []\n", "desk.warn_at must be fractions rising"),
        # Past any timedelta, or no number at all: refused here, not as a traceback later.
        ("[desk]\nresponse_hours = inf\n", "desk.response_hours must be a positive number"),
        ("[desk]\nresponse_hours = nan\n", "desk.response_hours must be a positive number"),
        ("[desk]\nresponse_hours = 1e300\n", "desk.response_hours must be a positive number"),
        ("[desk]\nresolution_hours = inf\n", "desk.resolution_hours must be a positive"),
        ("[desk]\nresolution_hours = 1e300\n", "desk.resolution_hours must be a positive"),
        ("desk = 5\n", r"\[desk\] must be a table"),
        # A misspelt setting would otherwise leave the default in force without a word.
        ("[desk]\nresponse_hour = 2\n", "unknown setting desk.response_hour"),
        ("[calendar.llnl]\nextra_holidays = []\n", "unknown table or setting 'calendar'"),
    ],
)
def test_bad_configuration_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "sredesk.toml"
    config.write_text(text)
    with pytest.raises(InvalidInput, match=message):
        Settings.from_env({"SREDESK_CONFIG": str(config)})


def test_the_warning_thresholds_are_configured(tmp_path: Path) -> None:
    """At 25% of 4 business hours used (one hour), an inquiry is at risk with warn_at 0.2."""
    config = tmp_path / "sredesk.toml"
    config.write_text("[desk]\nwarn_at = [0.2, 0.9]\n")
    settings = Settings.from_env(
        {"SREDESK_DATABASE_URL": f"sqlite:///{tmp_path}/d.db", "SREDESK_CONFIG": str(config)}
    )
    assert settings.warn_at == (0.2, 0.9)
    wednesday_ten = datetime(2026, 11, 18, 10, tzinfo=LA)
    clock = FixedClock(wednesday_ten)
    desk, database = build_desk(settings, clock=clock)
    try:
        team.create_team(desk, "VisIt")
        n = inquiries.open_inquiry(desk, title="Q", channel="email", source="l")
        clock.advance(timedelta(hours=1))
        assert inquiries.get_inquiry(desk, n)["clock"]["state"] == "at-risk"
    finally:
        database.dispose()
    assert Settings.from_env({}).warn_at == (0.5, 0.75)


def test_defaults_and_missing_files(tmp_path: Path) -> None:
    assert Settings.from_env({}).database_url == DEFAULT_DATABASE_URL
    with pytest.raises(InvalidInput, match="cannot read"):
        Settings.from_env({"SREDESK_CONFIG": str(tmp_path / "none.toml")})
    with pytest.raises(InvalidInput, match=r"cannot read the \.ics file"):
        Settings(config_path=tmp_path / "x.toml").read_calendar_file("missing.ics")


def test_a_reply_is_queued_for_github_without_github_settings(tmp_path: Path) -> None:
    """A shell without the token or the SRE repositories still queues what goes to GitHub."""
    settings = Settings.from_env({"SREDESK_DATABASE_URL": f"sqlite:///{tmp_path}/g.db"})
    desk, database = build_desk(settings, clock=FixedClock(datetime(2026, 11, 18, 10, tzinfo=LA)))
    try:
        team.create_team(desk, "VisIt")
        team.add_member(desk, "alice", "Alice", "alice@example.org")
        n = inquiries.open_inquiry(desk, title="Q", channel="github", source="o/r")
        with desk.unit_of_work() as uow:
            uow.github.add_link(GitHubLink(n, "o/r", "issue", 7, "https://github.com/o/r/issues/7"))
            uow.commit()
        inquiries.reply(desk, n, "Try 3.4.1.", by="alice")
        kinds = [m["kind"] for m in outbox.list_outbox(desk, inquiry_number=n)]
    finally:
        database.dispose()
    assert kinds == ["github.comment", "github.sync"]
