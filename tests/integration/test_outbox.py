"""The transactional outbox on SQLite and PostgreSQL: queued with its cause, sent once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sredesk.adapters.memory import FixedClock
from sredesk.core.errors import DeskError, InvalidTransition
from sredesk.core.model import OutboundMessage
from sredesk.services import inquiries, outbox, shifts
from sredesk.services.desk import Desk
from tests.outbox_support import email_publisher


class RecordingSender:
    """Stands in for a channel's sender: records what it was asked to send."""

    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.sent: list[tuple[str, int | None]] = []
        self.failures = list(failures or [])

    def send(self, message: OutboundMessage) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((message.kind, message.inquiry_number))


@pytest.fixture
def desk(sql_desk: Desk) -> Desk:
    sql_desk.publishers.append(email_publisher)
    return sql_desk


def open_one(desk: Desk) -> int:
    return inquiries.open_inquiry(
        desk, title="Q", channel="email", source="visit-users", customers=["u@example.edu"]
    )


def test_public_comments_are_queued_and_notes_are_not(desk: Desk) -> None:
    n = open_one(desk)
    inquiries.note(desk, n, "internal only", by="alice")
    inquiries.acknowledge(desk, n, by="alice")
    inquiries.reply(desk, n, "Try 3.4.1", by="alice")
    queued = outbox.list_outbox(desk, inquiry_number=n)
    assert [q["kind"] for q in queued] == ["reply", "reply"]
    with pytest.raises(DeskError):
        inquiries.reply(desk, n, "   ", by="alice")  # refused: nothing queued
    assert len(outbox.list_outbox(desk)) == 2


def test_a_handoff_notice_goes_out_too(desk: Desk, clock: FixedClock) -> None:
    n = open_one(desk)
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00
    shifts.handoff(desk)
    assert [q["inquiry"] for q in outbox.list_outbox(desk)] == [n]


def test_delivery_retries_with_backoff_then_sends_once(desk: Desk, clock: FixedClock) -> None:
    n = open_one(desk)
    inquiries.reply(desk, n, "hello", by="alice")
    sender = RecordingSender([outbox.DeliveryError("421 try later")])
    report = outbox.deliver_due(desk, {"email": sender})
    assert (report.sent, report.retrying) == (0, 1)
    assert outbox.list_outbox(desk)[0]["last_error"] == "421 try later"
    assert outbox.deliver_due(desk, {"email": sender}).sent == 0  # backing off
    clock.advance(timedelta(minutes=2))
    assert outbox.deliver_due(desk, {"email": sender}).sent == 1
    assert outbox.deliver_due(desk, {"email": sender}).sent == 0
    assert sender.sent == [("reply", n)]
    assert outbox.list_outbox(desk, pending_only=True) == []


def test_a_permanent_failure_is_visible_and_can_be_retried(desk: Desk) -> None:
    inquiries.reply(desk, open_one(desk), "hello", by="alice")
    sender = RecordingSender([outbox.PermanentDeliveryError("550 no such user")])
    assert outbox.deliver_due(desk, {"email": sender}).failed == 1
    failed = outbox.list_outbox(desk)[0]
    assert failed["failed"] is True
    with desk.unit_of_work() as uow:
        assert [e.action for e in uow.audit.list()][-1] == "outbox.failed"
    assert outbox.deliver_due(desk, {"email": sender}).sent == 0
    outbox.retry(desk, failed["id"])
    with pytest.raises(InvalidTransition):
        outbox.retry(desk, failed["id"])
    assert outbox.deliver_due(desk, {"email": sender}).sent == 1


def test_a_claimed_message_is_not_sent_by_a_second_worker(desk: Desk) -> None:
    inquiries.reply(desk, open_one(desk), "hello", by="alice")
    message_id = outbox.list_outbox(desk)[0]["id"]
    assert outbox._claim(desk, message_id) is not None
    # A second worker, while the first holds the lease, finds nothing to send.
    sender = RecordingSender()
    assert outbox.deliver_due(desk, {"email": sender}).sent == 0
    assert sender.sent == []


def test_channels_without_a_sender_wait(desk: Desk) -> None:
    inquiries.reply(desk, open_one(desk), "hello", by="alice")
    assert outbox.deliver_due(desk, {"github": RecordingSender()}).sent == 0
    assert len(outbox.list_outbox(desk, pending_only=True)) == 1


def test_a_backlog_of_one_channel_does_not_hold_up_another(desk: Desk) -> None:
    """A hundred GitHub writes wait for a sender that is not running; e-mail still goes."""
    with desk.unit_of_work() as uow:
        for i in range(100):
            outbox.queue(
                uow,
                OutboundMessage(
                    channel="github",
                    kind="github.comment",
                    payload={},
                    created_at=desk.now(),
                    dedupe_key=f"github:{i}",
                ),
            )
        uow.commit()
    n = open_one(desk)
    inquiries.reply(desk, n, "hello", by="alice")
    sender = RecordingSender()
    assert outbox.deliver_due(desk, {"email": sender}).sent == 1
    assert sender.sent == [("reply", n)]
    github = RecordingSender()
    assert outbox.deliver_due(desk, {"github": github}, limit=10).sent == 10


