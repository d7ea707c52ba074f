"""The inquiry lifecycle: each transition, and refusals that change nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from sredesk.core import lifecycle
from sredesk.core.audit import diff, snapshot
from sredesk.core.errors import InvalidInput, InvalidTransition
from sredesk.core.model import Channel, Inquiry, Postmortem, State

T0 = datetime(2026, 11, 18, 18, 0, tzinfo=UTC)


def make(**kw: object) -> Inquiry:
    inquiry = Inquiry(
        title="t",
        channel=Channel.EMAIL,
        source="visit-users",
        created_at=T0,
        response_due=T0 + timedelta(hours=4),
        **kw,
    )  # type: ignore[arg-type]
    inquiry.number = 1
    return inquiry


def test_first_public_reply_is_the_response_and_notes_are_not() -> None:
    inquiry = make()
    lifecycle.add_member_comment(inquiry, "alice", "looking", public=False, now=T0)
    assert inquiry.state is State.NEW
    assert inquiry.first_response_at is None
    later = T0 + timedelta(minutes=5)
    lifecycle.add_member_comment(inquiry, "alice", "hello", public=True, now=later)
    assert inquiry.state is State.RESPONDED
    assert inquiry.first_response_at == later
    lifecycle.add_member_comment(
        inquiry, "alice", "again", public=True, now=later + timedelta(hours=1)
    )
    assert inquiry.first_response_at == later


def test_a_notice_that_is_not_a_response_leaves_the_clock_running() -> None:
    inquiry = make()
    lifecycle.add_member_comment(
        inquiry, "alice", "handed on", public=True, now=T0, is_response=False
    )
    assert inquiry.state is State.NEW
    assert inquiry.first_response_at is None


def test_customer_reply_ends_a_wait_and_reopens_after_resolution() -> None:
    inquiry = make()
    lifecycle.add_member_comment(inquiry, "alice", "which version?", public=True, now=T0)
    lifecycle.wait_on_customer(inquiry, now=T0)
    assert inquiry.state is State.WAITING
    lifecycle.add_customer_comment(inquiry, "u@example.edu", "3.4", now=T0)
    assert inquiry.state is State.RESPONDED
    assert inquiry.waiting_since is None
    lifecycle.resolve(inquiry, ["answered"], "alice", now=T0)
    lifecycle.add_customer_comment(inquiry, "u@example.edu", "still broken", now=T0)
    assert inquiry.state is State.RESPONDED
    assert inquiry.resolved_at is None
    assert inquiry.customers == ["u@example.edu"]


def test_customer_writing_to_a_closed_new_inquiry_reopens_it_as_new() -> None:
    inquiry = make()
    lifecycle.resolve(inquiry, ["no-reply"], "alice", now=T0)
    lifecycle.close(inquiry, now=T0)
    lifecycle.add_customer_comment(inquiry, "u@x.org", "hello?", now=T0)
    assert inquiry.state is State.NEW


@pytest.mark.parametrize(
    ("kinds", "message"),
    [
        ([], "at least one"),
        (["solved-it"], "unknown resolution kind"),
        (["promoted"], "needs the link"),
    ],
)
def test_bad_resolutions_change_nothing(kinds: list[str], message: str) -> None:
    inquiry = make()
    before = snapshot(inquiry)
    with pytest.raises(InvalidInput, match=message):
        lifecycle.resolve(inquiry, kinds, "alice", now=T0)
    assert snapshot(inquiry) == before


def test_serious_inquiry_needs_a_postmortem_before_resolving() -> None:
    inquiry = make(serious=True)
    with pytest.raises(InvalidTransition, match="postmortem"):
        lifecycle.resolve(inquiry, ["diagnosed"], "alice", now=T0)
    with pytest.raises(InvalidInput, match="why"):
        lifecycle.attach_postmortem(inquiry, Postmortem("x", " ", "", "", "r", "alice", T0))
    lifecycle.attach_postmortem(inquiry, Postmortem("x", "y", "", "", "r", "alice", T0))
    lifecycle.resolve(inquiry, ["diagnosed", "workaround", "diagnosed"], "alice", now=T0)
    assert inquiry.state is State.RESOLVED
    assert inquiry.resolutions[-1].kinds == ["diagnosed", "workaround"]


def test_serious_after_resolving_needs_a_postmortem_before_closing() -> None:
    inquiry = make()
    lifecycle.resolve(inquiry, ["answered"], "alice", now=T0)
    lifecycle.mark_serious(inquiry, True)
    before = snapshot(inquiry)
    with pytest.raises(
        InvalidTransition, match=r"is serious; write its postmortem before closing$"
    ):
        lifecycle.close(inquiry, now=T0)
    assert snapshot(inquiry) == before
    lifecycle.attach_postmortem(inquiry, Postmortem("x", "y", "", "", "r", "alice", T0))
    lifecycle.close(inquiry, now=T0)
    assert inquiry.state is State.CLOSED


def test_invalid_transitions_name_the_state() -> None:
    inquiry = make()
    with pytest.raises(InvalidTransition, match="is new; waiting on the customer needs"):
        lifecycle.wait_on_customer(inquiry, now=T0)
    with pytest.raises(InvalidTransition, match="closing needs it to be resolved"):
        lifecycle.close(inquiry, now=T0)
    with pytest.raises(InvalidTransition):
        lifecycle.reopen(inquiry)
    lifecycle.resolve(inquiry, ["answered"], "alice", now=T0)
    with pytest.raises(InvalidTransition):
        lifecycle.resolve(inquiry, ["answered"], "alice", now=T0)
    lifecycle.close(inquiry, now=T0)
    with pytest.raises(InvalidTransition, match="closed; reopen"):
        lifecycle.add_member_comment(inquiry, "alice", "x", public=True, now=T0)
    lifecycle.reopen(inquiry)
    assert inquiry.state is State.NEW
    assert inquiry.closed_at is None


def test_an_arrival_is_aware_in_the_calendar_and_not_to_come() -> None:
    lifecycle.check_arrival(T0 - timedelta(days=400), now=T0)
    lifecycle.check_arrival(T0 + timedelta(minutes=5), now=T0)  # a fast clock elsewhere
    with pytest.raises(InvalidInput, match="is in the future; give when it arrived"):
        lifecycle.check_arrival(T0 + timedelta(minutes=6), now=T0)
    with pytest.raises(InvalidInput, match="needs a UTC offset"):
        lifecycle.check_arrival(datetime(2026, 11, 18, 10, 0), now=T0)
    with pytest.raises(ValueError, match="year 1 is outside the supported years"):
        lifecycle.check_arrival(datetime(1, 1, 1, tzinfo=UTC), now=T0)


def test_empty_comment_is_refused() -> None:
    with pytest.raises(InvalidInput, match="empty"):
        lifecycle.add_member_comment(make(), "alice", "   ", public=True, now=T0)


def test_stale_means_the_desk_spoke_last_long_ago() -> None:
    inquiry = make()
    assert not lifecycle.is_stale(inquiry, now=T0 + timedelta(days=40), days=21)
    lifecycle.add_member_comment(inquiry, "alice", "try this", public=True, now=T0)
    assert not lifecycle.is_stale(inquiry, now=T0 + timedelta(days=20), days=21)
    assert lifecycle.is_stale(inquiry, now=T0 + timedelta(days=21), days=21)
    lifecycle.add_customer_comment(inquiry, "u@x.org", "thanks", now=T0 + timedelta(days=1))
    assert not lifecycle.is_stale(inquiry, now=T0 + timedelta(days=60), days=21)


def test_labels_links_keep_serious_and_redirects() -> None:
    inquiry = make()
    lifecycle.set_labels(inquiry, add=["crash", "crash", "silo"], remove=["silo"])
    assert inquiry.labels == ["crash"]
    with pytest.raises(InvalidInput):
        lifecycle.set_labels(inquiry, add=["a,b"])
    with pytest.raises(InvalidInput, match="http"):
        lifecycle.add_link(inquiry, "ftp://x", "constructive-correction", "alice", now=T0)
    with pytest.raises(InvalidInput, match="link kind"):
        lifecycle.add_link(inquiry, "https://x", "fix", "alice", now=T0)
    lifecycle.add_link(
        inquiry, "https://github.com/o/r/issues/1", "comprehensive-solution", "alice", now=T0
    )
    lifecycle.resolve(inquiry, ["promoted"], "alice", now=T0)  # the recorded link suffices
    with pytest.raises(InvalidTransition):
        lifecycle.mark_keep(inquiry, True)
    with pytest.raises(InvalidTransition, match="not a redirect"):
        lifecycle.confirm_redirect(inquiry, now=T0)
    redirect = make(redirected_by="bob")
    lifecycle.confirm_redirect(redirect, now=T0)
    with pytest.raises(InvalidTransition, match="already"):
        lifecycle.confirm_redirect(redirect, now=T0)
    lifecycle.close(inquiry, now=T0)
    with pytest.raises(InvalidTransition):
        lifecycle.mark_serious(inquiry, True)


def test_diff_keeps_only_changed_fields() -> None:
    inquiry = make()
    before = snapshot(inquiry)
    lifecycle.add_member_comment(inquiry, "alice", "hi", public=True, now=T0)
    old, new = diff(before, snapshot(inquiry))
    assert old["state"] == "new"
    assert new["state"] == "responded"
    assert new["comments"] == 1
    assert "title" not in new


def test_a_snapshot_holds_only_plain_json_types() -> None:
    inquiry = make()
    inquiry.labels = ["x"]
    lifecycle.add_member_comment(inquiry, "alice", "hi", public=True, now=T0)
    data = snapshot(inquiry)
    # The state is a str enum: it must come out as its value, a plain str, not the enum.
    assert type(data["state"]) is str
    assert data["state"] == "responded"
    assert data["channel"] == "email"
    assert data["first_response_at"] == T0.isoformat()
    assert data["labels"] == ["x"]
    assert json.loads(json.dumps(data)) == data
