"""Serve the queue: open inquiries by response deadline, refreshed in place every half minute."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from sredesk.services import queue as queue_service
from sredesk.services.desk import USER_ERRORS
from sredesk.web.auth import PageUser, sees_classified
from sredesk.web.pages.common import desk_of, render

router = APIRouter(include_in_schema=False)


class QueueFilter(BaseModel):
    """The queue's query string: the same for the page and for its refreshed table."""

    view: str = Field("all", max_length=20)
    source: str = Field("", max_length=300)
    q: str = Field("", max_length=200)
    page: int = Field(1, ge=1, le=100_000)


Filter = Annotated[QueueFilter, Query()]


def _queue(
    request: Request, user: PageUser, template: str, f: QueueFilter, *, refresh: bool = False
) -> HTMLResponse:
    desk = desk_of(request)
    me, classified = user.handle, sees_classified(user)
    try:
        data = queue_service.queue(
            desk,
            me=me,
            see_classified=classified,
            view=f.view,
            source=f.source,
            search=f.q,
            page=f.page,
        )
    except USER_ERRORS as error:
        data = queue_service.queue(desk, me=me, see_classified=classified)
        return render(
            request, template, user, status_code=422, q=data, problem=str(error), refresh=refresh
        )
    return render(request, template, user, q=data, problem="", refresh=refresh)


@router.get("/", response_class=HTMLResponse)
def queue_page(request: Request, user: PageUser, f: Filter) -> HTMLResponse:
    return _queue(request, user, "queue.html", f)


@router.get("/queue/rows", response_class=HTMLResponse)
def queue_rows(request: Request, user: PageUser, f: Filter) -> HTMLResponse:
    """The table, for htmx to swap in every half minute, and who holds the desk beside it."""
    return _queue(request, user, "_queue_table.html", f, refresh=True)
