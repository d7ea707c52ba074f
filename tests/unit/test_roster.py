"""Who holds the desk: weekend and holiday arrivals, delegations, escalations, handoffs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sredesk.core import roster
from sredesk.core.calendar import default_calendar
from sredesk.core.errors import InvalidInput, InvalidTransition, NotFound
from sredesk.core.handoff import Route, apply_handoff, handoff_notice, plan_handoff
from sredesk.core.model import (
    Channel,
    DelegationStatus,
    EscalationStatus,
    Inquiry,
    Shift,
    State,
)

CAL = default_calendar()
SHIFTS = [
    Shift(week_start=date(2026, 11, 16), primary="alice", backup="bob"),
    Shift(week_start=date(2026, 11, 23), primary="carol", backup="alice"),
    Shift(week_start=date(2026, 11, 30), primary="bob", backup="carol"),
]


def pst(*args: int) -> datetime:
    return datetime(*args, tzinfo=CAL.tz)  # type: ignore[misc]


def holder(at: datetime) -> str | None:
    duty = roster.duty_at(SHIFTS, at, CAL)
    return duty.holder if duty else None


def test_weekday_arrival_goes_to_that_weeks_primary_even_after_hours() -> None:
    assert holder(pst(2026, 11, 18, 10)) == "alice"
    assert holder(pst(2026, 11, 18, 22)) == "alice"  # the desk opens again on Thursday
    assert holder(pst(2026, 11, 16, 7)) == "alice"  # before Monday's opening
    assert holder(pst(2026, 11, 20, 16, 59)) == "alice"  # Friday, the last open minute


def test_arrival_after_the_weeks_last_close_goes_to_the_next_primary() -> None:
    """Its clock starts at the next opening, in the next Primary's week."""
    assert holder(pst(2026, 11, 20, 17)) == "carol"  # Friday's close
    assert holder(pst(2026, 11, 20, 22)) == "carol"
    # The evening before Thanksgiving's closure: the desk opens next on bob's Monday.
    assert holder(pst(2026, 11, 25, 16, 59)) == "carol"
    assert holder(pst(2026, 11, 25, 17, 30)) == "bob"


def test_weekend_arrival_goes_to_the_next_primary() -> None:
    assert holder(pst(2026, 11, 21, 9)) == "carol"
    assert holder(pst(2026, 11, 22, 23, 59)) == "carol"


def test_holiday_arrival_goes_to_the_primary_of_the_next_business_day() -> None:
    # Thanksgiving and the day after are holidays; the weekend follows; Monday is bob's week.
    assert holder(pst(2026, 11, 26, 10)) == "bob"


def test_no_shift_means_no_holder() -> None:
    assert holder(pst(2027, 3, 3, 10)) is None


def test_a_delegation_is_for_time_to_come_within_its_week() -> None:
    shift = Shift(week_start=date(2026, 11, 16), primary="alice", backup="bob")
    now = pst(2026, 11, 18, 12)

    def ask(start: datetime, end: datetime) -> None:
        roster.request_delegation(shift, start, end, by="alice", now=now, tz=CAL.tz)

    with pytest.raises(
        InvalidInput,
        match=r"^the delegation window ended at 2026-11-17 17:00 America/Los_Angeles;"
        r" give a window still to come$",
    ):
        ask(pst(2026, 11, 16, 9), pst(2026, 11, 17, 17))
    with pytest.raises(
        InvalidInput,
        match=r"^the delegation ends after the week of 2026-11-16, which ends at"
        r" 2026-11-23 00:00 America/Los_Angeles; end it by then$",
    ):
        ask(now, pst(2027, 6, 1))
    assert shift.delegations == []
    ask(pst(2026, 11, 17, 9), pst(2026, 11, 23))  # begun already, to the week's very end
    (delegation,) = shift.delegations
    delegation.id = 3
    # Not answered while it lasted: it can no longer be accepted, only declined.
    after = pst(2026, 11, 23, 9)
    with pytest.raises(InvalidTransition, match=r"^delegation 3's window ended at .*; decline"):
        roster.answer_delegation(delegation, by="bob", accept=True, now=after)
    roster.answer_delegation(delegation, by="bob", accept=False, now=after)
    assert delegation.status is DelegationStatus.DECLINED


