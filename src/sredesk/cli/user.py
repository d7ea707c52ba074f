"""Manage the web desk's accounts from the shell: add, disable, set passwords and roles, tokens."""

from __future__ import annotations

import sys

import typer

from sredesk.cli.common import desk, operator, print_json, printable, say, utf8_text
from sredesk.core.errors import InvalidInput

user_app = typer.Typer(help="Accounts for the web desk and the API.", no_args_is_help=True)

PASSWORD_STDIN = typer.Option(
    False, "--password-stdin", help="Read the password from standard input (one line)."
)


def _password(from_stdin: bool) -> str:
    """One line from stdin, or a hidden prompt typed twice on a terminal."""
    if from_stdin:
        line = utf8_text(sys.stdin.readline(), "the password on standard input")
        return line[:-1] if line.endswith("\n") else line
    if not sys.stdin.isatty():
        raise InvalidInput("no terminal to ask for the password; pass --password-stdin")
    first = typer.prompt("Password", hide_input=True)
    if typer.prompt("Again", hide_input=True) != first:
        raise InvalidInput("the two passwords differ; nothing changed")
    return str(first)


@user_app.command("add")
def add(
    handle: str = typer.Argument(..., help="The user name; a member's handle to act as them."),
    role: str = typer.Option("member", "--role", help="admin, member or viewer."),
    password_stdin: bool = PASSWORD_STDIN,
) -> None:
    """Add an account."""
    from sredesk.core.accounts import check_handle, parse_role
    from sredesk.services import accounts

    # Refused before the password is asked for, not after it was typed twice.
    check_handle(handle)
    parse_role(role)
    accounts.add_user(desk(), handle, role, _password(password_stdin), by=operator(None))
    say(f"added {role} {handle}")


@user_app.command("passwd")
def passwd(handle: str, password_stdin: bool = PASSWORD_STDIN) -> None:
    """Set an account's password; its open sessions end, its API tokens keep working."""
    from sredesk.services import accounts

    accounts.check_user(desk(), handle)
    live = accounts.set_password(desk(), handle, _password(password_stdin), by=operator(None))
    if not live:
        say(f"set the password of {handle}; their sessions ended; no API token works")
        return
    say(f"set the password of {handle}; their sessions ended")
    tokens = ", ".join(f"{prefix} ({printable(name)})" for prefix, name in live)
    works = "1 API token still works" if len(live) == 1 else f"{len(live)} API tokens still work"
    say(f"{works}: {tokens}; revoke one with 'sredesk user token {handle} --revoke PREFIX'")


@user_app.command("role")
def role(handle: str, new_role: str = typer.Argument(..., metavar="ROLE")) -> None:
    """Change an account's role (admin, member or viewer)."""
    from sredesk.services import accounts

    accounts.set_role(desk(), handle, new_role, by=operator(None))
    say(f"{handle} is now {new_role.strip().lower()}")


@user_app.command("disable")
def disable(handle: str) -> None:
    """Disable an account: it cannot sign in, its sessions end and its tokens are revoked."""
    from sredesk.services import accounts

    revoked = accounts.set_active(desk(), handle, False, by=operator(None))
    say(f"disabled {handle}; their sessions ended and {revoked} token(s) were revoked")


@user_app.command("enable")
def enable(handle: str) -> None:
    """Enable a disabled account again; its old tokens stay revoked."""
    from sredesk.services import accounts

    accounts.set_active(desk(), handle, True, by=operator(None))
    say(f"enabled {handle}; they sign in afresh and make new tokens")


@user_app.command("token")
def token(
    handle: str,
    name: str = typer.Option("cli", "--name", help="What the token is for, e.g. laptop."),
    revoke: str | None = typer.Option(
        None, "--revoke", help="Revoke the token with this prefix (or this whole token)."
    ),
) -> None:
    """Issue a personal API token (shown once), or revoke one by its prefix."""
    from sredesk.services import accounts

    if revoke is not None:
        accounts.revoke_token(desk(), handle, revoke, by=operator(None))
        say(f"revoked {handle}'s token {accounts.token_prefix(revoke)}")
        return
    secret = accounts.issue_token(desk(), handle, name, by=operator(None))
    say(secret)
    say(
        "This is the only time the token is shown; send it as 'Authorization: Bearer TOKEN'.",
        err=True,
    )


@user_app.command("tokens")
def tokens(handle: str, json_out: bool = typer.Option(False, "--json")) -> None:
    """List an account's API tokens, with the prefix that revokes each."""
    from sredesk.services import accounts

    found = accounts.list_tokens(desk(), handle)
    if json_out:
        print_json(found)
        return
    for t in found:
        state = "revoked" if t["revoked_at"] else "live"
        used = f"used {_minute(t['last_used_at'])}" if t["last_used_at"] else "never used"
        created = _minute(t["created_at"])
        say(f"{t['prefix']}  {state:<7}  created {created}  {used}  {printable(t['name'])}")


def _minute(instant: str) -> str:
    """An instant from a view (ISO-8601 in UTC) to the minute, e.g. 2026-11-19 17:00 UTC."""
    return instant[:16].replace("T", " ") + " UTC"


@user_app.command("list")
def list_users(json_out: bool = typer.Option(False, "--json")) -> None:
    """List the accounts."""
    from sredesk.services import accounts

    found = accounts.list_users(desk())
    if json_out:
        print_json(found)
        return
    for u in found:
        state = "" if u["active"] else " (inactive)"
        say(f"{u['handle']}\t{u['role']}\t{u['tokens']} token(s){state}")
