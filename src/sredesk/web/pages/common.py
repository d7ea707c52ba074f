"""Render the desk's pages: one template environment, the signed-in header, and notices."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from sredesk.core.accounts import SESSION_LIFETIME, Permission, may
from sredesk.services.accounts import Principal
from sredesk.services.desk import USER_ERRORS, Desk
from sredesk.web.auth import CSRF_FIELD, SAFE_METHODS, SESSION_COOKIE

TEMPLATES = Path(__file__).parents[1] / "templates"
STATIC = Path(__file__).parents[1] / "static"

# Autoescape everywhere, whatever the file's extension: a customer's words are never markup.
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_env)


def desk_of(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def render(
    request: Request,
    name: str,
    principal: Principal | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a page with what every page shows: who is signed in, their rights, notices.

    A page shown again with a refusal passes it as `error`; otherwise the notice or error
    comes from the redirect that led here.
    """
    context.setdefault("notice", request.query_params.get("notice", "")[:300])
    context.setdefault("error", request.query_params.get("error", "")[:300])
    context.update(
        user=principal,
        can_act=principal is not None and may(principal.role, Permission.ACT),
        is_admin=principal is not None and may(principal.role, Permission.ADMINISTER),
        csrf=principal.csrf if principal is not None else "",
        csrf_field=CSRF_FIELD,
    )
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def back(path: str, *, notice: str = "", error: str = "") -> RedirectResponse:
    """Redirect after a post, carrying a one-line notice or error for the next page."""
    params = {k: v for k, v in (("notice", notice), ("error", error)) if v}
    separator = "&" if "?" in path else "?"
    target = path + (separator + urlencode(params) if params else "")
    return RedirectResponse(target, status_code=303)


def attempt(path: str, action: Callable[[], object], notice: str) -> RedirectResponse:
    """Run a desk command; on refusal, go back with its one-line reason and nothing changed."""
    try:
        action()
    except USER_ERRORS as error:
        return back(path, error=str(error))
    return back(path, notice=notice)


def secure_cookies(request: Request) -> bool:
    """Secure cookies over TLS, or behind a TLS proxy when the desk was told so."""
    return request.url.scheme == "https" or bool(request.app.state.secure_cookies)


def set_session_cookie(request: Request, response: Response, secret: str) -> None:
    # Lax, not Strict: a link to an inquiry in a notification opens signed in.
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        max_age=int(SESSION_LIFETIME.total_seconds()),
    )


def safe_next(target: str | None) -> str:
    """Only paths on this site: a login link must not send anyone elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def refuse_nul(request: Request) -> None:
    """Refuse a NUL character in any path, query or form value a page is given.

    PostgreSQL stores no NUL in text, so one would fail on the write, or on a search, with a
    500. The API's schemas refuse it field by field; the pages take plain strings, so every
    page router checks here, before its route runs, and names the field as a validation
    error would.
    """
    given = [(f"path.{k}", v) for k, v in request.path_params.items()]
    given += [(f"query.{k}", v) for k, v in request.query_params.multi_items()]
    content_type = request.headers.get("content-type", "")
    if request.method not in SAFE_METHODS and content_type.startswith(_FORMS):
        form = await request.form()
        given += [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    for where, value in given:
        if "\x00" in where or (isinstance(value, str) and "\x00" in value):
            field = where.replace("\x00", "\\x00")
            raise HTTPException(422, f"{field}: must not contain the NUL character (\\x00)")
