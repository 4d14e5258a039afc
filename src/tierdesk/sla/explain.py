"""``Calendar.explain``: how a due time comes about, as structured steps and in words.

An explanation is for an agent or a customer reading a ticket, so it talks in days: what was
counted on which day, why the days in between did not count (weekend, public holiday with its
name, shutdown), which pauses took time out, and when the target is due.  Long stretches of
ordinary working days collapse into one step ("counted 8h on each of 5 working days Mon 3 – Fri 7
Mar"), so a one-year target reads in a few dozen steps, not 365.

The due time itself always comes from :meth:`Calendar.add`; this module only describes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from tierdesk.sla.instants import from_us, local_to_us, td_to_us, to_us, us_to_td
from tierdesk.sla.phrases import PHRASES, Words
from tierdesk.sla.spec import parse_language

if TYPE_CHECKING:
    from tierdesk.sla.calendar import Calendar, Pause
    from tierdesk.sla.sources import WeeklySource

__all__ = [
    "ClosedDay",
    "ClosedDays",
    "Counted",
    "CountedDays",
    "Due",
    "Explanation",
    "Holiday",
    "Opened",
    "Paused",
    "Step",
]

Interval = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Opened:
    """The ticket (or clock) started at *at*; the business clock started at *clock_start*."""

    at: datetime
    clock_start: datetime

    @property
    def in_hours(self) -> bool:
        return self.at == self.clock_start


@dataclass(frozen=True, slots=True)
class Counted:
    """Business time counted on one day, in one or more spans (local times)."""

    day: date
    spans: tuple[tuple[datetime, datetime], ...]
    amount: timedelta


@dataclass(frozen=True, slots=True)
class CountedDays:
    """A run of *days* whole working days, *first*..*last*, with the weekly closures between them.

    ``per_day`` is set when every day counted the same; otherwise only the total ``amount`` is.
    """

    first: date
    last: date
    days: int
    amount: timedelta
    per_day: timedelta | None


@dataclass(frozen=True, slots=True)
class ClosedDays:
    """Days closed by the weekly hours (a weekend), or with no open time at all."""

    first: date
    last: date


@dataclass(frozen=True, slots=True)
class Holiday:
    """A public holiday that closed the windows opening that day; *name* in the explanation's language."""

    day: date
    name: str | None


@dataclass(frozen=True, slots=True)
class ClosedDay:
    """An extra closed date (shutdown) from the calendar's ``closed`` list."""

    day: date
    name: str | None


@dataclass(frozen=True, slots=True)
class Paused:
    """A pause (merged with any it overlaps); *not_counted* is the business time it took out."""

    start: datetime
    end: datetime
    not_counted: timedelta


@dataclass(frozen=True, slots=True)
class Due:
    at: datetime


Step = Opened | Counted | CountedDays | ClosedDays | Holiday | ClosedDay | Paused | Due


@dataclass(frozen=True, slots=True)
class Explanation:
    """The steps from *start* to *due*; ``str()`` renders them in words in *language*."""

    start: datetime
    duration: timedelta
    due: datetime
    clock_start: datetime
    language: str
    steps: tuple[Step, ...] = field(default=())

    def lines(self, language: str | None = None, *, precise: bool = False) -> list[str]:
        """One sentence per step. Times and amounts read to the minute, as people say them; with
        `precise`, to the second and below, as the engine counted them."""
        lang = _check_language(language or self.language)
        local_start, local_due = self.start.astimezone(self.due.tzinfo), self.due
        words = Words(lang, with_year=local_start.year != local_due.year, precise=precise)
        # Short explanations read better with weekday and time only ("due Tue 11:40").
        dated = (self.due - self.start) >= timedelta(days=6)
        return [_render(step, words, dated, self) for step in self.steps]

    def text(self, language: str | None = None, *, precise: bool = False) -> str:
        """All steps in one line: ``opened Fri 17:50; 10 min counted until 18:00; …; due Mon 11:50``."""
        lang = _check_language(language or self.language)
        return PHRASES[lang]["separator"].join(self.lines(lang, precise=precise))

    def __str__(self) -> str:
        return self.text()


def _check_language(language: str) -> str:
    return parse_language(language)


