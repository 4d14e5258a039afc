"""What monitoring data a person may see: the one access chokepoint of monitoring.

* an agent (or superuser) sees the assets and alerts of the customers of the providers their teams
  serve — the rule of `customers.selectors.provider_ids_for`;
* a customer's contact with a portal account sees their own company's, and only while the plan in
  force includes monitoring (checked by the portal pages);
* anyone else sees nothing.

`alert_get_for` answers the same 404 whether an alert is missing or someone else's.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from tierdesk.customers.selectors import provider_ids_for
from tierdesk.kb.selectors import contact_of
from tierdesk.tickets.selectors import is_agent

from .models import Alert, AlertStatus, Check, CheckResult, MonitoredAsset

HISTORY = 20  # result cells per check on the board


def customer_ids_filter(user: Any, field: str) -> dict[str, Any] | None:
    """The filter that scopes a query on `field` (a customer foreign key path) to `user`; None
    means everything, {"pk__in": []} nothing."""
    if is_agent(user):
        providers = provider_ids_for(user)
        if providers is None:
            return None
        return {f"{field}__provider_id__in": providers}
    contact = contact_of(user)
    if contact is not None:
        return {f"{field}_id": contact.customer_id}
    return {"pk__in": []}


def asset_scope_for(user: Any) -> QuerySet[MonitoredAsset]:
    scope = customer_ids_filter(user, "customer")
    assets = MonitoredAsset.objects.all()
    return assets if scope is None else assets.filter(**scope)


def alert_scope_for(user: Any) -> QuerySet[Alert]:
    scope = customer_ids_filter(user, "customer")
    alerts = Alert.objects.all()
    return alerts if scope is None else alerts.filter(**scope)


def alert_get_for(user: Any, pk: int) -> Alert:
    alert = (
        alert_scope_for(user)
        .select_related(
            "customer__provider",
            "ticket__severity",
            "check_ref__asset",
            "source",
            "acknowledged_by_user",
            "acknowledged_by_contact",
        )
        .filter(pk=pk)
        .first()
    )
    if alert is None:
        raise Http404("no such alert")
    return alert


def board_assets(user: Any, *, customer_id: int | None = None) -> list[MonitoredAsset]:
    """The assets for the status board, each with its checks and their recent results, in a fixed
    number of queries whatever the number of assets."""
    assets = asset_scope_for(user).filter(is_active=True).select_related("customer")
    if customer_id is not None:
        assets = assets.filter(customer_id=customer_id)
    recent = CheckResult.objects.order_by("-at", "-id")[:HISTORY]
    checks = (
        Check.objects.filter(is_active=True)
        .order_by("name")
        .prefetch_related(Prefetch("results", queryset=recent, to_attr="recent"))
    )
    return list(
        assets.order_by("customer__name", "name").prefetch_related(Prefetch("checks", queryset=checks))
    )


def firing_alerts(user: Any, *, customer_id: int | None = None) -> list[Alert]:
    alerts = alert_scope_for(user).filter(status=AlertStatus.FIRING)
    if customer_id is not None:
        alerts = alerts.filter(customer_id=customer_id)
    return list(
        alerts.select_related(
            "customer", "ticket", "check_ref__asset", "acknowledged_by_user", "acknowledged_by_contact"
        ).order_by("-started_at", "-id")[:200]
    )
