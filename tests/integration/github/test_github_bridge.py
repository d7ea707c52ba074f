"""The GitHub bridge end to end: GitHub's own deliveries in, writes out to a checked stub."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sredesk.adapters.github.client import GitHubClient
from sredesk.adapters.github.settings import GitHubSettings
from sredesk.adapters.memory import FixedClock
from sredesk.core.errors import InvalidInput, InvalidTransition, NotFound
from sredesk.core.github import HANDLED, GitHubLink, mark
from sredesk.core.postmortem import PostmortemDraft
from sredesk.services import backlog, effort, github, inquiries, mail, outbox, postmortems, team
from sredesk.services.desk import Desk
from sredesk.services.github_sender import GitHubSender
from sredesk.services.mail_outbound import mail_publisher
from sredesk.services.outbox import DeliveryError
from sredesk.web.app import create_app
from tests.accounts_support import admin_headers
from tests.github_stub import GitHubStub
from tests.mailfactory import SETTINGS as MAIL
from tests.mailfactory import list_message

WEBHOOKS = Path(__file__).resolve().parents[4] / "shared" / "github" / "webhooks"
REPO = "Codertocat/Hello-World"
SECRET = "it's a secret to everybody"
CONFIG = GitHubSettings(
    webhook_secret=SECRET, token="t", sre_repos=(REPO,), product_repos=("visit-dav/visit",)
)
EXAMPLES = sorted(p for event in HANDLED for p in (WEBHOOKS / event).glob("*.payload.json"))
# Without them the tests over every example would be skipped as empty, not failed.
assert EXAMPLES, f"GitHub's webhook examples are not at {WEBHOOKS}"


def example(event: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((WEBHOOKS / event / f"{name}.payload.json").read_text())
    return data


def closed_example() -> dict[str, Any]:
    """GitHub publishes no `issues closed` example; its schema differs from opened in these."""
    payload = copy.deepcopy(example("issues", "opened"))
    payload["action"] = "closed"
    payload["issue"].update(state="closed", closed_at="2019-05-15T16:00:00Z")
    return payload


@pytest.fixture
def fast_desk(memory_desk: Desk) -> Desk:
    """The in-memory desk, for the per-example tests: a hundred databases would be slow."""
    memory_desk.publishers.append(github.publisher)
    memory_desk.observers.append(github.observer)
    return memory_desk


@pytest.fixture
def fast_client(fast_desk: Desk) -> Iterator[TestClient]:
    app = create_app(fast_desk, github=CONFIG)
    with TestClient(app, headers=admin_headers(fast_desk)) as test_client:
        yield test_client


def deliver(
    client: TestClient,
    event: str,
    payload: dict[str, Any],
    *,
    delivery: str | None = None,
    secret: str = SECRET,
) -> Any:
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/api/v1/webhooks/github",
        content=body,
        headers={
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
            "X-Hub-Signature-256": signature,
            "Content-Type": "application/json",
        },
    )


def counts(desk: Desk) -> tuple[int, int]:
    with desk.unit_of_work() as uow:
        return len(uow.inquiries.list()), len(uow.audit.list())


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_bad_signature_is_refused_and_stores_nothing(
    fast_client: TestClient, fast_desk: Desk, path: Path
) -> None:
    client, desk = fast_client, fast_desk
    before = counts(desk)
    payload = json.loads(path.read_text())
    assert deliver(client, path.parent.name, payload, secret="wrong").status_code == 401
    body = json.dumps(payload).encode()
    missing = client.post(
        "/api/v1/webhooks/github",
        content=body,
        headers={"X-GitHub-Event": path.parent.name, "X-GitHub-Delivery": "d1"},
    )
    assert missing.status_code == 401
    assert counts(desk) == before
    with desk.unit_of_work() as uow:
        assert uow.github.delivery("d1") is None


# What each of GitHub's examples does to an inquiry opened by `issues opened` (issue #1)
# or `discussion created` (discussion #4).
EFFECTS = {
    "issues/opened": "echo: thread already linked",
    "issues/edited": "ignored: title and body unchanged",
    "issues/labeled": "labels updated",
    "issues/unlabeled": "labels updated",
    "issues/assigned": "ignored: no member has that GitHub login",
    "issues/reopened": "already open",
    "issues/deleted": "unlinked inquiry #1 from Codertocat/Hello-World#1: it was deleted on GitHub",
    "issue_comment/created": "comment by Codertocat",
    "issue_comment/edited": "comment by Codertocat",  # its `created` may come later
    "issue_comment/deleted": "ignored: comment not on record",
    "discussion/created": "echo: thread already linked",
    "discussion/answered": "resolved",
    "discussion_comment/created": "comment by Codertocat",
}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_example_has_its_effect(fast_client: TestClient, fast_desk: Desk, path: Path) -> None:
    client, desk = fast_client, fast_desk
    event = path.parent.name
    payload = json.loads(path.read_text())
    opened = deliver(client, "issues", example("issues", "opened")).json()["outcome"]
    assert opened == "opened inquiry #1"
    assert (
        deliver(client, "discussion", example("discussion", "created")).json()["outcome"]
        == "opened inquiry #2"
    )
    response = deliver(client, event, payload)
    assert response.status_code == 200
    outcome = response.json()["outcome"]
    action = payload["action"]
    if action not in HANDLED[event]:
        assert outcome.startswith("ignored")
        return
    if payload["repository"]["full_name"] != REPO:
        assert "is not an SRE repository" in outcome
        return
    assert outcome == EFFECTS[f"{event}/{action}"]
    number = 2 if event.startswith("discussion") else 1
    data = inquiries.get_inquiry(desk, number)
    if action == "edited" and event == "issues":
        assert data["title"] == payload["issue"]["title"]
    if action == "labeled":
        assert {label["name"] for label in payload["issue"]["labels"]} <= set(data["labels"])
    if event.endswith("_comment") and action == "created":
        assert data["comments"][-1]["body"] == payload["comment"]["body"]
        assert data["comments"][-1]["author"] == "Codertocat"
    if action == "answered":
        assert data["state"] == "resolved"


def test_github_inquiries_are_assigned_and_threaded(client: TestClient, desk: Desk) -> None:
    deliver(client, "issues", example("issues", "opened"))
    data = inquiries.get_inquiry(desk, 1)
    assert (data["channel"], data["source"], data["assignee"]) == ("github", REPO, "alice")
    assert data["customers"] == ["Codertocat"]
    comment = example("issue_comment", "created")
    assert deliver(client, "issue_comment", comment).json()["outcome"] == "comment by Codertocat"
    edited = example("issue_comment", "edited")
    edited["comment"]["body"] = "Edited text"
    assert deliver(client, "issue_comment", edited).json()["outcome"] == "comment edited"
    assert inquiries.get_inquiry(desk, 1)["comments"][-1]["body"] == "Edited text"
    again = deliver(client, "issue_comment", comment)
    assert again.json()["outcome"] == "duplicate comment"
    deleted = deliver(client, "issue_comment", example("issue_comment", "deleted"))
    assert deleted.json()["outcome"] == "comment deletion noted"


def test_deliveries_are_handled_once(client: TestClient, desk: Desk) -> None:
    first = deliver(client, "issues", example("issues", "opened"), delivery="abc")
    second = deliver(client, "issues", example("issues", "opened"), delivery="abc")
    assert first.json()["outcome"] == "opened inquiry #1"
    assert second.json()["outcome"] == "duplicate delivery"
    assert counts(desk)[0] == 1


def test_unknown_events_and_repositories_are_acknowledged_and_ignored(
    client: TestClient, desk: Desk
) -> None:
    ping = deliver(client, "ping", json.loads((WEBHOOKS / "ping" / "payload.json").read_text()))
    assert ping.status_code == 200
    assert ping.json()["outcome"].startswith("ignored")
    elsewhere = copy.deepcopy(example("issues", "opened"))
    elsewhere["repository"]["full_name"] = "someone/else"
    assert "not an SRE repository" in deliver(client, "issues", elsewhere).json()["outcome"]
    assert counts(desk)[0] == 0
    assert deliver(client, "issues", {"not": "a delivery"}).status_code == 200
    # Signed, but not what GitHub sends: acknowledged and ignored, not a server error.
    malformed = {"action": "opened", "repository": {"full_name": REPO}, "issue": {"number": "x"}}
    response = deliver(client, "issues", malformed)
    assert (response.status_code, response.json()["outcome"]) == (
        200,
        "ignored: malformed issues opened",
    )
    no_id = copy.deepcopy(example("issue_comment", "created"))
    no_id["comment"]["id"] = None
    response = deliver(client, "issue_comment", no_id)
    assert (response.status_code, response.json()["outcome"]) == (
        200,
        "ignored: malformed issue_comment created",
    )
    broken = client.post(
        "/api/v1/webhooks/github",
        content=b"{not json",
        headers={
            "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": "x",
            "X-Hub-Signature-256": "sha256="
            + hmac.new(SECRET.encode(), b"{not json", hashlib.sha256).hexdigest(),
        },
    )
    assert broken.status_code == 422
    assert "not JSON" in broken.json()["detail"]


def test_close_resolves_and_reopen_reopens(client: TestClient, desk: Desk) -> None:
    deliver(client, "issues", example("issues", "opened"))
    assert deliver(client, "issues", closed_example()).json()["outcome"] == "resolved"
    assert inquiries.get_inquiry(desk, 1)["state"] == "resolved"
    assert deliver(client, "issues", example("issues", "reopened")).json()["outcome"] == (
        "reopened"
    )
    assert inquiries.get_inquiry(desk, 1)["state"] == "new"


def test_replies_go_out_and_their_echo_is_recognised(
    client: TestClient, desk: Desk, stub: GitHubStub
) -> None:
    team.update_member(desk, "alice", github="alice-gh")
    deliver(client, "issues", example("issues", "opened"))
    inquiries.reply(desk, 1, "Please try 3.4.1.", by="alice")
    sender = GitHubSender(desk, CONFIG, GitHubClient("t", stub.url))
    stub.requests.clear()
    stub.violations.clear()
    stub.issue(REPO, 1)
    report = outbox.deliver_due(desk, {"github": sender})
    assert report.sent >= 2  # the comment, and the sync of state, assignee and labels
    posted = [r for r in stub.requests if r.method == "POST"]
    comments = [r for r in posted if r.path == f"/repos/{REPO}/issues/1/comments"]
    body = comments[0].body["body"]
    assert body.startswith("Please try 3.4.1.")
    patches = [r.body for r in stub.requests if r.method == "PATCH"]
    assert patches[-1] == {"state": "open", "labels": ["sre", "bug"]}
    assert posted[-1].body == {"assignees": ["alice-gh"]}
    assert stub.violations == []
    echo = example("issue_comment", "created")
    echo["comment"].update(body=body, id=777)
    outcome = deliver(client, "issue_comment", echo).json()["outcome"]
    assert outcome.startswith("echo of the desk's comment:")
    assert len(inquiries.get_inquiry(desk, 1)["comments"]) == 2  # the question and the reply


def test_sensitive_inquiries_never_reach_github(client: TestClient, desk: Desk) -> None:
    deliver(client, "issues", example("issues", "opened"))
    with desk.unit_of_work() as uow:
        uow.inquiries.get(1).sensitive = True
        uow.commit()
    before = len(outbox.list_outbox(desk))
    inquiries.reply(desk, 1, "Classified detail", by="alice")
    inquiries.resolve(desk, 1, ["answered"], by="alice")
    assert len(outbox.list_outbox(desk)) == before
    with pytest.raises(Exception, match="classified"):
        github.promote(desk, 1, "visit-dav/visit", by="alice", product_repos=CONFIG.product_repos)


def test_promotion_files_links_and_resolves(desk: Desk, stub: GitHubStub) -> None:
    n = inquiries.open_inquiry(
        desk,
        title="Engine crash on Silo",
        channel="email",
        source="visit-users",
        body="Crash log attached",
    )
    github.promote(
        desk,
        n,
        "visit-dav/visit",
        by="alice",
        product_repos=CONFIG.product_repos,
        kind="comprehensive-solution",
        link_back=f"https://desk.example.org/inquiries/{n}",
    )
    stub.violations.clear()
    sender = GitHubSender(desk, CONFIG, GitHubClient("t", stub.url))
    assert outbox.deliver_due(desk, {"github": sender}).sent == 1
    data = inquiries.get_inquiry(desk, n)
    assert data["state"] == "resolved"
    assert data["resolutions"][-1]["kinds"] == ["promoted"]
    assert data["links"][0]["kind"] == "comprehensive-solution"
    assert data["links"][0]["url"].startswith("https://github.com/visit-dav/visit/issues/")
    created = [r for r in stub.requests if r.path == "/repos/visit-dav/visit/issues"][-1]
    assert created.body["body"].startswith(
        f"Promoted from [SRE desk inquiry no. {n}](https://desk.example.org/inquiries/{n}) "
    )
    assert stub.violations == []


def resolved_as_known(desk: Desk) -> int:
    """An inquiry resolved as visit-dav/visit#5, with its news queued for that issue."""
    n = inquiries.open_inquiry(desk, title="Same crash", channel="email", source="visit-users")
    github.update_known(
        desk,
        n,
        "visit-dav/visit",
        5,
        by="alice",
        product_repos=CONFIG.product_repos,
        note="Seen on 3.4.1 too",
    )
    return n


