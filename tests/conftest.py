"""Build desks for the tests: in memory, on SQLite, and on the PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from sredesk.adapters.memory import FixedClock, MemoryStore
from sredesk.services import shifts, team
from sredesk.services.desk import Desk

# Wednesday 18 November 2026, 10:00 in San Francisco: a business hour of an ordinary week.
NOW = datetime(2026, 11, 18, 18, 0, tzinfo=UTC)
THIS_WEEK = date(2026, 11, 16)
# The first week of `populate`'s shifts: its members have been on the desk since then.
FIRST_WEEK = THIS_WEEK - timedelta(weeks=2)
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
            joined=FIRST_WEEK,
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


class _Postgres:
    """Throwaway databases on the server, each a copy of one migrated per session.

    Running the migrations takes a second or more; copying a migrated template takes a tenth
    of that, so every test that gets a migrated database gets a copy. Dropping a database
    waits for the server to remove its files, so the drops run beside the next tests.
    """

    def __init__(self) -> None:
        from sqlalchemy import create_engine

        self.admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.template: str | None = None
        self.drops = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-database")
        self.dropping: list[Future[None]] = []

    def url(self, name: str) -> str:
        return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    def _execute(self, sql: str) -> None:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(sql))

    def create(self, *, migrated: bool, copy_of: str | None = None) -> str:
        """A new database, empty or at the migrations' head, or a copy of database `copy_of`.

        Without a server it fails under CI and skips elsewhere.
        """
        from sqlalchemy.exc import OperationalError

        name = f"sredesk_test_{uuid.uuid4().hex[:12]}"
        try:
            if migrated and copy_of is None and self.template is None:
                self.template = self._migrated_template()
            source = copy_of or (self.template if migrated else None)
            template = f' TEMPLATE "{source}"' if source else ""
            self._execute(f'CREATE DATABASE "{name}"{template}')
        except OperationalError as error:
            message = f"PostgreSQL at {PG_ADMIN_URL} is not reachable: {error.orig}"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
        return name

    def _migrated_template(self) -> str:
        from sredesk.adapters.db.unit_of_work import Database

        name = f"sredesk_template_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE DATABASE "{name}"')
        try:
            # A template must have no sessions when it is copied: dispose closes the pool's.
            Database(self.url(name)).dispose()
        except BaseException:
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            raise
        return name

    def drop(self, name: str) -> None:
        self.dropping.append(
            self.drops.submit(self._execute, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        )

    def close(self) -> None:
        """Wait for the drops, then drop the template; raise the first drop that failed."""
        self.drops.shutdown(wait=True)
        try:
            for future in self.dropping:
                future.result()
            if self.template is not None:
                self._execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        finally:
            self.admin.dispose()


@pytest.fixture(scope="session")
def _postgres() -> Iterator[_Postgres]:
    server = _Postgres()
    yield server
    server.close()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session, for tests to copy."""
    from sredesk.adapters.db.unit_of_work import Database

    path = tmp_path_factory.mktemp("template") / "desk.db"
    # Disposing closes the last connection, which folds the write-ahead log into the file.
    Database(f"sqlite:///{path}").dispose()
    assert not path.with_name("desk.db-wal").exists()
    return path


def _database(request: pytest.FixtureRequest, folder: Path, *, migrated: bool) -> Iterator[str]:
    """Yield a fresh database of the backend in request.param, and remove it afterwards."""
    if request.param == "sqlite":
        path = folder / "desk.db"
        if migrated:
            shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server: _Postgres = request.getfixturevalue("_postgres")
    name = server.create(migrated=migrated)
    try:
        yield server.url(name)
    finally:
        server.drop(name)


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database for this test, on each backend.

    It is empty, so that a test can run the migrations itself, unless the test uses
    `sql_desk_factory`, whose first desk would migrate it anyway: then it is a copy of one
    migrated already, which is quicker. A test that runs migrations by hand must not use
    `sql_desk_factory` as well.
    """
    migrated = "sql_desk_factory" in request.fixturenames
    yield from _database(request, tmp_path, migrated=migrated)


@pytest.fixture(params=BACKENDS)
def migrated_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database at the migrations' head, on each backend."""
    yield from _database(request, tmp_path, migrated=True)


@pytest.fixture
def migrated_sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh SQLite database at the migrations' head, for tests of one backend."""
    path = tmp_path / "desk.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module", params=BACKENDS)
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One empty database per module and backend, for tests that only read or are refused."""
    yield from _database(request, tmp_path_factory.mktemp("module"), migrated=False)


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
