"""The ticket list runs the same few queries at 10 tickets as at 1,000 (STYLE.md: django-helpdesk's list
ran 20,036 queries for one page)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tierdesk.tickets.models import SlaClock, Ticket
from tierdesk.tickets.services import ticket_assign, ticket_open

from .conftest import at

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=LONDON)
MAX_QUERIES = 10


def make_tickets(count: int, customers, agents, team) -> None:
    """Two cases through the services, then copies of their rows (and clocks) inserted in bulk,
    with varied customers, opening times, assignees and severities."""
    with at(NOW):
        templates = []
        for customer, agent in zip(customers, agents, strict=True):
            ticket = ticket_open(
                customer=customer,
                contact=customer.contacts.get(),
                subject="Template",
                body="",
                channel="email",
                actor=agent.user,
            )
            templates.append(ticket_assign(ticket=ticket, actor=agent.user, assignee=agent, team=team))
    severities = {t.pk: list(t.provider.severities.all()) for t in templates}
    rows = []
    first = Ticket.objects.count() + 1000
    for i in range(count - len(templates)):
        t = templates[i % len(templates)]
        opened = NOW - timedelta(minutes=7 * i + 1)
        rows.append(
            Ticket(
                number=f"NX-2026-{first + i:06d}",
                provider_id=t.provider_id,
                customer_id=t.customer_id,
                contact_id=t.contact_id,
                contract_id=t.contract_id,
                plan_id=t.plan_id,
                channel=t.channel,
                severity=severities[t.pk][i % 4],
                subject=f"Case {i}",
                assignee_id=t.assignee_id if i % 3 else None,
                team_id=t.team_id,
                opened_at=opened,
                next_due_at=t.next_due_at + timedelta(minutes=i) if t.next_due_at else None,
                sla_state=t.sla_state,
            )
        )
    made = Ticket.objects.bulk_create(rows, batch_size=500)
    clocks = {t.pk: list(t.clocks.all()) for t in templates}
    copies = []
    for i, ticket in enumerate(made):
        for c in clocks[templates[i % len(templates)].pk]:
            copies.append(
                SlaClock(
                    ticket_id=ticket.pk,
                    metric=c.metric,
                    target=c.target,
                    target_text=c.target_text,
                    calendar_id=c.calendar_id,
                    hours=c.hours,
                    started_at=ticket.opened_at,
                    due_at=ticket.next_due_at,
                    warn_at=c.warn_at,
                    state=c.state,
                    elapsed=c.elapsed,
                    elapsed_at=c.elapsed_at,
                )
            )
    SlaClock.objects.bulk_create(copies, batch_size=500)


@pytest.mark.parametrize("count", [10, 1000])
def test_the_list_runs_a_constant_number_of_queries(
    api, agent, agent2, customer_a, customer_b, desk_team, count, django_assert_max_num_queries
):
    make_tickets(count, [customer_a, customer_b], [agent, agent2], desk_team)
    assert Ticket.objects.count() == count
    with at(NOW + timedelta(hours=1)):
        for params in (
            {},
            {"limit": 200},
            {"queue": "team", "provider": "nexstor"},
            {"queue": "mine", "limit": 5},
        ):
            with django_assert_max_num_queries(MAX_QUERIES):
                response = api.get("/tickets", params)
            assert response.status_code == 200
        body = api.get("/tickets", {"limit": 200}).json()
    assert body["count"] == count
    assert len(body["items"]) == min(count, 200)
    dues = [t["next_due_at"] for t in body["items"]]
    assert dues == sorted(dues)
    assert all(len(t["sla"]) == 1 and t["sla"][0]["metric"] == "first_response" for t in body["items"])
    assert {t["customer"] for t in body["items"]} == {"acme", "globex"}
    assert {t["assignee"] for t in body["items"]} == {"alice", "bob", None}
    if count > 10:
        assert {t["severity"] for t in body["items"]} == {1, 2, 3, 4}


def test_the_number_of_queries_does_not_grow(api, agent, agent2, customer_a, customer_b, desk_team):
    def queries() -> int:
        with at(NOW + timedelta(hours=1)):
            api.get("/me")  # records the token's use, which is written at most once a minute
            with CaptureQueriesContext(connection) as captured:
                assert api.get("/tickets", {"limit": 200}).status_code == 200
        return len(captured)

    make_tickets(10, [customer_a, customer_b], [agent, agent2], desk_team)
    small = queries()
    make_tickets(600, [customer_a, customer_b], [agent, agent2], desk_team)
    assert Ticket.objects.count() == 610
    assert queries() == small <= MAX_QUERIES
