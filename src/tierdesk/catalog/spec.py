"""Catalog files: parsing and validation into a canonical, Django-free form.

A catalog file (TOML, documented in docs/catalog.md) describes one provider. `parse_catalog` turns its
text into a `CatalogSpec` or raises `CatalogError` listing every problem as
``<file>: <key path>: <problem>``. The loader writes a `CatalogSpec` to the database, the dumper reads
one back; two files are equivalent when they parse to equal specs (that is what the round-trip test
compares). `extends` is resolved here, so the canonical form holds flat plans.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from tierdesk.sla import parse_duration

from .calendars import ALWAYS_HOURS, CalendarSpecError, validate_spec
from .vocabulary import (
    Channel,
    Feature,
    Hours,
    Metric,
    PauseStatus,
    PriceKind,
    PricePeriod,
    ReportCadence,
    RequiredDetail,
    Unit,
)

FORMAT_VERSION = 1
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS = "24x7"
LANGUAGES = ("en", "fr", "de", "nb")
DEFAULT_REOPEN_WITHIN = timedelta(days=14)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
_PREFIX = re.compile(r"^[A-Z][A-Z0-9]{0,7}$")
_BUSINESS_DAYS = re.compile(r"^\s*(\d+)\s*bd\s*$")


class CatalogError(ValueError):
    """A catalog file that cannot be loaded; `problems` holds (key path, problem) pairs."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = [
            f"{source}: {path}: {problem}" if path else f"{source}: {problem}" for path, problem in problems
        ]
        super().__init__("\n".join(lines))


# -- the canonical form ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderSpec:
    slug: str
    name: str
    language: str
    timezone: str
    case_prefix: str
    phone: str = ""
    out_of_hours_phone: str = ""
    email: str = ""
    portal_url: str = ""
    source: str = ""
    notes: str = ""


@dataclass(frozen=True)
class ClosedDaySpec:
    date: date
    name: str
    kind: str  # "holiday" (a listed public holiday) or "closed" (a shutdown day)


@dataclass(frozen=True)
class CalendarSpec:
    slug: str
    name: str
    timezone: str
    hours: dict[str, tuple[str, ...]]
    holiday_country: str = ""
    holiday_subdiv: str = ""
    language: str = ""
    day_length: timedelta | None = None
    days: tuple[ClosedDaySpec, ...] = ()


@dataclass(frozen=True)
class LevelSpec:
    level: int
    label: str
    description: str = ""


@dataclass(frozen=True)
class AxisSpec:
    code: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class FeatureSpec:
    code: str
    options: dict[str, Any] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class ChannelSpec:
    channel: str
    calendar: str
    note: str = ""


@dataclass(frozen=True)
class TargetSpec:
    severity: int
    metric: str
    calendar: str
    duration: timedelta | None = None
    business_days: int | None = None
    hours: str = Hours.ANY.value
    channels: tuple[str, ...] = ()
    note: str = ""

    @property
    def variant(self) -> tuple[int, str, str, tuple[str, ...]]:
        return (self.severity, self.metric, self.hours, self.channels)


@dataclass(frozen=True)
class PriceSpec:
    code: str
    label: str
    kind: str
    amount: Decimal | None
    currency: str
    unit: str = ""
    period: str = PricePeriod.YEAR.value
    from_year: int = 1
    max_hours: Decimal | None = None
    excludes_vat: bool = True
    indicative: bool = False
    note: str = ""


@dataclass(frozen=True)
class PlanSpec:
    slug: str
    name: str
    rank: int
    calendar: str
    description: str = ""
    adhoc: bool = False
    pause_on: tuple[str, ...] = (PauseStatus.WAITING_CUSTOMER.value,)
    required_details: tuple[str, ...] = ()
    reopen_within: timedelta = DEFAULT_REOPEN_WITHIN
    features: dict[str, FeatureSpec] = field(default_factory=dict)
    channels: dict[str, ChannelSpec] = field(default_factory=dict)
    targets: tuple[TargetSpec, ...] = ()
    prices: tuple[PriceSpec, ...] = ()


