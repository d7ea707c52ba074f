"""Open the database, bring its schema up to date, and run each command in one transaction."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from sredesk.adapters.db import orm
from sredesk.adapters.db.account_repository import SqlAccountRepository
from sredesk.adapters.db.github_repository import SqlGitHubRepository
from sredesk.adapters.db.repositories import (
    SqlAuditRepository,
    SqlEffortRepository,
    SqlInquiryRepository,
    SqlMailRepository,
    SqlMemberRepository,
    SqlNotificationRepository,
    SqlOutboxRepository,
    SqlRotationRepository,
    SqlShiftRepository,
    SqlTeamRepository,
)
from sredesk.adapters.db.tables import metadata
from sredesk.core.errors import InvalidInput
from sredesk.services.ports import AbstractUnitOfWork, StoreUnavailable

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration. A test checks it against Alembic's own head, so that a database
# already current is recognised without importing Alembic (a third of a CLI call's start).
HEAD_REVISION = "0016"
URL_HINT = "use sqlite:///path.db or postgresql+psycopg://user@host/db"


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    # Foreign keys are off by default in SQLite; WAL lets the web desk read while a command
    # writes.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
    # SQLite's own lower() folds ASCII only, so a search for "über" missed "Über"; the
    # searches the desk makes with it (queue search) fold case as Python and PostgreSQL do.
    dbapi_connection.create_function(  # type: ignore[attr-defined]
        "lower", 1, _lower, deterministic=True
    )


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def make_engine(url: str) -> Engine:
    """Create the engine for `url`; a SQLite file and its folder are created on first use."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise InvalidInput(
            f"database URL {url!r} is malformed; {URL_HINT}; check SREDESK_DATABASE_URL"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise InvalidInput(f"database {backend!r} is not supported; use sqlite or postgresql")
    try:
        if backend == "postgresql":
            return create_engine(parsed, pool_pre_ping=True)
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed)
    except (ArgumentError, ImportError):  # an unknown driver, or one that is not installed
        raise InvalidInput(
            f"database driver {parsed.drivername!r} is not installed; {URL_HINT}; "
            "check SREDESK_DATABASE_URL"
        ) from None
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> None:
    """Apply the migrations not yet applied; cheap when the schema is current.

    A database the migrations cannot bring to the head is refused before they begin: on
    SQLite each table a migration creates is written at once, so a migration that failed
    halfway would leave the desk's tables in another application's database.
    """
    revision = _readable_revision(engine)
    if revision == HEAD_REVISION:
        return
    from alembic import command
    from alembic.script import ScriptDirectory

    config = alembic_config(engine)
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    if revision is None:
        _refuse_foreign_tables(engine)
    elif revision not in known:
        raise InvalidInput(
            f"the database's schema is revision {revision}, newer than this sredesk's "
            f"{HEAD_REVISION}; upgrade sredesk, or check SREDESK_DATABASE_URL"
        )
    command.upgrade(config, "head")


def _readable_revision(engine: Engine) -> str | None:
    """The current revision; a file that is no database is refused, untouched."""
    try:
        return current_revision(engine)
    except DatabaseError as error:
        if isinstance(error, OperationalError | InterfaceError):
            raise  # down, gone or locked: the caller says so
        said = str(error.orig or error).strip().splitlines()[0]
        raise InvalidInput(f"cannot use the database: {said}; check SREDESK_DATABASE_URL") from None


def _refuse_foreign_tables(engine: Engine) -> None:
    """Refuse a database without the desk's schema that holds tables of the desk's names."""
    with engine.connect() as conn:
        taken = sorted(set(inspect(conn).get_table_names()) & set(metadata.tables))
    if taken:
        raise InvalidInput(
            f"the database holds tables of another application ({', '.join(taken)}) and no "
            "desk; point SREDESK_DATABASE_URL at a new database or a desk's"
        )


class SqlUnitOfWork(AbstractUnitOfWork):
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._factory = session_factory

    def __enter__(self) -> SqlUnitOfWork:
        self.session = self._factory()
        self.team = SqlTeamRepository(self.session)
        self.inquiries = SqlInquiryRepository(self.session)
        self.members = SqlMemberRepository(self.session)
        self.shifts = SqlShiftRepository(self.session)
        self.effort = SqlEffortRepository(self.session)
        self.audit = SqlAuditRepository(self.session)
        self.notifications = SqlNotificationRepository(self.session)
        self.rotation = SqlRotationRepository(self.session)
        self.outbox = SqlOutboxRepository(self.session)
        self.mail = SqlMailRepository(self.session)
        self.github = SqlGitHubRepository(self.session)
        self.accounts = SqlAccountRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            super().__exit__(exc_type, exc, tb)
        finally:
            self.session.close()
        # The database was down, gone or locked: the port's error, so that a caller can
        # tell it from an error of its own input without knowing SQLAlchemy.
        if isinstance(exc, OperationalError | InterfaceError):
            said = str(exc.orig or exc).strip()
            reason = said.splitlines()[0] if said else type(exc).__name__
            raise StoreUnavailable(f"the database is unavailable: {reason}") from exc

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def flush(self) -> None:
        self.session.flush()


class Database:
    """The engine and session factory for one database URL."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        orm.start_mappers()
        self.url = url
        self.engine = make_engine(url)
        if migrate:
            upgrade(self.engine)
        # Objects stay readable after the commit: services build their views inside it,
        # but callers may still read what they were given.
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions)

    def dispose(self) -> None:
        self.engine.dispose()
