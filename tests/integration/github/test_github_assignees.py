"""The desk's assignee on GitHub: added beside whoever people assigned there, never instead."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sredesk.adapters.github.client import GitHubClient
from sredesk.services import inquiries, outbox, team
from sredesk.services.desk import Desk
from sredesk.services.github_sender import GitHubSender
from tests.github_stub import GitHubStub
from tests.integration.github.test_github_bridge import CONFIG, REPO, deliver, example


def sent(desk: Desk, stub: GitHubStub) -> list[tuple[str, str, object]]:
    """Deliver what is queued; the requests it made, as (method, path tail, body)."""
    stub.requests.clear()
    sender = GitHubSender(desk, CONFIG, GitHubClient("t", stub.url))
    outbox.deliver_due(desk, {"github": sender})
    assert stub.violations == []
    prefix = f"/repos/{REPO}/issues/1"
    return [(r.method, r.path.removeprefix(prefix), r.body) for r in stub.requests]


def test_the_desk_adds_its_assignee_and_takes_away_only_its_own(
    client: TestClient, desk: Desk, stub: GitHubStub
) -> None:
    team.update_member(desk, "alice", github="alice-gh")
    team.update_member(desk, "bob", github="bob-gh")
    opened = example("issues", "opened")  # Codertocat assigned themselves
    assert [a["login"] for a in opened["issue"]["assignees"]] == ["Codertocat"]
    deliver(client, "issues", opened)
    stub.issue(REPO, 1)
    stub.violations.clear()
    assert sent(desk, stub) == [
        ("PATCH", "", {"state": "open", "labels": ["sre", "bug"]}),
        ("POST", "/assignees", {"assignees": ["alice-gh"]}),
    ]
    # GitHub showing both needs no further sync.
    labeled = example("issues", "labeled")
    labeled["issue"].update(
        labels=[{"name": "sre"}, {"name": "bug"}],
        assignees=[{"login": "Codertocat"}, {"login": "alice-gh"}],
    )
    deliver(client, "issues", labeled)
    assert sent(desk, stub) == []
    inquiries.assign(desk, 1, "bob", by="alice")
    assert sent(desk, stub) == [
        ("PATCH", "", {"state": "open", "labels": ["sre", "bug"]}),
        ("DELETE", "/assignees", {"assignees": ["alice-gh"]}),
        ("POST", "/assignees", {"assignees": ["bob-gh"]}),
    ]
    # Codertocat was never touched: the desk only takes away the login it put there.
    inquiries.assign(desk, 1, "carol", by="alice")  # who has no GitHub login
    assert sent(desk, stub) == [
        ("PATCH", "", {"state": "open", "labels": ["sre", "bug"]}),
        ("DELETE", "/assignees", {"assignees": ["bob-gh"]}),
    ]