def test_a_known_issue_gets_the_news_and_loses_reviewed(desk: Desk, stub: GitHubStub) -> None:
    n = resolved_as_known(desk)
    assert inquiries.get_inquiry(desk, n)["resolutions"][-1]["kinds"] == ["known-issue-updated"]
    stub.issue("visit-dav/visit", 5)
    stub.requests.clear()
    sender = GitHubSender(desk, CONFIG, GitHubClient("t", stub.url))
    assert outbox.deliver_due(desk, {"github": sender}).sent == 1
    assert [(r.method, r.path) for r in stub.requests] == [
        ("DELETE", "/repos/visit-dav/visit/issues/5/labels/reviewed"),
        ("POST", "/repos/visit-dav/visit/issues/5/comments"),
    ]


def test_a_known_issue_outside_the_product_repositories_is_refused(desk: Desk) -> None:
    n = inquiries.open_inquiry(desk, title="Same crash", channel="email", source="visit-users")
    before = inquiries.get_inquiry(desk, n), outbox.list_outbox(desk)
    for repo in ("someone/elsewhere", REPO):  # an SRE repository holds inquiries, not issues
        with pytest.raises(InvalidInput, match=f"{repo} is not a configured product repository"):
            github.update_known(desk, n, repo, 5, by="alice", product_repos=CONFIG.product_repos)
    assert (inquiries.get_inquiry(desk, n), outbox.list_outbox(desk)) == before


