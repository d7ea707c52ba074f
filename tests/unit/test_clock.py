"""Check the response and resolution clocks: states, thresholds, overrides and pauses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sredesk.core.calendar import CalendarError, default_calendar
from sredesk.core.clock import (
    ClockState,
    Pause,
    PolicyError,
    ResponsePolicy,
    TargetBasis,
    resolution_due,
    resolution_status,
    response_due,
    response_status,
    threshold_times,
)
from tests.strategies import LA, instants

CAL = default_calendar()
H = timedelta(hours=1)
US = timedelta(microseconds=1)
DEFAULT = ResponsePolicy()
EIGHT_HOURS = ResponsePolicy.business_hours(8)


def la(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=LA)


ARRIVAL = la(2026, 11, 25, 16, 30)  # Wednesday before Thanksgiving


def test_response_is_due_four_business_hours_after_arrival() -> None:
    assert response_due(CAL, ARRIVAL, DEFAULT) == la(2026, 11, 30, 11, 30)
    assert response_due(CAL, la(2026, 3, 7, 10)) == la(2026, 3, 9, 12)  # a Saturday arrival


def test_thresholds_fall_at_half_and_three_quarters_of_the_target() -> None:
    assert threshold_times(CAL, ARRIVAL) == (la(2026, 11, 30, 9, 30), la(2026, 11, 30, 10, 30))


@pytest.mark.parametrize(
    ("now", "state", "used", "crossed"),
    [
        (la(2026, 11, 25, 16, 45), ClockState.ON_TRACK, 0.0625, ()),
        (la(2026, 11, 27, 12), ClockState.ON_TRACK, 0.125, ()),  # the clock stood still
        (la(2026, 11, 30, 9, 29), ClockState.ON_TRACK, 119 / 240, ()),
        (la(2026, 11, 30, 9, 30), ClockState.AT_RISK, 0.5, (0.5,)),
        (la(2026, 11, 30, 10, 30), ClockState.AT_RISK, 0.75, (0.5, 0.75)),
        (la(2026, 11, 30, 11, 30), ClockState.AT_RISK, 1.0, (0.5, 0.75)),
        (la(2026, 11, 30, 12, 30), ClockState.BREACHED, 1.125, (0.5, 0.75)),
        (la(2026, 11, 30, 14), ClockState.BREACHED, 1.375, (0.5, 0.75)),
    ],
)
def test_open_inquiry_states_through_the_clock(
    now: datetime, state: ClockState, used: float, crossed: tuple[float, ...]
) -> None:
    status = response_status(CAL, ARRIVAL, None, now, DEFAULT)
    assert status.state is state
    assert status.used == pytest.approx(used)
    assert status.thresholds_crossed == crossed
    assert status.due == la(2026, 11, 30, 11, 30)
    assert status.remaining == max(4 * H - status.spent, timedelta(0))
    assert status.stopped_at is None


def test_breach_is_on_the_wall_clock_even_when_no_business_time_passes() -> None:
    created = la(2026, 11, 25, 13)
    at_due = response_status(CAL, created, None, la(2026, 11, 25, 17))
    evening = response_status(CAL, created, None, la(2026, 11, 25, 18))
    assert at_due.state is ClockState.AT_RISK
    assert evening.state is ClockState.BREACHED
    assert evening.used == 1.0
    assert evening.remaining == timedelta(0)


def test_first_response_stops_the_clock() -> None:
    created = la(2026, 11, 25, 13)
    on_time = response_status(CAL, created, la(2026, 11, 25, 17), la(2026, 12, 8, 9))
    late = response_status(CAL, created, la(2026, 11, 30, 8), la(2026, 12, 8, 9))
    assert on_time.state is ClockState.MET
    assert on_time.used == 1.0
    assert on_time.stopped_at == la(2026, 11, 25, 17)
    assert late.state is ClockState.MISSED
    assert late.spent == 4 * H


def test_a_response_after_now_has_not_happened_yet() -> None:
    status = response_status(CAL, ARRIVAL, la(2026, 11, 30, 9), la(2026, 11, 25, 16, 45))
    assert status.state is ClockState.ON_TRACK
    assert status.stopped_at is None


def test_now_before_arrival_uses_nothing() -> None:
    status = response_status(CAL, ARRIVAL, None, la(2026, 11, 25, 9))
    assert status.spent == timedelta(0)
    assert status.state is ClockState.ON_TRACK


def test_override_in_business_hours() -> None:
    policy = DEFAULT.with_hours(8)
    assert policy == ResponsePolicy(8 * H)
    assert DEFAULT.with_hours(None) is DEFAULT
    assert response_due(CAL, ARRIVAL, policy) == la(2026, 11, 30, 16, 30)


def test_override_in_calendar_days_counts_real_time() -> None:
    policy = ResponsePolicy.calendar_days(2)
    created = la(2026, 3, 6, 16)  # Friday PST; clocks go forward on Sunday
    due = response_due(CAL, created, policy)
    assert due == la(2026, 3, 8, 17)
    assert due.astimezone(UTC) - created.astimezone(UTC) == 48 * H
    status = response_status(CAL, created, None, la(2026, 3, 7, 16), policy)
    assert status.state is ClockState.AT_RISK
    assert status.used == 0.5


@pytest.mark.parametrize(
    ("text", "target", "basis"),
    [
        ("4h", 4 * H, TargetBasis.BUSINESS),
        ("4", 4 * H, TargetBasis.BUSINESS),
        (" 1.5 H ", 1.5 * H, TargetBasis.BUSINESS),
        ("90m", 1.5 * H, TargetBasis.BUSINESS),
        ("2d", 48 * H, TargetBasis.CALENDAR),
    ],
)
def test_parse_response_times(text: str, target: timedelta, basis: TargetBasis) -> None:
    policy = ResponsePolicy.parse(text)
    assert (policy.target, policy.basis, policy.thresholds) == (target, basis, (0.5, 0.75))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ResponsePolicy.parse("soon"), "must look like"),
        (lambda: ResponsePolicy.parse("0h"), "positive"),
        (lambda: ResponsePolicy.business_hours(float("nan")), "positive"),
        (lambda: ResponsePolicy.calendar_days(-2), "-2 days must be a positive"),
        (lambda: ResponsePolicy.business_hours(1e300), "too long"),
        (lambda: ResponsePolicy(timedelta(0)), "longer than zero"),
        (lambda: ResponsePolicy(thresholds=(0.75, 0.5)), "rise strictly"),
        (lambda: ResponsePolicy(thresholds=(0.5, 1.0)), "rise strictly"),
    ],
)
def test_bad_policies_are_refused(make: object, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        make()  # type: ignore[operator]


def test_custom_thresholds() -> None:
    policy = ResponsePolicy(thresholds=(0.9,))
    status = response_status(CAL, ARRIVAL, None, la(2026, 11, 30, 10, 30), policy)
    assert status.state is ClockState.ON_TRACK
    assert len(status.warn_at) == 1


def test_naive_instants_are_refused() -> None:
    with pytest.raises(CalendarError, match="no time zone"):
        response_due(CAL, datetime(2026, 3, 3, 9), ResponsePolicy.calendar_days(1))
    with pytest.raises(CalendarError, match="no time zone"):
        response_status(
            CAL, la(2026, 3, 3), None, datetime(2026, 3, 4), ResponsePolicy.calendar_days(1)
        )
    with pytest.raises(CalendarError, match="no time zone"):
        resolution_due(CAL, la(2026, 3, 3), EIGHT_HOURS, [(datetime(2026, 3, 3, 10), None)])


# Resolution, paused while waiting on the customer.

TUESDAY = la(2026, 3, 3, 8)
WAIT: Pause = (la(2026, 3, 3, 10), la(2026, 3, 4, 10))


def test_resolution_without_pauses_is_like_a_response() -> None:
    assert resolution_due(CAL, TUESDAY, EIGHT_HOURS) == la(2026, 3, 3, 17)
    status = resolution_status(CAL, TUESDAY, None, la(2026, 3, 3, 12), EIGHT_HOURS)
    assert (status.state, status.used, status.paused) == (ClockState.AT_RISK, 0.5, False)


def test_a_closed_wait_moves_the_due_instant() -> None:
    assert resolution_due(CAL, TUESDAY, EIGHT_HOURS, [WAIT]) == la(2026, 3, 4, 17)
    status = resolution_status(CAL, TUESDAY, None, la(2026, 3, 4, 11), EIGHT_HOURS, [WAIT])
    assert status.spent == 3 * H
    assert status.state is ClockState.ON_TRACK


def test_an_open_wait_stops_the_clock_without_a_due_instant() -> None:
    waiting: list[Pause] = [(la(2026, 3, 3, 10), None)]
    assert resolution_due(CAL, TUESDAY, EIGHT_HOURS, waiting) is None
    status = resolution_status(CAL, TUESDAY, None, la(2026, 3, 12, 9), EIGHT_HOURS, waiting)
    assert (status.due, status.paused, status.spent) == (None, True, 2 * H)
    assert status.state is ClockState.ON_TRACK


def test_a_wait_that_begins_after_the_due_instant_does_not_undo_a_breach() -> None:
    waiting: list[Pause] = [(la(2026, 3, 4, 9), None)]
    assert resolution_due(CAL, TUESDAY, EIGHT_HOURS, waiting) == la(2026, 3, 3, 17)
    status = resolution_status(CAL, TUESDAY, None, la(2026, 3, 4, 10), EIGHT_HOURS, waiting)
    assert status.state is ClockState.BREACHED
    assert status.paused


def test_resolving_during_a_wait_ends_it() -> None:
    waiting: list[Pause] = [(la(2026, 3, 3, 10), None)]
    status = resolution_status(
        CAL, TUESDAY, la(2026, 3, 5, 9), la(2026, 3, 9, 9), EIGHT_HOURS, waiting
    )
    assert status.state is ClockState.MET
    assert status.spent == 2 * H
    assert not status.paused
    late = resolution_status(CAL, TUESDAY, la(2026, 3, 5, 9), la(2026, 3, 9, 9), EIGHT_HOURS)
    assert late.state is ClockState.MISSED


def test_overlapping_and_early_waits() -> None:
    pieces: list[Pause] = [
        (la(2026, 3, 3, 13), la(2026, 3, 4, 10)),
        (la(2026, 3, 3, 10), la(2026, 3, 3, 14)),
        (la(2026, 3, 2, 9), la(2026, 3, 2, 10)),  # before arrival
    ]
    assert resolution_due(CAL, TUESDAY, EIGHT_HOURS, pieces) == la(2026, 3, 4, 17)
    nested: list[Pause] = [(la(2026, 3, 3, 10), None), (la(2026, 3, 3, 11), la(2026, 3, 3, 12))]
    assert resolution_due(CAL, TUESDAY, EIGHT_HOURS, nested) is None


def test_waits_after_now_or_after_resolution_have_not_happened() -> None:
    later: list[Pause] = [(la(2026, 3, 3, 15), None)]
    before = resolution_status(CAL, TUESDAY, None, la(2026, 3, 3, 14), EIGHT_HOURS, later)
    assert (before.due, before.paused) == (la(2026, 3, 3, 17), False)
    done = resolution_status(CAL, TUESDAY, la(2026, 3, 3, 12), la(2026, 3, 9), EIGHT_HOURS, later)
    assert (done.state, done.spent, done.stopped_at) == (ClockState.MET, 4 * H, la(2026, 3, 3, 12))


def test_a_wait_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(PolicyError, match="before it starts"):
        resolution_due(CAL, TUESDAY, EIGHT_HOURS, [(la(2026, 3, 4), la(2026, 3, 3))])


def test_resolution_in_calendar_days_with_a_wait() -> None:
    policy = ResponsePolicy.calendar_days(1)
    due = resolution_due(CAL, TUESDAY, policy, [(la(2026, 3, 3, 20), la(2026, 3, 4, 8))])
    assert due == la(2026, 3, 4, 20)


# Properties.


@st.composite
def waits(draw: st.DrawFn) -> list[Pause]:
    starts = draw(st.lists(instants(first_year=2026, last_year=2026), max_size=3))
    lengths = draw(st.lists(st.integers(0, 200), min_size=len(starts), max_size=len(starts)))
    # Through UTC: adding to a local time loses its fold and can land before it.
    return [
        (s, s.astimezone(UTC) + timedelta(hours=h)) for s, h in zip(starts, lengths, strict=True)
    ]


POLICIES = st.sampled_from([DEFAULT, EIGHT_HOURS, ResponsePolicy.calendar_days(2)])
SETTINGS = settings(deadline=None)


@SETTINGS
@given(instants(first_year=2026, last_year=2026), instants(), instants(), POLICIES)
def test_used_never_falls_as_time_passes(
    created: datetime, a: datetime, b: datetime, policy: ResponsePolicy
) -> None:
    early, late = sorted((a, b))
    first = response_status(CAL, created, None, early, policy)
    second = response_status(CAL, created, None, late, policy)
    assert first.used <= second.used
    assert (second.state is ClockState.BREACHED) is (late > second.due)


@SETTINGS
@given(instants(first_year=2026, last_year=2026), POLICIES)
def test_the_whole_target_is_used_at_the_due_instant(
    created: datetime, policy: ResponsePolicy
) -> None:
    status = response_status(CAL, created, None, response_due(CAL, created, policy), policy)
    assert status.used == 1.0
    assert status.state is ClockState.AT_RISK


@SETTINGS
@given(
    instants(first_year=2026, last_year=2026), instants(first_year=2026, last_year=2027), POLICIES
)
def test_met_means_responded_by_the_due_instant(
    created: datetime, responded: datetime, policy: ResponsePolicy
) -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    status = response_status(CAL, created, responded, now, policy)
    assert (status.state is ClockState.MET) is (responded <= status.due)


@SETTINGS
@given(instants(first_year=2026, last_year=2026), waits(), POLICIES)
def test_waits_only_delay_and_the_target_is_used_exactly_at_due(
    created: datetime, pauses: list[Pause], policy: ResponsePolicy
) -> None:
    due = resolution_due(CAL, created, policy, pauses)
    assert due is not None
    assert due >= response_due(CAL, created, policy)
    status = resolution_status(CAL, created, None, due, policy, pauses)
    assert status.spent == policy.target
