"""Keep the weekly shifts, delegations from Primary to Backup, and the end-of-shift handoff."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sredesk.core import clearance, lifecycle, roster
from sredesk.core import handoff as handoff_rules
from sredesk.core.calendar_years import check_year
from sredesk.core.errors import InvalidInput, NotFound
from sredesk.core.model import Inquiry, Shift
from sredesk.services.desk import Desk, audit, member, notify, recorded
from sredesk.services.ports import AbstractUnitOfWork
from sredesk.services.views import delegation_view, shift_view


def set_shift(
    desk: Desk, week_start: date, primary: str, backup: str, *, actor: str = "system"
) -> None:
    """Set who is Primary and Backup for a week, creating or replacing its shift."""
    check_year(week_start.year)
    if week_start.weekday() != 0:
        raise InvalidInput(f"{week_start} is not a Monday; shifts start on Mondays")
    if primary.lstrip("@") == backup.lstrip("@"):
        raise InvalidInput("the Primary and the Backup must be different members")
    now = desk.now()
    with desk.unit_of_work() as uow:
        p, b = member(uow, primary).handle, member(uow, backup).handle
        shift = uow.shifts.find(week_start)
        before = shift_view(shift) if shift else {}
        if shift is None:
            shift = Shift(week_start=week_start, primary=p, backup=b)
            uow.shifts.add(shift)
        else:
            roster.set_pair(shift, p, b, now=now)
        audit(uow, "shift.set", actor=actor, now=now, before=before, after=shift_view(shift))
        uow.commit()


def list_shifts(
    desk: Desk, *, start: date | None = None, end: date | None = None
) -> list[dict[str, Any]]:
    for day in (start, end):
        if day is not None:
            check_year(day.year)
    with desk.unit_of_work() as uow:
        return [shift_view(s) for s in uow.shifts.list(start=start, end=end)]


def current_duty(desk: Desk, at: datetime | None = None) -> dict[str, Any] | None:
    """Who holds the desk now: Primary, Backup and any delegate in force."""
    with desk.unit_of_work() as uow:
        calendar = desk.calendar(uow)
        duty = roster.duty_at(uow.shifts.list(), at or desk.now(), calendar)
        if duty is None:
            return None
        return {
            "week_start": duty.shift.week_start.isoformat(),
            "primary": duty.primary,
            "backup": duty.backup,
            "delegate": duty.delegate,
            "holder": duty.holder,
        }


def delegate(desk: Desk, start: datetime, end: datetime, *, by: str) -> int:
    """The Primary proposes handing the role to the Backup; it is in force once accepted.

    The window belongs to the shift that holds the desk when it starts (roster.duty_week):
    while the desk is closed, that of its next opening, as for an arriving inquiry.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("the delegation window needs times with a UTC offset")
    check_year(start.year)
    check_year(end.year)
    now = desk.now()
    with desk.unit_of_work() as uow:
        actor = member(uow, by).handle
        calendar = desk.calendar(uow)
        shift = uow.shifts.get(roster.duty_week(start, calendar))
        delegation = roster.request_delegation(shift, start, end, by=actor, now=now, tz=calendar.tz)
        uow.flush()
        audit(uow, "delegation.requested", actor=actor, now=now, after=delegation_view(delegation))
        notify(
            uow,
            delegation.to_member,
            f"[sredesk] {actor} asks you to act as Primary",
            f"{actor} asks you to hold the Primary role from {_on_desk(start, calendar.tz)} "
            f"to {_on_desk(end, calendar.tz)} ({calendar.tz.key}). Accept or decline it.",
            kind="delegation",
            now=now,
        )
        delegation_id = delegation.id
        uow.commit()
    assert delegation_id is not None
    return delegation_id


def _on_desk(moment: datetime, tz: ZoneInfo) -> str:
    """A time as the desk reads it, in its zone: whatever offset it was given with."""
    return f"{moment.astimezone(tz):%Y-%m-%d %H:%M}"


