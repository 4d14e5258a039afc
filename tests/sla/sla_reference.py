"""A brute-force reference for business time, independent of ``tierdesk.sla``.

It reads the same calendar spec dicts but shares no code with the engine: it lays a grid of
whole minutes over a stretch of time, marks each minute open if any window instance of a
non-closed local date covers it, and answers every question by looking at minutes one by one
(``add`` walks the grid counting open, unpaused minutes).  Slow and obviously right, which is
the point.  Inputs must be whole minutes (windows are written in minutes, and every zone used in
the tests has whole-minute offsets), so minute-stepping is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import numpy as np

MINUTE = timedelta(minutes=1)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass
class RefWeekly:
    """A weekly calendar read straight from the spec dict."""

    spec: dict

    def __post_init__(self) -> None:
        self.tz = ZoneInfo(self.spec["timezone"])
        self.windows: dict[int, list[tuple[int, int]]] = {}
        for key, items in self.spec.get("hours", {}).items():
            pairs = []
            for item in items:
                start_text, end_text = item.split("-")
                start, end = _minutes(start_text), _minutes(end_text)
                if end <= start:
                    end += 24 * 60
                pairs.append((start, end))
            self.windows[DAYS.index(key)] = pairs
        self._closed_years: dict[int, set[date]] = {}

    def closed(self, day: date) -> bool:
        if day.year not in self._closed_years:
            found: set[date] = set()
            hol = self.spec.get("holidays")
            if isinstance(hol, dict):
                table = holidays.country_holidays(
                    hol["country"], subdiv=hol.get("subdiv"), years=day.year, language="en_US"
                )
                found |= set(table.keys())
            elif isinstance(hol, list):
                found |= {_as_date(x) for x in hol}
            found |= {_as_date(x) for x in self.spec.get("closed", [])}
            self._closed_years[day.year] = {d for d in found if d.year == day.year}
        return day in self._closed_years[day.year]

    def window_instances(self, day: date) -> list[tuple[datetime, datetime]]:
        """UTC (open, close) of each window opening on local date *day* (fold=0 wall times)."""
        result = []
        for start, end in self.windows.get(day.weekday(), []):
            opening = self._wall(day, start)
            closing = self._wall(day, end)
            result.append((opening, closing))
        return result

    def _wall(self, day: date, minutes: int) -> datetime:
        extra, minutes = divmod(minutes, 24 * 60)
        local_day = day + timedelta(days=extra)
        wall = datetime.combine(local_day, time(minutes // 60, minutes % 60), tzinfo=self.tz)
        return wall.astimezone(UTC)

    def mask(self, origin: datetime, count: int) -> np.ndarray:
        """Open flag of each minute ``origin + i`` for ``i < count``."""
        result = np.zeros(count, dtype=bool)
        end = origin + count * MINUTE
        day = origin.astimezone(self.tz).date() - timedelta(days=3)
        last = end.astimezone(self.tz).date() + timedelta(days=1)
        while day <= last:
            if not self.closed(day):
                for opening, closing in self.window_instances(day):
                    lo = (opening - origin) // MINUTE
                    hi = (closing - origin) // MINUTE
                    if hi > lo:
                        result[max(lo, 0) : max(min(hi, count), 0)] = True
            day += timedelta(days=1)
        return result

    def is_open_slow(self, moment: datetime) -> bool:
        """One instant, from first principles (used to check ``mask`` itself)."""
        local_day = moment.astimezone(self.tz).date()
        for offset in (-2, -1, 0, 1):
            day = local_day + timedelta(days=offset)
            if self.closed(day):
                continue
            for opening, closing in self.window_instances(day):
                if opening <= moment < closing:
                    return True
        return False


@dataclass
class RefUnion:
    members: list

    def mask(self, origin: datetime, count: int) -> np.ndarray:
        result = np.zeros(count, dtype=bool)
        for member in self.members:
            result |= member.mask(origin, count)
        return result

    def is_open_slow(self, moment: datetime) -> bool:
        return any(m.is_open_slow(moment) for m in self.members)


def _as_date(item: object) -> date:
    if isinstance(item, dict):
        item = item["date"]
    return date.fromisoformat(str(item))


def pause_mask(origin: datetime, count: int, pauses: list[tuple[datetime, datetime]]) -> np.ndarray:
    result = np.zeros(count, dtype=bool)
    for start, end in pauses:
        lo = (start - origin) // MINUTE
        hi = (end - origin) // MINUTE
        if hi > lo:
            result[max(lo, 0) : max(min(hi, count), 0)] = True
    return result


def ref_add(cal, start: datetime, minutes: int, pauses=(), horizon_days: int = 45) -> datetime:
    """Walk minute by minute from *start*: the due time is the end of the minute in which the
    *minutes*-th open, unpaused minute is counted; with 0 minutes, the first such minute."""
    count = horizon_days * 24 * 60
    while True:
        counting = cal.mask(start, count) & ~pause_mask(start, count, list(pauses))
        counted = 0
        for i in range(count):
            if counting[i]:
                if minutes == 0:
                    return start + i * MINUTE
                counted += 1
                if counted == minutes:
                    return start + (i + 1) * MINUTE
        count *= 4
        if count > 6 * 366 * 24 * 60:
            raise AssertionError("reference: target not reached within six years")


def ref_between(cal, a: datetime, b: datetime, pauses=()) -> int:
    """Open, unpaused whole minutes in [a, b)."""
    if b <= a:
        return 0
    count = (b - a) // MINUTE
    counting = cal.mask(a, count) & ~pause_mask(a, count, list(pauses))
    return int(counting.sum())


def ref_intervals(cal, a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
    """Maximal runs of open minutes in [a, b)."""
    count = (b - a) // MINUTE
    mask = cal.mask(a, count)
    runs = []
    i = 0
    while i < count:
        if mask[i]:
            j = i
            while j < count and mask[j]:
                j += 1
            runs.append((a + i * MINUTE, a + j * MINUTE))
            i = j
        else:
            i += 1
    return runs
