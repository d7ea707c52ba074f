"""Keep a linked GitHub issue showing what the desk holds: state, labels, its assignee."""

from __future__ import annotations

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


def _fields(uow: AbstractUnitOfWork, config: GitHubSettings, inquiry: Inquiry) -> dict[str, Any]:
    """The issue's fields as the desk holds them.

    The assignee goes to GitHub only when the desk has a GitHub login for them: with none,
    whoever people assigned on GitHub stays, rather than the issue being left unassigned.
    """
    fields: dict[str, Any] = {"state": "open" if inquiry.is_open else "closed"}
    found = uow.members.find(inquiry.assignee) if inquiry.assignee else None
    if found is not None and found.github:
        fields["assignees"] = [found.github]
    fields["labels"] = labels_for(config, inquiry)
    return fields


def sync_fields(desk: Desk, config: GitHubSettings, number: int) -> dict[str, Any] | None:
    """What the GitHub issue of inquiry `number` should say now; None if it must not."""
    with desk.unit_of_work() as uow:
        inquiry = uow.inquiries.get(number)
        if inquiry.sensitive:
            return None
        return _fields(uow, config, inquiry)


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
    return None if found is None else _fields(uow, config, found[1])


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
    after = _fields(uow, config, inquiry)
    shown = set(e.labels) == set(after["labels"]) and set(e.assignees) == set(
        after.get("assignees", e.assignees)
    )
    if after == before and shown:
        return
    assert inquiry.number is not None
    assert link.id is not None
    queue_sync(uow, inquiry.number, link, now)