@dataclass(frozen=True)
class VendorSpec:
    slug: str
    name: str
    service: str = ""
    sla_url: str = ""


@dataclass(frozen=True)
class CatalogSpec:
    provider: ProviderSpec
    calendars: dict[str, CalendarSpec]
    severities: tuple[LevelSpec, ...]
    impacts: tuple[AxisSpec, ...]
    urgencies: tuple[AxisSpec, ...]
    matrix: dict[tuple[str, str], int]
    plans: dict[str, PlanSpec]
    vendors: tuple[VendorSpec, ...] = ()


# -- parsing --------------------------------------------------------------------------------------

T = TypeVar("T")


class _Reader:
    """Walks the TOML data, recording every problem with its key path instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def fail(self, path: str, problem: str) -> None:
        self.problems.append((path, problem))

    def table(self, data: Any, path: str, allowed: Iterable[str] | None = None) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail(path, f"expected a table, got {_kind(data)}")
            return {}
        if allowed is not None:
            allowed = set(allowed)
            for key in data:
                if key not in allowed:
                    self.fail(
                        _join(path, key), f"unknown key (expected one of: {', '.join(sorted(allowed))})"
                    )
        return data

    def get(
        self,
        data: dict[str, Any],
        path: str,
        key: str,
        kind: type[T] | tuple[type, ...],
        default: Any = ...,
    ) -> Any:
        if key not in data:
            if default is ...:
                self.fail(_join(path, key), "is required")
                return None
            return default
        value = data[key]
        # TOML booleans are not numbers here, whatever Python thinks of bool ⊂ int.
        if isinstance(value, bool) and kind is not bool and not (isinstance(kind, tuple) and bool in kind):
            self.fail(_join(path, key), f"expected {_kind_name(kind)}, got a boolean")
            return None if default is ... else default
        if not isinstance(value, kind):
            self.fail(_join(path, key), f"expected {_kind_name(kind)}, got {_kind(value)}")
            return None if default is ... else default
        return value

    def choice(self, value: Any, path: str, choices: Iterable[str], what: str) -> str | None:
        choices = list(choices)
        if value not in choices:
            self.fail(path, f"unknown {what} {value!r} (expected one of: {', '.join(choices)})")
            return None
        return str(value)

    def slug(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str) or not _SLUG.match(value):
            self.fail(path, f"{value!r} is not a valid slug (lower-case letters, digits, '-' or '_')")
            return None
        return value

    def list_of(self, value: Any, path: str, item: Callable[[Any, str], T | None]) -> list[T]:
        if not isinstance(value, list):
            self.fail(path, f"expected a list, got {_kind(value)}")
            return []
        out: list[T] = []
        for index, element in enumerate(value):
            parsed = item(element, f"{path}[{index}]")
            if parsed is not None:
                out.append(parsed)
        return out


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _kind(value: Any) -> str:
    names = {
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        list: "a list",
        dict: "a table",
        date: "a date",
    }
    return names.get(type(value), type(value).__name__)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "a string", int: "a whole number", bool: "true or false", list: "a list", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def parse_catalog(text: str, source: str = "<catalog>") -> CatalogSpec:
    """Parse and validate a catalog file's text; raise `CatalogError` naming every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(source, [("", f"not valid TOML: {exc}")]) from None
    reader = _Reader()
    spec = _catalog(reader, data)
    if reader.problems or spec is None:
        raise CatalogError(source, reader.problems or [("", "empty catalog")])
    return spec


