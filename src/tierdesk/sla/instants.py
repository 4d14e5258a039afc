"""Instants as integers: microseconds since 1970-01-01 UTC.

The engine does all arithmetic on these integers (exact, no float seconds, no wall-clock
arithmetic) and converts to aware datetimes only at the edges.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta, tzinfo

__all__ = [
    "DAY_US",
    "EPOCH",
    "MAX_YEAR",
    "MIN_YEAR",
    "from_us",
    "local_to_us",
    "td_to_us",
    "to_us",
    "us_to_td",
    "year_of",
    "year_start",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
DAY_US = 86_400_000_000

#: The engine works in UTC years MIN_YEAR..MAX_YEAR; a margin of one year at each end of
#: ``datetime``'s range leaves room for local dates on either side of a year.
MIN_YEAR = 2
MAX_YEAR = 9998

# Start of each UTC year in µs, for an O(log n) year lookup without building a datetime.
_YEAR_STARTS: list[int] = [
    (datetime(year, 1, 1, tzinfo=UTC) - EPOCH) // _ONE_US for year in range(MIN_YEAR, MAX_YEAR + 2)
]


def year_start(year: int) -> int:
    """First µs of a UTC year."""
    return _YEAR_STARTS[year - MIN_YEAR]


def year_of(us: int) -> int:
    """The UTC year an instant falls in; ``ValueError`` outside MIN_YEAR..MAX_YEAR."""
    index = bisect_right(_YEAR_STARTS, us) - 1
    if index < 0 or index >= len(_YEAR_STARTS) - 1:
        raise ValueError(f"instant outside the supported years {MIN_YEAR}..{MAX_YEAR}")
    return MIN_YEAR + index


def to_us(value: object, what: str) -> int:
    """An aware datetime as µs since the epoch; naive datetimes are refused.

    *what* names the argument in the error (``"start"``, ``"pauses[1][0]"``).  This is on the hot
    path of every scalar call, so the common case is one subtraction and one division.
    """
    if not isinstance(value, datetime):
        raise TypeError(f"{what}: expected an aware datetime, not {type(value).__name__}")
    if value.tzinfo is not None:
        try:
            return (value - EPOCH) // _ONE_US
        except TypeError:
            pass  # a tzinfo whose utcoffset() is None: naive in Python's eyes
    raise ValueError(
        f"{what}: naive datetime {value.isoformat()} refused; pass an aware datetime "
        "(e.g. with tzinfo=ZoneInfo('Europe/London') or UTC) so the instant is unambiguous"
    )


_LOCAL_EPOCHS: dict[tzinfo, datetime] = {}


def from_us(us: int, tz: tzinfo) -> datetime:
    """µs since the epoch as an aware datetime in *tz*.

    ``tz.fromutc`` on the epoch's wall time plus the offset is what ``astimezone`` does inside,
    without its checks; it is twice as fast and sets ``fold`` for the repeated hour the same way.
    """
    epoch = _LOCAL_EPOCHS.get(tz)
    if epoch is None:
        epoch = _LOCAL_EPOCHS.setdefault(tz, datetime(1970, 1, 1, tzinfo=tz))
    return tz.fromutc(epoch + timedelta(0, 0, us))


def local_to_us(day: date, seconds: int, tz: tzinfo) -> int:
    """Local wall time *seconds* after midnight of *day* (may exceed 24 h) as µs since the epoch.

    ``fold=0``: a time that does not exist (spring forward) takes the offset in force before the
    gap, which maps it forward by the gap's length (PEP 495); a repeated time (fall back) is its
    first occurrence.
    """
    extra_days, seconds = divmod(seconds, 86_400)
    if extra_days:
        day = day + timedelta(days=extra_days)
    hour, rest = divmod(seconds, 3600)
    minute, second = divmod(rest, 60)
    local = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=tz)
    return (local - EPOCH) // _ONE_US


def td_to_us(value: object, what: str) -> int:
    """A non-negative timedelta as whole µs."""
    if not isinstance(value, timedelta):
        raise TypeError(
            f"{what}: expected a timedelta, not {type(value).__name__} (use parse_duration('4h') for text)"
        )
    us = value // _ONE_US
    if us < 0:
        raise ValueError(f"{what}: {value} is negative; durations must be zero or more")
    return us


def us_to_td(us: int) -> timedelta:
    return timedelta(microseconds=us)
