"""Find who a request acts as (session cookie or API token) and guard what they may do."""

from __future__ import annotations

from functools import partial
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from sredesk.core.accounts import Permission, Role, may
from sredesk.services import accounts, inquiries
from sredesk.services.accounts import Principal
from sredesk.services.desk import Desk

SESSION_COOKIE = "sredesk_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(Exception):
    """A page needs a signed-in user; the handler sends the browser to /login.

    `htmx` says the request came from htmx, which would follow a redirect itself and swap
    the login page into the part of the page it refreshes.
    """

    def __init__(self, next_path: str, *, htmx: bool = False) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.htmx = htmx


def _desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def find_principal(request: Request) -> Principal | None:
    """The user behind the request's API token or session cookie, looked up once."""
    if hasattr(request.state, "principal"):
        found: Principal | None = request.state.principal
        return found
    desk = _desk(request)
    token = bearer(request)
    principal: Principal | None = None
    if token is not None:
        principal = accounts.token_principal(desk, token)
    elif cookie := request.cookies.get(SESSION_COOKIE):
        principal = accounts.session_principal(desk, cookie)
    request.state.principal = principal
    request.state.via_session = token is None and principal is not None
    return principal


def _refuse_viewer(principal: Principal) -> None:
    if not may(principal.role, Permission.ACT):
        raise HTTPException(403, "viewers cannot change anything; ask an admin for a member role")


def acting_as(principal: Principal, by: str) -> str:
    """The `by` of an API write, once FastAPI has parsed and validated the body.

    Members act as themselves; an admin may name another member, e.g. to record a hotline
    call taken by someone without an account. Every route whose body has a `by` calls this,
    whatever the body's content type, so the check sees exactly the value the route uses.
    """
    if by.lstrip("@") != principal.handle and principal.role is not Role.ADMIN:
        raise HTTPException(
            403, f"you are signed in as {principal.handle!r}; 'by' must be your own handle"
        )
    return by


# Declared so that the OpenAPI description says how to sign in; `find_principal` reads the
# header and the cookie itself.
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="A personal API token, from `sredesk user token` or the /account page.",
)
SESSION = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    scheme_name="session",
    description="The web desk's sign-in session; writes also need the X-CSRF-Token header.",
)


async def api_principal(
    request: Request,
    _token: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
    _session: Annotated[str | None, Security(SESSION)] = None,
) -> Principal:
    """Guard the JSON API: a token or session for reads, a member for writes.

    Who a write acts as (its `by`) is checked by `acting_as` in the route, on the parsed body.
    """
    principal = await run_in_threadpool(find_principal, request)
    if principal is None:
        raise HTTPException(
            401,
            "sign in, or send 'Authorization: Bearer TOKEN' (make one: sredesk user token)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if request.method in SAFE_METHODS:
        return principal
    _refuse_viewer(principal)
    if request.state.via_session and not accounts.csrf_matches(
        principal.csrf, request.headers.get(CSRF_HEADER)
    ):
        raise HTTPException(403, "the request lacks the session's CSRF token (X-CSRF-Token)")
    return principal


def _same_site_path(request: Request, url: str | None) -> str | None:
    """The path and query of a URL on this site, or None for another site or none at all."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc != request.url.netloc or not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def return_to(request: Request) -> str:
    """The page to come back to after signing in.

    A page read comes back to itself. A form post or an htmx refresh has no page at its own
    address (after signing in, a GET there would be a 405 or a bare table), so it comes back
    to the page it was sent from, as htmx or the browser's Referer says, or else the queue.
    """
    htmx = request.headers.get("hx-request") == "true"
    if request.method in SAFE_METHODS and not htmx:
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    for header in ("hx-current-url", "referer"):
        found = _same_site_path(request, request.headers.get(header))
        if found is not None:
            return found
    return "/"


def page_principal(request: Request) -> Principal:
    """Guard a page: anyone signed in may read it; others go to the login page."""
    principal = find_principal(request)
    if principal is None or not request.state.via_session:
        raise LoginRequired(return_to(request), htmx=request.headers.get("hx-request") == "true")
    return principal


async def form_principal(request: Request) -> Principal:
    """Guard a form post: a signed-in member, with the session's CSRF token in the form."""
    principal = await run_in_threadpool(page_principal, request)
    form = await request.form()
    given = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not accounts.csrf_matches(principal.csrf, given if isinstance(given, str) else None):
        raise HTTPException(403, "the form lacks this session's CSRF token; reload the page")
    _refuse_viewer(principal)
    return principal


def admin_principal(principal: Annotated[Principal, Depends(form_principal)]) -> Principal:
    if not may(principal.role, Permission.ADMINISTER):
        raise HTTPException(403, "only an admin may change the team")
    return principal


def api_admin(principal: Annotated[Principal, Depends(api_principal)]) -> Principal:
    """Guard an API write that changes the team, as the team page's forms are guarded."""
    if not may(principal.role, Permission.ADMINISTER):
        raise HTTPException(403, "only an admin may change the team or its rotation; ask an admin")
    return principal


def sees_classified(principal: Principal) -> bool:
    """Whether the reader may see classified inquiries: the web's one check of that right.

    Every page and API read passes the answer to the services, which leave those inquiries,
    and their records, out for a reader without it. A member who has left the team (their
    member entry inactive) no longer has it, whatever their account's role.
    """
    return may(principal.role, Permission.SEE_CLASSIFIED, former_member=principal.former_member)


async def api_inquiry_readable(
    request: Request, principal: Annotated[Principal, Depends(api_principal)]
) -> None:
    """Guard an API route that names an inquiry in its path, writes included.

    A write answers with the inquiry, and its refusals tell one inquiry from another, so a
    reader who may not see a classified inquiry finds it missing here too, exactly as a read
    of it would, whatever the write's `by` or its lack of one.
    """
    number = request.path_params.get("number")
    if sees_classified(principal) or not isinstance(number, str) or not number.isdigit():
        return
    await run_in_threadpool(
        partial(inquiries.check_readable, _desk(request), int(number), see_classified=False)
    )


def api_sees_classified(principal: Annotated[Principal, Depends(api_principal)]) -> bool:
    return sees_classified(principal)


ApiUser = Annotated[Principal, Depends(api_principal)]
PageUser = Annotated[Principal, Depends(page_principal)]
FormUser = Annotated[Principal, Depends(form_principal)]
AdminUser = Annotated[Principal, Depends(admin_principal)]
ApiAdmin = Annotated[Principal, Depends(api_admin)]
# An API read's reader: True when they may see classified inquiries.
SeesClassified = Annotated[bool, Depends(api_sees_classified)]