def _catalog(r: _Reader, data: dict[str, Any]) -> CatalogSpec | None:
    r.table(
        data,
        "",
        {
            "format",
            "provider",
            "calendars",
            "severities",
            "impacts",
            "urgencies",
            "matrix",
            "plans",
            "vendors",
        },
    )
    version = r.get(data, "", "format", int, FORMAT_VERSION)
    if version != FORMAT_VERSION:
        r.fail("format", f"unsupported format {version!r}; this Tierdesk reads format {FORMAT_VERSION}")
    provider = _provider(r, r.get(data, "", "provider", dict, {}))
    tz = provider.timezone if provider else "UTC"
    language = provider.language if provider else "en"

    calendars: dict[str, CalendarSpec] = {}
    broken: set[str] = set()  # calendars already reported as invalid: don't report each use again
    for slug, body in r.table(r.get(data, "", "calendars", dict, {}), "calendars").items():
        path = f"calendars.{slug}"
        if slug == ALWAYS:
            r.fail(path, f"'{ALWAYS}' is built in (open all the time, in the provider's time zone)")
            continue
        if r.slug(slug, path) is None:
            continue
        cal = _calendar(r, slug, body, path, tz, language)
        if cal is not None:
            calendars[slug] = cal
        else:
            broken.add(slug)
    calendars[ALWAYS] = CalendarSpec(
        slug=ALWAYS, name="24×7", timezone=tz, hours={d: tuple(w) for d, w in ALWAYS_HOURS.items()}
    )

    severities = _levels(r, r.get(data, "", "severities", list, []), "severities")
    impacts = _axis(r, r.get(data, "", "impacts", list, []), "impacts")
    urgencies = _axis(r, r.get(data, "", "urgencies", list, []), "urgencies")
    levels = {s.level for s in severities}
    matrix = _matrix(r, r.get(data, "", "matrix", dict, {}), impacts, urgencies, levels)

    raw_plans = r.table(r.get(data, "", "plans", dict, {}), "plans")
    if not raw_plans:
        r.fail("plans", "a catalog needs at least one plan")
    plans = _plans(r, raw_plans, calendars, levels, broken)
    vendors = r.list_of(r.get(data, "", "vendors", list, []), "vendors", lambda v, p: _vendor(r, v, p))
    _unique(r, "vendors", [v.slug for v in vendors], "slug")

    if provider is None:
        return None
    return CatalogSpec(
        provider=provider,
        calendars=calendars,
        severities=tuple(severities),
        impacts=tuple(impacts),
        urgencies=tuple(urgencies),
        matrix=matrix,
        plans=plans,
        vendors=tuple(sorted(vendors, key=lambda v: v.slug)),
    )


def _provider(r: _Reader, data: dict[str, Any]) -> ProviderSpec | None:
    path = "provider"
    fields = {
        "slug",
        "name",
        "language",
        "timezone",
        "case_prefix",
        "phone",
        "out_of_hours_phone",
        "email",
        "portal_url",
        "source",
        "notes",
    }
    if not data:
        r.fail(path, "is required")
        return None
    r.table(data, path, fields)
    slug = r.get(data, path, "slug", str)
    if slug is not None:
        slug = r.slug(slug, f"{path}.slug")
    name = r.get(data, path, "name", str)
    language = r.get(data, path, "language", str, "en")
    if language is not None:
        language = r.choice(language, f"{path}.language", LANGUAGES, "language")
    timezone = r.get(data, path, "timezone", str)
    if timezone is not None:
        from tierdesk.timezones import is_timezone

        if not is_timezone(timezone):
            r.fail(f"{path}.timezone", f"unknown time zone {timezone!r}")
            timezone = None
    prefix = r.get(data, path, "case_prefix", str, "TD")
    if prefix is not None and not _PREFIX.match(prefix):
        r.fail(
            f"{path}.case_prefix", f"{prefix!r}: use 1–8 capital letters or digits, starting with a letter"
        )
        prefix = None
    extras = {
        key: r.get(data, path, key, str, "")
        for key in ("phone", "out_of_hours_phone", "email", "portal_url", "source", "notes")
    }
    if None in (slug, name, language, timezone, prefix) or None in extras.values():
        return None
    return ProviderSpec(
        slug=slug, name=name, language=language, timezone=timezone, case_prefix=prefix, **extras
    )


