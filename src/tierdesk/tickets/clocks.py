"""SLA clocks, derived from a ticket's history (DESIGN.md, principle 2).

A clock is a pure function of (the ticket's events, its plan's targets, the calendars, now). Nothing
about a clock is ever edited in place: every service that appends an event calls `clocks_refresh`,
which recomputes all of the ticket's clocks from the start and stores the result for queues.
So a severity change recomputes from the ticket's start with the paused time kept, a reopened case
resumes its resolution clock where it stopped, and a calendar edit is one `clocks_recompute` away.

The derivation, for each metric the plan has a target for:

1. Read the history: status periods (which statuses pause the clock is the plan's `pause_on`;
   resolved or closed periods also stop the resolution clock), the first public agent reply or
   logged call (first response), every such update (update cadence), the on-site milestones, and
   the current severity.
2. Pick the target: the plan's targets for the current severity and the metric, filtered by the
   variant — in or out of the plan's hours when the clock starts, and the case's channel — and the
   most specific one wins.
3. Count: `elapsed` is business time on the target's calendar from the start to the end (met, or
   now) minus pauses; the due time is the earliest instant at which the target has elapsed
   (`tierdesk.sla.Calendar.add`), the warning time the same for a fraction of the target.
4. State: met once the goal is reached (late if after the due time), paused while a pause is under
   way, breached once now reaches the due time, else running.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import prefetch_related_objects

from tierdesk.catalog.models import Calendar, Plan, SlaTarget
from tierdesk.catalog.vocabulary import Hours, Metric
from tierdesk.sla import Calendar as SlaCalendar
from tierdesk.sla import Explanation

from .models import AdhocStatus, EventKind, SlaState, Status, Ticket, TicketEvent

Interval = tuple[datetime, datetime]
CLOSED_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})


@dataclass
class History:
    """What the clocks need to know of a ticket's events, in order."""

    opened_at: datetime
    severity: int
    channel: str
    counts: bool = True  # False while an ad hoc case awaits acceptance, or once declined
    statuses: list[tuple[datetime, str]] = field(default_factory=list)  # (from, status)
    responses: list[datetime] = field(default_factory=list)  # public agent replies and logged calls
    onsite_required_at: datetime | None = None
    onsite_arrived_at: datetime | None = None

    def periods(self, statuses: Iterable[str], now: datetime) -> list[Interval]:
        """The periods spent in any of `statuses`, the last one ending `now` if still under way."""
        wanted = set(statuses)
        out: list[Interval] = []
        for index, (since, status) in enumerate(self.statuses):
            if status not in wanted:
                continue
            until = self.statuses[index + 1][0] if index + 1 < len(self.statuses) else now
            if until > since:
                if out and out[-1][1] >= since:
                    out[-1] = (out[-1][0], until)
                else:
                    out.append((since, until))
        return out

    @property
    def status(self) -> str:
        return self.statuses[-1][1] if self.statuses else Status.NEW

    @property
    def last_resolved_at(self) -> datetime | None:
        for since, status in reversed(self.statuses):
            if status not in CLOSED_STATUSES:
                return None
            if status == Status.RESOLVED:
                return since
        return None


def history_of(ticket: Ticket, events: Sequence[TicketEvent]) -> History:
    history = History(opened_at=ticket.opened_at, severity=ticket.severity.level, channel=ticket.channel)
    history.statuses.append((ticket.opened_at, Status.NEW))
    for event in events:
        if event.kind == EventKind.STATUS:
            history.statuses.append((event.at, event.data["to"]))
        elif event.kind in (EventKind.REPLY, EventKind.CALL) and event.actor_contact_id is None:
            # A reply must reach the customer to count; a logged call always does.
            if event.kind == EventKind.CALL or event.public:
                history.responses.append(event.at)
        elif event.kind == EventKind.ONSITE_REQUIRED and history.onsite_required_at is None:
            history.onsite_required_at = event.at
        elif event.kind == EventKind.ONSITE_ARRIVED and history.onsite_required_at is not None:
            history.onsite_arrived_at = history.onsite_arrived_at or event.at
    history.counts = ticket.adhoc_status not in (AdhocStatus.PENDING, AdhocStatus.DECLINED)
    return history


