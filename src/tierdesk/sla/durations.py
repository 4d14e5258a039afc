"""Durations as written in catalog files: ``"30m"``, ``"4h"``, ``"8h30"``, ``"1h30m"``, ``"2d"``, ``"PT4H"``.

Only whole units and exact fractions of a second are accepted: float hours are a bug class in
peers' SLA code (``1.1h`` is not a whole number of microseconds), so ``"1.5h"`` is refused and
must be written ``"1h30"``.
"""

from __future__ import annotations

import re
from datetime import timedelta

__all__ = ["parse_duration"]

# Compact form: optional days, hours, minutes, seconds, in that order, with optional spaces between
# components.  A bare number right after the hours is minutes ("8h30"), as people write it.
_COMPACT = re.compile(
    r"""
    \s*
    (?:(?P<d>\d+)\s*d\s*)?
    (?:(?P<h>\d+)\s*h\s*(?:(?P<hm>\d+)\s*$)?)?
    (?:(?P<m>\d+)\s*(?:m|min)\s*)?
    (?:(?P<s>\d+(?:\.\d{1,6})?)\s*s\s*)?
    """,
    re.VERBOSE | re.IGNORECASE,
)

# ISO 8601 durations limited to exact units: PnW, PnD and TnHnMnS (years and months have no fixed
# length, so they are refused rather than guessed).
_ISO = re.compile(
    r"""
    P
    (?:(?P<w>\d+)W)?
    (?:(?P<d>\d+)D)?
    (?:T
        (?:(?P<h>\d+)H)?
        (?:(?P<m>\d+)M)?
        (?:(?P<s>\d+(?:[.,]\d{1,6})?)S)?
    )?
    """,
    re.VERBOSE | re.IGNORECASE,
)


def _seconds_to_timedelta(text: str) -> timedelta:
    """Exact seconds (up to 6 decimals) as a timedelta, without going through a float."""
    whole, _, frac = text.replace(",", ".").partition(".")
    return timedelta(seconds=int(whole), microseconds=int(frac.ljust(6, "0")) if frac else 0)


def parse_duration(text: str) -> timedelta:
    """Parse a duration written in a catalog file into an exact ``timedelta``.

    Accepted forms (case-insensitive, spaces allowed between components)::

        "30m"  "30min"  "4h"  "8h30"  "1h30m"  "2d"  "1d4h"  "90s"  "1.5s"  "0m"
        "PT4H"  "P2D"  "P1DT2H30M"  "PT0.25S"  "P1W"

    ``"2d"`` is two days of *elapsed business time* (48 h), not two business days; business days
    are ``Calendar.business_days(n)``.  Raises ``ValueError`` on anything else, including negative
    durations, and ``TypeError`` when *text* is not a string.
    """
    if not isinstance(text, str):
        raise TypeError(f"duration must be a string such as '4h' or 'PT4H', not {type(text).__name__}")
    stripped = text.strip()
    if stripped.startswith("-"):
        raise ValueError(f"{text!r} is negative; durations must be zero or more")
    if not stripped:
        raise ValueError("empty duration; write e.g. '30m', '4h', '8h30', '2d' or 'PT4H'")

    if stripped[:1] in "pP":
        match = _ISO.fullmatch(stripped)
        # "P" and "PT" alone match the pattern with every group empty: refuse them.
        if match is None or not any(match.groupdict().values()) or stripped.upper().endswith("T"):
            raise ValueError(f"{text!r} is not a valid ISO 8601 duration (e.g. 'PT4H', 'P1DT2H30M')")
        parts = match.groupdict()
        result = timedelta(
            weeks=int(parts["w"] or 0),
            days=int(parts["d"] or 0),
            hours=int(parts["h"] or 0),
            minutes=int(parts["m"] or 0),
        )
        if parts["s"]:
            result += _seconds_to_timedelta(parts["s"])
        return result

    match = _COMPACT.fullmatch(stripped)
    if match is None and re.search(r"\d[.,]\d+\s*[dhm]", stripped, re.IGNORECASE):
        raise ValueError(f"{text!r}: fractions are only allowed on seconds; write e.g. '1h30' for 1.5 hours")
    if match is None or not any(match.groupdict().values()):
        raise ValueError(
            f"{text!r} is not a valid duration; write e.g. '30m', '4h', '8h30', '1h30m', '2d', '90s'"
        )
    parts = match.groupdict()
    if parts["hm"] is not None and int(parts["hm"]) >= 60:
        raise ValueError(f"{text!r}: minutes after hours must be below 60")
    result = timedelta(
        days=int(parts["d"] or 0),
        hours=int(parts["h"] or 0),
        minutes=int(parts["hm"] or 0) + int(parts["m"] or 0),
    )
    if parts["s"]:
        result += _seconds_to_timedelta(parts["s"])
    return result
