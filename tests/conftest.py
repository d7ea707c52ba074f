"""Build desks for the tests: in memory, on SQLite, and on the PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from sredesk.adapters.memory import FixedClock, MemoryStore
from sredesk.services import shifts, team
from sredesk.services.desk import Desk

# Wednesday 18 November 2026, 10:00 in San Francisco: a business hour of an ordinary week.
NOW = datetime(2026, 11, 18, 18, 0, tzinfo=UTC)
THIS_WEEK = date(2026, 11, 16)
PG_ADMIN_URL = os.environ.get(
    "SREDESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() == "true"

MEMBERS = [("alice", 100, 12), ("bob", 50, 8), ("carol", 100, 1), ("dave", 50, 0)]


def populate(desk: Desk) -> None:
    """A team of four and shifts from two weeks back to three weeks ahead."""
    team.create_team(desk, "VisIt")
    for handle, percent, served in MEMBERS:
        team.add_member(
            desk,
            handle,
            handle.title(),
            f"{handle}@example.org",
            percent_time=percent,
            experience=served,
        )
    pairs = [("alice", "bob"), ("carol", "alice"), ("bob", "carol"), ("dave", "alice")]
    for offset in range(-2, 4):
        primary, backup = pairs[offset % len(pairs)]
        shifts.set_shift(desk, THIS_WEEK + timedelta(weeks=offset), primary, backup)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def memory_desk(clock: FixedClock) -> Desk:
    store = MemoryStore()
    desk = Desk(unit_of_work=store.unit_of_work, clock=clock)
    populate(desk)
    return desk


def _postgres_url() -> Iterator[str]:
    """Create a throwaway database on the server; fail under CI when there is none."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"sredesk_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        message = f"PostgreSQL at {PG_ADMIN_URL} is not reachable: {error.orig}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/desk.db"
    else:
        yield from _postgres_url()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One database per module and backend, for tests that only read or are refused."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('module')}/desk.db"
    else:
        yield from _postgres_url()


@pytest.fixture
def sql_desk_factory(database_url: str, clock: FixedClock) -> Iterator[Callable[[], Desk]]:
    from sredesk.adapters.db.unit_of_work import Database

    opened: list[Database] = []

    def make() -> Desk:
        database = Database(database_url)
        opened.append(database)
        return Desk(unit_of_work=database.unit_of_work, clock=clock)

    yield make
    for database in opened:
        database.dispose()


@pytest.fixture
def sql_desk(sql_desk_factory: Callable[[], Desk]) -> Desk:
    desk = sql_desk_factory()
    populate(desk)
    return desk
