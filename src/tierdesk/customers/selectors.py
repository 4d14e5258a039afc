"""Read-only queries on customers, their contacts and contracts, scoped to who is asking.

The rule is the one `tickets.selectors.ticket_scope_for` applies to tickets, stated once here for
everything else an agent may look up (customers, contacts, contracts, the catalog's plans):

* a superuser sees every provider's data;
* an active agent sees the providers their teams serve (a team without a provider serves all);
* anyone else sees nothing.

Scoping compares integer foreign keys for equality, never strings.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tierdesk.catalog.models import Plan, Provider

from .models import Contact, Contract, Customer


def provider_ids_for(user: Any) -> list[int] | None:
    """The ids of the providers `user` may see: None means all of them, [] none."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    agent = getattr(user, "agent", None)
    if agent is None or not agent.is_active:
        return []
    served = list(agent.teams.values_list("provider_id", flat=True))
    if None in served:
        return None
    return sorted(set(served))


def _scoped(query: QuerySet[Any], user: Any, field: str) -> QuerySet[Any]:
    ids = provider_ids_for(user)
    if ids is None:
        return query
    return query.filter(**{f"{field}__in": ids}) if ids else query.none()


def provider_scope_for(user: Any) -> QuerySet[Provider]:
    return _scoped(Provider.objects.all(), user, "pk")


def plan_scope_for(user: Any) -> QuerySet[Plan]:
    return _scoped(Plan.objects.all(), user, "provider_id")


def customer_scope_for(user: Any) -> QuerySet[Customer]:
    return _scoped(Customer.objects.all(), user, "provider_id")


def contact_scope_for(user: Any) -> QuerySet[Contact]:
    return _scoped(Contact.objects.all(), user, "customer__provider_id")


def contract_scope_for(user: Any) -> QuerySet[Contract]:
    return _scoped(Contract.objects.all(), user, "customer__provider_id")


def customer_get_for(user: Any, *, provider: str, code: str) -> Customer | None:
    """One customer by its provider's slug and its code, or None when missing or not the user's."""
    return (
        customer_scope_for(user).select_related("provider").filter(provider__slug=provider, slug=code).first()
    )
