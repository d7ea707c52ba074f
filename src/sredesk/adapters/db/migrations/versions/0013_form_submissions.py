"""add form_submissions

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 00:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sredesk.adapters.db.tables import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Each form post by its one-time key, so that a form sent twice acts once.
    op.create_table(
        "form_submissions",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_handle", sa.String(length=39), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("location", sa.String(length=2000), nullable=True),
        sa.Column("notice", sa.String(length=300), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_form_submissions")),
    )
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_submissions_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_submissions_at"))
    op.drop_table("form_submissions")
