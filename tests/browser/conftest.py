"""Serve a seeded demo desk on loopback for each test, and drive it with one headless chromium.

Playwright is imported inside the fixtures, so that without it (or without chromium) the
scenarios skip locally with the reason, and fail under CI, where they must run.
"""

from __future__ import annotations

import re
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest
import uvicorn

from sredesk.adapters.db.unit_of_work import Database
from sredesk.adapters.memory import FixedClock
from sredesk.services import demo
from sredesk.services.desk import Desk
from sredesk.web.app import create_app
from tests.accounts_support import FAST_HASHER
from tests.conftest import IN_CI, NOW

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
# Headless in a container: no sandbox (no user namespaces), no GPU, no /dev/shm limits, and
# no calls home that would slow the start or reach the network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
]
SCREENSHOTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"
# A scenario that cannot find a button fails in seconds, not after Playwright's 30 s default.
TIMEOUT_MS = 5_000


def _unavailable(reason: str) -> NoReturn:
    if IN_CI:
        pytest.fail(f"{reason}; CI must run the browser scenarios (apt-get install chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One chromium for the whole session; each test gets its own contexts in it."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as error:
        _unavailable(f"Playwright for Python is not installed ({error})")
    if not CHROMIUM.exists():
        _unavailable(f"chromium is not installed at {CHROMIUM}")
    driver = sync_playwright().start()
    try:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Error as error:
        driver.stop()
        _unavailable(f"chromium at {CHROMIUM} does not start: {error.message.splitlines()[0]}")
    yield browser
    browser.close()
    driver.stop()


@dataclass
class Site:
    """The desk being served, its frozen clock, and where the browser finds it."""

    url: str
    desk: Desk
    clock: FixedClock


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo desk, migrated and seeded once; each test serves its own copy."""
    path = tmp_path_factory.mktemp("demo") / "desk.db"
    database = Database(f"sqlite:///{path}")
    demo.seed(_desk(database, FixedClock(NOW)))
    database.dispose()
    return path


def _desk(database: Database, clock: FixedClock) -> Desk:
    return Desk(unit_of_work=database.unit_of_work, clock=clock, password_hasher=FAST_HASHER)


def _copy(source: Path, target: Path) -> None:
    """Copy a SQLite database whole, write-ahead log included, through SQLite's backup."""
    with closing(sqlite3.connect(source)) as read, closing(sqlite3.connect(target)) as write:
        read.backup(write)


@pytest.fixture
def site(seeded_database: Path, tmp_path: Path) -> Iterator[Site]:
    """The demo desk (carol Primary, alice Backup this week) on SQLite, served over HTTP."""
    _copy(seeded_database, tmp_path / "desk.db")
    database = Database(f"sqlite:///{tmp_path}/desk.db")
    clock = FixedClock(NOW)
    desk = _desk(database, clock)
    # The test binds the port itself, so no other process can take it before the server does.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        create_app(desk), log_level="warning", ws="none", timeout_graceful_shutdown=2
    )
    # Off the main thread uvicorn leaves the test process's signal handlers alone.
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name="desk-server", daemon=True
    )
    thread.start()
    try:
        for _ in range(500):
            if server.started or not thread.is_alive():
                break
            time.sleep(0.01)
        assert server.started, "the desk's server did not start"
        yield Site(f"http://127.0.0.1:{port}", desk, clock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()
        database.dispose()


@pytest.fixture
def open_page(
    chromium: Browser, site: Site, request: pytest.FixtureRequest
) -> Iterator[Callable[[], Page]]:
    """open_page() gives a page in a fresh context: its own cookies, so its own session."""
    for stale in SCREENSHOTS.glob(f"{_test_name(request)}-*.png"):
        stale.unlink()  # a passing run must not keep an earlier run's failure pictures
    contexts = []
    # What the browser itself reports: a script error or a CSP refusal is a broken page even
    # when every assertion passes.
    complaints: list[str] = []

    def open_one() -> Page:
        context = chromium.new_context(base_url=site.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: complaints.append(f"{page.url}: {error}"))
        page.on(
            "console",
            lambda message: (
                complaints.append(f"{page.url}: {message.text}")
                if message.type == "error" and not _refusal(message.text)
                else None
            ),
        )
        return page

    yield open_one
    failed = getattr(request.node, "failed_call", False)
    for n, context in enumerate(contexts):
        if failed:  # the page as the failing assertion saw it
            for page in context.pages:
                shoot(page, f"{_test_name(request)}-failed-{n}")
        context.close()
    assert not complaints, "the browser reported errors:\n" + "\n".join(complaints)


def _refusal(text: str) -> bool:
    """The console's note on a 4xx response: the scenarios provoke refusals on purpose."""
    return text.startswith("Failed to load resource: the server responded with a status of 4")


@pytest.fixture
def page(open_page: Callable[[], Page]) -> Page:
    return open_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    report = yield
    if call.when == "call" and call.excinfo is not None:
        item.failed_call = True  # type: ignore[attr-defined]
    return report


def _test_name(request: pytest.FixtureRequest) -> str:
    return re.sub(r"[^\w.-]+", "_", request.node.name)


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


@pytest.fixture
def snap(request: pytest.FixtureRequest) -> Callable[[Page, str], None]:
    """snap(page, "queue") keeps test-artifacts/screenshots/<test name>-queue.png."""

    def take(page: Page, step: str) -> None:
        shoot(page, f"{_test_name(request)}-{step}")

    return take


@pytest.fixture
def sign_in(snap: Callable[[Page, str], None]) -> Callable[[Page, str], None]:
    """sign_in(page, "carol") signs in through the login form, as a person would."""
    from playwright.sync_api import expect

    def as_user(page: Page, handle: str) -> None:
        page.goto("/login")
        page.get_by_label("Username").fill(handle)
        page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
        snap(page, f"login-{handle}")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text(f"Signed in as {handle}")).to_be_visible()

    return as_user
