"""add rotation_plans.drafted_against

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plans drafted before say NULL: nobody knows what they were drafted against, so a
    # draft among them is refused on publishing and has to be drafted again.
    with op.batch_alter_table("rotation_plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("drafted_against", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rotation_plans", schema=None) as batch_op:
        batch_op.drop_column("drafted_against")
