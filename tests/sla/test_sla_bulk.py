"""The vectorised bulk path: add_many and between_many."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from tierdesk.sla import Calendar

LONDON = ZoneInfo("Europe/London")
NEXSTOR = Calendar.from_dict(
    {
        "timezone": "Europe/London",
        "hours": {d: ["08:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        "holidays": {"country": "GB", "subdiv": "ENG"},
    }
)


def test_add_many_takes_datetime64_utc_and_returns_datetime64_utc() -> None:
    starts = np.array(["2026-03-06T17:50", "2026-12-24T17:50", "2026-03-09T10:00"], dtype="datetime64[us]")
    durations = np.array([4, 4, 0], dtype="timedelta64[h]")
    due = NEXSTOR.add_many(starts, durations)
    assert due.dtype == np.dtype("datetime64[us]")
    assert due.tolist() == [
        datetime(2026, 3, 9, 11, 50),
        datetime(2026, 12, 29, 11, 50),
        datetime(2026, 3, 9, 10, 0),
    ]


def test_add_many_takes_aware_datetimes_and_timedeltas() -> None:
    starts = [datetime(2026, 3, 6, 17, 50, tzinfo=LONDON), datetime(2026, 7, 3, 17, 50, tzinfo=LONDON)]
    due = NEXSTOR.add_many(starts, [timedelta(hours=4), timedelta(hours=4)])
    # July is BST: 11:50 local is 10:50 UTC.
    assert due.tolist() == [datetime(2026, 3, 9, 11, 50), datetime(2026, 7, 6, 10, 50)]
    assert NEXSTOR.add_many(starts, timedelta(hours=4)).tolist() == due.tolist()


def test_add_many_grows_its_timeline_for_long_targets() -> None:
    cal = Calendar.from_dict(
        {
            "timezone": "Europe/London",
            "hours": {"mon": ["08:00-18:00"]},
            "holidays": {"country": "GB", "subdiv": "ENG"},
        }
    )
    start = datetime(2026, 3, 6, 17, 50, tzinfo=LONDON)
    long = timedelta(days=200)  # 480 Mondays of 10 hours: about nine years
    due = cal.add_many([start], [long])
    assert due[0].item() == cal.add(start, long).astimezone(UTC).replace(tzinfo=None)


def test_between_many_is_zero_when_the_end_is_not_after_the_start() -> None:
    a = np.array(["2026-03-09T08:00", "2026-03-09T12:00"], dtype="datetime64[us]")
    b = np.array(["2026-03-10T08:00", "2026-03-09T08:00"], dtype="datetime64[us]")
    assert NEXSTOR.between_many(a, b).tolist() == [timedelta(hours=10), timedelta(0)]


def test_one_million_clocks_match_the_scalar_path_on_a_sample() -> None:
    rng = np.random.default_rng(7)
    n = 1_000_000
    starts = np.datetime64("2026-01-01T00:00", "us") + rng.integers(0, 365 * 86_400_000_000, n).astype(
        "timedelta64[us]"
    )
    durations = rng.integers(0, 5 * 86_400_000_000, n).astype("timedelta64[us]")
    due = NEXSTOR.add_many(starts, durations)
    for i in rng.integers(0, n, 200):
        start = starts[i].item().replace(tzinfo=UTC)
        assert due[i].item() == NEXSTOR.add(start, durations[i].item()).astimezone(UTC).replace(tzinfo=None)
    assert (NEXSTOR.between_many(starts, due) == durations).all()


@pytest.mark.parametrize(
    ("starts", "durations", "error", "message"),
    [
        (np.array(["NaT"], dtype="datetime64[us]"), np.array([1], dtype="timedelta64[h]"), ValueError, "NaT"),
        (
            np.array(["2026-03-09"], dtype="datetime64[us]"),
            np.array([-1], dtype="timedelta64[h]"),
            ValueError,
            "negative",
        ),
        (
            np.array(["2026-03-09"], dtype="datetime64[us]"),
            np.array([1, 2], dtype="timedelta64[h]"),
            ValueError,
            "one per start",
        ),
        ([datetime(2026, 3, 9, 10, 0)], [timedelta(hours=1)], ValueError, r"starts\[0\]: naive datetime"),
    ],
)
def test_bad_bulk_inputs_are_refused(starts, durations, error, message) -> None:
    with pytest.raises(error, match=message):
        NEXSTOR.add_many(starts, durations)


def test_empty_batches() -> None:
    empty = np.array([], dtype="datetime64[us]")
    assert NEXSTOR.add_many(empty, np.array([], dtype="timedelta64[us]")).shape == (0,)
    assert NEXSTOR.between_many(empty, empty).shape == (0,)