def _calendar(
    r: _Reader, slug: str, data: Any, path: str, default_tz: str, default_language: str
) -> CalendarSpec | None:
    data = r.table(data, path, {"name", "timezone", "hours", "holidays", "closed", "day_length", "language"})
    if not data:
        return None
    name = r.get(data, path, "name", str, slug)
    # The engine validates the calendar proper (windows, zone, holidays); its messages carry the key path.
    engine_spec = {
        k: _iso_dates(v) if k in ("holidays", "closed") else v for k, v in data.items() if k != "name"
    }
    engine_spec.setdefault("timezone", default_tz)
    try:
        validate_spec(engine_spec)
    except CalendarSpecError as exc:
        r.fail(path, str(exc))
        return None
    raw_hours = data.get("hours", {})
    hours = {day: tuple(raw_hours[day]) for day in WEEKDAYS if day in raw_hours}
    country = subdiv = ""
    days: list[ClosedDaySpec] = []
    holidays = data.get("holidays")
    if isinstance(holidays, dict):
        country = str(holidays.get("country", ""))
        subdiv = str(holidays.get("subdiv", ""))
    elif isinstance(holidays, list):
        days.extend(_closed_day(item, "holiday") for item in holidays)
    days.extend(_closed_day(item, "closed") for item in data.get("closed", []))
    seen: set[date] = set()
    for index, day in enumerate(days):
        if day.date in seen:
            r.fail(f"{path}.closed[{index}]", f"{day.date.isoformat()} is listed twice")
        seen.add(day.date)
    day_length = data.get("day_length")
    return CalendarSpec(
        slug=slug,
        name=name or slug,
        timezone=engine_spec["timezone"],
        hours=hours,
        holiday_country=country,
        holiday_subdiv=subdiv,
        language=str(data.get("language", "")),
        day_length=parse_duration(day_length) if isinstance(day_length, str) else None,
        days=tuple(sorted(days, key=lambda d: d.date)),
    )


def _iso_dates(value: Any) -> Any:
    """TOML has a date type; the engine's spec takes ISO strings, as JSON would carry them."""
    if isinstance(value, list):
        return [_iso_dates(v) for v in value]
    if isinstance(value, dict):
        return {k: _iso_dates(v) for k, v in value.items()}
    return value.isoformat() if isinstance(value, date) else value


def _closed_day(item: Any, kind: str) -> ClosedDaySpec:
    # Already validated by the engine: an ISO date (string or TOML date) or {date, name}.
    if isinstance(item, dict):
        raw, name = item["date"], str(item.get("name", ""))
    else:
        raw, name = item, ""
    day = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
    return ClosedDaySpec(date=day, name=name, kind=kind)


def _levels(r: _Reader, items: list[Any], path: str) -> list[LevelSpec]:
    def one(item: Any, p: str) -> LevelSpec | None:
        item = r.table(item, p, {"level", "label", "description"})
        level = r.get(item, p, "level", int)
        label = r.get(item, p, "label", str)
        description = r.get(item, p, "description", str, "")
        if level is not None and level < 1:
            r.fail(f"{p}.level", f"must be 1 or more, got {level}")
            return None
        if None in (level, label, description):
            return None
        return LevelSpec(level=level, label=label, description=description)

    levels = r.list_of(items, path, one)
    if not levels:
        r.fail(path, "define at least one severity level")
    numbers = sorted(s.level for s in levels)
    if numbers and numbers != list(range(1, len(numbers) + 1)):
        r.fail(path, f"levels must run 1, 2, 3… without gaps or repeats; got {numbers}")
    return sorted(levels, key=lambda s: s.level)


