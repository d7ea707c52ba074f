"""Ask for help on an inquiry: the Backup first, then members by @handle, who may decline."""

from __future__ import annotations

from sredesk.core import clearance, roster
from sredesk.core.errors import NotFound
from sredesk.core.model import Inquiry
from sredesk.services.desk import Desk, member, notify, recorded
from sredesk.services.inquiries import cleared_handles
from sredesk.services.ports import AbstractUnitOfWork


def _backup_for(desk: Desk, uow: AbstractUnitOfWork) -> str | None:
    calendar = desk.calendar(uow)
    duty = roster.duty_at(uow.shifts.list(), desk.now(), calendar)
    return duty.backup if duty else None


def _first_to_ask(uow: AbstractUnitOfWork, inquiry: Inquiry, backup: str | None) -> str | None:
    """The Backup, whom the rule asks first, unless they may not be asked about `inquiry`.

    An inactive Backup, or one not cleared for a classified inquiry, can never be asked;
    insisting on them first would leave the inquiry with nobody to escalate to.
    """
    found = uow.members.find(backup) if backup is not None else None
    if found is None or not found.active or not clearance.may_hold(inquiry, found):
        return None
    return backup


def escalate(desk: Desk, number: int, *, by: str, to: str | None = None, note: str = "") -> int:
    """Escalate to `to`, or to this week's Backup when no one is named; returns its id."""
    now = desk.now()
    with desk.unit_of_work() as uow:
        actor = member(uow, by).handle
        inquiry = uow.inquiries.get(number)
        backup = _backup_for(desk, uow)
        target = member(uow, to).handle if to else backup
        if target is None:
            raise NotFound("no Backup is on the rotation this week; name a member with --to")
        clearance.check_may_hold(
            inquiry, member(uow, target), cleared_handles(uow), to="escalate to"
        )
        reasked = roster.open_escalation(inquiry, target)
        extra: dict[str, object] = {"to_member": target}
        if reasked is not None:
            extra.update(escalation=reasked.id, reasked=True)
        with recorded(uow, inquiry, "inquiry.escalated", actor=actor, now=now, extra=extra):
            escalation = roster.escalate(
                inquiry,
                target,
                by=actor,
                backup=_first_to_ask(uow, inquiry, backup),
                now=now,
                note=note,
            )
        ask = f"[sredesk #{number}] {actor} asks for your help"
        notify(
            uow,
            target,
            # Notifications are mailed: a classified inquiry's title never leaves the desk.
            ask if inquiry.sensitive else f"{ask}: {inquiry.title}",
            note or f"{actor} escalated inquiry #{number} to you. Accept, delay or decline it.",
            kind="escalation",
            now=now,
            inquiry_number=number,
        )
        uow.flush()
        escalation_id = escalation.id
        uow.commit()
    assert escalation_id is not None
    return escalation_id


def answer(
    desk: Desk, number: int, escalation_id: int, answer: str, *, by: str, note: str = ""
) -> None:
    """The member asked accepts, delays or declines the escalation."""
    now = desk.now()
    with desk.unit_of_work() as uow:
        actor = member(uow, by).handle
        inquiry = uow.inquiries.get(number)
        escalation = next((e for e in inquiry.escalations if e.id == escalation_id), None)
        if escalation is None:
            raise NotFound(f"inquiry #{number} has no escalation {escalation_id}")
        with recorded(
            uow,
            inquiry,
            "inquiry.escalation_answered",
            actor=actor,
            now=now,
            extra={"escalation": escalation_id, "answer": answer},
        ):
            roster.answer_escalation(escalation, answer, by=actor, now=now, note=note)
        notify(
            uow,
            escalation.requested_by,
            f"[sredesk #{number}] {actor} {answer} your escalation",
            note or f"{actor} {answer} the escalation of inquiry #{number}.",
            kind="escalation",
            now=now,
            inquiry_number=number,
        )
        uow.commit()
