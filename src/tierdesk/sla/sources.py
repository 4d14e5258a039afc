"""Where a calendar's open intervals come from: weekly hours, always open, or a union.

Each source answers one question: the open intervals that meet one UTC year, as sorted, merged,
half-open ``(open_us, close_us)`` pairs clipped to that year.  The calendar caches the answer per
year; slicing time by *UTC* year (not local year) means every source, including a union of
calendars in different zones, is cut at the same instants.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Protocol

from tierdesk.sla.instants import local_to_us, year_start
from tierdesk.sla.spec import WeeklySpec

if TYPE_CHECKING:
    from tierdesk.sla.calendar import Calendar

__all__ = ["AlwaysSource", "IntervalSource", "UnionSource", "WeeklySource", "WindowInstance", "merge"]

Interval = tuple[int, int]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and merge overlapping or touching half-open intervals; drop empty ones."""
    result: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if result and start <= result[-1][1]:
            if end > result[-1][1]:
                result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return result


def clip(intervals: Iterable[Interval], lo: int, hi: int) -> list[Interval]:
    """Intervals cut to ``[lo, hi)``, empty pieces dropped."""
    return [(max(s, lo), min(e, hi)) for s, e in intervals if e > lo and s < hi]


class IntervalSource(Protocol):
    def year_intervals(self, year: int) -> list[Interval]:
        """Sorted, merged open intervals clipped to UTC year *year*."""
        ...


@dataclass(frozen=True, slots=True)
class WindowInstance:
    """One weekly window on one local date: what ``explain`` talks about."""

    day: date
    open: int
    close: int
    closure: str | None  # None when open; "holiday" or "closed" when that date is closed


class WeeklySource:
    """Open intervals from weekly windows, public holidays and extra closed dates."""

    def __init__(self, spec: WeeklySpec) -> None:
        self.spec = spec

    def closure(self, day: date) -> str | None:
        """``"holiday"`` for a public holiday, ``"closed"`` for an extra closed date, else None.

        A date that is both is reported as the holiday: its name says more than "shutdown".
        """
        holidays = self.spec.holidays
        if holidays is not None and day in holidays.dates(day.year):
            return "holiday"
        if day in self.spec.closed:
            return "closed"
        return None

    def instances(self, first: date, last: date) -> list[WindowInstance]:
        """Every window instance of the local dates *first*..*last*, closed ones included.

        Windows in the spring-forward gap can come out with ``close <= open`` (a window
        ``02:30-03:15`` on the night New York skips 02:00-03:00 opens at 03:30 and closes at 03:15):
        they have no open time and are dropped.
        """
        tz = self.spec.timezone
        result: list[WindowInstance] = []
        day = first
        one = timedelta(days=1)
        while day <= last:
            windows = self.spec.windows[day.weekday()]
            if windows:
                closure = self.closure(day)
                for window in windows:
                    start = local_to_us(day, window.start, tz)
                    end = local_to_us(day, window.end, tz)
                    if end > start:
                        result.append(WindowInstance(day, start, end, closure))
            day += one
        return result

    def year_intervals(self, year: int) -> list[Interval]:
        """Steps: list the local dates whose windows can reach the UTC year (a window opens
        before 24:00 and lasts at most 24 h, and zone offsets stay within ±26 h, so three days
        before to one day after is enough); make each open date's window instances in UTC;
        merge (a night window may overlap the next day's morning); clip to the year."""
        first = date(year, 1, 1) - timedelta(days=3)
        last = date(year + 1, 1, 1) + timedelta(days=1)
        instances = self.instances(first, last)
        opened = merge((i.open, i.close) for i in instances if i.closure is None)
        return clip(opened, year_start(year), year_start(year + 1))


class AlwaysSource:
    """24×7."""

    def year_intervals(self, year: int) -> list[Interval]:
        return [(year_start(year), year_start(year + 1))]


class UnionSource:
    """Open when any member calendar is open (follow-the-sun)."""

    def __init__(self, members: Sequence[Calendar]) -> None:
        self.members = tuple(members)

    def year_intervals(self, year: int) -> list[Interval]:
        pieces: list[Interval] = []
        for member in self.members:
            chunk = member._chunk(year)
            pieces.extend(zip(chunk.opens, chunk.closes, strict=True))
        return merge(pieces)
