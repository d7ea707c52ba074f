"""Who did what on GitHub: the sender of a delivery, not the author of the issue it is on."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from sredesk.services import inquiries, team
from sredesk.services.desk import Desk
from tests.github_stub import wired
from tests.integration.github.test_github_bridge import closed_example, deliver, example


@pytest.fixture
def desk(memory_desk: Desk) -> Desk:
    """On the in-memory desk: these tests need no database."""
    return wired(memory_desk)


def test_a_close_is_the_closers_not_the_issue_authors(client: TestClient, desk: Desk) -> None:
    deliver(client, "issues", example("issues", "opened"))  # opened by Codertocat
    closed = closed_example()
    closed["sender"] = {**closed["sender"], "login": "octodev"}
    assert deliver(client, "issues", closed).json()["outcome"] == "resolved"
    resolution = inquiries.get_inquiry(desk, 1)["resolutions"][-1]
    assert (resolution["by"], resolution["note"]) == (
        "github:octodev",
        "closed on GitHub by octodev",
    )
    with desk.unit_of_work() as uow:
        actors = [(a.action, a.actor) for a in uow.audit.list(inquiry_number=1)]
    assert actors[-1] == ("github.issues.closed", "github:octodev")


def test_an_assignment_gives_the_inquiry_to_the_member_assigned(
    client: TestClient, desk: Desk
) -> None:
    team.update_member(desk, "alice", github="alice-gh")
    team.update_member(desk, "bob", github="bob-gh")
    deliver(client, "issues", example("issues", "opened"))
    assert inquiries.get_inquiry(desk, 1)["assignee"] == "alice"
    # Bob takes it on GitHub, beside alice, whom the desk had assigned there.
    assigned = example("issues", "assigned")
    assigned["assignee"] = {**assigned["assignee"], "login": "bob-gh"}
    assigned["issue"]["assignees"] = [{"login": "alice-gh"}, {"login": "bob-gh"}]
    assert deliver(client, "issues", assigned).json()["outcome"] == "assigned to bob"
    assert inquiries.get_inquiry(desk, 1)["assignee"] == "bob"


def test_a_bots_comment_is_kept_as_a_note_and_is_no_customer_writing(
    client: TestClient, desk: Desk
) -> None:
    deliver(client, "issues", example("issues", "opened"))
    inquiries.reply(desk, 1, "Which version?", by="alice")
    inquiries.wait_on_customer(desk, 1, by="alice")
    stale = example("issue_comment", "created")
    bot = {**stale["comment"]["user"], "login": "stale[bot]", "type": "Bot"}
    stale["comment"].update(user=bot, body="This issue has been marked stale.")
    stale["sender"] = bot
    assert deliver(client, "issue_comment", stale).json()["outcome"] == (
        "note by stale[bot], a bot"
    )
    assert deliver(client, "issue_comment", stale).json()["outcome"] == "duplicate comment"
    data = inquiries.get_inquiry(desk, 1)
    assert (data["state"], data["customers"]) == ("waiting-on-customer", ["Codertocat"])
    note = data["comments"][-1]
    assert (note["author"], note["public"], note["body"]) == (
        "stale[bot]",
        False,
        "This issue has been marked stale.",
    )
    inquiries.resolve(desk, 1, ["answered"], by="alice")
    stale["comment"]["id"] += 1
    deliver(client, "issue_comment", stale)
    assert inquiries.get_inquiry(desk, 1)["state"] == "resolved"


def test_a_comment_the_closer_saw_does_not_reopen_when_it_arrives_late(
    client: TestClient, desk: Desk
) -> None:
    """GitHub delivers in any order: "Thanks, that fixed it" and the close that followed."""
    deliver(client, "issues", example("issues", "opened"))
    closed = closed_example()
    closed["issue"]["updated_at"] = "2019-05-15T16:00:00Z"
    closed["sender"] = {**closed["sender"], "login": "octodev"}
    deliver(client, "issues", closed)
    thanks = example("issue_comment", "created")  # written at 15:20:21, the issue open
    assert thanks["issue"]["state"] == "open"
    said = deliver(client, "issue_comment", thanks).json()["outcome"]
    assert said == "comment by Codertocat, written before the issue was closed"
    data = inquiries.get_inquiry(desk, 1)
    assert data["state"] == "resolved"
    assert data["comments"][-1]["body"] == thanks["comment"]["body"]
    # Written on the closed issue, it is the customer writing again.
    after = example("issue_comment", "created")
    after["comment"].update(id=after["comment"]["id"] + 1, created_at="2019-05-15T16:05:00Z")
    after["issue"]["state"] = "closed"
    assert deliver(client, "issue_comment", after).json()["outcome"] == "comment by Codertocat"
    assert inquiries.get_inquiry(desk, 1)["state"] == "new"


def test_a_comment_after_a_discussion_was_answered_reopens(client: TestClient, desk: Desk) -> None:
    deliver(client, "discussion", example("discussion", "created"))
    assert deliver(client, "discussion", example("discussion", "answered")).json()["outcome"] == (
        "resolved"
    )
    more = example("discussion_comment", "created")
    more["comment"]["id"] += 1000
    assert more["discussion"]["state"] == "open"  # as it stays, answered
    assert deliver(client, "discussion_comment", more).json()["outcome"] == (
        "comment by Codertocat"
    )
    assert inquiries.get_inquiry(desk, 1)["state"] == "new"
