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


def _show(
    request: Request,
    user: Principal,
    data: dict[str, Any],
    *,
    error: str = "",
    note: str = "",
    choices: dict[int, bool] | None = None,
) -> HTMLResponse:
    """The checklist; with `error`, shown again as a 422 with the note and choices as typed."""
    extra = {"error": error} if error else {}
    return render(
        request,
        "handoff.html",
        user,
        status_code=422 if error else 200,
        h=data,
        may_apply=may_apply(user, data),
        note=note,
        choices=choices or {},
        **extra,
    )


@router.get("/handoff", response_class=HTMLResponse)
def handoff_checklist(request: Request, user: PageUser) -> HTMLResponse:
    desk = desk_of(request)
    week = handoff_page.this_week(desk)
    return _show(
        request, user, handoff_page.checklist(desk, week, see_classified=sees_classified(user))
    )


@router.post("/handoff", response_model=None)
async def apply_handoff(request: Request, user: FormUser) -> HTMLResponse | RedirectResponse:
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
    note, choices = str(form.get("note") or ""), _choices(form)
    # A refusal shows the checklist again with the note and choices as typed, so none is lost.
    if form.get("week") != week.isoformat():
        refusal = "the week has changed since this page was loaded; review it"
        return _show(request, user, data, error=refusal, note=note, choices=choices)
    if len(note) > MAX_NOTE:
        refusal = f"the note must be at most {MAX_NOTE} characters long"
        return _show(request, user, data, error=refusal, note=note, choices=choices)
    try:
        result = await run_in_threadpool(
            handoff_page.apply, desk, week, choices, by=user.handle, note=note
        )
    except USER_ERRORS as error:
        return _show(request, user, data, error=str(error), note=note, choices=choices)
    handed = len(result.handed)
    stayed = f", {len(result.stayed)} already with them" if result.stayed else ""
    return back(
        request,
        "/handoff",
        notice=f"Handoff applied: {handed} {'inquiry' if handed == 1 else 'inquiries'} "
        f"handed to {result.to_member}{stayed}, {len(result.kept)} kept by {result.from_member}.",
    )
