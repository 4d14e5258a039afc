"""Catalog calendars compiled into `tierdesk.sla` calendars, cached per process.

A compiled calendar precomputes its open intervals year by year, so it is worth keeping between
requests; the cache key includes the row's `updated_at`, so an edit in the admin or a catalog reload
is picked up by every process on its next use.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tierdesk.sla import Calendar as SlaCalendar

if TYPE_CHECKING:
    from .models import Calendar

ALWAYS_HOURS = {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


class CalendarSpecError(ValueError):
    """A calendar spec the business-time engine refuses; the message names the key and the problem."""


def validate_spec(spec: dict[str, Any]) -> SlaCalendar:
    try:
        return SlaCalendar.from_dict(spec)
    except ValueError as exc:
        raise CalendarSpecError(str(exc)) from None


_lock = threading.Lock()
_cache: dict[int, tuple[datetime, SlaCalendar]] = {}


def compiled_calendar(calendar: Calendar) -> SlaCalendar:
    key = calendar.pk
    cached = _cache.get(key)
    if cached is not None and cached[0] == calendar.updated_at:
        return cached[1]
    compiled = SlaCalendar.from_dict(calendar.spec())
    with _lock:
        _cache[key] = (calendar.updated_at, compiled)
    return compiled