def target_for(
    targets: Iterable[SlaTarget], *, severity: int, metric: str, in_hours: bool, channel: str
) -> SlaTarget | None:
    """The most specific target of the plan for this severity, metric, hours and channel."""
    best: tuple[int, SlaTarget] | None = None
    for target in targets:
        if target.severity.level != severity or target.metric != metric:
            continue
        if target.hours == Hours.IN_HOURS and not in_hours:
            continue
        if target.hours == Hours.OUT_OF_HOURS and in_hours:
            continue
        if target.channels and channel not in target.channels:
            continue
        score = (target.hours != Hours.ANY) + bool(target.channels)
        if best is None or score > best[0]:
            best = (score, target)
    return best[1] if best else None


@dataclass
class ClockState:
    """A clock as derived now; `clocks_refresh` stores it as an `SlaClock` row."""

    metric: str
    target: SlaTarget
    duration: timedelta
    calendar: Calendar
    started_at: datetime
    state: str
    elapsed: timedelta
    pauses: list[Interval]
    due_at: datetime | None = None
    warn_at: datetime | None = None
    met_at: datetime | None = None
    breached_at: datetime | None = None
    cycle: int = 1
    misses: int = 0

    @property
    def remaining(self) -> timedelta:
        return self.duration - self.elapsed

    def explain(self, language: str | None = None) -> Explanation:
        return self.calendar.as_sla().explain(self.started_at, self.duration, self.pauses, language)


def clocks_derive(
    ticket: Ticket,
    events: Sequence[TicketEvent],
    *,
    now: datetime,
    warn_fraction: float = 0.75,
    dues: DueResolver | None = None,
) -> list[ClockState]:
    """Every SLA clock of the ticket as it stands at `now` (see the module docstring for the steps).

    Due and warning times are computed by `dues`: at once by default; a `BulkDueResolver` collects
    them from many tickets and computes them together through the calendars' vectorised path, and
    the clocks are complete only after its `run()`.
    """
    dues = dues or DueResolver()
    plan: Plan | None = ticket.plan
    if plan is None:
        return []
    history = history_of(ticket, events)
    if not history.counts:
        return []
    prefetch_related_objects([plan], "targets__severity")  # a no-op when the caller prefetched them
    targets = list(plan.targets.all())
    if not targets:
        return []
    in_hours = plan.calendar.as_sla().is_open(history.opened_at)
    pause_on = set(plan.pause_on)

    def pick(metric: str, started: datetime) -> SlaTarget | None:
        hours = in_hours if started == history.opened_at else plan.calendar.as_sla().is_open(started)
        return target_for(
            targets, severity=history.severity, metric=metric, in_hours=hours, channel=history.channel
        )

    clocks: list[ClockState] = []
    pauses = history.periods(pause_on, now)
    closed = history.periods(CLOSED_STATUSES, now)
    current_closed = history.status in CLOSED_STATUSES
    paused_now = history.status in pause_on

    # A case resolved or closed before any reply has had its answer: that ends the wait for one.
    first_closed = closed[0][0] if closed else None

    target = pick(Metric.FIRST_RESPONSE, history.opened_at)
    if target:
        met_at = _earliest(history.responses[0] if history.responses else None, first_closed)
        clocks.append(
            _goal_clock(target, history.opened_at, met_at, pauses, paused_now, now, warn_fraction, dues)
        )

    target = pick(Metric.RESOLUTION, history.opened_at)
    if target:
        met_at = history.last_resolved_at if current_closed else None
        if current_closed and met_at is None:
            met_at = history.statuses[-1][0]  # closed without passing through resolved
        # Time between a resolution and a reopening is not the provider's: it stops the clock too.
        stopped = _merge(pauses + [iv for iv in closed if not (current_closed and iv == closed[-1])])
        clocks.append(
            _goal_clock(target, history.opened_at, met_at, stopped, paused_now, now, warn_fraction, dues)
        )

    target = pick(Metric.UPDATE, history.opened_at)
    if target:
        clocks.append(_cadence_clock(target, history, pauses, paused_now, current_closed, now, warn_fraction))

    if history.onsite_required_at is not None:
        target = pick(Metric.ONSITE, history.onsite_required_at)
        if target:
            closed_after = next((a for a, _b in closed if a >= history.onsite_required_at), None)
            arrived = _earliest(history.onsite_arrived_at, closed_after)
            clocks.append(
                _goal_clock(
                    target, history.onsite_required_at, arrived, pauses, paused_now, now, warn_fraction, dues
                )
            )
    return clocks


