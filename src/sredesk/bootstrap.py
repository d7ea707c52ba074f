"""Assemble a desk from settings: the database, the clock, the response policy and the mail."""

from __future__ import annotations

from datetime import timedelta

from sredesk.adapters.clock import SystemClock
from sredesk.adapters.db.unit_of_work import Database
from sredesk.adapters.github.settings import GitHubSettings
from sredesk.core.clock import ResponsePolicy
from sredesk.services.desk import Desk
from sredesk.services.ports import Clock
from sredesk.settings import Settings


def build_desk(
    settings: Settings, *, clock: Clock | None = None, github: GitHubSettings | None = None
) -> tuple[Desk, Database]:
    """The desk and its database; `github` is accepted for its callers but decides nothing."""
    database = Database(settings.database_url)
    desk = Desk(
        unit_of_work=database.unit_of_work,
        clock=clock or SystemClock(),
        calendar_config=settings.calendars,
        read_calendar_file=settings.read_calendar_file,
        policy=ResponsePolicy(
            target=timedelta(hours=settings.response_hours), thresholds=settings.warn_at
        ),
        resolution_policy=(
            ResponsePolicy(
                target=timedelta(hours=settings.resolution_hours), thresholds=settings.warn_at
            )
            if settings.resolution_hours
            else None
        ),
    )
    # The mail bridge imports its parsers and clients: only a desk configured for mail pays
    # for that, which matters to each short-lived CLI command.
    if settings.mail is not None:
        from sredesk.services.mail_outbound import mail_publisher

        desk.publishers.append(mail_publisher(settings.mail))
    # The GitHub bridge is always there: queuing needs no credentials, and the links in the
    # database decide what goes to GitHub. A reply from a shell without the token must still
    # be queued for a linked inquiry; only the sender needs `github`'s token. Its module is
    # light (the client, githubkit, is imported by the sender alone).
    from sredesk.services import github as github_bridge

    desk.publishers.append(github_bridge.publisher)
    desk.observers.append(github_bridge.observer)
    return desk, database
