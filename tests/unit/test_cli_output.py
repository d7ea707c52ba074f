"""What the shell prints of other people's words: control characters escaped, JSON as is."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from sredesk.cli import common
from sredesk.cli.inquiry import app as inquiry_app
from sredesk.cli.mail import mail_app
from sredesk.services import mail
from sredesk.services.desk import Desk
from sredesk.services.mail import Arrival
from sredesk.services.mail_outbound import mail_publisher
from tests.mailfactory import SETTINGS, message, mid

# Clear the screen, turn the text red, ring the bell: a subject an attacker chose.
HOSTILE = "\x1b[2J\x1b[31mPay now\x07 \x9b0m"
SHOWN = "\\x1b[2J\\x1b[31mPay now\\x07 \\x9b0m"

app = typer.Typer()
app.add_typer(mail_app, name="mail")
app.add_typer(inquiry_app, name="inquiry")


@pytest.fixture
def desk(memory_desk: Desk, monkeypatch: pytest.MonkeyPatch) -> Desk:
    memory_desk.publishers.append(mail_publisher(SETTINGS))
    for module in ("sredesk.cli.mail", "sredesk.cli.inquiry"):
        monkeypatch.setattr(f"{module}.desk", lambda: memory_desk)
    return memory_desk


def shell(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def take(desk: Desk, raw: bytes) -> mail.Outcome:
    return mail.ingest(desk, raw, settings=SETTINGS, arrival=Arrival())


def test_a_hostile_subject_in_the_quarantine_reaches_no_terminal(desk: Desk) -> None:
    take(desk, message(mid(1), subject=HOSTILE, body="   "))
    (row,) = json.loads(shell("mail", "quarantine", "--json"))
    assert row["subject"] == HOSTILE  # JSON escapes what it must itself, and keeps the words
    assert shell("mail", "quarantine") == (
        f'{row["id"]:>6}  quarantined user@uni.example.edu "{SHOWN}": no text and no attachment\n'
    )


def test_a_hostile_title_and_body_are_escaped_in_list_and_show(desk: Desk) -> None:
    number = take(desk, message(mid(1), subject=HOSTILE, body=f"line one\n{HOSTILE}")).inquiry
    listed = shell("inquiry", "list")
    assert "\x1b" not in listed
    assert "\x9b" not in listed
    assert "Pay now" in listed
    shown = shell("inquiry", "show", str(number))
    assert shown.startswith(f"#{number} {SHOWN}\n")
    assert f"  line one\n  {SHOWN}\n" in shown  # a body keeps its lines


@pytest.mark.parametrize(
    ("text", "lines", "printed"),
    [
        ("plain words, tabs\tand [brackets]", False, "plain words, tabs\tand [brackets]"),
        ("two\nlines\r\n", False, "two\\nlines\\r\\n"),
        ("two\r\nlines\n", True, "two\nlines\n"),
        ("carriage\roverwrites", True, "carriage\\roverwrites"),
        ("\x00\x7f\x85é€", False, "\\x00\\x7f\\x85é€"),
    ],
)
def test_printable_escapes_control_characters_alone(text: str, lines: bool, printed: str) -> None:
    assert common.printable(text, lines=lines) == printed


def test_the_workers_warnings_are_escaped_too(desk: Desk) -> None:
    """A mail worker logs a failing message's Message-ID, which its sender chose."""
    import logging

    from sredesk.cli.main import app as main_app

    def warn() -> None:
        logging.getLogger("sredesk.mail").warning("intake of %s failed once", f"<{HOSTILE}@x>")

    main_app.command("warn-for-test")(warn)
    try:
        result = CliRunner().invoke(main_app, ["warn-for-test"])
    finally:
        main_app.registered_commands.pop()
    assert result.exit_code == 0, result.output
    assert result.stderr == f"intake of <{SHOWN}@x> failed once\n"