def answer_delegation(desk: Desk, delegation_id: int, *, by: str, accept: bool) -> None:
    now = desk.now()
    with desk.unit_of_work() as uow:
        actor = member(uow, by).handle
        delegation = roster.find_delegation(uow.shifts.list(), delegation_id)
        before = delegation_view(delegation)
        roster.answer_delegation(delegation, by=actor, accept=accept, now=now)
        audit(
            uow,
            "delegation.answered",
            actor=actor,
            now=now,
            before=before,
            after=delegation_view(delegation),
        )
        notify(
            uow,
            delegation.from_member,
            f"[sredesk] {actor} {'accepted' if accept else 'declined'} your delegation",
            f"Delegation {delegation_id} is {delegation.status.value}.",
            kind="delegation",
            now=now,
        )
        uow.commit()


def end_delegation(desk: Desk, delegation_id: int, *, by: str) -> None:
    now = desk.now()
    with desk.unit_of_work() as uow:
        actor = member(uow, by).handle
        delegation = roster.find_delegation(uow.shifts.list(), delegation_id)
        before = delegation_view(delegation)
        roster.end_delegation(delegation, by=actor, now=now)
        audit(
            uow,
            "delegation.ended",
            actor=actor,
            now=now,
            before=before,
            after=delegation_view(delegation),
        )
        uow.commit()


@dataclass(frozen=True)
class HandoffResult:
    from_member: str
    to_member: str
    backup: str
    handed: list[int]
    kept: list[int]
    # Those of `kept` that an earlier run of this week's handoff kept.
    kept_earlier: list[int] = field(default_factory=list)
    # Held by the next Primary already: recorded, but not handed, announced or notified.
    stayed: list[int] = field(default_factory=list)
    # Classified ones of `handed` that go to the next Backup, the next Primary not being
    # cleared for them.
    to_backup: list[int] = field(default_factory=list)
    # Classified, with nobody next cleared for them: left unassigned for a cleared member.
    uncleared: list[int] = field(default_factory=list)


def handoff_route(
    uow: AbstractUnitOfWork, tz: ZoneInfo, week: date
) -> tuple[Shift, Shift, handoff_rules.Route]:
    """The ending week's shift, the next week's, and the route of the handoff between them."""
    outgoing = uow.shifts.find(week)
    incoming = uow.shifts.find(week + timedelta(days=7))
    if outgoing is None:
        raise NotFound(f"no shift for the week of {week}; nothing to hand off")
    if incoming is None:
        raise NotFound(
            f"no shift for the week of {week + timedelta(days=7)}; "
            "plan the next week before handing off"
        )
    # Only a delegate who held the role is outgoing: a Backup who declined or never answered
    # keeps their own inquiries.
    delegates = {d.to_member for d in outgoing.delegations if d.took_effect}
    route = handoff_rules.Route(
        outgoing=frozenset({outgoing.primary, *delegates}),
        to_member=incoming.primary,
        since=datetime.combine(week, time(), tz),
        primary=outgoing.primary,
        backup=incoming.backup,
        cleared=frozenset(m.handle for m in uow.members.list() if m.classified_access),
    )
    return outgoing, incoming, route


