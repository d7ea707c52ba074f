"""Create and configure the desk's web application."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from sredesk import __version__
from sredesk.adapters.github.settings import GitHubSettings
from sredesk.core.errors import InvalidInput, InvalidTransition, NotFound
from sredesk.services import outbox, watcher
from sredesk.services.desk import USER_ERRORS, Desk
from sredesk.services.github import Unauthorized
from sredesk.services.outbox import Sender
from sredesk.web.api import desk as desk_api
from sredesk.web.api import github as github_api
from sredesk.web.api import inquiries as inquiries_api
from sredesk.web.api import rotation as rotation_api

log = logging.getLogger("sredesk.web")

# The core's own input errors (calendar, policy, planner, team file) are 422 as well.
_STATUS = {
    Unauthorized: 401,
    NotFound: 404,
    InvalidTransition: 409,
    InvalidInput: 422,
    ValueError: 422,
}


def _desk_error(request: Request, error: Exception) -> JSONResponse:
    status = next((code for cls, code in _STATUS.items() if isinstance(error, cls)), 400)
    return JSONResponse({"detail": str(error)}, status_code=status)


def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"] if p != "body")
        problems.append(f"{where}: {item['msg']}")
    return JSONResponse(
        {
            "detail": "; ".join(problems) or "invalid request",
            "errors": jsonable_encoder(error.errors()),
        },
        status_code=422,
    )


async def _watch_forever(desk: Desk, every: float, senders: Mapping[str, Sender]) -> None:
    """Run the clock watcher and the outbox in a worker thread, off the event loop."""
    while True:
        try:
            await asyncio.to_thread(watcher.watch_once, desk)
            if senders:
                await asyncio.to_thread(outbox.deliver_due, desk, senders)
        except Exception:  # a bad pass must not stop the loop; the next one retries
            log.exception("the desk's background pass failed; retrying in %s s", every)
        await asyncio.sleep(every)


def create_app(
    desk: Desk,
    *,
    watch_every: float | None = None,
    github: GitHubSettings | None = None,
    senders: Mapping[str, Sender] | None = None,
) -> FastAPI:
    """Build the application; with `watch_every`, run the clock watcher that often (seconds).

    Without `github` settings the webhook receiver has no secret and refuses every delivery.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = (
            asyncio.create_task(_watch_forever(desk, watch_every, senders or {}))
            if watch_every
            else None
        )
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(
        title="sredesk",
        version=__version__,
        openapi_url="/openapi.json",
        description="The SRE desk's JSON API: inquiries, shifts, effort and records.",
        lifespan=lifespan,
    )
    app.state.desk = desk
    app.state.github = github or GitHubSettings()
    for error in USER_ERRORS:
        app.add_exception_handler(error, _desk_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.include_router(inquiries_api.router, prefix="/api/v1")
    app.include_router(desk_api.router, prefix="/api/v1")
    app.include_router(rotation_api.router, prefix="/api/v1")
    app.include_router(github_api.router, prefix="/api/v1")
    app.include_router(rotation_api.calendar_router)

    @app.get("/api/v1/health", tags=["desk"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
