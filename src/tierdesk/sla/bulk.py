"""Many due times at once: ``add`` and ``between`` vectorised with NumPy.

For recomputing every open clock after a calendar or plan change, and for reports that replay
history.  The same cumulative-open-time idea as the scalar path, over one timeline that
concatenates the cached years a batch touches:

1. ``F(t)`` = open time from the timeline's start to ``t`` =
   ``cum[i] + min(t, close[i]) - open[i]`` with ``i = searchsorted(opens, t, "right") - 1``.
2. ``add``: target ``F(start) + d``; ``j = searchsorted(cum_end, target, "left")``;
   due ``= opens[j] + target - cum[j]``.  For ``d == 0`` the first open instant is wanted, which
   is the first interval whose cumulative end is *strictly* above ``F(start)``: searching for
   ``target + 1`` µs gives exactly that on integers.
3. ``between`` = ``max(F(end) - F(start), 0)``.

If a target lies beyond the timeline (a long duration from the last start), the timeline grows
by more years and the batch is answered again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tierdesk.sla.instants import MAX_YEAR, MIN_YEAR, to_us, year_of

if TYPE_CHECKING:
    from tierdesk.sla.calendar import Calendar

__all__ = ["Timeline", "add_many", "between_many"]

_I64 = np.int64


@dataclass(frozen=True, slots=True)
class Timeline:
    """Years ``first..last`` of a calendar as flat arrays (int64 µs)."""

    first: int
    last: int
    opens: npt.NDArray[np.int64]
    closes: npt.NDArray[np.int64]
    cum: npt.NDArray[np.int64]
    cum_end: npt.NDArray[np.int64]

    def open_before(self, t: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """``F(t)``: open time from the timeline's start to each ``t``."""
        if self.opens.size == 0:
            return np.zeros(t.shape, dtype=_I64)
        i = np.searchsorted(self.opens, t, side="right") - 1
        safe = np.maximum(i, 0)
        inside = np.minimum(t, self.closes[safe]) - self.opens[safe]
        return np.where(i >= 0, self.cum[safe] + inside, 0)


def _timeline(cal: Calendar, first: int, last: int) -> Timeline:
    """The cached timeline if it covers the years, else a wider one (cached in its place)."""
    cached: Timeline | None = cal._timeline
    if cached is not None and cached.first <= first and cached.last >= last:
        return cached
    if cached is not None:
        first, last = min(first, cached.first), max(last, cached.last)
    first, last = max(first, MIN_YEAR), min(last, MAX_YEAR)
    opens: list[int] = []
    closes: list[int] = []
    for year in range(first, last + 1):
        chunk = cal._chunk(year)
        opens.extend(chunk.opens)
        closes.extend(chunk.closes)
    o = np.asarray(opens, dtype=_I64)
    c = np.asarray(closes, dtype=_I64)
    cum_end = np.cumsum(c - o, dtype=_I64)
    cum = cum_end - (c - o)
    timeline = Timeline(first, last, o, c, cum, cum_end)
    cal._timeline = timeline  # one reference swap: readers see the old or the new, both valid
    return timeline


def _instants(values: npt.ArrayLike | Sequence[datetime], what: str) -> npt.NDArray[np.int64]:
    """µs since the epoch from ``datetime64`` (read as UTC) or a sequence of aware datetimes."""
    if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.datetime64):
        array = values.astype("datetime64[us]")
    else:
        items = list(values)  # type: ignore[arg-type]
        if items and isinstance(items[0], datetime):
            return np.fromiter(
                (to_us(v, f"{what}[{i}]") for i, v in enumerate(items)), dtype=_I64, count=len(items)
            )
        array = np.asarray(items, dtype="datetime64[us]")
    if np.isnat(array).any():
        raise ValueError(f"{what}: contains NaT")
    return array.view(_I64).ravel()


def _durations(values: npt.ArrayLike | Sequence[timedelta] | timedelta, n: int) -> npt.NDArray[np.int64]:
    if isinstance(values, timedelta):
        return np.full(n, values // timedelta(microseconds=1), dtype=_I64)
    array = np.asarray(values)
    if not np.issubdtype(array.dtype, np.timedelta64):
        array = np.asarray(values, dtype="timedelta64[us]")
    array = array.astype("timedelta64[us]")
    if np.isnat(array).any():
        raise ValueError("durations: contains NaT")
    result = array.view(_I64).ravel()
    if result.shape != (n,):
        raise ValueError(f"durations: expected {n} durations (one per start), got {result.shape[0]}")
    if (result < 0).any():
        raise ValueError("durations: negative durations are not allowed")
    return result


def _years(us: npt.NDArray[np.int64]) -> tuple[int, int]:
    return year_of(int(us.min())), year_of(int(us.max()))


def add_many(
    cal: Calendar,
    starts: npt.ArrayLike | Sequence[datetime],
    durations: npt.ArrayLike | Sequence[timedelta] | timedelta,
) -> npt.NDArray[np.datetime64]:
    """Due times for many (start, duration) pairs, as ``datetime64[us]`` UTC."""
    s = _instants(starts, "starts")
    d = _durations(durations, s.shape[0])
    if s.size == 0:
        return np.empty(0, dtype="datetime64[us]")
    cal._check_can_open()
    first, last = _years(s)
    last += 1  # room for durations that run into the next year
    while True:
        timeline = _timeline(cal, first, last)
        base = timeline.open_before(s)
        target = base + d
        # d == 0 wants the first open instant: the first cumulative end strictly above base.
        probe = target + (d == 0)
        if timeline.cum_end.size and probe.max() <= timeline.cum_end[-1]:
            break
        if timeline.last >= MAX_YEAR:
            raise ValueError("a due time falls beyond the supported years")
        last = timeline.last + max(1, timeline.last - timeline.first)
    j = np.searchsorted(timeline.cum_end, probe, side="left")
    due: npt.NDArray[np.datetime64] = (timeline.opens[j] + (target - timeline.cum[j])).view("datetime64[us]")
    return due


def between_many(
    cal: Calendar,
    starts: npt.ArrayLike | Sequence[datetime],
    ends: npt.ArrayLike | Sequence[datetime],
) -> npt.NDArray[np.timedelta64]:
    """Business time in ``[start, end)`` for many pairs, as ``timedelta64[us]`` (zero if end <= start)."""
    s = _instants(starts, "starts")
    e = _instants(ends, "ends")
    if s.shape != e.shape:
        raise ValueError(f"ends: expected {s.shape[0]} ends (one per start), got {e.shape[0]}")
    if s.size == 0:
        return np.empty(0, dtype="timedelta64[us]")
    first = min(_years(s)[0], _years(e)[0])
    last = max(_years(s)[1], _years(e)[1])
    timeline = _timeline(cal, first, last)
    elapsed: npt.NDArray[np.timedelta64] = np.maximum(
        timeline.open_before(e) - timeline.open_before(s), 0
    ).view("timedelta64[us]")
    return elapsed
