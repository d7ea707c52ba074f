"""The GitHub adapter against a loopback stub that checks GitHub's published description."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from sredesk.adapters.github.client import GitHubClient, RateLimited, TokenRefused
from sredesk.services.outbox import PermanentDeliveryError
from tests.github_stub import GitHubStub, running_stub


@pytest.fixture(scope="module")
def stub() -> Iterator[GitHubStub]:
    yield from running_stub()


@pytest.fixture
def client(stub: GitHubStub) -> GitHubClient:
    stub.requests.clear()
    stub.violations.clear()
    return GitHubClient("test-token", api_url=stub.url)


def test_every_write_conforms_to_githubs_description(
    stub: GitHubStub, client: GitHubClient
) -> None:
    repo = "visit-dav/visit-help"
    stub.issue(repo, 7)
    assert client.comment(repo, 7, "Thanks, try 3.4.1") > 1000
    since = datetime(2026, 1, 1, tzinfo=UTC)
    assert client.comments_since(repo, 7, since)[-1] == "Thanks, try 3.4.1"
    client.update_issue(repo, 7, {"state": "closed"})
    client.update_issue(repo, 7, {"assignees": ["alice-visit"], "labels": ["sre", "serious"]})
    client.remove_label(repo, 7, "reviewed")
    client.add_assignees(repo, 7, ["alice-visit"])
    client.remove_assignees(repo, 7, ["alice-visit"])
    created = client.create_issue("visit-dav/visit", "Engine launch fails", "Body", ["bug"])
    assert created.url.startswith("https://github.com/visit-dav/visit/issues/")
    filed = client.issues_since("visit-dav/visit", since)
    assert created.number in [i["number"] for i in filed]
    client.discussion_comment("D_kwDOABC", "An answer")
    assert client.discussion_comments("D_kwDOABC")[-1] == "An answer"
    assert stub.violations == []
    assert [(r.method, r.path) for r in stub.requests] == [
        ("POST", f"/repos/{repo}/issues/7/comments"),
        ("GET", f"/repos/{repo}/issues/7/comments"),
        ("PATCH", f"/repos/{repo}/issues/7"),
        ("PATCH", f"/repos/{repo}/issues/7"),
        ("DELETE", f"/repos/{repo}/issues/7/labels/reviewed"),
        ("POST", f"/repos/{repo}/issues/7/assignees"),
        ("DELETE", f"/repos/{repo}/issues/7/assignees"),
        ("POST", "/repos/visit-dav/visit/issues"),
        ("GET", "/repos/visit-dav/visit/issues"),
        ("POST", "/graphql"),
        ("POST", "/graphql"),
    ]
    assert stub.requests[0].body == {"body": "Thanks, try 3.4.1"}
    assert stub.requests[1].query["since"] == ["2026-01-01T00:00:00Z"]


def test_listing_skips_pull_requests(stub: GitHubStub, client: GitHubClient) -> None:
    issue = stub.issue("visit-dav/visit", 11, title="Typo in docs")
    pr = "https://api.github.com/repos/visit-dav/visit/pulls/12"
    pull = dict(
        stub.issue("visit-dav/visit", 12),
        pull_request={
            "url": pr,
            "html_url": "https://github.com/visit-dav/visit/pull/12",
            "diff_url": f"{pr}.diff",
            "patch_url": f"{pr}.patch",
            "merged_at": None,
        },
    )
    stub.listing = [issue, pull]
    found = client.open_issues("visit-dav/visit", "low-hanging fruit")
    assert [i["number"] for i in found] == [11]
    assert stub.requests[-1].query["labels"] == ["low-hanging fruit"]
    assert stub.violations == []


def test_a_rate_limit_says_when_to_retry(stub: GitHubStub, client: GitHubClient) -> None:
    stub.rate_limit_next = 1
    with pytest.raises(RateLimited) as caught:
        client.comment("visit-dav/visit-help", 7, "hello")
    assert caught.value.retry_at == datetime(2100, 1, 1, tzinfo=UTC)


def test_a_nonconforming_request_is_caught(stub: GitHubStub, client: GitHubClient) -> None:
    # An issue number that is not an integer breaks the path's schema.
    with pytest.raises(PermanentDeliveryError):
        client._call(
            "bad",
            client._gh.rest.issues.create_comment,
            "o",
            "r",
            "abc",  # type: ignore[arg-type]
            data={"body": "x"},
        )
    assert stub.violations, "the stub must flag a request GitHub's description rejects"


SECONDARY = {
    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before "
    "you try again.",
    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
}


def _waits(client: GitHubClient) -> timedelta:
    before = datetime.now(UTC)
    with pytest.raises(RateLimited) as caught:
        client.comment("visit-dav/visit-help", 7, "hello")
    assert caught.value.retry_at is not None
    return caught.value.retry_at - before


def test_a_secondary_rate_limit_without_headers_waits_longer_each_time(
    stub: GitHubStub, client: GitHubClient
) -> None:
    # GitHub's advice: at least a minute when no header says how long, and growing waits
    # while it keeps coming; 403 and 429 both carry it.
    stub.issue("visit-dav/visit-help", 7)
    stub.refusals = [(403, SECONDARY, {}), (429, SECONDARY, {}), (403, SECONDARY, {})]
    waits = [_waits(client) for _ in range(3)]
    assert [round(w.total_seconds() / 60) for w in waits] == [1, 2, 4]
    assert client.comment("visit-dav/visit-help", 7, "hello") > 1000
    stub.refusals = [(429, {"message": "Too Many Requests"}, {})]
    assert round(_waits(client).total_seconds() / 60) == 1  # a success starts over
    stub.refusals = [(403, SECONDARY, {"retry-after": "300"})]
    assert round(_waits(client).total_seconds() / 60) == 5  # GitHub's own time wins


def test_a_403_that_is_no_rate_limit_is_refused(stub: GitHubStub, client: GitHubClient) -> None:
    stub.refusals = [(403, {"message": "Resource not accessible by integration"}, {})]
    with pytest.raises(PermanentDeliveryError, match=r"\(403: "):
        client.comment("visit-dav/visit-help", 7, "hello")


def test_a_refusal_says_why_in_githubs_words_on_one_line(
    stub: GitHubStub, client: GitHubClient
) -> None:
    """An operator reading the outbox sees what to fix (the token's access, a field)."""
    why = "Resource not accessible by integration\n\nmore detail"
    stub.refusals = [(403, {"message": why}, {})]
    with pytest.raises(PermanentDeliveryError) as caught:
        client.comment("visit-dav/visit-help", 7, "hello")
    assert str(caught.value) == (
        "comment: GitHub refused it (403: Resource not accessible by integration)"
    )
    # A label already gone is what removing it wanted, whatever GitHub says about it.
    stub.refusals = [(404, {"message": "Label does not exist"}, {})]
    client.remove_label("visit-dav/visit-help", 7, "reviewed")


def test_a_refused_token_pauses_instead_of_failing_the_message(
    stub: GitHubStub, client: GitHubClient
) -> None:
    # A missing or revoked token is the operator's to fix, not the message's: the channel
    # waits, and no message is given up for it.
    stub.refusals = [(401, {"message": "Bad credentials"}, {})]
    before = datetime.now(UTC)
    with pytest.raises(TokenRefused, match="check SREDESK_GITHUB_TOKEN") as caught:
        client.create_issue("visit-dav/visit", "Engine launch fails", "Body", [])
    assert not isinstance(caught.value, PermanentDeliveryError)
    assert caught.value.retry_at is not None
    assert caught.value.retry_at - before >= timedelta(minutes=5)
