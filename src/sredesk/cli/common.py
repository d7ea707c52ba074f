"""Share what every command needs: the desk from the environment, the actor, and output."""

from __future__ import annotations

import atexit
import json
import logging
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from sredesk.core.errors import InvalidInput

# Every command starts a process, so the desk's modules (SQLAlchemy, Alembic, NumPy, OR-Tools,
# the GitHub client) are imported where a command first needs them, not here.
if TYPE_CHECKING:
    from sredesk.services.desk import Desk


class DeskGroup(TyperGroup):
    """Turn a refused command into one line on stderr and exit code 2, never a traceback."""

    def main(  # type: ignore[override]  # the same parameters, passed on by keyword
        self, args: Sequence[str] | None = None, *, standalone_mode: bool = True, **kwargs: Any
    ) -> Any:
        """A usage error (an unknown option, a value of the wrong type) is one line too."""
        from typer._click.exceptions import NoArgsIsHelpError, UsageError

        if not standalone_mode:
            return super().main(args, standalone_mode=False, **kwargs)
        try:
            code = super().main(args, standalone_mode=False, **kwargs)
        except NoArgsIsHelpError as error:
            error.show()  # a group named alone: its help
            sys.exit(error.exit_code)
        except UsageError as error:
            where = f"; see '{error.ctx.command_path} --help'" if error.ctx else ""
            said = " ".join(error.format_message().split()).rstrip(".")
            say(f"error: {said}{where}", err=True)
            sys.exit(error.exit_code)
        except typer.Abort:
            typer.echo("aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        _log_to_terminal()
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # help, usage errors and exits, which Typer reports itself
        except Exception as error:
            message = refusal(error)
            if message is None:
                raise
            say(message, err=True)
            raise typer.Exit(2) from None


class _TerminalLog(logging.Handler):
    """Show the desk's warnings on stderr as `say` shows lines: control characters escaped.

    A worker logs what its senders chose (a Message-ID, a server's refusal); Python's last
    resort handler would write it raw to the operator's terminal.
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            say(self.format(record), err=True)
        except Exception:
            self.handleError(record)


def _log_to_terminal() -> None:
    logger = logging.getLogger("sredesk")
    if not any(isinstance(handler, _TerminalLog) for handler in logger.handlers):
        logger.addHandler(_TerminalLog(logging.WARNING))


def refusal(error: Exception) -> str | None:
    """The one line for a refused command; None for an error that is a bug."""
    from sqlalchemy.exc import DataError, OperationalError

    from sredesk.services.desk import USER_ERRORS
    from sredesk.services.ports import StoreUnavailable

    if isinstance(error, USER_ERRORS):
        return f"error: {error}"
    if isinstance(error, StoreUnavailable):
        return f"error: {error}; check SREDESK_DATABASE_URL, or try again if it was busy"
    if isinstance(error, OverflowError) and "SQLite INTEGER" in str(error):
        # SQLite's driver refuses an integer past 64 bits before the query runs; PostgreSQL
        # reports the same as a DataError, below. Nothing was written.
        return "error: a number is past the database's integers; give a smaller one"
    if isinstance(error, DataError):
        # The database refused a value the shell let through, such as a number past its
        # integers; the transaction rolled back, so nothing changed.
        reason = str(error.orig).strip().splitlines()[0] if error.orig else "a value"
        return f"error: the database refused a value ({reason}); give a smaller number or text"
    if isinstance(error, OperationalError):
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        return f"error: cannot use the database: {reason}; check SREDESK_DATABASE_URL"
    return None


_desks: dict[tuple[str, str], Desk] = {}


def desk() -> Desk:
    """The desk the environment names, built once per process and settings."""
    from sredesk.adapters.github.settings import GitHubSettings
    from sredesk.bootstrap import build_desk
    from sredesk.settings import Settings

    settings = Settings.from_env(os.environ)
    key = (settings.database_url, str(settings.config_path))
    if key not in _desks:
        _desks[key], database = build_desk(settings, github=GitHubSettings.from_env(os.environ))
        # Closed before the process ends, not whenever collection gets to it: SQLite then
        # folds its write-ahead log back into the file, leaving one file to copy or back up.
        atexit.register(database.dispose)
    return _desks[key]


def actor(explicit: str | None, number: int | None = None) -> str:
    """Who acts: --as, else $SREDESK_USER, else the inquiry's assignee, else the desk holder."""
    from sredesk.services import inquiries, shifts

    if explicit:
        return explicit.lstrip("@")
    from_env = os.environ.get("SREDESK_USER", "").strip()
    if from_env:
        return from_env
    if number is not None:
        assignee = inquiries.assignee_of(desk(), number)
        if assignee:
            return str(assignee)
    duty = shifts.current_duty(desk())
    if duty is None:
        raise InvalidInput("nobody holds the desk this week; say who acts with --as HANDLE")
    return str(duty["holder"])


def read_body(text: str) -> str:
    """`-` reads the text from standard input, for long replies and scripts."""
    return utf8_text(sys.stdin.read(), "standard input") if text == "-" else text


def utf8_text(text: str, what: str, *, shown: bool = False) -> str:
    """Refuse text whose bytes were not UTF-8; `shown` quotes it, which no secret may be.

    Python decodes arguments, the environment and standard input with surrogateescape, so
    bytes in another encoding arrive as lone surrogates, which no database stores and no
    hash takes: without this check they stop the command with a traceback at the write.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        if shown:
            raw = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            what = f'{what} "{raw[:60]}"'
        raise InvalidInput(f"{what} is not UTF-8; give it as UTF-8 text") from None
    return text


def check_utf8_invocation(argv: Sequence[str], env: Mapping[str, str]) -> None:
    """Refuse a command line or a SREDESK_* setting that is not UTF-8, before anything runs."""
    for argument in argv:
        utf8_text(argument, "the argument", shown=True)
    for name, value in env.items():
        if name.startswith("SREDESK_"):
            utf8_text(value, f"${name}")


def _escapes(kept: str) -> dict[int, str]:
    # Unicode's control characters (C0, DEL and C1): a terminal acts on them, and an escape
    # sequence in a subject or a body could clear the screen, retitle the window or forge
    # what the operator reads. Each is shown as the Python escape that names it.
    controls = [*range(0x20), *range(0x7F, 0xA0)]
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return {
        code: named.get(chr(code), f"\\x{code:02x}") for code in controls if chr(code) not in kept
    }


_ONE_LINE = _escapes("\t")
_LINES = _escapes("\t\n")


def printable(text: str, *, lines: bool = False) -> str:
    """`text` with its control characters escaped; `lines` keeps its line breaks."""
    if lines:
        return text.replace("\r\n", "\n").translate(_LINES)
    return text.translate(_ONE_LINE)


def say(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print a line of the shell's output, whose words may be anyone's: a customer's subject,
    a member's note. Every command prints through here or `print_table`, so no control
    character anyone wrote reaches the terminal; a one-line field is passed through
    `printable` first, so that it keeps to its line too."""
    typer.echo(printable(text, lines=True), err=err, nl=nl)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def print_table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, width: int) -> None:
    """Print a table whose cells read exactly as written.

    Every cell is a Rich `Text`, never markup: a title such as "[visit-users] Crash" or
    "libs in [/usr/lib64]" is what someone wrote, and read as markup it would lose its
    brackets or stop the command with a markup error. Rich passes escape sequences through,
    so each cell's control characters are escaped first.
    """
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(*headers)
    for row in rows:
        table.add_row(*(Text(printable(cell)) for cell in row))
    Console(width=width).print(table)


AS_OPTION = typer.Option(None, "--as", help="Act as this member (default: $SREDESK_USER).")
# Roster changes name who made them in the audit trail; the shell's user need not be a member.
OPERATOR_OPTION = typer.Option(
    None, "--as", help="Who makes the change, for the audit trail (default: $SREDESK_USER)."
)


def operator(explicit: str | None) -> str:
    """Who changes the roster from the shell, for the audit trail.

    --as, else $SREDESK_USER, else "system": the roster is kept by whoever runs the desk's
    shell, who need not be on it, so there is no duty holder to fall back on.
    """
    if explicit and explicit.strip().lstrip("@"):
        return explicit.strip().lstrip("@")
    return os.environ.get("SREDESK_USER", "").strip() or "system"