def _axis(r: _Reader, items: list[Any], path: str) -> list[AxisSpec]:
    def one(item: Any, p: str) -> AxisSpec | None:
        item = r.table(item, p, {"code", "label", "description"})
        code = r.get(item, p, "code", str)
        if code is not None:
            code = r.slug(code, f"{p}.code")
        label = r.get(item, p, "label", str)
        description = r.get(item, p, "description", str, "")
        if None in (code, label, description):
            return None
        return AxisSpec(code=code, label=label, description=description)

    axis = r.list_of(items, path, one)
    if not axis:
        r.fail(path, "define at least one")
    _unique(r, path, [a.code for a in axis], "code")
    return axis


def _matrix(
    r: _Reader,
    data: dict[str, Any],
    impacts: list[AxisSpec],
    urgencies: list[AxisSpec],
    levels: set[int],
) -> dict[tuple[str, str], int]:
    impact_codes = [i.code for i in impacts]
    urgency_codes = [u.code for u in urgencies]
    matrix: dict[tuple[str, str], int] = {}
    for impact, row in r.table(data, "matrix").items():
        path = f"matrix.{impact}"
        if impact not in impact_codes:
            r.fail(path, f"unknown impact {impact!r} (expected one of: {', '.join(impact_codes)})")
            continue
        for urgency, level in r.table(row, path).items():
            cell = f"{path}.{urgency}"
            if urgency not in urgency_codes:
                r.fail(cell, f"unknown urgency {urgency!r} (expected one of: {', '.join(urgency_codes)})")
            elif not isinstance(level, int) or isinstance(level, bool):
                r.fail(cell, f"expected a severity level, got {_kind(level)}")
            elif level not in levels:
                r.fail(cell, f"severity {level} is not defined (levels: {_levels_text(levels)})")
            else:
                matrix[(impact, urgency)] = level
    if impacts and urgencies and levels:
        missing = [f"{i}×{u}" for i in impact_codes for u in urgency_codes if (i, u) not in matrix]
        if missing and not r.problems:
            r.fail("matrix", f"every impact × urgency needs a severity; missing: {', '.join(missing)}")
    return matrix


def _levels_text(levels: set[int]) -> str:
    ordered = sorted(levels)
    return f"{ordered[0]}–{ordered[-1]}" if len(ordered) > 1 else str(ordered[0]) if ordered else "none"


_PLAN_KEYS = {
    "name",
    "rank",
    "description",
    "calendar",
    "adhoc",
    "pause_on",
    "required_details",
    "features",
    "channels",
    "targets",
    "prices",
    "extends",
    "reopen_within",
}


def _plans(
    r: _Reader, raw: dict[str, Any], calendars: dict[str, CalendarSpec], levels: set[int], broken: set[str]
) -> dict[str, PlanSpec]:
    """Plans in file order; `extends` copies the parent's calendar, pauses, features, channels and
    targets (not its prices), and the child's own entries add to or replace them."""
    order = list(raw)
    resolved: dict[str, PlanSpec] = {}
    resolving: list[str] = []

    def resolve(slug: str) -> PlanSpec | None:
        if slug in resolved:
            return resolved[slug]
        path = f"plans.{slug}"
        if slug in resolving:
            r.fail(path, f"'extends' goes round in a circle: {' → '.join([*resolving, slug])}")
            return None
        if r.slug(slug, path) is None:
            return None
        data = r.table(raw[slug], path, _PLAN_KEYS)
        parent: PlanSpec | None = None
        if "extends" in data:
            parent_slug = data["extends"]
            if parent_slug not in raw:
                r.fail(f"{path}.extends", f"no plan {parent_slug!r} in this catalog")
            else:
                resolving.append(slug)
                parent = resolve(parent_slug)
                resolving.pop()
        plan = _plan(r, slug, data, path, parent, calendars, levels, broken, rank=order.index(slug) + 1)
        if plan is not None:
            resolved[slug] = plan
        return plan

    for slug in order:
        resolve(slug)
    return {slug: resolved[slug] for slug in order if slug in resolved}


