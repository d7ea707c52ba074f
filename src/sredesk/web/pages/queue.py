"""Serve the queue: open inquiries by response deadline, refreshed in place every half minute."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from sredesk.services import queue as queue_service
from sredesk.services.desk import USER_ERRORS
from sredesk.web.auth import PageUser
from sredesk.web.pages.common import desk_of, render

router = APIRouter(include_in_schema=False)


def _queue(
    request: Request,
    user: PageUser,
    template: str,
    view: str,
    source: str,
    q: str,
    page: int,
) -> HTMLResponse:
    try:
        data = queue_service.queue(
            desk_of(request), me=user.handle, view=view, source=source, search=q, page=page
        )
    except USER_ERRORS as error:
        data = queue_service.queue(desk_of(request), me=user.handle)
        return render(request, template, user, status_code=422, q=data, problem=str(error))
    return render(request, template, user, q=data, problem="")


@router.get("/", response_class=HTMLResponse)
def queue_page(
    request: Request,
    user: PageUser,
    view: Annotated[str, Query(max_length=20)] = "all",
    source: Annotated[str, Query(max_length=300)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    return _queue(request, user, "queue.html", view, source, q, page)


@router.get("/queue/rows", response_class=HTMLResponse)
def queue_rows(
    request: Request,
    user: PageUser,
    view: Annotated[str, Query(max_length=20)] = "all",
    source: Annotated[str, Query(max_length=300)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    return _queue(request, user, "_queue_table.html", view, source, q, page)
