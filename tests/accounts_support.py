"""Give tests signed-in clients: accounts with a cheap argon2id, and an admin's API token."""

from __future__ import annotations

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from sredesk.services import accounts
from sredesk.services.desk import Desk

PASSWORD = "correct horse battery"
# Real argon2id, at the lowest cost: the production default takes ~0.3 s a hash by design,
# which would make signing in the largest cost of the suite.
FAST_HASHER = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))


def fast_hashing(desk: Desk) -> Desk:
    desk.password_hasher = FAST_HASHER
    return desk


def admin_headers(desk: Desk, handle: str = "root") -> dict[str, str]:
    """An admin may act for any member, as the API tests' `by` fields do."""
    accounts.add_user(fast_hashing(desk), handle, "admin", PASSWORD)
    return {"Authorization": f"Bearer {accounts.issue_token(desk, handle, 'tests')}"}
