"""add mail_messages.links

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 17:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Messages stored before name no links: they thread as they did.
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("links", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.drop_column("links")
