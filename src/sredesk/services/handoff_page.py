"""Read the outgoing Primary's end-of-shift checklist and apply it with their keep choices."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from sredesk.core import handoff as handoff_rules
from sredesk.core import roster
from sredesk.core.model import Handoff, Inquiry, State
from sredesk.services import inquiries, shifts
from sredesk.services.desk import USER_ERRORS, Desk
from sredesk.services.queue import clock_row
from sredesk.services.shifts import HandoffResult

STATE_WORDS = {
    State.NEW: "new, not yet answered",
    State.RESPONDED: "answered",
    State.WAITING: "waiting on the customer",
}


def this_week(desk: Desk) -> date:
    """The Monday of the desk's current week, in the team's zone."""
    with desk.unit_of_work() as uow:
        zone = desk.calendar(uow).tz
    return roster.week_start(desk.now().astimezone(zone).date())


def _this_weeks(
    inquiry: Inquiry, start: datetime, end: datetime, plan: HandoffResult
) -> Handoff | None:
    """The inquiry's latest handoff by this week's duty, if it has had one this week."""
    found = [
        h
        for h in inquiry.handoffs
        if start <= h.at < end
        and (
            h.from_member == plan.from_member
            if h.kept_by_previous
            else h.to_member == plan.to_member
        )
    ]
    return found[-1] if found else None


def _item(inquiry: Inquiry, earlier: Handoff | None, clock: dict[str, Any]) -> dict[str, Any]:
    kept_earlier = earlier is not None and earlier.kept_by_previous
    return {
        "number": inquiry.number,
        "title": inquiry.title,
        "state": STATE_WORDS.get(inquiry.state, inquiry.state.value),
        "assignee": inquiry.assignee,
        "serious": inquiry.serious,
        "sensitive": inquiry.sensitive,
        # Applying resets the flag; a second look this week should still show the choice made.
        "keep": inquiry.keep_at_handoff or kept_earlier,
        "kept_earlier": kept_earlier,
        "clock": clock,
    }


def checklist(desk: Desk, week: date) -> dict[str, Any]:
    """What the handoff of `week` would move or keep, the notice, and what moved already.

    The plan and the notice come from the handoff's own rules (shifts.handoff's dry run and
    core/handoff.py), so the page shows what applying it would do.
    """
    try:
        plan = shifts.handoff(desk, week_start=week, dry_run=True)
    except USER_ERRORS as error:
        return {"week_start": week.isoformat(), "problem": str(error)}
    now = desk.now()
    listed = set(plan.handed) | set(plan.kept)
    items: list[dict[str, Any]] = []
    applied: dict[str, list[dict[str, Any]]] = {"handed": [], "kept": []}
    with desk.unit_of_work() as uow:
        calendar = desk.calendar(uow)
        start = datetime.combine(week, time(), calendar.tz)
        end = start + timedelta(days=7)
        for inquiry in uow.inquiries.list(open_only=True):
            earlier = _this_weeks(inquiry, start, end, plan)
            if inquiry.number in listed:
                items.append(_item(inquiry, earlier, clock_row(desk, calendar, inquiry, now)))
            if earlier is not None:
                applied["kept" if earlier.kept_by_previous else "handed"].append(
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
        "problem": "",
    }


def apply(
    desk: Desk, week: date, keep: Mapping[int, bool], *, by: str, note: str = ""
) -> HandoffResult:
    """Record the keep choices, then hand off the week.

    Only inquiries the handoff would take are touched; a choice for any other is ignored, and
    one arriving after the checklist was read goes by its own flag.
    """
    plan = shifts.handoff(desk, week_start=week, dry_run=True)
    flags = {n: False for n in plan.handed} | {n: True for n in plan.kept}
    for number, flag in flags.items():
        if number in keep and keep[number] != flag:
            inquiries.keep_at_handoff(desk, number, keep[number], by=by)
    return shifts.handoff(desk, week_start=week, by=by, note=note)
