"""add members.joined

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 09:12:05.118204
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Members who were there before the column count from the start of the history, as
    # they did before: NULL says so.
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("joined", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("joined")