def _goal_clock(
    target: SlaTarget,
    start: datetime,
    met_at: datetime | None,
    pauses: list[Interval],
    paused_now: bool,
    now: datetime,
    warn_fraction: float,
    dues: DueResolver,
) -> ClockState:
    calendar = target.calendar.as_sla()
    duration = target.counted_duration()
    end = met_at or now
    relevant = [(a, min(b, end)) for a, b in pauses if a < end]
    clock = ClockState(
        metric=target.metric,
        target=target,
        duration=duration,
        calendar=target.calendar,
        started_at=start,
        state=SlaState.RUNNING,
        elapsed=calendar.between(start, end, relevant),
        pauses=relevant,
        met_at=met_at,
    )
    if met_at is None and paused_now:
        # Stopped: no due time until the clock runs again.
        clock.state = SlaState.PAUSED
        return clock
    dues.request(clock, calendar, start, relevant, None if met_at is not None else warn_fraction, now)
    return clock


def _settle(clock: ClockState, due: datetime, warn: datetime | None, now: datetime) -> None:
    """The state of a goal clock once its due time is known."""
    clock.due_at = due
    if clock.met_at is not None:
        clock.state = SlaState.MET
        if clock.met_at > due:
            clock.breached_at = due
        return
    clock.warn_at = warn
    if now >= due:
        clock.state = SlaState.BREACHED
        clock.breached_at = due


class DueResolver:
    """Computes a goal clock's due (and warning) time at once, on its calendar."""

    def request(
        self,
        clock: ClockState,
        calendar: SlaCalendar,
        start: datetime,
        pauses: list[Interval],
        warn_fraction: float | None,
        now: datetime,
    ) -> None:
        due = calendar.add(start, clock.duration, pauses)
        warn = (
            calendar.add(start, clock.duration * warn_fraction, pauses) if warn_fraction is not None else None
        )
        _settle(clock, due, warn, now)


class BulkDueResolver(DueResolver):
    """Collects due-time requests from many clocks and computes them per calendar in one vectorised
    call (`Calendar.add_many`), for recomputing every open clock after a plan or calendar change.

    `add_many` takes no pauses, so each request is first reduced to an equivalent one without:
    after the last pause there is none, so with `anchor` = the end of the last pause (or the start)
    and `e` = the business time counted by then, the due time is `add(anchor, d - e)` — unless the
    target was already used up before the anchor, which is computed at once (a rare case).
    """

    def __init__(self) -> None:
        self._pending: dict[
            int, tuple[SlaCalendar, list[tuple[ClockState, datetime, timedelta, timedelta | None, datetime]]]
        ] = {}

    def request(
        self,
        clock: ClockState,
        calendar: SlaCalendar,
        start: datetime,
        pauses: list[Interval],
        warn_fraction: float | None,
        now: datetime,
    ) -> None:
        anchor = max([start, *(b for _a, b in pauses)]) if pauses else start
        counted = calendar.between(start, anchor, pauses) if pauses else timedelta(0)
        warn_d = clock.duration * warn_fraction if warn_fraction is not None else None
        if counted >= (warn_d if warn_d is not None else clock.duration):
            super().request(clock, calendar, start, pauses, warn_fraction, now)
            return
        left = clock.duration - counted
        warn_left = warn_d - counted if warn_d is not None else None
        self._pending.setdefault(id(calendar), (calendar, []))[1].append(
            (clock, anchor, left, warn_left, now)
        )

    def run(self) -> int:
        import numpy as np

        done = 0
        for calendar, items in self._pending.values():
            anchors = np.array([_us(a - _EPOCH) for _c, a, _l, _w, _n in items], dtype="int64").astype(
                "datetime64[us]"
            )
            lefts = np.array([_us(left) for _c, _a, left, _w, _n in items], dtype="int64").astype(
                "timedelta64[us]"
            )
            warns = np.array(
                [_us(w) if w is not None else 0 for _c, _a, _l, w, _n in items], dtype="int64"
            ).astype("timedelta64[us]")
            due_times = calendar.add_many(anchors, lefts)
            warn_times = calendar.add_many(anchors, warns)
            for (clock, _a, _l, warn_left, now), due, warn in zip(items, due_times, warn_times, strict=True):
                _settle(clock, _from_us(due), _from_us(warn) if warn_left is not None else None, now)
            done += len(items)
        self._pending.clear()
        return done


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _us(value: timedelta) -> int:
    return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds


