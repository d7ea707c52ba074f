"""Serve inquiries: list, open, show, and every change to their conversation and state."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from sredesk.core.postmortem import PostmortemDraft
from sredesk.services import escalations, inquiries, postmortems
from sredesk.web.auth import ApiUser, SeesClassified, acting_as
from sredesk.web.deps import DeskDep
from sredesk.web.schemas import (
    REFUSALS,
    ActorIn,
    AssignIn,
    Created,
    CustomerMessageIn,
    EscalateIn,
    EscalationAnswerIn,
    FlagIn,
    InquiryDetailOut,
    InquiryIn,
    InquiryOut,
    LabelsIn,
    LinkIn,
    PostmortemIn,
    RecordId,
    ResolveIn,
    ResponseTimeIn,
    Text,
    TextIn,
)

router = APIRouter(prefix="/inquiries", tags=["inquiries"], responses=REFUSALS)


@router.get("", response_model=list[InquiryOut])
def list_inquiries(
    desk: DeskDep,
    classified: SeesClassified,
    state: Text | None = Query(None, description="new, responded, waiting-on-customer, ..."),
    assignee: Text | None = None,
    channel: Text | None = None,
    open_only: bool = False,
) -> list[dict[str, Any]]:
    return inquiries.list_inquiries(
        desk,
        state=state,
        assignee=assignee,
        channel=channel,
        open_only=open_only,
        see_classified=classified,
    )


@router.post("", status_code=201, response_model=InquiryDetailOut)
def open_inquiry(desk: DeskDep, user: ApiUser, body: InquiryIn) -> dict[str, Any]:
    number = inquiries.open_inquiry(
        desk,
        title=body.title,
        channel=body.channel,
        source=body.source,
        customers=body.customers,
        body=body.body,
        actor=acting_as(user, body.by or user.handle),
        sensitive=body.sensitive,
        serious=body.serious,
        response_hours=body.response_hours,
        response_days=body.response_days,
        labels=body.labels,
        created_at=body.created_at,
        redirected_by=body.redirected_by,
    )
    return inquiries.get_inquiry(desk, number)


@router.get("/{number}", response_model=InquiryDetailOut)
def show(desk: DeskDep, number: RecordId, classified: SeesClassified) -> dict[str, Any]:
    return inquiries.get_inquiry(desk, number, see_classified=classified)


@router.post("/{number}/replies", response_model=InquiryDetailOut)
def reply(desk: DeskDep, user: ApiUser, number: RecordId, body: TextIn) -> dict[str, Any]:
    inquiries.reply(desk, number, body.body, by=acting_as(user, body.by))
    return inquiries.get_inquiry(desk, number)


@router.post("/{number}/notes", response_model=InquiryDetailOut)
def note(desk: DeskDep, user: ApiUser, number: RecordId, body: TextIn) -> dict[str, Any]:
    inquiries.note(desk, number, body.body, by=acting_as(user, body.by))
    return inquiries.get_inquiry(desk, number)


@router.post("/{number}/customer-messages", response_model=InquiryDetailOut)
def customer_message(desk: DeskDep, number: RecordId, body: CustomerMessageIn) -> dict[str, Any]:
    inquiries.customer_wrote(
        desk, number, author=body.author, body=body.body, message_id=body.message_id
    )
    return inquiries.get_inquiry(desk, number)


@router.post("/{number}/acknowledge", response_model=InquiryDetailOut)
def acknowledge(desk: DeskDep, user: ApiUser, number: RecordId, body: ActorIn) -> dict[str, Any]:
    inquiries.acknowledge(desk, number, by=acting_as(user, body.by))
    return inquiries.get_inquiry(desk, number)


@router.post("/{number}/wait", response_model=InquiryDetailOut)
def wait(desk: DeskDep, user: ApiUser, number: RecordId, body: ActorIn) -> dict[str, Any]:
    inquiries.wait_on_customer(desk, number, by=acting_as(user, body.by))
    return inquiries.get_inquiry(desk, number)


@router.post("/{number}/resolve", response_model=InquiryDetailOut)
def resolve(desk: DeskDep, user: ApiUser, number: RecordId, body: ResolveIn) -> dict[str, Any]:
    inquiries.resolve(
        desk,
        number,
        body.kinds,
        by=acting_as(user, body.by),
        note=body.note,
        link_url=body.link_url,
        link_kind=body.link_kind,
    )
    return inquiries.get_inquiry(desk, number)


@router.post("/{number}/reopen", response_model=InquiryDetailOut)
def reopen(desk: DeskDep, user: ApiUser, number: RecordId, body: ActorIn) -> dict[str, Any]:
    inquiries.reopen(desk, number, by=acting_as(user, body.by))
    return inquiries.get_inquiry(desk, number)


@router.post("/{number}/close", response_model=InquiryDetailOut)
def close(desk: DeskDep, user: ApiUser, number: RecordId, body: ActorIn) -> dict[str, Any]:
    inquiries.close(desk, number, by=acting_as(user, body.by))
    return inquiries.get_inquiry(desk, number)


@router.post("/{number}/serious", response_model=InquiryDetailOut)
def serious(desk: DeskDep, user: ApiUser, number: RecordId, body: FlagIn) -> dict[str, Any]:
    inquiries.mark_serious(desk, number, body.value, by=acting_as(user, body.by))
    return inquiries.get_inquiry(desk, number)


@router.post("/{number}/keep", response_model=InquiryDetailOut)
def keep(desk: DeskDep, user: ApiUser, number: RecordId, body: FlagIn) -> dict[str, Any]:
    inquiries.keep_at_handoff(desk, number, body.value, by=acting_as(user, body.by))
    return inquiries.get_inquiry(desk, number)


@router.post("/{number}/labels", response_model=InquiryDetailOut)
def labels(desk: DeskDep, user: ApiUser, number: RecordId, body: LabelsIn) -> dict[str, Any]:
    inquiries.label(desk, number, by=acting_as(user, body.by), add=body.add, remove=body.remove)
    return inquiries.get_inquiry(desk, number)


@router.post("/{number}/links", response_model=InquiryDetailOut)
def link(desk: DeskDep, user: ApiUser, number: RecordId, body: LinkIn) -> dict[str, Any]:
    inquiries.link(desk, number, body.url, body.kind, by=acting_as(user, body.by))
    return inquiries.get_inquiry(desk, number)


@router.post("/{number}/assign", response_model=InquiryDetailOut)
def assign(desk: DeskDep, user: ApiUser, number: RecordId, body: AssignIn) -> dict[str, Any]:
    inquiries.assign(desk, number, body.to, by=acting_as(user, body.by))
    return inquiries.get_inquiry(desk, number)


@router.post("/{number}/response-time", response_model=InquiryDetailOut)
def response_time(
    desk: DeskDep, user: ApiUser, number: RecordId, body: ResponseTimeIn
) -> dict[str, Any]:
    inquiries.set_response_time(
        desk, number, body.hours, days=body.days, by=acting_as(user, body.by)
    )
    return inquiries.get_inquiry(desk, number)


@router.post("/{number}/redirect-confirmed", response_model=InquiryDetailOut)
def redirect_confirmed(
    desk: DeskDep, user: ApiUser, number: RecordId, body: ActorIn
) -> dict[str, Any]:
    inquiries.confirm_redirect(desk, number, by=acting_as(user, body.by))
    return inquiries.get_inquiry(desk, number)


@router.post("/{number}/escalations", status_code=201, response_model=Created)
def escalate(desk: DeskDep, user: ApiUser, number: RecordId, body: EscalateIn) -> Created:
    return Created(
        id=escalations.escalate(
            desk, number, by=acting_as(user, body.by), to=body.to, note=body.note
        )
    )


@router.post("/{number}/escalations/{escalation_id}", response_model=InquiryDetailOut)
def answer_escalation(
    desk: DeskDep,
    user: ApiUser,
    number: RecordId,
    escalation_id: RecordId,
    body: EscalationAnswerIn,
) -> dict[str, Any]:
    escalations.answer(
        desk, number, escalation_id, body.answer, by=acting_as(user, body.by), note=body.note
    )
    return inquiries.get_inquiry(desk, number)


@router.get("/{number}/postmortem/draft")
def postmortem_draft(desk: DeskDep, number: RecordId, classified: SeesClassified) -> dict[str, str]:
    return postmortems.draft(desk, number, see_classified=classified)


@router.put("/{number}/postmortem", response_model=InquiryDetailOut)
def postmortem(
    desk: DeskDep, user: ApiUser, number: RecordId, body: PostmortemIn
) -> dict[str, Any]:
    text = PostmortemDraft(
        what_happened=body.what_happened,
        why=body.why,
        resources=body.resources,
        milestones=body.milestones,
        recommendations=body.recommendations,
    )
    postmortems.write(desk, number, text, by=acting_as(user, body.by))
    return inquiries.get_inquiry(desk, number)


@router.post("/{number}/attachments", status_code=201, response_model=Created)
async def attach(
    desk: DeskDep,
    user: ApiUser,
    number: RecordId,
    by: Annotated[Text, Form(min_length=1, max_length=40)],
    file: UploadFile = File(...),
) -> Created:
    content = await file.read()
    attachment = await run_in_threadpool(
        inquiries.attach,
        desk,
        number,
        filename=file.filename or "",
        content=content,
        content_type=file.content_type or "application/octet-stream",
        by=acting_as(user, by),
    )
    return Created(id=attachment)


@router.post("/{number}/attachments/{attachment_id}/approve", response_model=InquiryDetailOut)
def approve_attachment(
    desk: DeskDep, user: ApiUser, number: RecordId, attachment_id: RecordId, body: ActorIn
) -> dict[str, Any]:
    inquiries.approve_attachment(desk, number, attachment_id, by=acting_as(user, body.by))
    return inquiries.get_inquiry(desk, number)


@router.get("/{number}/attachments/{attachment_id}/public")
def public_attachment(
    desk: DeskDep, number: RecordId, attachment_id: RecordId, classified: SeesClassified
) -> Response:
    """An attachment a member approved for world read; a private one is not found."""
    name, content_type, content = inquiries.attachment_content(
        desk, number, attachment_id, public_only=True, see_classified=classified
    )
    return Response(
        content,
        media_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
