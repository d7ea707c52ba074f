"""The database adapter on SQLite and PostgreSQL: migrations, round trips, atomicity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from hypothesis import HealthCheck, settings
from sqlalchemy import event, inspect, select
from sqlalchemy.exc import IntegrityError

from sredesk.adapters.db import tables
from sredesk.adapters.db.unit_of_work import (
    HEAD_REVISION,
    Database,
    alembic_config,
    current_revision,
    make_engine,
)
from sredesk.adapters.memory import FixedClock
from sredesk.core import lifecycle
from sredesk.core.audit import snapshot
from sredesk.core.errors import InvalidInput
from sredesk.core.model import MessageRef
from sredesk.core.postmortem import PostmortemDraft
from sredesk.services import effort, escalations, inquiries, postmortems, shifts
from sredesk.services.desk import Desk
from tests.conftest import NOW, populate
from tests.desk_machine import DeskMachine


def test_migrations_create_exactly_the_declared_schema(database_url: str) -> None:
    Database(database_url).dispose()
    engine = make_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, tables.metadata) == []
    command.downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(alembic_config(engine), "head")
    assert set(tables.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_an_older_database_catches_up_to_the_newest_migration(database_url: str) -> None:
    engine = make_engine(database_url)
    config = alembic_config(engine)
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION
    assert current_revision(engine) is None
    command.upgrade(config, "0006")
    assert current_revision(engine) == "0006"
    Database(database_url).dispose()
    assert current_revision(engine) == HEAD_REVISION
    assert "swap_requests" in inspect(engine).get_table_names()
    engine.dispose()


def test_a_whole_inquiry_survives_a_reopened_database(
    sql_desk: Desk, sql_desk_factory: Callable[[], Desk], clock: FixedClock
) -> None:
    n = inquiries.open_inquiry(
        sql_desk,
        title="Engine launch fails",
        channel="email",
        source="visit-help-asc",
        customers=["ops@lab.gov"],
        body="Times out",
        serious=True,
        message_id="<l1@lab.gov>",
        labels=["launch"],
    )
    inquiries.reply(sql_desk, n, "Which profile?", by="alice")
    inquiries.wait_on_customer(sql_desk, n, by="alice")
    clock.advance(timedelta(hours=2))
    inquiries.customer_wrote(
        sql_desk, n, author="ops@lab.gov", body="The default one", message_id="<l2@lab.gov>"
    )
    esc = escalations.escalate(sql_desk, n, by="alice", note="launcher?")
    escalations.answer(sql_desk, n, esc, "accepted", by="bob")
    effort.log_effort(sql_desk, by="bob", minutes=120, inquiry_number=n)
    draft = postmortems.draft(sql_desk, n)
    postmortems.write(
        sql_desk,
        n,
        PostmortemDraft(
            draft["what_happened"],
            "Stale profile",
            draft["resources"],
            draft["milestones"],
            "Test profiles",
        ),
        by="alice",
    )
    inquiries.resolve(
        sql_desk,
        n,
        ["diagnosed", "promoted"],
        by="alice",
        link_url="https://github.com/visit-dav/visit/issues/20001",
        link_kind="comprehensive-solution",
    )
    delegation = shifts.delegate(sql_desk, NOW, NOW + timedelta(hours=3), by="alice")
    shifts.answer_delegation(sql_desk, delegation, by="bob", accept=True)
    expected = inquiries.get_inquiry(sql_desk, n)

    fresh = sql_desk_factory()
    again = inquiries.get_inquiry(fresh, n)
    assert again == expected
    assert again["message_ids"] == ["<l1@lab.gov>", "<l2@lab.gov>"]
    assert again["labels"] == ["launch"]
    assert again["escalations"][0]["status"] == "accepted"
    assert again["resolutions"][0]["kinds"] == ["diagnosed", "promoted"]
    assert again["links"][0]["kind"] == "comprehensive-solution"
    assert again["postmortem"]["resources"].startswith("- bob: 2.0 h")
    assert again["created_at"].endswith("+00:00")
    assert [e["action"] for e in again["timeline"]][:3] == [
        "inquiry.created",
        "inquiry.replied",
        "inquiry.waiting",
    ]
    assert shifts.current_duty(fresh)["delegate"] == "bob"  # type: ignore[index]


def test_a_failure_midway_through_a_handoff_writes_nothing(
    sql_desk: Desk, monkeypatch: pytest.MonkeyPatch, clock: FixedClock
) -> None:
    numbers = [
        inquiries.open_inquiry(
            sql_desk, title=f"Q{i}", channel="email", source="visit-users", customers=["u@x.org"]
        )
        for i in range(3)
    ]
    calls = {"n": 0}
    real = lifecycle.add_member_comment

    def flaky(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:
            raise InvalidInput("simulated failure on the second inquiry")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lifecycle, "add_member_comment", flaky)
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00
    with pytest.raises(InvalidInput, match="simulated"):
        shifts.handoff(sql_desk)
    for n in numbers:
        data = inquiries.get_inquiry(sql_desk, n)
        assert data["assignee"] == "alice"
        assert data["comments"] == []
        assert data["handoffs"] == []
    monkeypatch.setattr(lifecycle, "add_member_comment", real)
    assert shifts.handoff(sql_desk).handed == numbers


def test_one_message_id_belongs_to_one_inquiry(sql_desk: Desk) -> None:
    a = inquiries.open_inquiry(
        sql_desk, title="A", channel="email", source="l", message_id="<same@x>"
    )
    b = inquiries.open_inquiry(sql_desk, title="B", channel="email", source="l")
    with sql_desk.unit_of_work() as uow:
        inquiry = uow.inquiries.get(b)
        inquiry.message_refs.append(MessageRef(message_id="<same@x>"))
        with pytest.raises(IntegrityError):
            uow.commit()
    assert inquiries.find_by_message_id(sql_desk, "<same@x>") == a
    assert inquiries.get_inquiry(sql_desk, b)["message_ids"] == []


def test_audit_rows_hold_before_and_after_as_json(sql_desk: Desk) -> None:
    n = inquiries.open_inquiry(sql_desk, title="A", channel="email", source="l")
    inquiries.label(sql_desk, n, by="alice", add=["x"])
    with sql_desk.unit_of_work() as uow:
        session = uow.session  # type: ignore[attr-defined]
        rows = session.execute(
            select(
                tables.audit_events.c.action,
                tables.audit_events.c.before,
                tables.audit_events.c.after,
            )
            .where(tables.audit_events.c.inquiry_number == n)
            .order_by(tables.audit_events.c.id)
        ).all()
    assert rows[-1] == ("inquiry.labelled", {"labels": []}, {"labels": ["x"]})


class SqliteDeskMachine(DeskMachine):
    """The same random command sequences as on the memory desk, on a real SQLite file."""


def test_random_command_sequences_on_sqlite(tmp_path_factory: pytest.TempPathFactory) -> None:
    databases: list[Database] = []

    def make(clock: FixedClock) -> Desk:
        path = tmp_path_factory.mktemp("machine") / "desk.db"
        database = Database(f"sqlite:///{path}")
        databases.append(database)
        desk = Desk(unit_of_work=database.unit_of_work, clock=clock)
        populate(desk)
        return desk

    SqliteDeskMachine.make_desk = staticmethod(make)  # type: ignore[assignment]
    case = SqliteDeskMachine.TestCase
    case.settings = settings(
        max_examples=8,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    try:
        case("runTest").runTest()
    finally:
        for database in databases:
            database.dispose()


def test_get_many_gives_the_inquiries_that_exist(sql_desk: Desk) -> None:
    _gives_those_that_exist(sql_desk)


def test_the_memory_fake_gives_them_too(memory_desk: Desk) -> None:
    _gives_those_that_exist(memory_desk)


def _gives_those_that_exist(desk: Desk) -> None:
    a = inquiries.open_inquiry(desk, title="A", channel="email", source="l", message_id="<a@x>")
    b = inquiries.open_inquiry(desk, title="B", channel="email", source="l")
    with desk.unit_of_work() as uow:
        found = uow.inquiries.get_many([a, b, a, 9999])
        assert sorted(found) == [a, b]
        assert found[a].title == "A"
        assert found[a].message_ids == ["<a@x>"]
        assert uow.inquiries.get_many([]) == {}


def test_get_many_takes_the_same_few_queries_for_any_count(sql_desk: Desk) -> None:
    numbers = [
        inquiries.open_inquiry(sql_desk, title=f"T{k}", channel="email", source="l")
        for k in range(12)
    ]
    for number in numbers:
        inquiries.note(sql_desk, number, "a note", by="alice")

    def queries_for(count: int) -> int:
        statements: list[str] = []
        with sql_desk.unit_of_work() as uow:
            engine = uow.session.get_bind()  # type: ignore[attr-defined]

            def seen(*args: object) -> None:
                statements.append(str(args[2]))

            event.listen(engine, "before_cursor_execute", seen)
            try:
                found = uow.inquiries.get_many(numbers[:count])
                # Everything an audit snapshot reads is loaded already: no query follows.
                before = len(statements)
                for inquiry in found.values():
                    snapshot(inquiry)
                assert len(statements) == before
                assert all(len(i.comments) == 1 for i in found.values())
            finally:
                event.remove(engine, "before_cursor_execute", seen)
        return len(statements)

    assert queries_for(2) == queries_for(12)
