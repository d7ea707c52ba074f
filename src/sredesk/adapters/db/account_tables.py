"""Declare and map the accounts' tables: users, API tokens, sessions, failed logins and forms."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Enum, Integer, String, Table
from sqlalchemy.orm import registry

from sredesk.adapters.db.tables import UTCDateTime, metadata
from sredesk.core.accounts import ApiToken, LoginFailure, LoginSession, Role, User

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("handle", String(39), nullable=False, unique=True),
    Column(
        "role",
        Enum(
            Role,
            name="user_role",
            native_enum=False,
            length=16,
            values_callable=lambda e: [r.value for r in e],
        ),
        nullable=False,
    ),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("active", Boolean, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_handle", String(39), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("prefix", String(16), nullable=False),
    # SHA-256 of a 256-bit random secret: a fast digest is enough for a secret nobody chose.
    Column("digest", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
)

login_sessions = Table(
    "login_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("user_handle", String(39), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
)

# One row for each form post, by the one-time key its form carried, kept for a while so
# that a second post of the same form (a double click, a resend) acts once.
form_submissions = Table(
    "form_submissions",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("user_handle", String(39), nullable=False),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("location", String(2000), nullable=True),
    Column("notice", String(300), nullable=False),
    Column("error", String(300), nullable=False),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(200), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
)


def map_accounts(mapper_registry: registry) -> None:
    mapper_registry.map_imperatively(User, users)
    mapper_registry.map_imperatively(ApiToken, api_tokens)
    mapper_registry.map_imperatively(LoginSession, login_sessions)
    mapper_registry.map_imperatively(LoginFailure, login_failures)
