"""Pre-fill a serious inquiry's postmortem from the effort log and the audit timeline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sredesk.core.model import AuditEvent, EffortEntry, Inquiry


@dataclass(frozen=True)
class PostmortemDraft:
    what_happened: str
    why: str
    resources: str
    milestones: str
    recommendations: str


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.1f} h"


def resources_from(effort: Iterable[EffortEntry]) -> str:
    per_member: dict[str, int] = defaultdict(int)
    for entry in effort:
        per_member[entry.member] += entry.minutes
    if not per_member:
        return "No effort logged."
    lines = [f"- {member}: {_hours(minutes)}" for member, minutes in sorted(per_member.items())]
    total = sum(per_member.values())
    return "\n".join([*lines, f"Total: {_hours(total)} by {len(per_member)} member(s)"])


# Timeline actions worth a milestone line; the rest (labels, notes) is detail.
_MILESTONES = {
    "inquiry.created": "opened",
    "inquiry.replied": "public reply",
    "inquiry.acknowledged": "acknowledged",
    "inquiry.escalated": "escalated",
    "inquiry.escalation_answered": "escalation answered",
    "inquiry.handed_off": "handed off",
    "inquiry.marked_serious": "marked serious",
    "inquiry.linked": "linked to product issue",
    "inquiry.resolved": "resolved",
    "inquiry.reopened": "reopened",
    "inquiry.promoted": "promoted",
}

_CLOSED_STATES = ("resolved", "closed")


def _milestone(event: AuditEvent) -> str | None:
    """The event's milestone line's label, or None when it is detail."""
    label = _MILESTONES.get(event.action)
    if label is not None:
        return label
    state = event.after.get("state")
    if not event.action.startswith("github.") or state is None:
        return None
    # A change from GitHub (a close, a reopen, a customer's comment on a closed issue) is
    # recorded under the delivery's name; what matters is what it did to the inquiry.
    if state in _CLOSED_STATES:
        return "resolved on GitHub"
    if event.before.get("state") in _CLOSED_STATES:
        return "reopened from GitHub"
    return None


def milestones_from(events: Iterable[AuditEvent]) -> str:
    lines = []
    for event in sorted(events, key=lambda e: (e.at, e.id or 0)):
        label = _milestone(event)
        if label is None:
            continue
        extra = ""
        if event.action == "inquiry.escalated":
            extra = f" to {event.after.get('to_member', '?')}"
        if event.action == "inquiry.promoted":
            extra = f" to {event.after.get('issue', '?')}"
        lines.append(f"- {event.at.isoformat(timespec='minutes')} {label}{extra} ({event.actor})")
    return "\n".join(lines) or "No milestones recorded."


def draft_postmortem(
    inquiry: Inquiry, effort: Iterable[EffortEntry], events: Iterable[AuditEvent]
) -> PostmortemDraft:
    return PostmortemDraft(
        what_happened=f"#{inquiry.number}: {inquiry.title}",
        why="",
        resources=resources_from(effort),
        milestones=milestones_from(events),
        recommendations="",
    )
