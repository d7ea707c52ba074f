"""A GitHub write retried after GitHub did it but the desk never heard: done only once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from sredesk.adapters.github.client import CreatedIssue, GitHubClient
from sredesk.adapters.memory import FixedClock
from sredesk.services import github, inquiries, outbox
from sredesk.services.desk import Desk
from sredesk.services.github_sender import GitHubSender
from sredesk.services.outbox import DeliveryError
from tests.github_stub import GitHubStub, wired
from tests.integration.github.test_github_bridge import CONFIG, REPO, deliver, example


@pytest.fixture
def desk(memory_desk: Desk) -> Desk:
    """On the in-memory desk: these tests need no database."""
    return wired(memory_desk)


class _AnswerLostOnce(GitHubClient):
    """GitHub posts the comment, and its answer is lost on the way back (a 502, a timeout)."""

    def __init__(self, token: str, api_url: str) -> None:
        super().__init__(token, api_url)
        self.lose = True

    def comment(self, repo: str, number: int, body: str) -> int:
        posted = super().comment(repo, number, body)
        if self.lose:
            self.lose = False
            raise DeliveryError("comment: GitHub answered 502")
        return posted


def test_a_reply_whose_answer_was_lost_is_not_posted_again(
    client: TestClient, desk: Desk, stub: GitHubStub, clock: FixedClock
) -> None:
    deliver(client, "issues", example("issues", "opened"))
    stub.issue(REPO, 1)
    sender = GitHubSender(desk, CONFIG, GitHubClient("t", stub.url))
    outbox.deliver_due(desk, {"github": sender})  # the sync of the new issue
    inquiries.reply(desk, 1, "Please try 3.4.1.", by="alice")
    stub.requests.clear()
    lossy = GitHubSender(desk, CONFIG, _AnswerLostOnce("t", stub.url))
    assert outbox.deliver_due(desk, {"github": lossy}).retrying == 1
    clock.advance(timedelta(minutes=5))
    assert outbox.deliver_due(desk, {"github": lossy}).sent >= 1
    posted = [r for r in stub.requests if r.method == "POST" and r.path.endswith("/comments")]
    assert [r.body["body"].split("\n")[0] for r in posted] == ["Please try 3.4.1."]
    assert stub.violations == []


class _CreateAnswerLostOnce(GitHubClient):
    """GitHub files the issue, and its answer is lost on the way back."""

    def __init__(self, token: str, api_url: str) -> None:
        super().__init__(token, api_url)
        self.lose = True

    def create_issue(self, repo: str, title: str, body: str, labels: list[str]) -> CreatedIssue:
        created = super().create_issue(repo, title, body, labels)
        if self.lose:
            self.lose = False
            raise DeliveryError("create issue: GitHub answered 502")
        return created


def test_a_mirror_whose_answer_was_lost_is_not_filed_twice(
    desk: Desk, stub: GitHubStub, clock: FixedClock
) -> None:
    n = inquiries.open_inquiry(
        desk, title="Engine crash", channel="email", source="visit-users", body="Crash log"
    )
    github.mirror(desk, n, REPO, by="alice", sre_repos=CONFIG.sre_repos)
    stub.requests.clear()
    lossy = GitHubSender(desk, CONFIG, _CreateAnswerLostOnce("t", stub.url))
    assert outbox.deliver_due(desk, {"github": lossy}).retrying == 1
    clock.advance(timedelta(minutes=5))
    assert outbox.deliver_due(desk, {"github": lossy}).sent == 1
    filed = [r for r in stub.requests if r.method == "POST" and r.path == f"/repos/{REPO}/issues"]
    assert len(filed) == 1
    number = stub.created[-1]["number"]
    with desk.unit_of_work() as uow:
        assert [(link.repo, link.number) for link in uow.github.links_for(n)] == [(REPO, number)]
    assert stub.violations == []


class _DiscussionAnswerLostOnce(GitHubClient):
    def __init__(self, token: str, api_url: str) -> None:
        super().__init__(token, api_url)
        self.lose = True

    def discussion_comment(self, node_id: str, body: str) -> None:
        super().discussion_comment(node_id, body)
        if self.lose:
            self.lose = False
            raise DeliveryError("discussion comment: GitHub answered 502")


def test_a_discussion_reply_whose_answer_was_lost_is_not_posted_again(
    client: TestClient, desk: Desk, stub: GitHubStub, clock: FixedClock
) -> None:
    deliver(client, "discussion", example("discussion", "created"))
    inquiries.reply(desk, 1, "See the FAQ.", by="alice")
    stub.requests.clear()
    lossy = GitHubSender(desk, CONFIG, _DiscussionAnswerLostOnce("t", stub.url))
    assert outbox.deliver_due(desk, {"github": lossy}).retrying == 1
    clock.advance(timedelta(minutes=5))
    assert outbox.deliver_due(desk, {"github": lossy}).sent == 1
    mutations = [r for r in stub.requests if "addDiscussionComment" in str(r.body)]
    assert len(mutations) == 1
