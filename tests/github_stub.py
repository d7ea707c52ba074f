"""A GitHub API stand-in on loopback that validates every request against GitHub's OpenAPI.

Requests that do not conform to the published description (path, method, parameters,
body schema) are recorded as violations and answered 422, so a test fails on them. The
answers are checked against the description too, so the adapter is tested on data shaped
as GitHub's own.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from sredesk.services import github
from sredesk.services.desk import Desk

SHARED = Path(__file__).resolve().parents[2] / "shared" / "github"
SPEC = SHARED / "rest-api" / "api.github.com.json"


@cache
def openapi() -> OpenAPI:
    """GitHub's REST description, loaded once per test run (it is 13 MB).

    The description itself is GitHub's reference, not under test: checking it against the
    OpenAPI meta-schema took 12 s per test process, long enough that the first request a
    test sent could time out on a busy machine. Requests and answers are still checked.
    """
    config = Config(spec_validator_cls=None)
    return OpenAPI.from_dict(json.loads(SPEC.read_text()), config=config)


@dataclass
class _Request:
    method: str
    path: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters
    host_url: str = "https://api.github.com"


@dataclass
class _Response:
    data: bytes
    status_code: int
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def _example_issue() -> dict[str, Any]:
    payload = json.loads((SHARED / "webhooks" / "issues" / "opened.payload.json").read_text())
    issue: dict[str, Any] = payload["issue"]
    return issue


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


class GitHubStub:
    def __init__(self) -> None:
        self.reset()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())

    def reset(self) -> None:
        """Forget every request and answer: a test starts with an empty GitHub."""
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.rate_limit_next = 0
        # Answers to give, in order, before any other: (status, body, headers).
        self.refusals: list[tuple[int, dict[str, Any], dict[str, str]]] = []
        self.issues: dict[tuple[str, int], dict[str, Any]] = {}
        self.listing: list[dict[str, Any]] = []
        self._next_comment = 1000
        self.comments: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.created: list[dict[str, Any]] = []
        self.discussion_comments: dict[str, list[str]] = {}

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- answers ---------------------------------------------------------------------------
    def issue(self, repo: str, number: int, **changes: Any) -> dict[str, Any]:
        issue = copy.deepcopy(self.issues.get((repo, number)) or _example_issue())
        owner, name = repo.split("/")
        api = f"https://api.github.com/repos/{repo}/issues/{number}"
        issue.update(
            {
                "number": number,
                "url": api,
                "html_url": f"https://github.com/{repo}/issues/{number}",
                "repository_url": f"https://api.github.com/repos/{owner}/{name}",
                "comments_url": f"{api}/comments",
                "events_url": f"{api}/events",
                "labels_url": f"{api}/labels{{/name}}",
            }
        )
        issue.update(changes)
        self.issues[(repo, number)] = issue
        return issue

    def _answer(
        self, method: str, path: str, body: Any, query: dict[str, list[str]]
    ) -> tuple[int, Any]:
        if path == "/graphql":
            return 200, self._graphql(body)
        match = re.fullmatch(
            r"/repos/([^/]+/[^/]+)/issues(?:/(\d+))?(/comments|/labels/.+|/assignees)?", path
        )
        if match is None:
            return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com"}
        repo, number, tail = match.group(1), match.group(2), match.group(3)
        if method == "GET" and number is None and "since" in query:
            # What was filed lately: every issue this stub created there.
            return 200, [
                i for i in self.created if i["html_url"].split("/issues/")[0].endswith(repo)
            ]
        if method == "GET" and number is None:
            return 200, self.listing
        if method == "POST" and number is None:
            created = self.issue(
                repo, 100 + len(self.issues), title=body["title"], body=body.get("body")
            )
            self.created.append(created)
            return 201, created
        assert number is not None
        if method == "POST" and tail == "/comments":
            self._next_comment += 1
            comment = _comment(repo, int(number), self._next_comment, body["body"])
            self.comments.setdefault((repo, int(number)), []).append(comment)
            return 201, comment
        if method == "GET" and tail == "/comments":
            return 200, self.comments.get((repo, int(number)), [])
        if method == "PATCH" and tail is None:
            changes = {k: v for k, v in body.items() if k in ("state", "title", "body")}
            return 200, self.issue(repo, int(number), **changes)
        if tail == "/assignees" and method in ("POST", "DELETE"):
            issue = self.issue(repo, int(number))
            logins = [a["login"] for a in issue.get("assignees") or []]
            if method == "POST":
                logins += [login for login in body["assignees"] if login not in logins]
            else:
                logins = [login for login in logins if login not in body["assignees"]]
            owner = issue["user"]  # a user object of GitHub's own shape
            people = [{**owner, "login": login} for login in logins]
            changed = self.issue(repo, int(number), assignees=people)
            return (201 if method == "POST" else 200), changed
        if method == "DELETE" and tail and tail.startswith("/labels/"):
            return 200, []
        return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com"}

    def _graphql(self, body: Any) -> dict[str, Any]:
        """The two GraphQL calls the desk makes: comment on a discussion, and list them."""
        node_id = body["variables"]["id"]
        posted = self.discussion_comments.setdefault(node_id, [])
        if "addDiscussionComment" in body["query"]:
            posted.append(body["variables"]["body"])
            return {"data": {"addDiscussionComment": {"comment": {"id": f"DC_{len(posted)}"}}}}
        nodes = [{"body": text} for text in posted[-100:]]
        return {"data": {"node": {"comments": {"nodes": nodes}}}}

    # -- plumbing --------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else None
                parts = urlsplit(self.path)
                body = json.loads(raw) if raw else None
                query = parse_qs(parts.query)
                stub.requests.append(Recorded(self.command, parts.path, query, body))
                if stub.refusals:
                    return self._send(*stub.refusals.pop(0))
                if stub.rate_limit_next:
                    stub.rate_limit_next -= 1
                    return self._send(
                        403,
                        {"message": "API rate limit exceeded"},
                        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "4102444800"},
                    )
                if parts.path != "/graphql":
                    request = _Request(
                        method=self.command.lower(),
                        path=parts.path,
                        body=raw,
                        content_type=(self.headers.get("content-type") or "").lower(),
                        parameters=RequestParameters(
                            query=ImmutableMultiDict(
                                [(k, v) for k, vs in query.items() for v in vs]
                            ),
                            header=Headers(dict(self.headers.items())),
                            cookie={},
                        ),
                    )
                    try:
                        openapi().validate_request(request)
                    except Exception as error:  # every validation error is a violation
                        stub.violations.append(f"{self.command} {parts.path}: {error}")
                        return self._send(422, {"message": f"invalid request: {error}"})
                status, answer = stub._answer(self.command, parts.path, body, query)
                return self._send(status, answer, {}, request if parts.path != "/graphql" else None)

            def _send(
                self,
                status: int,
                answer: Any,
                headers: dict[str, str] | None = None,
                request: _Request | None = None,
            ) -> None:
                data = json.dumps(answer).encode()
                if request is not None and status < 300:
                    try:
                        openapi().validate_response(request, _Response(data, status))
                    except Exception as error:
                        stub.violations.append(f"answer to {request.path}: {error}")
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

        return Handler


def _comment(repo: str, number: int, comment_id: int, body: str) -> dict[str, Any]:
    payload = json.loads(
        (SHARED / "webhooks" / "issue_comment" / "created.payload.json").read_text()
    )
    comment: dict[str, Any] = payload["comment"]
    api = f"https://api.github.com/repos/{repo}/issues"
    comment.update(
        {
            "id": comment_id,
            "body": body,
            "url": f"{api}/comments/{comment_id}",
            "html_url": f"https://github.com/{repo}/issues/{number}#issuecomment-{comment_id}",
            "issue_url": f"{api}/{number}",
        }
    )
    return comment


def running_stub() -> Iterator[GitHubStub]:
    stub = GitHubStub()
    stub.start()
    try:
        yield stub
    finally:
        stub.stop()


def wired(desk: Desk) -> Desk:
    """`desk`, with GitHub's publisher and observer, as the app's desk has them."""
    desk.publishers.append(github.publisher)
    desk.observers.append(github.observer)
    return desk
