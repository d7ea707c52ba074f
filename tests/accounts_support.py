"""Give API tests a signed-in client: an admin account and its personal token."""

from __future__ import annotations

from sredesk.services import accounts
from sredesk.services.desk import Desk

PASSWORD = "correct horse battery"


def admin_headers(desk: Desk, handle: str = "root") -> dict[str, str]:
    """An admin may act for any member, as the API tests' `by` fields do."""
    accounts.add_user(desk, handle, "admin", PASSWORD)
    return {"Authorization": f"Bearer {accounts.issue_token(desk, handle, 'tests')}"}
