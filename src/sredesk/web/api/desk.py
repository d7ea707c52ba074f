"""Serve the team, the shifts, delegations, the handoff and the desk's records."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from sredesk.core.accounts import Permission, may
from sredesk.core.errors import InvalidInput
from sredesk.services import effort, handoff_page, inquiries, records, shifts, team
from sredesk.services import outbox as outbox_service
from sredesk.web.auth import ApiAdmin, ApiUser, SeesClassified, acting_as, sees_classified
from sredesk.web.deps import DeskDep
from sredesk.web.schemas import (
    REFUSALS,
    ActorIn,
    CalendarDate,
    Created,
    DelegationIn,
    EffortIn,
    Handle,
    HandoffIn,
    MemberIn,
    MemberPatch,
    RecordId,
    ShiftIn,
    Text,
)

router = APIRouter(tags=["desk"], responses=REFUSALS)


@router.get("/members")
def members(desk: DeskDep, active_only: bool = False) -> list[dict[str, Any]]:
    return team.list_members(desk, active_only=active_only)


@router.post("/members", status_code=201)
def add_member(desk: DeskDep, body: MemberIn, _admin: ApiAdmin) -> list[dict[str, Any]]:
    team.add_member(
        desk,
        body.handle,
        body.name,
        body.email,
        percent_time=body.percent_time,
        experience=body.experience,
        classified_access=body.classified_access,
        timezone=body.timezone,
        github=body.github,
        joined=body.joined,
    )
    return team.list_members(desk)


@router.patch("/members/{handle}")
def edit_member(
    desk: DeskDep, handle: Handle, body: MemberPatch, admin: ApiAdmin
) -> dict[str, Any]:
    changes = body.changes()
    if not changes:
        raise InvalidInput("nothing to change; give a field, such as percent_time")
    team.update_member(desk, handle, actor=admin.handle, **changes)
    return next(m for m in team.list_members(desk) if m["handle"] == handle.lstrip("@"))


@router.get("/shifts")
def list_shifts(
    desk: DeskDep, start: CalendarDate | None = None, end: CalendarDate | None = None
) -> list[dict[str, Any]]:
    return shifts.list_shifts(desk, start=start, end=end)


@router.put("/shifts/{week_start}")
def set_shift(
    desk: DeskDep, week_start: CalendarDate, body: ShiftIn, _admin: ApiAdmin
) -> list[dict[str, Any]]:
    shifts.set_shift(desk, week_start, body.primary, body.backup)
    return shifts.list_shifts(desk, start=week_start, end=week_start)


@router.get("/duty")
def duty(desk: DeskDep) -> dict[str, Any] | None:
    """Who holds the desk now: Primary, Backup, and any delegate in force."""
    return shifts.current_duty(desk)


@router.post("/delegations", status_code=201, response_model=Created)
def delegate(desk: DeskDep, user: ApiUser, body: DelegationIn) -> Created:
    return Created(id=shifts.delegate(desk, body.start, body.end, by=acting_as(user, body.by)))


@router.post("/delegations/{delegation_id}/accept")
def accept(
    desk: DeskDep, user: ApiUser, delegation_id: RecordId, body: ActorIn
) -> dict[str, Any] | None:
    shifts.answer_delegation(desk, delegation_id, by=acting_as(user, body.by), accept=True)
    return shifts.current_duty(desk)


@router.post("/delegations/{delegation_id}/decline")
def decline(
    desk: DeskDep, user: ApiUser, delegation_id: RecordId, body: ActorIn
) -> dict[str, Any] | None:
    shifts.answer_delegation(desk, delegation_id, by=acting_as(user, body.by), accept=False)
    return shifts.current_duty(desk)


@router.post("/delegations/{delegation_id}/end")
def end(
    desk: DeskDep, user: ApiUser, delegation_id: RecordId, body: ActorIn
) -> dict[str, Any] | None:
    shifts.end_delegation(desk, delegation_id, by=acting_as(user, body.by))
    return shifts.current_duty(desk)


@router.post("/handoff")
def handoff(desk: DeskDep, user: ApiUser, body: HandoffIn) -> dict[str, Any]:
    """Hand the week on; as on the /handoff page, only its Primary or an admin applies it.

    A dry run, which changes nothing, is open to any member, as the page's checklist is.
    """
    actor = acting_as(user, body.by or user.handle)
    week = body.week_start or handoff_page.this_week(desk)
    preview = shifts.handoff(desk, week_start=week, dry_run=True, release=body.release)
    if body.dry_run:
        result = preview
    else:
        if user.handle != preview.from_member and not may(user.role, Permission.ADMINISTER):
            raise HTTPException(
                403,
                f"only {preview.from_member}, the week's Primary, or an admin may apply the"
                " handoff; a dry run shows what it would do",
            )
        result = shifts.handoff(
            desk, week_start=week, by=actor, note=body.note, release=body.release
        )
    return {
        "from": result.from_member,
        "to": result.to_member,
        "backup": result.backup,
        "handed": result.handed,
        "kept": result.kept,
        "kept_earlier": result.kept_earlier,
        "stayed": result.stayed,
        "to_backup": result.to_backup,
        "uncleared": result.uncleared,
        "dry_run": body.dry_run,
    }


@router.get("/effort")
def list_effort(
    desk: DeskDep,
    classified: SeesClassified,
    member: Text | None = None,
    inquiry: RecordId | None = None,
) -> list[dict[str, Any]]:
    return effort.list_effort(
        desk, member_handle=member, inquiry_number=inquiry, see_classified=classified
    )


@router.post("/effort", status_code=201, response_model=Created)
def log_effort(desk: DeskDep, user: ApiUser, body: EffortIn) -> Created:
    if body.inquiry is not None:
        # Effort on an inquiry the reader may not see: missing, as a read of it would answer.
        inquiries.check_readable(desk, body.inquiry, see_classified=sees_classified(user))
    return Created(
        id=effort.log_effort(
            desk,
            by=acting_as(user, body.by),
            minutes=body.minutes,
            on=body.on,
            note=body.note,
            inquiry_number=body.inquiry,
        )
    )


@router.get("/audit")
def audit_log(
    desk: DeskDep, classified: SeesClassified, inquiry: RecordId | None = None
) -> list[dict[str, Any]]:
    return records.audit_log(desk, inquiry_number=inquiry, see_classified=classified)


@router.get("/notifications")
def notifications(
    desk: DeskDep, classified: SeesClassified, pending_only: bool = False
) -> list[dict[str, Any]]:
    return records.notifications(desk, pending_only=pending_only, see_classified=classified)


@router.get("/outbox")
def outbox(
    desk: DeskDep,
    classified: SeesClassified,
    inquiry: RecordId | None = None,
    pending_only: bool = False,
) -> list[dict[str, Any]]:
    """What the desk queued to send, with attempts and the last error of each."""
    return outbox_service.list_outbox(
        desk, inquiry_number=inquiry, pending_only=pending_only, see_classified=classified
    )


@router.post("/outbox/{message_id}/retry")
def retry_outbox(
    desk: DeskDep, user: ApiUser, classified: SeesClassified, message_id: RecordId, body: ActorIn
) -> list[dict[str, Any]]:
    by = acting_as(user, body.by)
    outbox_service.retry(desk, message_id, by=by, see_classified=classified)
    return outbox_service.list_outbox(desk, pending_only=True, see_classified=classified)
