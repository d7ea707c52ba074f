"""Deliveries out of order, or replayed: what GitHub said last about a thread wins."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from sredesk.services import inquiries, outbox, team
from sredesk.services.desk import Desk
from tests.integration.github.test_github_bridge import closed_example, deliver, example


def at(payload: dict[str, Any], when: str) -> dict[str, Any]:
    """The delivery as GitHub would send it for a change to the issue at `when`."""
    payload["issue"]["updated_at"] = when
    return payload


def outcome(
    client: TestClient, event: str, payload: dict[str, Any], delivery: str | None = None
) -> str:
    response = deliver(client, event, payload, delivery=delivery)
    assert response.status_code == 200
    text: str = response.json()["outcome"]
    return text


def syncs(desk: Desk) -> int:
    return sum(m["kind"] == "github.sync" for m in outbox.list_outbox(desk, pending_only=True))


def test_an_older_close_after_a_reopen_is_recorded_not_applied(
    client: TestClient, desk: Desk
) -> None:
    outcome(client, "issues", example("issues", "opened"))
    reopened = at(example("issues", "reopened"), "2019-05-15T16:05:00Z")
    closed = at(closed_example(), "2019-05-15T16:00:00Z")
    # Replayed, or late: the close happened first, whatever its delivery id.
    assert outcome(client, "issues", reopened) == "already open"
    pending = syncs(desk)
    said = outcome(client, "issues", closed, "late")
    assert said.startswith("stale: ")
    assert "2019-05-15T16:00:00Z" in said
    assert inquiries.get_inquiry(desk, 1)["state"] == "new"
    assert syncs(desk) == pending  # nothing changed, so nothing to bring in step
    with desk.unit_of_work() as uow:
        recorded = uow.github.delivery("late")
        assert recorded is not None
        assert recorded.outcome == said


def test_older_labels_title_and_assignees_do_not_undo_newer_ones(
    client: TestClient, desk: Desk
) -> None:
    outcome(client, "issues", example("issues", "opened"))
    newer = at(example("issues", "labeled"), "2019-05-15T17:00:00Z")
    newer["issue"]["labels"] = [{"name": "bug"}, {"name": "crash"}]
    older = at(example("issues", "unlabeled"), "2019-05-15T16:00:00Z")
    older["issue"]["labels"] = []
    assert outcome(client, "issues", newer) == "labels updated"
    assert outcome(client, "issues", older).startswith("stale: ")
    edited = at(example("issues", "edited"), "2019-05-15T16:30:00Z")
    edited["issue"]["title"] = "An old title"
    assert outcome(client, "issues", edited).startswith("stale: ")
    team.update_member(desk, "bob", github="bob-gh")
    assigned = at(example("issues", "assigned"), "2019-05-15T16:45:00Z")
    assigned["issue"]["assignees"] = [{"login": "bob-gh"}]
    assert outcome(client, "issues", assigned).startswith("stale: ")
    data = inquiries.get_inquiry(desk, 1)
    assert data["labels"] == ["bug", "crash"]
    assert data["title"] != "An old title"
    assert data["assignee"] == "alice"


def test_a_close_and_a_reopen_in_the_same_second_both_apply(client: TestClient, desk: Desk) -> None:
    """GitHub's timestamps are whole seconds: an equal one may be newer, so it applies."""
    outcome(client, "issues", example("issues", "opened"))
    second = "2019-05-15T16:00:00Z"
    assert outcome(client, "issues", at(closed_example(), second)) == "resolved"
    assert outcome(client, "issues", at(example("issues", "reopened"), second)) == "reopened"
    assert inquiries.get_inquiry(desk, 1)["state"] == "new"


def test_an_old_comment_arriving_late_is_still_kept_once(client: TestClient, desk: Desk) -> None:
    outcome(client, "issues", example("issues", "opened"))
    outcome(client, "issues", at(example("issues", "labeled"), "2019-05-15T16:00:00Z"))
    comment = example("issue_comment", "created")  # written at 15:20:21, before the label
    assert outcome(client, "issue_comment", comment) == "comment by Codertocat"
    assert outcome(client, "issue_comment", comment) == "duplicate comment"
    assert len(inquiries.get_inquiry(desk, 1)["comments"]) == 2


def test_a_deletion_unlinks_whatever_its_timestamp(client: TestClient, desk: Desk) -> None:
    """Nothing comes after a deletion; the issue it names may show an older update."""
    outcome(client, "issues", example("issues", "opened"))
    outcome(client, "issues", at(example("issues", "labeled"), "2019-05-15T17:00:00Z"))
    deleted = at(example("issues", "deleted"), "2019-05-15T16:00:00Z")
    assert outcome(client, "issues", deleted).startswith("unlinked inquiry #1")


def test_a_delivery_id_too_long_to_keep_is_refused_in_one_line(
    client: TestClient, desk: Desk
) -> None:
    response = deliver(client, "issues", example("issues", "opened"), delivery="x" * 101)
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "the X-GitHub-Delivery header is longer than 100 characters"
    )
    long_event = deliver(client, "e" * 60, example("issues", "opened"))
    assert long_event.status_code == 200
    assert long_event.json()["outcome"] == f"ignored: {'e' * 60} opened"
    assert inquiries.list_inquiries(desk) == []


def edit(body: str, when: str) -> dict[str, Any]:
    """GitHub's `issue_comment edited` for the example comment, edited to `body` at `when`."""
    payload = example("issue_comment", "edited")
    payload["comment"].update(id=example("issue_comment", "created")["comment"]["id"])
    payload["comment"].update(body=body, updated_at=when)
    return payload


def test_an_older_edit_of_a_comment_does_not_undo_a_newer_one(
    client: TestClient, desk: Desk
) -> None:
    outcome(client, "issues", example("issues", "opened"))
    outcome(client, "issue_comment", example("issue_comment", "created"))
    assert outcome(client, "issue_comment", edit("Third", "2019-05-15T15:25:00Z")) == (
        "comment edited"
    )
    said = outcome(client, "issue_comment", edit("Second", "2019-05-15T15:22:00Z"))
    assert said.startswith("stale: ")
    assert inquiries.get_inquiry(desk, 1)["comments"][-1]["body"] == "Third"


def test_an_edit_that_arrives_before_its_comment_is_not_lost(
    client: TestClient, desk: Desk
) -> None:
    outcome(client, "issues", example("issues", "opened"))
    assert outcome(client, "issue_comment", edit("Edited", "2019-05-15T15:22:00Z")) == (
        "comment by Codertocat"
    )
    created = example("issue_comment", "created")
    assert outcome(client, "issue_comment", created) == "duplicate comment"
    bodies = [c["body"] for c in inquiries.get_inquiry(desk, 1)["comments"]]
    assert bodies[1:] == ["Edited"]
