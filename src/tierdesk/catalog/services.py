"""Write operations on catalogs: load catalog files into the database, and read them back out.

`catalog_load` validates every file before it writes anything, then writes all of them in one
transaction: a bad file leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError

from .models import (
    Calendar,
    CalendarDay,
    ChannelAccess,
    Impact,
    Plan,
    PlanFeature,
    Price,
    Provider,
    Severity,
    SeverityRule,
    SlaTarget,
    Urgency,
    Vendor,
    format_duration,
)
from .spec import (
    ALWAYS,
    DEFAULT_REOPEN_WITHIN,
    FORMAT_VERSION,
    WEEKDAYS,
    AxisSpec,
    CalendarSpec,
    CatalogError,
    CatalogSpec,
    ChannelSpec,
    ClosedDaySpec,
    FeatureSpec,
    LevelSpec,
    PlanSpec,
    PriceSpec,
    ProviderSpec,
    TargetSpec,
    VendorSpec,
    parse_catalog,
)


@dataclass(frozen=True)
class LoadResult:
    source: str
    provider: str
    plans: int
    calendars: int
    targets: int
    created: bool


def catalog_parse_files(*, paths: Sequence[Path]) -> list[tuple[str, CatalogSpec]]:
    """Parse and validate every file; raise `CatalogError` with all problems of the first bad file."""
    parsed: list[tuple[str, CatalogSpec]] = []
    for path in paths:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CatalogError(source, [("", f"cannot read the file: {exc.strerror}")]) from None
        except UnicodeDecodeError:
            raise CatalogError(source, [("", "not UTF-8 text")]) from None
        parsed.append((source, parse_catalog(text, source)))
    slugs = [spec.provider.slug for _source, spec in parsed]
    for source, spec in parsed:
        if slugs.count(spec.provider.slug) > 1:
            raise CatalogError(source, [("provider.slug", f"{spec.provider.slug!r} is loaded twice")])
    return parsed


def catalog_load(*, paths: Sequence[Path]) -> list[LoadResult]:
    """Load catalog files; all or nothing."""
    parsed = catalog_parse_files(paths=paths)
    with transaction.atomic():
        return [_load_one(source, spec) for source, spec in parsed]


def catalog_load_specs(*, specs: Iterable[tuple[str, CatalogSpec]]) -> list[LoadResult]:
    with transaction.atomic():
        return [_load_one(source, spec) for source, spec in specs]


def _load_one(source: str, spec: CatalogSpec) -> LoadResult:
    p = spec.provider
    provider, created = Provider.objects.update_or_create(
        slug=p.slug,
        defaults={
            "name": p.name,
            "language": p.language,
            "timezone": p.timezone,
            "case_prefix": p.case_prefix,
            "phone": p.phone,
            "out_of_hours_phone": p.out_of_hours_phone,
            "email": p.email,
            "portal_url": p.portal_url,
            "source": p.source,
            "notes": p.notes,
        },
    )

    calendars: dict[str, Calendar] = {}
    for slug, c in spec.calendars.items():
        calendar, _ = Calendar.objects.update_or_create(
            provider=provider,
            slug=slug,
            defaults={
                "name": c.name,
                "timezone": c.timezone,
                "hours": {d: list(w) for d, w in c.hours.items()},
                "holiday_country": c.holiday_country,
                "holiday_subdiv": c.holiday_subdiv,
                "holiday_language": c.language,
                "day_length": c.day_length,
            },
        )
        calendar.days.all().delete()
        CalendarDay.objects.bulk_create(
            CalendarDay(calendar=calendar, date=d.date, kind=d.kind, name=d.name) for d in c.days
        )
        calendars[slug] = calendar

    severities: dict[int, Severity] = {}
    for s in spec.severities:
        severities[s.level], _ = Severity.objects.update_or_create(
            provider=provider, level=s.level, defaults={"label": s.label, "description": s.description}
        )
    impacts = _load_axis(Impact, provider, spec.impacts)
    urgencies = _load_axis(Urgency, provider, spec.urgencies)
    SeverityRule.objects.filter(provider=provider).delete()
    SeverityRule.objects.bulk_create(
        SeverityRule(provider=provider, impact=impacts[i], urgency=urgencies[u], severity=severities[level])
        for (i, u), level in spec.matrix.items()
    )

    targets = 0
    for plan_spec in spec.plans.values():
        targets += len(plan_spec.targets)
        _load_plan(provider, plan_spec, calendars, severities)

    for slug, v in ((v.slug, v) for v in spec.vendors):
        Vendor.objects.update_or_create(
            provider=provider,
            slug=slug,
            defaults={"name": v.name, "service": v.service, "sla_url": v.sla_url},
        )
    Vendor.objects.filter(provider=provider).exclude(slug__in=[v.slug for v in spec.vendors]).delete()

    # Remove what the file no longer has, last, once nothing the file keeps points at it.
    _delete_stale(source, "plans", Plan.objects.filter(provider=provider).exclude(slug__in=list(spec.plans)))
    _delete_stale(
        source,
        "severities",
        Severity.objects.filter(provider=provider).exclude(level__in=[s.level for s in spec.severities]),
    )
    _delete_stale(source, "impacts", Impact.objects.filter(provider=provider).exclude(code__in=list(impacts)))
    _delete_stale(
        source, "urgencies", Urgency.objects.filter(provider=provider).exclude(code__in=list(urgencies))
    )
    _delete_stale(
        source, "calendars", Calendar.objects.filter(provider=provider).exclude(slug__in=list(calendars))
    )
    return LoadResult(
        source=source,
        provider=provider.slug,
        plans=len(spec.plans),
        calendars=len(spec.calendars) - 1,
        targets=targets,
        created=created,
    )


def _load_axis(
    model: type[Impact] | type[Urgency], provider: Provider, items: Sequence[AxisSpec]
) -> dict[str, Any]:
    rows = {}
    for rank, item in enumerate(items, start=1):
        rows[item.code], _ = model.objects.update_or_create(
            provider=provider,
            code=item.code,
            defaults={"rank": rank, "label": item.label, "description": item.description},
        )
    return rows


def _load_plan(
    provider: Provider, p: PlanSpec, calendars: dict[str, Calendar], severities: dict[int, Severity]
) -> Plan:
    plan, _ = Plan.objects.update_or_create(
        provider=provider,
        slug=p.slug,
        defaults={
            "name": p.name,
            "rank": p.rank,
            "description": p.description,
            "calendar": calendars[p.calendar],
            "adhoc": p.adhoc,
            "pause_on": list(p.pause_on),
            "required_details": list(p.required_details),
            "reopen_within": p.reopen_within,
        },
    )
    plan.features.all().delete()
    PlanFeature.objects.bulk_create(
        PlanFeature(plan=plan, code=f.code, options=f.options, note=f.note) for f in p.features.values()
    )
    plan.channels.all().delete()
    ChannelAccess.objects.bulk_create(
        ChannelAccess(plan=plan, channel=c.channel, calendar=calendars[c.calendar], note=c.note)
        for c in p.channels.values()
    )
    plan.targets.all().delete()
    SlaTarget.objects.bulk_create(
        SlaTarget(
            plan=plan,
            severity=severities[t.severity],
            metric=t.metric,
            hours=t.hours,
            channels=list(t.channels),
            duration=t.duration,
            business_days=t.business_days,
            calendar=calendars[t.calendar],
            note=t.note,
        )
        for t in p.targets
    )
    plan.prices.all().delete()
    Price.objects.bulk_create(
        Price(
            plan=plan,
            code=x.code,
            label=x.label,
            kind=x.kind,
            amount=x.amount,
            currency=x.currency,
            unit=x.unit,
            period=x.period,
            from_year=x.from_year,
            max_hours=x.max_hours,
            excludes_vat=x.excludes_vat,
            indicative=x.indicative,
            note=x.note,
        )
        for x in p.prices
    )
    return plan


def _delete_stale(source: str, path: str, queryset: Any) -> None:
    for row in list(queryset):
        try:
            row.delete()
        except (ProtectedError, RestrictedError) as exc:
            users = (
                sorted({obj._meta.verbose_name_plural for obj in exc.protected_objects})
                if hasattr(exc, "protected_objects")
                else []
            )
            raise CatalogError(
                source,
                [
                    (
                        f"{path}",
                        f"{row} is no longer in the file but is still used by "
                        f"{', '.join(str(u) for u in users) or 'other records'}; keep it or move them first",
                    )
                ],
            ) from None


# -- reading back ---------------------------------------------------------------------------------


def catalog_get(*, provider: Provider) -> CatalogSpec:
    """The provider's catalog, as it stands in the database, in canonical form."""
    calendars = {
        c.slug: CalendarSpec(
            slug=c.slug,
            name=c.name,
            timezone=c.timezone,
            hours={d: tuple(c.hours[d]) for d in WEEKDAYS if d in c.hours},
            holiday_country=c.holiday_country,
            holiday_subdiv=c.holiday_subdiv,
            language=c.holiday_language,
            day_length=c.day_length,
            days=tuple(ClosedDaySpec(date=d.date, name=d.name, kind=d.kind) for d in c.days.order_by("date")),
        )
        for c in provider.calendars.prefetch_related("days")
    }
    if ALWAYS in calendars:
        always = calendars[ALWAYS]
        calendars[ALWAYS] = CalendarSpec(
            slug=ALWAYS, name="24×7", timezone=always.timezone, hours=always.hours
        )
    plans: dict[str, PlanSpec] = {}
    query = provider.plans.select_related("calendar").prefetch_related(
        "features", "channels__calendar", "targets__calendar", "targets__severity", "prices"
    )
    for plan in query.order_by("rank", "slug"):
        from .spec import _target_order

        plans[plan.slug] = PlanSpec(
            slug=plan.slug,
            name=plan.name,
            rank=plan.rank,
            calendar=plan.calendar.slug,
            description=plan.description,
            adhoc=plan.adhoc,
            pause_on=tuple(plan.pause_on),
            required_details=tuple(plan.required_details),
            reopen_within=plan.reopen_within,
            features={
                f.code: FeatureSpec(code=f.code, options=f.options, note=f.note)
                for f in sorted(plan.features.all(), key=lambda f: f.code)
            },
            channels={
                c.channel: ChannelSpec(channel=c.channel, calendar=c.calendar.slug, note=c.note)
                for c in sorted(plan.channels.all(), key=lambda c: c.channel)
            },
            targets=tuple(
                sorted(
                    (
                        TargetSpec(
                            severity=t.severity.level,
                            metric=t.metric,
                            calendar=t.calendar.slug,
                            duration=t.duration,
                            business_days=t.business_days,
                            hours=t.hours,
                            channels=tuple(t.channels),
                            note=t.note,
                        )
                        for t in plan.targets.all()
                    ),
                    key=_target_order,
                )
            ),
            prices=tuple(
                PriceSpec(
                    code=x.code,
                    label=x.label,
                    kind=x.kind,
                    amount=x.amount,
                    currency=x.currency,
                    unit=x.unit,
                    period=x.period,
                    from_year=x.from_year,
                    max_hours=x.max_hours,
                    excludes_vat=x.excludes_vat,
                    indicative=x.indicative,
                    note=x.note,
                )
                for x in sorted(plan.prices.all(), key=lambda x: (x.code, x.from_year))
            ),
        )
    rules = SeverityRule.objects.filter(provider=provider).select_related("impact", "urgency", "severity")
    return CatalogSpec(
        provider=ProviderSpec(
            slug=provider.slug,
            name=provider.name,
            language=provider.language,
            timezone=provider.timezone,
            case_prefix=provider.case_prefix,
            phone=provider.phone,
            out_of_hours_phone=provider.out_of_hours_phone,
            email=provider.email,
            portal_url=provider.portal_url,
            source=provider.source,
            notes=provider.notes,
        ),
        calendars=calendars,
        severities=tuple(
            LevelSpec(level=s.level, label=s.label, description=s.description)
            for s in provider.severities.order_by("level")
        ),
        impacts=tuple(
            AxisSpec(code=i.code, label=i.label, description=i.description)
            for i in Impact.objects.filter(provider=provider).order_by("rank")
        ),
        urgencies=tuple(
            AxisSpec(code=u.code, label=u.label, description=u.description)
            for u in Urgency.objects.filter(provider=provider).order_by("rank")
        ),
        matrix={(r.impact.code, r.urgency.code): r.severity.level for r in rules},
        plans=plans,
        vendors=tuple(
            VendorSpec(slug=v.slug, name=v.name, service=v.service, sla_url=v.sla_url)
            for v in provider.vendors.order_by("slug")
        ),
    )


