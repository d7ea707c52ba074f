"""Classified inquiries in the services: off the desk, a reader gets none, nor their records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sredesk.core.accounts import Permission, Role, may
from sredesk.core.errors import NotFound
from sredesk.core.model import OutboundMessage
from sredesk.services import effort, handoff_page, inquiries, outbox, postmortems, queue, records
from sredesk.services.desk import Desk
from sredesk.services.inquiry_page import inquiry_page
from tests.classified_support import Seeded, seed_classified, shows_secret
from tests.conftest import NOW, THIS_WEEK


@pytest.fixture
def seeded(memory_desk: Desk) -> Seeded:
    return seed_classified(memory_desk)


def test_only_the_desks_members_and_admins_may_see_classified_inquiries() -> None:
    assert [r for r in Role if may(r, Permission.SEE_CLASSIFIED)] == [Role.ADMIN, Role.MEMBER]


READS: dict[str, Callable[[Desk, int, Seeded, bool], Any]] = {
    "detail": lambda d, n, s, see: inquiries.get_inquiry(d, n, see_classified=see),
    "page": lambda d, n, s, see: inquiry_page(d, n, me="val", see_classified=see),
    "draft": lambda d, n, s, see: postmortems.draft(d, n, see_classified=see),
    "attachment": lambda d, n, s, see: inquiries.attachment_content(
        d, n, s.attachment, public_only=True, see_classified=see
    ),
}


@pytest.mark.parametrize("read", READS)
def test_a_classified_inquiry_is_missing_to_a_reader_off_the_desk(
    memory_desk: Desk, seeded: Seeded, read: str
) -> None:
    get = READS[read]
    with pytest.raises(NotFound) as missing:
        get(memory_desk, seeded.missing, seeded, False)
    with pytest.raises(NotFound) as classified:
        get(memory_desk, seeded.classified, seeded, False)
    n, m = seeded.classified, seeded.missing
    assert str(classified.value) == str(missing.value).replace(f"#{m}", f"#{n}")
    assert shows_secret(str(get(memory_desk, seeded.classified, seeded, True)))


def test_lists_and_the_queue_leave_classified_inquiries_out_and_do_not_count_them(
    memory_desk: Desk, seeded: Seeded
) -> None:
    def numbers(found: list[dict[str, Any]]) -> list[int]:
        return [i["number"] for i in found]

    both = [seeded.public, seeded.classified]
    assert numbers(inquiries.list_inquiries(memory_desk)) == both
    assert numbers(inquiries.list_inquiries(memory_desk, see_classified=False)) == both[:1]
    on_desk = queue.queue(memory_desk, me="alice", see_classified=True)
    off_desk = queue.queue(memory_desk, me="val", see_classified=False)
    assert (on_desk["total"], on_desk["sources"]) == (2, ["visit-users", "zircon-users"])
    assert (off_desk["total"], off_desk["sources"]) == (1, ["visit-users"])
    assert numbers(off_desk["rows"]) == [seeded.public]
    assert (on_desk["classified_left_out"], off_desk["classified_left_out"]) == (False, True)
    by_number = queue.queue(
        memory_desk, me="val", see_classified=False, search=f"#{seeded.classified}"
    )
    assert (by_number["rows"], by_number["total"]) == ([], 0)


def test_records_of_a_classified_inquiry_are_left_out_for_a_reader_off_the_desk(
    memory_desk: Desk, seeded: Seeded
) -> None:
    n = seeded.classified
    with memory_desk.unit_of_work() as uow:
        uow.outbox.add(OutboundMessage("email", "reply", {"subject": "zircon"}, NOW, n))
        uow.outbox.add(OutboundMessage("email", "reply", {"subject": "render"}, NOW, seeded.public))
        uow.commit()
    assert [m["inquiry"] for m in outbox.list_outbox(memory_desk)] == [n, seeded.public]
    assert [m["inquiry"] for m in outbox.list_outbox(memory_desk, see_classified=False)] == [
        seeded.public
    ]
    assert outbox.list_outbox(memory_desk, inquiry_number=n, see_classified=False) == []
    events = records.audit_log(memory_desk)
    assert n in {e["inquiry"] for e in events}
    shown = records.audit_log(memory_desk, see_classified=False)
    assert shown == [e for e in events if e["inquiry"] != n]
    assert records.audit_log(memory_desk, inquiry_number=n, see_classified=False) == []
    assert [m["inquiry"] for m in records.notifications(memory_desk)] == [n]
    assert records.notifications(memory_desk, see_classified=False) == []


def test_classified_effort_counts_for_a_reader_off_the_desk_without_its_words(
    memory_desk: Desk, seeded: Seeded
) -> None:
    shown = effort.list_effort(memory_desk, see_classified=False)
    assert [(e["member"], e["minutes"], e["note"], e["inquiry"]) for e in shown] == [
        ("alice", 45, "(classified inquiry)", None),
        ("bob", 30, "Desk triage", None),
    ]
    assert (
        effort.list_effort(memory_desk, inquiry_number=seeded.classified, see_classified=False)
        == []
    )
    assert effort.list_effort(memory_desk)[0]["note"] == "Zircon debugging"


def test_the_handoff_checklist_leaves_classified_inquiries_out_off_the_desk(
    memory_desk: Desk, seeded: Seeded
) -> None:
    def listed(see: bool) -> list[int]:
        data = handoff_page.checklist(memory_desk, THIS_WEEK, see_classified=see)
        return [i["number"] for i in data["inquiries"]]

    assert listed(True) == [seeded.public, seeded.classified]
    assert listed(False) == [seeded.public]
