"""The GitHub commands as a user runs them, against the loopback GitHub stub."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.e2e.test_cli import run
from tests.github_stub import GitHubStub, openapi, running_stub


@pytest.fixture(scope="module")
def stub() -> Iterator[GitHubStub]:
    # The stub reads GitHub's 13 MB description on its first request, which can take longer
    # than the CLI's 30-second timeout on a busy machine: read it before any command runs.
    openapi()
    yield from running_stub()


@pytest.fixture
def env(stub: GitHubStub) -> dict[str, str]:
    stub.violations.clear()
    stub.refusals.clear()
    return {
        "SREDESK_GITHUB_API_URL": stub.url,
        "SREDESK_GITHUB_TOKEN": "t",
        "SREDESK_GITHUB_PRODUCT_REPOS": "visit-dav/visit",
    }


@pytest.fixture
def demo(migrated_sqlite_url: str, env: dict[str, str]) -> str:
    assert run(migrated_sqlite_url, "init", env=env).returncode == 0
    return migrated_sqlite_url


def test_promote_files_a_product_issue_and_resolves(
    demo: str, env: dict[str, str], stub: GitHubStub
) -> None:
    result = run(
        demo, "inquiry", "promote", "1", "--repo", "visit-dav/visit", "--as", "alice", env=env
    )
    assert result.returncode == 0, result.stderr
    assert "product issue filed" in result.stdout
    shown = json.loads(run(demo, "inquiry", "show", "1", "--json", env=env).stdout)
    assert shown["state"] == "resolved"
    assert shown["resolutions"][-1]["kinds"] == ["promoted"]
    assert shown["links"][0]["url"].startswith("https://github.com/visit-dav/visit/issues/")
    assert stub.violations == []


def test_without_a_token_the_shell_queues_and_sends_nothing(
    demo: str, env: dict[str, str], stub: GitHubStub
) -> None:
    # GitHub refuses every write without a token: trying would only fail the queue.
    offline = {**env, "SREDESK_GITHUB_TOKEN": ""}
    stub.requests.clear()
    for number in ("1", "2"):
        result = run(
            demo, "inquiry", "promote", number, "--repo", "visit-dav/visit", "--as", "alice",
            env=offline,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert f"#{number}: product issue queued; set SREDESK_GITHUB_TOKEN" in result.stdout
    assert stub.requests == []
    refused = run(demo, "github", "send", env=offline)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "error: SREDESK_GITHUB_TOKEN is not set; GitHub takes no writes without it"
    )
    assert stub.requests == []
    assert "sent 2, retrying 0, failed 0" in run(demo, "github", "send", env=env).stdout
    assert stub.violations == []


def test_a_refused_token_leaves_the_promotion_queued(
    demo: str, env: dict[str, str], stub: GitHubStub
) -> None:
    stub.refusals = [(401, {"message": "Bad credentials"}, {})]
    result = run(
        demo, "inquiry", "promote", "1", "--repo", "visit-dav/visit", "--as", "alice", env=env
    )
    assert result.returncode == 0, result.stderr
    assert (
        "#1: product issue queued (create issue: GitHub refused the token (401); check "
        "SREDESK_GITHUB_TOKEN); 'sredesk github send' retries it"
    ) in result.stdout
    # Paused, not given up: nothing is due for a few minutes, and nothing failed.
    assert "sent 0, retrying 0, failed 0" in run(demo, "github", "send", env=env).stdout


def test_promote_says_when_github_refused_the_issue(
    demo: str, env: dict[str, str], stub: GitHubStub
) -> None:
    stub.refusals = [(422, {"message": "Validation Failed"}, {})]
    result = run(
        demo, "inquiry", "promote", "1", "--repo", "visit-dav/visit", "--as", "alice", env=env
    )
    assert result.returncode == 1, result.stdout
    assert "filed" not in result.stdout + result.stderr
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(  # after the worker's log line
            "error: #1: GitHub refused the product issue "
            "(create issue: GitHub refused it (422: Validation Failed))"
        )
    )


def test_known_issue_update(demo: str, env: dict[str, str], stub: GitHubStub) -> None:
    stub.issue("visit-dav/visit", 5)
    result = run(
        demo,
        "inquiry",
        "promote",
        "2",
        "--known",
        "visit-dav/visit#5",
        "--note",
        "Seen again",
        "--as",
        "alice",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    # Delivered at once, as a promotion is: the shell says so only once GitHub took it.
    assert result.stdout.splitlines() == [
        "#2 resolved as a known issue",
        "#2: visit-dav/visit#5 updated and flagged for review",
    ]
    assert "sent 0" in run(demo, "github", "send", env=env).stdout
    assert [r.path for r in stub.requests[-2:]] == [
        "/repos/visit-dav/visit/issues/5/labels/reviewed",
        "/repos/visit-dav/visit/issues/5/comments",
    ]
    assert stub.violations == []


def test_low_hanging_fruit_from_the_shell(demo: str, env: dict[str, str], stub: GitHubStub) -> None:
    stub.listing = [stub.issue("visit-dav/visit", 31, title="Fix a typo", body="~1h")]
    assert "added 1" in run(demo, "lhf", "sync", env=env).stdout
    listed = json.loads(run(demo, "lhf", "list", "--json", env=env).stdout)
    assert [(f["number"], f["estimate_hours"]) for f in listed] == [(31, 1.0)]
    done = run(demo, "lhf", "done", str(listed[0]["id"]), "--minutes", "45", "--as", "bob", env=env)
    assert done.returncode == 0, done.stderr
    effort = json.loads(run(demo, "effort", "list", "--member", "bob", "--json", env=env).stdout)
    assert effort[-1]["minutes"] == 45


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("inquiry", "promote", "1", "--as", "alice"), "exactly one of --repo"),
        (("inquiry", "promote", "1", "--repo", "nope", "--as", "alice"), "owner/name"),
        (("inquiry", "promote", "1", "--known", "a/b", "--as", "alice"), "owner/name#123"),
        (("inquiry", "promote", "1", "--repo", "a/b", "--as", "alice"), "a/b is not a configured"),
        (
            ("inquiry", "promote", "1", "--known", "a/b#5", "--as", "alice"),
            "a/b is not a configured",
        ),
        (("inquiry", "promote", "6", "--repo", "visit-dav/visit", "--as", "alice"), "classified"),
    ],
)
def test_bad_promotions_are_one_line(
    demo: str, env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    result = run(demo, *args, env=env)
    assert result.returncode == 2, result.stdout
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_mirror_says_whether_it_was_sent_or_only_queued(
    demo: str, env: dict[str, str], stub: GitHubStub
) -> None:
    sre = {**env, "SREDESK_GITHUB_SRE_REPOS": "visit-dav/sre"}
    offline = {**sre, "SREDESK_GITHUB_API_URL": "http://127.0.0.1:9"}
    queued = run(
        demo, "inquiry", "mirror", "1", "--repo", "visit-dav/sre", "--as", "alice", env=offline
    )
    assert queued.returncode == 0, queued.stderr
    assert "queued" in queued.stdout
    assert "mirrored" not in queued.stdout
    sent = run(demo, "inquiry", "mirror", "2", "--repo", "visit-dav/sre", "--as", "alice", env=sre)
    assert sent.returncode == 0, sent.stderr
    assert "#2 mirrored to visit-dav/sre" in sent.stdout
    refused = run(demo, "inquiry", "mirror", "3", "--repo", "a/b", "--as", "alice", env=sre)
    assert refused.returncode == 2, refused.stdout
    assert "a/b is not a configured SRE repository; they are: visit-dav/sre" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def _syncs_recorded(url: str) -> int:
    import sqlite3

    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        query = "SELECT count(*) FROM audit_events WHERE action = 'backlog.synced'"
        return int(conn.execute(query).fetchone()[0])


def test_a_backlog_sync_that_cannot_run_is_one_line(demo: str, env: dict[str, str]) -> None:
    # Without product repositories there is nothing to fetch: saying "added 0" would read
    # as an empty backlog.
    unconfigured = run(demo, "lhf", "sync", env={**env, "SREDESK_GITHUB_PRODUCT_REPOS": ""})
    assert unconfigured.returncode == 2, unconfigured.stdout
    assert unconfigured.stderr.startswith("error: "), unconfigured.stderr
    assert "SREDESK_GITHUB_PRODUCT_REPOS" in unconfigured.stderr
    assert unconfigured.stderr.count("\n") == 1, unconfigured.stderr
    unreachable = run(
        demo, "lhf", "sync", env={**env, "SREDESK_GITHUB_API_URL": "http://127.0.0.1:9"}
    )
    assert unreachable.returncode == 1, unreachable.stdout
    assert unreachable.stderr.startswith("error: "), unreachable.stderr
    assert "SREDESK_GITHUB_API_URL" in unreachable.stderr
    assert unreachable.stderr.count("\n") == 1, unreachable.stderr
    assert _syncs_recorded(demo) == 0
