"""Re-asking a member who delayed an escalation keeps one escalation per member."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sredesk.adapters.memory import FixedClock
from sredesk.core.errors import InvalidTransition
from sredesk.services import escalations, inquiries, inquiry_page
from sredesk.services.desk import Desk
from tests.conftest import NOW


def _open(desk: Desk) -> int:
    return inquiries.open_inquiry(
        desk,
        title="Crash on open",
        channel="email",
        source="visit-users",
        customers=["u@example.edu"],
        body="It crashes.",
    )


def test_a_delayed_escalation_is_asked_again_not_opened_twice(
    memory_desk: Desk, clock: FixedClock
) -> None:
    number = _open(memory_desk)
    first = escalations.escalate(memory_desk, number, by="alice", note="Silo expert?")
    escalations.answer(memory_desk, number, first, "delayed", by="bob", note="after lunch")
    clock.current = NOW + timedelta(hours=2)
    again = escalations.escalate(memory_desk, number, by="alice", note="Still stuck")
    assert again == first
    data = inquiries.get_inquiry(memory_desk, number)
    [asked] = data["escalations"]
    assert (asked["to_member"], asked["status"]) == ("bob", "requested")
    assert asked["note"] == "Still stuck"
    assert asked["answered_at"] is None
    assert asked["requested_at"] == (NOW + timedelta(hours=2)).isoformat()
    history = [
        (e["action"], e["after"].get("reasked"), e["after"].get("escalation"))
        for e in data["timeline"]
        if "escalat" in e["action"]
    ]
    assert history == [
        ("inquiry.escalated", None, None),
        ("inquiry.escalation_answered", None, first),
        ("inquiry.escalated", True, first),
    ]
    with pytest.raises(InvalidTransition, match="asked already and has not answered"):
        escalations.escalate(memory_desk, number, by="alice")
    escalations.answer(memory_desk, number, first, "accepted", by="bob")


def test_a_declined_escalation_may_be_asked_anew(memory_desk: Desk) -> None:
    number = _open(memory_desk)
    first = escalations.escalate(memory_desk, number, by="alice")
    escalations.answer(memory_desk, number, first, "declined", by="bob")
    second = escalations.escalate(memory_desk, number, by="alice")
    assert second != first
    statuses = [e["status"] for e in inquiries.get_inquiry(memory_desk, number)["escalations"]]
    assert statuses == ["declined", "requested"]


def test_the_inquiry_page_shows_the_re_ask(memory_desk: Desk) -> None:
    number = _open(memory_desk)
    first = escalations.escalate(memory_desk, number, by="alice")
    escalations.answer(memory_desk, number, first, "delayed", by="bob")
    escalations.escalate(memory_desk, number, by="alice")
    page = inquiry_page.inquiry_page(memory_desk, number, me="bob", see_classified=True)
    lines = [(e["actor"], e["what"]) for e in page["timeline"] if e["actor"] != "system"]
    assert lines[-3:] == [
        ("alice", "escalated it"),
        ("bob", "answered an escalation"),
        ("alice", "asked again"),
    ]
    assert [e["status"] for e in page["my_escalations"]] == ["requested"]
