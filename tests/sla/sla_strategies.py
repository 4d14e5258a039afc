"""Hypothesis strategies shared by the SLA property tests: random calendars, starts, pauses.

Random weekly calendars (several windows a day, windows past midnight, whole days, closed days)
in six zones with DST in both hemispheres, with holidays from the ``holidays`` package or listed,
and extra closed dates; starts clustered around DST changes, holidays and UTC year boundaries
(where the engine's per-year cache is cut); pauses that overlap and lie in or out of hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st

from .sla_reference import MINUTE

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ZONES = (
    "Europe/London",
    "Europe/Berlin",
    "Europe/Oslo",
    "Europe/Paris",
    "America/New_York",
    "Australia/Sydney",
)
COUNTRY_HOLIDAYS = (
    {"country": "GB", "subdiv": "ENG"},
    {"country": "DE", "subdiv": "NI"},
    {"country": "NO"},
    {"country": "FR", "subdiv": "972"},
    {"country": "FR"},
    {"country": "US"},
    {"country": "AU", "subdiv": "NSW"},
)
# Instants where things happen: DST changes in every zone above, holidays, UTC year ends.
ANCHORS = tuple(
    datetime.fromisoformat(text).replace(tzinfo=UTC)
    for text in (
        "2026-03-29T01:00",  # EU spring forward
        "2026-10-25T01:00",  # EU fall back
        "2026-03-08T07:00",  # New York spring forward
        "2026-11-01T06:00",  # New York fall back
        "2026-04-04T16:00",  # Sydney fall back (southern autumn)
        "2026-10-03T16:00",  # Sydney spring forward
        "2026-12-24T12:00",  # Christmas, Boxing Day observed on Monday 28th (GB)
        "2026-04-03T09:00",  # Easter 2026
        "2027-05-17T08:00",  # NO: two holidays on one day
        "2028-10-31T08:00",  # DE-NI Reformationstag on a Tuesday
        "2026-12-31T23:30",  # UTC year boundary: the engine's cache is cut here
        "2027-12-31T22:00",
    )
)
# Compare instants in UTC: PEP 495 makes ``==`` between different zones False for a local time in
# a DST fold (01:00 fold=1 London vs 01:00 UTC), even though both are the same instant.


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def day_hours(draw: st.DrawFn) -> list[str]:
    """0–3 non-overlapping windows of one day; the last may run past midnight."""
    kind = draw(st.sampled_from(["closed", "whole", "windows", "windows", "windows", "windows"]))
    if kind == "closed":
        return []
    if kind == "whole":
        return ["00:00-24:00"]
    step = draw(st.sampled_from([60, 30, 15, 1]))
    n = draw(st.integers(1, 3))
    points = sorted(draw(st.sets(st.integers(0, 2160 // step - 1), min_size=2 * n, max_size=2 * n)))
    windows = []
    for k in range(n):
        start, end = points[2 * k] * step, points[2 * k + 1] * step
        if start >= 1440 or end - start >= 1440:
            continue
        if end == 1440:
            windows.append(f"{_hhmm(start)}-24:00")
        else:
            windows.append(f"{_hhmm(start)}-{_hhmm(end % 1440)}")
    return windows


def weekly_minutes(spec: dict) -> int:
    total = 0
    for items in spec["hours"].values():
        for item in items:
            a, b = item.split("-")
            start = int(a[:2]) * 60 + int(a[3:])
            end = int(b[:2]) * 60 + int(b[3:])
            total += end - start if end > start else end + 1440 - start
    return total


def _near(draw: st.DrawFn, anchor: datetime, days: int) -> datetime:
    return anchor + draw(st.integers(-days * 1440, days * 1440)) * MINUTE


@st.composite
def specs(draw: st.DrawFn, zone: str | None = None) -> dict:
    hours = {day: draw(day_hours()) for day in DAYS}
    assume(any(hours.values()))
    spec: dict = {
        "timezone": zone or draw(st.sampled_from(ZONES)),
        # A closed day may be written as [] or left out; both must mean closed.
        "hours": {day: v for day, v in hours.items() if v or draw(st.booleans())},
    }
    holidays = draw(st.sampled_from([None, "listed", *COUNTRY_HOLIDAYS]))
    if holidays == "listed":
        spec["holidays"] = sorted(
            {
                _near(draw, draw(st.sampled_from(ANCHORS)), 8).date().isoformat()
                for _ in range(draw(st.integers(1, 5)))
            }
        )
    elif holidays is not None:
        spec["holidays"] = holidays
    if draw(st.booleans()):
        spec["closed"] = [
            {"date": _near(draw, draw(st.sampled_from(ANCHORS)), 8).date().isoformat(), "name": "Shutdown"}
            for _ in range(draw(st.integers(1, 4)))
        ]
    return spec


@st.composite
def starts(draw: st.DrawFn) -> datetime:
    return _near(draw, draw(st.sampled_from(ANCHORS)), 10)


@st.composite
def pause_lists(draw: st.DrawFn, around: datetime) -> list[tuple[datetime, datetime]]:
    pauses = []
    for _ in range(draw(st.integers(0, 3))):
        start = around + draw(st.integers(-1440, 8 * 1440)) * MINUTE
        pauses.append((start, start + draw(st.integers(0, 3 * 1440)) * MINUTE))
    return pauses


@st.composite
def add_cases(draw: st.DrawFn) -> tuple[dict, datetime, int, list]:
    # Drawn first: hypothesis leans towards the simplest values for draws late in a long
    # composite, which left most durations at zero.
    raw = draw(
        st.one_of(
            st.just(0), st.integers(1, 600), st.integers(0, 3 * 24 * 60), st.integers(24 * 60, 3 * 24 * 60)
        )
    )
    start = draw(starts())
    spec = draw(specs())
    # At most ~10 weeks of this calendar's open time, so the reference stays quick on sparse calendars.
    minutes = min(raw, 10 * weekly_minutes(spec))
    return spec, start, minutes, draw(pause_lists(start))


micro_durations = st.integers(0, 3 * 86_400_000_000).map(lambda us: timedelta(microseconds=us))


@st.composite
def precise_starts(draw: st.DrawFn) -> datetime:
    return draw(starts()) + timedelta(microseconds=draw(st.integers(0, 3_600_000_000)))