def _plan(
    r: _Reader,
    slug: str,
    data: dict[str, Any],
    path: str,
    parent: PlanSpec | None,
    calendars: dict[str, CalendarSpec],
    levels: set[int],
    broken: set[str],
    rank: int,
) -> PlanSpec | None:
    def calendar_ref(value: Any, p: str) -> str | None:
        if value in broken:
            return None
        if not isinstance(value, str) or value not in calendars:
            r.fail(p, f"no calendar {value!r} (defined: {', '.join(sorted(calendars))})")
            return None
        return value

    name = r.get(data, path, "name", str)
    rank = r.get(data, path, "rank", int, rank)
    description = r.get(data, path, "description", str, "")
    default_calendar = parent.calendar if parent else ...
    calendar = r.get(data, path, "calendar", str, default_calendar)
    if calendar is not None:
        calendar = calendar_ref(calendar, f"{path}.calendar")
    adhoc = r.get(data, path, "adhoc", bool, parent.adhoc if parent else False)
    pause_on = tuple(
        r.list_of(
            r.get(data, path, "pause_on", list, list(parent.pause_on) if parent else ["waiting_customer"]),
            f"{path}.pause_on",
            lambda v, p: r.choice(v, p, PauseStatus.values, "status"),
        )
    )
    required = tuple(
        r.list_of(
            r.get(data, path, "required_details", list, list(parent.required_details) if parent else []),
            f"{path}.required_details",
            lambda v, p: r.choice(v, p, RequiredDetail.values, "detail"),
        )
    )

    reopen_within = parent.reopen_within if parent else DEFAULT_REOPEN_WITHIN
    if "reopen_within" in data:
        parsed = _duration(r, data["reopen_within"], f"{path}.reopen_within")
        if parsed is not None and parsed[0] is None:
            r.fail(f"{path}.reopen_within", 'give a duration such as "14d", not business days')
        elif parsed is not None:
            reopen_within = parsed[0]

    features = dict(parent.features) if parent else {}
    for code, value in r.table(r.get(data, path, "features", dict, {}), f"{path}.features").items():
        feature = _feature(r, code, value, f"{path}.features.{code}")
        if feature is False:
            features.pop(code, None)
        elif feature is not None:
            features[code] = feature

    channels = dict(parent.channels) if parent else {}
    for channel, value in r.table(r.get(data, path, "channels", dict, {}), f"{path}.channels").items():
        p = f"{path}.channels.{channel}"
        if r.choice(channel, p, Channel.values, "channel") is None:
            continue
        if value is False:
            channels.pop(channel, None)
            continue
        body = r.table(value, p, {"hours", "note"})
        hours = r.get(body, p, "hours", str, ALWAYS)
        hours = calendar_ref(hours, f"{p}.hours") if hours is not None else None
        note = r.get(body, p, "note", str, "")
        if hours is not None and note is not None:
            channels[channel] = ChannelSpec(channel=channel, calendar=hours, note=note)

    # Targets without a `clock` count on the plan's calendar (24 h "business days" on the built-in 24×7).
    plan_calendar = calendar or (data.get("calendar") if data.get("calendar") in broken else ALWAYS)
    targets = {t.variant: t for t in (parent.targets if parent else ())}
    own: set[tuple[int, str, str, tuple[str, ...]]] = set()
    for index, item in enumerate(r.get(data, path, "targets", list, [])):
        p = f"{path}.targets[{index}]"
        target = _target(r, item, p, plan_calendar, calendars, levels, broken)
        if target is None:
            continue
        if target.variant in own:
            r.fail(p, "repeats another target of this plan (same severity, metric, hours and channels)")
            continue
        own.add(target.variant)
        targets[target.variant] = target

    prices = r.list_of(r.get(data, path, "prices", list, []), f"{path}.prices", lambda v, p: _price(r, v, p))
    keys = [(p.code, p.from_year) for p in prices]
    if len(set(keys)) != len(keys):
        r.fail(f"{path}.prices", "two prices share a code and from_year")

    if None in (name, rank, description, calendar, adhoc):
        return None
    return PlanSpec(
        slug=slug,
        name=name,
        rank=rank,
        calendar=calendar,
        description=description,
        adhoc=adhoc,
        pause_on=pause_on,
        required_details=required,
        reopen_within=reopen_within,
        features=dict(sorted(features.items())),
        channels=dict(sorted(channels.items())),
        targets=tuple(sorted(targets.values(), key=_target_order)),
        prices=tuple(sorted(prices, key=lambda p: (p.code, p.from_year))),
    )


