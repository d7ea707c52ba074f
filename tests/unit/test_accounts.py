"""Accounts: roles, the login throttle, passwords, sessions and personal API tokens."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sredesk.adapters.memory import FixedClock
from sredesk.core.accounts import (
    THROTTLE_LIMIT,
    THROTTLE_WINDOW,
    Permission,
    Role,
    may,
    parse_role,
    throttled_until,
)
from sredesk.core.errors import InvalidInput, NotFound
from sredesk.services import accounts
from sredesk.services.accounts import LoginRefused, LoginThrottled
from sredesk.services.desk import Desk
from tests.accounts_support import PASSWORD, fast_hashing

NOW = datetime(2026, 11, 18, 18, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def cheap_hashes(memory_desk: Desk) -> None:
    fast_hashing(memory_desk)


def test_roles_grant_what_the_issue_says() -> None:
    assert [p for p in Permission if may(Role.VIEWER, p)] == [Permission.READ]
    # Classified inquiries never leave the desk: its members see them, a viewer does not.
    assert [p for p in Permission if may(Role.MEMBER, p)] == [
        Permission.READ,
        Permission.SEE_CLASSIFIED,
        Permission.ACT,
    ]
    assert all(may(Role.ADMIN, p) for p in Permission)
    assert parse_role(" Admin ") is Role.ADMIN
    with pytest.raises(InvalidInput, match="unknown role 'owner'; use admin, member or viewer"):
        parse_role("owner")


def test_a_former_member_keeps_their_role_but_not_the_classified_inquiries() -> None:
    for role in Role:
        assert not may(role, Permission.SEE_CLASSIFIED, former_member=True)
        others = [p for p in Permission if p is not Permission.SEE_CLASSIFIED]
        assert [may(role, p, former_member=True) for p in others] == [may(role, p) for p in others]


def test_a_disabled_account_loses_its_sessions_and_tokens_at_once(memory_desk: Desk) -> None:
    accounts.add_user(memory_desk, "alice", "member", PASSWORD)
    session, _ = accounts.log_in(memory_desk, "alice", PASSWORD, address=None)
    token = accounts.issue_token(memory_desk, "alice", "laptop")
    assert accounts.set_active(memory_desk, "alice", False, by="root") == 1
    assert accounts.session_principal(memory_desk, session) is None
    assert accounts.token_principal(memory_desk, token) is None
    with pytest.raises(LoginRefused):
        accounts.log_in(memory_desk, "alice", PASSWORD, address=None)
    with pytest.raises(InvalidInput, match="user 'alice' is disabled; 'sredesk user enable'"):
        accounts.issue_token(memory_desk, "alice", "another")
    assert [u["active"] for u in accounts.list_users(memory_desk)] == [False]
    # Enabled again, the account signs in afresh; what it held stays ended.
    accounts.set_active(memory_desk, "alice", True, by="root")
    assert accounts.token_principal(memory_desk, token) is None
    accounts.log_in(memory_desk, "alice", PASSWORD, address=None)
    with pytest.raises(NotFound, match="no user 'zed'"):
        accounts.set_active(memory_desk, "zed", False)


def test_the_throttle_locks_at_the_limit_and_opens_when_the_oldest_leaves() -> None:
    failures = [NOW - timedelta(minutes=m) for m in (14, 10, 5, 2)]
    assert throttled_until(failures, NOW) is None
    failures.append(NOW)
    assert throttled_until(failures, NOW) == NOW - timedelta(minutes=14) + THROTTLE_WINDOW
    assert throttled_until(failures, NOW + timedelta(minutes=1, seconds=1)) is None


@given(st.lists(st.integers(min_value=0, max_value=3600), max_size=20))
def test_the_throttle_counts_only_the_window(offsets: list[int]) -> None:
    failures = [NOW - timedelta(seconds=s) for s in offsets]
    recent = [f for f in failures if NOW - THROTTLE_WINDOW < f <= NOW]
    until = throttled_until(failures, NOW)
    assert (until is not None) == (len(recent) >= THROTTLE_LIMIT)
    if until is not None:
        assert NOW < until <= NOW + THROTTLE_WINDOW


def test_a_user_logs_in_and_a_session_names_them(memory_desk: Desk) -> None:
    accounts.add_user(memory_desk, "alice", "member", PASSWORD)
    secret, csrf = accounts.log_in(memory_desk, "alice", PASSWORD, address="127.0.0.1")
    principal = accounts.session_principal(memory_desk, secret)
    assert principal == accounts.Principal("alice", Role.MEMBER, csrf)
    assert accounts.session_principal(memory_desk, secret + "x") is None
    accounts.log_out(memory_desk, secret)
    assert accounts.session_principal(memory_desk, secret) is None


def test_sessions_expire(memory_desk: Desk, clock: FixedClock) -> None:
    accounts.add_user(memory_desk, "alice", "member", PASSWORD)
    secret, _ = accounts.log_in(memory_desk, "alice", PASSWORD, address=None)
    clock.advance(timedelta(hours=12))
    assert accounts.session_principal(memory_desk, secret) is None


def test_wrong_passwords_are_throttled_per_account(memory_desk: Desk, clock: FixedClock) -> None:
    accounts.add_user(memory_desk, "alice", "member", PASSWORD)
    for attempt in range(THROTTLE_LIMIT):
        with pytest.raises(LoginRefused, match=r"^wrong user name or password$"):
            accounts.log_in(memory_desk, "alice", f"guess {attempt}", address=f"10.0.0.{attempt}")
    # Even the right password is refused while the account is locked.
    with pytest.raises(LoginThrottled, match="try again in 15 minute"):
        accounts.log_in(memory_desk, "alice", PASSWORD, address="10.0.0.9")
    clock.advance(THROTTLE_WINDOW)
    accounts.log_in(memory_desk, "alice", PASSWORD, address="10.0.0.9")


def test_a_password_set_by_an_admin_lifts_the_accounts_lock(memory_desk: Desk) -> None:
    """Someone who forgot their password and locked the account gets a new one to use now.

    The lock stops guesses at the old password; a new one owes them nothing. The lock of
    an address that guessed stays.
    """
    accounts.add_user(memory_desk, "alice", "member", PASSWORD)
    for attempt in range(THROTTLE_LIMIT):
        with pytest.raises(LoginRefused):
            accounts.log_in(memory_desk, "alice", f"guess {attempt}", address="10.0.0.1")
    accounts.set_password(memory_desk, "alice", "a brand new secret")
    accounts.log_in(memory_desk, "alice", "a brand new secret", address="10.0.0.2")
    with pytest.raises(LoginThrottled):
        accounts.log_in(memory_desk, "alice", "a brand new secret", address="10.0.0.1")


def test_one_address_guessing_many_accounts_is_throttled(memory_desk: Desk) -> None:
    for n in range(THROTTLE_LIMIT):
        with pytest.raises(LoginRefused):
            accounts.log_in(memory_desk, f"nobody{n}", PASSWORD, address="192.0.2.7")
    accounts.add_user(memory_desk, "alice", "member", PASSWORD)
    with pytest.raises(LoginThrottled):
        accounts.log_in(memory_desk, "alice", PASSWORD, address="192.0.2.7")
    accounts.log_in(memory_desk, "alice", PASSWORD, address="192.0.2.8")


def test_a_right_password_takes_back_only_its_own_attempt_from_the_address(
    memory_desk: Desk,
) -> None:
    """An attempt counts before its password is checked; a right one is then not a failure."""
    for n in range(THROTTLE_LIMIT - 1):
        with pytest.raises(LoginRefused):
            accounts.log_in(memory_desk, f"nobody{n}", PASSWORD, address="192.0.2.7")
    accounts.add_user(memory_desk, "alice", "member", PASSWORD)
    accounts.log_in(memory_desk, "alice", PASSWORD, address="192.0.2.7")
    with pytest.raises(LoginRefused):
        accounts.log_in(memory_desk, "nobody9", PASSWORD, address="192.0.2.7")
    with pytest.raises(LoginThrottled):
        accounts.log_in(memory_desk, "alice", PASSWORD, address="192.0.2.7")


def test_passwords_are_stored_as_strong_argon2id_hashes(memory_desk: Desk) -> None:
    memory_desk.password_hasher = None  # the production default, not the tests' cheap one
    accounts.add_user(memory_desk, "alice", "admin", PASSWORD)
    with memory_desk.unit_of_work() as uow:
        user = uow.accounts.find_user("alice")
        assert user is not None
        assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert PASSWORD not in user.password_hash
    accounts.log_in(memory_desk, "alice", PASSWORD, address=None)


def test_a_new_password_ends_the_old_sessions(memory_desk: Desk) -> None:
    accounts.add_user(memory_desk, "alice", "member", PASSWORD)
    secret, _ = accounts.log_in(memory_desk, "alice", PASSWORD, address=None)
    accounts.set_password(memory_desk, "alice", "another long secret")
    assert accounts.session_principal(memory_desk, secret) is None
    with pytest.raises(LoginRefused):
        accounts.log_in(memory_desk, "alice", PASSWORD, address=None)
    accounts.log_in(memory_desk, "alice", "another long secret", address=None)


@pytest.mark.parametrize(
    ("handle", "role", "password", "message"),
    [
        ("Alice", "member", PASSWORD, "user name 'Alice' must be lower-case letters"),
        ("alice", "root", PASSWORD, "unknown role 'root'"),
        ("alice", "member", "short", "the password must be at least 10 characters long"),
        ("alice", "member", " padded password ", "must not start or end with spaces"),
    ],
)
def test_bad_accounts_are_refused_and_nothing_is_added(
    memory_desk: Desk, handle: str, role: str, password: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        accounts.add_user(memory_desk, handle, role, password)
    assert accounts.list_users(memory_desk) == []


def test_a_user_is_added_once(memory_desk: Desk) -> None:
    accounts.add_user(memory_desk, "alice", "member", PASSWORD)
    with pytest.raises(InvalidInput, match="user 'alice' exists already"):
        accounts.add_user(memory_desk, "alice", "admin", PASSWORD)
    assert [u["role"] for u in accounts.list_users(memory_desk)] == ["member"]


def test_tokens_are_shown_once_stored_hashed_and_revocable(memory_desk: Desk) -> None:
    accounts.add_user(memory_desk, "bob", "viewer", PASSWORD)
    secret = accounts.issue_token(memory_desk, "bob", "laptop")
    assert secret.startswith("sdt_")
    assert len(secret) > 40
    with memory_desk.unit_of_work() as uow:
        (stored,) = uow.accounts.tokens_for("bob")
        assert secret not in stored.digest
        assert secret.startswith(stored.prefix)
    assert accounts.token_principal(memory_desk, secret) == accounts.Principal("bob", Role.VIEWER)
    assert accounts.token_principal(memory_desk, "sdt_forged") is None
    accounts.revoke_token(memory_desk, "bob", stored.prefix)
    assert accounts.token_principal(memory_desk, secret) is None
    with pytest.raises(NotFound, match="no live token"):
        accounts.revoke_token(memory_desk, "bob", stored.prefix)


def test_a_token_for_nobody_is_refused(memory_desk: Desk) -> None:
    with pytest.raises(NotFound, match="no user 'ghost'; add one with 'sredesk user add'"):
        accounts.issue_token(memory_desk, "ghost")


def test_passwd_from_the_shell_ends_sessions_and_names_the_tokens_that_still_work(
    memory_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """API tokens are credentials of their own: a new password leaves them, and says so."""
    from typer.testing import CliRunner

    from sredesk.cli import user as user_cli

    monkeypatch.setattr(user_cli, "desk", lambda: memory_desk)
    accounts.add_user(memory_desk, "alice", "member", PASSWORD)
    secret, _ = accounts.log_in(memory_desk, "alice", PASSWORD, address=None)
    laptop = accounts.issue_token(memory_desk, "alice", "laptop")
    ci = accounts.issue_token(memory_desk, "alice", "ci")
    accounts.revoke_token(memory_desk, "alice", ci[:10])
    told = CliRunner().invoke(
        user_cli.user_app, ["passwd", "alice", "--password-stdin"], input="a brand new secret\n"
    )
    assert told.exit_code == 0, told.output
    assert told.stdout == (
        "set the password of alice; their sessions ended\n"
        f"1 API token still works: {laptop[:10]} (laptop); revoke one with "
        f"'sredesk user token alice --revoke PREFIX'\n"
    )
    assert accounts.session_principal(memory_desk, secret) is None
    assert accounts.token_principal(memory_desk, laptop) is not None
    none_left = CliRunner().invoke(user_cli.user_app, ["disable", "alice"])
    assert none_left.exit_code == 0, none_left.output
    accounts.set_active(memory_desk, "alice", True)
    again = CliRunner().invoke(
        user_cli.user_app, ["passwd", "alice", "--password-stdin"], input="yet another secret\n"
    )
    assert again.stdout == "set the password of alice; their sessions ended; no API token works\n"


def test_a_leaked_token_is_revoked_by_its_whole_secret_without_repeating_it(
    memory_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whoever finds a token in a log holds the secret, not the prefix the desk shows."""
    accounts.add_user(memory_desk, "alice", "member", PASSWORD)
    leaked = accounts.issue_token(memory_desk, "alice", "ci")
    kept = accounts.issue_token(memory_desk, "alice", "laptop")
    wrong = leaked[:-1] + ("A" if leaked[-1] != "A" else "B")
    with pytest.raises(NotFound) as refused:
        accounts.revoke_token(memory_desk, "alice", wrong)
    assert str(refused.value) == f"'alice' has no live token {wrong[:10]!r} with that secret"
    assert accounts.token_principal(memory_desk, leaked) is not None
    from typer.testing import CliRunner

    from sredesk.cli import user as user_cli

    monkeypatch.setattr(user_cli, "desk", lambda: memory_desk)
    told = CliRunner().invoke(user_cli.user_app, ["token", "alice", "--revoke", leaked])
    assert (told.exit_code, told.stdout) == (0, f"revoked alice's token {leaked[:10]}\n")
    assert accounts.token_principal(memory_desk, leaked) is None
    assert accounts.token_principal(memory_desk, kept) is not None


