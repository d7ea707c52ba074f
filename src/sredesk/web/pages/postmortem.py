"""Serve a serious inquiry's postmortem: pre-filled from its records, saved, and printable."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from sredesk.core.errors import InvalidTransition, NotFound
from sredesk.core.postmortem import PostmortemDraft
from sredesk.services import inquiries, postmortems
from sredesk.services.accounts import Principal
from sredesk.services.desk import USER_ERRORS
from sredesk.services.inquiry_page import desk_zone, local
from sredesk.web.auth import FormUser, PageUser, sees_classified
from sredesk.web.pages.common import back, desk_of, render
from sredesk.web.pages.inquiry import form_inquiry_readable, not_found
from sredesk.web.schemas import RecordId

router = APIRouter(include_in_schema=False)

Section = Annotated[str, Form(max_length=50_000)]
# The form's sections, in the order a reader wants them.
SECTIONS = (
    ("what_happened", "What happened"),
    ("why", "Why it happened"),
    ("resources", "Resources spent"),
    ("milestones", "Milestones"),
    ("recommendations", "Recommendations"),
)


def _show(
    request: Request,
    user: Principal,
    number: int,
    *,
    given: dict[str, str] | None = None,
    problem: str = "",
    status: int = 422,
) -> HTMLResponse:
    desk = desk_of(request)
    classified = sees_classified(user)
    try:
        inquiry = inquiries.get_inquiry(desk, number, see_classified=classified)
    except NotFound:
        return not_found(request, user, number)
    saved = inquiry["postmortem"]
    if saved is not None:
        saved = {**saved, "written_local": local(saved["written_at"], desk_zone(desk))}
    # A saved postmortem is edited from what it says; otherwise start from the records.
    text = given or saved or postmortems.draft(desk, number, see_classified=classified)
    return render(
        request,
        "postmortem.html",
        user,
        status_code=status if problem else 200,
        i=inquiry,
        saved=saved,
        # The form says which save it edits, so that saving it cannot undo a later one.
        revision=postmortems.revision(desk, number, see_classified=classified),
        text=text,
        sections=SECTIONS,
        problem=problem,
    )


@router.get("/inquiries/{number}/postmortem", response_class=HTMLResponse)
def postmortem_page(request: Request, user: PageUser, number: RecordId) -> HTMLResponse:
    return _show(request, user, number)


@router.post("/inquiries/{number}/postmortem", dependencies=[Depends(form_inquiry_readable)])
def save_postmortem(
    request: Request,
    user: FormUser,
    number: RecordId,
    what_happened: Section = "",
    why: Section = "",
    resources: Section = "",
    milestones: Section = "",
    recommendations: Section = "",
    revision: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Save; a refusal shows the form again with what was typed, so nothing is lost.

    A form that edits an older save than the latest is refused, beside the latest.
    """
    text = PostmortemDraft(
        what_happened=what_happened,
        why=why,
        resources=resources,
        milestones=milestones,
        recommendations=recommendations,
    )
    replacing = int(revision) if revision.isdigit() else None
    try:
        postmortems.write(desk_of(request), number, text, by=user.handle, replacing=replacing)
    except USER_ERRORS as error:
        status = 409 if isinstance(error, InvalidTransition) else 422
        return _show(request, user, number, given=asdict(text), problem=str(error), status=status)
    return back(request, f"/inquiries/{number}/postmortem", notice="Postmortem saved.")
