"""Ask the team to take a week's role from you, see the open requests, and accept one.

A request is open until the asker withdraws it or someone accepts it. One that can no longer
be met (its week is over, or the asker no longer holds the role) is simply not shown.
Accepting closes the request, only if it is still open where it is stored, and applies the
swap in one transaction, after `rotation.swap_in` has checked again that the member who
accepts may take the week.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from sredesk.core import roster
from sredesk.core.errors import InvalidInput, InvalidTransition, NotFound
from sredesk.core.model import SwapRequest, SwapRequestStatus
from sredesk.services import rotation
from sredesk.services.desk import Desk, audit, member, notify
from sredesk.services.ports import AbstractUnitOfWork
from sredesk.services.rotation_page import ROLES, today


def _role(value: str) -> str:
    if value not in ROLES:
        raise InvalidInput(f"role {value!r} must be primary or backup")
    return value


def _open(desk: Desk, uow: AbstractUnitOfWork) -> list[SwapRequest]:
    """Open requests whose week is not over and whose asker still holds the role."""
    this_week = roster.week_start(today(desk, uow))
    holders = {s.week_start: s for s in uow.shifts.list(start=this_week)}
    return [
        r
        for r in uow.rotation.swap_requests(since=this_week)
        if r.week_start in holders and getattr(holders[r.week_start], r.role) == r.from_member
    ]


def request_swap(desk: Desk, week: date, role: str, *, by: str, note: str = "") -> int:
    """Ask for someone to take `role` in the week of `week` from `by`, who holds it."""
    week, role, note = roster.week_start(week), _role(role), note.strip()[:500]
    with desk.unit_of_work() as uow:
        asker = member(uow, by).handle
        rotation.refuse_past_week(desk, uow, week)
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
        asked = SwapRequest(week, role, asker, now, note)
        uow.rotation.add_swap_request(asked)
        uow.flush()
        after = {"request": asked.id, "week_start": week.isoformat(), "role": role}
        audit(uow, "swap.requested", actor=asker, now=now, after=after)
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
        uow.commit()
    assert asked.id is not None
    return asked.id


def open_requests(desk: Desk, *, me: str) -> list[dict[str, Any]]:
    """The open requests, each with who may take it and what `me` may do with it."""
    with desk.unit_of_work() as uow:
        found = sorted(_open(desk, uow), key=lambda r: (r.week_start, r.role))
        return [_view(desk, r, me) for r in found]


def _view(desk: Desk, r: SwapRequest, me: str) -> dict[str, Any]:
    options = rotation.swap_options(desk, r.week_start, r.role, r.from_member)
    eligible = [c["handle"] for c in options]
    return {
        "id": r.id,
        "week_start": r.week_start.isoformat(),
        "role": r.role,
        "from": r.from_member,
        "note": r.note,
        "asked_at": f"{r.requested_at:%Y-%m-%d}",
        "eligible": eligible,
        "mine": r.from_member == me,
        "may_accept": me in eligible,
    }


def _find(desk: Desk, uow: AbstractUnitOfWork, request_id: int) -> SwapRequest:
    found = {r.id: r for r in _open(desk, uow)}.get(request_id)
    if found is None:
        raise NotFound(
            f"swap request {request_id} is no longer open (taken, withdrawn or past); "
            "reload the rotation page"
        )
    return found


def _close(
    desk: Desk, uow: AbstractUnitOfWork, asked: SwapRequest, status: SwapRequestStatus, by: str
) -> None:
    """Close the request first, on the condition that it is still open where it is stored.

    Two members may accept it (or its asker withdraw it) at the same moment, each having
    read it as open: the second waits for the first to commit, and is refused here.
    """
    if not uow.rotation.close_swap_request(asked, status, desk.now(), by):
        raise InvalidTransition(
            f"swap request {asked.id} was taken or withdrawn a moment ago; reload the rotation page"
        )


def accept(desk: Desk, request_id: int, *, by: str) -> tuple[SwapRequest, list[str]]:
    """Take the asked-for role yourself; the calendar changes and the team is told.

    Return the request, and a line for each of the planner's soft rules the swap breaks.
    """
    with desk.unit_of_work() as uow:
        asked = _find(desk, uow, request_id)
        if by == asked.from_member:
            raise InvalidInput("you asked for this swap; withdraw it instead of accepting it")
        _close(desk, uow, asked, SwapRequestStatus.ACCEPTED, by)
        note = f"Accepted swap request {request_id}. {asked.note}".strip()
        warnings = rotation.swap_in(
            desk, uow, asked.week_start, asked.role, asked.from_member, by, by=by, note=note
        )
        uow.commit()
        # A detached copy: the caller reads it after this transaction is closed.
        return dataclasses.replace(asked), warnings


def withdraw(desk: Desk, request_id: int, *, by: str) -> None:
    """The asker takes the request back; nobody may accept it any more."""
    with desk.unit_of_work() as uow:
        asked = _find(desk, uow, request_id)
        if by != asked.from_member:
            raise InvalidInput(
                f"only {asked.from_member}, who asked, may withdraw swap request {request_id}"
            )
        _close(desk, uow, asked, SwapRequestStatus.WITHDRAWN, by)
        audit(uow, "swap.withdrawn", actor=by, now=desk.now(), after={"request": request_id})
        uow.commit()
