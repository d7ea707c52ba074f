"""Read and write the GitHub bridge's links, deliveries and backlog through the session."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from sredesk.adapters.db import github_tables as t
from sredesk.core.errors import NotFound
from sredesk.core.github import GitHubDelivery, GitHubLink, LowHangingFruit


class SqlGitHubRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_link(self, link: GitHubLink) -> None:
        self.session.add(link)

    def link_for_thread(self, repo: str, kind: str, number: int) -> GitHubLink | None:
        c = t.github_links.c
        query = select(GitHubLink).where(c.repo == repo, c.kind == kind, c.number == number)
        return self.session.scalars(query).first()

    def links_for(self, inquiry_number: int) -> Sequence[GitHubLink]:
        c = t.github_links.c
        query = select(GitHubLink).where(c.inquiry_number == inquiry_number).order_by(c.id)
        return self.session.scalars(query).all()

    def remove_link(self, link: GitHubLink) -> None:
        self.session.delete(link)

    def delivery(self, delivery_id: str) -> GitHubDelivery | None:
        c = t.github_deliveries.c
        query = select(GitHubDelivery).where(c.delivery_id == delivery_id)
        return self.session.scalars(query).first()

    def add_delivery(self, delivery: GitHubDelivery) -> None:
        self.session.add(delivery)

    def fruit(self, *, open_only: bool = True) -> Sequence[LowHangingFruit]:
        c = t.low_hanging_fruit.c
        query = select(LowHangingFruit).order_by(c.id)
        if open_only:
            query = query.where(c.open.is_(True), c.done_at.is_(None))
        return self.session.scalars(query).all()

    def get_fruit(self, fruit_id: int) -> LowHangingFruit:
        found = self.session.get(LowHangingFruit, fruit_id)
        if found is None:
            raise NotFound(f"no low-hanging fruit {fruit_id}; list them with 'sredesk lhf list'")
        return found

    def add_fruit(self, fruit: LowHangingFruit) -> None:
        self.session.add(fruit)