def _target_order(t: TargetSpec) -> tuple[Any, ...]:
    return (t.severity, Metric.values.index(t.metric), Hours.values.index(t.hours), t.channels)


def _feature(r: _Reader, code: str, value: Any, path: str) -> FeatureSpec | bool | None:
    if r.choice(code, path, Feature.values, "feature") is None:
        return None
    if value is True:
        return FeatureSpec(code=code)
    if value is False:
        return False
    body = r.table(value, path)
    options = {k: v for k, v in body.items() if k != "note"}
    note = r.get(body, path, "note", str, "")
    if code == Feature.REPORTING:
        r.table(body, path, {"cadences", "on_agreement", "note"})
        cadences = r.list_of(
            r.get(body, path, "cadences", list),
            f"{path}.cadences",
            lambda v, p: r.choice(v, p, ReportCadence.values, "cadence"),
        )
        if not cadences:
            r.fail(f"{path}.cadences", "name at least one of weekly, monthly, quarterly")
        r.get(body, path, "on_agreement", bool, False)
    return FeatureSpec(code=code, options=options, note=note or "")


def _duration(r: _Reader, value: Any, path: str) -> tuple[timedelta | None, int | None] | None:
    if not isinstance(value, str):
        r.fail(path, f'expected a duration such as "30m", "4h" or "2bd", got {_kind(value)}')
        return None
    text = value.strip()
    if text.startswith("-"):
        r.fail(path, f"{value!r}: a target cannot be negative")
        return None
    match = _BUSINESS_DAYS.match(text)
    if match:
        days = int(match.group(1))
        if days < 1:
            r.fail(path, f"{value!r}: a target must be longer than zero")
            return None
        return None, days
    try:
        duration = parse_duration(text)
    except ValueError as exc:
        r.fail(path, f"{value!r}: {exc}")
        return None
    if duration <= timedelta(0):
        r.fail(path, f"{value!r}: a target must be longer than zero")
        return None
    return duration, None


def _target(
    r: _Reader,
    item: Any,
    path: str,
    plan_calendar: str,
    calendars: dict[str, CalendarSpec],
    levels: set[int],
    broken: set[str],
) -> TargetSpec | None:
    body = r.table(item, path, {"severity", "metric", "within", "clock", "hours", "channels", "note"})
    if not body:
        return None
    severity = r.get(body, path, "severity", int)
    if severity is not None and severity not in levels:
        r.fail(
            f"{path}.severity",
            f"severity {severity} is not defined for this provider (levels: {_levels_text(levels)})",
        )
        severity = None
    metric = r.get(body, path, "metric", str)
    if metric is not None:
        metric = r.choice(metric, f"{path}.metric", Metric.values, "metric")
    amount = _duration(r, body.get("within"), f"{path}.within") if "within" in body else None
    if "within" not in body:
        r.fail(f"{path}.within", "is required")
    clock = r.get(body, path, "clock", str, plan_calendar)
    if clock in broken:
        clock = None
    elif clock is not None and clock not in calendars:
        r.fail(f"{path}.clock", f"no calendar {clock!r} (defined: {', '.join(sorted(calendars))})")
        clock = None
    hours = r.get(body, path, "hours", str, Hours.ANY.value)
    if hours is not None:
        hours = r.choice(hours, f"{path}.hours", Hours.values, "hours")
    channels = r.list_of(
        r.get(body, path, "channels", list, []),
        f"{path}.channels",
        lambda v, p: r.choice(v, p, Channel.values, "channel"),
    )
    note = r.get(body, path, "note", str, "")
    if None in (severity, metric, amount, clock, hours, note):
        return None
    assert amount is not None
    return TargetSpec(
        severity=severity,
        metric=metric,
        calendar=clock,
        duration=amount[0],
        business_days=amount[1],
        hours=hours,
        channels=tuple(sorted(set(channels))),
        note=note,
    )


