"""Ask the team to take a week's role from you, see the open requests, and accept one.

A request is kept as a `swap.requested` event in the audit log: the swaps table records
only swaps done, with no status for one still asked. A request stays open until the
asker withdraws it, someone takes that role from them (the `shift.swapped` event), the
asker no longer holds the role, or its week is over. Accepting applies
`rotation.swap`, which checks again that the member who accepts may take the week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sredesk.core import roster
from sredesk.core.errors import InvalidInput, NotFound
from sredesk.core.model import AuditEvent
from sredesk.services import rotation
from sredesk.services.desk import Desk, audit, member, notify
from sredesk.services.ports import AbstractUnitOfWork
from sredesk.services.rotation_page import ROLES, today

REQUESTED = "swap.requested"
WITHDRAWN = "swap.request_withdrawn"
SWAPPED = "shift.swapped"


@dataclass(frozen=True)
class SwapRequest:
    id: int
    week_start: date
    role: str
    asker: str
    note: str
    at: datetime


def _role(value: str) -> str:
    if value not in ROLES:
        raise InvalidInput(f"role {value!r} must be primary or backup")
    return value


def _requests(events: list[AuditEvent]) -> dict[int, SwapRequest]:
    """Requests not yet withdrawn or answered by a swap of the same week, role and holder."""
    asked: dict[int, SwapRequest] = {}
    for e in events:
        if e.action == REQUESTED and e.id is not None:
            asked[e.id] = SwapRequest(
                e.id,
                date.fromisoformat(e.after["week_start"]),
                e.after["role"],
                e.after["from"],
                e.after.get("note", ""),
                e.at,
            )
        elif e.action == WITHDRAWN:
            asked.pop(int(e.after["request"]), None)
        elif e.action == SWAPPED:
            done = (e.after["week_start"], e.after["role"], e.after["from"])
            asked = {
                k: r
                for k, r in asked.items()
                if (r.week_start.isoformat(), r.role, r.asker) != done
            }
    return asked


def _open(desk: Desk, uow: AbstractUnitOfWork) -> list[SwapRequest]:
    this_week = roster.week_start(today(desk, uow))
    holders = {s.week_start: s for s in uow.shifts.list(start=this_week)}
    return [
        r
        for r in _requests(list(uow.audit.list())).values()
        if r.week_start in holders and getattr(holders[r.week_start], r.role) == r.asker
    ]


def request_swap(desk: Desk, week: date, role: str, *, by: str, note: str = "") -> int:
    """Ask for someone to take `role` in the week of `week` from `by`, who holds it."""
    week, role, note = roster.week_start(week), _role(role), note.strip()[:500]
    with desk.unit_of_work() as uow:
        asker = member(uow, by).handle
        if week < roster.week_start(today(desk, uow)):
            raise InvalidInput(f"the week of {week} is over; ask for this week or a later one")
        shift = uow.shifts.find(week)
        holder = getattr(shift, role) if shift else None
        if holder != asker:
            raise InvalidInput(
                f"you are not {role.capitalize()} in the week of {week} "
                f"({holder or 'nobody'} is); ask for a week you hold"
            )
        if any((r.week_start, r.role) == (week, role) for r in _open(desk, uow)):
            raise InvalidInput(f"you already asked for a swap of that week's {role} role")
    eligible = [c["handle"] for c in rotation.swap_options(desk, week, role, asker)]
    if not eligible:
        raise InvalidInput(
            f"nobody can take {role} in the week of {week}: the others are away or on it"
        )
    now = desk.now()
    with desk.unit_of_work() as uow:
        asked = {"week_start": week.isoformat(), "role": role, "from": asker, "note": note}
        event = AuditEvent(at=now, actor=asker, action=REQUESTED, after=asked)
        uow.audit.add(event)
        for handle in eligible:
            notify(
                uow,
                handle,
                f"[sredesk] {asker} asks for a swap: {role} in the week of {week}",
                f"{asker} asks someone to take {role} in the week of {week}. {note}\n"
                "You may take it: accept the request on the desk's rotation page.",
                kind="swap",
                now=now,
            )
        uow.flush()
        request_id = event.id
        uow.commit()
    assert request_id is not None
    return request_id


def open_requests(desk: Desk, *, me: str) -> list[dict[str, Any]]:
    """The open requests, each with who may take it and what `me` may do with it."""
    with desk.unit_of_work() as uow:
        found = _open(desk, uow)
    views = []
    for r in sorted(found, key=lambda r: (r.week_start, r.role)):
        eligible = [c["handle"] for c in rotation.swap_options(desk, r.week_start, r.role, r.asker)]
        views.append(
            {
                "id": r.id,
                "week_start": r.week_start.isoformat(),
                "role": r.role,
                "from": r.asker,
                "note": r.note,
                "asked_at": f"{r.at:%Y-%m-%d}",
                "eligible": eligible,
                "mine": r.asker == me,
                "may_accept": me in eligible,
            }
        )
    return views


def _find(desk: Desk, request_id: int) -> SwapRequest:
    with desk.unit_of_work() as uow:
        found = {r.id: r for r in _open(desk, uow)}.get(request_id)
    if found is None:
        raise NotFound(
            f"swap request {request_id} is no longer open (taken, withdrawn or past); "
            "reload the rotation page"
        )
    return found


def accept(desk: Desk, request_id: int, *, by: str) -> SwapRequest:
    """Take the asked-for role yourself; the calendar changes and the team is told."""
    asked = _find(desk, request_id)
    if by == asked.asker:
        raise InvalidInput("you asked for this swap; withdraw it instead of accepting it")
    note = f"Accepted swap request {request_id}. {asked.note}".strip()
    rotation.swap(desk, asked.week_start, asked.role, asked.asker, by, by=by, note=note)
    return asked


def withdraw(desk: Desk, request_id: int, *, by: str) -> None:
    """The asker takes the request back; nobody may accept it any more."""
    asked = _find(desk, request_id)
    if by != asked.asker:
        raise InvalidInput(f"only {asked.asker}, who asked, may withdraw swap request {request_id}")
    with desk.unit_of_work() as uow:
        audit(uow, WITHDRAWN, actor=by, now=desk.now(), after={"request": request_id})
        uow.commit()
