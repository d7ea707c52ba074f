"""Declare the desk's tables; the Alembic revisions create exactly these."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.mutable import MutableDict, MutableList

from sredesk.core.model import (
    Channel,
    DelegationStatus,
    EscalationStatus,
    LinkKind,
    PlanStatus,
    State,
    SwapRequestStatus,
)

# Stable names make migrations identical on SQLite and PostgreSQL.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Store instants as naive UTC and give them back aware, on every database alike.

    SQLite keeps no offset, so without this a round trip would turn aware into naive.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the desk stores aware datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


def _enum(cls: type[Any], name: str) -> Enum:
    # Values, not names, go into the column: they are what the API and CLI speak.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def _json_list() -> Any:
    return MutableList.as_mutable(JSON())


def _json_dict() -> Any:
    return MutableDict.as_mutable(JSON())


def _json_value() -> Any:
    """JSON whose value is only ever replaced, never changed in place: no change tracking,
    which costs more than the rest of writing an audit event or a stored message."""
    return JSON()


teams = Table(
    "teams",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("calendar", String(64), nullable=False),
    Column("experienced_after", Integer, nullable=False),
    Column("stale_after_days", Integer, nullable=False),
)

members = Table(
    "members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("handle", String(39), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("percent_time", Integer, nullable=False),
    Column("experience", Integer, nullable=False),
    Column("classified_access", Boolean, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("github", String(39), nullable=True),
    Column("joined", Date, nullable=True),
)

time_off = Table(
    "time_off",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("member", String(39), ForeignKey("members.handle"), nullable=False, index=True),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=False),
    Column("reason", String(200), nullable=False),
)

shifts = Table(
    "shifts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("week_start", Date, nullable=False, unique=True),
    Column("primary", String(39), ForeignKey("members.handle"), nullable=False),
    Column("backup", String(39), ForeignKey("members.handle"), nullable=False),
)

delegations = Table(
    "delegations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "shift_id", Integer, ForeignKey("shifts.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("from_member", String(39), nullable=False),
    Column("to_member", String(39), nullable=False),
    Column("start", UTCDateTime, nullable=False),
    Column("end", UTCDateTime, nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("status", _enum(DelegationStatus, "delegation_status"), nullable=False),
    Column("answered_at", UTCDateTime, nullable=True),
)

inquiries = Table(
    "inquiries",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=True),
    Column("title", String(300), nullable=False),
    Column("channel", _enum(Channel, "channel"), nullable=False, index=True),
    Column("source", String(300), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("response_due", UTCDateTime, nullable=False, index=True),
    Column("customers", _json_list(), nullable=False),
    Column("state", _enum(State, "inquiry_state"), nullable=False, index=True),
    Column("assignee", String(39), nullable=True, index=True),
    Column("labels", _json_list(), nullable=False),
    Column("sensitive", Boolean, nullable=False),
    Column("serious", Boolean, nullable=False),
    Column("response_hours", Float, nullable=True),
    Column("response_days", Float, nullable=True),
    Column("keep_at_handoff", Boolean, nullable=False),
    Column("first_response_at", UTCDateTime, nullable=True),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("waiting_since", UTCDateTime, nullable=True),
    Column("last_customer_at", UTCDateTime, nullable=True),
    Column("last_desk_at", UTCDateTime, nullable=True),
    Column("redirected_by", String(39), nullable=True),
    Column("redirect_confirmed_at", UTCDateTime, nullable=True),
)


def _child(name: str, *columns: Column[Any]) -> Table:
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column(
            "inquiry_number",
            Integer,
            ForeignKey("inquiries.number", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        *columns,
    )


comments = _child(
    "comments",
    Column("author", String(320), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("public", Boolean, nullable=False),
    Column("by_member", Boolean, nullable=False),
    Column("source_message_id", String(998), nullable=True),
    Column("source_updated_at", UTCDateTime, nullable=True),
)

attachments = _child(
    "attachments",
    Column("filename", String(255), nullable=False),
    Column("content_type", String(255), nullable=False),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("comment_id", Integer, nullable=True),
    Column("world_readable", Boolean, nullable=False),
    Column("approved_by", String(39), nullable=True),
)

escalations = _child(
    "escalations",
    Column("to_member", String(39), nullable=False),
    Column("requested_by", String(39), nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("note", Text, nullable=False),
    Column("status", _enum(EscalationStatus, "escalation_status"), nullable=False),
    Column("answered_at", UTCDateTime, nullable=True),
    Column("answer_note", Text, nullable=False),
)

handoffs = _child(
    "handoffs",
    Column("from_member", String(39), nullable=False),
    Column("to_member", String(39), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("note", Text, nullable=False),
    Column("kept_by_previous", Boolean, nullable=False),
    Column("week_start", Date, nullable=True),
)

resolutions = _child(
    "resolutions",
    Column("kinds", _json_list(), nullable=False),
    Column("by", String(39), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("note", Text, nullable=False),
)

product_links = _child(
    "product_links",
    Column("url", String(2000), nullable=False),
    Column("kind", _enum(LinkKind, "link_kind"), nullable=False),
    Column("added_by", String(39), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
)

postmortems = _child(
    "postmortems",
    Column("what_happened", Text, nullable=False),
    Column("why", Text, nullable=False),
    Column("resources", Text, nullable=False),
    Column("milestones", Text, nullable=False),
    Column("recommendations", Text, nullable=False),
    Column("author", String(39), nullable=False),
    Column("written_at", UTCDateTime, nullable=False),
)

message_refs = Table(
    "message_refs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "inquiry_number",
        Integer,
        ForeignKey("inquiries.number", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # One Message-ID belongs to one inquiry: a cross-posted copy is stored once. Being
    # unique and given by the caller, it lets SQLAlchemy insert many rows in one statement.
    Column("message_id", String(998), nullable=False, unique=True, insert_sentinel=True),
)

effort_entries = Table(
    "effort_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("member", String(39), nullable=False, index=True),
    Column("minutes", Integer, nullable=False),
    Column("on", Date, nullable=False),
    Column("note", Text, nullable=False),
    Column("inquiry_number", Integer, nullable=True, index=True),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(320), nullable=False),
    Column("action", String(64), nullable=False),
    Column("inquiry_number", Integer, nullable=True, index=True),
    Column("before", _json_value(), nullable=False),
    Column("after", _json_value(), nullable=False),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("recipient", String(320), nullable=False),
    Column("subject", String(998), nullable=False),
    Column("body", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("inquiry_number", Integer, nullable=True),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("dedupe_key", String(200), nullable=True, unique=True),
)

Index("ix_notifications_pending", notifications.c.sent_at)

rotation_plans = Table(
    "rotation_plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("start", Date, nullable=False),
    Column("weeks_count", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(320), nullable=False),
    Column("optimal", Boolean, nullable=False),
    Column("fairness", _json_dict(), nullable=False),
    Column("moved", Integer, nullable=False),
    Column("status", _enum(PlanStatus, "plan_status"), nullable=False, index=True),
    Column("published_at", UTCDateTime, nullable=True),
    Column("drafted_against", JSON(), nullable=True),
)

planned_weeks = Table(
    "planned_weeks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "plan_id",
        Integer,
        ForeignKey("rotation_plans.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("week_start", Date, nullable=False),
    Column("primary", String(39), nullable=False),
    Column("backup", String(39), nullable=False),
)

swaps = Table(
    "swaps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("week_start", Date, nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("from_member", String(39), nullable=False),
    Column("to_member", String(39), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("by", String(39), nullable=False),
    Column("note", Text, nullable=False),
)

swap_requests = Table(
    "swap_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("week_start", Date, nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("from_member", String(39), nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("note", Text, nullable=False),
    Column("status", _enum(SwapRequestStatus, "swap_request_status"), nullable=False, index=True),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("closed_by", String(39), nullable=True),
)

feed_tokens = Table(
    "feed_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scope", String(39), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)

feed_events = Table(
    "feed_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uid", String(255), nullable=False, unique=True),
    Column("sequence", Integer, nullable=False),
    Column("fingerprint", String(64), nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("payload", _json_dict(), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("inquiry_number", Integer, nullable=True, index=True),
    Column("dedupe_key", String(200), nullable=True, unique=True),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("failed", Boolean, nullable=False),
)

Index("ix_outbox_pending", outbox.c.sent_at, outbox.c.failed, outbox.c.next_attempt_at)

# Every e-mail in or out, once per Message-ID; the raw bytes keep what the comment strips.
# No foreign key to inquiries: a quarantined message has none, a merged inquiry is removed.
mail_messages = Table(
    "mail_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", String(998), nullable=False, unique=True, insert_sentinel=True),
    Column("direction", String(8), nullable=False),
    Column("outcome", String(16), nullable=False, index=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("sender", String(320), nullable=False),
    Column("subject", String(998), nullable=False),
    Column("lists", _json_value(), nullable=False),
    Column("inquiry_number", Integer, nullable=True, index=True),
    Column("reason", Text, nullable=False),
    Column("defects", _json_value(), nullable=False),
    Column("raw", LargeBinary, nullable=False),
    Column("links", _json_value(), nullable=False, server_default=text("'[]'")),
)

# The rate limit counts a sender's recent messages.
Index("ix_mail_messages_sender_received", mail_messages.c.sender, mail_messages.c.received_at)

inquiry_aliases = Table(
    "inquiry_aliases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("merged_number", Integer, nullable=False, unique=True),
    Column("into_number", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)
