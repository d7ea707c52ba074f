"""Check the `sla` and `calendar` commands' contract: exact output, and exit 2 on bad input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from sredesk.cli.sla import calendar_app, sla_app

app = typer.Typer()
app.add_typer(sla_app, name="sla")
app.add_typer(calendar_app, name="calendar")
runner = CliRunner()


def run(*args: str, stdin: str | None = None) -> Result:
    return runner.invoke(app, list(args), input=stdin)


def ok(*args: str, stdin: str | None = None) -> str:
    result = run(*args, stdin=stdin)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(autouse=True)
def no_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SREDESK_CONFIG", raising=False)


def test_deadline_worked_example() -> None:
    assert ok("sla", "deadline", "2026-11-25T16:30") == "2026-11-30T11:30:00-08:00\n"


def test_deadline_at_closing_time() -> None:
    assert (
        ok("sla", "deadline", "2026-11-25T16:00", "--hours", "1") == "2026-11-25T17:00:00-08:00\n"
    )


def test_deadline_reads_offsets_and_answers_in_the_calendar_zone() -> None:
    assert ok("sla", "deadline", "2026-11-26T00:30Z") == "2026-11-30T11:30:00-08:00\n"
    assert ok("sla", "deadline", "2026-03-06T19:00-05:00", "--hours", "1.5") == (
        "2026-03-09T08:30:00-07:00\n"
    )


def test_deadline_batch_keeps_order_and_skips_blank_lines(tmp_path: Path) -> None:
    batch = tmp_path / "arrivals.txt"
    batch.write_text("2026-11-25T16:30\n\n2026-03-03T12:00:00-08:00\n2026-03-03T16:59:59.5\n")
    assert ok("sla", "deadline", "--batch", str(batch)) == (
        "2026-11-30T11:30:00-08:00\n2026-03-03T17:00:00-08:00\n2026-03-04T11:59:59.500000-08:00\n"
    )


def test_deadline_batch_from_stdin() -> None:
    out = ok("sla", "deadline", "--batch", "-", "--hours", "8", stdin="2026-03-03T08:00\n")
    assert out == "2026-03-03T17:00:00-08:00\n"


def test_elapsed_prints_business_seconds() -> None:
    assert ok("sla", "elapsed", "2026-11-25T16:30", "2026-11-30T11:30") == "14400\n"
    assert ok("sla", "elapsed", "2026-03-03T08:00", "2026-03-03T08:00:01.25") == "1.25\n"
    assert ok("sla", "elapsed", "2026-03-04T08:00", "2026-03-03T08:00") == "0\n"


def test_holidays_for_a_year() -> None:
    assert ok("calendar", "holidays", "--year", "2027").split() == [
        "2027-01-01",
        "2027-01-18",
        "2027-02-15",
        "2027-05-31",
        "2027-07-05",
        "2027-09-06",
        "2027-11-25",
        "2027-11-26",
        "2027-12-24",
        "2027-12-27",
        "2027-12-28",
        "2027-12-29",
        "2027-12-30",
        "2027-12-31",
    ]


def test_help_says_how_an_instant_without_offset_is_read() -> None:
    text = " ".join(re.sub(r"[│╭╮╰╯─]", " ", ok("sla", "deadline", "--help")).split())
    assert "without a UTC offset is local time in the calendar's time zone" in text


SETTINGS = """
[calendars]
default = "site"

[calendars.site]
holidays = "none"
ics = "site.ics"
hours = { mon-fri = ["09:00-17:00"] }

[calendars.shut]
hours = {}
"""

ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:1
DTSTART;VALUE=DATE:20260310
SUMMARY:Site shutdown
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "sredesk.toml"
    path.write_text(SETTINGS)
    (tmp_path / "site.ics").write_text(ICS)
    monkeypatch.setenv("SREDESK_CONFIG", str(path))
    return path


@pytest.mark.usefixtures("settings_file")
def test_settings_name_the_default_calendar_and_its_ics_file() -> None:
    assert ok("calendar", "holidays", "--year", "2026") == "2026-03-10\n"
    assert ok("sla", "deadline", "2026-03-09T16:00") == "2026-03-11T12:00:00-07:00\n"
    assert ok("calendar", "holidays", "--year", "2026", "--calendar", "llnl").count("\n") == 14


def bad(*args: str, stdin: str | None = None) -> str:
    result = run(*args, stdin=stdin)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
    return result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("sla", "deadline", "yesterday"), "START 'yesterday' is not an ISO-8601 instant"),
        (("sla", "deadline", "2026-11-25", "--calendar", "nope"), "unknown calendar 'nope'"),
        (("sla", "deadline", "2026-11-25", "--hours", "-1"), "--hours -1 is negative"),
        (("sla", "deadline", "2026-11-25", "--hours", "four"), "not a number"),
        (("sla", "deadline", "2026-11-25", "--hours", "1e300"), "too large"),
        (("sla", "deadline"), "give either START or --batch"),
        (("sla", "deadline", "2026-11-25", "--batch", "-"), "give either START or --batch"),
        (("sla", "deadline", "--batch", "/nonexistent/file"), "cannot read --batch file"),
        (("sla", "deadline", "0001-01-01T09:00"), "outside the supported years"),
        (("sla", "elapsed", "2026-11-25", "later"), "END 'later' is not an ISO-8601"),
        (("sla", "elapsed", "0001-01-01", "2026-01-01"), "outside the supported years"),
        (("calendar", "holidays"), "give --year YYYY"),
        (("calendar", "holidays", "--year", "twenty"), "--year must be a year"),
        (("calendar", "holidays", "--year", "12345"), "outside the supported years"),
    ],
)
def test_bad_input_exits_2_with_one_line(args: tuple[str, ...], message: str) -> None:
    assert message in bad(*args)


def test_bad_batch_line_is_named() -> None:
    stderr = bad("sla", "deadline", "--batch", "-", stdin="2026-03-03T08:00\n\nnot a time\n")
    assert "- line 3: 'not a time'" in stderr


@pytest.mark.usefixtures("settings_file")
def test_a_calendar_with_no_open_hours_is_refused() -> None:
    assert "no open hours" in bad("sla", "deadline", "2026-03-03", "--calendar", "shut")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read $SREDESK_CONFIG file"),
        ("[calendars", "is not valid TOML"),
        ("calendars = 3", "must be a table"),
        ('[calendars.site]\nics = "missing.ics"', "cannot read the .ics file"),
    ],
)
def test_bad_settings_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None, message: str
) -> None:
    path = tmp_path / "sredesk.toml"
    if content is not None:
        path.write_text(content)
    monkeypatch.setenv("SREDESK_CONFIG", str(path))
    assert message in bad("sla", "deadline", "2026-03-03", "--calendar", "site")
