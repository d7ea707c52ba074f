"""Decide who may do what on the desk: accounts, roles, sessions, API tokens and throttling.

Hashing and randomness live in the services; this module only holds the records and rules,
so the throttle and the role checks are plain functions of their inputs and `now`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sredesk.core.errors import InvalidInput

HANDLE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,38}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024

# Five wrong passwords within fifteen minutes lock the account (or the address) for the
# rest of that window: slow enough to stop guessing, short enough not to strand a Primary.
THROTTLE_LIMIT = 5
THROTTLE_WINDOW = timedelta(minutes=15)
# A session lasts a working day plus slack; a new one needs the password again.
SESSION_LIFETIME = timedelta(hours=12)


class Role(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


class Permission(StrEnum):
    READ = "read"  # see the queue, inquiries, rotation, team
    # See classified (sensitive) inquiries at all: their titles, conversations and records.
    # The process keeps them on the desk, and a viewer is not on the desk.
    SEE_CLASSIFIED = "see-classified"
    ACT = "act"  # work inquiries, ask for and accept swaps, hand off
    ADMINISTER = "administer"  # edit the team, act on another member's behalf


_GRANTS = {
    Role.VIEWER: {Permission.READ},
    Role.MEMBER: {Permission.READ, Permission.SEE_CLASSIFIED, Permission.ACT},
    Role.ADMIN: {
        Permission.READ,
        Permission.SEE_CLASSIFIED,
        Permission.ACT,
        Permission.ADMINISTER,
    },
}


@dataclass(eq=False)
class User:
    handle: str
    role: Role
    password_hash: str
    created_at: datetime
    active: bool = True
    id: int | None = None


@dataclass(eq=False)
class ApiToken:
    """A personal token: only its digest is stored; the prefix lets its owner recognise it."""

    user_handle: str
    name: str
    prefix: str
    digest: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    id: int | None = None


@dataclass(eq=False)
class LoginSession:
    """A browser session: the cookie holds the secret, the desk only its digest."""

    digest: str
    user_handle: str
    csrf: str
    created_at: datetime
    expires_at: datetime
    id: int | None = None


@dataclass(eq=False)
class LoginFailure:
    key: str  # "user:HANDLE" or "addr:IP"
    at: datetime
    id: int | None = None


@dataclass(eq=False)
class FormSubmission:
    """A form post, by the one-time key its form carried; what it answered, once it has.

    `location` is None while the post is still being done.
    """

    key: str
    user_handle: str
    at: datetime
    location: str | None = None
    notice: str = ""
    error: str = ""


# A former member (their team entry set inactive) keeps their account's role for the rest of
# the desk, but is no longer on it: what never leaves the desk is not theirs to read.
_WITHHELD_FROM_FORMER_MEMBERS = frozenset({Permission.SEE_CLASSIFIED})


def may(role: Role, permission: Permission, *, former_member: bool = False) -> bool:
    """Whether an account of `role` has `permission`; `former_member`: its member is inactive."""
    if former_member and permission in _WITHHELD_FROM_FORMER_MEMBERS:
        return False
    return permission in _GRANTS[role]


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise InvalidInput(f"unknown role {value!r}; use admin, member or viewer") from None


def check_handle(handle: str) -> str:
    if not HANDLE.match(handle):
        raise InvalidInput(
            f"user name {handle!r} must be lower-case letters, digits, '.', '_' or '-' (max 39)"
        )
    return handle


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"the password must be at least {MIN_PASSWORD} characters long")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"the password must be at most {MAX_PASSWORD} characters long")
    if password.strip() != password or "\n" in password:
        raise InvalidInput("the password must not start or end with spaces or hold a newline")
    return password


def throttled_until(
    failures: Sequence[datetime],
    now: datetime,
    *,
    limit: int = THROTTLE_LIMIT,
    window: timedelta = THROTTLE_WINDOW,
) -> datetime | None:
    """When a locked key may try again, or None when it may try now.

    The key is locked once `limit` failures fall within `window` before `now`; it opens again
    when the oldest of the last `limit` failures leaves the window.
    """
    recent = sorted(at for at in failures if now - window < at <= now)
    if len(recent) < limit:
        return None
    return recent[-limit] + window


def session_valid(session: LoginSession, now: datetime) -> bool:
    return session.created_at <= now < session.expires_at
