"""Manage accounts: add users, set passwords, log in and out, and issue personal API tokens."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from sredesk.core.accounts import (
    SESSION_LIFETIME,
    THROTTLE_LIMIT,
    THROTTLE_WINDOW,
    ApiToken,
    LoginFailure,
    LoginSession,
    Role,
    User,
    check_handle,
    check_password,
    parse_role,
    session_valid,
    throttled_until,
)
from sredesk.core.errors import DeskError, InvalidInput, NotFound
from sredesk.services.desk import Desk, audit
from sredesk.services.ports import AbstractUnitOfWork
from sredesk.services.views import _iso

TOKEN_PREFIX = "sdt_"
# How much of a token is kept in clear, for its owner to tell tokens apart.
PREFIX_LENGTH = len(TOKEN_PREFIX) + 6


class LoginRefused(DeskError):
    """Wrong user name or password; the message never says which."""


class LoginThrottled(DeskError):
    """Too many failed logins for this account or address; try again later."""


@dataclass(frozen=True)
class Principal:
    """Who a request acts as, and the session it came with (None for an API token)."""

    handle: str
    role: Role
    csrf: str | None = None
    # The team member of the same handle is inactive: they have left the desk.
    former_member: bool = False


_DEFAULT = PasswordHash((Argon2Hasher(),))


def _hasher(desk: Desk) -> PasswordHash:
    return desk.password_hasher or _DEFAULT


@cache
def _decoy(hasher: PasswordHash) -> str:
    # Unknown users cost as much as known ones, so timing does not reveal who exists.
    return hasher.hash("a password nobody has")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def add_user(desk: Desk, handle: str, role: str, password: str, *, by: str = "system") -> None:
    add_users(desk, [(handle, role)], password, by=by)


def add_users(
    desk: Desk, users: Sequence[tuple[str, str]], password: str, *, by: str = "system"
) -> None:
    """Add accounts sharing one first password, hashed once: (handle, role) pairs."""
    checked = [(check_handle(handle), parse_role(role)) for handle, role in users]
    hashed = _hasher(desk).hash(check_password(password))
    with desk.unit_of_work() as uow:
        for handle, level in checked:
            if uow.accounts.find_user(handle) is not None:
                raise InvalidInput(f"user {handle!r} exists already; use 'sredesk user passwd'")
            uow.accounts.add_user(User(handle, level, hashed, desk.now()))
            after = {"user": handle, "role": level.value}
            audit(uow, "user.add", actor=by, now=desk.now(), after=after)
        uow.commit()


def _user(uow: AbstractUnitOfWork, handle: str) -> User:
    user = uow.accounts.find_user(handle)
    if user is None:
        raise NotFound(f"no user {handle!r}; add one with 'sredesk user add'")
    return user


def check_user(desk: Desk, handle: str) -> None:
    """Refuse a user name with no account, before the shell asks for a password."""
    with desk.unit_of_work() as uow:
        _user(uow, handle)


def set_password(
    desk: Desk, handle: str, password: str, *, by: str = "system"
) -> list[tuple[str, str]]:
    """Set a new password and end the user's sessions, so an old one stops working at once.

    Personal API tokens are credentials of their own, each revoked by name, as on GitHub:
    a script's token keeps working. Returns the (prefix, name) of each token still live, so
    the caller can say which, for an owner who changed the password because one leaked.
    """
    check_password(password)
    hashed = _hasher(desk).hash(password)
    with desk.unit_of_work() as uow:
        user = _user(uow, handle)
        user.password_hash = hashed
        uow.accounts.end_sessions(handle=handle)
        # The lock stops guesses at the old password: whoever forgot it and locked the
        # account uses the new one at once. An address's own lock stays.
        uow.accounts.clear_failures(_throttle_keys(handle, None)[0])
        live = [(t.prefix, t.name) for t in uow.accounts.tokens_for(handle) if not t.revoked_at]
        audit(uow, "user.passwd", actor=by, now=desk.now(), after={"user": handle})
        uow.commit()
    return live


def set_active(desk: Desk, handle: str, active: bool, *, by: str = "system") -> int:
    """Enable or disable an account; disabling ends its sessions and revokes its tokens.

    A disabled account cannot sign in, and nothing it held works any more. Enabling it again
    brings back none of that: its owner signs in afresh and makes new tokens. Returns how many
    tokens were revoked.
    """
    now = desk.now()
    with desk.unit_of_work() as uow:
        user = _user(uow, handle)
        revoked = 0
        user.active = active
        if not active:
            uow.accounts.end_sessions(handle=handle)
            for token in uow.accounts.tokens_for(handle):
                if token.revoked_at is None:
                    token.revoked_at = now
                    revoked += 1
        after = {"user": handle, "tokens_revoked": revoked} if not active else {"user": handle}
        audit(uow, "user.disable" if not active else "user.enable", actor=by, now=now, after=after)
        uow.commit()
    return revoked


def _former_member(uow: AbstractUnitOfWork, handle: str) -> bool:
    """Whether the team member of this account's handle is inactive (has left the desk)."""
    found = uow.members.find(handle)
    return found is not None and not found.active