class _LabelFailsOnce(GitHubClient):
    def __init__(self, token: str, api_url: str) -> None:
        super().__init__(token, api_url)
        self.fail = True

    def remove_label(self, repo: str, number: int, label: str) -> None:
        if self.fail:
            self.fail = False
            raise DeliveryError("remove label: GitHub answered 502")
        super().remove_label(repo, number, label)


def test_a_known_issue_gets_the_news_once_when_removing_the_label_fails(
    desk: Desk, stub: GitHubStub, clock: FixedClock
) -> None:
    # GitHub has no idempotency key: a retried message must not post its comment again.
    resolved_as_known(desk)
    stub.issue("visit-dav/visit", 5)
    stub.requests.clear()
    sender = GitHubSender(desk, CONFIG, _LabelFailsOnce("t", stub.url))
    assert outbox.deliver_due(desk, {"github": sender}).retrying == 1
    clock.advance(timedelta(minutes=5))
    assert outbox.deliver_due(desk, {"github": sender}).sent == 1
    # The retry looks for the comment before it posts: the failed attempt never got to it.
    issue = "/repos/visit-dav/visit/issues/5"
    assert [(r.method, r.path) for r in stub.requests] == [
        ("DELETE", f"{issue}/labels/reviewed"),
        ("GET", f"{issue}/comments"),
        ("POST", f"{issue}/comments"),
    ]


def test_low_hanging_fruit_sync_rank_and_done(desk: Desk, stub: GitHubStub) -> None:
    stub.listing = [
        stub.issue("visit-dav/visit", 21, title="Fix typo", body="estimate: 1h"),
        stub.issue("visit-dav/visit", 22, title="Odd crash", body="no idea"),
        stub.issue("visit-dav/visit", 23, title="Big one", body="estimate: 2d"),
    ]
    summary = backlog.sync(desk, CONFIG, GitHubClient("t", stub.url))
    assert summary == {"added": 3, "updated": 0, "closed": 0}
    ranked = backlog.ranked(desk)
    assert [f["number"] for f in ranked] == [21, 22]  # 16 h is not low-hanging
    for bad in (float("nan"), float("inf"), -1.0, 0.0):
        with pytest.raises(InvalidInput, match="must be a number of hours above 0"):
            backlog.ranked(desk, max_hours=bad)
    backlog.done(desk, ranked[0]["id"], by="alice", minutes=50)
    assert [f["number"] for f in backlog.ranked(desk)] == [22]
    with desk.unit_of_work() as uow:
        notes = [e.note for e in uow.effort.list(member="alice")]
    assert notes == ["low-hanging fruit visit-dav/visit#21"]
    stub.listing = stub.listing[1:]
    assert backlog.sync(desk, CONFIG, GitHubClient("t", stub.url))["closed"] == 1