def catalog_dump(*, provider: Provider) -> str:
    """The provider's catalog as a catalog file (TOML). Comments of the original file are not kept."""
    return catalog_to_toml(catalog_get(provider=provider))


def catalog_to_toml(spec: CatalogSpec) -> str:
    def strip(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in d.items() if v not in ("", None, [], {}, ())}

    p = spec.provider
    out: dict[str, Any] = {"format": FORMAT_VERSION, "provider": strip(vars(p).copy())}
    out["calendars"] = {}
    for slug, c in spec.calendars.items():
        if slug == ALWAYS:
            continue
        holidays: Any = None
        if c.holiday_country:
            holidays = strip({"country": c.holiday_country, "subdiv": c.holiday_subdiv})
        listed = [strip({"date": d.date, "name": d.name}) for d in c.days if d.kind == "holiday"]
        if listed and not holidays:
            holidays = listed
        closed = [strip({"date": d.date, "name": d.name}) for d in c.days if d.kind == "closed"]
        out["calendars"][slug] = strip(
            {
                "name": c.name,
                "timezone": c.timezone,
                "hours": {d: list(w) for d, w in c.hours.items()},
                "holidays": holidays,
                "closed": closed,
                "day_length": format_duration(c.day_length) if c.day_length else None,
                "language": c.language,
            }
        )
    out["severities"] = [strip(vars(s).copy()) for s in spec.severities]
    out["impacts"] = [strip(vars(i).copy()) for i in spec.impacts]
    out["urgencies"] = [strip(vars(u).copy()) for u in spec.urgencies]
    matrix: dict[str, dict[str, int]] = {}
    for (impact, urgency), level in spec.matrix.items():
        matrix.setdefault(impact, {})[urgency] = level
    out["matrix"] = {i.code: {u.code: matrix[i.code][u.code] for u in spec.urgencies} for i in spec.impacts}
    out["plans"] = {slug: _plan_dict(plan, strip) for slug, plan in spec.plans.items()}
    if spec.vendors:
        out["vendors"] = [strip(vars(v).copy()) for v in spec.vendors]
    return tomli_w.dumps(out, multiline_strings=True)


