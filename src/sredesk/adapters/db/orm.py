"""Map the core's classes onto the tables, so the core itself stays free of the database."""

from __future__ import annotations

from sqlalchemy.orm import deferred, registry, relationship

from sredesk.adapters.db import tables as t
from sredesk.adapters.db.account_tables import map_accounts
from sredesk.adapters.db.github_tables import map_github
from sredesk.core import mailthread
from sredesk.core import model as m

mapper_registry = registry(metadata=t.metadata)
_mapped = False


def _children(cls: type, table_name: str) -> object:
    return relationship(
        cls, cascade="all, delete-orphan", order_by=getattr(t, table_name).c.id, lazy="selectin"
    )


def start_mappers() -> None:
    """Map once per process; the mapping instruments the core's classes in place."""
    global _mapped
    if _mapped:
        return
    mr = mapper_registry
    mr.map_imperatively(m.Team, t.teams)
    mr.map_imperatively(m.Member, t.members)
    mr.map_imperatively(m.TimeOff, t.time_off)
    mr.map_imperatively(m.Delegation, t.delegations)
    mr.map_imperatively(
        m.Shift, t.shifts, properties={"delegations": _children(m.Delegation, "delegations")}
    )
    for cls, table in [
        (m.Comment, t.comments),
        (m.Escalation, t.escalations),
        (m.Handoff, t.handoffs),
        (m.Resolution, t.resolutions),
        (m.ProductLink, t.product_links),
        (m.Postmortem, t.postmortems),
        (m.MessageRef, t.message_refs),
    ]:
        mr.map_imperatively(cls, table)
    # Attachment bodies load only when asked for: lists and counts never need them.
    mr.map_imperatively(
        m.Attachment, t.attachments, properties={"content": deferred(t.attachments.c.content)}
    )
    mr.map_imperatively(
        m.Inquiry,
        t.inquiries,
        properties={
            "comments": _children(m.Comment, "comments"),
            "attachments": relationship(
                m.Attachment,
                cascade="all, delete-orphan",
                order_by=t.attachments.c.id,
                lazy="select",
            ),
            "escalations": _children(m.Escalation, "escalations"),
            "handoffs": _children(m.Handoff, "handoffs"),
            "resolutions": _children(m.Resolution, "resolutions"),
            "links": _children(m.ProductLink, "product_links"),
            "postmortems": _children(m.Postmortem, "postmortems"),
            "message_refs": _children(m.MessageRef, "message_refs"),
        },
    )
    mr.map_imperatively(m.EffortEntry, t.effort_entries)
    mr.map_imperatively(m.AuditEvent, t.audit_events)
    mr.map_imperatively(m.Notification, t.notifications)
    mr.map_imperatively(m.PlannedWeek, t.planned_weeks)
    mr.map_imperatively(
        m.RotationPlan,
        t.rotation_plans,
        properties={
            "weeks": relationship(
                m.PlannedWeek,
                cascade="all, delete-orphan",
                order_by=t.planned_weeks.c.week_start,
                lazy="selectin",
            )
        },
    )
    mr.map_imperatively(m.Swap, t.swaps)
    mr.map_imperatively(m.SwapRequest, t.swap_requests)
    mr.map_imperatively(m.FeedToken, t.feed_tokens)
    mr.map_imperatively(m.FeedEvent, t.feed_events)
    mr.map_imperatively(m.OutboundMessage, t.outbox)
    # The raw message loads only when asked for: threading and listings never need it.
    mr.map_imperatively(
        mailthread.MailMessage,
        t.mail_messages,
        properties={"raw": deferred(t.mail_messages.c.raw)},
    )
    mr.map_imperatively(mailthread.InquiryAlias, t.inquiry_aliases)
    map_github(mr)
    map_accounts(mr)
    _mapped = True