def test_low_hanging_fruit_done_keeps_the_members_day_within_a_day(
    desk: Desk, stub: GitHubStub
) -> None:
    stub.listing = [stub.issue("visit-dav/visit", 21, title="Fix typo", body="estimate: 1h")]
    backlog.sync(desk, CONFIG, GitHubClient("t", stub.url))
    (fruit,) = backlog.ranked(desk)
    effort.log_effort(desk, by="alice", minutes=1400, note="A long day")
    with pytest.raises(InvalidInput, match="log at most 40 more"):
        backlog.done(desk, fruit["id"], by="alice", minutes=50)
    assert backlog.ranked(desk) == [fruit]  # still to do
    assert [e["minutes"] for e in effort.list_effort(desk, member_handle="alice")] == [1400]
    backlog.done(desk, fruit["id"], by="alice", minutes=40)
    assert backlog.ranked(desk) == []


def test_repository_names_match_whatever_their_case(desk: Desk) -> None:
    config = GitHubSettings(webhook_secret=SECRET, token="t", sre_repos=(REPO.lower(),))
    with TestClient(create_app(desk, github=config), headers=admin_headers(desk)) as client:
        opened = deliver(client, "issues", example("issues", "opened")).json()["outcome"]
        assert opened == "opened inquiry #1"
        # A link recorded under the configured spelling (a mirror) is found from GitHub's.
        n = inquiries.open_inquiry(desk, title="By mail", channel="email", source="visit-users")
        with desk.unit_of_work() as uow:
            uow.github.add_link(GitHubLink(n, REPO.lower(), "issue", 7, "u"))
            uow.commit()
        closed = closed_example()
        closed["issue"]["number"] = 7
        assert deliver(client, "issues", closed).json()["outcome"] == "resolved"
        assert inquiries.get_inquiry(desk, n)["state"] == "resolved"


def test_events_on_a_mirrored_issue_are_not_taken_for_echoes(
    fast_client: TestClient, fast_desk: Desk
) -> None:
    client, desk = fast_client, fast_desk
    n = inquiries.open_inquiry(
        desk, title="Engine crash", channel="email", source="visit-users", body="It crashes"
    )
    with desk.unit_of_work() as uow:
        uow.github.add_link(GitHubLink(n, REPO, "issue", 1, "u"))
        uow.commit()
    mirrored = f"Mirrored from SRE desk inquiry #{n}.\n\n<!-- sredesk:mirror:{n} -->"
    labeled = example("issues", "labeled")
    labeled["issue"]["body"] = mirrored
    assert deliver(client, "issues", labeled).json()["outcome"] == "labels updated"
    closed = closed_example()
    closed["issue"]["body"] = mirrored
    assert deliver(client, "issues", closed).json()["outcome"] == "resolved"
    assert inquiries.get_inquiry(desk, n)["state"] == "resolved"
    reopened = example("issues", "reopened")
    reopened["issue"]["body"] = mirrored
    assert deliver(client, "issues", reopened).json()["outcome"] == "reopened"


def test_the_desks_reply_chosen_as_the_answer_resolves(
    fast_client: TestClient, fast_desk: Desk
) -> None:
    client, desk = fast_client, fast_desk
    team.update_member(desk, "alice", github="alice-gh")
    deliver(client, "discussion", example("discussion", "created"))
    inquiries.reply(desk, 1, "Use the -nowin flag.", by="alice")
    reply = inquiries.get_inquiry(desk, 1)["comments"][-1]
    answered = example("discussion", "answered")
    answered["answer"]["body"] = mark("Use the -nowin flag.", f"comment:{reply['id']}")
    answered["answer"]["user"]["login"] = "sredesk-bot"
    assert deliver(client, "discussion", answered).json()["outcome"] == "resolved"
    data = inquiries.get_inquiry(desk, 1)
    assert data["state"] == "resolved"
    assert [c["body"] for c in data["comments"]][-1] == "Use the -nowin flag."
    assert len(data["comments"]) == 2  # the question and the reply, not the echo again


def test_a_member_comment_or_deletion_on_a_closed_inquiry_is_kept(
    client: TestClient, desk: Desk
) -> None:
    team.update_member(desk, "alice", github="alice-gh")
    deliver(client, "issues", example("issues", "opened"))
    deliver(client, "issue_comment", example("issue_comment", "created"))
    inquiries.resolve(desk, 1, ["answered"], by="alice")
    inquiries.close(desk, 1, by="alice")
    member = example("issue_comment", "created")
    member["comment"].update(id=999, body="Fixed in 3.4.2, FYI.")
    member["comment"]["user"]["login"] = "alice-gh"
    response = deliver(client, "issue_comment", member)
    assert (response.status_code, response.json()["outcome"]) == (200, "reply by alice")
    deleted = deliver(client, "issue_comment", example("issue_comment", "deleted"))
    assert (deleted.status_code, deleted.json()["outcome"]) == (200, "comment deletion noted")
    data = inquiries.get_inquiry(desk, 1)
    assert data["state"] == "closed"  # a member's word does not reopen it
    assert [c["body"] for c in data["comments"]][-2:] == [
        "Fixed in 3.4.2, FYI.",
        "A comment by Codertocat was deleted on GitHub.",
    ]


