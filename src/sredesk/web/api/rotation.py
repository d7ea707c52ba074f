"""Serve the rotation: plans, publishing, swaps, fairness, and the iCalendar feeds."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from sredesk.core.accounts import Permission, may
from sredesk.services import feeds, rotation, shifts
from sredesk.web.auth import ApiAdmin, ApiUser, acting_as
from sredesk.web.deps import DeskDep
from sredesk.web.schemas import REFUSALS, Handle, RecordId, Strict, Text

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

    A member asks for a swap on the rotation page instead, and the one who takes it accepts
    there, so nobody is put into a week without saying yes.
    """
    if not may(user.role, Permission.ADMINISTER):
        raise HTTPException(
            403,
            "only an admin records a swap directly; ask for a swap request on /rotation,"
            " and the member who takes the week accepts it there",
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


@router.get("/fairness")
def fairness(desk: DeskDep) -> dict[str, Any]:
    return rotation.fairness(desk)


@calendar_router.get("/calendar/{name}.ics", response_class=Response)
def feed(desk: DeskDep, name: Text, token: Text = Query(..., min_length=8)) -> Response:
    """The team's feed (name `team`) or a member's; the URL's token must open it."""
    body = feeds.render(desk, name, token=token)
    return Response(body, media_type="text/calendar; charset=utf-8")
