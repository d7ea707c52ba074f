"""Deliver the outbox's GitHub channel: comments, state sync, promotion and mirroring."""

from __future__ import annotations

from sredesk.adapters.github.client import CreatedIssue, GitHubPort
from sredesk.adapters.github.settings import GitHubSettings
from sredesk.core import lifecycle
from sredesk.core.github import GitHubLink, mark, marker_of
from sredesk.core.model import OutboundMessage
from sredesk.services.desk import Desk, recorded
from sredesk.services.github_sync import assigned, sync_fields
from sredesk.services.outbox import PermanentDeliveryError


class GitHubSender:
    """The outbox `Sender` for channel "github"."""

    def __init__(self, desk: Desk, config: GitHubSettings, client: GitHubPort) -> None:
        self.desk, self.config, self.client = desk, config, client

    def send(self, message: OutboundMessage) -> None:
        p = message.payload
        if message.kind == "github.comment":
            self._comment(message)
        elif message.kind == "github.sync":
            assert message.inquiry_number is not None
            self._sync(message.inquiry_number, p["repo"], p["number"])
        elif message.kind == "github.known":
            # The label first: removing it again does no harm, but a comment posted before a
            # failed removal would be posted again when the message is retried.
            self.client.remove_label(p["repo"], p["number"], self.config.reviewed_label)
            body = mark(p["body"], f"known:{message.id}")
            if not self._posted(message, body, p["repo"], p["number"]):
                self.client.comment(p["repo"], p["number"], body)
        elif message.kind in ("github.promote", "github.mirror"):
            self._create(message)
        else:
            raise PermanentDeliveryError(f"unknown GitHub message kind {message.kind}")

    def _comment(self, message: OutboundMessage) -> None:
        p = message.payload
        if p["kind"] != "discussion":
            if not self._posted(message, p["body"], p["repo"], p["number"]):
                self.client.comment(p["repo"], p["number"], p["body"])
        elif not self._posted(message, p["body"], discussion=p["node_id"]):
            self.client.discussion_comment(p["node_id"], p["body"])

    def _posted(
        self,
        message: OutboundMessage,
        body: str,
        repo: str = "",
        issue: int = 0,
        *,
        discussion: str = "",
    ) -> bool:
        """Whether an earlier attempt posted `body` on the issue or discussion already,
        though its answer was lost.

        GitHub takes no idempotency key, and a comment can be posted while its answer never
        arrives (a 502, a timeout, a worker stopped before recording it). A retry looks for
        the comment's marker first; the first attempt has nothing to look for.
        """
        key = marker_of(body)
        if message.attempts <= 1 or key is None:
            return False
        if discussion:
            recent = self.client.discussion_comments(discussion)
        else:
            recent = self.client.comments_since(repo, issue, message.created_at)
        return any(marker_of(posted) == key for posted in recent)

    def _filed(self, message: OutboundMessage, repo: str, body: str) -> CreatedIssue | None:
        """The issue an earlier attempt filed already, though its answer was lost; as for
        `_posted`, found by the marker in its body."""
        key = marker_of(body)
        if message.attempts <= 1 or key is None:
            return None
        for issue in self.client.issues_since(repo, message.created_at):
            if marker_of(issue.get("body")) == key:
                return CreatedIssue(int(issue["number"]), str(issue["html_url"]))
        return None

    def _sync(self, number: int, repo: str, issue: int) -> None:
        sync = sync_fields(self.desk, self.config, number, repo, issue)
        if sync is None:
            return
        self.client.update_issue(repo, issue, sync.fields)
        # Each of these is idempotent, so a retry after a failure half-way does no harm;
        # the login the desk put there is remembered only once it is there.
        if sync.unassign is not None:
            self.client.remove_assignees(repo, issue, [sync.unassign])
        if sync.assign is not None:
            self.client.add_assignees(repo, issue, [sync.assign])
        if sync.assign is not None or sync.unassign is not None:
            assigned(self.desk, repo, issue, sync.assign)

    def _create(self, message: OutboundMessage) -> None:
        p = message.payload
        labels = [self.config.sre_label] if message.kind == "github.mirror" else []
        created = self._filed(message, p["repo"], p["body"]) or self.client.create_issue(
            p["repo"], p["title"], p["body"], labels
        )
        number = message.inquiry_number
        assert number is not None
        now = self.desk.now()
        with self.desk.unit_of_work() as uow:
            inquiry = uow.inquiries.get(number)
            if message.kind == "github.mirror":
                uow.github.add_link(
                    GitHubLink(number, p["repo"], "issue", created.number, created.url)
                )
            else:
                with recorded(
                    uow,
                    inquiry,
                    "inquiry.promoted",
                    actor=p["by"],
                    now=now,
                    extra={"issue": created.url},
                ):
                    link = lifecycle.add_link(
                        inquiry, created.url, p["link_kind"], p["by"], now=now
                    )
                    # A serious inquiry is resolved only with its postmortem; without
                    # one it stays open, holding the link, until that is written.
                    settled = not inquiry.serious or inquiry.postmortem is not None
                    if inquiry.is_open and settled:
                        lifecycle.resolve(
                            inquiry,
                            ["promoted"],
                            p["by"],
                            now=now,
                            link=None,
                            note=f"Promoted to {link.url}",
                        )
            uow.commit()
