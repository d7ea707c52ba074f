"""Serve the end-of-shift handoff: the outgoing Primary's checklist, and applying it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from sredesk.core.accounts import Permission, may
from sredesk.services import handoff_page
from sredesk.services.accounts import Principal
from sredesk.services.desk import USER_ERRORS
from sredesk.web.auth import FormUser, PageUser, sees_classified
from sredesk.web.pages.common import back, desk_of, render

router = APIRouter(include_in_schema=False)

MAX_NOTE = 2000


def may_apply(user: Principal, data: dict[str, Any]) -> bool:
    """Only the week's outgoing Primary, or an admin, hands the desk on."""
    if data["problem"]:
        return False
    return user.handle == data["from_member"] or may(user.role, Permission.ADMINISTER)


def _choices(form: FormData) -> dict[int, bool]:
    """keep_N=keep|hand fields as {N: keep?}; anything else in the form is ignored."""
    choices: dict[int, bool] = {}
    for name, value in form.multi_items():
        number = name.removeprefix("keep_")
        if number != name and number.isdigit() and value in ("keep", "hand"):
            choices[int(number)] = value == "keep"
    return choices


@router.get("/handoff", response_class=HTMLResponse)
def handoff_checklist(request: Request, user: PageUser) -> HTMLResponse:
    desk = desk_of(request)
    week = handoff_page.this_week(desk)
    data = handoff_page.checklist(desk, week, see_classified=sees_classified(user))
    return render(request, "handoff.html", user, h=data, may_apply=may_apply(user, data))


@router.post("/handoff")
async def apply_handoff(request: Request, user: FormUser) -> RedirectResponse:
    form = await request.form()
    desk = desk_of(request)
    week = await run_in_threadpool(handoff_page.this_week, desk)
    data = await run_in_threadpool(
        handoff_page.checklist, desk, week, see_classified=sees_classified(user)
    )
    if data["problem"]:
        return back(request, "/handoff", error=data["problem"])
    if not may_apply(user, data):
        raise HTTPException(
            403,
            f"only {data['from_member']}, this week's Primary, or an admin may apply the handoff",
        )
    if form.get("week") != week.isoformat():
        return back(
            request, "/handoff", error="the week has changed since this page was loaded; review it"
        )
    note = str(form.get("note") or "")
    if len(note) > MAX_NOTE:
        return back(
            request, "/handoff", error=f"the note must be at most {MAX_NOTE} characters long"
        )
    try:
        result = await run_in_threadpool(
            handoff_page.apply, desk, week, _choices(form), by=user.handle, note=note
        )
    except USER_ERRORS as error:
        return back(request, "/handoff", error=str(error))
    handed = len(result.handed)
    stayed = f", {len(result.stayed)} already with them" if result.stayed else ""
    return back(
        request,
        "/handoff",
        notice=f"Handoff applied: {handed} {'inquiry' if handed == 1 else 'inquiries'} "
        f"handed to {result.to_member}{stayed}, {len(result.kept)} kept by {result.from_member}.",
    )
