"""Read the desk's records, the audit log and members' notifications, as the reader may see them."""

from __future__ import annotations

from typing import Any

from sredesk.services.desk import Desk, classified_numbers
from sredesk.services.views import audit_view, notification_view


def audit_log(
    desk: Desk, *, inquiry_number: int | None = None, see_classified: bool = True
) -> list[dict[str, Any]]:
    """Every change, or one inquiry's; a reader off the desk gets none of a classified one's."""
    with desk.unit_of_work() as uow:
        hidden = classified_numbers(uow, see_classified=see_classified)
        events = uow.audit.list(inquiry_number=inquiry_number)
        return [_unlisted(audit_view(e), hidden) for e in events if e.inquiry_number not in hidden]


# The audit events about no one inquiry that list inquiries by number: the handoff's, whose
# every list may name a classified one (`to_backup` and `uncleared` name nothing else).
_NUMBER_LISTS = ("handed", "kept", "kept_earlier", "stayed", "to_backup", "uncleared")


def _unlisted(view: dict[str, Any], hidden: set[int]) -> dict[str, Any]:
    """The event as `audit_view` shows it, without the `hidden` numbers its lists name."""
    after = view["after"]
    if not hidden or not isinstance(after, dict):
        return view
    lists = {
        key: [n for n in after[key] if n not in hidden]
        for key in _NUMBER_LISTS
        if isinstance(after.get(key), list)
    }
    return view | {"after": after | lists} if lists else view


def notifications(
    desk: Desk, *, pending_only: bool = False, see_classified: bool = True
) -> list[dict[str, Any]]:
    """Members' notifications; those about classified inquiries only for readers on the desk."""
    with desk.unit_of_work() as uow:
        hidden = classified_numbers(uow, see_classified=see_classified)
        found = uow.notifications.list(pending_only=pending_only)
        return [notification_view(n) for n in found if n.inquiry_number not in hidden]
