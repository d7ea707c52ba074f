"""Serve the rotation: plans, publishing, swaps, fairness, and the iCalendar feeds."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from sredesk.core.accounts import Permission, may
from sredesk.services import feeds, rotation, shifts, swap_requests
from sredesk.web.auth import ApiAdmin, ApiUser, acting_as
from sredesk.web.deps import DeskDep
from sredesk.web.schemas import (
    REFUSALS,
    ActorIn,
    CalendarDate,
    Created,
    Handle,
    RecordId,
    Strict,
    Text,
)

router = APIRouter(tags=["rotation"], responses=REFUSALS)
calendar_router = APIRouter(tags=["calendar"], responses={c: REFUSALS[c] for c in (404, 422)})


class PlanIn(Strict):
    start: date
    weeks: int = Field(ge=1, le=52)
    by: str | None = Field(None, description="who drafts it: the signed-in user when omitted")


class SwapIn(Strict):
    by: Handle
    week: date
    role: Literal["primary", "backup"]
    member: Handle
    to: Handle
    note: str = ""


class SwapRequestIn(Strict):
    by: Handle = Field(description="who asks: they must hold the role that week")
    week: CalendarDate = Field(description="any day of the week; its Monday is meant")
    role: Literal["primary", "backup"]
    note: Text = Field("", max_length=500)


class SwapRequestOut(BaseModel):
    """An open request, and what the signed-in user may do with it."""

    model_config = ConfigDict(populate_by_name=True)

    id: int
    week_start: date
    role: Literal["primary", "backup"]
    from_member: str = Field(alias="from", description="who asks and holds the role")
    note: str
    asked_at: date
    eligible: list[str] = Field(description="who may take the week, best first")
    mine: bool = Field(description="the signed-in user asked for it")
    may_accept: bool = Field(description="the signed-in user may take the week")


class SwapAcceptedOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: int
    week_start: date
    role: Literal["primary", "backup"]
    from_member: str = Field(alias="from")
    to: str
    warnings: list[str] = Field(
        description="one line for each rule of the planner the swap breaks (two newer members"
        " together, or back-to-back Primary weeks); it is made all the same"
    )


@router.get("/plans")
def plans(desk: DeskDep) -> list[dict[str, Any]]:
    return rotation.list_plans(desk)


@router.post("/plans", status_code=201)
async def draft(desk: DeskDep, user: ApiUser, body: PlanIn) -> dict[str, Any]:
    by = acting_as(user, body.by or user.handle)
    # The solver runs for up to seconds: keep it off the event loop.
    return await run_in_threadpool(rotation.plan, desk, body.start, body.weeks, by=by)


@router.post("/plans/{plan_id}/publish")
def publish(desk: DeskDep, plan_id: RecordId, _admin: ApiAdmin) -> dict[str, Any]:
    return rotation.publish(desk, plan_id)


@router.get("/swaps/options")
def swap_options(
    desk: DeskDep, week: date, role: Literal["primary", "backup"], member: Text
) -> list[dict[str, Any]]:
    return rotation.swap_options(desk, week, role, member)


@router.post("/swaps", status_code=201)
def swap(desk: DeskDep, user: ApiUser, body: SwapIn) -> list[dict[str, Any]]:
    """Record a swap the holder and the replacement agreed: an admin's act.

    A member asks for a swap instead (POST /swap-requests, or the rotation page), and the
    one who takes it accepts it, so nobody is put into a week without saying yes.
    """
    if not may(user.role, Permission.ADMINISTER):
        raise HTTPException(
            403,
            "only an admin records a swap directly; ask for a swap request on /rotation or"
            " with POST /api/v1/swap-requests, and the member who takes the week accepts it",
        )
    rotation.swap(
        desk,
        body.week,
        body.role,
        body.member,
        body.to,
        by=acting_as(user, body.by),
        note=body.note,
    )
    return shifts.list_shifts(desk, start=body.week, end=body.week)


@router.get("/swap-requests", response_model=list[SwapRequestOut])
def open_swap_requests(desk: DeskDep, user: ApiUser) -> list[dict[str, Any]]:
    """The open requests: not taken, withdrawn or past, and still held by who asked."""
    return swap_requests.open_requests(desk, me=user.handle)


@router.post("/swap-requests", status_code=201, response_model=Created)
def ask_for_swap(desk: DeskDep, user: ApiUser, body: SwapRequestIn) -> Created:
    """Ask the team to take a week's role from you; those who may take it are told."""
    by = acting_as(user, body.by)
    return Created(id=swap_requests.request_swap(desk, body.week, body.role, by=by, note=body.note))


@router.post("/swap-requests/{request_id}/accept", response_model=SwapAcceptedOut)
def accept_swap(
    desk: DeskDep, user: ApiUser, request_id: RecordId, body: ActorIn
) -> SwapAcceptedOut:
    """Take the asked-for role yourself: the week changes and the team is told."""
    by = acting_as(user, body.by).lstrip("@")
    asked, warnings = swap_requests.accept(desk, request_id, by=by)
    assert asked.id is not None
    return SwapAcceptedOut(
        id=asked.id,
        week_start=asked.week_start,
        role=asked.role,
        from_member=asked.from_member,
        to=by,
        warnings=warnings,
    )


@router.post("/swap-requests/{request_id}/withdraw", response_model=list[SwapRequestOut])
def withdraw_swap(
    desk: DeskDep, user: ApiUser, request_id: RecordId, body: ActorIn
) -> list[dict[str, Any]]:
    """Take back your own request; return the requests still open."""
    swap_requests.withdraw(desk, request_id, by=acting_as(user, body.by).lstrip("@"))
    return swap_requests.open_requests(desk, me=user.handle)


@router.get("/fairness")
def fairness(desk: DeskDep) -> dict[str, Any]:
    return rotation.fairness(desk)


@calendar_router.get("/calendar/{name}.ics", response_class=Response)
def feed(desk: DeskDep, name: Text, token: Text = Query(..., min_length=8)) -> Response:
    """The team's feed (name `team`) or a member's; the URL's token must open it."""
    body = feeds.render(desk, name, token=token)
    return Response(body, media_type="text/calendar; charset=utf-8")
