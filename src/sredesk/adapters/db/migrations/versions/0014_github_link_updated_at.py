"""add github_links.updated_at

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 00:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sredesk.adapters.db.tables

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The newest GitHub change applied to each thread. Links made before say NULL: the
    # next event on the thread is applied whatever its age, and sets it.
    with op.batch_alter_table("github_links", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("updated_at", sredesk.adapters.db.tables.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("github_links", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
