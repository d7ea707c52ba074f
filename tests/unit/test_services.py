"""The use cases on the in-memory desk: assignment, clock, escalation, handoff, records."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from sredesk.adapters.memory import FixedClock, MemoryStore
from sredesk.core.calendar import CalendarError
from sredesk.core.errors import DeskError, InvalidInput, InvalidTransition, NotFound, NotSetUp
from sredesk.core.postmortem import PostmortemDraft
from sredesk.services import effort, escalations, inquiries, postmortems, shifts, team
from sredesk.services.desk import Desk
from tests.conftest import NOW, THIS_WEEK


def audit_count(desk: Desk) -> int:
    with desk.unit_of_work() as uow:
        return len(uow.audit.list())


def open_one(desk: Desk, **kw: object) -> int:
    args: dict[str, object] = {
        "title": "Crash on open",
        "channel": "email",
        "source": "visit-users",
        "customers": ["u@example.edu"],
        "body": "It crashes.",
    }
    args.update(kw)
    return inquiries.open_inquiry(desk, **args)  # type: ignore[arg-type]


def test_new_inquiry_goes_to_the_primary_with_a_four_business_hour_due(
    memory_desk: Desk,
) -> None:
    number = open_one(memory_desk, message_id="<a@x>")
    data = inquiries.get_inquiry(memory_desk, number)
    assert data["assignee"] == "alice"
    assert data["state"] == "new"
    # Wednesday 10:00 PST + 4 business hours, with the lunch hour skipped: 15:00 PST.
    assert datetime.fromisoformat(data["response_due"]) == datetime(2026, 11, 18, 23, 0, tzinfo=UTC)
    assert data["message_ids"] == ["<a@x>"]
    assert data["comments"][0]["by_member"] is False
    assert data["clock"]["state"] == "on-track"
    assert data["timeline"][0]["action"] == "inquiry.created"


def test_the_worked_example_from_thanksgiving_week(memory_desk: Desk, clock: FixedClock) -> None:
    arrival = datetime(2026, 11, 25, 16, 30, tzinfo=memory_desk_tz(memory_desk))
    clock.current = arrival  # recorded as it arrives: an arrival is never ahead of the desk
    number = open_one(memory_desk, created_at=arrival)
    due = datetime.fromisoformat(inquiries.get_inquiry(memory_desk, number)["response_due"])
    assert due == datetime(2026, 11, 30, 11, 30, tzinfo=memory_desk_tz(memory_desk))


def memory_desk_tz(desk: Desk):  # type: ignore[no-untyped-def]
    with desk.unit_of_work() as uow:
        return desk.calendar(uow).tz


def test_own_required_response_time_replaces_the_goal(memory_desk: Desk) -> None:
    number = open_one(memory_desk, sensitive=True, response_hours=1)
    data = inquiries.get_inquiry(memory_desk, number)
    assert datetime.fromisoformat(data["response_due"]) == NOW + timedelta(hours=1)
    inquiries.set_response_time(memory_desk, number, 16, by="alice")
    data = inquiries.get_inquiry(memory_desk, number)
    # 16 business hours from Wednesday 10:00 is Friday 10:00.
    assert datetime.fromisoformat(data["response_due"]) == NOW + timedelta(days=2)


def test_own_required_response_time_may_be_calendar_days(
    memory_desk: Desk, clock: FixedClock
) -> None:
    """A contract may count days as they pass, nights and the weekend included."""
    tz = memory_desk_tz(memory_desk)
    friday = datetime(2026, 11, 20, 16, tzinfo=tz)
    clock.current = friday
    number = open_one(memory_desk, sensitive=True, response_days=2, created_at=friday)
    data = inquiries.get_inquiry(memory_desk, number)
    assert (data["response_days"], data["response_hours"]) == (2, None)
    assert datetime.fromisoformat(data["response_due"]) == datetime(2026, 11, 22, 16, tzinfo=tz)
    inquiries.set_response_time(memory_desk, number, None, days=0.5, by="alice")
    due = inquiries.get_inquiry(memory_desk, number)["response_due"]
    assert datetime.fromisoformat(due) == datetime(2026, 11, 21, 4, tzinfo=tz)
    inquiries.set_response_time(memory_desk, number, None, by="alice")  # the desk's goal again
    due = inquiries.get_inquiry(memory_desk, number)["response_due"]
    assert datetime.fromisoformat(due) == datetime(2026, 11, 23, 11, tzinfo=tz)
    for hours, days, message in [
        (4, 2, "in hours or in days, not both"),
        (None, 400, "between 0 and 365 days"),
        (None, 0, "between 0 and 365 days"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            inquiries.set_response_time(memory_desk, number, hours, days=days, by="alice")
    with pytest.raises(InvalidInput, match="not both"):
        open_one(memory_desk, response_hours=4, response_days=1)


def test_reply_stops_the_clock_and_the_state_moves(memory_desk: Desk, clock: FixedClock) -> None:
    number = open_one(memory_desk)
    clock.advance(timedelta(hours=1))
    inquiries.reply(memory_desk, number, "Which version?", by="alice")
    clock.advance(timedelta(days=10))
    data = inquiries.get_inquiry(memory_desk, number)
    assert data["state"] == "responded"
    assert data["first_response_at"] == (NOW + timedelta(hours=1)).isoformat()
    assert data["clock"]["state"] == "met"


def test_unanswered_inquiry_breaches(memory_desk: Desk, clock: FixedClock) -> None:
    number = open_one(memory_desk)
    clock.advance(timedelta(hours=3))  # 13:00 PST: 2 business hours used
    assert inquiries.get_inquiry(memory_desk, number)["clock"]["state"] == "at-risk"
    clock.advance(timedelta(hours=3))
    assert inquiries.get_inquiry(memory_desk, number)["clock"]["state"] == "breached"


def test_a_resolution_without_a_response_stops_the_clock_while_it_stands(
    memory_desk: Desk, clock: FixedClock
) -> None:
    from sredesk.services.queue import clock_row

    def clock_now(number: int) -> dict[str, object]:
        return inquiries.get_inquiry(memory_desk, number)["clock"]  # type: ignore[no-any-return]

    def row(number: int) -> dict[str, object]:
        with memory_desk.unit_of_work() as uow:
            inquiry = uow.inquiries.get(number)
            return clock_row(memory_desk, memory_desk.calendar(uow), inquiry, clock.now())

    settled_in_time, settled_late = open_one(memory_desk), open_one(memory_desk)
    clock.advance(timedelta(hours=1))  # answered on the phone, 1 of 4 business hours used
    inquiries.resolve(memory_desk, settled_in_time, ["answered"], by="alice")
    clock.advance(timedelta(days=2))  # Friday: past due
    inquiries.resolve(memory_desk, settled_late, ["answered"], by="alice")
    stopped = clock_now(settled_in_time), clock_now(settled_late)
    assert (stopped[0]["state"], stopped[0]["used"]) == ("met", 0.25)
    assert stopped[1]["state"] == "missed"
    assert (row(settled_in_time)["label"], row(settled_in_time)["running"]) == (
        "resolved in time, no response",
        False,
    )
    assert row(settled_late)["label"] == "resolved late, no response"
    clock.advance(timedelta(days=30))
    assert (clock_now(settled_in_time), clock_now(settled_late)) == stopped
    inquiries.close(memory_desk, settled_in_time, by="alice")
    assert clock_now(settled_in_time) == stopped[0]
    # A resolution is no response: reopened, the inquiry is new and its clock runs again.
    inquiries.reopen(memory_desk, settled_in_time, by="alice")
    reopened = inquiries.get_inquiry(memory_desk, settled_in_time)
    assert (reopened["state"], reopened["first_response_at"]) == ("new", None)
    assert reopened["clock"]["state"] == "breached"


def test_a_reply_after_the_resolution_leaves_the_stopped_clock_as_it_was(
    memory_desk: Desk, clock: FixedClock
) -> None:
    from sredesk.services.queue import clock_row

    number = open_one(memory_desk)
    clock.advance(timedelta(hours=1))  # settled on the phone, 1 of 4 business hours used
    inquiries.resolve(memory_desk, number, ["answered"], by="alice")
    stopped = inquiries.get_inquiry(memory_desk, number)["clock"]
    assert stopped["state"] == "met"
    clock.advance(timedelta(days=1))  # past due: the written summary of the call follows
    inquiries.reply(memory_desk, number, "As we said on the phone: set VISITHOME.", by="alice")
    shown = inquiries.get_inquiry(memory_desk, number)
    assert (shown["state"], shown["clock"]) == ("resolved", stopped)
    with memory_desk.unit_of_work() as uow:
        inquiry = uow.inquiries.get(number)
        row = clock_row(memory_desk, memory_desk.calendar(uow), inquiry, clock.now())
    assert row["label"] == "resolved in time, no response"
    # Reopened, it was responded to, late.
    inquiries.reopen(memory_desk, number, by="alice")
    assert inquiries.get_inquiry(memory_desk, number)["clock"]["state"] == "missed"


def test_an_arrival_to_come_or_off_the_calendar_opens_nothing(memory_desk: Desk) -> None:
    before = inquiries.list_inquiries(memory_desk), audit_count(memory_desk)
    with pytest.raises(InvalidInput, match="is in the future"):
        open_one(memory_desk, created_at=NOW + timedelta(days=1))
    for year in (1, 9999):
        with pytest.raises(CalendarError, match=f"year {year} is outside"):
            open_one(memory_desk, created_at=datetime(year, 12, 31, 12, tzinfo=UTC))
    with pytest.raises(InvalidInput, match="between 1 and 3650 days"):
        inquiries.sweep_stale(memory_desk, days=10**9)
    assert (inquiries.list_inquiries(memory_desk), audit_count(memory_desk)) == before


def test_refused_commands_change_nothing(memory_desk: Desk) -> None:
    number = open_one(memory_desk)
    before = (inquiries.get_inquiry(memory_desk, number), audit_count(memory_desk))
    bad_calls = [
        lambda: inquiries.reply(memory_desk, number, "  ", by="alice"),
        lambda: inquiries.reply(memory_desk, number, "hi", by="nobody"),
        lambda: inquiries.resolve(memory_desk, number, ["promoted"], by="alice"),
        lambda: inquiries.resolve(
            memory_desk, number, ["answered"], by="alice", link_url="not a url"
        ),
        lambda: inquiries.close(memory_desk, number, by="alice"),
        lambda: inquiries.wait_on_customer(memory_desk, number, by="alice"),
        lambda: inquiries.assign(memory_desk, number, "zed", by="alice"),
        lambda: inquiries.reply(memory_desk, 999, "hi", by="alice"),
        lambda: open_one(memory_desk, channel="fax"),
        lambda: open_one(memory_desk, title="  "),
        lambda: open_one(memory_desk, channel="redirect"),
        lambda: open_one(memory_desk, response_hours=-1),
        lambda: open_one(memory_desk, created_at=datetime(2026, 11, 18, 10)),
    ]
    for call in bad_calls:
        with pytest.raises(DeskError):
            call()
    assert (inquiries.get_inquiry(memory_desk, number), audit_count(memory_desk)) == before


def test_a_failed_resolution_keeps_the_link_it_brought_out(memory_desk: Desk) -> None:
    number = open_one(memory_desk, serious=True)
    with pytest.raises(InvalidTransition, match="postmortem"):
        inquiries.resolve(
            memory_desk,
            number,
            ["promoted"],
            by="alice",
            link_url="https://github.com/o/r/issues/9",
        )
    assert inquiries.get_inquiry(memory_desk, number)["links"] == []


def test_every_change_is_audited_with_before_and_after(memory_desk: Desk) -> None:
    number = open_one(memory_desk)
    inquiries.label(memory_desk, number, by="alice", add=["crash"])
    events = inquiries.get_inquiry(memory_desk, number)["timeline"]
    assert [e["action"] for e in events] == ["inquiry.created", "inquiry.labelled"]
    assert events[1]["before"] == {"labels": []}
    assert events[1]["after"] == {"labels": ["crash"]}
    assert events[1]["actor"] == "alice"


def test_escalation_defaults_to_the_backup_and_notifies(memory_desk: Desk) -> None:
    number = open_one(memory_desk)
    with pytest.raises(InvalidTransition, match="Backup \\(bob\\) first"):
        escalations.escalate(memory_desk, number, by="alice", to="carol")
    esc = escalations.escalate(memory_desk, number, by="alice", note="Silo expert?")
    escalations.answer(memory_desk, number, esc, "declined", by="bob", note="travelling")
    escalations.escalate(memory_desk, number, by="alice", to="@carol")
    with pytest.raises(NotFound):
        escalations.answer(memory_desk, number, 999, "accepted", by="carol")
    data = inquiries.get_inquiry(memory_desk, number)
    assert [(e["to_member"], e["status"]) for e in data["escalations"]] == [
        ("bob", "declined"),
        ("carol", "requested"),
    ]
    with memory_desk.unit_of_work() as uow:
        sent = [(n.recipient, n.kind) for n in uow.notifications.list()]
    assert sent == [("bob", "escalation"), ("alice", "escalation"), ("carol", "escalation")]


def test_an_escalation_of_a_classified_inquiry_does_not_name_it(memory_desk: Desk) -> None:
    # Notifications are mailed; a classified inquiry's title never leaves the desk.
    clear(memory_desk, "alice", "bob")  # bob, the Backup, is asked for help
    plain = open_one(memory_desk)
    secret = open_one(memory_desk, title="Export-controlled code at Site X", sensitive=True)
    for number in (plain, secret):
        escalations.escalate(memory_desk, number, by="alice")
    with memory_desk.unit_of_work() as uow:
        subjects = [n.subject for n in uow.notifications.list()]
    assert subjects == [
        f"[sredesk #{plain}] alice asks for your help: Crash on open",
        f"[sredesk #{secret}] alice asks for your help",
    ]


def test_delegation_reroutes_new_inquiries_once_accepted(
    memory_desk: Desk, clock: FixedClock
) -> None:
    d = shifts.delegate(memory_desk, NOW, NOW + timedelta(hours=6), by="alice")
    assert inquiries.get_inquiry(memory_desk, open_one(memory_desk))["assignee"] == "alice"
    with pytest.raises(InvalidTransition):
        shifts.answer_delegation(memory_desk, d, by="carol", accept=True)
    shifts.answer_delegation(memory_desk, d, by="bob", accept=True)
    assert shifts.current_duty(memory_desk)["holder"] == "bob"  # type: ignore[index]
    assert inquiries.get_inquiry(memory_desk, open_one(memory_desk))["assignee"] == "bob"
    shifts.end_delegation(memory_desk, d, by="alice")
    assert inquiries.get_inquiry(memory_desk, open_one(memory_desk))["assignee"] == "alice"
    with pytest.raises(InvalidInput, match="UTC offset"):
        shifts.delegate(memory_desk, datetime(2026, 11, 18), NOW, by="alice")


@pytest.mark.parametrize(("primary", "backup"), [("alice", "carol"), ("dave", "bob")])
def test_a_new_pair_for_the_week_ends_its_delegations(
    memory_desk: Desk, primary: str, backup: str
) -> None:
    accepted = shifts.delegate(memory_desk, NOW, NOW + timedelta(hours=6), by="alice")
    shifts.answer_delegation(memory_desk, accepted, by="bob", accept=True)
    later = NOW + timedelta(days=1)
    proposed = shifts.delegate(memory_desk, later, later + timedelta(hours=6), by="alice")
    assert shifts.current_duty(memory_desk)["holder"] == "bob"  # type: ignore[index]
    shifts.set_shift(memory_desk, date(2026, 11, 16), primary, backup)
    # bob, the old Backup, no longer takes inquiries as the delegate.
    assert shifts.current_duty(memory_desk)["holder"] == primary  # type: ignore[index]
    assert inquiries.get_inquiry(memory_desk, open_one(memory_desk))["assignee"] == primary
    week = shifts.list_shifts(memory_desk, start=date(2026, 11, 16), end=date(2026, 11, 16))[0]
    assert {d["id"]: (d["status"], d["end"]) for d in week["delegations"]} == {
        # Each ends when the pair changed, or never began if it had not started yet.
        accepted: ("ended", NOW.isoformat()),
        proposed: ("ended", later.isoformat()),
    }
    with pytest.raises(InvalidTransition, match="ended already"):
        shifts.answer_delegation(memory_desk, proposed, by="bob", accept=True)


def test_setting_the_same_pair_again_leaves_the_delegations(memory_desk: Desk) -> None:
    d = shifts.delegate(memory_desk, NOW, NOW + timedelta(hours=6), by="alice")
    shifts.answer_delegation(memory_desk, d, by="bob", accept=True)
    shifts.set_shift(memory_desk, date(2026, 11, 16), "alice", "bob")
    assert shifts.current_duty(memory_desk)["holder"] == "bob"  # type: ignore[index]


@pytest.mark.parametrize(
    ("answer", "handed"),
    [
        (None, False),  # never answered
        ("decline", False),
        ("withdraw", False),  # accepted, then ended before it began
        ("accept", True),
        ("accept and end", True),  # in force for a while, then ended
    ],
)
def test_the_handoff_takes_a_backups_inquiries_only_if_they_held_the_role(
    memory_desk: Desk, clock: FixedClock, answer: str | None, handed: bool
) -> None:
    bobs = open_one(memory_desk, title="bob's own")
    inquiries.assign(memory_desk, bobs, "bob", by="alice")
    start = NOW + timedelta(days=1)
    d = shifts.delegate(memory_desk, start, start + timedelta(hours=6), by="alice")
    if answer is not None:
        shifts.answer_delegation(memory_desk, d, by="bob", accept=answer != "decline")
    if answer == "withdraw":
        shifts.end_delegation(memory_desk, d, by="alice")
    if answer == "accept and end":
        clock.advance(timedelta(days=1, hours=2))
        shifts.end_delegation(memory_desk, d, by="bob")
    preview = shifts.handoff(memory_desk, week_start=THIS_WEEK, dry_run=True)
    assert preview.handed == ([bobs] if handed else [])


def test_handoff_reassigns_posts_a_notice_and_keeps_the_kept(
    memory_desk: Desk, clock: FixedClock
) -> None:
    handed = open_one(memory_desk)
    kept = open_one(memory_desk, title="Nearly there")
    done = open_one(memory_desk, title="Done")
    inquiries.keep_at_handoff(memory_desk, kept, True, by="alice")
    inquiries.resolve(memory_desk, done, ["answered"], by="alice")
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00
    preview = shifts.handoff(memory_desk, dry_run=True)
    assert (preview.handed, preview.kept) == ([handed], [kept])
    assert inquiries.get_inquiry(memory_desk, handed)["assignee"] == "alice"
    result = shifts.handoff(memory_desk, note="Logs are on the ticket.")
    assert (result.to_member, result.backup) == ("carol", "alice")
    data = inquiries.get_inquiry(memory_desk, handed)
    assert data["assignee"] == "carol"
    notice = data["comments"][-1]
    assert notice["public"]
    assert "carol (Primary, with alice as Backup)" in notice["body"]
    assert data["state"] == "new"  # a handoff notice is not a response
    assert data["first_response_at"] is None
    kept_data = inquiries.get_inquiry(memory_desk, kept)
    assert kept_data["assignee"] == "alice"
    assert kept_data["handoffs"][0]["kept_by_previous"]
    assert inquiries.get_inquiry(memory_desk, done)["handoffs"] == []


def test_a_handoff_on_monday_morning_hands_on_last_week_not_the_new_one(
    memory_desk: Desk, clock: FixedClock
) -> None:
    """The week's Primary holds what arrives until the week's last business day."""
    clock.current = datetime(2026, 11, 16, 16, 30, tzinfo=UTC)  # Monday 08:30 on the desk
    fresh = open_one(memory_desk, title="Arrived this morning")
    assert inquiries.get_inquiry(memory_desk, fresh)["assignee"] == "alice"
    before = inquiries.get_inquiry(memory_desk, fresh)
    with pytest.raises(InvalidInput) as refused:
        shifts.handoff(memory_desk, week_start=THIS_WEEK)
    assert str(refused.value) == (
        "the week of 2026-11-16 has not ended: hand it off from its last business day,"
        " Friday 2026-11-20"
    )
    # A dry run may look ahead; it changes nothing.
    assert shifts.handoff(memory_desk, week_start=THIS_WEEK, dry_run=True).handed == [fresh]
    # Without a week, it is the handoff of the week that ended: dave's, to alice.
    late = shifts.handoff(memory_desk)
    assert (late.from_member, late.to_member, late.handed) == ("dave", "alice", [])
    assert inquiries.get_inquiry(memory_desk, fresh) == before
    clock.current = datetime(2026, 11, 20, 16, tzinfo=UTC)  # Friday 08:00: the week's last day
    due = shifts.handoff(memory_desk)
    assert (due.from_member, due.to_member, due.handed) == ("alice", "carol", [fresh])


def test_an_arrival_after_fridays_close_is_the_next_primarys(
    memory_desk: Desk, clock: FixedClock
) -> None:
    """Its clock runs entirely in the next week, so the outgoing Primary never holds it."""
    clock.current = datetime(2026, 11, 21, 0, tzinfo=UTC)  # Friday 16:00 on the desk
    shifts.handoff(memory_desk)
    clock.current = datetime(2026, 11, 21, 1, 30, tzinfo=UTC)  # Friday 17:30: closed
    late = open_one(memory_desk, title="After the close")
    data = inquiries.get_inquiry(memory_desk, late)
    assert data["assignee"] == "carol"
    assert data["response_due"] == "2026-11-23T20:00:00+00:00"  # Monday 12:00 on the desk
    # A delegation asked for now is the next week's too, and in force where arrivals look.
    d = shifts.delegate(memory_desk, clock.now(), clock.now() + timedelta(days=3), by="carol")
    shifts.answer_delegation(memory_desk, d, by="alice", accept=True)
    clock.current = datetime(2026, 11, 21, 18, tzinfo=UTC)  # Saturday 10:00
    later = open_one(memory_desk, title="On Saturday")
    assert inquiries.get_inquiry(memory_desk, later)["assignee"] == "alice"
    with pytest.raises(InvalidTransition, match=r"only the Primary of the week of 2026-11-23"):
        shifts.delegate(memory_desk, clock.now(), clock.now() + timedelta(hours=2), by="alice")


def clear(desk: Desk, *handles: str, access: bool = True) -> None:
    for handle in handles:
        team.update_member(desk, handle, classified_access=access)


def test_a_classified_inquiry_goes_only_to_a_cleared_member(memory_desk: Desk) -> None:
    """This week alice is Primary and bob Backup; nobody is cleared to begin with."""

    def classified() -> int:
        return open_one(memory_desk, title="Secure mesh", sensitive=True)

    nobodys = inquiries.get_inquiry(memory_desk, classified())
    assert nobodys["assignee"] is None
    note = nobodys["comments"][-1]
    assert (note["author"], note["public"]) == ("system", False)
    assert "Nobody on duty (alice, bob) is cleared" in note["body"]
    clear(memory_desk, "bob")
    backups = classified()
    assert inquiries.get_inquiry(memory_desk, backups)["assignee"] == "bob"
    assert inquiries.get_inquiry(memory_desk, open_one(memory_desk))["assignee"] == "alice"
    clear(memory_desk, "alice")
    assert inquiries.get_inquiry(memory_desk, classified())["assignee"] == "alice"
    before = inquiries.get_inquiry(memory_desk, backups), audit_count(memory_desk)
    refusal = (
        f"^inquiry #{backups} is classified and carol is not cleared for classified inquiries;"
    )
    with pytest.raises(InvalidTransition, match=refusal + " assign it to one of the members"):
        inquiries.assign(memory_desk, backups, "carol", by="bob")
    with pytest.raises(InvalidTransition, match=refusal + " escalate to one of the members"):
        escalations.escalate(memory_desk, backups, by="bob", to="carol")
    clear(memory_desk, "bob", access=False)
    with pytest.raises(InvalidTransition, match=r"bob is not cleared.*members who are: alice$"):
        escalations.escalate(memory_desk, backups, by="alice")  # to the Backup, bob
    assert (inquiries.get_inquiry(memory_desk, backups), audit_count(memory_desk) - 1) == before
    inquiries.assign(memory_desk, backups, "alice", by="bob")
    escalations.escalate(memory_desk, open_one(memory_desk), by="alice")  # not classified


@pytest.mark.parametrize("why", ["not cleared", "inactive"])
def test_a_backup_who_may_not_be_asked_does_not_block_the_escalation(
    memory_desk: Desk, why: str
) -> None:
    """The Backup comes first only when they may be asked: cleared, and on the desk."""
    clear(memory_desk, "alice", "carol", "bob")
    secret = open_one(memory_desk, title="Secure mesh", sensitive=True)
    if why == "inactive":
        team.update_member(memory_desk, "bob", active=False)
    else:
        clear(memory_desk, "bob", access=False)
    with pytest.raises((InvalidTransition, InvalidInput), match="bob"):
        escalations.escalate(memory_desk, secret, by="alice")  # to the Backup, bob
    escalations.escalate(memory_desk, secret, by="alice", to="@carol")
    asked = inquiries.get_inquiry(memory_desk, secret)["escalations"]
    assert [(e["to_member"], e["status"]) for e in asked] == [("carol", "requested")]


@pytest.mark.parametrize(
    ("cleared", "taker"),
    [
        (("bob", "dave"), "dave"),  # the next Primary
        (("bob", "alice"), "alice"),  # the next Backup, the Primary not being cleared
        (("bob",), None),  # nobody next is cleared
    ],
)
def test_the_handoff_gives_a_classified_inquiry_only_to_a_cleared_member(
    memory_desk: Desk, clock: FixedClock, cleared: tuple[str, ...], taker: str | None
) -> None:
    """The week of 30 November is bob's, with carol; the next is dave's, with alice."""
    clear(memory_desk, *cleared)
    secret = open_one(memory_desk, title="Secure mesh", sensitive=True)
    plain = open_one(memory_desk)
    for number in (secret, plain):
        inquiries.assign(memory_desk, number, "bob", by="alice")
    week = date(2026, 11, 30)
    clock.current = datetime(2026, 12, 4, 17, tzinfo=UTC)  # Friday 09:00: the week's last day
    result = shifts.handoff(memory_desk, week_start=week)
    assert (result.to_member, result.backup) == ("dave", "alice")
    assert result.to_backup == ([secret] if taker == "alice" else [])
    assert result.uncleared == ([] if taker else [secret])
    assert result.handed == ([secret, plain] if taker else [plain])
    assert inquiries.get_inquiry(memory_desk, plain)["assignee"] == "dave"
    shown = inquiries.get_inquiry(memory_desk, secret)
    assert shown["assignee"] == taker
    if taker is None:
        assert "Nobody on duty (dave, alice) is cleared" in shown["comments"][-1]["body"]
        assert not shown["comments"][-1]["public"]
    else:
        assert shown["handoffs"][-1]["to_member"] == taker
        # The customer is told who will answer: the Backup, when only they are cleared.
        notice = shown["comments"][-1]
        assert notice["public"]
        named = "alice (Backup to dave, the Primary)" if taker == "alice" else "dave (Primary"
        assert f"2026-12-07, {named}" in notice["body"]
    told_plain = inquiries.get_inquiry(memory_desk, plain)["comments"][-1]["body"]
    assert "dave (Primary, with alice as Backup)" in told_plain
    with memory_desk.unit_of_work() as uow:
        told = {(n.recipient, n.inquiry_number) for n in uow.notifications.list()}
    assert ((taker, secret) in told) == (taker is not None)
    # A repeat run this week finds it settled.
    before = inquiries.get_inquiry(memory_desk, secret), audit_count(memory_desk)
    again = shifts.handoff(memory_desk, week_start=week)
    assert (again.handed, again.stayed) == ([], [])
    assert (inquiries.get_inquiry(memory_desk, secret), audit_count(memory_desk) - 1) == before


def test_handoff_needs_both_weeks_planned(memory_desk: Desk) -> None:
    with pytest.raises(NotFound, match="plan the next week"):
        shifts.handoff(memory_desk, week_start=date(2026, 12, 7))
    with pytest.raises(NotFound, match="nothing to hand off"):
        shifts.handoff(memory_desk, week_start=date(2027, 3, 1))


def test_postmortem_is_prefilled_from_effort_and_timeline(memory_desk: Desk) -> None:
    number = open_one(memory_desk, serious=True)
    inquiries.reply(memory_desk, number, "On it.", by="alice")
    escalations.escalate(memory_desk, number, by="alice")
    effort.log_effort(memory_desk, by="alice", minutes=90, inquiry_number=number)
    effort.log_effort(memory_desk, by="bob", minutes=30, inquiry_number=number)
    effort.log_effort(memory_desk, by="bob", minutes=600, note="unrelated desk work")
    draft = postmortems.draft(memory_desk, number)
    assert draft["resources"] == "- alice: 1.5 h\n- bob: 0.5 h\nTotal: 2.0 h by 2 member(s)"
    assert "opened (system)" in draft["milestones"]
    assert "public reply (alice)" in draft["milestones"]
    assert "escalated to bob (alice)" in draft["milestones"]
    postmortems.write(
        memory_desk,
        number,
        PostmortemDraft(
            what_happened=draft["what_happened"],
            why="Launcher profile was stale.",
            resources=draft["resources"],
            milestones=draft["milestones"],
            recommendations="Test launch profiles nightly.",
        ),
        by="alice",
    )
    inquiries.resolve(memory_desk, number, ["diagnosed"], by="alice")
    data = inquiries.get_inquiry(memory_desk, number)
    assert data["state"] == "resolved"
    assert data["postmortem"]["why"] == "Launcher profile was stale."


def test_a_members_effort_of_one_day_is_at_most_a_day(memory_desk: Desk) -> None:
    day = date(2026, 11, 17)
    effort.log_effort(memory_desk, by="bob", minutes=1000, on=day)
    effort.log_effort(memory_desk, by="bob", minutes=440, on=day)  # exactly 24 hours
    before = effort.list_effort(memory_desk), audit_count(memory_desk)
    with pytest.raises(
        InvalidInput,
        match=r"^bob has 1440 minutes logged on 2026-11-17 already; a day holds 1440,"
        r" so log at most 0 more$",
    ):
        effort.log_effort(memory_desk, by="bob", minutes=1, on=day)
    assert (effort.list_effort(memory_desk), audit_count(memory_desk)) == before
    # Another day, and another member the same day, are their own.
    effort.log_effort(memory_desk, by="bob", minutes=1440, on=day + timedelta(days=1))
    effort.log_effort(memory_desk, by="alice", minutes=1440, on=day)


def test_effort_log_rejects_bad_minutes_and_unknown_inquiries(memory_desk: Desk) -> None:
    for minutes in (0, -5, 24 * 60 + 1):
        with pytest.raises(InvalidInput, match="minutes"):
            effort.log_effort(memory_desk, by="alice", minutes=minutes)
    with pytest.raises(NotFound):
        effort.log_effort(memory_desk, by="alice", minutes=5, inquiry_number=42)
    with pytest.raises(InvalidInput, match=r"^2099-01-01 has not come yet; log effort for work"):
        effort.log_effort(memory_desk, by="alice", minutes=5, on=date(2099, 1, 1))
    with pytest.raises(ValueError, match="year 1 is outside"):
        effort.log_effort(memory_desk, by="alice", minutes=5, on=date(1, 1, 1))
    assert effort.list_effort(memory_desk) == []
    entry = effort.log_effort(memory_desk, by="alice", minutes=45, note="desk")
    assert effort.list_effort(memory_desk) == [
        {
            "id": entry,
            "member": "alice",
            "minutes": 45,
            "on": "2026-11-18",
            "note": "desk",
            "inquiry": None,
        }
    ]


def test_stale_inquiries_are_resolved_as_no_reply(memory_desk: Desk, clock: FixedClock) -> None:
    silent = open_one(memory_desk)
    talking = open_one(memory_desk)
    untouched = open_one(memory_desk)
    inquiries.reply(memory_desk, silent, "Try 3.4.1?", by="alice")
    inquiries.reply(memory_desk, talking, "Try 3.4.1?", by="alice")
    clock.advance(timedelta(days=10))
    inquiries.customer_wrote(memory_desk, talking, author="u@example.edu", body="Trying.")
    clock.advance(timedelta(days=11))
    assert inquiries.sweep_stale(memory_desk) == [silent]
    data = inquiries.get_inquiry(memory_desk, silent)
    assert data["resolutions"][-1]["kinds"] == ["no-reply"]
    assert inquiries.get_inquiry(memory_desk, untouched)["state"] == "new"
    assert inquiries.get_inquiry(memory_desk, talking)["state"] == "responded"


def test_customer_message_ids_are_kept_once(memory_desk: Desk) -> None:
    number = open_one(memory_desk, message_id="<1@x>")
    inquiries.customer_wrote(memory_desk, number, author="u@x.org", body="more", message_id="<2@x>")
    inquiries.customer_wrote(memory_desk, number, author="u@x.org", body="dup", message_id="<2@x>")
    shown = inquiries.get_inquiry(memory_desk, number)
    assert shown["message_ids"] == ["<1@x>", "<2@x>"]
    # The same message again is a retry: it is not a second comment.
    assert [c["body"] for c in shown["comments"]] == ["It crashes.", "more"]
    assert inquiries.find_by_message_id(memory_desk, "<2@x>") == number
    with pytest.raises(NotFound):
        inquiries.find_by_message_id(memory_desk, "<3@x>")
    with pytest.raises(InvalidInput):
        inquiries.customer_wrote(memory_desk, number, author=" ", body="x")


def test_a_customer_message_names_one_customer_and_its_own_message(memory_desk: Desk) -> None:
    number = open_one(memory_desk, message_id="<1@x>")
    other = open_one(memory_desk)
    before = inquiries.get_inquiry(memory_desk, other), audit_count(memory_desk)
    for author, problem in [
        ("a@x.org, b@y.org", "must be exactly one e-mail address"),
        ("c@x.org\r\nBcc: evil@e.org", "must be one line"),
        ("x" * 321, "is longer than 320 characters"),
    ]:
        with pytest.raises(InvalidInput, match=problem):
            inquiries.customer_wrote(memory_desk, other, author=author, body="me too")
    with pytest.raises(InvalidTransition, match=f"belongs to inquiry #{number}; post it there"):
        inquiries.customer_wrote(
            memory_desk, other, author="u@x.org", body="dup", message_id="<1@x>"
        )
    assert (inquiries.get_inquiry(memory_desk, other), audit_count(memory_desk)) == before


def test_redirect_is_logged_for_the_primary_and_confirmed(memory_desk: Desk) -> None:
    number = open_one(
        memory_desk,
        channel="redirect",
        source="hallway",
        redirected_by="bob",
        body="Asked about the CLI",
        author="bob",
    )
    data = inquiries.get_inquiry(memory_desk, number)
    assert (data["assignee"], data["redirected_by"]) == ("alice", "bob")
    assert data["comments"][0]["public"] is False  # bob's record of the chat is internal
    inquiries.confirm_redirect(memory_desk, number, by="alice")
    assert inquiries.get_inquiry(memory_desk, number)["redirect_confirmed_at"] == NOW.isoformat()


def test_list_filters(memory_desk: Desk) -> None:
    a = open_one(memory_desk)
    b = open_one(memory_desk, channel="hotline", source="phone")
    inquiries.assign(memory_desk, b, "carol", by="alice")
    inquiries.acknowledge(memory_desk, a, by="alice")
    with pytest.raises(InvalidTransition, match="reply instead"):
        inquiries.acknowledge(memory_desk, a, by="alice")
    assert [i["number"] for i in inquiries.list_inquiries(memory_desk)] == [a, b]
    assert [i["number"] for i in inquiries.list_inquiries(memory_desk, channel="hotline")] == [b]
    assert [i["number"] for i in inquiries.list_inquiries(memory_desk, assignee="carol")] == [b]
    assert [i["number"] for i in inquiries.list_inquiries(memory_desk, state="responded")] == [a]
    with pytest.raises(InvalidInput, match="unknown state"):
        inquiries.list_inquiries(memory_desk, state="open")
    with pytest.raises(NotFound):
        inquiries.list_inquiries(memory_desk, assignee="zed")


def test_time_off_during_a_members_own_week_is_recorded_and_named(
    memory_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The weeks it leaves without their holder are told, so the member asks for a swap."""

    # Weeks from 2026-11-02: bob/carol, dave/alice, alice/bob (this week), carol/alice,
    # bob/carol, dave/alice.
    def left(handle: str, start: date, end: date) -> list[tuple[str, str]]:
        found = team.weeks_left_by(memory_desk, handle, start, end)
        return [(w["week_start"], w["role"]) for w in found]

    assert left("dave", date(2026, 12, 12), date(2026, 12, 13)) == []  # a weekend
    assert left("dave", date(2026, 12, 10), date(2026, 12, 11)) == [("2026-12-07", "primary")]
    # Weeks that are over are history: only this week's and later ones are named.
    assert left("alice", date(2026, 11, 1), date(2026, 12, 31)) == [
        ("2026-11-16", "primary"),
        ("2026-11-23", "backup"),
        ("2026-12-07", "backup"),
    ]

    from typer.testing import CliRunner

    from sredesk.cli import desk as desk_cli

    monkeypatch.setattr(desk_cli, "desk", lambda: memory_desk)
    told = CliRunner().invoke(desk_cli.member_app, ["time-off", "dave", "2026-12-10", "2026-12-11"])
    assert told.exit_code == 0, told.output
    assert told.stdout.startswith("time-off #")
    assert told.stderr == (
        "warning: dave is still Primary in the week of 2026-12-07, which this time-off"
        " touches; ask for a swap on /rotation\n"
    )
    assert [t["member"] for t in team.list_time_off(memory_desk, "dave")] == ["dave"]


