"""Render the desk's pages: one template environment, the signed-in header, and notices."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

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

# The field of a form's one-time key (see `form_keys.py`); each call makes a fresh key.
FORM_KEY = "form_key"
_env.globals["form_key"] = lambda: secrets.token_urlsafe(16)


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
    is the flash the redirect that led here left, which a full page shows once.
    """
    shows_flash = request.headers.get("hx-request") != "true"
    notice, error = read_flash(request) if shows_flash else ("", "")
    context.setdefault("notice", notice)
    context.setdefault("error", error)
    context.update(
        user=principal,
        can_act=principal is not None and may(principal.role, Permission.ACT),
        is_admin=principal is not None and may(principal.role, Permission.ADMINISTER),
        csrf=principal.csrf if principal is not None else "",
        csrf_field=CSRF_FIELD,
    )
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    if shows_flash and FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE)
    return response


# The notice or refusal a redirect leaves for the next page travels in a cookie the desk
# signs, never in the URL: a link must not put words of its sender's on the desk's pages
# ("this desk has moved: sign in at ..."). The key is derived from the desk's own secret, so
# that every server process, and the next one after a restart, reads what another set.
FLASH_COOKIE = "sredesk_flash"
FLASH_SECONDS = 60
MAX_FLASH = 300


def flash_key(secret: bytes | None) -> bytes:
    """The key that signs notices: derived from `secret`, or random without one.

    The secret signs reply addresses too; a key of its own for each use means a value signed
    for one can never pass for the other. A desk without a secret (no [mail] table) makes a
    key per process, and a restart forgets a notice not yet shown, and nothing else.
    """
    if not secret:
        return secrets.token_bytes(32)
    return hmac.new(secret, b"sredesk flash cookie", hashlib.sha256).digest()


def _flash_mac(key: bytes, payload: str) -> str:
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def flash_value(key: bytes, notice: str = "", error: str = "") -> str:
    """The signed cookie value carrying a one-line notice or error to the next page."""
    data = json.dumps({"notice": notice[:MAX_FLASH], "error": error[:MAX_FLASH]})
    payload = base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")
    return f"{payload}.{_flash_mac(key, payload)}"


def decode_flash(key: bytes, value: str) -> tuple[str, str]:
    """A flash cookie's (notice, error), or empty ones if the desk did not sign it."""
    payload, _, mac = value.rpartition(".")
    # Bytes: compare_digest raises on text beyond ASCII, which a cookie may hold.
    given = mac.encode("utf-8", "surrogatepass")
    if not payload or not hmac.compare_digest(given, _flash_mac(key, payload).encode()):
        return "", ""
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(data.get("notice", "")), str(data.get("error", ""))


def read_flash(request: Request) -> tuple[str, str]:
    """The (notice, error) the last redirect left for this page, if any."""
    return decode_flash(request.app.state.flash_key, request.cookies.get(FLASH_COOKIE, ""))


def back(request: Request, path: str, *, notice: str = "", error: str = "") -> RedirectResponse:
    """Redirect after a post, leaving a one-line notice or error for the next page."""
    # What the post answered, for a second post of the same form to answer alike.
    request.state.answered = (path, notice, error)
    response = RedirectResponse(path, status_code=303)
    if notice or error:
        response.set_cookie(
            FLASH_COOKIE,
            flash_value(request.app.state.flash_key, notice, error),
            max_age=FLASH_SECONDS,
            httponly=True,
            samesite="lax",
            secure=secure_cookies(request),
        )
    return response


def answered(request: Request) -> tuple[str, str, str] | None:
    """The (path, notice, error) a post redirected with, or None if it answered otherwise."""
    found: tuple[str, str, str] | None = getattr(request.state, "answered", None)
    return found


def attempt(
    request: Request, path: str, action: Callable[[], object], notice: str
) -> RedirectResponse:
    """Run a desk command; on refusal, go back with its one-line reason and nothing changed."""
    try:
        action()
    except USER_ERRORS as error:
        return back(request, path, error=str(error))
    return back(request, path, notice=notice)


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
