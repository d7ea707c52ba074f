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
        return [audit_view(e) for e in events if e.inquiry_number not in hidden]


def notifications(
    desk: Desk, *, pending_only: bool = False, see_classified: bool = True
) -> list[dict[str, Any]]:
    """Members' notifications; those about classified inquiries only for readers on the desk."""
    with desk.unit_of_work() as uow:
        hidden = classified_numbers(uow, see_classified=see_classified)
        found = uow.notifications.list(pending_only=pending_only)
        return [notification_view(n) for n in found if n.inquiry_number not in hidden]
