"""Merge two inquiries that turned out to be one thread: the older one takes everything."""

from __future__ import annotations

from datetime import datetime

from sredesk.core.model import INQUIRY_CHILDREN, Comment, Inquiry, State


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return min(a, b) if a and b else a or b


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max(a, b) if a and b else a or b


def merge_into(target: Inquiry, source: Inquiry, *, now: datetime) -> None:
    """Move `source`'s records into `target` and close `source` with a note that says where.

    The merged inquiry is as far along as its furthest part: the first response of either
    stops the clock, and a part still open keeps it open. `source` stays, closed, so that its
    number is never reused and links to it still lead somewhere.
    """
    if target is source:
        raise ValueError("an inquiry cannot be merged into itself")
    for name in INQUIRY_CHILDREN:
        moved = list(getattr(source, name))
        getattr(source, name).clear()
        getattr(target, name).extend(moved)
    target.comments.sort(key=lambda c: c.created_at)
    target.customers = list(dict.fromkeys([*target.customers, *source.customers]))
    target.labels = list(dict.fromkeys([*target.labels, *source.labels]))
    # Either part classified makes the whole so; the closed shell follows what it points
    # to, or a reader without clearance would see it name a classified inquiry's number.
    target.sensitive = source.sensitive = target.sensitive or source.sensitive
    target.serious = target.serious or source.serious
    target.created_at = min(target.created_at, source.created_at)
    target.response_due = min(target.response_due, source.response_due)
    target.first_response_at = _earliest(target.first_response_at, source.first_response_at)
    target.last_customer_at = _latest(target.last_customer_at, source.last_customer_at)
    target.last_desk_at = _latest(target.last_desk_at, source.last_desk_at)
    target.assignee = target.assignee or source.assignee
    if source.is_open and not target.is_open:
        target.state = State.RESPONDED if target.first_response_at else State.NEW
        target.resolved_at = target.closed_at = None
    elif target.state is State.NEW and target.first_response_at is not None:
        target.state = State.RESPONDED
    _close_as_merged(source, target, now)


def _close_as_merged(source: Inquiry, target: Inquiry, now: datetime) -> None:
    source.state = State.CLOSED
    source.resolved_at = source.resolved_at or now
    source.closed_at = now
    source.waiting_since = None
    source.keep_at_handoff = False
    source.comments.append(
        Comment(
            author="system",
            body=f"Merged into #{target.number}: one e-mail thread.",
            created_at=now,
            public=False,
        )
    )