def set_role(desk: Desk, handle: str, role: str, *, by: str = "system") -> None:
    level = parse_role(role)
    with desk.unit_of_work() as uow:
        user = _user(uow, handle)
        before = user.role.value
        user.role = level
        audit(
            uow,
            "user.role",
            actor=by,
            now=desk.now(),
            before={"role": before},
            after={"user": handle, "role": level.value},
        )
        uow.commit()


def list_users(desk: Desk) -> list[dict[str, Any]]:
    with desk.unit_of_work() as uow:
        return [
            {
                "handle": u.handle,
                "role": u.role.value,
                "active": u.active,
                "created_at": _iso(u.created_at),
                "tokens": sum(1 for t in uow.accounts.tokens_for(u.handle) if not t.revoked_at),
            }
            for u in uow.accounts.users()
        ]


def issue_token(desk: Desk, handle: str, name: str = "cli", *, by: str | None = None) -> str:
    """Make a personal API token; the caller shows it once, the desk keeps only its digest.

    `by` is who made it, for the audit trail, when not its owner (an admin at the shell).
    """
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput("give the token a name of 1 to 100 characters, e.g. --name laptop")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with desk.unit_of_work() as uow:
        user = _user(uow, handle)
        if not user.active:
            raise InvalidInput(f"user {handle!r} is disabled; 'sredesk user enable' them first")
        if _former_member(uow, handle):
            raise InvalidInput(
                f"{handle!r} is an inactive member of the team; an admin must make them active "
                "on the team page before they get a new token"
            )
        uow.accounts.add_token(
            ApiToken(handle, name, secret[:PREFIX_LENGTH], digest(secret), desk.now())
        )
        after = {"user": handle, "name": name}
        audit(uow, "user.token", actor=by or handle, now=desk.now(), after=after)
        uow.commit()
    return secret


def token_prefix(given: str) -> str:
    """What may be shown of a token, or of a prefix, named to revoke it: never a secret."""
    return given.strip()[:PREFIX_LENGTH]


def revoke_token(desk: Desk, handle: str, prefix: str, *, by: str | None = None) -> int:
    """Revoke a token by the prefix the desk shows, or by its whole secret.

    Whoever finds a token in a log or a paste holds the secret, not its prefix, so the secret
    is taken too; it is never repeated in a refusal, which may end up in a log in its turn.
    """
    given = prefix.strip()
    whole = given.startswith(TOKEN_PREFIX) and len(given) > PREFIX_LENGTH
    shown = token_prefix(given)
    with desk.unit_of_work() as uow:
        revoked = 0
        for token in uow.accounts.tokens_for(handle):
            found = token.digest == digest(given) if whole else token.prefix == given
            if token.revoked_at is None and found:
                token.revoked_at = desk.now()
                revoked += 1
        if not revoked:
            said = f"{shown!r} with that secret" if whole else f"starting {shown!r}"
            raise NotFound(f"{handle!r} has no live token {said}")
        after = {"user": handle, "prefix": shown}
        audit(uow, "user.token.revoke", actor=by or handle, now=desk.now(), after=after)
        uow.commit()
    return revoked


def token_principal(desk: Desk, secret: str) -> Principal | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    with desk.unit_of_work() as uow:
        token = uow.accounts.token_by_digest(digest(secret))
        if token is None or token.revoked_at is not None:
            return None
        user = uow.accounts.find_user(token.user_handle)
        if user is None or not user.active:
            return None
        now = desk.now()
        former = _former_member(uow, user.handle)
        # One write an hour at most: every API call must not become a write.
        if token.last_used_at is None or now - token.last_used_at > SESSION_LIFETIME / 12:
            token.last_used_at = now
            uow.commit()
        return Principal(user.handle, user.role, former_member=former)


def _throttle_keys(handle: str, address: str | None) -> list[str]:
    return [f"user:{handle}"] + ([f"addr:{address}"] if address else [])


def _locked_until(uow: AbstractUnitOfWork, keys: Sequence[str], now: datetime) -> datetime | None:
    """When the first of `keys` that is locked opens again; None when none is locked."""
    for key in keys:
        until = throttled_until(uow.accounts.failures(key, now - THROTTLE_WINDOW), now)
        if until is not None:
            return until
    return None


def _count_attempt(
    desk: Desk, keys: Sequence[str], now: datetime
) -> tuple[list[int], datetime | None]:
    """Count a password attempt as failed before its password is checked.

    Checking a password takes a deliberate fraction of a second. Counted only afterwards, a
    burst of guesses sent at once would all pass the throttle before any was counted, and
    all be checked. Each attempt is committed first and then counted with the others, so
    that no more than THROTTLE_LIMIT of a burst are checked. Returns the ids of the
    attempt's records, which a right password takes back, and when the keys open again if
    the attempt may not be checked (then it is not counted when they were locked already).
    """
    with desk.unit_of_work() as uow:
        until = _locked_until(uow, keys, now)
        if until is not None:
            return [], until
        recorded = [LoginFailure(key, now) for key in keys]
        for failure in recorded:
            uow.accounts.add_failure(failure)
        uow.accounts.prune_failures(now - THROTTLE_WINDOW)
        uow.commit()
        ids = [failure.id for failure in recorded if failure.id is not None]
    with desk.unit_of_work() as uow:
        # The attempt's own records are counted too: locked once they pass the limit.
        for key in keys:
            found = uow.accounts.failures(key, now - THROTTLE_WINDOW)
            until = throttled_until(found, now, limit=THROTTLE_LIMIT + 1)
            if until is not None:
                return ids, until
    return ids, None