def _decimal(r: _Reader, value: Any, path: str) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        r.fail(path, f'expected an amount such as "17.50", got {_kind(value)}')
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        r.fail(path, f"{value!r} is not an amount")
        return None
    if not amount.is_finite() or amount < 0:
        r.fail(path, f"{value!r}: an amount must be zero or more")
        return None
    return amount.quantize(Decimal("0.01"))


def _price(r: _Reader, item: Any, path: str) -> PriceSpec | None:
    body = r.table(
        item,
        path,
        {
            "code",
            "label",
            "kind",
            "amount",
            "currency",
            "unit",
            "period",
            "from_year",
            "max_hours",
            "excludes_vat",
            "indicative",
            "note",
        },
    )
    code = r.get(body, path, "code", str)
    if code is not None:
        code = r.slug(code, f"{path}.code")
    label = r.get(body, path, "label", str)
    kind = r.get(body, path, "kind", str)
    if kind is not None:
        kind = r.choice(kind, f"{path}.kind", PriceKind.values, "price kind")
    amount = _decimal(r, body["amount"], f"{path}.amount") if "amount" in body else None
    currency = r.get(body, path, "currency", str, "GBP")
    if currency is not None and not re.fullmatch(r"[A-Z]{3}", currency):
        r.fail(f"{path}.currency", f"{currency!r} is not an ISO 4217 code such as GBP or EUR")
    unit = r.get(body, path, "unit", str, "")
    if unit:
        unit = r.choice(unit, f"{path}.unit", Unit.values, "unit")
    if kind == PriceKind.PER_UNIT and not unit:
        r.fail(f"{path}.unit", "a per-unit price needs a unit (port, seat, …)")
    period = r.get(body, path, "period", str, PricePeriod.YEAR.value)
    if period is not None:
        period = r.choice(period, f"{path}.period", PricePeriod.values, "period")
    from_year = r.get(body, path, "from_year", int, 1)
    if from_year is not None and from_year < 1:
        r.fail(f"{path}.from_year", "contract years start at 1")
    max_hours = _decimal(r, body["max_hours"], f"{path}.max_hours") if "max_hours" in body else None
    excludes_vat = r.get(body, path, "excludes_vat", bool, True)
    indicative = r.get(body, path, "indicative", bool, False)
    note = r.get(body, path, "note", str, "")
    if None in (code, label, kind, currency, unit, period, from_year, excludes_vat, indicative, note):
        return None
    return PriceSpec(
        code=code,
        label=label,
        kind=kind,
        amount=amount,
        currency=currency,
        unit=unit or "",
        period=period,
        from_year=from_year,
        max_hours=max_hours,
        excludes_vat=excludes_vat,
        indicative=indicative,
        note=note,
    )


def _vendor(r: _Reader, item: Any, path: str) -> VendorSpec | None:
    body = r.table(item, path, {"slug", "name", "service", "sla_url"})
    slug = r.get(body, path, "slug", str)
    if slug is not None:
        slug = r.slug(slug, f"{path}.slug")
    name = r.get(body, path, "name", str)
    service = r.get(body, path, "service", str, "")
    sla_url = r.get(body, path, "sla_url", str, "")
    if sla_url and not sla_url.startswith(("https://", "http://")):
        r.fail(f"{path}.sla_url", f"{sla_url!r} is not an http(s) address")
    if None in (slug, name, service, sla_url):
        return None
    return VendorSpec(slug=slug, name=name, service=service, sla_url=sla_url)


def _unique(r: _Reader, path: str, values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            r.fail(path, f"{what} {value!r} appears twice")
        seen.add(value)
