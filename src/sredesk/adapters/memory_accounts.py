"""Keep accounts, tokens, sessions and failed logins in the fake unit of work's state."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sredesk.core.accounts import ApiToken, FormSubmission, LoginFailure, LoginSession, User


@dataclass
class AccountState:
    users: list[User] = field(default_factory=list)
    tokens: list[ApiToken] = field(default_factory=list)
    sessions: list[LoginSession] = field(default_factory=list)
    failures: list[LoginFailure] = field(default_factory=list)
    forms: dict[str, FormSubmission] = field(default_factory=dict)
    next_id: int = 1


class _HasState(Protocol):
    @property
    def account_state(self) -> AccountState: ...


class MemoryAccountRepository:
    def __init__(self, owner: _HasState) -> None:
        self._owner = owner

    @property
    def _s(self) -> AccountState:
        return self._owner.account_state

    def _id(self) -> int:
        self._s.next_id += 1
        return self._s.next_id - 1

    def add_user(self, user: User) -> None:
        if self.find_user(user.handle) is not None:
            raise ValueError("that user exists already")  # as the unique key would
        user.id = self._id()
        self._s.users.append(user)

    def find_user(self, handle: str) -> User | None:
        return next((u for u in self._s.users if u.handle == handle), None)

    def users(self) -> Sequence[User]:
        return sorted(self._s.users, key=lambda u: u.handle)

    def add_token(self, token: ApiToken) -> None:
        token.id = self._id()
        self._s.tokens.append(token)

    def token_by_digest(self, digest: str) -> ApiToken | None:
        return next((t for t in self._s.tokens if t.digest == digest), None)

    def tokens_for(self, handle: str) -> Sequence[ApiToken]:
        return [t for t in self._s.tokens if t.user_handle == handle]

    def add_session(self, login: LoginSession) -> None:
        login.id = self._id()
        self._s.sessions.append(login)

    def session_by_digest(self, digest: str) -> LoginSession | None:
        return next((s for s in self._s.sessions if s.digest == digest), None)

    def end_sessions(self, *, digest: str | None = None, handle: str | None = None) -> None:
        self._s.sessions = [
            s
            for s in self._s.sessions
            if not (
                (digest is None or s.digest == digest)
                and (handle is None or s.user_handle == handle)
            )
        ]

    def prune_sessions(self, before: datetime) -> None:
        self._s.sessions = [s for s in self._s.sessions if s.expires_at > before]

    def add_failure(self, failure: LoginFailure) -> None:
        failure.id = self._id()
        self._s.failures.append(failure)

    def failures(self, key: str, since: datetime) -> Sequence[datetime]:
        return [f.at for f in self._s.failures if f.key == key and f.at > since]

    def clear_failures(self, key: str) -> None:
        self._s.failures = [f for f in self._s.failures if f.key != key]

    def remove_failures(self, ids: Sequence[int]) -> None:
        self._s.failures = [f for f in self._s.failures if f.id not in ids]

    def prune_failures(self, before: datetime) -> None:
        self._s.failures = [f for f in self._s.failures if f.at > before]

    def claim_form(self, submission: FormSubmission) -> FormSubmission | None:
        earlier = self._s.forms.setdefault(submission.key, submission)
        return None if earlier is submission else dataclasses.replace(earlier)

    def settle_form(self, key: str, location: str, notice: str, error: str) -> None:
        if key in self._s.forms:
            found = self._s.forms[key]
            found.location, found.notice, found.error = location, notice, error

    def release_form(self, key: str) -> None:
        self._s.forms.pop(key, None)

    def prune_forms(self, before: datetime) -> None:
        self._s.forms = {k: f for k, f in self._s.forms.items() if f.at > before}
