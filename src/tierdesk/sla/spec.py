"""Reading and validating a calendar spec (the dict form of a catalog's ``[calendars.*]`` table).

Every error is a ``ValueError`` whose message is ``<key path>: <problem>`` so that the catalog
loader can put the file name and plan key in front, e.g.
``hours.mon[0]: '25:00-26:00' is not a valid time range``.

Decisions where DESIGN.md is silent, made here and documented in the error messages:

* Two windows of the *same* day that overlap are refused (a catalog typo such as ``08:00-12:00`` and
  ``11:00-17:00`` is more likely than an intended overlap).  Touching windows (``08:00-12:00``,
  ``12:00-17:00``) are allowed.  A window past midnight may overlap the *next* day's windows: the
  two belong to different days (a holiday on the next day only closes the next day's windows), and
  the engine merges them.
* ``"06:00-06:00"`` is a zero-length window and refused; a whole day is ``"00:00-24:00"``.
* ``24:00`` is only valid as a closing time.
* Unknown keys are refused rather than ignored, so a misspelt ``"closd"`` cannot silently do nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tierdesk.sla.closures import CountryHolidays, HolidaySource, ListedHolidays, country_default_language
from tierdesk.sla.durations import parse_duration

__all__ = ["LANGUAGES", "WEEKDAYS", "WeeklySpec", "Window", "load_timezone", "parse_language", "parse_spec"]

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Languages that ``explain`` can render.
LANGUAGES: tuple[str, ...] = ("de", "en", "fr", "nb")

DAY = 86_400  # seconds
_TIME_RANGE = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_KNOWN_KEYS = ("closed", "day_length", "holidays", "hours", "language", "timezone")


@dataclass(frozen=True, slots=True)
class Window:
    """One weekly opening window, in seconds from local midnight of the day it opens.

    ``end`` is greater than ``start``; it exceeds 86 400 for a window that runs past midnight
    (``"22:00-06:00"`` is ``Window(79200, 108000)``) and equals 86 400 for ``"…-24:00"``.
    """

    start: int
    end: int
    text: str

    @property
    def length(self) -> timedelta:
        """Nominal length (on a day without a DST change)."""
        return timedelta(seconds=self.end - self.start)


@dataclass(frozen=True, slots=True)
class WeeklySpec:
    """A validated calendar spec; ``windows[0]`` is Monday."""

    timezone: ZoneInfo
    windows: tuple[tuple[Window, ...], ...]
    holidays: HolidaySource | None
    closed: Mapping[date, str | None]
    day_length: timedelta
    language: str
    source: Mapping[str, Any]


def load_timezone(name: object, path: str = "timezone") -> ZoneInfo:
    """An IANA zone, or ``ValueError("timezone: unknown time zone '…'")``."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"{path}: expected an IANA time zone name such as 'Europe/London'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        # ValueError: ZoneInfo refuses keys like "../etc/passwd" or absolute paths.
        raise ValueError(f"{path}: unknown time zone {name!r}") from None


def _parse_window(text: object, path: str) -> Window:
    if not isinstance(text, str):
        raise ValueError(f"{path}: expected a time range such as '08:00-18:00', not {text!r}")
    match = _TIME_RANGE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{path}: {text!r} is not a valid time range (write 'HH:MM-HH:MM')")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        raise ValueError(f"{path}: {text!r} is not a valid time range")
    start, end = (h1 * 60 + m1) * 60, (h2 * 60 + m2) * 60
    if start == end:
        raise ValueError(f"{path}: window {text!r} has zero length (a whole day is '00:00-24:00')")
    if end < start:
        end += DAY  # runs past midnight, still belongs to the day it opens
    return Window(start, end, text.strip())


def _parse_hours(hours: object) -> tuple[tuple[Window, ...], ...]:
    if not isinstance(hours, Mapping):
        raise ValueError("hours: expected a table of weekdays, e.g. {'mon': ['08:00-18:00']}")
    days: list[tuple[Window, ...]] = [() for _ in WEEKDAYS]
    for key, value in hours.items():
        if key not in WEEKDAYS:
            raise ValueError(f"hours.{key}: unknown weekday (use {', '.join(WEEKDAYS)})")
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise ValueError(f"hours.{key}: expected a list of windows such as ['08:00-18:00']")
        windows = [_parse_window(item, f"hours.{key}[{i}]") for i, item in enumerate(value)]
        order = sorted(range(len(windows)), key=lambda i: windows[i].start)
        for before, after in pairwise(order):
            if windows[after].start < windows[before].end:
                raise ValueError(
                    f"hours.{key}[{after}]: window {windows[after].text!r} overlaps "
                    f"hours.{key}[{before}] {windows[before].text!r}"
                )
        days[WEEKDAYS.index(key)] = tuple(windows[i] for i in order)
    return tuple(days)


