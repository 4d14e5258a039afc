"""Read-only queries on tickets, and the one access chokepoint (STYLE.md, habit 3).

Every page, fragment, API operation and export that shows tickets starts from `ticket_scope_for`
(or `ticket_get_for` for one ticket), so who sees what is decided in one place:

* a superuser sees every ticket;
* an agent sees the tickets of the providers their teams serve (a team without a provider serves all);
* a customer contact with a portal account sees their own cases, or all of their company's when
  their contact record allows it;
* anyone else sees nothing.

Scoping compares integer foreign keys for equality, never strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet
from django.http import Http404

from tierdesk.accounts.models import User
from tierdesk.catalog.models import Provider, Severity
from tierdesk.customers.models import Customer
from tierdesk.customers.selectors import provider_ids_for

from .models import OPEN_STATUSES, Ticket

# A list row needs its customer, contact, assignee, provider, plan, severity and team. Joining all
# seven makes PostgreSQL spend ~30 ms planning each page (measured on a million tickets, bench/
# console.py); the four small catalog tables are fetched by id in one query each instead.
LIST_JOINED = ("customer", "contact", "assignee__user")
LIST_PREFETCHED = ("provider", "plan", "severity", "team")


def agent_of(user: Any) -> Any:
    return getattr(user, "agent", None) if getattr(user, "is_authenticated", False) else None


def is_agent(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    agent = agent_of(user)
    return agent is not None and agent.is_active


def ticket_scope_for(user: User | Any) -> QuerySet[Ticket]:
    """All the tickets `user` may see (see the module docstring)."""
    tickets = Ticket.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return tickets.none()
    if user.is_superuser:
        return tickets
    if agent_of(user) is not None:
        providers = provider_ids_for(user)  # the one rule for what an agent's teams serve
        if providers is None:
            return tickets
        return tickets.filter(provider_id__in=providers) if providers else tickets.none()
    contact = getattr(user, "contact", None)
    if contact is not None and contact.is_active:
        if contact.sees_company_cases:
            return tickets.filter(customer_id=contact.customer_id)
        return tickets.filter(customer_id=contact.customer_id, contact_id=contact.pk)
    return tickets.none()


def ticket_get_for(user: User | Any, number: str) -> Ticket:
    """One ticket by case number, or 404 — the same 404 whether it does not exist or is not theirs."""
    ticket = (
        ticket_scope_for(user)
        .select_related(*LIST_JOINED, "plan__calendar", "contract")
        .prefetch_related("provider", "severity", "team", "impact", "urgency")
        .filter(number=number)
        .first()
    )
    if ticket is None:
        raise Http404("No such case")
    return ticket


QUEUES = ("mine", "team", "unassigned", "all")
CASE_NUMBER = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,7}-\d{4}-\d{6,}$")


@dataclass(frozen=True)
class TicketFilters:
    """Filters of the queues and of the API's list; every field is matched exactly."""

    queue: str = "all"
    open_only: bool = True
    customer: str | None = None  # customer code (slug)
    provider: str | None = None  # provider slug
    plan: str | None = None  # "provider/plan"
    severity: int | None = None
    status: str | None = None
    type: str | None = None
    channel: str | None = None
    search: str | None = None  # case number or words of the subject


def ticket_list_for(user: User | Any, filters: TicketFilters = TicketFilters()) -> QuerySet[Ticket]:
    """A queue: the user's tickets, filtered, most urgent first (the earliest due time; tickets
    without a running clock after, newest first)."""
    query = ticket_scope_for(user)
    agent = agent_of(user)
    if filters.queue == "mine":
        query = query.filter(assignee=agent) if agent else query.none()
    elif filters.queue == "team":
        query = query.filter(team__in=agent.teams.all()) if agent else query.none()
    elif filters.queue == "unassigned":
        query = query.filter(assignee__isnull=True)
    if filters.open_only and not filters.status:
        query = query.filter(status__in=OPEN_STATUSES)
    # Filters on the ticket's own columns (by id subqueries, not joins), so counts over the open
    # tickets stay index-only (the ticket_open_counts index).
    if filters.customer:
        query = query.filter(customer_id__in=Customer.objects.filter(slug=filters.customer).values("pk"))
    if filters.provider:
        query = query.filter(provider_id__in=Provider.objects.filter(slug=filters.provider).values("pk"))
    if filters.plan:
        provider, _, plan = filters.plan.partition("/")
        query = query.filter(plan__provider__slug=provider, plan__slug=plan)
    if filters.severity is not None:
        query = query.filter(severity_id__in=Severity.objects.filter(level=filters.severity).values("pk"))
    if filters.status:
        query = query.filter(status=filters.status)
    if filters.type:
        query = query.filter(type=filters.type)
    if filters.channel:
        query = query.filter(channel=filters.channel)
    if filters.search:
        term = filters.search.strip()
        if CASE_NUMBER.match(term):
            query = query.filter(number=term.upper())  # the unique index, not a scan of subjects
        else:
            query = query.filter(subject__icontains=term)
    return (
        query.select_related(*LIST_JOINED)
        .prefetch_related(*LIST_PREFETCHED)
        .order_by(F("next_due_at").asc(nulls_last=True), "-opened_at", "-id")
    )


def ticket_list_recent(*, user: User | Any, limit: int = 50) -> QuerySet[Ticket]:
    return (
        ticket_scope_for(user)
        .select_related(*LIST_JOINED)
        .prefetch_related(*LIST_PREFETCHED)
        .order_by("-opened_at", "-id")[:limit]
    )
