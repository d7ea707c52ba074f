"""GitHub deliveries read into desk events, on GitHub's own published examples."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sredesk.core.errors import InvalidInput
from sredesk.core.github import (
    HANDLED,
    desk_reference,
    estimate_hours,
    filed_from,
    mark,
    marker_of,
    parse_event,
    parse_known_issue,
    parse_repo,
    signature_valid,
)

WEBHOOKS = Path(__file__).resolve().parents[3] / "shared" / "github" / "webhooks"
EXAMPLES = sorted(p for event in HANDLED for p in (WEBHOOKS / event).glob("*.payload.json"))


def test_the_shared_examples_are_there() -> None:
    assert len(EXAMPLES) > 40, f"expected GitHub's examples under {WEBHOOKS}"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_example_parses_or_is_knowingly_ignored(path: Path) -> None:
    event = path.parent.name
    payload = json.loads(path.read_text())
    parsed = parse_event(event, payload)
    if payload["action"] not in HANDLED[event]:
        assert parsed is None
        return
    assert parsed is not None
    assert parsed.thread.repo == payload["repository"]["full_name"]
    kind = "discussion" if event.startswith("discussion") else "issue"
    assert parsed.thread.number == payload[kind]["number"]
    assert parsed.author
    if event.endswith("_comment"):
        assert parsed.comment_id == payload["comment"]["id"]
        assert parsed.body == (payload["comment"]["body"] or "")
    assert parsed.echo_of is None  # none of GitHub's examples was written by the desk


def test_unknown_events_and_broken_payloads_are_ignored() -> None:
    assert parse_event("push", {"action": "opened"}) is None
    assert parse_event("issues", {"action": "opened"}) is None
    assert (
        parse_event(
            "issues", {"action": "opened", "repository": {"full_name": "a/b"}, "issue": "nope"}
        )
        is None
    )


def test_a_malformed_delivery_is_ignored() -> None:
    repository = {"full_name": "a/b"}
    assert (
        parse_event(
            "issues", {"action": "opened", "repository": repository, "issue": {"number": "abc"}}
        )
        is None
    )
    comment = {"id": None, "body": "x"}
    assert (
        parse_event(
            "issue_comment",
            {
                "action": "created",
                "repository": repository,
                "issue": {"number": 1},
                "comment": comment,
            },
        )
        is None
    )
    # A comment event without its comment is not the issue's body said again.
    assert (
        parse_event(
            "issue_comment", {"action": "created", "repository": repository, "issue": {"number": 1}}
        )
        is None
    )
    assert parse_event("issues", {"action": "opened", "repository": "a/b", "issue": {}}) is None


# Where parse_event reads a delivery: a value of any type there is ignored, never an error.
READ = [
    ("repository",),
    ("repository", "full_name"),
    ("issue",),
    ("issue", "number"),
    ("issue", "labels"),
    ("issue", "labels", 0),
    ("issue", "assignees"),
    ("issue", "assignees", 0),
    ("issue", "user"),
    ("discussion",),
    ("discussion", "number"),
    ("comment",),
    ("comment", "id"),
    ("comment", "body"),
    ("comment", "user"),
    ("answer",),
    ("answer", "id"),
    ("changes",),
    ("changes", "new_issue"),
    ("changes", "new_issue", "number"),
    ("changes", "new_repository"),
    ("changes", "old_issue", "number"),
]
PAYLOADS = {path: json.loads(path.read_text()) for path in EXAMPLES}
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


def _present(payload: Any, where: tuple[str | int, ...]) -> bool:
    for key in where:
        in_dict = isinstance(payload, dict) and key in payload
        in_list = isinstance(payload, list) and isinstance(key, int) and key < len(payload)
        if not (in_dict or in_list):
            return False
        payload = payload[key]
    return True


@given(st.sampled_from(EXAMPLES), st.sampled_from(READ), JSON_VALUES)
def test_a_value_of_the_wrong_type_is_never_an_error(
    path: Path, where: tuple[str | int, ...], value: Any
) -> None:
    payload = copy.deepcopy(PAYLOADS[path])
    assume(_present(payload, where))
    target = payload
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    parsed = parse_event(path.parent.name, payload)
    if parsed is not None:
        assert isinstance(parsed.thread.number, int)
        assert parsed.comment_id is None or isinstance(parsed.comment_id, int)


def test_signatures_are_checked_exactly() -> None:
    body = b'{"action":"opened"}'
    good = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert signature_valid(b"s3cret", body, good)
    assert not signature_valid(b"s3cret", body + b" ", good)
    assert not signature_valid(b"other", body, good)
    assert not signature_valid(b"s3cret", body, None)
    assert not signature_valid(b"s3cret", body, good.replace("sha256=", "sha1="))
    assert not signature_valid(b"", body, good)
    # A header past ASCII is no signature: compare_digest would raise on it.
    assert not signature_valid(b"s3cret", body, "sha256=" + "é" * 64)


@given(st.text(max_size=200), st.from_regex(r"[a-z]+:[0-9]{1,6}", fullmatch=True))
def test_a_marked_body_is_recognised(body: str, key: str) -> None:
    assert marker_of(mark(body, key)) == key


def test_an_issue_the_desk_filed_says_for_which_inquiry() -> None:
    assert filed_from(mark("Mirrored from …", "mirror:3")) == ("mirror", 3)
    assert filed_from(mark("Promoted from …", "promote:12")) == ("promote", 12)
    assert filed_from(mark("A reply", "comment:5")) is None
    assert filed_from("Written by a person") is None


def test_the_desk_names_an_inquiry_so_that_github_links_no_issue() -> None:
    assert desk_reference(7) == "SRE desk inquiry no. 7"
    assert desk_reference(7, "https://desk.example.org/inquiries/7") == (
        "[SRE desk inquiry no. 7](https://desk.example.org/inquiries/7)"
    )


def test_repositories_and_known_issues() -> None:
    assert parse_repo(" visit-dav/visit ") == "visit-dav/visit"
    assert parse_known_issue("visit-dav/visit#19876") == ("visit-dav/visit", 19876)
    for bad in ("visit", "a/b/c", "", "a b/c"):
        with pytest.raises(InvalidInput, match="owner/name"):
            parse_repo(bad)
    with pytest.raises(InvalidInput, match="owner/name#123"):
        parse_known_issue("visit-dav/visit")


@pytest.mark.parametrize(
    ("labels", "body", "hours"),
    [
        (["2h"], "", 2.0),
        (["estimate: 1d"], "", 8.0),
        (["bug"], "Estimate: 90m", 1.5),
        (["bug"], "effort ~ 3 hours", 3.0),
        (["bug"], "no idea", None),
        ([], "~2h", 2.0),
    ],
)
def test_estimates_from_labels_or_body(labels: list[str], body: str, hours: float | None) -> None:
    assert estimate_hours(labels, body) == hours


def test_settings_read_the_environment_and_hide_secrets() -> None:
    from sredesk.adapters.github.settings import GitHubSettings

    config = GitHubSettings.from_env(
        {
            "SREDESK_GITHUB_WEBHOOK_SECRET": "hook-secret-value",
            "SREDESK_GITHUB_TOKEN": "ghp_x1",
            "SREDESK_GITHUB_SRE_REPOS": "visit-dav/visit-help, visit-dav/visit-sre",
            "SREDESK_GITHUB_PRODUCT_REPOS": "visit-dav/visit",
            "SREDESK_PUBLIC_URL": "https://desk.example.org/",
        }
    )
    assert config.sre_repos == ("visit-dav/visit-help", "visit-dav/visit-sre")
    assert config.api_url == "https://api.github.com"
    assert config.inquiry_url(7) == "https://desk.example.org/inquiries/7"
    assert GitHubSettings().inquiry_url(7) is None
    assert "hook-secret-value" not in repr(config)
    assert "ghp_x1" not in repr(config)
    with pytest.raises(InvalidInput, match="SREDESK_GITHUB_SRE_REPOS"):
        GitHubSettings.from_env({"SREDESK_GITHUB_SRE_REPOS": "not-a-repo"})
    with pytest.raises(InvalidInput, match="SREDESK_GITHUB_API_URL"):
        GitHubSettings.from_env({"SREDESK_GITHUB_API_URL": "ftp://x"})
    # Promoted issues link back through it: without a scheme GitHub shows it as plain text.
    for address in ("desk.example.org", "ftp://desk.example.org", "https://"):
        with pytest.raises(InvalidInput, match="SREDESK_PUBLIC_URL"):
            GitHubSettings.from_env({"SREDESK_PUBLIC_URL": address})
