"""The queries that leave classified inquiries out, on SQLite and PostgreSQL."""

from __future__ import annotations

from sredesk.core.queue import QueueQuery
from sredesk.services.desk import Desk
from tests.classified_support import seed_classified


def test_the_queue_and_its_sources_leave_classified_inquiries_out_when_asked(
    sql_desk: Desk,
) -> None:
    seeded = seed_classified(sql_desk)
    with sql_desk.unit_of_work() as uow:
        every, total = uow.inquiries.queue(QueueQuery())
        assert ([i.number for i in every], total) == ([seeded.public, seeded.classified], 2)
        shown, total = uow.inquiries.queue(QueueQuery(see_classified=False))
        assert ([i.number for i in shown], total) == ([seeded.public], 1)
        by_number = QueueQuery(search=f"#{seeded.classified}", see_classified=False)
        assert uow.inquiries.queue(by_number) == ([], 0)
        assert list(uow.inquiries.open_sources()) == ["visit-users", "zircon-users"]
        assert list(uow.inquiries.open_sources(see_classified=False)) == ["visit-users"]
        assert uow.inquiries.sensitive_numbers() == {seeded.classified}
