"""Keep the GitHub bridge's records in memory, inside the fake unit of work's state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sredesk.core.errors import NotFound
from sredesk.core.github import GitHubDelivery, GitHubLink, LowHangingFruit


@dataclass
class GitHubState:
    links: list[GitHubLink] = field(default_factory=list)
    deliveries: list[GitHubDelivery] = field(default_factory=list)
    fruit: list[LowHangingFruit] = field(default_factory=list)
    next_id: int = 1


class _HasState(Protocol):
    @property
    def github_state(self) -> GitHubState: ...


class MemoryGitHubRepository:
    def __init__(self, owner: _HasState) -> None:
        self._owner = owner

    @property
    def _s(self) -> GitHubState:
        return self._owner.github_state

    def _id(self) -> int:
        self._s.next_id += 1
        return self._s.next_id - 1

    def add_link(self, link: GitHubLink) -> None:
        if self.link_for_thread(link.repo, link.kind, link.number) is not None:
            raise ValueError("that thread is linked already")  # as the unique key would
        link.id = self._id()
        self._s.links.append(link)

    def link_for_thread(self, repo: str, kind: str, number: int) -> GitHubLink | None:
        return next(
            (
                link
                for link in self._s.links
                if (link.repo, link.kind, link.number) == (repo, kind, number)
            ),
            None,
        )

    def links_for(self, inquiry_number: int) -> Sequence[GitHubLink]:
        return [link for link in self._s.links if link.inquiry_number == inquiry_number]

    def remove_link(self, link: GitHubLink) -> None:
        self._s.links.remove(link)

    def delivery(self, delivery_id: str) -> GitHubDelivery | None:
        return next((d for d in self._s.deliveries if d.delivery_id == delivery_id), None)

    def add_delivery(self, delivery: GitHubDelivery) -> None:
        delivery.id = self._id()
        self._s.deliveries.append(delivery)

    def fruit(self, *, open_only: bool = True) -> Sequence[LowHangingFruit]:
        return [f for f in self._s.fruit if not open_only or (f.open and f.done_at is None)]

    def get_fruit(self, fruit_id: int) -> LowHangingFruit:
        found = next((f for f in self._s.fruit if f.id == fruit_id), None)
        if found is None:
            raise NotFound(f"no low-hanging fruit {fruit_id}; list them with 'sredesk lhf list'")
        return found

    def add_fruit(self, fruit: LowHangingFruit) -> None:
        fruit.id = self._id()
        self._s.fruit.append(fruit)
