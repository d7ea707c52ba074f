"""Sign test clients in to the web desk through its real login form."""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from sredesk.services import accounts
from sredesk.services.desk import Desk
from sredesk.web.app import create_app
from sredesk.web.pages.common import FLASH_COOKIE
from tests.accounts_support import PASSWORD, fast_hashing

# alice is this week's Primary and bob her Backup in tests/conftest.py's rotation.
ROLES = {"alice": "member", "bob": "member", "carol": "admin", "dave": "member", "val": "viewer"}

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A TestClient signed in as one user, with the session's CSRF token at hand."""

    def __init__(self, client: TestClient, csrf: str) -> None:
        self.client = client
        self.csrf = csrf

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        """Post a form as the page would: with the CSRF token and a fresh one-time key, not
        following the redirect."""
        form = {"csrf_token": self.csrf, "form_key": secrets.token_urlsafe(16), **(data or {})}
        kwargs.setdefault("follow_redirects", False)
        return self.client.post(url, data=form, **kwargs)


def said(response: httpx.Response) -> str:
    """The one-line notice or error a post redirects back with, in its flash cookie."""
    assert response.status_code == 303, response.text
    for name, value in response.headers.multi_items():
        if name == "set-cookie" and value.startswith(f"{FLASH_COOKIE}="):
            # The signature is the app's to check; the test reads the words it carries.
            payload = value.split(";")[0].split("=", 1)[1].strip('"').rpartition(".")[0]
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            return str(data["notice"] or data["error"])
    return ""


def sign_in(client: TestClient, handle: str, password: str = PASSWORD) -> str:
    page = client.get("/login")
    token = CSRF.search(page.text)
    assert token, "the login page has no CSRF field"
    response = client.post(
        "/login",
        data={"csrf_token": token.group(1), "username": handle, "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    queue = client.get("/")
    found = CSRF.search(queue.text)
    assert found, "a signed-in page has no CSRF field"
    return found.group(1)


@pytest.fixture
def web_desk(memory_desk: Desk) -> Desk:
    fast_hashing(memory_desk)
    for handle, role in ROLES.items():
        accounts.add_user(memory_desk, handle, role, PASSWORD)
    return memory_desk


@pytest.fixture
def browser(web_desk: Desk) -> Iterator[Callable[[str], Browser]]:
    """browser("alice") gives a client signed in as alice; each call is its own session."""
    clients: list[TestClient] = []

    def open_as(handle: str) -> Browser:
        client = TestClient(create_app(web_desk), headers={"accept": "text/html"})
        client.__enter__()
        clients.append(client)
        return Browser(client, sign_in(client, handle))

    yield open_as
    for client in clients:
        client.__exit__(None, None, None)
