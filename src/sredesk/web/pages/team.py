"""Serve the team page: members, percent-time, experience, join date, time-off; admins edit."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sredesk.core.dates import parse_date
from sredesk.core.errors import InvalidInput
from sredesk.services import team
from sredesk.services.accounts import Principal
from sredesk.services.desk import USER_ERRORS
from sredesk.web.auth import AdminUser, PageUser
from sredesk.web.pages.common import attempt, back, desk_of, render

router = APIRouter(include_in_schema=False)

Short = Annotated[str, Form(max_length=100)]
Flag = Annotated[str, Form(max_length=10)]


def whole_number(value: str, what: str) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise InvalidInput(f"{what} {value!r} is not a whole number") from None
    # The database's integers end at 2**31 - 1: a larger one names nothing.
    if abs(number) > 2**31 - 1:
        raise InvalidInput(f"{what} {number} is too large")
    return number


def optional_date(value: str, what: str) -> date | None:
    return parse_date(value.strip(), what) if value.strip() else None


# What the add-member and time-off forms hold before anything is typed.
EMPTY_FORMS: dict[str, str] = {
    "handle": "",
    "name": "",
    "email": "",
    "percent_time": "50",
    "experience": "0",
    "joined": "",
    "timezone": "",
    "classified_access": "",
    "off_member": "",
    "off_start": "",
    "off_end": "",
    "off_reason": "vacation",
}


def _show(
    request: Request, user: Principal, *, error: str = "", typed: dict[str, str] | None = None
) -> HTMLResponse:
    """The team page; with `error`, a 422 with the refused form as it was filled in `typed`."""
    overview = team.team_overview(desk_of(request))
    forms = EMPTY_FORMS | {"timezone": overview["timezone"]} | (typed or {})
    extra = {"error": error} if error else {}
    status = 422 if error else 200
    return render(
        request, "team.html", user, status_code=status, team=overview, typed=forms, **extra
    )


def _submit(
    request: Request,
    user: Principal,
    action: Callable[[], object],
    notice: str,
    typed: dict[str, str],
) -> Response:
    """Run a form's command; a refusal shows the page again with the form as it was filled."""
    try:
        action()
    except USER_ERRORS as error:
        return _show(request, user, error=str(error), typed=typed)
    return back(request, "/team", notice=notice)


@router.get("/team", response_class=HTMLResponse)
def team_page(request: Request, user: PageUser) -> HTMLResponse:
    return _show(request, user)


@router.post("/team/members", response_model=None)
def add_member(
    request: Request,
    user: AdminUser,
    handle: Short = "",
    name: Short = "",
    email: Annotated[str, Form(max_length=320)] = "",
    percent_time: Short = "",
    experience: Short = "0",
    timezone: Short = "",
    classified_access: Flag = "",
    joined: Short = "",
) -> Response:
    def add() -> None:
        team.add_member(
            desk_of(request),
            handle.strip(),
            name,
            email.strip(),
            percent_time=whole_number(percent_time, "percent-time"),
            experience=whole_number(experience, "experience"),
            classified_access=bool(classified_access),
            timezone=timezone.strip() or "America/Los_Angeles",
            joined=optional_date(joined, "joined"),
            actor=user.handle,
        )

    typed = {
        "handle": handle,
        "name": name,
        "email": email,
        "percent_time": percent_time,
        "experience": experience,
        "joined": joined,
        "timezone": timezone,
        "classified_access": classified_access,
    }
    return _submit(request, user, add, f"Added {handle.strip()} to the team.", typed)


def _member_fields(
    percent_time: str, experience: str, active: str, classified_access: str, joined: str
) -> dict[str, Any]:
    """The form's fields as the desk takes them."""
    return {
        "percent_time": whole_number(percent_time, "percent-time"),
        "experience": whole_number(experience, "experience"),
        "active": bool(active),
        "classified_access": bool(classified_access),
        "joined": optional_date(joined, "joined"),
    }


def _as_viewed(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields as `team.list_members` gives them, to compare with what is stored."""
    joined = fields["joined"]
    return {**fields, "joined": joined.isoformat() if joined is not None else None}


def _shown(text: str) -> dict[str, Any]:
    """What the row showed of the member: the JSON object its hidden `shown` field holds."""
    try:
        shown = json.loads(text)
    except ValueError:
        shown = None
    if not isinstance(shown, dict):
        raise InvalidInput("the member's row is damaged; reload the team page")
    return shown


@router.post("/team/members/{handle}")
def update_member(
    request: Request,
    user: AdminUser,
    handle: str,
    percent_time: Short = "",
    experience: Short = "",
    active: Flag = "",
    classified_access: Flag = "",
    # The form states the whole member, as its boxes do: empty is "there from the start".
    joined: Short = "",
    shown: Annotated[str, Form(max_length=1000)] = "",
) -> RedirectResponse:
    """Save the member's row; with what it `shown`, only the fields the admin changed.

    A page loaded before another admin's change then saves no old value over it, and a
    field both changed is refused. A post that does not say what it showed sets them all.
    """

    def update() -> None:
        fields = _member_fields(percent_time, experience, active, classified_access, joined)
        expected: dict[str, Any] | None = None
        if shown:
            was, now = _shown(shown), _as_viewed(fields)
            fields = {k: v for k, v in fields.items() if now[k] != was.get(k)}
            expected = {k: was.get(k) for k in fields}
        team.update_member(desk_of(request), handle, actor=user.handle, expected=expected, **fields)

    return attempt(request, "/team", update, f"Saved {handle}.")


@router.post("/team/time-off", response_model=None)
def add_time_off(
    request: Request,
    user: AdminUser,
    member: Short = "",
    start: Short = "",
    end: Short = "",
    reason: Short = "vacation",
) -> Response:
    def add() -> None:
        team.add_time_off(
            desk_of(request),
            member,
            parse_date(start.strip(), "start"),
            parse_date(end.strip(), "end"),
            reason.strip() or "vacation",
            actor=user.handle,
        )

    typed = {"off_member": member, "off_start": start, "off_end": end, "off_reason": reason}
    notice = f"Added time-off for {member} from {start} to {end}."
    return _submit(request, user, add, notice, typed)


@router.post("/team/time-off/remove")
def remove_time_off(
    request: Request, user: AdminUser, member: Short = "", time_off_id: Short = ""
) -> RedirectResponse:
    try:
        removed = team.remove_time_off(
            desk_of(request),
            member.strip(),
            whole_number(time_off_id, "time-off id"),
            actor=user.handle,
        )
    except USER_ERRORS as error:
        return back(request, "/team", error=str(error))
    return back(
        request,
        "/team",
        notice=f"Removed time-off for {removed['member']} from {removed['start']} "
        f"to {removed['end']}.",
    )
