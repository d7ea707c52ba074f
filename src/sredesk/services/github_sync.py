"""Keep a linked GitHub issue showing what the desk holds: state, labels, its assignee."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sredesk.adapters.github.settings import GitHubSettings
from sredesk.core.github import GitHubEvent, GitHubLink
from sredesk.core.model import Inquiry, OutboundMessage, State
from sredesk.services.desk import Desk
from sredesk.services.outbox import queue
from sredesk.services.ports import AbstractUnitOfWork


def queue_sync(uow: AbstractUnitOfWork, number: int, link: GitHubLink, now: datetime) -> None:
    """Queue bringing the linked issue in step with the inquiry, once per audited change."""
    events = len(uow.audit.list(inquiry_number=number))
    queue(
        uow,
        OutboundMessage(
            channel="github",
            kind="github.sync",
            created_at=now,
            inquiry_number=number,
            dedupe_key=f"github:sync:{number}:{link.id}:{events}",
            payload={"repo": link.repo, "number": link.number},
        ),
    )


def labels_for(config: GitHubSettings, inquiry: Inquiry) -> list[str]:
    """The labels GitHub should show: the desk's own, then the rest as they are."""
    mine = [config.sre_label]
    if inquiry.serious:
        mine.append(config.serious_label)
    if inquiry.state is State.WAITING:
        mine.append(config.waiting_label)
    others = [label for label in inquiry.labels if label not in config.desk_labels]
    return mine + others


def _fields(config: GitHubSettings, inquiry: Inquiry) -> dict[str, Any]:
    """The issue's fields as the desk holds them, for GitHub's update-an-issue.

    Assignees are not among them: that would replace whoever people assigned on GitHub
    (a developer who took the issue) with the desk's assignee. See `IssueSync`.
    """
    return {
        "state": "open" if inquiry.is_open else "closed",
        "labels": labels_for(config, inquiry),
    }


def _login(uow: AbstractUnitOfWork, inquiry: Inquiry) -> str | None:
    """The GitHub login of the inquiry's assignee; None without an assignee or a login."""
    found = uow.members.find(inquiry.assignee) if inquiry.assignee else None
    return found.github if found is not None and found.github else None


@dataclass(frozen=True)
class IssueSync:
    """What to send to bring an issue in step with its inquiry.

    The desk adds its assignee beside the issue's other assignees, and takes away only the
    login it put there itself before (`GitHubLink.assigned`), once it is no longer the
    assignee's: the rest belong to the people on GitHub.
    """

    fields: dict[str, Any]
    assign: str | None = None
    unassign: str | None = None


def sync_fields(
    desk: Desk, config: GitHubSettings, number: int, repo: str, issue: int
) -> IssueSync | None:
    """What the GitHub issue `repo#issue` of inquiry `number` should say now; None if it
    must not."""
    with desk.unit_of_work() as uow:
        inquiry = uow.inquiries.get(number)
        if inquiry.sensitive:
            return None
        link = uow.github.link_for_thread(repo, "issue", issue)
        login = _login(uow, inquiry)
        before = link.assigned if link is not None else None
        return IssueSync(
            _fields(config, inquiry), login, before if before not in (None, login) else None
        )


def assigned(desk: Desk, repo: str, issue: int, login: str | None) -> None:
    """Remember `login` as the one the desk put on the issue, once GitHub has it."""
    with desk.unit_of_work() as uow:
        link = uow.github.link_for_thread(repo, "issue", issue)
        if link is not None and link.assigned != login:
            link.assigned = login
            uow.commit()


def _synced_link(uow: AbstractUnitOfWork, e: GitHubEvent) -> tuple[GitHubLink, Inquiry] | None:
    """The issue link the delivery is about and its inquiry, when the desk syncs that issue."""
    if e.thread.kind != "issue":
        return None
    link = uow.github.link_for_thread(e.thread.repo, e.thread.kind, e.thread.number)
    if link is None:
        return None
    inquiry = uow.inquiries.get(link.inquiry_number)
    return None if inquiry.sensitive else (link, inquiry)


def shown_on_github(
    uow: AbstractUnitOfWork, config: GitHubSettings, e: GitHubEvent
) -> dict[str, Any] | None:
    """What the desk has GitHub show for the delivery's issue, before the delivery is applied."""
    found = _synced_link(uow, e)
    return None if found is None else _shown(uow, config, found[1])


def _shown(uow: AbstractUnitOfWork, config: GitHubSettings, inquiry: Inquiry) -> dict[str, Any]:
    return {**_fields(config, inquiry), "assignee": _login(uow, inquiry)}


def sync_back(
    uow: AbstractUnitOfWork,
    config: GitHubSettings,
    e: GitHubEvent,
    before: dict[str, Any] | None,
    now: datetime,
) -> None:
    """After a delivery, queue a sync when GitHub no longer shows what the desk holds.

    That is when the delivery changed what the desk has GitHub show (a customer's comment
    reopening a resolved inquiry, or moving it off waiting-on-customer), or when the labels
    or assignees GitHub reported are not the desk's (a new issue lacks `sre` and the Primary).
    The sync sends the state as it is when it is sent, so one too many does no harm.
    """
    uow.flush()  # a link just made needs its id
    found = _synced_link(uow, e)
    if found is None:
        return
    link, inquiry = found
    after = _shown(uow, config, inquiry)
    login = after["assignee"]
    stale = link.assigned if link.assigned != login else None
    shown = (
        set(e.labels) == set(after["labels"])
        and (login is None or login in e.assignees)
        and stale not in e.assignees
    )
    if after == before and shown:
        return
    assert inquiry.number is not None
    assert link.id is not None
    queue_sync(uow, inquiry.number, link, now)
