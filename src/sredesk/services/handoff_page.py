"""Read the outgoing Primary's end-of-shift checklist and apply it with their keep choices."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sredesk.core import handoff as handoff_rules
from sredesk.core import roster
from sredesk.core.model import Handoff, Inquiry, State
from sredesk.services import shifts
from sredesk.services.desk import USER_ERRORS, Desk
from sredesk.services.queue import clock_row
from sredesk.services.shifts import HandoffResult

STATE_WORDS = {
    State.NEW: "new, not yet answered",
    State.RESPONDED: "answered",
    State.WAITING: "waiting on the customer",
}


def this_week(desk: Desk) -> date:
    """The Monday of the week whose handoff is due: this one from its last business day."""
    with desk.unit_of_work() as uow:
        calendar = desk.calendar(uow)
    return roster.handoff_week(desk.now().astimezone(calendar.tz).date(), calendar.is_business_day)


def _item(
    inquiry: Inquiry,
    kept_earlier: bool,
    stays: bool,
    clock: dict[str, Any],
    goes_to: str | None,
) -> dict[str, Any]:
    return {
        "number": inquiry.number,
        "title": inquiry.title,
        "state": STATE_WORDS.get(inquiry.state, inquiry.state.value),
        "assignee": inquiry.assignee,
        "serious": inquiry.serious,
        "sensitive": inquiry.sensitive,
        # Applying clears the flag; a second look this week should still show the choice made.
        "keep": inquiry.keep_at_handoff or kept_earlier,
        "kept_earlier": kept_earlier,
        # Held by the next Primary already: it stays, with no notice and no choice to make.
        "stays": stays,
        # Who handing it gives it to: the next Primary, the next Backup for a classified
        # inquiry only they are cleared for, or nobody (None: it is left unassigned).
        "goes_to": goes_to,
        "clock": clock,
    }


def checklist(desk: Desk, week: date, *, see_classified: bool) -> dict[str, Any]:
    """What the handoff of `week` would move or keep, the notice, and what moved already.

    The plan and the notice come from the handoff's own rules (shifts.handoff's dry run and
    core/handoff.py), so the page shows what applying it would do. A reader off the desk sees
    no classified inquiry in it.
    """
    try:
        plan = shifts.handoff(desk, week_start=week, dry_run=True)
    except USER_ERRORS as error:
        return {"week_start": week.isoformat(), "problem": str(error)}
    now = desk.now()
    listed = set(plan.handed) | set(plan.kept) | set(plan.stayed) | set(plan.uncleared)
    items: list[dict[str, Any]] = []
    applied: dict[str, list[dict[str, Any]]] = {"handed": [], "kept": [], "stayed": []}
    with desk.unit_of_work() as uow:
        calendar = desk.calendar(uow)
        _, _, route = shifts.handoff_route(uow, calendar.tz, week)
        for inquiry in uow.inquiries.list(open_only=True):
            if not inquiry.shown(see_classified=see_classified):
                continue
            if inquiry.number in listed:
                kept_earlier = inquiry.number in plan.kept_earlier
                stays = inquiry.number in plan.stayed
                clock = clock_row(desk, calendar, inquiry, now)
                goes_to = handoff_rules.receiver(inquiry, route)
                items.append(_item(inquiry, kept_earlier, stays, clock, goes_to))
            earlier = handoff_rules.earlier_handoff(inquiry, route)
            if earlier is not None:
                applied[_applied_as(earlier)].append(
                    {
                        "number": inquiry.number,
                        "title": inquiry.title,
                        "to": earlier.to_member,
                        "at": earlier.at.astimezone(calendar.tz).strftime("%a %d %b %H:%M"),
                    }
                )
    next_week = week + timedelta(days=7)
    return {
        "week_start": week.isoformat(),
        "next_week_start": next_week.isoformat(),
        "from_member": plan.from_member,
        "to_member": plan.to_member,
        "backup": plan.backup,
        "inquiries": sorted(items, key=lambda i: i["number"]),
        "applied": {k: sorted(v, key=lambda i: i["number"]) for k, v in applied.items()},
        "notice": handoff_rules.handoff_notice(plan.to_member, plan.backup, next_week),
        # The notice of a classified inquiry that goes to the Backup, when one shown does.
        "backup_notice": (
            handoff_rules.handoff_notice(plan.to_member, plan.backup, next_week, taker=plan.backup)
            if any(i["goes_to"] == plan.backup != plan.to_member for i in items)
            else ""
        ),
        "problem": "",
    }


def _applied_as(record: Handoff) -> str:
    if record.kept_by_previous:
        return "kept"
    return "stayed" if handoff_rules.stayed(record) else "handed"


def apply(
    desk: Desk, week: date, keep: Mapping[int, bool], *, by: str, note: str = ""
) -> HandoffResult:
    """Hand off the week with the checklist's keep choices, recorded in the handoff's commit.

    A handoff that fails therefore leaves every keep mark as it was (shifts._record_choices).
    """
    return shifts.handoff(desk, week_start=week, by=by, note=note, choices=keep)
