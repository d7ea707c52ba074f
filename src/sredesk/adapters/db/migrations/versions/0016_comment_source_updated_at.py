"""add comments.source_updated_at

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-23 00:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sredesk.adapters.db.tables

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # GitHub's time of the version of a comment kept. Comments before it say NULL: the
    # next edit of one is taken whatever its age, and sets it.
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source_updated_at", sredesk.adapters.db.tables.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("source_updated_at")