def test_a_rate_limit_reset_postpones_the_retry(desk: Desk, clock: FixedClock) -> None:
    inquiries.reply(desk, open_one(desk), "hello", by="alice")
    limited = outbox.DeliveryError("403 rate limited")
    limited.retry_at = clock.current + timedelta(minutes=30)
    sender = RecordingSender([limited])
    assert outbox.deliver_due(desk, {"email": sender}).retrying == 1
    clock.advance(timedelta(minutes=29))  # past the 1-minute backoff, before the reset
    assert outbox.deliver_due(desk, {"email": sender}).sent == 0
    clock.advance(timedelta(minutes=1))
    assert outbox.deliver_due(desk, {"email": sender}).sent == 1


class CountingSender(RecordingSender):
    """Records every request it is asked to make, the refused ones too."""

    def __init__(self, failures: list[Exception] | None = None) -> None:
        super().__init__(failures)
        self.requests = 0

    def send(self, message: OutboundMessage) -> None:
        self.requests += 1
        super().send(message)


def test_a_rate_limit_stops_the_channel_and_is_not_an_attempt(
    desk: Desk, clock: FixedClock
) -> None:
    n = open_one(desk)
    for i in range(3):
        inquiries.reply(desk, n, f"reply {i}", by="alice")
    inquiries.reply(desk, open_one(desk), "other", by="alice")

    def limited() -> outbox.DeliveryError:
        error = outbox.DeliveryError("403 rate limited")
        error.retry_at = clock.current + timedelta(minutes=30)
        return error

    sender = CountingSender([limited() for _ in range(3)])
    report = outbox.deliver_due(desk, {"email": sender}, max_attempts=2)
    assert sender.requests == 1  # the others wait for the reset, unasked
    assert (report.sent, report.retrying, report.failed) == (0, 4, 0)
    pending = outbox.list_outbox(desk, pending_only=True)
    assert [m["attempts"] for m in pending] == [0, 0, 0, 0]
    assert {m["next_attempt_at"] for m in pending} == {
        (clock.current + timedelta(minutes=30)).isoformat()
    }
    for _ in range(2):  # limited twice more: still no attempt counted, nothing given up
        clock.advance(timedelta(minutes=30))
        assert outbox.deliver_due(desk, {"email": sender}, max_attempts=2).failed == 0
    clock.advance(timedelta(minutes=30))
    assert outbox.deliver_due(desk, {"email": sender}, max_attempts=2).sent == 4
    assert sender.requests == 3 + 4


def test_the_served_app_delivers_the_outbox(desk: Desk) -> None:
    import time

    from fastapi.testclient import TestClient

    from sredesk.web.app import create_app

    n = open_one(desk)
    inquiries.reply(desk, n, "hello", by="alice")
    sender = RecordingSender()
    with TestClient(create_app(desk, watch_every=0.05, senders={"email": sender})):
        for _ in range(100):
            if sender.sent:
                break
            time.sleep(0.05)
    assert sender.sent == [("reply", n)]
    assert outbox.list_outbox(desk, pending_only=True) == []


def test_a_member_who_left_finds_no_classified_mail_through_a_retry(desk: Desk) -> None:
    """dave left the team but kept his token: retrying mail does not show him, nor let him
    touch, a classified inquiry's messages, as no read of the outbox does."""
    from fastapi.testclient import TestClient

    from sredesk.services import accounts, team
    from sredesk.web.app import create_app
    from tests.accounts_support import PASSWORD, fast_hashing

    public = open_one(desk)
    classified = inquiries.open_inquiry(
        desk,
        title="Q",
        channel="email",
        source="zircon-users",
        customers=["lead@lab.example"],
        sensitive=True,
    )
    inquiries.reply(desk, public, "Try 3.4.1", by="alice")
    inquiries.reply(desk, classified, "Try 3.4.1", by="alice")
    failing = RecordingSender([outbox.PermanentDeliveryError("550 no")] * 2)
    assert outbox.deliver_due(desk, {"email": failing}).failed == 2
    hidden, shown = (
        next(m["id"] for m in outbox.list_outbox(desk) if m["inquiry"] == number)
        for number in (classified, public)
    )
    accounts.add_user(fast_hashing(desk), "dave", "member", PASSWORD)
    token = {"Authorization": f"Bearer {accounts.issue_token(desk, 'dave', 'laptop')}"}
    team.update_member(desk, "dave", active=False)
    with TestClient(create_app(desk)) as client:
        listed = client.post(f"/api/v1/outbox/{shown}/retry", headers=token, json={"by": "dave"})
        assert listed.status_code == 200
        assert [m["inquiry"] for m in listed.json()] == [public]
        refused = client.post(f"/api/v1/outbox/{hidden}/retry", headers=token, json={"by": "dave"})
        missing = client.post("/api/v1/outbox/999/retry", headers=token, json={"by": "dave"})
        assert (refused.status_code, missing.status_code) == (404, 404)
        assert refused.json()["detail"].replace(str(hidden), "N") == missing.json()[
            "detail"
        ].replace("999", "N")
    assert next(m for m in outbox.list_outbox(desk) if m["id"] == hidden)["failed"] is True
