"""Count business time over a run of years as sorted UTC open intervals with running totals.

All instants and durations here are integers of microseconds since 1970-01-01 UTC, so the
arithmetic is exact and the same for one instant (bisect on lists) or millions (NumPy).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]

HOUR = 3_600_000_000
# Lookup tables stay below this many cells, however many years a timeline spans.
MAX_CELLS = 1 << 22
_END = np.iinfo(np.int64).max


def merge_intervals(opens: I64, closes: I64) -> tuple[I64, I64]:
    """Drop empty intervals and join ones that touch or overlap.

    Touching intervals (17:00 close, 17:00 open, as around midnight in a 24-hour calendar)
    must become one, or a deadline landing on the seam would be reported at both.
    """
    keep = closes > opens
    opens, closes = opens[keep], closes[keep]
    if opens.size == 0:
        return opens, closes
    order = np.argsort(opens, kind="stable")
    opens, closes = opens[order], closes[order]
    reach = np.maximum.accumulate(closes)
    starts = np.flatnonzero(np.r_[True, opens[1:] > reach[:-1]])
    return opens[starts], np.maximum.reduceat(closes, starts)


@dataclass(frozen=True)
class Timeline:
    """Open intervals covering UTC instants [lo, hi), with business time before each one.

    Index 0 is an empty interval at `lo`, so every covered instant has an interval at or
    before it and a search never returns -1. `cum[i]` is the business time from `lo` to
    `opens[i]`; `cum_end[i]` adds interval i itself.
    """

    years: tuple[int, int]  # first and last local calendar year covered
    lo: int
    hi: int
    opens: I64
    closes: I64
    cum: I64 = field(init=False)
    cum_end: I64 = field(init=False)
    _opens: list[int] = field(init=False, repr=False)
    _closes: list[int] = field(init=False, repr=False)
    _cum: list[int] = field(init=False, repr=False)
    _cum_end: list[int] = field(init=False, repr=False)
    _grid: _Grid = field(init=False, repr=False)
    _business_grid: _Grid = field(init=False, repr=False)

    def __post_init__(self) -> None:
        opens = np.r_[np.int64(self.lo), self.opens].astype(np.int64)
        closes = np.r_[np.int64(self.lo), self.closes].astype(np.int64)
        cum_end = np.cumsum(closes - opens)
        cum = cum_end - (closes - opens)
        for name, value in (
            ("opens", opens),
            ("closes", closes),
            ("cum", cum),
            ("cum_end", cum_end),
        ):
            value.setflags(write=False)
            object.__setattr__(self, name, value)
            # Plain lists make a single lookup several times faster than NumPy scalars.
            object.__setattr__(self, f"_{name}", value.tolist())
        object.__setattr__(self, "_grid", _Grid.over(opens, 0, self.lo, self.hi, "right"))
        object.__setattr__(self, "_business_grid", _Grid.over(cum_end, 1, 0, self.total, "left"))

    @property
    def total(self) -> int:
        """Business time from `lo` to `hi`."""
        return self._cum_end[-1]

    # One instant at a time.

    def business_at(self, t: int) -> int:
        """Business time from `lo` to covered instant `t`."""
        i = bisect_right(self._opens, t) - 1
        return self._cum[i] + min(t - self._opens[i], self._closes[i] - self._opens[i])

    def is_open(self, t: int) -> bool:
        i = bisect_right(self._opens, t) - 1
        return t < self._closes[i]

    def next_opening(self, t: int) -> int | None:
        """First open instant at or after `t`; None if it lies beyond `hi`."""
        j = bisect_right(self._closes, t)
        if j == len(self._closes):
            return None
        return max(t, self._opens[j])

    def reach(self, target: int) -> int:
        """Earliest instant with `target` business time since `lo`; 0 < target <= total."""
        j = bisect_left(self._cum_end, target)
        return self._opens[j] + (target - self._cum[j])

    # Arrays of instants: table lookups instead of binary searches, which cost a cache
    # miss per step on random input and were most of the batch time.

    def business_at_many(self, t: I64) -> I64:
        i = self._grid.find(t, np.less_equal)
        opens = self.opens[i]
        spent: I64 = self.cum[i] + np.minimum(t - opens, self.closes[i] - opens)
        return spent

    def next_opening_many(self, t: I64) -> I64:
        """Caller guarantees every answer is covered."""
        i = self._grid.find(t, np.less_equal)
        later: I64 = np.where(t < self.closes[i], t, self._grid.keys[i + 1])
        return later

    def reach_many(self, target: I64) -> I64:
        """Caller guarantees every target is at most `total` and above zero."""
        j = self._business_grid.find(target, np.less)
        reached: I64 = self.opens[j] + (target - self.cum[j])
        return reached


@dataclass(frozen=True)
class _Grid:
    """Jump into sorted `keys` at a cell of a regular grid, then step forward a little.

    `first[k]` is the answer at the start of cell k; no cell holds more than `steps`
    keys, so that many steps reach the answer for any value inside the cell. The key
    that decides a step is `keys[i + ahead]`.
    """

    keys: I64  # sorted, followed by one sentinel larger than any value
    origin: int
    width: int
    first: I64
    steps: int
    ahead: int

    @classmethod
    def over(cls, keys: I64, shift: int, start: int, stop: int, side: str) -> _Grid:
        """Grid for `searchsorted(keys, v, side) - 1 + shift` with v in [start, stop]."""
        width = max(HOUR, -(-(stop - start) // MAX_CELLS))
        edges = start + width * np.arange((stop - start) // width + 2, dtype=np.int64)
        first = np.searchsorted(keys, edges, side=side) - 1 + shift  # type: ignore[call-overload]
        steps = int(np.max(np.diff(first))) if first.size > 1 else 0
        return cls(np.r_[keys, _END], start, width, first.astype(np.intp), steps, 1 - shift)

    def find(self, values: I64, still_before: np.ufunc) -> I64:
        """Step while `still_before(keys[i + ahead], value)` says the answer lies further on."""
        i: I64 = self.first[(values - self.origin) // self.width]
        for _ in range(self.steps):
            i += still_before(self.keys[i + self.ahead], values)
        return i