def test_taking_a_member_off_the_rotation_names_the_weeks_they_still_hold(
    memory_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member who leaves keeps their published weeks until each is given to someone."""
    from typer.testing import CliRunner

    from sredesk.cli import desk as desk_cli

    # Weeks from 2026-11-02: bob/carol, dave/alice, alice/bob (this week), carol/alice,
    # bob/carol, dave/alice.
    monkeypatch.setattr(desk_cli, "desk", lambda: memory_desk)
    told = CliRunner().invoke(desk_cli.member_app, ["edit", "carol", "--inactive"])
    assert told.exit_code == 0, told.output
    assert told.stdout == "updated carol: active True -> False\n"
    assert told.stderr == "".join(
        f"warning: carol is off the rotation but still {role.capitalize()} in the week of "
        f"{week}; give it to someone with 'sredesk schedule swap {week} --role {role} "
        "--member carol --to HANDLE', or plan those weeks again\n"
        for week, role in [("2026-11-23", "primary"), ("2026-11-30", "backup")]
    )
    # Back on the rotation, or any other change: nothing to warn about.
    again = CliRunner().invoke(desk_cli.member_app, ["edit", "carol", "--active"])
    assert (again.exit_code, again.stderr) == (0, "")


def test_team_members_and_time_off(memory_desk: Desk) -> None:
    with pytest.raises(InvalidInput, match="exists already"):
        team.add_member(memory_desk, "alice", "A", "a@x.org")
    for kwargs, message in [
        ({"handle": "Bad Handle"}, "handle"),
        ({"email": "nope"}, "e-mail"),
        ({"percent_time": 0}, "percent_time"),
        ({"percent_time": 101}, "percent_time"),
        ({"timezone": "Mars/Base"}, "time zone"),
        ({"experience": -1}, "negative"),
    ]:
        args = {"handle": "erin", "name": "Erin", "email": "e@x.org"} | kwargs
        with pytest.raises(InvalidInput, match=message):
            team.add_member(
                memory_desk, args.pop("handle"), args.pop("name"), args.pop("email"), **args
            )
    team.update_member(memory_desk, "dave", percent_time=80)
    with pytest.raises(InvalidInput, match="cannot change"):
        team.update_member(memory_desk, "dave", github_login="david")
    with pytest.raises(InvalidInput, match="percent_time"):
        team.update_member(memory_desk, "dave", percent_time=200)
    team.update_member(memory_desk, "dave", active=False)
    assert [m["handle"] for m in team.list_members(memory_desk, active_only=True)] == [
        "alice",
        "bob",
        "carol",
    ]
    with pytest.raises(InvalidInput, match="inactive"):
        inquiries.reply(memory_desk, open_one(memory_desk), "hi", by="dave")
    with pytest.raises(InvalidInput, match="before it starts"):
        team.add_time_off(memory_desk, "bob", date(2026, 12, 5), date(2026, 12, 1))
    team.add_time_off(memory_desk, "bob", date(2026, 12, 1), date(2026, 12, 5))
    with pytest.raises(InvalidInput, match="already serves"):
        team.create_team(memory_desk, "Other")


def test_a_team_keeps_its_calendars_zone(clock: FixedClock) -> None:
    tokyo = {"tokyo": {"timezone": "Asia/Tokyo"}}
    desk = Desk(unit_of_work=MemoryStore().unit_of_work, clock=clock, calendar_config=tokyo)
    with pytest.raises(InvalidInput) as refused:
        team.create_team(desk, "Ops", calendar="tokyo", timezone="America/Los_Angeles")
    assert str(refused.value) == (
        "timezone 'America/Los_Angeles' is not the zone of calendar 'tokyo', 'Asia/Tokyo',"
        " in which the desk keeps its weeks and hours; give timezone 'Asia/Tokyo' or leave it"
        " out, or name a calendar in America/Los_Angeles"
    )
    with pytest.raises(NotSetUp):
        team.team_overview(desk)  # nothing was created
    team.create_team(desk, "Ops", calendar="tokyo")
    assert team.team_overview(desk)["timezone"] == "Asia/Tokyo"


def test_shifts_need_mondays_and_two_people(memory_desk: Desk) -> None:
    with pytest.raises(InvalidInput, match="not a Monday"):
        shifts.set_shift(memory_desk, date(2026, 11, 18), "alice", "bob")
    with pytest.raises(InvalidInput, match="different"):
        shifts.set_shift(memory_desk, date(2026, 11, 16), "alice", "@alice")
    before = shifts.list_shifts(memory_desk)
    # Year 1 is before the calendar's first year: nothing is written, nothing overflows.
    with pytest.raises(CalendarError, match="year 1 is outside the supported years"):
        shifts.set_shift(memory_desk, date(1, 1, 1), "alice", "bob")
    with pytest.raises(CalendarError, match="year 1 is outside the supported years"):
        shifts.list_shifts(memory_desk, start=date(1, 1, 3))
    assert shifts.list_shifts(memory_desk) == before
    shifts.set_shift(memory_desk, date(2026, 11, 16), "dave", "alice")
    assert shifts.list_shifts(memory_desk, start=date(2026, 11, 18), end=date(2026, 11, 18)) == [
        {"week_start": "2026-11-16", "primary": "dave", "backup": "alice", "delegations": []}
    ]


def test_resolution_clock_pauses_while_waiting_on_the_customer(
    memory_desk: Desk, clock: FixedClock
) -> None:
    from dataclasses import replace

    from sredesk.core.clock import ResponsePolicy

    desk = replace(memory_desk, resolution_policy=ResponsePolicy(target=timedelta(hours=8)))
    assert inquiries.get_inquiry(memory_desk, open_one(memory_desk))["resolution_clock"] is None
    n = open_one(desk)  # Wednesday 10:00 PST
    clock.advance(timedelta(hours=1))
    inquiries.reply(desk, n, "Which version?", by="alice")
    inquiries.wait_on_customer(desk, n, by="alice")  # 1 business hour used
    clock.advance(timedelta(days=1))  # Thursday 11:00: a whole business day of waiting
    waiting = inquiries.get_inquiry(desk, n)["resolution_clock"]
    assert waiting["paused"] is True
    assert waiting["remaining_seconds"] == 7 * 3600
    inquiries.customer_wrote(desk, n, author="u@example.edu", body="3.4")
    clock.advance(timedelta(hours=2))  # Thursday 13:00: one more business hour (lunch)
    running = inquiries.get_inquiry(desk, n)["resolution_clock"]
    assert running["paused"] is False
    assert running["remaining_seconds"] == 6 * 3600
    assert running["state"] == "on-track"


def test_dates_past_the_calendars_years_are_refused_in_one_line(memory_desk: Desk) -> None:
    """A time-off or plan in year 9999 would overflow the feeds and the planner later."""
    from sredesk.core.calendar import CalendarError
    from sredesk.services import feeds, rotation

    before = team.list_time_off(memory_desk)
    with pytest.raises(CalendarError, match=r"^year 9999 is outside the supported years 2-9998$"):
        team.add_time_off(memory_desk, "alice", date(9999, 12, 30), date(9999, 12, 31))
    assert team.list_time_off(memory_desk) == before
    feeds.render(memory_desk)  # still renders
    with pytest.raises(CalendarError, match="year 9999"):
        rotation.plan(memory_desk, date(9998, 12, 14), 4)  # ends in 9999
    with pytest.raises(CalendarError, match="year 1 "):
        team.update_member(memory_desk, "alice", joined=date(1, 1, 1))
