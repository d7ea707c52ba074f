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

    # Arrays of instants.

    def business_at_many(self, t: I64) -> I64:
        i = np.searchsorted(self.opens, t, side="right") - 1
        opens = self.opens[i]
        spent: I64 = self.cum[i] + np.minimum(t - opens, self.closes[i] - opens)
        return spent

    def next_opening_many(self, t: I64) -> I64:
        """Caller guarantees every answer is covered."""
        j = np.searchsorted(self.closes, t, side="right")
        return np.maximum(t, self.opens[j])

    def reach_many(self, target: I64) -> I64:
        """Caller guarantees every target is at most `total` and above zero."""
        j = np.searchsorted(self.cum_end, target, side="left")
        return self.opens[j] + (target - self.cum[j])
