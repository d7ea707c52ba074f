"""Serve the signed-in user's account: personal API tokens and their own password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from sredesk.core.accounts import MIN_PASSWORD
from sredesk.services import accounts
from sredesk.services.accounts import Principal
from sredesk.services.desk import USER_ERRORS
from sredesk.web.auth import CSRF_FIELD, CSRF_HEADER, PageUser, page_principal
from sredesk.web.pages.common import attempt, back, desk_of, render, set_session_cookie

router = APIRouter(include_in_schema=False)


async def own_account_principal(request: Request) -> Principal:
    """Guard a post about one's own account: CSRF-checked, and open to viewers too.

    Managing one's own tokens and password changes nothing on the desk, so a viewer may.
    """
    principal = await run_in_threadpool(page_principal, request)
    form = await request.form()
    given = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not accounts.csrf_matches(principal.csrf, given if isinstance(given, str) else None):
        raise HTTPException(403, "the form lacks this session's CSRF token; reload the page")
    return principal


AccountUser = Annotated[Principal, Depends(own_account_principal)]


def _page(request: Request, user: Principal, new_token: str = "", name: str = "") -> HTMLResponse:
    tokens = accounts.list_tokens(desk_of(request), user.handle)
    response = render(
        request,
        "account.html",
        user,
        tokens=tokens,
        new_token=new_token,
        new_token_name=name,
        min_password=MIN_PASSWORD,
    )
    # A page that may show a secret once must not be kept by the browser or a proxy.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, user: PageUser) -> HTMLResponse:
    return _page(request, user)


@router.post("/account/tokens", response_model=None)
def create_token(
    request: Request, user: AccountUser, name: Annotated[str, Form(max_length=200)] = ""
) -> HTMLResponse | RedirectResponse:
    """Show the new token in this response only: never in a URL, never again."""
    try:
        secret = accounts.issue_token(desk_of(request), user.handle, name)
    except USER_ERRORS as error:
        return back(request, "/account", error=str(error))
    return _page(request, user, new_token=secret, name=name.strip())


@router.post("/account/tokens/revoke")
def revoke_token(
    request: Request, user: AccountUser, prefix: Annotated[str, Form(max_length=50)] = ""
) -> RedirectResponse:
    return attempt(
        request,
        "/account",
        lambda: accounts.revoke_token(desk_of(request), user.handle, prefix),
        f"Token {accounts.token_prefix(prefix)}… revoked; it no longer works.",
    )


@router.post("/account/password")
def change_password(
    request: Request,
    user: AccountUser,
    current: Annotated[str, Form(max_length=1024)] = "",
    new: Annotated[str, Form(max_length=1024)] = "",
    repeat: Annotated[str, Form(max_length=1024)] = "",
) -> RedirectResponse:
    """Change the password, sign out every other session, and keep this browser signed in."""
    if new != repeat:
        return back(
            request, "/account", error="the new password and its repeat differ; nothing was changed"
        )
    try:
        secret, _ = accounts.change_password(desk_of(request), user.handle, current, new)
    except USER_ERRORS as error:
        return back(request, "/account", error=str(error))
    response = back(request, "/account", notice=_password_changed(request, user.handle))
    set_session_cookie(request, response, secret)
    return response


def _password_changed(request: Request, handle: str) -> str:
    """Say what the new password ended, and that API tokens, credentials of their own, did
    not end: someone changing a password that leaked may have a token to revoke too."""
    said = "Password changed; every other session is signed out."
    live = sum(1 for t in accounts.list_tokens(desk_of(request), handle) if not t["revoked_at"])
    if live == 1:
        return f"{said} Your 1 API token still works: revoke it below if it may have leaked."
    if live:
        return f"{said} Your {live} API tokens still work: revoke any below that may have leaked."
    return said
