"""Plan the end-of-shift handoff and write the notice customers receive."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sredesk.core.model import Handoff, Inquiry


@dataclass(frozen=True)
class HandoffPlan:
    handed: list[Inquiry]
    kept: list[Inquiry]


def plan_handoff(inquiries: Iterable[Inquiry], outgoing: Iterable[str]) -> HandoffPlan:
    """Split the outgoing duty's unresolved inquiries into those handed on and those kept.

    `outgoing` holds the Primary and any delegate of the ending week: what either of them
    holds belongs to the desk, not to the person. Unassigned open inquiries go too.
    """
    holders = set(outgoing)
    handed: list[Inquiry] = []
    kept: list[Inquiry] = []
    for inquiry in sorted(inquiries, key=lambda i: i.number or 0):
        if not inquiry.is_open:
            continue
        if inquiry.assignee is not None and inquiry.assignee not in holders:
            continue
        (kept if inquiry.keep_at_handoff else handed).append(inquiry)
    return HandoffPlan(handed=handed, kept=kept)


def handoff_notice(next_primary: str, next_backup: str, week: date, note: str = "") -> str:
    text = (
        f"The SRE desk rotates weekly. From the week of {week.isoformat()}, {next_primary} "
        f"(Primary, with {next_backup} as Backup) takes over this inquiry. "
        "Reply to this conversation as before; nothing you sent is lost."
    )
    return f"{text}\n\n{note.strip()}" if note.strip() else text


def apply_handoff(
    plan: HandoffPlan, *, from_member: str, to_member: str, now: datetime, note: str = ""
) -> None:
    for inquiry in plan.handed:
        inquiry.handoffs.append(
            Handoff(
                from_member=inquiry.assignee or from_member, to_member=to_member, at=now, note=note
            )
        )
        inquiry.assignee = to_member
    for inquiry in plan.kept:
        inquiry.handoffs.append(
            Handoff(
                from_member=from_member,
                to_member=from_member,
                at=now,
                note=note,
                kept_by_previous=True,
            )
        )
        # Keeping is decided afresh at every handoff.
        inquiry.keep_at_handoff = False
