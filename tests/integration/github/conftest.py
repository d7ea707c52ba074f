"""The desk wired to GitHub, the stub GitHub it talks to, and the app it is served by."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sredesk.services.desk import Desk
from sredesk.web.app import create_app
from tests.accounts_support import admin_headers
from tests.github_stub import GitHubStub, running_stub, wired
from tests.integration.github.test_github_bridge import CONFIG


@pytest.fixture(scope="module")
def _github() -> Iterator[GitHubStub]:
    yield from running_stub()


@pytest.fixture
def stub(_github: GitHubStub) -> GitHubStub:
    """The module's stub GitHub, emptied: one test's comments must not answer another's."""
    _github.reset()
    return _github


@pytest.fixture
def desk(sql_desk: Desk) -> Desk:
    return wired(sql_desk)


@pytest.fixture
def client(desk: Desk) -> Iterator[TestClient]:
    app = create_app(desk, github=CONFIG)
    with TestClient(app, headers=admin_headers(desk)) as test_client:
        yield test_client
