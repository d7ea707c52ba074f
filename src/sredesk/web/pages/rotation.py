"""Serve the rotation page: the month calendar, fairness, swap requests and feed links."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from sredesk.core.dates import parse_date
from sredesk.services import feeds, rotation, rotation_page, swap_requests
from sredesk.services.accounts import Principal
from sredesk.services.desk import USER_ERRORS
from sredesk.web.auth import FormUser, PageUser
from sredesk.web.pages.common import attempt, back, desk_of, render
from sredesk.web.schemas import RecordId

router = APIRouter(include_in_schema=False)

Month = Annotated[str, Query(max_length=20)]


def feed_url(request: Request, name: str, token: str) -> dict[str, str]:
    """The feed's address for a browser and the webcal:// one calendar apps subscribe to."""
    https = str(request.base_url).rstrip("/") + f"/calendar/{name}.ics?token={token}"
    return {"name": name, "https": https, "webcal": "webcal://" + https.split("://", 1)[1]}


def _page(
    request: Request,
    user: Principal,
    month: str = "",
    *,
    created: dict[str, str] | None = None,
) -> HTMLResponse:
    desk = desk_of(request)
    problem, status = "", 200
    try:
        cal = rotation_page.month_calendar(desk, month or None)
    except USER_ERRORS as error:
        problem, status = str(error), 422
        cal = rotation_page.month_calendar(desk)
    context: dict[str, Any] = {
        "cal": cal,
        "fairness": rotation.fairness(desk),
        "requests": swap_requests.open_requests(desk, me=user.handle),
        "my_weeks": rotation_page.my_weeks(desk, user.handle),
        "links": rotation_page.feed_links(desk, user.handle),
        "created": created,
        "problem": problem,
    }
    response = render(request, "rotation.html", user, status_code=status, **context)
    if created:
        # The link holds a secret shown this once: keep it out of every cache.
        response.headers["cache-control"] = "no-store"
    return response


@router.get("/rotation", response_class=HTMLResponse)
def rotation_month(request: Request, user: PageUser, month: Month = "") -> HTMLResponse:
    return _page(request, user, month)


@router.post("/rotation/swap-requests")
def ask_for_swap(
    request: Request,
    user: FormUser,
    week: Annotated[str, Form(max_length=20)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    def ask() -> None:
        day = parse_date(week.strip(), "week")
        swap_requests.request_swap(desk_of(request), day, role, by=user.handle, note=note)

    return attempt(request, "/rotation", ask, f"Asked the team to take your {role} week of {week}.")


@router.post("/rotation/swap-requests/{request_id}/accept")
def accept_swap(request: Request, user: FormUser, request_id: RecordId) -> RedirectResponse:
    try:
        asked, warnings = swap_requests.accept(desk_of(request), request_id, by=user.handle)
    except USER_ERRORS as error:
        return back(request, "/rotation", error=str(error))
    return back(
        request,
        f"/rotation?month={asked.week_start:%Y-%m}",
        notice=" ".join(
            [
                f"You are now {asked.role} in the week of {asked.week_start}, "
                f"in place of {asked.from_member}.",
                *(f"Note: {w}." for w in warnings),
            ]
        ),
    )


@router.post("/rotation/swap-requests/{request_id}/withdraw")
def withdraw_swap(request: Request, user: FormUser, request_id: RecordId) -> RedirectResponse:
    return attempt(
        request,
        "/rotation",
        lambda: swap_requests.withdraw(desk_of(request), request_id, by=user.handle),
        f"Withdrew swap request {request_id}.",
    )


@router.post("/rotation/subscribe", response_model=None)
def subscribe(
    request: Request,
    user: FormUser,
    feed: Annotated[str, Form(max_length=10)] = "mine",
) -> HTMLResponse | RedirectResponse:
    """Make a feed token and show its link once, on this response: only its digest is kept."""
    scope = feeds.TEAM if feed == "team" else user.handle
    try:
        token = feeds.issue_token(desk_of(request), scope, by=user.handle)
    except USER_ERRORS as error:
        return back(request, "/rotation", error=str(error))
    return _page(request, user, created=feed_url(request, scope, token))
