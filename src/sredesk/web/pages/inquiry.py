"""Serve one inquiry's page: its conversation, clocks, records and the forms that act on it."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from sredesk.adapters.github.settings import GitHubSettings
from sredesk.core.errors import NotFound
from sredesk.services import inquiries
from sredesk.services.accounts import Principal
from sredesk.services.inquiry_page import inquiry_page
from sredesk.web.auth import FormUser, PageUser, sees_classified
from sredesk.web.pages.common import desk_of, render
from sredesk.web.schemas import MAX_RECORD_ID, RecordId

router = APIRouter(include_in_schema=False)


def not_found(request: Request, user: Principal, number: int) -> HTMLResponse:
    return render(
        request,
        "error.html",
        user,
        status_code=404,
        active="queue",
        heading="No such inquiry",
        message=f"There is no inquiry #{number} on this desk; find it from the queue.",
    )


class NoSuchInquiry(Exception):
    """A form names an inquiry its sender may not see; the app answers with `not_found`."""

    def __init__(self, user: Principal, number: int) -> None:
        super().__init__(number)
        self.user = user
        self.number = number


def no_such_inquiry(request: Request, error: Exception) -> HTMLResponse:
    assert isinstance(error, NoSuchInquiry)
    return not_found(request, error.user, error.number)


async def form_inquiry_readable(request: Request, user: FormUser) -> None:
    """Guard a form post that names an inquiry in its path, before it does anything.

    The forms answer with the inquiry's page, or a notice of what they did, and their
    refusals tell one inquiry from another; so a sender who may not see a classified inquiry
    (a former member) finds it missing, exactly as a number with no inquiry, as the API's
    `api_inquiry_readable` does.
    """
    number = request.path_params.get("number", "")
    if sees_classified(user) or not number.isdigit() or int(number) > MAX_RECORD_ID:
        return
    try:
        await run_in_threadpool(
            partial(inquiries.check_readable, desk_of(request), int(number), see_classified=False)
        )
    except NotFound:
        raise NoSuchInquiry(user, int(number)) from None


def github_of(request: Request) -> GitHubSettings:
    config: GitHubSettings = request.app.state.github
    return config


def promote_refusal(config: GitHubSettings, inquiry: dict[str, object]) -> str:
    """Why the promote form is disabled, in a sentence; empty when it may be used."""
    if not config.token:
        return (
            "GitHub is not configured on this desk (no SREDESK_GITHUB_TOKEN), "
            "so nothing could file the issue; resolve with a link instead."
        )
    if not config.product_repos:
        return (
            "No product repositories are configured on this desk "
            "(SREDESK_GITHUB_PRODUCT_REPOS); resolve with a link instead."
        )
    if inquiry["sensitive"]:
        return "This inquiry is classified; it never leaves the desk."
    if inquiry["state"] in ("resolved", "closed"):
        return "The inquiry is not open; reopen it to promote it."
    return ""


# What each form of the page was given, for the page shown again after a refusal.
EMPTY_DRAFT: dict[str, str | list[str]] = {
    "reply": "",
    "note": "",
    "escalate_to": "",
    "escalate_note": "",
    "resolve_kinds": [],
    "resolve_url": "",
    "resolve_link_kind": "",
    "resolve_note": "",
}


def show_inquiry(
    request: Request,
    user: Principal,
    number: int,
    *,
    error: str = "",
    draft: dict[str, str | list[str]] | None = None,
) -> HTMLResponse:
    """The inquiry's page; with `error`, shown again as a 422 with the text typed in `draft`.

    `draft` holds what was typed in the form that was refused (the reply or note box, the
    resolve or escalate form), by the names of `EMPTY_DRAFT`, so a refusal loses nothing.
    """
    try:
        page = inquiry_page(
            desk_of(request), number, me=user.handle, see_classified=sees_classified(user)
        )
    except NotFound:
        return not_found(request, user, number)
    config = github_of(request)
    extra = {"error": error} if error else {}
    return render(
        request,
        "inquiry.html",
        user,
        status_code=422 if error else 200,
        i=page,
        promote_refused=promote_refusal(config, page),
        product_repos=list(config.product_repos),
        draft=EMPTY_DRAFT | (draft or {}),
        opens_private=sees_classified(user),
        **extra,
    )


@router.get("/inquiries/{number}", response_class=HTMLResponse)
def inquiry(request: Request, user: PageUser, number: RecordId) -> HTMLResponse:
    return show_inquiry(request, user, number)


@router.get("/inquiries/{number}/attachments/{attachment_id}", response_model=None)
def attachment(
    request: Request, user: PageUser, number: RecordId, attachment_id: RecordId
) -> Response:
    """Download an attachment: any, for the desk's members, to check one before approving it.

    A reader who is not on the desk (a viewer, a former member), who does not see classified
    inquiries either, gets only the attachments a member approved for world read.
    """
    on_desk = sees_classified(user)
    try:
        name, content_type, content = inquiries.attachment_content(
            desk_of(request), number, attachment_id, public_only=not on_desk, see_classified=on_desk
        )
    except NotFound as error:
        return render(
            request,
            "error.html",
            user,
            status_code=404,
            active="queue",
            heading="No such attachment",
            message=str(error),
        )
    return Response(
        content,
        media_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
