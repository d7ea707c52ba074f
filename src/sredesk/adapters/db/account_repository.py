"""Read and write accounts, tokens, sessions and failed logins through the session."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sredesk.adapters.db import account_tables as t
from sredesk.core.accounts import ApiToken, FormSubmission, LoginFailure, LoginSession, User


class SqlAccountRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_user(self, user: User) -> None:
        self.session.add(user)

    def find_user(self, handle: str) -> User | None:
        return self.session.scalars(select(User).where(t.users.c.handle == handle)).first()

    def users(self) -> Sequence[User]:
        return self.session.scalars(select(User).order_by(t.users.c.handle)).all()

    def add_token(self, token: ApiToken) -> None:
        self.session.add(token)

    def token_by_digest(self, digest: str) -> ApiToken | None:
        query = select(ApiToken).where(t.api_tokens.c.digest == digest)
        return self.session.scalars(query).first()

    def tokens_for(self, handle: str) -> Sequence[ApiToken]:
        c = t.api_tokens.c
        query = select(ApiToken).where(c.user_handle == handle).order_by(c.id)
        return self.session.scalars(query).all()

    def add_session(self, login: LoginSession) -> None:
        self.session.add(login)

    def session_by_digest(self, digest: str) -> LoginSession | None:
        query = select(LoginSession).where(t.login_sessions.c.digest == digest)
        return self.session.scalars(query).first()

    def end_sessions(self, *, digest: str | None = None, handle: str | None = None) -> None:
        c = t.login_sessions.c
        query = delete(t.login_sessions)
        if digest is not None:
            query = query.where(c.digest == digest)
        if handle is not None:
            query = query.where(c.user_handle == handle)
        self.session.execute(query)

    def prune_sessions(self, before: datetime) -> None:
        c = t.login_sessions.c
        self.session.execute(delete(t.login_sessions).where(c.expires_at <= before))

    def add_failure(self, failure: LoginFailure) -> None:
        self.session.add(failure)

    def failures(self, key: str, since: datetime) -> Sequence[datetime]:
        c = t.login_failures.c
        return self.session.scalars(select(c.at).where(c.key == key, c.at > since)).all()

    def clear_failures(self, key: str) -> None:
        self.session.execute(delete(t.login_failures).where(t.login_failures.c.key == key))

    def remove_failures(self, ids: Sequence[int]) -> None:
        self.session.execute(delete(t.login_failures).where(t.login_failures.c.id.in_(ids)))

    def prune_failures(self, before: datetime) -> None:
        c = t.login_failures.c
        self.session.execute(delete(t.login_failures).where(c.at <= before))

    def claim_form(self, submission: FormSubmission) -> FormSubmission | None:
        # ON CONFLICT DO NOTHING: of two posts of one key at once, the second waits for the
        # first's insert to commit (PostgreSQL on the key, SQLite on its write lock).
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        c = t.form_submissions.c
        statement = (
            dialect.insert(t.form_submissions)
            .values(asdict(submission))
            .on_conflict_do_nothing(index_elements=[c.key])
            .returning(c.key)
        )
        if self.session.execute(statement).first() is not None:
            return None
        row = self.session.execute(select(t.form_submissions).where(c.key == submission.key))
        return FormSubmission(**row.one()._asdict())

    def settle_form(self, key: str, location: str, notice: str, error: str) -> None:
        c = t.form_submissions.c
        values = {"location": location, "notice": notice, "error": error}
        self.session.execute(update(t.form_submissions).where(c.key == key).values(values))

    def release_form(self, key: str) -> None:
        c = t.form_submissions.c
        self.session.execute(delete(t.form_submissions).where(c.key == key))

    def prune_forms(self, before: datetime) -> None:
        c = t.form_submissions.c
        self.session.execute(delete(t.form_submissions).where(c.at <= before))