def _render(step: Step, words: Words, dated: bool, explanation: Explanation) -> str:
    """One step in words (dispatch on the step's type)."""
    if isinstance(step, Opened):
        when = words.when(step.at, dated=dated)
        if step.in_hours:
            return words.say("opened", when=when)
        return words.say("opened_outside", when=when, start=words.when(step.clock_start, dated=dated))
    if isinstance(step, Counted):
        amount = words.amount(step.amount)
        first_start = step.spans[0][0]
        if (
            len(step.spans) == 1
            and first_start == explanation.start
            and first_start == explanation.clock_start
        ):
            return words.say("counted_until", amount=amount, end=words.time(step.spans[0][1]))
        spans = ", ".join(f"{words.time(s)}–{words.time(e)}" for s, e in step.spans)
        return words.say("counted", amount=amount, day=words.day(step.day), spans=spans)
    if isinstance(step, CountedDays):
        days = words.day_range(step.first, step.last)
        if step.per_day is not None:
            return words.say("run_each", amount=words.amount(step.per_day), n=step.days, days=days)
        return words.say("run_total", amount=words.amount(step.amount), n=step.days, days=days)
    if isinstance(step, ClosedDays):
        return words.say("closed_days", days=words.weekday_range(step.first, step.last))
    if isinstance(step, Holiday):
        name = step.name or _PUBLIC_HOLIDAY[words.language]
        return words.say("holiday", day=words.day(step.day), name=name)
    if isinstance(step, ClosedDay):
        if step.name:
            return words.say("closed_day_named", day=words.day(step.day), name=step.name)
        return words.say("closed_day", day=words.day(step.day))
    if isinstance(step, Paused):
        same_day = step.start.date() == step.end.date()
        return words.say(
            "paused",
            start=words.when(step.start, dated=True),
            end=words.time(step.end) if same_day else words.when(step.end, dated=True),
            amount=words.amount(step.not_counted),
        )
    return words.say("due", when=words.when(step.at, dated=dated))


_PUBLIC_HOLIDAY = {"en": "public holiday", "fr": "jour férié", "de": "Feiertag", "nb": "helligdag"}


# ---------------------------------------------------------------------- building the steps


def _subtract(intervals: list[Interval], holes: list[Interval]) -> list[Interval]:
    """*intervals* minus *holes*; both sorted and disjoint."""
    result: list[Interval] = []
    j = 0
    for start, end in intervals:
        cursor = start
        while j < len(holes) and holes[j][1] <= cursor:
            j += 1
        k = j
        while k < len(holes) and holes[k][0] < end:
            if holes[k][0] > cursor:
                result.append((cursor, holes[k][0]))
            cursor = max(cursor, holes[k][1])
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def _intersect(intervals: list[Interval], start: int, end: int) -> list[Interval]:
    return [(max(s, start), min(e, end)) for s, e in intervals if e > start and s < end]


@dataclass(slots=True)
class _Day:
    """What happened on one local date, before collapsing into steps."""

    day: date
    key: int  # µs, to order days among pauses
    kind: str  # "counted", "weekly" (no hours that day), "holiday", "closed"
    pieces: list[Interval] = field(default_factory=list)
    amount: int = 0
    full: bool = False
    name: str | None = None


def _local_date(us: int, cal: Calendar) -> date:
    return from_us(us, cal.timezone).date()


def _weekly_days(
    cal: Calendar, source: WeeklySource, t0: int, due: int, counted: list[Interval], language: str
) -> Iterator[_Day]:
    """Days of a weekly calendar; a window's time belongs to the day it opens.

    Steps: list the window instances of the local dates from the day before the start to the
    due date; per date, a weekday without windows is a weekly closure, a closed date is a
    holiday or shutdown (mentioned only if its windows would have run between start and due),
    and an open date collects the counted pieces inside its windows.  A night window may overlap
    the next day's first window; the overlap is attributed once, to the earlier day.
    """
    tz = cal.timezone
    first, last = _local_date(t0, cal) - timedelta(days=1), _local_date(due, cal)
    by_day: dict[date, list[Interval]] = {}
    closures: dict[date, tuple[int, int]] = {}
    cursor = -(2**62)  # end of the time already attributed to a day
    for instance in source.instances(first, last):
        if instance.closure is not None:
            span = closures.get(instance.day, (instance.open, instance.close))
            closures[instance.day] = (min(span[0], instance.open), max(span[1], instance.close))
            continue
        start = max(instance.open, cursor)
        if instance.close > start:
            by_day.setdefault(instance.day, []).append((start, instance.close))
            cursor = instance.close
    day = first
    while day <= last:
        if not source.spec.windows[day.weekday()]:
            midnight, next_midnight = local_to_us(day, 0, tz), local_to_us(day, 86_400, tz)
            if next_midnight > t0 and midnight < due:
                yield _Day(day, midnight, "weekly")
        elif day in closures:
            span = closures[day]
            if span[1] > t0 and span[0] < due:
                kind = source.closure(day) or "closed"
                if kind == "holiday":
                    holidays = source.spec.holidays
                    name = holidays.name(day, language) if holidays is not None else None
                else:
                    name = source.spec.closed.get(day)
                yield _Day(day, span[0], kind, name=name)
        elif day in by_day:
            windows = by_day[day]
            pieces = [p for s, e in windows for p in _intersect(counted, s, e)]
            if pieces:
                amount = sum(e - s for s, e in pieces)
                possible = sum(e - s for s, e in windows)
                yield _Day(day, pieces[0][0], "counted", pieces, amount, amount == possible)
        day += timedelta(days=1)