def _parse_date(value: object, path: str) -> date:
    if isinstance(value, date):
        # TOML gives dates natively; a datetime is a date subclass but means something else.
        if type(value) is not date:
            raise ValueError(f"{path}: expected a date, not a date and time ({value!r})")
        return value
    if not isinstance(value, str):
        raise ValueError(f"{path}: expected an ISO date such as '2026-12-25', not {value!r}")
    try:
        # fromisoformat also takes "20261225" and week dates; a catalog should say YYYY-MM-DD.
        if _ISO_DATE.fullmatch(value) is None:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{path}: {value!r} is not an ISO date (YYYY-MM-DD)") from None


def _parse_dated_list(items: object, path: str) -> dict[date, str | None]:
    """A list of ``"2026-12-29"`` or ``{"date": "2026-12-29", "name": "Shutdown"}`` entries."""
    if isinstance(items, str) or not isinstance(items, Sequence):
        raise ValueError(f"{path}: expected a list of ISO dates")
    result: dict[date, str | None] = {}
    for i, item in enumerate(items):
        here = f"{path}[{i}]"
        name: str | None = None
        if isinstance(item, Mapping):
            for key in item:
                if key not in ("date", "name"):
                    raise ValueError(f"{here}.{key}: unknown key (use 'date' and 'name')")
            if "date" not in item:
                raise ValueError(f"{here}.date: required")
            day = _parse_date(item["date"], f"{here}.date")
            raw_name = item.get("name")
            if raw_name is not None and (not isinstance(raw_name, str) or not raw_name.strip()):
                raise ValueError(f"{here}.name: expected a non-empty string")
            name = raw_name.strip() if raw_name else None
        else:
            day = _parse_date(item, here)
        if day in result and name is None:
            continue  # a repeated date adds nothing; keep the first name
        result[day] = name if name is not None else result.get(day)
    return result


def _parse_holidays(value: object) -> HolidaySource:
    if isinstance(value, Mapping):
        for key in value:
            if key not in ("country", "subdiv"):
                raise ValueError(f"holidays.{key}: unknown key (use 'country' and 'subdiv')")
        if "country" not in value:
            raise ValueError("holidays.country: required (an ISO 3166 code such as 'GB')")
        return CountryHolidays.create(value["country"], value.get("subdiv"))
    return ListedHolidays(_parse_dated_list(value, "holidays"))


def parse_language(value: object) -> str:
    """A render language from a code as people and frameworks write it.

    ``"en"``, ``"en-GB"``, ``"en_gb"`` → ``"en"``; Norwegian ``"no"``/``"nb-NO"`` → ``"nb"`` (Django's
    ``get_language()`` gives regional codes when LANGUAGES lists them).  Anything else:
    ``ValueError("language: unsupported language …")``.
    """
    base = value.replace("_", "-").split("-")[0].lower() if isinstance(value, str) else None
    if base == "no":
        base = "nb"
    if base not in LANGUAGES:
        raise ValueError(f"language: unsupported language {value!r} (use one of {', '.join(LANGUAGES)})")
    return base


def parse_spec(spec: object) -> WeeklySpec:
    """Validate a calendar spec and return it in normalised form.

    Steps: check the keys; load the zone; parse each weekday's windows (refusing same-day
    overlaps); load holidays (a country from the ``holidays`` package, or listed dates); parse the
    extra closed dates; settle ``day_length`` (default: the longest weekday total) and the
    language (default: the holidays package's language for the country, else English).
    """
    if not isinstance(spec, Mapping):
        raise ValueError(f"calendar spec: expected a table, not {type(spec).__name__}")
    for key in spec:
        if key not in _KNOWN_KEYS:
            raise ValueError(f"{key}: unknown key (use {', '.join(_KNOWN_KEYS)})")
    if "timezone" not in spec:
        raise ValueError("timezone: required (an IANA zone such as 'Europe/London')")
    tz = load_timezone(spec["timezone"])
    if "hours" not in spec:
        raise ValueError("hours: required, e.g. {'mon': ['08:00-18:00'], …}")
    windows = _parse_hours(spec["hours"])
    holidays = _parse_holidays(spec["holidays"]) if spec.get("holidays") is not None else None
    closed = _parse_dated_list(spec["closed"], "closed") if spec.get("closed") is not None else {}

    longest = max((sum((w.length for w in day), timedelta()) for day in windows), default=timedelta())
    if spec.get("day_length") is None:
        day_length = longest
    else:
        raw = spec["day_length"]
        try:
            day_length = raw if isinstance(raw, timedelta) else parse_duration(raw)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"day_length: {exc}") from None
        if day_length <= timedelta():
            raise ValueError(f"day_length: {raw!r} must be more than zero")
        if day_length > timedelta(days=1):
            raise ValueError(f"day_length: {raw!r} is longer than 24 hours")

    if spec.get("language") is not None:
        language = parse_language(spec["language"])
    elif isinstance(holidays, CountryHolidays):
        language = country_default_language(holidays.country, LANGUAGES)
    else:
        language = "en"

    return WeeklySpec(
        timezone=tz,
        windows=windows,
        holidays=holidays,
        closed=closed,
        day_length=day_length,
        language=language,
        source=dict(spec),
    )
