"""Business calendars and the two SLA questions: when is it due, and how much has elapsed.

How it is fast
--------------
Open time is stored per UTC year as sorted lists of interval opens and closes in µs since the
epoch, with the cumulative open time before each interval.  A year is computed the first time a
question touches it (a start in 1970 or 2199 costs one or two years, not the range in between)
and cached on the calendar.  Then:

* the open time from the start of a year up to any instant ``t`` is one ``bisect``:
  ``cum[i] + min(t, close[i]) - open[i]`` for the last interval opening at or before ``t``;
* ``add`` turns the start into that cumulative figure, adds the duration, and ``bisect``\\s the
  cumulative ends for the interval where the target is reached: the cost does not grow with
  the duration (beyond stepping over whole years by their totals).

Semantics (DESIGN.md, "Semantics of business time") are pinned by the tests in ``tests/sla``.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from tierdesk.sla.instants import EPOCH, MAX_YEAR, from_us, td_to_us, to_us, us_to_td, year_of, year_start
from tierdesk.sla.sources import AlwaysSource, IntervalSource, UnionSource, WeeklySource, merge
from tierdesk.sla.spec import WeeklySpec, load_timezone, parse_language, parse_spec

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from tierdesk.sla.explain import Explanation

__all__ = ["Calendar", "Pause"]

Pause = tuple[datetime, datetime]
Interval = tuple[int, int]
_ZERO = timedelta()
_ONE_US = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class _Chunk:
    """One UTC year of open time.

    ``cum[i]`` is the open time before interval ``i`` (from the start of the year);
    ``cum_end[i] == cum[i + 1]`` is kept as its own list so that ``bisect`` needs no slicing.
    """

    year: int
    lo: int  # first µs of the year
    hi: int  # first µs of the next year
    opens: list[int]
    closes: list[int]
    cum: list[int]
    cum_end: list[int]
    total: int

    @classmethod
    def build(cls, year: int, intervals: list[Interval]) -> _Chunk:
        opens = [s for s, _ in intervals]
        closes = [e for _, e in intervals]
        cum = [0]
        for s, e in intervals:
            cum.append(cum[-1] + e - s)
        return cls(year, year_start(year), year_start(year + 1), opens, closes, cum[:-1], cum[1:], cum[-1])

    def open_before(self, t: int) -> int:
        """Open time in ``[start of year, t)``."""
        i = bisect_right(self.opens, t) - 1
        if i < 0:
            return 0
        return self.cum[i] + min(t, self.closes[i]) - self.opens[i]


class Calendar:
    """A business calendar: when a support desk is open.

    Build one with :meth:`from_dict`, :meth:`always` or :meth:`union`.  Instances are immutable
    (the per-year cache aside) and safe to share between threads.
    """

    def __init__(
        self,
        source: IntervalSource,
        *,
        timezone: ZoneInfo,
        day_length: timedelta,
        language: str,
        spec: WeeklySpec | None = None,
    ) -> None:
        self._source = source
        self._tz = timezone
        # Results are built as tz.fromutc(<epoch wall time in tz> + offset): half the cost of
        # astimezone, on the hot path of every answer.
        self._local_epoch = datetime(1970, 1, 1, tzinfo=timezone)
        self._day_length = day_length
        self._language = language
        self._spec = spec
        self._chunks: dict[int, _Chunk] = {}
        # The chunk of the last question: most questions in a batch fall in the same year, and
        # checking its bounds is cheaper than finding the year (a plain attribute swap, so
        # concurrent readers at worst look the year up again).
        self._last = _Chunk(0, 0, 0, [], [], [], [], 0)
        self._lock = threading.Lock()
        # Bulk path: the years concatenated into NumPy arrays, rebuilt when a wider range is needed.
        self._timeline: Any = None
        self._never_open = isinstance(source, WeeklySource) and not any(source.spec.windows)
        if isinstance(source, UnionSource):
            self._never_open = all(m._never_open for m in source.members)

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> Calendar:
        """A calendar from its spec (see DESIGN.md); ``ValueError("<key path>: <problem>")`` if invalid."""
        parsed = parse_spec(spec)
        return cls(
            WeeklySource(parsed),
            timezone=parsed.timezone,
            day_length=parsed.day_length,
            language=parsed.language,
            spec=parsed,
        )

    @classmethod
    def always(cls, timezone: str = "UTC", *, language: str = "en") -> Calendar:
        """Open 24×7; *timezone* only decides how results and explanations show local time."""
        return cls(
            AlwaysSource(),
            timezone=load_timezone(timezone),
            day_length=timedelta(days=1),
            language=parse_language(language),
        )

    @classmethod
    def union(
        cls,
        calendars: Iterable[Calendar],
        timezone: str | None = None,
        *,
        day_length: timedelta | None = None,
    ) -> Calendar:
        """Open when any member is open (follow-the-sun).

        The zone is *timezone* or the first member's.  ``day_length`` defaults to the longest
        member's (the spec is silent; a union's "working day" is a contract decision, so callers
        with business-day targets on a union should pass it).
        """
        members = list(calendars)
        if not members:
            raise ValueError("union: needs at least one calendar")
        for i, member in enumerate(members):
            if not isinstance(member, Calendar):
                raise TypeError(f"union[{i}]: expected a Calendar, not {type(member).__name__}")
        tz = load_timezone(timezone) if timezone is not None else members[0].timezone
        if day_length is None:
            day_length = max(m.day_length for m in members)
        elif not isinstance(day_length, timedelta) or day_length <= timedelta():
            raise ValueError("day_length: must be a timedelta of more than zero")
        return cls(UnionSource(members), timezone=tz, day_length=day_length, language=members[0].language)

    # ------------------------------------------------------------------ properties

    @property
    def timezone(self) -> ZoneInfo:
        return self._tz

    @property
    def day_length(self) -> timedelta:
        """The declared working-day length used for business-day targets."""
        return self._day_length

    @property
    def language(self) -> str:
        """Default language of :meth:`explain` (one of ``en``, ``fr``, ``de``, ``nb``)."""
        return self._language

    def business_days(self, n: int | float) -> timedelta:
        """A target of *n* business days as business time: ``n × day_length``."""
        if isinstance(n, bool) or not isinstance(n, int | float) or not 0 <= n < 1e6:
            raise ValueError(f"business_days: expected a number of days of zero or more, not {n!r}")
        return self._day_length * n

    def to_dict(self) -> dict[str, Any]:
        """The spec this calendar was built from (weekly calendars only), for catalog export."""
        if self._spec is None:
            raise ValueError("only calendars built with from_dict have a spec")
        return dict(self._spec.source)

    def __repr__(self) -> str:
        kind = type(self._source).__name__.removesuffix("Source").lower()
        return f"<Calendar {kind} {self._tz.key}>"

    # ------------------------------------------------------------------ cache

    def _chunk(self, year: int) -> _Chunk:
        chunk = self._chunks.get(year)
        if chunk is None:
            if not 2 <= year <= MAX_YEAR:
                raise ValueError(f"instant outside the supported years 2..{MAX_YEAR}")
            with self._lock:
                chunk = self._chunks.get(year)
                if chunk is None:
                    chunk = _Chunk.build(year, self._source.year_intervals(year))
                    self._chunks[year] = chunk
        return chunk

    def _chunk_at(self, t: int) -> _Chunk:
        """The chunk holding instant *t*."""
        chunk = self._last
        if chunk.lo <= t < chunk.hi:
            return chunk
        chunk = self._chunk(year_of(t))
        self._last = chunk
        return chunk

    def _check_can_open(self) -> None:
        if self._never_open:
            raise ValueError("calendar has no opening hours, so no business time ever elapses")

    # ------------------------------------------------------------------ µs primitives

    def _is_open_us(self, t: int) -> bool:
        chunk = self._chunk_at(t)
        i = bisect_right(chunk.opens, t) - 1
        return i >= 0 and t < chunk.closes[i]

    def _next_open_us(self, t: int) -> int:
        """First open instant ≥ t."""
        self._check_can_open()
        chunk = self._chunk_at(t)
        i = bisect_right(chunk.opens, t) - 1
        if i >= 0 and t < chunk.closes[i]:
            return t
        i += 1
        while i >= len(chunk.opens):
            chunk = self._chunk(chunk.year + 1)  # raises past MAX_YEAR
            i = 0
        return chunk.opens[i]

    def _between_us(self, a: int, b: int) -> int:
        """Open time in ``[a, b)``; whole years in between count by their totals."""
        if b <= a:
            return 0
        first = self._chunk_at(a)
        if b < first.hi:
            return first.open_before(b) - first.open_before(a)
        last = self._chunk_at(b)
        total = first.total - first.open_before(a)
        for year in range(first.year + 1, last.year):
            total += self._chunk(year).total
        return total + last.open_before(b)

    def _add_us(self, t: int, d: int) -> int:
        """The earliest instant by which *d* µs of open time have elapsed since *t* (no pauses).

        Steps: convert *t* to the open time before it within its year (``c0``); the target is
        ``c0 + d``; while the target lies beyond the year's total, subtract the total and move to
        the next year; in that year, find the first interval whose cumulative end reaches the
        target (``bisect_left``: the *earliest* instant, so a target that runs out exactly at
        closing time is due at closing time) and step into it by the remainder.
        ``d == 0`` is the first open instant ≥ t.
        """
        if d == 0:
            return self._next_open_us(t)
        if self._never_open:
            self._check_can_open()
        chunk = self._last
        if not chunk.lo <= t < chunk.hi:
            chunk = self._chunk_at(t)
        # chunk.open_before(t), inlined: this is the hot path of every due-time computation.
        i = bisect_right(chunk.opens, t) - 1
        target = d if i < 0 else chunk.cum[i] + min(t, chunk.closes[i]) - chunk.opens[i] + d
        if target > chunk.total:
            chunks = self._chunks
            while target > chunk.total:  # step over whole years by their totals
                target -= chunk.total
                chunk = chunks.get(chunk.year + 1) or self._chunk(chunk.year + 1)  # raises past MAX_YEAR
        j = bisect_left(chunk.cum_end, target)
        return chunk.opens[j] + (target - chunk.cum[j])

    def _add_paused_us(self, t: int, d: int, pauses: list[Interval]) -> int:
        """``_add_us`` with merged, sorted pauses taken out of the open time.

        Steps: walk the pauses in order from *t*; before each pause, the open time up to the
        pause either covers what remains of *d* (answer inside that stretch, which cannot pass
        the pause's start) or is subtracted from it; then jump to the pause's end.  With
        ``d == 0`` the answer is the first open instant that no pause covers.
        """
        remaining = d
        cursor = t
        for start, end in pauses:
            if end <= cursor:
                continue
            if start > cursor:
                if remaining == 0:
                    first = self._next_open_us(cursor)
                    if first < start:
                        return first
                else:
                    stretch = self._between_us(cursor, start)
                    if stretch >= remaining:
                        return self._add_us(cursor, remaining)
                    remaining -= stretch
            cursor = max(cursor, end)
        return self._add_us(cursor, remaining)

    def _intervals_us(self, a: int, b: int) -> list[Interval]:
        """Open intervals clipped to ``[a, b)``, re-joined where a year boundary cut them."""
        result: list[Interval] = []
        if b <= a:
            return result
        for year in range(year_of(a), year_of(b - 1) + 1):
            chunk = self._chunk(year)
            i = max(bisect_right(chunk.opens, a) - 1, 0)
            while i < len(chunk.opens) and chunk.opens[i] < b:
                start, end = max(chunk.opens[i], a), min(chunk.closes[i], b)
                if end > start:
                    if result and result[-1][1] == start:
                        result[-1] = (result[-1][0], end)
                    else:
                        result.append((start, end))
                i += 1
        return result

    @staticmethod
    def _pauses_us(pauses: Iterable[Pause]) -> list[Interval]:
        """Validate pauses and merge them: they may overlap, nest, or lie out of hours."""
        result: list[Interval] = []
        for i, pause in enumerate(pauses):
            try:
                start, end = pause
            except (TypeError, ValueError):
                raise TypeError(f"pauses[{i}]: expected a (from, to) pair of aware datetimes") from None
            s, e = to_us(start, f"pauses[{i}][0]"), to_us(end, f"pauses[{i}][1]")
            if e < s:
                raise ValueError(
                    f"pauses[{i}]: ends ({end.isoformat()}) before it starts ({start.isoformat()})"
                )
            result.append((s, e))
        return merge(result)

    # ------------------------------------------------------------------ public API

    def is_open(self, t: datetime) -> bool:
        """Whether the desk is open at instant *t* (windows are half-open: open at opening time,
        closed at closing time)."""
        return self._is_open_us(to_us(t, "t"))

    def next_open(self, t: datetime) -> datetime:
        """The first open instant at or after *t* (*t* itself when open), in the calendar's zone."""
        return from_us(self._next_open_us(to_us(t, "t")), self._tz)

    def open_intervals(self, a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
        """The open intervals clipped to ``[a, b)``, in the calendar's zone."""
        tz = self._tz
        return [(from_us(s, tz), from_us(e, tz)) for s, e in self._intervals_us(to_us(a, "a"), to_us(b, "b"))]

    def add(self, start: datetime, duration: timedelta, pauses: Iterable[Pause] = ()) -> datetime:
        """The due time of a target of *duration* business time started at *start*.

        The clock starts at the first open, unpaused instant ≥ *start*; the result is the earliest
        instant at which *duration* of business time has elapsed (so ``timedelta(0)`` gives that
        first instant, and a target that runs out at closing time is due at closing time).
        """
        # Fast path: an aware datetime and a timedelta convert in one operation each.  Anything
        # else (a naive datetime, a string, a number) raises TypeError there, and the careful
        # converters below then raise the precise error.
        try:
            t = (start - EPOCH) // _ONE_US
            d = duration // _ONE_US
        except TypeError:
            t, d = to_us(start, "start"), td_to_us(duration, "duration")
        if d < 0 or not isinstance(start, datetime):
            t, d = to_us(start, "start"), td_to_us(duration, "duration")
        if pauses:
            merged = self._pauses_us(pauses)
            if merged:
                return from_us(self._add_paused_us(t, d, merged), self._tz)
        return self._tz.fromutc(self._local_epoch + timedelta(0, 0, self._add_us(t, d)))

    def between(self, start: datetime, end: datetime, pauses: Iterable[Pause] = ()) -> timedelta:
        """Business time in ``[start, end)`` minus *pauses*; zero when ``end <= start``."""
        try:
            a, b = (start - EPOCH) // _ONE_US, (end - EPOCH) // _ONE_US
        except TypeError:
            a, b = to_us(start, "start"), to_us(end, "end")
        if not (isinstance(start, datetime) and isinstance(end, datetime)):
            a, b = to_us(start, "start"), to_us(end, "end")
        merged = self._pauses_us(pauses) if pauses else ()
        if b <= a:
            return _ZERO
        total = self._between_us(a, b)
        for s, e in merged:
            total -= self._between_us(max(s, a), min(e, b))
        return us_to_td(total)

    def explain(
        self,
        start: datetime,
        duration: timedelta,
        pauses: Iterable[Pause] = (),
        language: str | None = None,
    ) -> Explanation:
        """How the due time of ``add(start, duration, pauses)`` comes about, step by step."""
        from tierdesk.sla.explain import explain

        return explain(self, start, duration, pauses, language)

    def add_many(
        self,
        starts: npt.ArrayLike | Sequence[datetime],
        durations: npt.ArrayLike | Sequence[timedelta] | timedelta,
    ) -> np.ndarray:
        """Vectorised :meth:`add` (no pauses): ``datetime64[us]`` UTC due times."""
        from tierdesk.sla.bulk import add_many

        return add_many(self, starts, durations)

    def between_many(
        self,
        starts: npt.ArrayLike | Sequence[datetime],
        ends: npt.ArrayLike | Sequence[datetime],
    ) -> np.ndarray:
        """Vectorised :meth:`between` (no pauses): ``timedelta64[us]``."""
        from tierdesk.sla.bulk import between_many

        return between_many(self, starts, ends)

    # ------------------------------------------------------------------ for explain

    @property
    def _weekly(self) -> WeeklySource | None:
        return self._source if isinstance(self._source, WeeklySource) else None
