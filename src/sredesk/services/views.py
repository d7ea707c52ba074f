"""Turn inquiries and records into JSON-ready data for the API, the CLI and the pages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sredesk.core.model import (
    AuditEvent,
    Delegation,
    EffortEntry,
    Inquiry,
    Member,
    Notification,
    OutboundMessage,
    Shift,
    TimeOff,
)


def _iso(value: datetime | None) -> str | None:
    # One zone for every backend: SQLite and PostgreSQL give UTC back, whatever went in.
    return value.astimezone(UTC).isoformat() if value is not None else None


def inquiry_summary(inquiry: Inquiry, clock: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "number": inquiry.number,
        "title": inquiry.title,
        "state": inquiry.state.value,
        "channel": inquiry.channel.value,
        "source": inquiry.source,
        "assignee": inquiry.assignee,
        "customers": list(inquiry.customers),
        "created_at": _iso(inquiry.created_at),
        "response_due": _iso(inquiry.response_due),
        "first_response_at": _iso(inquiry.first_response_at),
        "resolved_at": _iso(inquiry.resolved_at),
        "closed_at": _iso(inquiry.closed_at),
        "labels": list(inquiry.labels),
        "sensitive": inquiry.sensitive,
        "serious": inquiry.serious,
        "keep_at_handoff": inquiry.keep_at_handoff,
        "response_hours": inquiry.response_hours,
        "response_days": inquiry.response_days,
        "message_ids": inquiry.message_ids,
        "clock": clock,
    }


def inquiry_detail(
    inquiry: Inquiry,
    *,
    clock: dict[str, Any] | None,
    effort: Iterable[EffortEntry],
    events: Iterable[AuditEvent],
) -> dict[str, Any]:
    data = inquiry_summary(inquiry, clock)
    data.update(
        {
            "redirected_by": inquiry.redirected_by,
            "redirect_confirmed_at": _iso(inquiry.redirect_confirmed_at),
            "comments": [
                {
                    "id": c.id,
                    "author": c.author,
                    "public": c.public,
                    "by_member": c.by_member,
                    "body": c.body,
                    "created_at": _iso(c.created_at),
                    "source_message_id": c.source_message_id,
                }
                for c in inquiry.comments
            ],
            "attachments": [
                {
                    "id": a.id,
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "size": a.size,
                    "world_readable": a.world_readable,
                    "approved_by": a.approved_by,
                }
                for a in inquiry.attachments
            ],
            "escalations": [
                {
                    "id": e.id,
                    "to_member": e.to_member,
                    "requested_by": e.requested_by,
                    "requested_at": _iso(e.requested_at),
                    "status": e.status.value,
                    "note": e.note,
                    "answered_at": _iso(e.answered_at),
                    "answer_note": e.answer_note,
                }
                for e in inquiry.escalations
            ],
            "handoffs": [
                {
                    "from_member": h.from_member,
                    "to_member": h.to_member,
                    "at": _iso(h.at),
                    "note": h.note,
                    "kept_by_previous": h.kept_by_previous,
                    "week_start": h.week_start.isoformat() if h.week_start else None,
                }
                for h in inquiry.handoffs
            ],
            "resolutions": [
                {"kinds": list(r.kinds), "by": r.by, "at": _iso(r.at), "note": r.note}
                for r in inquiry.resolutions
            ],
            "links": [
                {
                    "url": link.url,
                    "kind": link.kind.value,
                    "added_by": link.added_by,
                    "added_at": _iso(link.added_at),
                }
                for link in inquiry.links
            ],
            "postmortem": postmortem_view(inquiry),
            "effort": [effort_view(e) for e in effort],
            "timeline": [audit_view(e) for e in events],
        }
    )
    return data


def postmortem_view(inquiry: Inquiry) -> dict[str, Any] | None:
    pm = inquiry.postmortem
    if pm is None:
        return None
    return {
        "what_happened": pm.what_happened,
        "why": pm.why,
        "resources": pm.resources,
        "milestones": pm.milestones,
        "recommendations": pm.recommendations,
        "author": pm.author,
        "written_at": _iso(pm.written_at),
    }


def effort_view(entry: EffortEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "member": entry.member,
        "minutes": entry.minutes,
        "on": entry.on.isoformat(),
        "note": entry.note,
        "inquiry": entry.inquiry_number,
    }


def audit_view(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": _iso(event.at),
        "actor": event.actor,
        "action": event.action,
        "inquiry": event.inquiry_number,
        "before": event.before,
        "after": event.after,
    }


def member_view(member: Member) -> dict[str, Any]:
    return {
        "handle": member.handle,
        "name": member.name,
        "email": member.email,
        "percent_time": member.percent_time,
        "experience": member.experience,
        "classified_access": member.classified_access,
        "timezone": member.timezone,
        "active": member.active,
        "github": member.github,
        "joined": member.joined.isoformat() if member.joined is not None else None,
    }


def time_off_view(t: TimeOff) -> dict[str, Any]:
    return {
        "id": t.id,
        "member": t.member,
        "start": t.start.isoformat(),
        "end": t.end.isoformat(),
        "reason": t.reason,
    }


def delegation_view(d: Delegation) -> dict[str, Any]:
    return {
        "id": d.id,
        "from_member": d.from_member,
        "to_member": d.to_member,
        "start": _iso(d.start),
        "end": _iso(d.end),
        "status": d.status.value,
        "requested_at": _iso(d.requested_at),
        "answered_at": _iso(d.answered_at),
    }


def shift_view(shift: Shift) -> dict[str, Any]:
    return {
        "week_start": shift.week_start.isoformat(),
        "primary": shift.primary,
        "backup": shift.backup,
        "delegations": [delegation_view(d) for d in shift.delegations],
    }


def notification_view(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "recipient": n.recipient,
        "subject": n.subject,
        "body": n.body,
        "kind": n.kind,
        "created_at": _iso(n.created_at),
        "inquiry": n.inquiry_number,
        "sent_at": _iso(n.sent_at),
        "attempts": n.attempts,
        "last_error": n.last_error,
    }


def outbox_view(message: OutboundMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "channel": message.channel,
        "kind": message.kind,
        "inquiry": message.inquiry_number,
        "created_at": _iso(message.created_at),
        "sent_at": _iso(message.sent_at),
        "attempts": message.attempts,
        "failed": message.failed,
        "last_error": message.last_error,
        "next_attempt_at": _iso(message.next_attempt_at),
    }
