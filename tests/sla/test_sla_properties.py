"""Property tests: the engine against the brute-force minute-stepping reference.

The calendars, starts, durations and pauses come from ``sla_strategies``; the reference is
``sla_reference``, which shares no code with the engine.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tierdesk.sla import Calendar

from .sla_reference import MINUTE, RefUnion, RefWeekly, ref_add, ref_between, ref_intervals
from .sla_strategies import (
    FAST,
    ZONES,
    add_cases,
    micro_durations,
    pause_lists,
    precise_starts,
    specs,
    starts,
    utc,
    weekly_minutes,
)


@FAST
@given(add_cases())
def test_add_matches_minute_stepping_reference(case: tuple[dict, datetime, int, list]) -> None:
    spec, start, minutes, pauses = case
    cal = Calendar.from_dict(spec)
    expected = ref_add(RefWeekly(spec), start, minutes, pauses)
    got = cal.add(start, timedelta(minutes=minutes), pauses)
    assert utc(got) == expected, (spec, start, minutes, pauses)
    assert got.tzinfo == cal.timezone


@FAST
@given(st.integers(0, 12 * 1440), specs(), starts(), st.data())
def test_between_matches_minute_stepping_reference(
    span: int, spec: dict, a: datetime, data: st.DataObject
) -> None:
    pauses = data.draw(pause_lists(a))
    b = a + span * MINUTE
    cal = Calendar.from_dict(spec)
    expected = ref_between(RefWeekly(spec), a, b, pauses)
    assert cal.between(a, b, pauses) == timedelta(minutes=expected)
    assert cal.between(b, a, pauses) == timedelta(0)


@FAST
@given(st.integers(1, 10 * 1440), specs(), starts())
def test_is_open_next_open_and_intervals_match_reference(span: int, spec: dict, a: datetime) -> None:
    cal = Calendar.from_dict(spec)
    ref = RefWeekly(spec)
    b = a + span * MINUTE
    runs = ref_intervals(ref, a, b)
    got = cal.open_intervals(a, b)
    assert [(utc(s), utc(e)) for s, e in got] == runs
    assert all(s.tzinfo == cal.timezone for s, _ in got)
    mask = ref.mask(a, span)
    for i in (0, span // 3, span // 2, span - 1):
        assert cal.is_open(a + i * MINUTE) == bool(mask[i])
    if runs:
        assert utc(cal.next_open(a)) == runs[0][0]


@FAST
@given(st.integers(0, 2 * 1440), specs(), specs(), st.sampled_from(ZONES), starts(), st.data())
def test_union_matches_reference(
    minutes: int, first: dict, second: dict, zone: str, start: datetime, data: st.DataObject
) -> None:
    union = Calendar.union([Calendar.from_dict(first), Calendar.from_dict(second)], timezone=zone)
    ref = RefUnion([RefWeekly(first), RefWeekly(second)])
    pauses = data.draw(pause_lists(start))
    limit = 6 * (weekly_minutes(first) + weekly_minutes(second))
    minutes = min(minutes, limit)
    assert utc(union.add(start, timedelta(minutes=minutes), pauses)) == ref_add(ref, start, minutes, pauses)
    end = start + data.draw(st.integers(0, 8 * 1440)) * MINUTE
    assert union.between(start, end, pauses) == timedelta(minutes=ref_between(ref, start, end, pauses))
    assert union.is_open(start) == ref.is_open_slow(start)


@settings(max_examples=40, deadline=None)
@given(specs(), starts())
def test_reference_grid_agrees_with_its_own_instant_predicate(spec: dict, a: datetime) -> None:
    """The reference checks itself: its minute grid against a from-scratch test of each instant."""
    ref = RefWeekly(spec)
    count = 3 * 1440
    mask = ref.mask(a, count)
    for i in range(0, count, 7):
        assert bool(mask[i]) == ref.is_open_slow(a + i * MINUTE)


# --------------------------------------------------------------------------- beyond whole minutes


@FAST
@given(specs(), precise_starts(), micro_durations, st.data())
def test_due_is_the_earliest_instant_with_the_duration_elapsed(
    spec: dict, start: datetime, duration: timedelta, data: st.DataObject
) -> None:
    """With microsecond inputs: exactly *duration* has elapsed at the due time, and less just before."""
    pauses = data.draw(pause_lists(start))
    cal = Calendar.from_dict(spec)
    due = cal.add(start, duration, pauses)
    assert due >= start
    assert cal.between(start, due, pauses) == duration
    if duration:
        assert cal.between(start, due - timedelta(microseconds=1), pauses) < duration
    else:
        assert cal.is_open(due)


@FAST
@given(specs(), precise_starts(), micro_durations, micro_durations)
def test_add_composes(spec: dict, start: datetime, first: timedelta, second: timedelta) -> None:
    assume(second > timedelta(0))
    cal = Calendar.from_dict(spec)
    assert utc(cal.add(cal.add(start, first), second)) == utc(cal.add(start, first + second))


@settings(max_examples=30, deadline=None)
@given(specs(), st.lists(st.tuples(precise_starts(), micro_durations), min_size=1, max_size=40))
def test_bulk_path_matches_scalar_path(spec: dict, cases: list[tuple[datetime, timedelta]]) -> None:
    cal = Calendar.from_dict(spec)
    starts_ = np.array([s.astimezone(UTC).replace(tzinfo=None) for s, _ in cases], dtype="datetime64[us]")
    durations = np.array([d for _, d in cases], dtype="timedelta64[us]")
    due = cal.add_many(starts_, durations)
    expected = [cal.add(s, d).astimezone(UTC).replace(tzinfo=None) for s, d in cases]
    assert due.tolist() == expected
    elapsed = cal.between_many(starts_, due)
    assert elapsed.tolist() == [cal.between(s, cal.add(s, d)) for s, d in cases]
    reversed_ = cal.between_many(due, starts_)
    assert all(x == timedelta(0) or s == e for x, s, e in zip(reversed_.tolist(), starts_, due, strict=True))


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(add_cases())
def test_add_matches_reference_many_examples(case: tuple[dict, datetime, int, list]) -> None:
    """The same property as above with more examples, for CI."""
    spec, start, minutes, pauses = case
    assert utc(Calendar.from_dict(spec).add(start, timedelta(minutes=minutes), pauses)) == ref_add(
        RefWeekly(spec), start, minutes, pauses
    )
