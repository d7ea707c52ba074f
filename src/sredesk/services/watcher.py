"""Watch the response clocks: warn the assignee at each threshold, and at breach the Backup
(the Primary when the Backup holds the inquiry).

Each warning is queued once, under a key the database keeps unique, so a restart never
repeats one. Warnings go out during business hours only: one that fell due at closing time,
overnight or while the service was down is queued at the next opening.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sredesk.core import roster
from sredesk.core.clock import ClockState, response_status
from sredesk.core.model import Inquiry
from sredesk.services import clocks
from sredesk.services.desk import Desk, notify
from sredesk.services.ports import AbstractUnitOfWork

log = logging.getLogger("sredesk.watcher")


@dataclass(frozen=True)
class ClockWarning:
    inquiry: int
    recipient: str
    key: str


def watch_once(desk: Desk) -> list[ClockWarning]:
    """Queue the warnings due now; return what was queued."""
    now = desk.now()
    queued: list[ClockWarning] = []
    with desk.unit_of_work() as uow:
        calendar = desk.calendar(uow)
        name = uow.team.get().calendar
        if name not in desk.due_recomputed:
            # The calendar is read from the configuration once a process: its holidays or
            # hours may have changed since the due times were stored.
            reason = f"the business calendar {name} changed"
            clocks.recompute_due(desk, uow, now=now, actor="system", reason=reason)
        if calendar.is_open(now):
            duty = roster.duty_at(uow.shifts.list(), now, calendar)
            for inquiry in uow.inquiries.list(open_only=True):
                if inquiry.first_response_at is not None or inquiry.number is None:
                    continue
                queued.extend(_warn(desk, uow, inquiry, duty))
        uow.commit()
    desk.due_recomputed.add(name)
    for w in queued:
        log.info("queued clock warning %s for %s", w.key, w.recipient)
    return queued


def breach_recipient(duty: roster.Duty | None, assignee: str | None) -> str | None:
    """Who hears of a missed response goal: someone other than the one who missed it.

    The Backup, unless they hold the inquiry (as the Primary's delegate, say): then the
    Primary. With nobody on duty, only the assignee is left to tell.
    """
    if duty is None:
        return assignee
    return duty.primary if duty.backup == assignee else duty.backup


def _warn(
    desk: Desk, uow: AbstractUnitOfWork, inquiry: Inquiry, duty: roster.Duty | None
) -> list[ClockWarning]:
    calendar = desk.calendar(uow)
    now = desk.now()
    status = response_status(
        calendar, inquiry.created_at, None, now, clocks.policy_for(desk, inquiry)
    )
    number = inquiry.number
    assert number is not None
    due = status.due.strftime("%a %d %b %H:%M %Z")
    pending: list[tuple[str, str, str]] = []
    if inquiry.assignee:
        for threshold in status.thresholds_crossed:
            percent = round(threshold * 100)
            pending.append(
                (
                    f"clock:{number}:{percent}",
                    inquiry.assignee,
                    f"{percent}% of the response time used; respond by {due}",
                )
            )
    if status.state is ClockState.BREACHED:
        target = breach_recipient(duty, inquiry.assignee)
        if target:
            pending.append(
                (
                    f"clock:{number}:breach",
                    target,
                    f"the response goal was missed at {due}; the Primary may need help",
                )
            )
    # Notifications are mailed: a classified inquiry's title and source never leave the desk.
    about = (
        f"#{number}"
        if inquiry.sensitive
        else f"#{number}, {inquiry.title!r} ({inquiry.channel.value}:{inquiry.source}),"
    )
    warnings = []
    for key, recipient, text in pending:
        if uow.notifications.has_key(key):
            continue
        notify(
            uow,
            recipient,
            f"[sredesk #{number}] {text}",
            f"Inquiry {about} has no response yet: {text}.",
            kind="clock",
            now=now,
            inquiry_number=number,
            dedupe_key=key,
        )
        warnings.append(ClockWarning(inquiry=number, recipient=recipient, key=key))
    return warnings