def test_a_members_answer_on_a_mirror_reaches_the_customer_by_mail(
    fast_client: TestClient, fast_desk: Desk
) -> None:
    client, desk = fast_client, fast_desk
    desk.publishers.append(mail_publisher(MAIL))
    team.update_member(desk, "alice", github="alice-gh")
    n = inquiries.open_inquiry(
        desk,
        title="Engine crash",
        channel="email",
        source="visit-users",
        customers=["jane.doe@lab.example.org"],
        author="jane.doe@lab.example.org",
        body="It crashes on my data",
        message_id="<first@lab.example.org>",
    )
    with desk.unit_of_work() as uow:
        uow.github.add_link(GitHubLink(n, REPO, "issue", 1, "u"))
        uow.commit()
    assert deliver(client, "issue_comment", example("issue_comment", "created")).json() == {
        "outcome": "comment by Codertocat"
    }
    answer = example("issue_comment", "created")
    answer["comment"].update(id=4242, body="Fixed in 3.4.2; please upgrade.")
    answer["comment"]["user"]["login"] = "alice-gh"
    assert deliver(client, "issue_comment", answer).json() == {"outcome": "reply by alice"}
    mails = [m for m in outbox.list_outbox(desk) if m["channel"] == "email"]
    assert len(mails) == 1
    assert not any(m["kind"] == "github.comment" for m in outbox.list_outbox(desk))
    with desk.unit_of_work() as uow:
        payload = next(m.payload for m in uow.outbox.list() if m.channel == "email")
    assert payload["body"].startswith("Fixed in 3.4.2; please upgrade.")
    assert payload["to"] == ["visit-users@lists.example.org"]
    assert payload["cc"] == ["jane.doe@lab.example.org"]
    # Threaded under the customer's mail: GitHub's comment ids are no Message-IDs.
    assert payload["in_reply_to"] == "<first@lab.example.org>"
    assert not any(ref.startswith("github:") for ref in payload["references"])


def test_a_customers_mail_to_a_mirrored_inquiry_is_copied_there_without_the_address(
    client: TestClient, desk: Desk, stub: GitHubStub
) -> None:
    first = list_message("<first@lab.example.org>", sender="jane.doe@lab.example.org")
    assert mail.ingest(desk, first, settings=MAIL).status == "created"
    with desk.unit_of_work() as uow:
        uow.github.add_link(GitHubLink(1, REPO, "issue", 1, "u"))
        uow.commit()
    reply = list_message(
        "<second@lab.example.org>",
        sender="jane.doe@lab.example.org",
        subject="Re: VisIt crashes on launch",
        body="It still crashes with 3.4.1.\n\nOn Mon, someone wrote:\n> Which version?\n",
        in_reply_to="<first@lab.example.org>",
    )
    assert mail.ingest(desk, reply, settings=MAIL).status == "threaded"
    inquiries.customer_wrote(desk, 1, author="bob@uni.example.edu", body="Same here.")
    copies = [m for m in outbox.list_outbox(desk) if m["kind"] == "github.comment"]
    assert len(copies) == 2
    stub.issue(REPO, 1)
    stub.requests.clear()
    sender = GitHubSender(desk, CONFIG, GitHubClient("t", stub.url))
    assert outbox.deliver_due(desk, {"github": sender}).sent >= 2
    posted = [r.body["body"] for r in stub.requests if r.path == f"/repos/{REPO}/issues/1/comments"]
    # Named as the mirror names them, as of each copy: a second customer is told apart.
    assert [body.split("\n\n<!--")[0] for body in posted] == [
        "**The customer** wrote:\n\nIt still crashes with 3.4.1.",
        "**Customer 2** wrote:\n\nSame here.",
    ]
    assert not any("@" in body.split("<!--")[0] for body in posted)
    # GitHub's echo of the desk's own copy is not taken for a new comment.
    echo = example("issue_comment", "created")
    echo["comment"].update(id=777, body=posted[0])
    assert deliver(client, "issue_comment", echo).json()["outcome"].startswith("echo of the desk")
    assert len(inquiries.get_inquiry(desk, 1)["comments"]) == 3


