"""Plans, as the catalog defines them: addressed as `provider/plan`, with their promises."""

from __future__ import annotations

from typing import Annotated, Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router
from pydantic import StringConstraints

from tierdesk.catalog.models import Calendar, ChannelAccess, Plan, Price, SlaTarget
from tierdesk.catalog.vocabulary import Feature
from tierdesk.customers.selectors import plan_scope_for

from .errors import READ, responses
from .schemas import Code, PlanOut, PlanSummaryOut, iso_duration

router = Router()

PathCode = Annotated[str, StringConstraints(max_length=50, pattern=r"^[A-Za-z0-9_-]+$")]


def _plans(request: HttpRequest) -> QuerySet[Plan]:
    return plan_scope_for(request.auth).select_related("provider", "calendar")


def calendar_out(calendar: Calendar) -> dict[str, Any]:
    return {"slug": calendar.slug, "name": calendar.name, "timezone": calendar.timezone}


def plan_summary(plan: Plan) -> dict[str, Any]:
    return {
        "key": plan.key,
        "provider": plan.provider.slug,
        "slug": plan.slug,
        "name": plan.name,
        "rank": plan.rank,
        "adhoc": plan.adhoc,
        "description": plan.description,
    }


def _target(target: SlaTarget) -> dict[str, Any]:
    return {
        "severity": target.severity.level,
        "severity_label": target.severity.label,
        "metric": target.metric,
        "within": iso_duration(target.counted_duration()),
        "within_text": target.within_text,
        "business_days": target.business_days,
        "calendar": calendar_out(target.calendar),
        "hours": target.hours,
        "channels": list(target.channels or []),
        "note": target.note,
    }


def _price(price: Price) -> dict[str, Any]:
    return {
        "code": price.code,
        "label": price.label,
        "kind": price.kind,
        "amount": None if price.amount is None else str(price.amount),
        "currency": price.currency,
        "unit": price.unit,
        "period": price.period,
        "from_year": price.from_year,
        "max_hours": None if price.max_hours is None else str(price.max_hours),
        "excludes_vat": price.excludes_vat,
        "indicative": price.indicative,
        "note": price.note,
    }


def plan_detail(plan: Plan) -> dict[str, Any]:
    return {
        **plan_summary(plan),
        "calendar": calendar_out(plan.calendar),
        "pause_on": list(plan.pause_on or []),
        "reopen_within": iso_duration(plan.reopen_within),
        "severities": [
            {"level": s.level, "label": s.label, "description": s.description}
            for s in plan.provider.severities.all()
        ],
        "channels": [
            {"channel": c.channel, "hours": calendar_out(c.calendar), "note": c.note}
            for c in plan.channels.all()
        ],
        "features": [
            {"code": f.code, "label": str(Feature(f.code).label), "options": f.options or {}, "note": f.note}
            for f in plan.features.all()
        ],
        "targets": [_target(t) for t in plan.targets.all()],
        "prices": [_price(p) for p in plan.prices.all()],
    }


@router.get("", response=responses(list[PlanSummaryOut], READ), summary="List plans")
def plan_list(
    request: HttpRequest,
    provider: Annotated[Code | None, Query(description="Only this provider's plans.")] = None,
) -> list[dict[str, Any]]:
    """The plans of the providers you serve, by provider and rank."""
    plans = _plans(request).order_by("provider__slug", "rank", "slug")
    if provider:
        plans = plans.filter(provider__slug=provider)
    return [plan_summary(plan) for plan in plans]


@router.get("/{provider}/{plan}", response=responses(PlanOut, READ), summary="Get a plan")
def plan_get(request: HttpRequest, provider: PathCode, plan: PathCode) -> dict[str, Any]:
    """A plan with its calendar, channels, features, SLA targets per severity and prices."""
    found = (
        _plans(request)
        .filter(provider__slug=provider, slug=plan)
        .prefetch_related(
            "provider__severities",
            Prefetch("channels", queryset=ChannelAccess.objects.select_related("calendar")),
            "features",
            Prefetch(
                "targets",
                queryset=SlaTarget.objects.select_related("severity", "calendar").prefetch_related(
                    "calendar__days"
                ),
            ),
            "prices",
        )
        .first()
    )
    if found is None:
        raise Http404
    return plan_detail(found)
