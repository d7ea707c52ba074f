"""Read GitHub webhook deliveries into desk events, and recognise the desk's own writes."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sredesk.core.errors import InvalidInput

# Every comment the desk writes on GitHub ends with this marker, so the webhook that echoes
# it back is recognised even when it arrives before the desk has recorded the write.
_MARKER = "<!-- sredesk:{key} -->"
_MARKER_RE = re.compile(r"<!-- sredesk:([A-Za-z0-9:_#/.-]+) -->")
_REPO_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")
_KNOWN_RE = re.compile(r"^([A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100})#(\d{1,9})$")

HANDLED = {
    "issues": {
        "opened",
        "edited",
        "closed",
        "reopened",
        "labeled",
        "unlabeled",
        "assigned",
        "transferred",
        "deleted",
    },
    "issue_comment": {"created", "edited", "deleted"},
    "discussion": {"created", "answered", "deleted"},
    "discussion_comment": {"created"},
}


def signature_valid(secret: bytes, body: bytes, header: str | None) -> bool:
    """Check X-Hub-Signature-256 in constant time; a missing header is never valid."""
    # compare_digest takes no text beyond ASCII: such a header is no signature of ours.
    if not secret or not header or not header.isascii() or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def mark(body: str, key: str) -> str:
    """Append the desk's marker to a body it writes to GitHub."""
    return f"{body.rstrip()}\n\n{_MARKER.format(key=key)}"


def marker_of(body: str | None) -> str | None:
    found = _MARKER_RE.search(body or "")
    return found.group(1) if found else None


_FILED_RE = re.compile(r"(mirror|promote):(\d{1,9})")


def filed_from(body: str | None) -> tuple[str, int] | None:
    """What the desk filed an issue as, from its body: ("mirror", N) for inquiry N's mirror,
    ("promote", N) for its promotion to a product issue; else None."""
    found = _FILED_RE.fullmatch(marker_of(body) or "")
    return (found.group(1), int(found.group(2))) if found else None


def desk_reference(number: int, url: str | None = None) -> str:
    """How the desk names an inquiry on GitHub, which would link `#N` to its own issue N."""
    name = f"SRE desk inquiry no. {number}"
    return f"[{name}]({url})" if url else name


def parse_repo(text: str) -> str:
    cleaned = text.strip()
    if not _REPO_RE.match(cleaned):
        raise InvalidInput(f"repository {text!r} must look like owner/name")
    return cleaned


def parse_known_issue(text: str) -> tuple[str, int]:
    found = _KNOWN_RE.match(text.strip())
    if found is None:
        raise InvalidInput(f"known issue {text!r} must look like owner/name#123")
    return found.group(1), int(found.group(2))


@dataclass(frozen=True)
class Thread:
    """An issue or a discussion in a repository: what an inquiry is linked to."""

    repo: str
    kind: str  # "issue" or "discussion"
    number: int
    url: str
    node_id: str = ""


@dataclass(frozen=True)
class GitHubEvent:
    event: str
    action: str
    thread: Thread
    title: str
    body: str
    author: str
    labels: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    comment_id: int | None = None
    # The desk's own comment coming back: its marker key, else None. Never set for an
    # issue or discussion event, whose body is the thread's and not this event's.
    echo_of: str | None = None
    # An issue transferred between repositories: where it went (`issues transferred`, sent
    # from the old repository) or where it came from (`issues opened` in the new one).
    moved_to: Thread | None = None
    moved_from: Thread | None = None
    # When GitHub last changed the thread, as this delivery tells it: the order of events
    # on it, since GitHub delivers them in any order and a signed body can be replayed.
    updated_at: datetime | None = None
    # Who did it: the delivery's sender, who closed, labelled or moved the thread; that is
    # not `author` (who wrote the thread or comment) but for the opening or a new comment.
    actor: str = ""
    # The one login an `assigned` event assigned; `assignees` are all the issue has.
    assignee: str = ""
    # The author is a bot account (a stale bot, CI), which is no customer writing.
    by_bot: bool = False
    # When the comment (or a discussion's answer) was last written or edited, by GitHub.
    comment_updated_at: datetime | None = None
    # The thread's state ("open", "closed") as it was when GitHub made the delivery.
    thread_state: str = ""


def _moved(changes: Any, issue_key: str, repo_key: str) -> Thread | None:
    """The other end of a transfer, from the `changes` of a transferred or opened issue."""
    if not isinstance(changes, dict):
        return None
    issue, repo = changes.get(issue_key), changes.get(repo_key)
    if not isinstance(issue, dict) or not isinstance(repo, dict):
        return None
    name, number = str(repo.get("full_name") or ""), _number(issue.get("number"))
    if not name or number is None:
        return None
    return Thread(
        repo=name,
        kind="issue",
        number=number,
        url=str(issue.get("html_url", "")),
        node_id=str(issue.get("node_id", "")),
    )


def _login(user: Any) -> str:
    return str(user.get("login", "")) if isinstance(user, dict) else ""


def _is_bot(user: Any) -> bool:
    return isinstance(user, dict) and user.get("type") == "Bot"


