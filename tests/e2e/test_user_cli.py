"""`sredesk user`: add accounts, set passwords and roles, issue and revoke API tokens."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from sredesk.adapters.db.unit_of_work import Database
from sredesk.adapters.memory import FixedClock
from sredesk.services.desk import Desk
from sredesk.web.app import create_app
from tests.conftest import NOW
from tests.e2e.test_cli import run


def test_users_are_added_listed_and_refused_cleanly(migrated_database_url: str) -> None:
    assert run(migrated_database_url, "init", "--no-demo").returncode == 0
    added = run(
        migrated_database_url,
        "user",
        "add",
        "alice",
        "--role",
        "admin",
        "--password-stdin",
        stdin="correct horse battery\n",
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout == "added admin alice\n"
    again = run(
        migrated_database_url,
        "user",
        "add",
        "alice",
        "--password-stdin",
        stdin="another password\n",
    )
    assert again.returncode == 2
    assert again.stderr == "error: user 'alice' exists already; use 'sredesk user passwd'\n"
    short = run(migrated_database_url, "user", "add", "bob", "--password-stdin", stdin="short\n")
    assert short.returncode == 2
    assert short.stderr == "error: the password must be at least 10 characters long\n"
    no_tty = run(migrated_database_url, "user", "add", "bob", stdin="")
    assert no_tty.stderr == "error: no terminal to ask for the password; pass --password-stdin\n"
    role = run(migrated_database_url, "user", "role", "alice", "viewer")
    assert role.stdout == "alice is now viewer\n"
    listed = json.loads(run(migrated_database_url, "user", "list", "--json").stdout)
    assert [(u["handle"], u["role"]) for u in listed] == [("alice", "viewer")]


def test_a_token_from_the_shell_opens_the_api_until_revoked(migrated_database_url: str) -> None:
    run(migrated_database_url, "init")
    issued = run(migrated_database_url, "user", "token", "carol", "--name", "laptop")
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    assert token.startswith("sdt_")
    assert "only time the token is shown" in issued.stderr
    database = Database(migrated_database_url)
    desk = Desk(unit_of_work=database.unit_of_work, clock=FixedClock(NOW))
    try:
        with TestClient(create_app(desk)) as client:
            headers = {"Authorization": f"Bearer {token}"}
            assert client.get("/api/v1/inquiries", headers=headers).status_code == 200
            revoked = run(migrated_database_url, "user", "token", "carol", "--revoke", token[:10])
            assert revoked.stdout == f"revoked carol's token {token[:10]}\n"
            assert client.get("/api/v1/inquiries", headers=headers).status_code == 401
    finally:
        database.dispose()


def test_a_new_password_from_stdin(migrated_database_url: str) -> None:
    run(migrated_database_url, "init")
    changed = run(
        migrated_database_url,
        "user",
        "passwd",
        "dave",
        "--password-stdin",
        stdin="a brand new secret\n",
    )
    assert changed.stdout == "set the password of dave; their sessions ended; no API token works\n"
    missing = run(
        migrated_database_url, "user", "passwd", "zed", "--password-stdin", stdin="long enough!\n"
    )
    assert missing.returncode == 2
    assert missing.stderr == "error: no user 'zed'; add one with 'sredesk user add'\n"


def test_an_account_is_disabled_and_enabled_from_the_shell(migrated_database_url: str) -> None:
    run(migrated_database_url, "init")
    token = run(migrated_database_url, "user", "token", "carol").stdout.strip()
    disabled = run(migrated_database_url, "user", "disable", "carol")
    assert disabled.returncode == 0, disabled.stderr
    assert disabled.stdout == "disabled carol; their sessions ended and 1 token(s) were revoked\n"
    listed = run(migrated_database_url, "user", "list").stdout
    assert "carol\tadmin\t0 token(s) (inactive)" in listed
    refused = run(migrated_database_url, "user", "token", "carol")
    assert refused.returncode == 2
    assert refused.stderr == "error: user 'carol' is disabled; 'sredesk user enable' them first\n"
    enabled = run(migrated_database_url, "user", "enable", "carol")
    assert enabled.stdout == "enabled carol; they sign in afresh and make new tokens\n"
    database = Database(migrated_database_url)
    desk = Desk(unit_of_work=database.unit_of_work, clock=FixedClock(NOW))
    try:
        with TestClient(create_app(desk)) as client:
            headers = {"Authorization": f"Bearer {token}"}
            assert client.get("/api/v1/inquiries", headers=headers).status_code == 401
    finally:
        database.dispose()
    missing = run(migrated_database_url, "user", "disable", "zed")
    assert missing.returncode == 2
    assert missing.stderr == "error: no user 'zed'; add one with 'sredesk user add'\n"
