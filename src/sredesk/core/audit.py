"""Describe an inquiry as plain data, so every change can be recorded as before and after."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sredesk.core.model import INQUIRY_CHILDREN, Inquiry

_FIELDS = (
    "title",
    "channel",
    "source",
    "state",
    "assignee",
    "labels",
    "customers",
    "sensitive",
    "serious",
    "response_hours",
    "response_days",
    "response_due",
    "keep_at_handoff",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "waiting_since",
    "redirect_confirmed_at",
)


# Most field values are already plain; their exact type says so without a chain of checks.
# (An enum may subclass str, so the exact type is compared, not isinstance.)
_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


def plain(value: Any) -> Any:
    """Turn a field value into JSON-ready data."""
    if type(value) in _PLAIN_TYPES:
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def snapshot(inquiry: Inquiry) -> dict[str, Any]:
    data = {name: plain(getattr(inquiry, name)) for name in _FIELDS}
    data.update({name: len(getattr(inquiry, name)) for name in INQUIRY_CHILDREN})
    # Escalation and delegation answers change a child, not a count; record their states.
    data["escalation_states"] = [e.status.value for e in inquiry.escalations]
    data["world_readable"] = [a.world_readable for a in inquiry.attachments]
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the keys whose values changed."""
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