def test_an_accepted_delegation_is_in_force_only_in_its_window() -> None:
    shift = Shift(week_start=date(2026, 11, 16), primary="alice", backup="bob")
    start, end = pst(2026, 11, 18, 12), pst(2026, 11, 19, 12)
    with pytest.raises(InvalidTransition, match="only the Primary"):
        roster.request_delegation(shift, start, end, by="bob", now=start, tz=CAL.tz)
    with pytest.raises(InvalidInput, match="ends before"):
        roster.request_delegation(shift, end, start, by="alice", now=start, tz=CAL.tz)
    delegation = roster.request_delegation(shift, start, end, by="alice", now=start, tz=CAL.tz)
    delegation.id = 7
    with pytest.raises(InvalidTransition, match="already covers"):
        roster.request_delegation(shift, start, end, by="alice", now=start, tz=CAL.tz)

    def who(at: datetime) -> str | None:
        duty = roster.duty_at([shift], at, CAL)
        return duty.holder if duty else None

    assert who(pst(2026, 11, 18, 13)) == "alice"  # proposed is not in force
    with pytest.raises(InvalidTransition, match="only bob"):
        roster.answer_delegation(delegation, by="carol", accept=True, now=start)
    roster.answer_delegation(delegation, by="bob", accept=True, now=start)
    with pytest.raises(InvalidTransition, match="already"):
        roster.answer_delegation(delegation, by="bob", accept=True, now=start)
    assert who(pst(2026, 11, 18, 13)) == "bob"
    assert who(pst(2026, 11, 19, 12)) == "alice"  # the window is half-open
    assert roster.find_delegation([shift], 7) is delegation
    with pytest.raises(NotFound):
        roster.find_delegation([shift], 8)
    with pytest.raises(InvalidTransition, match="only the Primary or the Backup"):
        roster.end_delegation(delegation, by="carol", now=start)
    roster.end_delegation(delegation, by="alice", now=pst(2026, 11, 18, 15))
    assert who(pst(2026, 11, 18, 16)) == "alice"
    with pytest.raises(InvalidTransition):
        roster.end_delegation(delegation, by="alice", now=start)


def make() -> Inquiry:
    t = pst(2026, 11, 18, 10)
    inquiry = Inquiry(
        title="t", channel=Channel.EMAIL, source="l", created_at=t, response_due=t, assignee="alice"
    )
    inquiry.number = 4
    return inquiry


def test_escalation_goes_to_the_backup_first_then_by_handle() -> None:
    inquiry, now = make(), pst(2026, 11, 18, 11)
    with pytest.raises(InvalidTransition, match="Backup \\(bob\\) first"):
        roster.escalate(inquiry, "carol", by="alice", backup="bob", now=now)
    with pytest.raises(InvalidInput, match="yourself"):
        roster.escalate(inquiry, "alice", by="alice", backup="bob", now=now)
    first = roster.escalate(inquiry, "bob", by="alice", backup="bob", now=now)
    with pytest.raises(InvalidTransition, match="asked already"):
        roster.escalate(inquiry, "bob", by="alice", backup="bob", now=now)
    roster.answer_escalation(first, "delayed", by="bob", now=now, note="after lunch")
    roster.answer_escalation(first, "declined", by="bob", now=now)
    with pytest.raises(InvalidTransition, match="declined already"):
        roster.answer_escalation(first, "accepted", by="bob", now=now)
    second = roster.escalate(inquiry, "carol", by="alice", backup="bob", now=now)
    with pytest.raises(InvalidInput):
        roster.answer_escalation(second, "maybe", by="carol", now=now)
    with pytest.raises(InvalidInput):
        roster.answer_escalation(second, "requested", by="carol", now=now)
    with pytest.raises(InvalidTransition, match="only carol"):
        roster.answer_escalation(second, "accepted", by="bob", now=now)
    roster.answer_escalation(second, "accepted", by="carol", now=now)
    assert [e.status for e in inquiry.escalations] == [
        EscalationStatus.DECLINED,
        EscalationStatus.ACCEPTED,
    ]


def test_the_backup_may_escalate_past_themself() -> None:
    inquiry = make()
    roster.escalate(inquiry, "carol", by="bob", backup="bob", now=pst(2026, 11, 18, 11))
    assert inquiry.escalations[0].to_member == "carol"


def test_a_resolved_inquiry_cannot_be_escalated() -> None:
    inquiry = make()
    inquiry.state = State.RESOLVED
    with pytest.raises(InvalidTransition, match="reopen"):
        roster.escalate(inquiry, "bob", by="alice", backup="bob", now=pst(2026, 11, 18, 11))