def test_a_refusal_by_the_desk_is_acknowledged_and_changes_nothing(
    client: TestClient, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    deliver(client, "issues", example("issues", "opened"))

    def refuse(*args: Any, **kwargs: Any) -> None:
        args[3].title = "half-made change"  # the inquiry, changed before the refusal
        raise InvalidTransition("inquiry #1 says no")

    monkeypatch.setattr(github, "_change", refuse)
    response = deliver(client, "issues", closed_example(), delivery="refused")
    assert (response.status_code, response.json()["outcome"]) == (
        200,
        "ignored: inquiry #1 says no",
    )
    data = inquiries.get_inquiry(desk, 1)
    assert (data["state"], data["title"]) == ("new", "Spelling error in the README file")
    with desk.unit_of_work() as uow:
        assert uow.github.delivery("refused") is not None


def test_the_mirrors_own_opening_does_not_open_a_second_inquiry(
    desk: Desk, client: TestClient, stub: GitHubStub
) -> None:
    n = inquiries.open_inquiry(
        desk, title="Engine crash", channel="email", source="visit-users", body="It crashes"
    )
    github.mirror(desk, n, REPO, by="alice", sre_repos=CONFIG.sre_repos)
    with desk.unit_of_work() as uow:
        body = uow.outbox.list()[-1].payload["body"]
    # GitHub's `issues opened` for the mirror arrives before the sender records the link.
    opened = example("issues", "opened")
    opened["issue"].update(number=1, title="Engine crash", body=body)
    assert deliver(client, "issues", opened).json()["outcome"] == f"echo of the desk's mirror:{n}"
    assert [i["number"] for i in inquiries.list_inquiries(desk)] == [n]
    stub.issue(REPO, 1)
    sender = GitHubSender(desk, CONFIG, GitHubClient("t", stub.url))
    assert outbox.deliver_due(desk, {"github": sender}).failed == 0
    with desk.unit_of_work() as uow:
        assert [link.repo for link in uow.github.links_for(n)] == [REPO]


@pytest.mark.parametrize("first", ["transferred", "opened.with-transfer"])
def test_an_issue_transferred_between_sre_repositories_stays_one_inquiry(
    desk: Desk, first: str
) -> None:
    config = GitHubSettings(
        webhook_secret=SECRET, token="t", sre_repos=(REPO, "octo-org/octo-repo")
    )
    with TestClient(create_app(desk, github=config), headers=admin_headers(desk)) as client:
        opened = example("issues", "opened")
        opened["repository"]["full_name"] = "octo-org/octo-repo"
        assert deliver(client, "issues", opened).json()["outcome"] == "opened inquiry #1"
        # GitHub sends both, from the old repository and the new one, in either order.
        then = "opened.with-transfer" if first == "transferred" else "transferred"
        moved = deliver(client, "issues", example("issues", first)).json()["outcome"]
        assert moved == (
            "moved inquiry #1's link from octo-org/octo-repo#1 to Codertocat/Hello-World#1"
        )
        again = deliver(client, "issues", example("issues", then)).json()["outcome"]
        assert again == "echo: thread already linked"
        data = [(i["number"], i["source"]) for i in inquiries.list_inquiries(desk)]
        assert data == [(1, REPO)]
        with desk.unit_of_work() as uow:
            assert [(link.repo, link.number) for link in uow.github.links_for(1)] == [(REPO, 1)]
        comment = deliver(client, "issue_comment", example("issue_comment", "created"))
        assert comment.json()["outcome"] == "comment by Codertocat"


def github_links(desk: Desk, number: int) -> list[tuple[str, int]]:
    with desk.unit_of_work() as uow:
        return [(link.repo, link.number) for link in uow.github.links_for(number)]


def notifications(desk: Desk) -> list[tuple[str, str]]:
    with desk.unit_of_work() as uow:
        return [(n.recipient, n.body) for n in uow.notifications.list()]


def test_an_issue_transferred_out_of_the_sre_repositories_is_unlinked(
    client: TestClient, desk: Desk
) -> None:
    deliver(client, "issues", example("issues", "opened"))
    moved = example("issues", "transferred")
    moved["repository"]["full_name"] = REPO
    moved["changes"]["new_repository"]["full_name"] = "someone/private-repo"
    moved["changes"]["new_issue"].update(
        number=9, html_url="https://github.com/someone/private-repo/issues/9"
    )
    assert deliver(client, "issues", moved).json()["outcome"] == (
        f"unlinked inquiry #1 from {REPO}#1: it was transferred to someone/private-repo#9, "
        "which is not an SRE repository"
    )
    assert github_links(desk, 1) == []
    data = inquiries.get_inquiry(desk, 1)
    assert data["state"] == "new"
    note = data["comments"][-1]
    assert (note["public"], note["author"]) == (False, "system")
    assert note["body"].endswith(
        "Follow up there: https://github.com/someone/private-repo/issues/9."
    )
    [(recipient, body)] = notifications(desk)
    assert recipient == "alice"
    assert "inquiry #1" in body
    assert data["title"] not in body
    # The desk writes nothing more to the issue, wherever it is now.
    before = len(outbox.list_outbox(desk))
    inquiries.reply(desk, 1, "Answer", by="alice")
    inquiries.resolve(desk, 1, ["answered"], by="alice")
    assert len(outbox.list_outbox(desk)) == before


def test_a_deleted_thread_is_unlinked_and_its_assignee_told(
    fast_client: TestClient, fast_desk: Desk
) -> None:
    client, desk = fast_client, fast_desk
    deliver(client, "issues", example("issues", "opened"))
    deleted = deliver(client, "issues", example("issues", "deleted")).json()["outcome"]
    assert deleted == f"unlinked inquiry #1 from {REPO}#1: it was deleted on GitHub"
    assert github_links(desk, 1) == []
    note = inquiries.get_inquiry(desk, 1)["comments"][-1]
    assert (note["public"], note["body"]) == (
        False,
        f"The GitHub issue {REPO}#1 was deleted on GitHub, so the desk no longer follows it "
        "or writes to it. Reach the customer another way.",
    )
    assert [recipient for recipient, _ in notifications(desk)] == ["alice"]
    before = len(outbox.list_outbox(desk))
    inquiries.reply(desk, 1, "Answer", by="alice")
    assert len(outbox.list_outbox(desk)) == before
    again = deliver(client, "issues", example("issues", "deleted")).json()["outcome"]
    assert again == "ignored: thread not linked to an inquiry"
    # A discussion too; who deleted it themselves needs no telling.
    deliver(client, "discussion", example("discussion", "created"))
    team.update_member(desk, "alice", github="Codertocat")
    gone = example("discussion", "created")
    gone["action"] = "deleted"
    outcome = deliver(client, "discussion", gone).json()["outcome"]
    thread = f"{REPO}#{gone['discussion']['number']}"
    assert outcome == f"unlinked inquiry #2 from {thread}: it was deleted on GitHub"
    assert github_links(desk, 2) == []
    assert len(notifications(desk)) == 1


def test_an_edited_issue_body_updates_the_opening_comment(
    fast_client: TestClient, fast_desk: Desk
) -> None:
    client, desk = fast_client, fast_desk
    deliver(client, "issues", example("issues", "opened"))
    deliver(client, "issue_comment", example("issue_comment", "created"))
    edited = example("issues", "edited")
    edited["issue"]["body"] = "UPDATE: also fails on 3.4.1 with this log: ..."
    assert deliver(client, "issues", edited).json()["outcome"] == "body updated"
    bodies = [c["body"] for c in inquiries.get_inquiry(desk, 1)["comments"]]
    assert bodies[0] == "UPDATE: also fails on 3.4.1 with this log: ..."
    assert bodies[1] == example("issue_comment", "created")["comment"]["body"]
    edited["issue"]["title"] = "Fails on 3.4.1 too"
    edited["issue"]["body"] = "Both"
    assert deliver(client, "issues", edited).json()["outcome"] == "title and body updated"
    assert inquiries.get_inquiry(desk, 1)["title"] == "Fails on 3.4.1 too"


def test_an_issue_opened_on_github_gets_the_primary_and_the_sre_label(
    client: TestClient, desk: Desk, stub: GitHubStub
) -> None:
    team.update_member(desk, "alice", github="alice-gh")
    opened = example("issues", "opened")
    assert [label["name"] for label in opened["issue"]["labels"]] == ["bug"]
    deliver(client, "issues", opened)
    assert inquiries.get_inquiry(desk, 1)["labels"] == ["bug"]
    stub.issue(REPO, 1)
    stub.requests.clear()
    stub.violations.clear()
    sender = GitHubSender(desk, CONFIG, GitHubClient("t", stub.url))
    assert outbox.deliver_due(desk, {"github": sender}).sent == 1
    written = [(r.method, r.body) for r in stub.requests]
    # The label people put on the issue stays beside the desk's own, and the Primary is
    # assigned beside whoever was.
    assert written == [
        ("PATCH", {"state": "open", "labels": ["sre", "bug"]}),
        ("POST", {"assignees": ["alice-gh"]}),
    ]
    assert stub.violations == []


def test_the_first_sync_keeps_the_assignees_when_the_primary_has_no_github_login(
    client: TestClient, desk: Desk, stub: GitHubStub
) -> None:
    opened = example("issues", "opened")
    assert [a["login"] for a in opened["issue"]["assignees"]] == ["Codertocat"]
    deliver(client, "issues", opened)
    assert inquiries.get_inquiry(desk, 1)["assignee"] == "alice"  # who has no GitHub login
    stub.issue(REPO, 1)
    stub.requests.clear()
    sender = GitHubSender(desk, CONFIG, GitHubClient("t", stub.url))
    assert outbox.deliver_due(desk, {"github": sender}).sent == 1
    patches = [r.body for r in stub.requests if r.method == "PATCH"]
    assert patches == [{"state": "open", "labels": ["sre", "bug"]}]
    # GitHub showing the desk's labels and someone's assignee needs no further sync.
    labeled = example("issues", "labeled")
    labeled["issue"].update(labels=[{"name": "sre"}, {"name": "bug"}])
    assert deliver(client, "issues", labeled).json()["outcome"] == "labels updated"
    assert pending_syncs(desk) == 0


def pending_syncs(desk: Desk) -> int:
    return sum(m["kind"] == "github.sync" for m in outbox.list_outbox(desk, pending_only=True))


def test_changes_that_come_from_github_are_synced_back(
    client: TestClient, desk: Desk, stub: GitHubStub
) -> None:
    deliver(client, "issues", example("issues", "opened"))
    inquiries.reply(desk, 1, "Which version?", by="alice")
    inquiries.wait_on_customer(desk, 1, by="alice")
    sender = GitHubSender(desk, CONFIG, GitHubClient("t", stub.url))
    stub.issue(REPO, 1)
    outbox.deliver_due(desk, {"github": sender})
    assert pending_syncs(desk) == 0
    answer = example("issue_comment", "created")
    answer["issue"]["labels"] = [{"name": "sre"}, {"name": "waiting-on-customer"}]
    deliver(client, "issue_comment", answer)
    assert inquiries.get_inquiry(desk, 1)["state"] != "waiting"
    assert pending_syncs(desk) == 1
    stub.requests.clear()
    outbox.deliver_due(desk, {"github": sender})
    patched = [r.body["labels"] for r in stub.requests if r.method == "PATCH"]
    assert patched == [["sre", "bug"]]  # off waiting; `bug` came with the issue
    # A customer's comment on an issue the desk closed reopens the inquiry, and the issue.
    inquiries.resolve(desk, 1, ["answered"], by="alice")
    outbox.deliver_due(desk, {"github": sender})
    again = example("issue_comment", "created")
    again["comment"]["id"] += 1
    again["issue"]["labels"] = [{"name": "sre"}]
    deliver(client, "issue_comment", again)
    assert inquiries.get_inquiry(desk, 1)["state"] not in ("resolved", "closed")
    stub.requests.clear()
    outbox.deliver_due(desk, {"github": sender})
    assert [r.body["state"] for r in stub.requests if r.method == "PATCH"] == ["open"]
    # What GitHub already shows needs no sync.
    echo = example("issues", "labeled")
    echo["issue"].update(labels=[{"name": "sre"}, {"name": "bug"}], assignees=[])
    deliver(client, "issues", echo)
    assert pending_syncs(desk) == 0


@pytest.mark.parametrize("postmortem", [False, True])
def test_a_serious_promotion_resolves_once_its_postmortem_is_written(
    desk: Desk, stub: GitHubStub, postmortem: bool
) -> None:
    n = inquiries.open_inquiry(
        desk, title="Engine crash for everyone", channel="email", source="visit-users"
    )
    inquiries.mark_serious(desk, n, True, by="alice")
    if postmortem:
        text = PostmortemDraft("Crash", "A bad release", "2 h", "Opened", "Test releases")
        postmortems.write(desk, n, text, by="alice")
    github.promote(desk, n, "visit-dav/visit", by="alice", product_repos=CONFIG.product_repos)
    sender = GitHubSender(desk, CONFIG, GitHubClient("t", stub.url))
    assert outbox.deliver_due(desk, {"github": sender}).sent == 1
    data = inquiries.get_inquiry(desk, n)
    assert len(data["links"]) == 1
    assert data["state"] == ("resolved" if postmortem else "new")
    assert [r["kinds"] for r in data["resolutions"]] == ([["promoted"]] if postmortem else [])


def test_promote_and_mirror_are_for_members_only(desk: Desk) -> None:
    n = inquiries.open_inquiry(desk, title="Crash", channel="email", source="visit-users")
    with pytest.raises(NotFound, match="mallory"):
        github.promote(desk, n, "visit-dav/visit", by="mallory", product_repos=CONFIG.product_repos)
    with pytest.raises(NotFound, match="mallory"):
        github.update_known(
            desk, n, "visit-dav/visit", 5, by="mallory", product_repos=CONFIG.product_repos
        )
    with pytest.raises(NotFound, match="mallory"):
        github.mirror(desk, n, REPO, by="mallory", sre_repos=CONFIG.sre_repos)
    assert outbox.list_outbox(desk) == []
    assert inquiries.get_inquiry(desk, n)["state"] == "new"


def test_a_mirror_shows_no_customers_address(fast_desk: Desk) -> None:
    desk = fast_desk
    n = inquiries.open_inquiry(
        desk,
        title="Engine crash",
        channel="email",
        source="visit-users",
        customers=["jane.doe@lab.example.org"],
        author="jane.doe@lab.example.org",
        body="It crashes on my data",
    )
    inquiries.reply(desk, n, "Which version?", by="alice")
    inquiries.customer_wrote(desk, n, author="jane.doe@lab.example.org", body="3.4.1")
    github.mirror(desk, n, REPO, by="alice", sre_repos=CONFIG.sre_repos)
    with desk.unit_of_work() as uow:
        body = uow.outbox.list()[-1].payload["body"]
    assert "@" not in body
    assert body.count("**The customer** wrote:") == 2
    assert "**alice** wrote:\n\nWhich version?" in body
    # Two customers are told apart, by number.
    m = inquiries.open_inquiry(
        desk,
        title="Same crash",
        channel="email",
        source="visit-users",
        author="jane.doe@lab.example.org",
        body="It crashes",
    )
    inquiries.customer_wrote(desk, m, author="bob@uni.example.edu", body="Here too")
    github.mirror(desk, m, REPO, by="alice", sre_repos=CONFIG.sre_repos)
    with desk.unit_of_work() as uow:
        body = uow.outbox.list()[-1].payload["body"]
    assert "@" not in body
    assert "**Customer 1** wrote:\n\nIt crashes" in body
    assert "**Customer 2** wrote:\n\nHere too" in body


def test_mirror_goes_only_to_a_configured_sre_repository(desk: Desk) -> None:
    n = inquiries.open_inquiry(desk, title="Crash", channel="email", source="visit-users")
    with pytest.raises(InvalidInput, match="someone/else is not a configured SRE repository"):
        github.mirror(desk, n, "someone/else", by="alice", sre_repos=CONFIG.sre_repos)
    with pytest.raises(InvalidInput, match="SREDESK_GITHUB_SRE_REPOS"):
        github.mirror(desk, n, REPO, by="alice", sre_repos=())
    assert outbox.list_outbox(desk) == []
    github.mirror(desk, n, REPO.lower(), by="alice", sre_repos=CONFIG.sre_repos)
    assert [m["kind"] for m in outbox.list_outbox(desk)] == ["github.mirror"]
    with desk.unit_of_work() as uow:
        assert uow.outbox.list()[0].payload["repo"] == REPO


def test_promotion_goes_only_to_a_configured_product_repository(
    desk: Desk, client: TestClient
) -> None:
    n = inquiries.open_inquiry(desk, title="Crash", channel="email", source="visit-users")
    with pytest.raises(InvalidInput, match=f"{REPO} is not a configured product repository"):
        github.promote(desk, n, REPO, by="alice", product_repos=CONFIG.product_repos)
    with pytest.raises(InvalidInput, match="SREDESK_GITHUB_PRODUCT_REPOS"):
        github.promote(desk, n, "visit-dav/visit", by="alice", product_repos=())
    refused = client.post(f"/api/v1/inquiries/{n}/promote", json={"by": "alice", "repo": REPO})
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        f"{REPO} is not a configured product repository; they are: visit-dav/visit"
    )
    assert outbox.list_outbox(desk) == []
    assert inquiries.get_inquiry(desk, n)["state"] == "new"
    promoted = client.post(
        f"/api/v1/inquiries/{n}/promote", json={"by": "alice", "repo": "Visit-Dav/Visit"}
    )
    assert promoted.status_code == 202
    with desk.unit_of_work() as uow:
        assert uow.outbox.list()[0].payload["repo"] == "visit-dav/visit"