def test_the_shell_lists_a_users_tokens_to_revoke_one(
    memory_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The prefix to revoke is shown on /account to its owner alone; an admin needs it too."""
    from typer.testing import CliRunner

    from sredesk.cli import user as user_cli

    monkeypatch.setattr(user_cli, "desk", lambda: memory_desk)
    accounts.add_user(memory_desk, "bob", "member", PASSWORD)
    laptop = accounts.issue_token(memory_desk, "bob", "laptop\x1b[2J")
    ci = accounts.issue_token(memory_desk, "bob", "ci")
    accounts.revoke_token(memory_desk, "bob", ci)
    told = CliRunner().invoke(user_cli.user_app, ["tokens", "bob"])
    assert told.exit_code == 0, told.output
    assert told.stdout == (
        f"{laptop[:10]}  live     created 2026-11-18 18:00 UTC  never used  laptop\\x1b[2J\n"
        f"{ci[:10]}  revoked  created 2026-11-18 18:00 UTC  never used  ci\n"
    )
    listed = CliRunner().invoke(user_cli.user_app, ["tokens", "bob", "--json"])
    assert [t["name"] for t in json.loads(listed.stdout)] == ["laptop\x1b[2J", "ci"]
    from sredesk.cli.main import app

    missing = CliRunner().invoke(app, ["user", "tokens", "zed"])
    assert (missing.exit_code, missing.stderr) == (
        2,
        "error: no user 'zed'; add one with 'sredesk user add'\n",
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["user", "add", "Bob"], "error: user name 'Bob' must be lower-case letters"),
        (["user", "add", "bob", "--role", "root"], "error: unknown role 'root'"),
        (["user", "passwd", "zed"], "error: no user 'zed'; add one with 'sredesk user add'"),
    ],
)
def test_the_shell_refuses_an_account_before_asking_its_password(
    memory_desk: Desk, monkeypatch: pytest.MonkeyPatch, args: list[str], said: str
) -> None:
    """Nobody types a password twice to learn that the name or the role was wrong."""
    from typer.testing import CliRunner

    from sredesk.cli import user as user_cli
    from sredesk.cli.main import app

    monkeypatch.setattr(user_cli, "desk", lambda: memory_desk)
    refused = CliRunner().invoke(app, args, input="")
    assert refused.exit_code == 2
    assert refused.stderr.startswith(said)
    assert accounts.list_users(memory_desk) == []


def test_the_audit_names_who_changed_an_account_from_the_shell(
    memory_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As for roster changes: $SREDESK_USER, else "system"; never the account's own owner."""
    from typer.testing import CliRunner

    from sredesk.cli import user as user_cli
    from sredesk.services import records

    monkeypatch.setattr(user_cli, "desk", lambda: memory_desk)
    monkeypatch.setenv("SREDESK_USER", "carol")
    accounts.add_user(memory_desk, "bob", "member", PASSWORD)
    for args in (["role", "bob", "admin"], ["token", "bob", "--name", "ci"], ["disable", "bob"]):
        assert CliRunner().invoke(user_cli.user_app, args).exit_code == 0
    logged = [(e["action"], e["actor"]) for e in records.audit_log(memory_desk)]
    assert logged[-3:] == [
        ("user.role", "carol"),
        ("user.token", "carol"),
        ("user.disable", "carol"),
    ]
