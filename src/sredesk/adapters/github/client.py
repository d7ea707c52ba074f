"""Write to GitHub through githubkit, turning rate limits and failures into outbox retries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx
from githubkit import GitHub
from githubkit.exception import GitHubException, RequestFailed

from sredesk.services.outbox import DeliveryError, PermanentDeliveryError

# GitHub's advice for a secondary rate limit that names no time: wait a minute, and longer
# each time it comes back.
SECONDARY_WAIT = timedelta(minutes=1)
SECONDARY_MAX_WAIT = timedelta(hours=1)
# How long the channel waits after GitHub refused the token (401) before it tries again: the
# token is the operator's to fix, so every message waits for it, none is given up.
TOKEN_PAUSE = timedelta(minutes=5)


class RateLimited(DeliveryError):
    """GitHub asked the desk to wait; `retry_at` says until when."""

    def __init__(self, message: str, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at: datetime | None = retry_at


class TokenRefused(DeliveryError):
    """GitHub refused the desk's token (401). No message is at fault: the channel waits."""

    def __init__(self, message: str, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at: datetime | None = retry_at


class Refused(PermanentDeliveryError):
    """GitHub refused the request for good; `status` says how."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class CreatedIssue:
    number: int
    url: str


class GitHubPort(Protocol):
    """The writes and reads the bridge needs; the real one talks to GitHub."""

    def comment(self, repo: str, number: int, body: str) -> int: ...
    def comments_since(self, repo: str, number: int, since: datetime) -> list[str]: ...
    def discussion_comment(self, node_id: str, body: str) -> None: ...
    def discussion_comments(self, node_id: str) -> list[str]: ...
    def update_issue(self, repo: str, number: int, fields: dict[str, Any]) -> None: ...
    def remove_label(self, repo: str, number: int, label: str) -> None: ...
    def add_assignees(self, repo: str, number: int, logins: list[str]) -> None: ...
    def remove_assignees(self, repo: str, number: int, logins: list[str]) -> None: ...
    def create_issue(self, repo: str, title: str, body: str, labels: list[str]) -> CreatedIssue: ...
    def open_issues(self, repo: str, label: str) -> list[dict[str, Any]]: ...
    def issues_since(self, repo: str, since: datetime) -> list[dict[str, Any]]: ...


def _split(repo: str) -> tuple[str, str]:
    owner, name = repo.split("/", 1)
    return owner, name


def _iso(instant: datetime) -> str:
    """An instant as GitHub's `since` takes it; githubkit would send Python's str() of it."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _reason(response: httpx.Response) -> str:
    """GitHub's own one-line reason for a refusal (its `message`), for whoever reads the
    outbox; empty when the answer gives none."""
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        return ""
    lines = str(message or "").strip().splitlines()
    return lines[0][:200] if lines else ""


def _secondary(response: httpx.Response) -> bool:
    """A secondary rate limit: a 429, or a 403 that says so (GitHub sends it on either)."""
    if response.status_code == 429:
        return True
    text = response.text.lower()
    return "secondary rate limit" in text or "abuse detection" in text


def _retry_at(response: httpx.Response, now: datetime, strikes: int = 0) -> datetime | None:
    """When GitHub allows the next request, or None when the refusal is no rate limit.

    As GitHub's documentation says: Retry-After first, then the primary limit's reset time,
    then, for a secondary limit that names no time, a minute, doubled for each of `strikes`
    limits met in a row before this one.
    """
    after = response.headers.get("retry-after")
    if after and after.isdigit():
        return now + timedelta(seconds=int(after))
    if response.headers.get("x-ratelimit-remaining") == "0":
        reset = response.headers.get("x-ratelimit-reset", "")
        if reset.isdigit():
            return datetime.fromtimestamp(int(reset), UTC)
        return now + timedelta(minutes=1)
    if _secondary(response):
        return now + min(SECONDARY_WAIT * (1 << min(strikes, 10)), SECONDARY_MAX_WAIT)
    return None


class GitHubClient:
    """The real port, on githubkit. Its own retries are off: the outbox owns retrying."""

    def __init__(
        self,
        token: str,
        api_url: str = "https://api.github.com",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._gh = GitHub(
            token or None,
            base_url=api_url.rstrip("/") + "/",
            auto_retry=False,
            http_cache=False,
            transport=transport,
            timeout=30.0,
        )
        self._strikes = 0  # rate limits met in a row, for the growing wait

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            result = fn(*args, **kwargs)
        except RequestFailed as error:
            response = error.response.raw_response
            status = response.status_code
            now = datetime.now(UTC)
            if status == 401:
                raise TokenRefused(
                    f"{what}: GitHub refused the token (401); check SREDESK_GITHUB_TOKEN",
                    now + TOKEN_PAUSE,
                ) from None
            retry_at = _retry_at(response, now, self._strikes)
            if status in (403, 429) and retry_at is not None:
                self._strikes += 1
                raise RateLimited(f"{what}: rate limited ({status})", retry_at) from None
            if status >= 500:
                raise DeliveryError(f"{what}: GitHub answered {status}") from None
            reason = _reason(response)
            raise Refused(
                f"{what}: GitHub refused it ({status}{': ' if reason else ''}{reason})", status
            ) from None
        except (GitHubException, httpx.HTTPError) as error:
            raise DeliveryError(f"{what}: {type(error).__name__}: {error}") from None
        self._strikes = 0
        return result

    def comment(self, repo: str, number: int, body: str) -> int:
        owner, name = _split(repo)
        response = self._call(
            "comment", self._gh.rest.issues.create_comment, owner, name, number, data={"body": body}
        )
        return int(response.parsed_data.id)

    def comments_since(self, repo: str, number: int, since: datetime) -> list[str]:
        """The bodies of the issue's comments written or edited since `since`."""
        owner, name = _split(repo)
        bodies: list[str] = []
        for page in range(1, 11):  # a retry looks back minutes, not over a whole thread
            response = self._call(
                "list comments",
                self._gh.rest.issues.list_comments,
                owner,
                name,
                number,
                since=_iso(since),
                per_page=100,
                page=page,
            )
            batch = response.json()
            bodies.extend(str(c.get("body") or "") for c in batch if isinstance(c, dict))
            if len(batch) < 100:
                break
        return bodies

    def discussion_comment(self, node_id: str, body: str) -> None:
        query = (
            "mutation($id: ID!, $body: String!) "
            "{ addDiscussionComment(input: {discussionId: $id, body: $body}) "
            "{ comment { id } } }"
        )
        self._call(
            "discussion comment", self._gh.graphql, query, variables={"id": node_id, "body": body}
        )

    def discussion_comments(self, node_id: str) -> list[str]:
        """The bodies of the discussion's newest hundred comments."""
        query = (
            "query($id: ID!) { node(id: $id) "
            "{ ... on Discussion { comments(last: 100) { nodes { body } } } } }"
        )
        data = self._call(
            "list discussion comments", self._gh.graphql, query, variables={"id": node_id}
        )
        node = data.get("node") if isinstance(data, dict) else None
        comments = node.get("comments") if isinstance(node, dict) else None
        nodes = comments.get("nodes") if isinstance(comments, dict) else None
        return [str(n.get("body") or "") for n in nodes or [] if isinstance(n, dict)]

    def update_issue(self, repo: str, number: int, fields: dict[str, Any]) -> None:
        owner, name = _split(repo)
        self._call("update issue", self._gh.rest.issues.update, owner, name, number, data=fields)

    def add_assignees(self, repo: str, number: int, logins: list[str]) -> None:
        """Assign `logins` beside the issue's other assignees."""
        owner, name = _split(repo)
        self._call(
            "add assignees",
            self._gh.rest.issues.add_assignees,
            owner,
            name,
            number,
            data={"assignees": logins},
        )

    def remove_assignees(self, repo: str, number: int, logins: list[str]) -> None:
        """Take `logins` off the issue, leaving its other assignees; one not there is fine."""
        owner, name = _split(repo)
        self._call(
            "remove assignees",
            self._gh.rest.issues.remove_assignees,
            owner,
            name,
            number,
            data={"assignees": logins},
        )

    def remove_label(self, repo: str, number: int, label: str) -> None:
        owner, name = _split(repo)
        try:
            self._call(
                "remove label", self._gh.rest.issues.remove_label, owner, name, number, label
            )
        except Refused as error:
            if error.status != 404:  # already absent: the goal is met
                raise

    def create_issue(self, repo: str, title: str, body: str, labels: list[str]) -> CreatedIssue:
        owner, name = _split(repo)
        response = self._call(
            "create issue",
            self._gh.rest.issues.create,
            owner,
            name,
            data={"title": title, "body": body, "labels": labels},
        )
        return CreatedIssue(
            number=int(response.parsed_data.number), url=str(response.parsed_data.html_url)
        )

    def issues_since(self, repo: str, since: datetime) -> list[dict[str, Any]]:
        """The repository's issues, open or closed, changed since `since`, newest first."""
        owner, name = _split(repo)
        found: list[dict[str, Any]] = []
        for page in range(1, 11):  # a retry looks back minutes, not over the repository
            response = self._call(
                "list issues",
                self._gh.rest.issues.list_for_repo,
                owner,
                name,
                state="all",
                since=_iso(since),
                sort="created",
                direction="desc",
                per_page=100,
                page=page,
            )
            batch = response.json()
            found.extend(i for i in batch if isinstance(i, dict) and "pull_request" not in i)
            if len(batch) < 100:
                break
        return found

    def open_issues(self, repo: str, label: str) -> list[dict[str, Any]]:
        owner, name = _split(repo)
        found: list[dict[str, Any]] = []
        for page in range(1, 11):  # at most 1,000 issues: a backlog, not an archive
            response = self._call(
                "list issues",
                self._gh.rest.issues.list_for_repo,
                owner,
                name,
                state="open",
                labels=label,
                per_page=100,
                page=page,
            )
            batch = response.json()
            found.extend(i for i in batch if "pull_request" not in i)
            if len(batch) < 100:
                break
        return found
