"""Receive GitHub's webhooks and serve the low-hanging-fruit backlog."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from sredesk.core.github import parse_known_issue, parse_repo
from sredesk.core.model import LinkKind
from sredesk.services import backlog, github
from sredesk.web.auth import ApiUser, acting_as, api_inquiry_readable, api_principal
from sredesk.web.deps import DeskDep
from sredesk.web.schemas import REFUSALS, Handle, RecordId, Strict

# The webhook proves itself with its signature; the rest need a signed-in member.
GUARDED = [Depends(api_principal)]
# A route that names an inquiry finds none the reader may not see.
ON_INQUIRY = [*GUARDED, Depends(api_inquiry_readable)]

router = APIRouter(tags=["github"], responses=REFUSALS)


@router.post("/webhooks/github")
async def webhook(
    request: Request,
    desk: DeskDep,
    x_github_event: str = Header(""),
    x_github_delivery: str = Header(""),
    x_hub_signature_256: str | None = Header(None),
) -> dict[str, str]:
    """Verify, then handle one delivery once (by X-GitHub-Delivery); 401 stores nothing."""
    body = await request.body()
    outcome = await run_in_threadpool(
        github.receive,
        desk,
        request.app.state.github,
        event=x_github_event,
        delivery_id=x_github_delivery,
        body=body,
        signature=x_hub_signature_256,
    )
    return {"outcome": outcome}


class PromoteIn(Strict):
    by: Handle
    repo: str
    title: str | None = None
    link_kind: LinkKind = LinkKind.CONSTRUCTIVE


class KnownIn(Strict):
    by: Handle
    issue: str = Field(description="owner/name#123")
    note: str = ""


class DoneIn(Strict):
    by: Handle
    minutes: int = Field(gt=0, le=1440)
    note: str = ""


@router.post("/inquiries/{number}/promote", status_code=202, dependencies=ON_INQUIRY)
def promote(
    request: Request, desk: DeskDep, user: ApiUser, number: RecordId, body: PromoteIn
) -> dict[str, str]:
    """Queue filing a product-development issue; the inquiry resolves once it exists."""
    config = request.app.state.github
    github.promote(
        desk,
        number,
        parse_repo(body.repo),
        by=acting_as(user, body.by),
        product_repos=config.product_repos,
        title=body.title,
        kind=body.link_kind.value,
        link_back=config.inquiry_url(number),
    )
    return {"status": "queued"}


@router.post("/inquiries/{number}/known-issue", dependencies=ON_INQUIRY)
def known_issue(
    request: Request, desk: DeskDep, user: ApiUser, number: RecordId, body: KnownIn
) -> dict[str, str]:
    repo, issue = parse_known_issue(body.issue)
    github.update_known(
        desk,
        number,
        repo,
        issue,
        by=acting_as(user, body.by),
        product_repos=request.app.state.github.product_repos,
        note=body.note,
    )
    return {"status": "resolved", "issue": f"https://github.com/{repo}/issues/{issue}"}


@router.get("/lhf", dependencies=GUARDED)
def low_hanging_fruit(desk: DeskDep, max_hours: float = 4.0) -> list[dict[str, Any]]:
    return backlog.ranked(desk, max_hours=max_hours)


@router.post("/lhf/{fruit_id}/done", dependencies=GUARDED)
def fruit_done(
    desk: DeskDep, user: ApiUser, fruit_id: RecordId, body: DoneIn
) -> list[dict[str, Any]]:
    backlog.done(desk, fruit_id, by=acting_as(user, body.by), minutes=body.minutes, note=body.note)
    return backlog.ranked(desk)
