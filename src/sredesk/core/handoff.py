"""Plan the end-of-shift handoff, repeated or not, and write the notice customers receive."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sredesk.core.errors import InvalidInput
from sredesk.core.model import Handoff, Inquiry


@dataclass(frozen=True)
class Route:
    """One week's handoff: the ending week's duty, the next Primary, and when the week began.

    `outgoing` holds the Primary and any delegate of the ending week; `primary` is that
    Primary, who holds what nobody is assigned. The records of that week's handoff are the
    ones that name the week and keep an inquiry with `outgoing` or hand it to `to_member`.
    A record written before records named their week counts when it was written since `since`.

    A classified inquiry goes only to a member `cleared` for it: the next Primary, else the
    next `backup`, else nobody (`receiver`).
    """

    outgoing: frozenset[str]
    to_member: str
    since: datetime
    primary: str
    backup: str | None = None
    cleared: frozenset[str] = frozenset()

    @property
    def week(self) -> date:
        return self.since.date()


@dataclass(frozen=True)
class HandoffPlan:
    handed: list[Inquiry]
    kept: list[Inquiry]
    # Those of `kept` that an earlier run of the same week's handoff kept: already recorded.
    kept_earlier: list[Inquiry] = field(default_factory=list)
    # Held already by the next Primary (the same Primary again, or a delegate who is next):
    # recorded like a handed one, so a repeat run leaves them alone, but nothing moves and
    # nobody is told.
    stayed: list[Inquiry] = field(default_factory=list)
    # Classified, and neither the next Primary nor the next Backup is cleared for them: they
    # are left unassigned, for a cleared member to take.
    uncleared: list[Inquiry] = field(default_factory=list)


def receiver(inquiry: Inquiry, route: Route) -> str | None:
    """Who the handoff gives the inquiry to: the next Primary, or for a classified inquiry
    the first of the next Primary and the next Backup cleared for it, or nobody."""
    if not inquiry.sensitive:
        return route.to_member
    takers = (route.to_member, route.backup)
    return next((m for m in takers if m is not None and m in route.cleared), None)


def earlier_handoff(inquiry: Inquiry, route: Route) -> Handoff | None:
    """The inquiry's latest record from an earlier run of this week's handoff, if any."""
    for record in reversed(inquiry.handoffs):
        # The same Primary two weeks running, handing the first week over late, writes at a
        # time within the second week: the week the record names tells the two apart.
        if record.week_start is not None:
            if record.week_start != route.week:
                continue
        elif record.at < route.since:
            continue
        if record.kept_by_previous and record.from_member in route.outgoing:
            return record
        if not record.kept_by_previous and record.to_member == receiver(inquiry, route):
            return record
    return None


def stayed(record: Handoff) -> bool:
    """Whether the record is of an inquiry the next Primary held already: nobody was told."""
    return not record.kept_by_previous and record.from_member == record.to_member


def plan_handoff(
    inquiries: Iterable[Inquiry], route: Route, *, release: Collection[int] = ()
) -> HandoffPlan:
    """Split the outgoing duty's unresolved inquiries into those handed on and those kept.

    What the Primary or a delegate holds belongs to the desk, not to the person; unassigned
    open inquiries go too. An inquiry marked keep stays. One the next Primary holds already
    (unassigned counts as the Primary's) goes to `stayed`, not `handed`: there is no one to
    hand it from. A classified inquiry goes to its `receiver` instead of the next Primary,
    and to `uncleared` when nobody next is cleared for it.

    The handoff may run more than once in a week (from the page and the shell, or again after
    new arrivals), and a repeat settles only what the earlier run did not:

    - an inquiry the earlier run handed over is left alone, wherever it is now, so no customer
      gets a second notice;
    - an inquiry the earlier run kept stays kept, and is not recorded again. That run cleared
      its keep mark, as every handoff does, so an unmarked flag says nothing about a change of
      mind: to hand it over after all, name it in `release`.

    Naming in `release` an inquiry that the handoff would not hand over is refused.
    """
    handed: list[Inquiry] = []
    kept: list[Inquiry] = []
    kept_earlier: list[Inquiry] = []
    stayed: list[Inquiry] = []
    uncleared: list[Inquiry] = []
    for inquiry in sorted(inquiries, key=lambda i: i.number or 0):
        if not inquiry.is_open:
            continue
        if inquiry.assignee is not None and inquiry.assignee not in route.outgoing:
            continue
        earlier = earlier_handoff(inquiry, route)
        if earlier is not None and not earlier.kept_by_previous:
            continue
        if earlier is not None and inquiry.number not in release:
            kept.append(inquiry)
            kept_earlier.append(inquiry)
        elif earlier is None and inquiry.keep_at_handoff:
            kept.append(inquiry)
        elif (taker := receiver(inquiry, route)) is None:
            uncleared.append(inquiry)
        elif (inquiry.assignee or route.primary) == taker:
            stayed.append(inquiry)
        else:
            handed.append(inquiry)
    _check_release(release, [*handed, *stayed, *uncleared])
    return HandoffPlan(
        handed=handed, kept=kept, kept_earlier=kept_earlier, stayed=stayed, uncleared=uncleared
    )


def _check_release(release: Collection[int], released: list[Inquiry]) -> None:
    stray = sorted(set(release) - {i.number for i in released})
    if stray:
        named = ", ".join(f"#{n}" for n in stray)
        raise InvalidInput(
            f"{named} was not kept by this week's earlier handoff; release only those "
            "(to hand over an inquiry marked keep, unmark it)"
        )


def handoff_notice(
    next_primary: str, next_backup: str, week: date, note: str = "", *, taker: str | None = None
) -> str:
    """The public comment on a handed inquiry, naming who takes it over.

    That is the next Primary, or the next Backup (`taker`) for a classified inquiry only
    they are cleared for (`receiver`): the customer is told who will actually answer.
    """
    if taker is None or taker == next_primary:
        who = f"{next_primary} (Primary, with {next_backup} as Backup)"
    else:
        who = f"{taker} (Backup to {next_primary}, the Primary)"
    text = (
        f"The SRE desk rotates weekly. From the week of {week.isoformat()}, {who} "
        "takes over this inquiry. Reply to this conversation as before; nothing you sent is lost."
    )
    return f"{text}\n\n{note.strip()}" if note.strip() else text


def apply_handoff(
    plan: HandoffPlan,
    *,
    week: date,
    from_member: str,
    to_member: str,
    now: datetime,
    note: str = "",
) -> None:
    """Record the plan of the handoff ending `week`: hand over, keep, and clear keep marks.

    What is handed or stays goes to `to_member`: the next Primary, or the `receiver` of the
    one classified inquiry a plan of its own holds. An inquiry that stayed gets a record from
    and to its receiver, which tells a repeat run (and the handoff page) that it was settled
    without a notice. One nobody next is cleared for is left unassigned, without a record:
    a repeat run finds it unassigned and changes nothing.
    """
    for inquiry in [*plan.handed, *plan.stayed]:
        inquiry.handoffs.append(
            Handoff(
                from_member=inquiry.assignee or from_member,
                to_member=to_member,
                at=now,
                note=note,
                week_start=week,
            )
        )
        inquiry.assignee = to_member
        inquiry.keep_at_handoff = False
    for inquiry in plan.kept:
        if inquiry not in plan.kept_earlier:
            inquiry.handoffs.append(
                Handoff(
                    from_member=from_member,
                    to_member=from_member,
                    at=now,
                    note=note,
                    kept_by_previous=True,
                    week_start=week,
                )
            )
        # Keeping is decided afresh at every week's handoff.
        inquiry.keep_at_handoff = False
    for inquiry in plan.uncleared:
        inquiry.assignee = None
        inquiry.keep_at_handoff = False
