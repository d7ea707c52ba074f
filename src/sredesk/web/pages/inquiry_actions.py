"""Take the inquiry page's forms: each posts one desk command and goes back with a notice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from sredesk.core import lifecycle
from sredesk.core.github import parse_repo
from sredesk.core.holiday_rules import CalendarError
from sredesk.services import effort, escalations, github, inquiries, shifts
from sredesk.services.accounts import Principal
from sredesk.services.desk import USER_ERRORS
from sredesk.services.inquiry_page import desk_zone, end_of_day, local, parse_local
from sredesk.web.auth import FormUser
from sredesk.web.pages.common import attempt, back, desk_of
from sredesk.web.pages.form_keys import sent_once
from sredesk.web.pages.inquiry import form_inquiry_readable, github_of, show_inquiry
from sredesk.web.schemas import RecordId

# Every form here names an inquiry: one its sender may not see is not found. Each acts once
# for its one-time key: the guard runs after the check, and settles once the form answered.
router = APIRouter(
    include_in_schema=False,
    dependencies=[Depends(form_inquiry_readable), Depends(sent_once, scope="function")],
)

# Long enough for a pasted log; a form is not the place for more.
MAX_TEXT = 100_000
Text = Annotated[str, Form(max_length=MAX_TEXT)]
# A reply or note is checked in the route, so that a refusal can give the text back.
Typed = Annotated[str, Form()]
Short = Annotated[str, Form(max_length=2_000)]


def _page(number: int) -> str:
    return f"/inquiries/{number}"


def _write(
    request: Request,
    user: Principal,
    number: int,
    box: str,
    body: str,
    action: Callable[[], object],
    notice: str,
) -> Response:
    """Post a reply or a note; a refusal shows the page again with the text in its box."""
    if len(body) > MAX_TEXT:
        error = (
            f"the text is {len(body)} characters long; the most a comment may be is {MAX_TEXT}: "
            "shorten it, or attach the rest as a file"
        )
    else:
        try:
            action()
        except USER_ERRORS as refused:
            error = str(refused)
        else:
            return back(request, _page(number), notice=notice)
    return show_inquiry(request, user, number, error=error, draft={box: body})


def _form(
    request: Request,
    user: Principal,
    number: int,
    action: Callable[[], object],
    notice: str,
    draft: dict[str, str | list[str]],
) -> Response:
    """Run a form's command; a refusal shows the page again with the form as it was filled."""
    try:
        action()
    except USER_ERRORS as refused:
        return show_inquiry(request, user, number, error=str(refused), draft=draft)
    return back(request, _page(number), notice=notice)


@router.post("/inquiries/{number}/reply", response_model=None)
def reply(request: Request, user: FormUser, number: RecordId, body: Typed = "") -> Response:
    desk = desk_of(request)
    return _write(
        request,
        user,
        number,
        "reply",
        body,
        lambda: inquiries.reply(desk, number, body, by=user.handle),
        "Reply sent to the customer.",
    )


@router.post("/inquiries/{number}/note", response_model=None)
def note(request: Request, user: FormUser, number: RecordId, body: Typed = "") -> Response:
    desk = desk_of(request)
    return _write(
        request,
        user,
        number,
        "note",
        body,
        lambda: inquiries.note(desk, number, body, by=user.handle),
        "Internal note added; the customer does not see it.",
    )


@router.post("/inquiries/{number}/acknowledge")
def acknowledge(request: Request, user: FormUser, number: RecordId) -> RedirectResponse:
    desk = desk_of(request)
    return attempt(
        request,
        _page(number),
        lambda: inquiries.acknowledge(desk, number, by=user.handle),
        "Acknowledgement sent; the response clock has stopped.",
    )


@router.post("/inquiries/{number}/escalate", response_model=None)
def escalate(
    request: Request, user: FormUser, number: RecordId, to: Short = "", note: Text = ""
) -> Response:
    desk = desk_of(request)
    target = to.strip() or None
    return _form(
        request,
        user,
        number,
        lambda: escalations.escalate(desk, number, by=user.handle, to=target, note=note),
        f"Escalated to {target or 'the Backup'}; they have been notified.",
        {"escalate_to": to, "escalate_note": note},
    )


@router.post("/inquiries/{number}/escalations/{escalation_id}")
def answer_escalation(
    request: Request,
    user: FormUser,
    number: RecordId,
    escalation_id: RecordId,
    answer: Short = "",
    note: Text = "",
) -> RedirectResponse:
    desk = desk_of(request)
    return attempt(
        request,
        _page(number),
        lambda: escalations.answer(desk, number, escalation_id, answer, by=user.handle, note=note),
        f"Escalation {answer}; whoever asked has been told.",
    )


