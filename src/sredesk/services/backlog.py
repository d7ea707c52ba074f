"""Keep the product backlog's low-hanging fruit for idle Primaries, and record the work done."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sredesk.adapters.github.client import GitHubPort
from sredesk.adapters.github.settings import GitHubSettings
from sredesk.core.errors import InvalidInput, InvalidTransition
from sredesk.core.github import LowHangingFruit, estimate_hours
from sredesk.core.model import EffortEntry
from sredesk.services import effort
from sredesk.services.desk import Desk, audit, member


def sync(desk: Desk, config: GitHubSettings, client: GitHubPort) -> dict[str, int]:
    """Fetch open issues with the configured label from every product repository."""
    fetched = {repo: client.open_issues(repo, config.lhf_label) for repo in config.product_repos}
    now = desk.now()
    added = updated = closed = 0
    with desk.unit_of_work() as uow:
        known = {(f.repo, f.number): f for f in uow.github.fruit(open_only=False)}
        seen: set[tuple[str, int]] = set()
        for repo, issues in fetched.items():
            for issue in issues:
                key = (repo, int(issue["number"]))
                seen.add(key)
                labels = [
                    str(label.get("name", ""))
                    for label in issue.get("labels") or []
                    if isinstance(label, dict)
                ]
                fresh = LowHangingFruit(
                    repo=repo,
                    number=key[1],
                    title=str(issue.get("title", ""))[:1000],
                    url=str(issue.get("html_url", "")),
                    labels=labels,
                    estimate_hours=estimate_hours(labels, str(issue.get("body") or "")),
                    synced_at=now,
                )
                old = known.get(key)
                if old is None:
                    uow.github.add_fruit(fresh)
                    added += 1
                    continue
                old.title, old.url, old.labels = fresh.title, fresh.url, fresh.labels
                old.estimate_hours, old.synced_at, old.open = fresh.estimate_hours, now, True
                updated += 1
        for key, fruit in known.items():
            if key[0] in fetched and key not in seen and fruit.open:
                fruit.open = False  # closed or relabelled on GitHub
                closed += 1
        summary = {"added": added, "updated": updated, "closed": closed}
        audit(uow, "backlog.synced", actor="system", now=now, after=dict(summary))
        uow.commit()
    return summary


def _rank(fruit: LowHangingFruit) -> tuple[int, float, str, int]:
    # Estimated work first, smallest first: an idle Primary wants something that fits.
    unknown = fruit.estimate_hours is None
    return (int(unknown), fruit.estimate_hours or 0.0, fruit.repo, fruit.number)


def view(fruit: LowHangingFruit) -> dict[str, Any]:
    return {
        "id": fruit.id,
        "repo": fruit.repo,
        "number": fruit.number,
        "title": fruit.title,
        "url": fruit.url,
        "labels": list(fruit.labels),
        "estimate_hours": fruit.estimate_hours,
        "done_by": fruit.done_by,
        "done_at": fruit.done_at.isoformat() if fruit.done_at else None,
    }


def ranked(desk: Desk, *, max_hours: float | None = 4.0) -> list[dict[str, Any]]:
    """Open fruit that fits in about `max_hours` (or has no estimate), best first."""
    if max_hours is not None and not (math.isfinite(max_hours) and max_hours > 0):
        raise InvalidInput(f"the largest estimate {max_hours} must be a number of hours above 0")
    with desk.unit_of_work() as uow:
        items = [
            f
            for f in uow.github.fruit()
            if max_hours is None or f.estimate_hours is None or f.estimate_hours <= max_hours
        ]
        return [view(f) for f in sorted(items, key=_rank)]


def done(desk: Desk, fruit_id: int, *, by: str, minutes: int, note: str = "") -> None:
    """Mark fruit picked and fixed, logging the effort against it."""
    effort.check_minutes(minutes)
    now: datetime = desk.now()
    with desk.unit_of_work() as uow:
        handle = member(uow, by).handle
        fruit = uow.github.get_fruit(fruit_id)
        if fruit.done_at is not None:
            raise InvalidTransition(f"{fruit.repo}#{fruit.number} was done already")
        fruit.done_at, fruit.done_by = now, handle
        day = now.astimezone(desk.calendar(uow).tz).date()
        effort.check_day(uow, handle, day, minutes)
        text = f"low-hanging fruit {fruit.repo}#{fruit.number}: {note}".strip().rstrip(":")
        uow.effort.add(EffortEntry(member=handle, minutes=minutes, on=day, note=text))
        audit(
            uow,
            "backlog.done",
            actor=handle,
            now=now,
            after={"fruit": fruit_id, "issue": f"{fruit.repo}#{fruit.number}", "minutes": minutes},
        )
        uow.commit()