def _number(value: Any) -> int | None:
    """A number or id as GitHub sends it, a JSON integer; anything else is no number."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def timestamp(value: Any) -> datetime | None:
    """An instant as GitHub writes it (`2019-05-15T15:20:18Z`); None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON array, such as an issue's labels; nothing from anything else."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def parse_event(event: str, payload: dict[str, Any]) -> GitHubEvent | None:
    """Read a delivery; None for events and actions the desk does not handle.

    A delivery without what the desk needs, or with it in the wrong type (an issue number
    that is not an integer, a comment without an id), is None too: acknowledged, ignored.
    """
    action = str(payload.get("action", ""))
    if action not in HANDLED.get(event, set()):
        return None
    repository = payload.get("repository")
    repo = str(repository.get("full_name") or "") if isinstance(repository, dict) else ""
    kind = "discussion" if event.startswith("discussion") else "issue"
    item = payload.get(kind)
    if not repo or not isinstance(item, dict) or _number(item.get("number")) is None:
        return None
    thread = Thread(
        repo=repo,
        kind=kind,
        number=item["number"],
        url=str(item.get("html_url", "")),
        node_id=str(item.get("node_id", "")),
    )
    comment: Any = None
    if event.endswith("_comment") or (event == "discussion" and action == "answered"):
        comment = payload.get("answer" if event == "discussion" else "comment")
        if not isinstance(comment, dict) or _number(comment.get("id")) is None:
            return None
    text_source = comment if isinstance(comment, dict) else item
    body = str(text_source.get("body") or "")
    changes = payload.get("changes") if event == "issues" else None
    author = _login(text_source.get("user")) or _login(payload.get("sender"))
    return GitHubEvent(
        event=event,
        action=action,
        thread=thread,
        title=str(item.get("title") or ""),
        body=body,
        author=author,
        labels=tuple(str(label.get("name", "")) for label in _dicts(item.get("labels"))),
        assignees=tuple(_login(a) for a in _dicts(item.get("assignees"))),
        comment_id=comment["id"] if isinstance(comment, dict) else None,
        # Only a comment's marker says the desk wrote it: an issue's own body keeps the
        # `mirror:N` marker for good, and every later event on that issue carries it.
        echo_of=marker_of(body) if isinstance(comment, dict) else None,
        moved_to=_moved(changes, "new_issue", "new_repository") if kind == "issue" else None,
        moved_from=_moved(changes, "old_issue", "old_repository") if kind == "issue" else None,
        updated_at=timestamp(item.get("updated_at")),
        actor=_login(payload.get("sender")) or author,
        assignee=_login(payload.get("assignee")),
        by_bot=_is_bot(text_source.get("user")),
        comment_updated_at=timestamp(comment.get("updated_at"))
        if isinstance(comment, dict)
        else None,
        thread_state=str(item.get("state") or ""),
    )


_ESTIMATE_RE = re.compile(
    r"(?i)(?:\b(?:estimate|effort)\s*[:=~]?|~)\s*(\d+(?:\.\d+)?)\s*"
    r"(h|hours?|d|days?|m|min(?:utes?)?)\b"
)
_LABEL_RE = re.compile(r"(?i)^(?:estimate|effort|size)?[:/ -]*(\d+(?:\.\d+)?)\s*(h|d|m)$")


def estimate_hours(labels: tuple[str, ...] | list[str], body: str) -> float | None:
    """An estimate in hours from labels like `2h`, or a body line like `estimate: 90m`."""
    for label in labels:
        found = _LABEL_RE.match(label.strip())
        if found:
            return _hours(float(found.group(1)), found.group(2))
    found = _ESTIMATE_RE.search(body or "")
    return _hours(float(found.group(1)), found.group(2)) if found else None


def _hours(amount: float, unit: str) -> float:
    unit = unit.lower()
    if unit.startswith("d"):
        return amount * 8  # a working day
    if unit.startswith("m"):
        return amount / 60
    return amount


@dataclass(eq=False)
class GitHubLink:
    """An inquiry's thread on GitHub: the issue or discussion it lives on, or was mirrored to."""

    inquiry_number: int
    repo: str
    kind: str  # "issue" or "discussion"
    number: int
    url: str
    node_id: str = ""
    # The newest change to the thread the desk has applied (`GitHubEvent.updated_at`);
    # an event older than it is stale.
    updated_at: datetime | None = None
    # The GitHub login the desk assigned to the issue, to take away when the inquiry's
    # assignee changes; the issue's other assignees are the people's on GitHub.
    assigned: str | None = None
    id: int | None = None


@dataclass(eq=False)
class GitHubDelivery:
    """A webhook delivery already handled: GitHub redelivers, the desk acts once."""

    delivery_id: str
    event: str
    received_at: datetime
    outcome: str
    id: int | None = None


@dataclass(eq=False)
class LowHangingFruit:
    """An open product issue labelled as fixable in about four hours."""

    repo: str
    number: int
    title: str
    url: str
    labels: list[str]
    estimate_hours: float | None
    synced_at: datetime
    open: bool = True
    done_at: datetime | None = None
    done_by: str | None = None
    id: int | None = None