def _from_us(value: Any) -> datetime:
    return _EPOCH + timedelta(microseconds=int(value.astype("int64")))


def _cadence_clock(
    target: SlaTarget,
    history: History,
    pauses: list[Interval],
    paused_now: bool,
    closed_now: bool,
    now: datetime,
    warn_fraction: float,
) -> ClockState:
    """An update due every `target` of business time since the last one (NETCOR: "täglich verfolgt").

    Each update restarts the interval; an update that came after its due time counts as a miss.
    The cadence ends when the case is resolved or closed.
    """
    calendar = target.calendar.as_sla()
    duration = target.counted_duration()
    end = (history.last_resolved_at or history.statuses[-1][0]) if closed_now else now
    anchor = history.opened_at
    misses = 0
    updates = [t for t in history.responses if t <= end]
    for update in updates:
        due = calendar.add(anchor, duration, [iv for iv in pauses if iv[1] > anchor])
        if update > due:
            misses += 1
        anchor = update
    relevant = [(max(a, anchor), min(b, end)) for a, b in pauses if b > anchor and a < end]
    clock = ClockState(
        metric=target.metric,
        target=target,
        duration=duration,
        calendar=target.calendar,
        started_at=anchor,
        state=SlaState.RUNNING,
        elapsed=calendar.between(anchor, end, relevant),
        pauses=relevant,
        cycle=len(updates) + 1,
        misses=misses,
    )
    if closed_now:
        clock.state = SlaState.MET
        clock.met_at = end
        clock.due_at = calendar.add(anchor, duration, relevant)
        if end > clock.due_at:
            clock.misses += 1
        if clock.misses:
            clock.breached_at = clock.due_at
        return clock
    if paused_now:
        clock.state = SlaState.PAUSED
        return clock
    clock.due_at = calendar.add(anchor, duration, relevant)
    clock.warn_at = calendar.add(anchor, duration * warn_fraction, relevant)
    if now >= clock.due_at:
        clock.state = SlaState.BREACHED
        clock.breached_at = clock.due_at
    return clock


def _earliest(*instants: datetime | None) -> datetime | None:
    present = [t for t in instants if t is not None]
    return min(present) if present else None


def _merge(intervals: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def ticket_sla_summary(clocks: Sequence[ClockState]) -> tuple[datetime | None, str]:
    """(next due time, overall state) for the ticket row: the earliest due time of a clock still
    counting, and the worst state (breached, running, paused, met)."""
    counting = [c.due_at for c in clocks if c.state in (SlaState.RUNNING, SlaState.BREACHED) and c.due_at]
    states = {c.state for c in clocks}
    for state in (SlaState.BREACHED, SlaState.RUNNING, SlaState.PAUSED, SlaState.MET):
        if state in states:
            return (min(counting) if counting else None), state
    return None, ""
