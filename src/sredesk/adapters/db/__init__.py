"""Store the desk in SQLite or PostgreSQL through SQLAlchemy, with Alembic migrations."""