def _minutes_until(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def log_in(
    desk: Desk, handle: str, password: str, *, address: str | None, replacing: str | None = None
) -> tuple[str, str]:
    """Check the password and open a session: (the cookie's secret, the CSRF token).

    `replacing` is the secret of the session the browser already holds, if any: it ends in
    the same commit, so that a second sign-in on a shared browser leaves no first one live.
    """
    now = desk.now()
    keys = _throttle_keys(handle.strip().lower(), address)
    attempt, until = _count_attempt(desk, keys, now)
    if until is not None:
        minutes = _minutes_until(until, now)
        raise LoginThrottled(f"too many failed logins; try again in {minutes} minute(s)")
    with desk.unit_of_work() as uow:
        user = uow.accounts.find_user(handle.strip().lower())
        hasher = _hasher(desk)
        stored = user.password_hash if user is not None and user.active else _decoy(hasher)
        valid, rehashed = hasher.verify_and_update(password, stored)
        if user is None or not user.active or not valid:
            # The attempt was counted as failed before the check.
            raise LoginRefused("wrong user name or password")
        if rehashed is not None:
            user.password_hash = rehashed
        uow.accounts.remove_failures(attempt)
        uow.accounts.clear_failures(keys[0])
        uow.accounts.prune_sessions(now)
        if replacing:
            uow.accounts.end_sessions(digest=digest(replacing))
        secret = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        uow.accounts.add_session(
            LoginSession(digest(secret), user.handle, csrf, now, now + SESSION_LIFETIME)
        )
        audit(uow, "user.login", actor=user.handle, now=now, after={"address": address or ""})
        uow.commit()
    return secret, csrf


def session_principal(desk: Desk, secret: str) -> Principal | None:
    with desk.unit_of_work() as uow:
        login = uow.accounts.session_by_digest(digest(secret))
        if login is None or not session_valid(login, desk.now()):
            return None
        user = uow.accounts.find_user(login.user_handle)
        if user is None or not user.active:
            return None
        return Principal(
            user.handle, user.role, login.csrf, former_member=_former_member(uow, user.handle)
        )


def log_out(desk: Desk, secret: str) -> None:
    with desk.unit_of_work() as uow:
        uow.accounts.end_sessions(digest=digest(secret))
        uow.commit()


def csrf_matches(expected: str | None, given: str | None) -> bool:
    # compare_digest takes no text beyond ASCII (it raises): compare the UTF-8 bytes, so a
    # forged token of any characters is a refusal, not a server error.
    if not (expected and given):
        return False
    return hmac.compare_digest(
        str(expected).encode("utf-8", "surrogatepass"), str(given).encode("utf-8", "surrogatepass")
    )


def list_tokens(desk: Desk, handle: str) -> list[dict[str, Any]]:
    """A user's personal API tokens, oldest first; the secrets are not kept, only prefixes."""
    with desk.unit_of_work() as uow:
        _user(uow, handle)
        return [
            {
                "name": t.name,
                "prefix": t.prefix,
                "created_at": _iso(t.created_at),
                "last_used_at": _iso(t.last_used_at),
                "revoked_at": _iso(t.revoked_at),
            }
            for t in uow.accounts.tokens_for(handle)
        ]


def change_password(desk: Desk, handle: str, current: str, new: str) -> tuple[str, str]:
    """Change one's own password, ending every session; open a fresh one for the caller.

    A wrong current password counts as a failed login, so a borrowed session cannot guess
    it faster than the login form could. Returns the new session's (secret, CSRF token).
    """
    check_password(new)
    now = desk.now()
    keys = _throttle_keys(handle, None)
    attempt, until = _count_attempt(desk, keys, now)
    if until is not None:
        raise LoginThrottled("too many wrong passwords; try again in a few minutes")
    with desk.unit_of_work() as uow:
        user = _user(uow, handle)
        if not _hasher(desk).verify(current, user.password_hash):
            # The attempt was counted as failed before the check.
            raise LoginRefused("the current password is wrong; nothing was changed")
        uow.accounts.remove_failures(attempt)
        user.password_hash = _hasher(desk).hash(new)
        uow.accounts.end_sessions(handle=handle)
        secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        uow.accounts.add_session(
            LoginSession(digest(secret), handle, csrf, now, now + SESSION_LIFETIME)
        )
        audit(uow, "user.passwd", actor=handle, now=now, after={"user": handle})
        uow.commit()
    return secret, csrf
