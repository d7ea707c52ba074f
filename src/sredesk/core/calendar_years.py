"""Bound the years the business calendar computes in.

Apart from `calendar`, which loads NumPy, so that checking a date's year costs a command
no import.
"""

from __future__ import annotations

from sredesk.core.holiday_rules import CalendarError

__all__ = ["MAX_YEAR", "MIN_YEAR", "check_year"]

# Year 1 and 9999 have no neighbour year in `datetime`; holidays look one year each side.
MIN_YEAR, MAX_YEAR = 2, 9998


def check_year(year: int) -> None:
    """Refuse a year the calendar cannot compute in: check input before converting zones."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CalendarError(f"year {year} is outside the supported years {MIN_YEAR}-{MAX_YEAR}")
