"""Read the dates people type in the shell and in the desk's forms."""

from __future__ import annotations

from datetime import date

from sredesk.core.errors import InvalidInput


def parse_date(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{what} {value!r} is not a date; write YYYY-MM-DD") from None
