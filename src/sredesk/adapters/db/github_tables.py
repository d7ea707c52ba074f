"""Declare and map the GitHub bridge's tables on the desk's metadata."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import registry

from sredesk.adapters.db.tables import UTCDateTime, _json_list, metadata
from sredesk.core.github import GitHubDelivery, GitHubLink, LowHangingFruit

github_links = Table(
    "github_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("inquiry_number", Integer, nullable=False, index=True),
    Column("repo", String(201), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("number", Integer, nullable=False),
    Column("url", String(2000), nullable=False),
    Column("node_id", String(100), nullable=False),
    Column("updated_at", UTCDateTime, nullable=True),
    Column("assigned", String(39), nullable=True),
    # One GitHub thread belongs to one inquiry.
    UniqueConstraint("repo", "kind", "number", name="uq_github_links_thread"),
)

github_deliveries = Table(
    "github_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("delivery_id", String(100), nullable=False, unique=True),
    Column("event", String(50), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("outcome", String(200), nullable=False),
)

low_hanging_fruit = Table(
    "low_hanging_fruit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("repo", String(201), nullable=False),
    Column("number", Integer, nullable=False),
    Column("title", String(1000), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("labels", _json_list(), nullable=False),
    Column("estimate_hours", Float, nullable=True),
    Column("synced_at", UTCDateTime, nullable=False),
    Column("open", Boolean, nullable=False),
    Column("done_at", UTCDateTime, nullable=True),
    Column("done_by", String(39), nullable=True),
    UniqueConstraint("repo", "number", name="uq_low_hanging_fruit_issue"),
)


def map_github(mapper_registry: registry) -> None:
    mapper_registry.map_imperatively(GitHubLink, github_links)
    mapper_registry.map_imperatively(GitHubDelivery, github_deliveries)
    mapper_registry.map_imperatively(LowHangingFruit, low_hanging_fruit)