@router.post("/inquiries/{number}/delegate")
def delegate(
    request: Request, user: FormUser, number: RecordId, until: Short = "today", end: Short = ""
) -> RedirectResponse:
    """Propose the Backup holds the Primary role from now until tonight or a given time."""
    desk = desk_of(request)
    tz = desk_zone(desk)
    now = desk.now()
    try:
        finish = end_of_day(now, tz) if until == "today" else parse_local(end, tz)
    except CalendarError as error:
        return back(request, _page(number), error=str(error))
    if finish is None:
        return back(request, _page(number), error="give the delegation's end as a date and time")
    until_text = "the end of today" if until == "today" else local(finish, tz)
    return attempt(
        request,
        _page(number),
        lambda: shifts.delegate(desk, now, finish, by=user.handle),
        f"Asked the Backup to hold the Primary role until {until_text}; "
        "it is in force once they accept.",
    )


def _flag(value: str) -> bool:
    return value == "yes"


@router.post("/inquiries/{number}/keep")
def keep(request: Request, user: FormUser, number: RecordId, value: Short = "") -> RedirectResponse:
    desk = desk_of(request)
    kept = _flag(value)
    return attempt(
        request,
        _page(number),
        lambda: inquiries.keep_at_handoff(desk, number, kept, by=user.handle),
        "Kept at handoff: it stays with you." if kept else "No longer kept at handoff.",
    )


@router.post("/inquiries/{number}/serious")
def serious(
    request: Request, user: FormUser, number: RecordId, value: Short = ""
) -> RedirectResponse:
    desk = desk_of(request)
    marked = _flag(value)
    return attempt(
        request,
        _page(number),
        lambda: inquiries.mark_serious(desk, number, marked, by=user.handle),
        "Marked serious: it needs a postmortem." if marked else "No longer marked serious.",
    )


@router.post("/inquiries/{number}/resolve", response_model=None)
def resolve(
    request: Request,
    user: FormUser,
    number: RecordId,
    kinds: Annotated[list[str] | None, Form()] = None,
    note: Text = "",
    link_url: Short = "",
    link_kind: Short = "constructive-correction",
) -> Response:
    desk = desk_of(request)
    typed: dict[str, str | list[str]] = {
        "resolve_kinds": kinds or [],
        "resolve_url": link_url,
        "resolve_link_kind": link_kind,
        "resolve_note": note,
    }
    return _form(
        request,
        user,
        number,
        lambda: inquiries.resolve(
            desk,
            number,
            kinds or [],
            by=user.handle,
            note=note,
            link_url=link_url.strip() or None,
            link_kind=link_kind,
        ),
        "Resolved.",
        typed,
    )


@router.post("/inquiries/{number}/promote")
def promote(
    request: Request,
    user: FormUser,
    number: RecordId,
    repo: Short = "",
    title: Short = "",
    link_kind: Short = "constructive-correction",
) -> RedirectResponse:
    """Queue filing a product-development issue; the inquiry resolves once it exists."""
    desk = desk_of(request)
    config = github_of(request)
    if not config.token:
        return back(request, _page(number), error="GitHub is not configured on this desk")
    return attempt(
        request,
        _page(number),
        lambda: github.promote(
            desk,
            number,
            parse_repo(repo),
            by=user.handle,
            product_repos=config.product_repos,
            title=title.strip() or None,
            # Checked before anything is queued: the sender files the issue first.
            kind=lifecycle.link_kind(link_kind).value,
            link_back=config.inquiry_url(number),
        ),
        "Promotion queued: the inquiry resolves once the issue is filed.",
    )


@router.post("/inquiries/{number}/reopen")
def reopen(request: Request, user: FormUser, number: RecordId) -> RedirectResponse:
    desk = desk_of(request)
    return attempt(
        request, _page(number), lambda: inquiries.reopen(desk, number, by=user.handle), "Reopened."
    )


@router.post("/inquiries/{number}/effort")
def log_effort(
    request: Request, user: FormUser, number: RecordId, minutes: Short = "", note: Text = ""
) -> RedirectResponse:
    desk = desk_of(request)
    try:
        spent = int(minutes.strip())
    except ValueError:
        return back(request, _page(number), error="give the minutes as a whole number, e.g. 30")
    return attempt(
        request,
        _page(number),
        lambda: effort.log_effort(
            desk, by=user.handle, minutes=spent, note=note, inquiry_number=number
        ),
        f"Logged {spent} min.",
    )


@router.post("/inquiries/{number}/attachments/{attachment_id}/approve")
def approve_attachment(
    request: Request, user: FormUser, number: RecordId, attachment_id: RecordId
) -> RedirectResponse:
    desk = desk_of(request)
    return attempt(
        request,
        _page(number),
        lambda: inquiries.approve_attachment(desk, number, attachment_id, by=user.handle),
        "Attachment approved for world read.",
    )