def test_handoff_moves_the_unresolved_and_leaves_the_kept() -> None:
    mine, kept, done, others = make(), make(), make(), make()
    mine.number, kept.number, done.number, others.number = 1, 2, 3, 4
    kept.keep_at_handoff = True
    done.state = State.RESOLVED
    others.assignee = "dave"
    unassigned = make()
    unassigned.number, unassigned.assignee = 5, None
    route = Route(frozenset({"alice"}), "carol", since=pst(2026, 11, 16), primary="alice")
    plan = plan_handoff([others, done, kept, mine, unassigned], route)
    assert [i.number for i in plan.handed] == [1, 5]
    assert [i.number for i in plan.kept] == [2]
    now = pst(2026, 11, 20, 16)
    apply_handoff(plan, week=route.week, from_member="alice", to_member="carol", now=now)
    assert mine.assignee == "carol"
    assert mine.handoffs[0].from_member == "alice"
    assert kept.assignee == "alice"
    assert kept.handoffs[0].kept_by_previous
    assert not kept.keep_at_handoff


def test_handoff_notice_names_the_next_primary_and_backup() -> None:
    text = handoff_notice("carol", "alice", date(2026, 11, 23), "Logs are attached.")
    assert "carol (Primary, with alice as Backup)" in text
    assert "2026-11-23" in text
    assert text.endswith("Logs are attached.")
    # A classified inquiry only the Backup is cleared for names the Backup as its taker.
    backup = handoff_notice("carol", "alice", date(2026, 11, 23), taker="alice")
    assert "From the week of 2026-11-23, alice (Backup to carol, the Primary) takes" in backup
    assert handoff_notice("carol", "alice", date(2026, 11, 23), taker="carol") == handoff_notice(
        "carol", "alice", date(2026, 11, 23)
    )


def test_a_week_is_handed_off_from_its_last_business_day() -> None:
    due = roster.handoff_due
    assert due(date(2026, 11, 18), CAL.is_business_day) == date(2026, 11, 20)  # a Friday
    # Thanksgiving and the day after are holidays: that week ends on the Wednesday.
    assert due(date(2026, 11, 23), CAL.is_business_day) == date(2026, 11, 25)
    assert due(date(2026, 11, 23), lambda d: False) == date(2026, 11, 23)  # nothing to wait for
    # Monday morning: the week that just started is not due, the one that ended is.
    assert roster.handoff_week(date(2026, 11, 16), CAL.is_business_day) == date(2026, 11, 9)
    assert roster.handoff_week(date(2026, 11, 19), CAL.is_business_day) == date(2026, 11, 9)
    assert roster.handoff_week(date(2026, 11, 20), CAL.is_business_day) == date(2026, 11, 16)
    assert roster.handoff_week(date(2026, 11, 22), CAL.is_business_day) == date(2026, 11, 16)
    assert roster.handoff_week(date(2026, 11, 25), CAL.is_business_day) == date(2026, 11, 23)
    with pytest.raises(InvalidInput) as refused:
        roster.check_handoff_due(date(2026, 11, 16), date(2026, 11, 16), CAL.is_business_day)
    assert str(refused.value) == (
        "the week of 2026-11-16 has not ended: hand it off from its last business day,"
        " Friday 2026-11-20"
    )
    roster.check_handoff_due(date(2026, 11, 9), date(2026, 11, 16), CAL.is_business_day)


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)))
def test_the_default_handoff_week_is_due_and_at_most_a_week_back(today: date) -> None:
    week = roster.handoff_week(today, CAL.is_business_day)
    assert week in (roster.week_start(today), roster.week_start(today) - timedelta(days=7))
    roster.check_handoff_due(week, today, CAL.is_business_day)
    later = week + timedelta(days=7)
    with pytest.raises(InvalidInput, match="has not ended"):
        roster.check_handoff_due(later, today, CAL.is_business_day)


def test_week_start() -> None:
    assert roster.week_start(date(2026, 11, 22)) == date(2026, 11, 16)


def test_duty_uses_utc_instants_in_the_calendar_zone() -> None:
    # 06:00 UTC Monday 23 Nov is Sunday 22:00 in San Francisco: still the weekend.
    assert holder(datetime(2026, 11, 23, 6, tzinfo=UTC)) == "carol"
    assert holder(datetime(2026, 11, 21, 0, 59, tzinfo=UTC)) == "alice"  # Friday 16:59 local
    assert holder(datetime(2026, 11, 21, 1, tzinfo=UTC)) == "carol"  # Friday 17:00: closed
