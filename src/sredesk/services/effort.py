"""Log the effort members spend, per inquiry or on desk work, to inform planning."""

from __future__ import annotations

from datetime import date
from typing import Any

from sredesk.core.calendar_years import check_year
from sredesk.core.errors import InvalidInput
from sredesk.core.model import EffortEntry
from sredesk.services.desk import Desk, audit, classified_numbers, member
from sredesk.services.ports import AbstractUnitOfWork
from sredesk.services.views import effort_view

# A day's work is the most one entry, or a member's entries of one day together, can hold;
# longer work is logged per day.
MAX_MINUTES = 24 * 60
# What a reader off the desk reads for an entry's note on a classified inquiry.
CLASSIFIED_NOTE = "(classified inquiry)"


def log_effort(
    desk: Desk,
    *,
    by: str,
    minutes: int,
    on: date | None = None,
    note: str = "",
    inquiry_number: int | None = None,
) -> int:
    check_minutes(minutes)
    now = desk.now()
    if on is not None:
        check_year(on.year)
    with desk.unit_of_work() as uow:
        handle = member(uow, by).handle
        if inquiry_number is not None:
            uow.inquiries.get(inquiry_number)
        today = now.astimezone(desk.calendar(uow).tz).date()
        if on is not None and on > today:
            raise InvalidInput(f"{on} has not come yet; log effort for work done, up to {today}")
        day = on or today
        check_day(uow, handle, day, minutes)
        entry = EffortEntry(
            member=handle, minutes=minutes, on=day, note=note.strip(), inquiry_number=inquiry_number
        )
        uow.effort.add(entry)
        uow.flush()
        audit(
            uow,
            "effort.logged",
            actor=handle,
            now=now,
            after=effort_view(entry),
            inquiry_number=inquiry_number,
        )
        entry_id = entry.id
        uow.commit()
    assert entry_id is not None
    return entry_id


def check_minutes(minutes: int) -> None:
    if not 0 < minutes <= MAX_MINUTES:
        raise InvalidInput(f"minutes must be between 1 and {MAX_MINUTES}; log a day at a time")


def check_day(uow: AbstractUnitOfWork, handle: str, day: date, minutes: int) -> None:
    """Refuse `minutes` more that would take the member's logged `day` past a day."""
    logged = sum(e.minutes for e in uow.effort.list(member=handle) if e.on == day)
    if logged + minutes > MAX_MINUTES:
        raise InvalidInput(
            f"{handle} has {logged} minutes logged on {day} already; a day holds"
            f" {MAX_MINUTES}, so log at most {MAX_MINUTES - logged} more"
        )


def list_effort(
    desk: Desk,
    *,
    member_handle: str | None = None,
    inquiry_number: int | None = None,
    see_classified: bool = True,
) -> list[dict[str, Any]]:
    """The entries by day; for a reader off the desk, classified work counts, unnamed."""
    with desk.unit_of_work() as uow:
        hidden = classified_numbers(uow, see_classified=see_classified)
        if inquiry_number in hidden:
            return []  # as for a number that has no inquiry
        if member_handle is not None:
            # A former member's effort still counts; a mistyped handle is no member's.
            member_handle = member(uow, member_handle, active=False).handle
        entries = uow.effort.list(member=member_handle, inquiry_number=inquiry_number)
        return [_entry(e, hidden) for e in sorted(entries, key=lambda e: (e.on, e.id or 0))]


def _entry(entry: EffortEntry, hidden: set[int]) -> dict[str, Any]:
    view = effort_view(entry)
    if entry.inquiry_number in hidden:
        # The time belongs in the desk's totals; the words and the number stay on the desk.
        view.update(note=CLASSIFIED_NOTE, inquiry=None)
    return view
