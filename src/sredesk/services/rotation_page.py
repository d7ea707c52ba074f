"""Read the rotation as the web desk shows it: a month of weeks, my weeks, my feed links."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sredesk.core import roster
from sredesk.core.calendar import BusinessCalendar
from sredesk.core.calendar_years import MAX_YEAR, MIN_YEAR
from sredesk.core.errors import InvalidInput
from sredesk.core.model import Shift, TimeOff
from sredesk.services import rotation
from sredesk.services.desk import Desk
from sredesk.services.feeds import TEAM
from sredesk.services.ports import AbstractUnitOfWork

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
ROLES = ("primary", "backup")


def parse_month(value: str) -> date:
    """The first day of the month a `YYYY-MM` names."""
    found = MONTH.match(value.strip())
    year, month = (int(found[1]), int(found[2])) if found else (0, 0)
    if not found or not 1 <= month <= 12:
        raise InvalidInput(f"month {value!r} is not a month; write YYYY-MM, e.g. 2026-11")
    if not MIN_YEAR < year < MAX_YEAR:
        raise InvalidInput(
            f"month {value!r} is outside the calendar's years; "
            f"show one from {MIN_YEAR + 1} to {MAX_YEAR - 1}"
        )
    return date(year, month, 1)


def today(desk: Desk, uow: AbstractUnitOfWork) -> date:
    """The date in the desk's own zone, which is the zone its weeks and holidays live in."""
    return desk.now().astimezone(desk.calendar(uow).tz).date()


def _shift_month(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_calendar(desk: Desk, month: str | None = None) -> dict[str, Any]:
    """One month as rows of Monday-to-Sunday weeks, each with its Primary and Backup."""
    with desk.unit_of_work() as uow:
        now = today(desk, uow)
        first = parse_month(month) if month else now.replace(day=1)
        last = _shift_month(first, 1) - timedelta(days=1)
        start, end = roster.week_start(first), roster.week_start(last) + timedelta(days=6)
        calendar = desk.calendar(uow)
        shifts = {s.week_start: s for s in uow.shifts.list(start=start, end=end)}
        active = {m.handle for m in uow.members.list(active_only=True)}
        away = [t for t in uow.members.time_off() if t.member in active and t.end >= start]
        holidays = {
            day: name
            for y in {start.year, end.year}
            for day, name in calendar.holiday_names(y).items()
        }
        weeks = [
            _week(monday, shifts.get(monday), first, now, holidays, away, calendar)
            for monday in _mondays(start, end)
        ]
    previous, following = _shift_month(first, -1), _shift_month(first, 1)
    return {
        "month": f"{first:%Y-%m}",
        "title": f"{first:%B %Y}",
        "today": now.isoformat(),
        "this_month": f"{now:%Y-%m}",
        "previous": {"month": f"{previous:%Y-%m}", "title": f"{previous:%B %Y}"},
        "next": {"month": f"{following:%Y-%m}", "title": f"{following:%B %Y}"},
        "weeks": weeks,
        "holidays": sorted(d.isoformat() for d in holidays if d.month == first.month),
    }


def _mondays(start: date, end: date) -> list[date]:
    return [start + timedelta(weeks=n) for n in range((end - start).days // 7 + 1)]


def _week(
    monday: date,
    shift: Shift | None,
    first: date,
    now: date,
    holidays: dict[date, str],
    away: list[TimeOff],
    calendar: BusinessCalendar,
) -> dict[str, Any]:
    days = [monday + timedelta(days=n) for n in range(7)]
    return {
        "week_start": monday.isoformat(),
        "label": f"{monday.day} {monday:%b}",
        "primary": shift.primary if shift else None,
        "backup": shift.backup if shift else None,
        "current": monday == roster.week_start(now),
        "days": [
            {
                "date": day.isoformat(),
                "day": day.day,
                "label": f"{day:%A} {day.day} {day:%B}",
                "in_month": day.month == first.month,
                "today": day == now,
                # The holiday's name, or None on an ordinary day.
                "holiday": holidays.get(day),
                "open": calendar.is_business_day(day),
                "away": [
                    {"member": t.member, "reason": t.reason}
                    for t in away
                    if t.start <= day <= t.end
                ],
            }
            for day in days
        ],
    }


def my_weeks(desk: Desk, me: str) -> list[dict[str, Any]]:
    """The weeks from this one on in which `me` is Primary or Backup, with who could swap."""
    with desk.unit_of_work() as uow:
        this_week = roster.week_start(today(desk, uow))
        held = [
            (s.week_start, role)
            for s in uow.shifts.list(start=this_week)
            for role in ROLES
            if getattr(s, role) == me
        ]
    return [
        {
            "week_start": week.isoformat(),
            "role": role,
            "eligible": [c["handle"] for c in rotation.swap_options(desk, week, role, me)],
        }
        for week, role in held
    ]


def feed_links(desk: Desk, me: str) -> dict[str, str | None]:
    """When the live team and personal feed tokens were made; None when there is none."""
    with desk.unit_of_work() as uow:
        tz = desk.calendar(uow).tz
        live = [
            (t.scope, t.created_at.astimezone(tz).date())
            for t in uow.rotation.tokens()
            if t.revoked_at is None
        ]

    def newest(scope: str) -> str | None:
        made = [day for owner, day in live if owner == scope]
        return max(made).isoformat() if made else None

    return {"team": newest(TEAM), "me": newest(me)}
