"""Run the desk's migrations on the engine the caller passes in config.attributes."""

from __future__ import annotations

from alembic import context

# The bridge's and the accounts' tables live beside the rest, on the same metadata.
import sredesk.adapters.db.account_tables
import sredesk.adapters.db.github_tables  # noqa: F401
from sredesk.adapters.db.tables import metadata

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
