"""Create and configure the desk's web application."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from sredesk import __version__
from sredesk.adapters.github.settings import GitHubSettings
from sredesk.core.errors import InvalidInput, InvalidTransition, NotFound
from sredesk.services import outbox, watcher
from sredesk.services.desk import USER_ERRORS, Desk
from sredesk.services.github import Unauthorized
from sredesk.services.outbox import Sender
from sredesk.services.ports import StoreUnavailable
from sredesk.web.api import desk as desk_api
from sredesk.web.api import github as github_api
from sredesk.web.api import inquiries as inquiries_api
from sredesk.web.api import rotation as rotation_api
from sredesk.web.auth import LoginRequired, api_inquiry_readable, api_principal
from sredesk.web.pages import PAGE_ROUTERS
from sredesk.web.pages.common import STATIC, flash_key, refuse_nul, render
from sredesk.web.pages.form_keys import SentAlready, sent_already
from sredesk.web.pages.inquiry import NoSuchInquiry, no_such_inquiry

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


def _store_unavailable(request: Request, error: Exception) -> JSONResponse:
    # Nothing was written; the same request may succeed once the database answers again.
    return JSONResponse({"detail": str(error)}, status_code=503, headers={"Retry-After": "5"})


def _store_refused(request: Request, error: Exception) -> Response:
    """A value or a conflict the database refused after the desk's own checks let it through.

    The desk checks its input first, so this is a gap in those checks, not bad luck; but the
    transaction rolled back and nothing changed, so the caller gets one line (as the shell's
    `refusal` gives), not a 500.
    """
    if isinstance(error, IntegrityError):
        status = 409
        detail = "the change conflicts with a record the desk holds already; nothing changed"
    else:
        assert isinstance(error, DataError)
        said = str(error.orig or "").strip()
        reason = said.splitlines()[0] if said else "a value"
        status = 422
        detail = f"the database refused a value ({reason}); give a smaller number or text"
    log.warning("the database refused a request to %s: %s", request.url.path, detail)
    page = _error_page(request, status, detail)
    if page is not None:
        return page
    return JSONResponse({"detail": detail}, status_code=status)


def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = []
    for item in error.errors():
        # The first step says where FastAPI looked (body, query, path); a field may itself
        # be called "body", so only that first step is dropped, and the body as a whole
        # keeps its name.
        loc = list(item["loc"])
        where = ".".join(str(p) for p in (loc[1:] if loc[:1] == ["body"] else loc)) or "body"
        said = item["msg"]
        if item["type"] == "json_invalid":
            where = "body"
            said = f"not valid JSON at character {loc[-1]} ({item.get('ctx', {}).get('error')})"
        # One line, whatever a client put in the names it sent.
        problems.append(_json_safe(" ".join(f"{where}: {said}".split())))
    detail = "; ".join(problems) or "invalid request"
    page = _error_page(request, 422, detail)
    if page is not None:
        return page
    errors = _json_safe(jsonable_encoder(error.errors()))
    return JSONResponse({"detail": detail, "errors": errors}, status_code=422)


def _json_safe(value: Any) -> Any:
    """`value` as JSON can carry it, for a refusal that quotes the input back: NaN and the
    infinities, which Python's JSON reader takes, as text, and lone surrogates escaped."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    if isinstance(value, dict):
        return {_json_safe(key): _json_safe(item) for key, item in value.items()}
    return value


def _login_required(request: Request, error: Exception) -> Response:
    assert isinstance(error, LoginRequired)
    target = f"/login?{urlencode({'next': error.next_path})}"
    if error.htmx:
        # htmx would follow a redirect and swap the login page in: it loads this one instead.
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _error_page(request: Request, status: int, message: str) -> Response | None:
    """The refusal as an HTML page, when a browser asked for a page; None otherwise."""
    wants_html = "text/html" in request.headers.get("accept", "")
    if not wants_html or request.url.path.startswith("/api/"):
        return None
    principal = getattr(request.state, "principal", None)
    heading = "Not allowed" if status == 403 else "Not done"
    return render(
        request, "error.html", principal, status_code=status, heading=heading, message=message
    )


async def _http_error(request: Request, error: Exception) -> Response:
    """Pages get an HTML page for a refusal; the API and scripts keep JSON."""
    assert isinstance(error, StarletteHTTPException)
    page = _error_page(request, error.status_code, str(error.detail))
    if page is not None:
        return page
    return JSONResponse(
        {"detail": error.detail}, status_code=error.status_code, headers=error.headers
    )


# Pages load nothing from elsewhere and run no inline script; nobody may frame them.
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_API_DOCS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})


async def _watch_forever(desk: Desk, every: float, senders: Mapping[str, Sender]) -> None:
    """Run the clock watcher and the outbox in a worker thread, off the event loop."""
    while True:
        try:
            await asyncio.to_thread(watcher.watch_once, desk)
            if senders:
                await asyncio.to_thread(outbox.deliver_due, desk, senders)
        except StoreUnavailable as error:  # down or restarting: say so once a pass, briefly
            log.warning(
                "the desk's background pass could not reach the database (%s); retrying in %s s",
                str(error).strip().partition("\n")[0],
                every,
            )
        except Exception:  # a bad pass must not stop the loop; the next one retries
            log.exception("the desk's background pass failed; retrying in %s s", every)
        await asyncio.sleep(every)


def create_app(
    desk: Desk,
    *,
    watch_every: float | None = None,
    github: GitHubSettings | None = None,
    senders: Mapping[str, Sender] | None = None,
    secure_cookies: bool = False,
    secret: bytes | None = None,
) -> FastAPI:
    """Build the application; with `watch_every`, run the clock watcher that often (seconds).

    Without `github` settings the webhook receiver has no secret and refuses every delivery.
    `secret` is the desk's persistent secret (SREDESK_MAIL_SECRET), from which the keys of
    the web's signed cookies are derived, so that every server process agrees on them.
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
    # Behind a TLS-terminating proxy the app sees http; this marks the cookies Secure anyway.
    app.state.secure_cookies = secure_cookies
    app.state.flash_key = flash_key(secret)
    for error in USER_ERRORS:
        app.add_exception_handler(error, _desk_error)
    app.add_exception_handler(StoreUnavailable, _store_unavailable)
    app.add_exception_handler(DataError, _store_refused)
    app.add_exception_handler(IntegrityError, _store_refused)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(NoSuchInquiry, no_such_inquiry)
    app.add_exception_handler(SentAlready, sent_already)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    guarded = [Depends(api_principal)]
    # Every route there names an inquiry: one the reader may not see is not found.
    inquiry_guarded = [*guarded, Depends(api_inquiry_readable)]
    app.include_router(inquiries_api.router, prefix="/api/v1", dependencies=inquiry_guarded)
    app.include_router(desk_api.router, prefix="/api/v1", dependencies=guarded)
    app.include_router(rotation_api.router, prefix="/api/v1", dependencies=guarded)
    app.include_router(github_api.router, prefix="/api/v1")
    app.include_router(rotation_api.calendar_router)
    for router in PAGE_ROUTERS:
        app.include_router(router, dependencies=[Depends(refuse_nul)])
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for name, value in _SECURITY_HEADERS.items():
            # FastAPI's interactive API docs load their script from a CDN, inline.
            if name != "Content-Security-Policy" or request.url.path not in _API_DOCS:
                response.headers.setdefault(name, value)
        if getattr(request.state, "principal", None) is not None:
            # What a signed-in reader was shown (a classified inquiry among it) stays out of
            # the browser's cache, for the back button after signing out, and out of proxies.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.get("/api/v1/health", tags=["desk"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