def handoff(
    desk: Desk,
    *,
    week_start: date | None = None,
    by: str | None = None,
    note: str = "",
    dry_run: bool = False,
    release: Collection[int] = (),
    choices: Mapping[int, bool] | None = None,
) -> HandoffResult:
    """Hand every unresolved inquiry of the ending week to the next Primary, in one commit.

    Each handed inquiry gets a public comment naming the next Primary and Backup, which the
    mail and GitHub channels carry to the customer. Inquiries marked keep stay.

    The week is by default the one whose handoff is due (`roster.handoff_week`); a week is
    handed off from its last business day on, and a dry run may look at it before.

    Running it again in the same week hands over only what the earlier run did not settle:
    what it handed is not handed (or announced) again, and what it kept stays kept unless
    named in `release` (core/handoff.py `plan_handoff` says why).

    `choices` are the handoff page's keep (True) or hand (False) choices, recorded in the
    same commit (`_record_choices`), so a handoff that fails writes none of them.
    """
    now = desk.now()
    with desk.unit_of_work() as uow:
        calendar = desk.calendar(uow)
        today = now.astimezone(calendar.tz).date()
        week = roster.week_start(week_start or roster.handoff_week(today, calendar.is_business_day))
        outgoing, incoming, route = handoff_route(uow, calendar.tz, week)
        if not dry_run:
            roster.check_handoff_due(week, today, calendar.is_business_day)
        actor = member(uow, by).handle if by else outgoing.primary
        unresolved = uow.inquiries.list(open_only=True)
        if choices:
            release = _record_choices(
                desk, uow, unresolved, route, choices, release, actor=actor, now=now
            )
        plan = handoff_rules.plan_handoff(unresolved, route, release=release)
        # Who takes each handed inquiry: the next Primary, or for a classified one the next
        # Backup when only they are cleared for it.
        receivers = [(i, handoff_rules.receiver(i, route)) for i in plan.handed]
        result = HandoffResult(
            from_member=outgoing.primary,
            to_member=incoming.primary,
            backup=incoming.backup,
            handed=_numbers(plan.handed),
            kept=_numbers(plan.kept),
            kept_earlier=_numbers(plan.kept_earlier),
            stayed=_numbers(plan.stayed),
            to_backup=_numbers([i for i, taker in receivers if taker != route.to_member]),
            uncleared=_numbers(plan.uncleared),
        )
        if dry_run:
            return result

        def notice(taker: str) -> str:
            return handoff_rules.handoff_notice(
                incoming.primary, incoming.backup, incoming.week_start, note, taker=taker
            )

        _apply(desk, uow, plan, route, week=week, actor=actor, notice=notice, note=note, now=now)
        takers: dict[str, list[Inquiry]] = {}
        for inquiry, taker in receivers:
            if taker is not None:
                takers.setdefault(taker, []).append(inquiry)
        for taker, mine in takers.items():
            _notify_handed(uow, taker, mine, now=now)
        audit(
            uow,
            "shift.handoff",
            actor=actor,
            now=now,
            after={
                "week_start": week.isoformat(),
                "to": incoming.primary,
                "handed": result.handed,
                "kept": result.kept,
                "kept_earlier": result.kept_earlier,
                "stayed": result.stayed,
                "to_backup": result.to_backup,
                "uncleared": result.uncleared,
            },
        )
        uow.commit()
    return result


def _record_choices(
    desk: Desk,
    uow: AbstractUnitOfWork,
    unresolved: Sequence[Inquiry],
    route: handoff_rules.Route,
    choices: Mapping[int, bool],
    release: Collection[int],
    *,
    actor: str,
    now: datetime,
) -> set[int]:
    """Set the keep marks the choices change, each audited; return what the handoff releases.

    Only inquiries the handoff would take are touched; a choice for any other is ignored, and
    one arriving after the checklist was read goes by its own mark. An inquiry kept by this
    week's earlier handoff has no mark left to clear: choosing to hand it releases it.
    """
    plan = handoff_rules.plan_handoff(unresolved, route)
    earlier = {inquiry.number for inquiry in plan.kept_earlier}
    for inquiry in [*plan.handed, *plan.kept, *plan.uncleared]:
        wanted = choices.get(inquiry.number or 0)
        if wanted is None or inquiry.number in earlier or wanted == inquiry.keep_at_handoff:
            continue
        with recorded(uow, inquiry, "inquiry.kept", actor=actor, now=now):
            lifecycle.mark_keep(inquiry, wanted)
        desk.observe(uow, inquiry, "inquiry.kept", now)
    return set(release) | {n for n in earlier if n is not None and choices.get(n) is False}


