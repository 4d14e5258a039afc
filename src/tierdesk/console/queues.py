"""The queue page's reads: one page of a queue with its SLA badges, the counts above it and the
options of its filters. Every read starts from the tickets selectors (`ticket_list_for`,
`ticket_scope_for`), so an agent never sees a row, a count or a filter option outside their scope.

The number of queries is fixed whatever the number of tickets: the page's rows (with provider,
customer, contact, plan, severity, assignee and team joined), their clocks in one query, one
aggregate for the counts by SLA state (which also sizes the paginator), one aggregate for the queue
tabs, and one query per filter list.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects

from tierdesk.catalog.models import Plan, Provider, Severity
from tierdesk.customers.models import Customer
from tierdesk.customers.selectors import customer_scope_for
from tierdesk.tickets.models import SlaClock, SlaState, Ticket
from tierdesk.tickets.selectors import TicketFilters, agent_of, ticket_list_for, ticket_scope_for

from .formatting import badge_for
from .forms import ANY_STATUS

PER_PAGE = 25
SOON = timedelta(hours=1)
"""A ticket is "due soon" in the strip above the queue when its next due time is this close."""


def filters_from(values: dict[str, Any]) -> TicketFilters:
    status = values.get("status")
    customer_provider, _, customer = (values.get("customer") or "").partition("/")
    provider = values.get("provider")
    if customer and provider and provider != customer_provider:
        customer = "__none__"  # a customer of another provider than the one chosen: nothing matches
    return TicketFilters(
        queue=values.get("queue") or "all",
        open_only=status != ANY_STATUS,
        # Customer codes are unique per provider only, so the filter names both (`provider/code`).
        customer=customer or None,
        provider=provider or (customer_provider if customer else None),
        plan=values.get("plan"),
        severity=values.get("severity"),
        status=status if status and status != ANY_STATUS else None,
        type=values.get("type"),
        channel=values.get("channel"),
        search=values.get("q"),
    )


def sla_conditions(now: datetime) -> dict[str, Q]:
    # A running clock past its due time is breached even before the sweeper marks it.
    breached = Q(sla_state=SlaState.BREACHED) | Q(next_due_at__lte=now)
    return {
        "breached": breached,
        "soon": Q(next_due_at__gt=now, next_due_at__lte=now + SOON) & ~Q(sla_state=SlaState.BREACHED),
        "paused": Q(sla_state=SlaState.PAUSED),
    }


@dataclass
class QueuePage:
    page: Page
    total: int
    strip: dict[str, int]
    rows: list[Ticket] = field(default_factory=list)


def queue_page(*, user: Any, filters: TicketFilters, sla: str | None, page: Any, now: datetime) -> QueuePage:
    tickets = ticket_list_for(user, filters)
    conditions = sla_conditions(now)
    counts = tickets.aggregate(
        total=Count("pk"), **{name: Count("pk", filter=cond) for name, cond in conditions.items()}
    )
    listed = tickets.filter(conditions[sla]) if sla in conditions else tickets
    paginator = Paginator(listed, PER_PAGE)
    paginator.count = counts[sla] if sla in conditions else counts["total"]  # known: no second COUNT
    current = paginator.get_page(page)
    rows = list(current.object_list)
    prefetch_related_objects(rows, Prefetch("clocks", queryset=SlaClock.objects.order_by("due_at", "metric")))
    for ticket in rows:
        ticket.badge = badge_for(ticket, now)
    current.object_list = rows
    return QueuePage(
        page=current,
        total=counts["total"],
        strip={name: counts[name] for name in conditions},
        rows=rows,
    )


def queue_counts(*, user: Any) -> dict[str, int]:
    """Open tickets in each queue, in one query (the definitions mirror `ticket_list_for`)."""
    agent = agent_of(user)
    scope = ticket_list_for(user, TicketFilters(queue="all")).order_by()
    mine = Q(assignee=agent) if agent else Q(pk__in=[])
    team = Q(team__in=agent.teams.all()) if agent else Q(pk__in=[])
    return scope.aggregate(
        all=Count("pk"),
        mine=Count("pk", filter=mine),
        team=Count("pk", filter=team),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
    )


CUSTOMER_CHOICES_MAX = 200


@dataclass
class FilterOptions:
    customers: list[tuple[str, str]] | None  # None: too many to list, the filter is a search
    providers: list[tuple[str, str]]
    plans: list[tuple[str, str]]
    severities: list[tuple[int, str]]


def filter_options(*, user: Any) -> FilterOptions:
    """What the filters offer: only customers, providers and plans the agent has tickets of.

    `EXISTS` against the scoped tickets uses the foreign-key indexes, so this stays quick on a desk with
    millions of tickets, where `IN (SELECT customer_id …)` would read them all.
    """
    scope: QuerySet[Ticket] = ticket_scope_for(user)

    def having(column: str) -> Exists:
        return Exists(scope.filter(**{column: OuterRef("pk")}))

    # A select of every customer serves a desk of a few hundred; beyond that the field becomes a
    # search (customer_suggestions), so the page never renders thousands of options.
    customers: list[tuple[str, str]] | None = None
    if customer_scope_for(user).count() <= CUSTOMER_CHOICES_MAX:
        customers = [
            (f"{provider}/{code}", f"{name} ({provider_name})")
            for provider, code, name, provider_name in Customer.objects.filter(having("customer_id"))
            .order_by("name", "pk")
            .values_list("provider__slug", "slug", "name", "provider__name")
        ]
    providers = list(Provider.objects.filter(having("provider_id")).order_by("name"))
    plans = (
        Plan.objects.filter(having("plan_id")).select_related("provider").order_by("provider__name", "rank")
    )
    labels: dict[int, list[str]] = defaultdict(list)
    for severity in Severity.objects.filter(provider__in=providers).order_by("level", "provider__name"):
        if severity.label not in labels[severity.level]:
            labels[severity.level].append(severity.label)
    return FilterOptions(
        customers=customers,
        providers=[(p.slug, p.name) for p in providers],
        plans=[(p.key, f"{p.provider.name} {p.name}") for p in plans],
        severities=[(level, f"{level} · {' / '.join(names)}") for level, names in sorted(labels.items())],
    )


def customer_suggestions(*, user: Any, text: str, limit: int = 20) -> list[tuple[str, str]]:
    """Customers the agent may see whose name or code contains `text`, for the queue's filter."""
    text = text.strip()
    if not text:
        return []
    found = (
        customer_scope_for(user)
        .filter(Q(name__icontains=text) | Q(slug__icontains=text))
        .order_by("name", "pk")
        .values_list("provider__slug", "slug", "name", "provider__name")[:limit]
    )
    return [
        (f"{provider}/{code}", f"{name} ({provider_name})") for provider, code, name, provider_name in found
    ]