def _generic_days(cal: Calendar, t0: int, due: int, counted: list[Interval]) -> Iterator[_Day]:
    """Days of a union or 24×7 calendar: by local calendar date, without names for closures."""
    tz = cal.timezone
    day, last = _local_date(t0, cal), _local_date(due, cal)
    while day <= last:
        midnight, next_midnight = local_to_us(day, 0, tz), local_to_us(day, 86_400, tz)
        pieces = _intersect(counted, midnight, next_midnight)
        possible = cal._between_us(midnight, next_midnight)
        if pieces:
            amount = sum(e - s for s, e in pieces)
            yield _Day(day, pieces[0][0], "counted", pieces, amount, amount == possible)
        elif possible == 0 and next_midnight > t0 and midnight < due:
            yield _Day(day, midnight, "weekly")
        day += timedelta(days=1)


class _StepBuilder:
    """Collapses days into steps: runs of whole working days (with the weekends between them)
    become one :class:`CountedDays` when they hold at least ``RUN`` working days."""

    RUN = 3

    def __init__(self, cal: Calendar) -> None:
        self.cal = cal
        self.steps: list[Step] = []
        self.run: list[_Day] = []

    def _local(self, us: int) -> datetime:
        return from_us(us, self.cal.timezone)

    def _emit_day(self, record: _Day) -> None:
        if record.kind == "weekly":
            last = self.steps[-1] if self.steps else None
            if isinstance(last, ClosedDays) and last.last + timedelta(days=1) == record.day:
                self.steps[-1] = ClosedDays(last.first, record.day)
            else:
                self.steps.append(ClosedDays(record.day, record.day))
        elif record.kind == "holiday":
            self.steps.append(Holiday(record.day, record.name))
        elif record.kind == "closed":
            self.steps.append(ClosedDay(record.day, record.name))
        else:
            spans = tuple((self._local(s), self._local(e)) for s, e in record.pieces)
            self.steps.append(Counted(record.day, spans, us_to_td(record.amount)))

    def flush(self) -> None:
        run, self.run = self.run, []
        trailing: list[_Day] = []
        while run and run[-1].kind == "weekly":
            trailing.insert(0, run.pop())
        working = [r for r in run if r.kind == "counted"]
        if len(working) >= self.RUN:
            amounts = {r.amount for r in working}
            total = sum(r.amount for r in working)
            per_day = us_to_td(working[0].amount) if len(amounts) == 1 else None
            self.steps.append(
                CountedDays(working[0].day, working[-1].day, len(working), us_to_td(total), per_day)
            )
        else:
            for record in run:
                self._emit_day(record)
        for record in trailing:
            self._emit_day(record)

    def day(self, record: _Day) -> None:
        if (record.kind == "counted" and record.full) or (record.kind == "weekly" and self.run):
            self.run.append(record)
        else:
            self.flush()
            self._emit_day(record)

    def other(self, step: Step) -> None:
        self.flush()
        self.steps.append(step)


def explain(
    cal: Calendar,
    start: datetime,
    duration: timedelta,
    pauses: Iterable[Pause],
    language: str | None,
) -> Explanation:
    """Build the explanation of ``cal.add(start, duration, pauses)``.

    Steps: compute the due time and the clock's start with the engine; list the counted pieces
    (open time in ``[clock start, due)`` minus pauses); describe each local day between start
    and due; interleave the pauses in time order; collapse runs of whole working days.
    """
    lang = _check_language(language or cal.language)
    t0 = to_us(start, "start")
    d = td_to_us(duration, "duration")
    merged = cal._pauses_us(pauses)
    due = cal._add_paused_us(t0, d, merged)
    clock = cal._add_paused_us(t0, 0, merged)
    counted = _subtract(cal._intervals_us(clock, due), merged)

    source = cal._weekly
    days = (
        _weekly_days(cal, source, t0, due, counted, lang)
        if source is not None
        else _generic_days(cal, t0, due, counted)
    )
    events: list[tuple[int, int, _Day | Paused]] = [(record.key, 1, record) for record in days]
    for s, e in merged:
        if e > t0 and s < due:
            taken = cal._between_us(max(s, t0), min(e, due))
            events.append((s, 0, Paused(from_us(s, cal.timezone), from_us(e, cal.timezone), us_to_td(taken))))
    events.sort(key=lambda event: (event[0], event[1]))

    builder = _StepBuilder(cal)
    builder.steps.append(Opened(from_us(t0, cal.timezone), from_us(clock, cal.timezone)))
    for _, _, item in events:
        if isinstance(item, Paused):
            builder.other(item)
        else:
            builder.day(item)
    builder.other(Due(from_us(due, cal.timezone)))
    return Explanation(
        start=from_us(t0, cal.timezone),
        duration=duration,
        due=from_us(due, cal.timezone),
        clock_start=from_us(clock, cal.timezone),
        language=lang,
        steps=tuple(builder.steps),
    )
