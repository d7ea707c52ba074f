"""Remember each form post by the one-time key its form carried, so a form sent twice acts once."""

from __future__ import annotations

from datetime import timedelta

from sredesk.core.accounts import FormSubmission
from sredesk.services.desk import Desk

# Long enough for the back button and "resend" a browser offers days later; a key is a few
# bytes a post, so a week of the desk's posts is a small table.
KEEP = timedelta(days=7)


def claim(desk: Desk, key: str, *, by: str) -> FormSubmission | None:
    """Take `key` for a post about to be done, or return the earlier post that took it.

    It commits at once, before the post is done, so that a second post of the key, in this
    process or another, finds it taken while the first is still being done.
    """
    now = desk.now()
    with desk.unit_of_work() as uow:
        uow.accounts.prune_forms(now - KEEP)
        earlier = uow.accounts.claim_form(FormSubmission(key, by, now))
        uow.commit()
    return earlier


def settle(desk: Desk, key: str, location: str, *, notice: str = "", error: str = "") -> None:
    """Record what the post of `key` answered, for a second post of it to answer the same."""
    with desk.unit_of_work() as uow:
        uow.accounts.settle_form(key, location, notice[:300], error[:300])
        uow.commit()


def release(desk: Desk, key: str) -> None:
    """Free `key` after a post that wrote nothing (refused), so a resend is done afresh."""
    with desk.unit_of_work() as uow:
        uow.accounts.release_form(key)
        uow.commit()
