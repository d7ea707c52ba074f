"""Sign in and out: the login form, its throttle, and the session cookie."""

from __future__ import annotations

import secrets
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from sredesk.services import accounts
from sredesk.services.accounts import LoginRefused, LoginThrottled
from sredesk.web.auth import CSRF_FIELD, SESSION_COOKIE
from sredesk.web.pages.common import (
    desk_of,
    render,
    safe_next,
    secure_cookies,
    set_session_cookie,
)

router = APIRouter(include_in_schema=False)

# The login form has no session yet, so its CSRF token is a double-submit cookie.
LOGIN_CSRF_COOKIE = "sredesk_login_csrf"


def _login_page(
    request: Request, next_path: str, error: str = "", status: int = 200
) -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        None,
        status_code=status,
        login_csrf=token,
        next_path=safe_next(next_path),
        login_error=error,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies(request)
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return _login_page(request, next)


@router.post("/login", response_model=None)
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> HTMLResponse | RedirectResponse:
    form = await request.form()
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not accounts.csrf_matches(cookie, str(form.get(CSRF_FIELD) or "")):
        return _login_page(request, next, "The form expired; sign in again.", 403)
    if not username or not password:
        return _login_page(request, next, "Give your user name and password.", 422)
    address = request.client.host if request.client else None
    try:
        secret, _ = await run_in_threadpool(
            partial(
                accounts.log_in,
                desk_of(request),
                username,
                password,
                address=address,
                replacing=request.cookies.get(SESSION_COOKIE),
            )
        )
    except LoginThrottled as error:
        return _login_page(request, next, str(error).capitalize() + ".", 429)
    except LoginRefused:
        return _login_page(request, next, "Wrong user name or password.", 401)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(request, response, secret)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request) -> RedirectResponse:
    """End the browser's session, whatever CSRF token the form holds.

    A forged sign-out only signs someone out, and a form from before a password change holds
    a token that is out of date: refusing it would clear the cookie but leave the session live.
    """
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await run_in_threadpool(accounts.log_out, desk_of(request), cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
