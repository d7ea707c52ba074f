"""add github_links.assigned

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-23 00:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The login the desk assigned on GitHub. Links made before say NULL: the desk replaced
    # the assignees then, and from now on adds its own and takes away only that one.
    with op.batch_alter_table("github_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned", sa.String(length=39), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("github_links", schema=None) as batch_op:
        batch_op.drop_column("assigned")