def test_a_promoted_issue_in_an_sre_repository_is_not_a_new_inquiry(desk: Desk) -> None:
    # A repository that is both: GitHub's `issues opened` for the promotion comes back.
    config = GitHubSettings(
        webhook_secret=SECRET, token="t", sre_repos=(REPO,), product_repos=(REPO,)
    )
    n = inquiries.open_inquiry(desk, title="Crash", channel="email", source="visit-users")
    github.promote(desk, n, REPO, by="alice", product_repos=config.product_repos)
    with desk.unit_of_work() as uow:
        body = uow.outbox.list()[-1].payload["body"]
    opened = example("issues", "opened")
    opened["issue"].update(number=500, title="Crash", body=body)
    with TestClient(create_app(desk, github=config), headers=admin_headers(desk)) as client:
        outcome = deliver(client, "issues", opened).json()["outcome"]
    assert outcome == f"echo of the desk's promote:{n}"
    assert [i["number"] for i in inquiries.list_inquiries(desk)] == [n]


def test_what_the_desk_files_on_github_names_no_issue_of_the_repository(desk: Desk) -> None:
    # GitHub links `#N` to issue N of the repository it is written in: not the inquiry.
    n = inquiries.open_inquiry(
        desk, title="Crash", channel="email", source="visit-users", body="It crashes"
    )
    github.promote(desk, n, "visit-dav/visit", by="alice", product_repos=CONFIG.product_repos)
    github.mirror(desk, n, REPO, by="alice", sre_repos=CONFIG.sre_repos)
    github.update_known(
        desk,
        n,
        "visit-dav/visit",
        5,
        by="alice",
        product_repos=CONFIG.product_repos,
        note="Seen on 3.4.1",
    )
    with desk.unit_of_work() as uow:
        bodies = {m.kind: m.payload["body"] for m in uow.outbox.list()}
    assert bodies["github.promote"].startswith(f"Promoted from SRE desk inquiry no. {n} (")
    assert bodies["github.mirror"].startswith(f"Mirrored from SRE desk inquiry no. {n} (")
    assert bodies["github.known"] == f"SRE desk inquiry no. {n} hit this too.\n\nSeen on 3.4.1"
    assert not any(re.search(r"#\d", body) for body in bodies.values())