def _plan_dict(p: PlanSpec, strip: Any) -> dict[str, Any]:
    def target(t: TargetSpec) -> dict[str, Any]:
        within = f"{t.business_days}bd" if t.business_days is not None else format_duration(t.duration)
        return strip(
            {
                "severity": t.severity,
                "metric": t.metric,
                "within": within,
                "clock": t.calendar,
                "hours": t.hours if t.hours != "any" else None,
                "channels": list(t.channels),
                "note": t.note,
            }
        )

    def price(x: PriceSpec) -> dict[str, Any]:
        return strip(
            {
                "code": x.code,
                "label": x.label,
                "kind": x.kind,
                "amount": str(x.amount) if x.amount is not None else None,
                "currency": x.currency,
                "unit": x.unit,
                "period": x.period,
                "from_year": x.from_year if x.from_year != 1 else None,
                "max_hours": str(x.max_hours) if x.max_hours is not None else None,
                "excludes_vat": False if not x.excludes_vat else None,
                "indicative": x.indicative or None,
                "note": x.note,
            }
        )

    features = {code: (strip({**f.options, "note": f.note}) or True) for code, f in p.features.items()}
    plan = strip(
        {
            "name": p.name,
            "rank": p.rank,
            "description": p.description,
            "calendar": p.calendar,
            "adhoc": p.adhoc or None,
            "required_details": list(p.required_details),
            "features": features,
            "channels": {ch: strip({"hours": c.calendar, "note": c.note}) for ch, c in p.channels.items()},
            "targets": [target(t) for t in p.targets],
            "prices": [price(x) for x in p.prices],
        }
    )
    if p.reopen_within != DEFAULT_REOPEN_WITHIN:
        plan["reopen_within"] = format_duration(p.reopen_within)
    if list(p.pause_on) != ["waiting_customer"]:
        plan["pause_on"] = list(p.pause_on)  # kept even when empty: "no status stops the clocks"
    return plan
