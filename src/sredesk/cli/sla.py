"""Answer deadline, business-time and holiday questions from the command line.

External checks call these commands, so their arguments and output are a stable
contract: ISO-8601 in, ISO-8601 with a UTC offset out, one answer per line, and on bad
input exit code 2 with one line on standard error.
"""

from __future__ import annotations

import math
import os
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn
from zoneinfo import ZoneInfo

import typer

from sredesk.cli.common import say
from sredesk.core.errors import DeskError
from sredesk.core.holiday_rules import CalendarError
from sredesk.settings import Settings

if TYPE_CHECKING:
    from sredesk.core.calendar import BusinessCalendar

CONFIG_ENV = "SREDESK_CONFIG"
BAD_INPUT = 2

sla_app = typer.Typer(
    help="Compute response deadlines and business time on a business calendar.",
    no_args_is_help=True,
    add_completion=False,
)
calendar_app = typer.Typer(
    help="Show what a business calendar holds.", no_args_is_help=True, add_completion=False
)

_LOCAL = "An instant without a UTC offset is local time in the calendar's time zone."
CalendarOption = Annotated[
    str | None,
    typer.Option(
        "--calendar",
        help="Calendar name; defaults to calendars.default in $SREDESK_CONFIG, else llnl.",
        show_default=False,
    ),
]


def fail(message: str) -> NoReturn:
    """Refuse bad input the way the contract says: one line on stderr, exit code 2."""
    say(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(BAD_INPUT)


@sla_app.command()
def deadline(
    start: Annotated[
        str | None,
        typer.Argument(
            metavar="START",
            help=f"Arrival instant in ISO-8601, e.g. 2026-11-25T16:30. {_LOCAL}",
            show_default=False,
        ),
    ] = None,
    batch: Annotated[
        str | None,
        typer.Option(
            "--batch",
            metavar="FILE",
            help="Read one ISO-8601 instant per line ('-' for stdin; blank lines skipped) "
            "and print one deadline per line, in order.",
            show_default=False,
        ),
    ] = None,
    # Read as text so a malformed number gets the contract's one-line refusal.
    hours: Annotated[
        str, typer.Option("--hours", metavar="H", help="Business hours to add, e.g. 4 or 0.5.")
    ] = "4",
    calendar: CalendarOption = None,
) -> None:
    """Print when a response is due, as ISO-8601 with the offset of the calendar's zone.

    A deadline that uses up the last second before closing is that closing time.
    """
    if (start is None) == (batch is None):
        fail("give either START or --batch FILE, not both or neither")
    duration = _duration(hours)
    cal = _calendar(calendar)
    texts = [start] if start is not None else _batch_lines(batch or "-")
    instants = [_instant(text, cal.tz, where) for where, text in _places(texts, batch)]
    try:
        deadlines = [cal.add(at, duration).isoformat() for at in instants]
    except CalendarError as exc:
        fail(str(exc))
    sys.stdout.write("".join(f"{line}\n" for line in deadlines))


@sla_app.command()
def elapsed(
    start: Annotated[
        str, typer.Argument(metavar="START", help=f"First instant in ISO-8601. {_LOCAL}")
    ],
    end: Annotated[
        str, typer.Argument(metavar="END", help=f"Second instant in ISO-8601. {_LOCAL}")
    ],
    calendar: CalendarOption = None,
) -> None:
    """Print the business seconds between START and END (0 if END is not later)."""
    cal = _calendar(calendar)
    t0, t1 = _instant(start, cal.tz, "START "), _instant(end, cal.tz, "END ")
    try:
        spent = cal.elapsed(t0, t1)
    except CalendarError as exc:
        fail(str(exc))
    whole, rest = divmod(spent, timedelta(seconds=1))
    say(str(whole) if not rest else f"{spent.total_seconds():f}".rstrip("0"))


@calendar_app.command()
def holidays(
    year: Annotated[
        str | None,
        typer.Option("--year", metavar="YYYY", help="Year to list.", show_default=False),
    ] = None,
    calendar: CalendarOption = None,
) -> None:
    """Print the calendar's holidays in a year, one ISO date per line.

    Listed are the days its weekly hours would open but a holiday keeps shut.
    """
    if year is None or not year.strip().isdigit():
        fail(f"--year must be a year like 2026, not {year!r}" if year else "give --year YYYY")
    cal = _calendar(calendar)
    try:
        days: list[date] = cal.holidays(int(year))
    except CalendarError as exc:
        fail(str(exc))
    sys.stdout.write("".join(f"{day.isoformat()}\n" for day in days))


def _duration(text: str) -> timedelta:
    try:
        hours = float(text)
    except ValueError:
        fail(f"--hours '{text}' is not a number of business hours")
    if not math.isfinite(hours) or hours < 0:
        fail(f"--hours {text} is negative or not finite; give zero or more business hours")
    try:
        return timedelta(hours=hours)
    except OverflowError:
        fail(f"--hours {text} is too large")


def _instant(text: str, tz: ZoneInfo, where: str = "") -> datetime:
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"{where}'{text}' is not an ISO-8601 instant like 2026-11-25T16:30 or ...-08:00")
    # A wall time that does not exist or occurs twice resolves as Python's fold=0 does.
    return at.replace(tzinfo=tz) if at.tzinfo is None else at


def _places(texts: list[str], batch: str | None) -> list[tuple[str, str]]:
    """Pair each instant with where it came from, so an error can point at its line."""
    if batch is None:
        return [("START ", text) for text in texts]
    return [(f"{batch} line {n}: ", text) for n, text in enumerate(texts, 1) if text.strip()]


def _batch_lines(path: str) -> list[str]:
    if path == "-":
        return sys.stdin.read().splitlines()
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read --batch file {path}: {getattr(exc, 'strerror', None) or exc}")


def _calendar(name: str | None) -> BusinessCalendar:
    # Imported here, not above: the calendar loads NumPy, which every other command skips.
    from sredesk.core.calendar import load_calendar

    try:
        settings = Settings.from_env(os.environ)
        chosen = name or str(settings.calendars.get("default") or "llnl")
        return load_calendar(chosen, settings.calendars, read_text=settings.read_calendar_file)
    except (CalendarError, DeskError) as exc:
        fail(str(exc))