def _notify_handed(
    uow: AbstractUnitOfWork, recipient: str, handed: list[Inquiry], *, now: datetime
) -> None:
    """Tell the next Primary what they were handed.

    A reader who may not see classified inquiries reads every notification of the desk
    except those about such an inquiry, so a classified one is not in the summary: each has
    a notification of its own, tied to its number, which hides it from that reader.
    """
    plain = _numbers([i for i in handed if not i.sensitive])
    if plain:
        notify(
            uow,
            recipient,
            f"[sredesk] {len(plain)} {'inquiry' if len(plain) == 1 else 'inquiries'} handed to you",
            "Handed over: " + ", ".join(f"#{n}" for n in plain),
            kind="handoff",
            now=now,
        )
    for number in _numbers([i for i in handed if i.sensitive]):
        notify(
            uow,
            recipient,
            f"[sredesk #{number}] inquiry handed to you",
            f"Handed over: #{number}",
            kind="handoff",
            now=now,
            inquiry_number=number,
        )


def _numbers(found: list[Inquiry]) -> list[int]:
    return [i.number for i in found if i.number is not None]


def _apply(
    desk: Desk,
    uow: AbstractUnitOfWork,
    plan: handoff_rules.HandoffPlan,
    route: handoff_rules.Route,
    *,
    week: date,
    actor: str,
    notice: Callable[[str], str],
    note: str,
    now: datetime,
) -> None:
    """Apply the plan of the handoff ending `week` inquiry by inquiry, each change audited.

    `notice(taker)` is the public comment on an inquiry handed to `taker`.

    An inquiry kept by this week's earlier run changes only if it was marked keep again. One
    that stayed with the next Primary is recorded without a public comment. A classified one
    nobody next is cleared for is unassigned, with an internal note saying why.
    """
    for inquiry in plan.uncleared:
        if inquiry.assignee is None:
            continue  # unassigned already: nothing to change
        extra = {"kept": False, "uncleared": True}
        with recorded(uow, inquiry, "inquiry.handed_off", actor=actor, now=now, extra=extra):
            duty = ", ".join(dict.fromkeys(m for m in (route.to_member, route.backup) if m))
            handoff_rules.apply_handoff(
                handoff_rules.HandoffPlan(handed=[], kept=[], uncleared=[inquiry]),
                week=week,
                from_member=route.primary,
                to_member=route.to_member,
                now=now,
            )
            text = clearance.NOBODY_CLEARED.format(duty=duty)
            lifecycle.add_member_comment(inquiry, "system", text, public=False, now=now)
        desk.observe(uow, inquiry, "inquiry.handed_off", now)
    for inquiry in [*plan.handed, *plan.stayed, *plan.kept]:
        handed = inquiry in plan.handed
        stayed = inquiry in plan.stayed
        kept = not (handed or stayed)
        earlier = inquiry in plan.kept_earlier
        if earlier and not inquiry.keep_at_handoff:
            continue
        extra = {"kept": kept, **({"stayed": True} if stayed else {})}
        with recorded(uow, inquiry, "inquiry.handed_off", actor=actor, now=now, extra=extra):
            single = handoff_rules.HandoffPlan(
                handed=[inquiry] if handed else [],
                kept=[inquiry] if kept else [],
                kept_earlier=[inquiry] if earlier else [],
                stayed=[inquiry] if stayed else [],
            )
            taker = handoff_rules.receiver(inquiry, route) or route.to_member
            handoff_rules.apply_handoff(
                single, week=week, from_member=route.primary, to_member=taker, now=now, note=note
            )
            if handed:
                comment = lifecycle.add_member_comment(
                    inquiry, actor, notice(taker), public=True, now=now, is_response=False
                )
                desk.publish(uow, inquiry, comment, now)
        desk.observe(uow, inquiry, "inquiry.handed_off", now)
