"""Time the business calendar against pandas' CustomBusinessHour and check they agree.

Run it with `.venv/bin/python bench/bench_calendar.py [--instants N] [--seed S]`. It
exits with status 1 if any deadline differs from pandas'.

pandas reports a deadline that uses up an interval's last second at the next opening
(13:00 after lunch, 08:00 the next business day); the desk reports the closing time
itself, as the issue asks. The comparison maps our closing times to the next opening
first, and counts how many there were.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sredesk.core.calendar import BusinessCalendar, load_calendar

TARGET = timedelta(hours=4)
FIRST, LAST = np.datetime64("2024-01-01T00:00:00"), np.datetime64("2029-01-01T00:00:00")


def random_instants(rng: np.random.Generator, n: int) -> NDArray[np.datetime64]:
    """Whole-second UTC instants spread evenly over 2024-2028."""
    span = int((LAST - FIRST) / np.timedelta64(1, "s"))
    return FIRST + rng.integers(0, span, n).astype("timedelta64[s]")


def pandas_deadlines(
    cal: BusinessCalendar, starts: NDArray[np.datetime64]
) -> NDArray[np.datetime64]:
    """The same deadlines by pandas, on local wall-clock time as CustomBusinessHour works."""
    holidays = [d for year in range(2023, 2031) for d in cal.holidays(year)]
    offset = pd.offsets.CustomBusinessHour(
        n=int(TARGET / timedelta(hours=1)),
        start=["08:00", "13:00"],
        end=["12:00", "17:00"],
        weekmask="Mon Tue Wed Thu Fri",
        holidays=holidays,
    )
    local = pd.DatetimeIndex(starts).tz_localize("UTC").tz_convert(cal.tz.key).tz_localize(None)
    with warnings.catch_warnings():
        # pandas warns that it applies this offset element by element; that is what we time.
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        due = local + offset
    # Deadlines are open instants or closing times, never in a daylight-saving gap or
    # repeat (those are at 02:00), so going back to UTC is unambiguous.
    return due.tz_localize(cal.tz.key).tz_convert("UTC").tz_localize(None).to_numpy("datetime64[s]")


def best_of(repeat: int, call: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return min(times)


def single_add_microseconds(cal: BusinessCalendar, starts: NDArray[np.datetime64]) -> float:
    instants = [
        datetime.fromtimestamp(int(s), UTC).astimezone(cal.tz)
        for s in starts[:10_000].astype("int64")
    ]
    rounds = []
    for _ in range(5):
        began = time.perf_counter()
        for at in instants:
            cal.add(at, TARGET)
        rounds.append((time.perf_counter() - began) / len(instants) * 1e6)
    return statistics.median(rounds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instants", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    starts = random_instants(rng, args.instants)

    cold = load_calendar("llnl")
    began = time.perf_counter()
    ours = cold.add_batch(starts, TARGET)
    ours_cold = time.perf_counter() - began
    cal = cold  # now warm: its intervals for 2024-2029 are built
    ours_warm = best_of(5, lambda: cal.add_batch(starts, TARGET))

    began = time.perf_counter()
    theirs = pandas_deadlines(cal, starts)
    pandas_time = time.perf_counter() - began

    # A zero duration gives the next opening, and leaves open instants as they are.
    as_pandas_would = cal.add_batch(ours, timedelta(0))
    at_closing = int(np.count_nonzero(as_pandas_would != ours))
    differ = int(np.count_nonzero(as_pandas_would != theirs))
    million = random_instants(rng, 1_000_000)
    fresh = load_calendar("llnl")
    began = time.perf_counter()
    fresh.add_batch(million, TARGET)
    million_cold = time.perf_counter() - began
    million_warm = best_of(5, lambda: fresh.add_batch(million, TARGET))
    elapsed_warm = best_of(
        5, lambda: fresh.elapsed_batch(million, million + np.timedelta64(3, "D"))
    )
    single = single_add_microseconds(cal, starts)

    n = len(starts)
    rows = [
        (f"pandas CustomBusinessHour, {n:,} instants", pandas_time, n),
        (f"add_batch, {n:,} instants, first call (builds intervals)", ours_cold, n),
        (f"add_batch, {n:,} instants, warm (best of 5)", ours_warm, n),
        ("add_batch, 1,000,000 instants, first call", million_cold, 1_000_000),
        ("add_batch, 1,000,000 instants, warm (best of 5)", million_warm, 1_000_000),
        ("elapsed_batch, 1,000,000 pairs, warm (best of 5)", elapsed_warm, 1_000_000),
    ]
    print(f"{'what':58} {'seconds':>9} {'per second':>14}")
    for what, seconds, count in rows:
        print(f"{what:58} {seconds:9.4f} {count / seconds:14,.0f}")
    warm_ratio, cold_ratio = pandas_time / ours_warm, pandas_time / ours_cold
    print(f"speed-up over pandas: {warm_ratio:,.0f}x warm, {cold_ratio:,.0f}x first call")
    print(f"single add: {single:.2f} µs (median of 5 rounds of 10,000)")
    print(f"deadlines at a closing time (pandas: the next opening): {at_closing:,} of {n:,}")
    print(f"deadlines that differ from pandas after that mapping: {differ} of {n:,}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
