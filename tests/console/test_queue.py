"""The queues: mine, my team, unassigned, all — by due time, with SLA badges, filters and search."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_assign, ticket_change_status

from .conftest import MONDAY_10, at, open_case

pytestmark = pytest.mark.django_db


def _numbers(response):
    return [t.number for t in response.context["result"].rows]


def test_queue_is_ordered_by_due_time_with_badges(console, customer_a, customer_b, agent):
    sev4 = open_case(customer_a, subject="Low", impact="low", urgency="planned")  # 12 h
    sev1 = open_case(customer_a, subject="Down", impact="outage", urgency="immediate")  # 30 min
    sev3 = open_case(customer_b, subject="Slow", impact="minimal", urgency="today")  # 8 h
    response = console.get("/")
    assert response.status_code == 200
    assert _numbers(response) == [sev1.number, sev3.number, sev4.number]
    page = response.content.decode()
    assert "On track" in page and "First response in 30 min" in page


def test_breached_and_paused_badges_and_the_strip(console, customer_a, agent):
    late = open_case(customer_a, subject="Late", impact="outage", urgency="immediate")
    waiting = open_case(customer_a, subject="Waiting", impact="degraded", urgency="today")
    ticket_change_status(ticket=waiting, actor=agent.user, status="waiting_customer", reason="Need logs")
    with time_machine.travel(MONDAY_10 + timedelta(hours=1), tick=False):
        console.force_login(agent.user)
        response = console.get("/")
        page = response.content.decode()
        assert "Breached" in page and "Paused" in page
        strip = response.context["result"].strip
        assert (strip["breached"], strip["paused"]) == (1, 1)
        assert _numbers(console.get("/?sla=breached")) == [late.number]
        assert _numbers(console.get("/?sla=paused")) == [waiting.number]


def test_mine_team_unassigned_and_all(console, customer_a, agent, agent2, desk_team):
    mine = open_case(customer_a, subject="Mine")
    theirs = open_case(customer_a, subject="Bob's")
    nobodys = open_case(customer_a, subject="Nobody's")
    ticket_assign(ticket=mine, actor=agent.user, assignee=agent, team=desk_team)
    ticket_assign(ticket=theirs, actor=agent.user, assignee=agent2, team=desk_team)

    assert _numbers(console.get("/?queue=mine")) == [mine.number]
    assert set(_numbers(console.get("/?queue=team"))) == {mine.number, theirs.number}
    assert _numbers(console.get("/?queue=unassigned")) == [nobodys.number]
    assert set(_numbers(console.get("/?queue=all"))) == {mine.number, theirs.number, nobodys.number}
    counts = console.get("/").context["counts"]
    assert (counts["mine"], counts["team"], counts["unassigned"], counts["all"]) == (1, 2, 1, 3)


def test_filters_and_search(console, make_customer, customer_a):
    netcor = make_customer("netcor", "standard", slug="nordheide")
    with at(MONDAY_10):
        a = open_case(
            customer_a, subject="Printer jam on floor 2", channel="phone", impact="low", urgency="planned"
        )
        n = open_case(netcor, subject="Firewall", channel="email", impact="outage", urgency="no_workaround")
    assert _numbers(console.get("/?provider=netcor")) == [n.number]
    assert _numbers(console.get("/?customer=nexstor/acme")) == [a.number]
    assert _numbers(console.get("/?plan=netcor/standard")) == [n.number]
    assert _numbers(console.get("/?severity=1")) == [n.number]
    assert _numbers(console.get("/?channel=email")) == [n.number]
    assert _numbers(console.get("/?type=incident")) == [n.number, a.number]
    assert _numbers(console.get("/?q=printer")) == [a.number]
    assert _numbers(console.get(f"/?q={n.number}")) == [n.number]
    # A customer of another provider than the one chosen finds nothing, never another's cases.
    assert _numbers(console.get("/?provider=netcor&customer=nexstor/acme")) == []


def test_closed_cases_only_when_asked(console, customer_a, agent):
    done = open_case(customer_a, subject="Done")
    ticket_change_status(ticket=done, actor=agent.user, status="resolved")
    assert _numbers(console.get("/")) == []
    assert _numbers(console.get("/?status=resolved")) == [done.number]
    assert _numbers(console.get("/?status=any")) == [done.number]


def test_bad_filter_values_are_ignored_not_errors(console, customer_a):
    open_case(customer_a)
    for query in (
        "severity=abc",
        "status=exploded",
        "customer=../../etc",
        "queue=secret",
        "plan=x",
        "page=999",
    ):
        assert console.get(f"/?{query}").status_code == 200, query


def test_htmx_filtering_returns_the_results_fragment_and_pushes_the_url(htmx, customer_a):
    open_case(customer_a)
    response = htmx.get("/?provider=nexstor&customer=", target="queue-results")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<section id="queue-results"') and "<html" not in body
    assert response["HX-Push-Url"] == "/?provider=nexstor"
    assert "HX-Request" in response["Vary"]


def test_empty_states(console):
    page = console.get("/").content.decode()
    assert "No cases yet." in page
    page = console.get("/?provider=netcor").content.decode()
    assert "No open case matches these filters." in page


def _bulk_tickets(customer, n):
    """n tickets straight into the table (the volume, not the services, is what is measured)."""
    first = Ticket.objects.filter(customer=customer).first()
    start = Ticket.objects.filter(customer=customer).count()
    Ticket.objects.bulk_create(
        Ticket(
            number=f"BULK-{customer.pk}-{start + i:06d}",
            provider=customer.provider,
            customer=customer,
            contact=first.contact,
            contract=first.contract,
            plan=first.plan,
            channel="email",
            severity=first.severity,
            subject=f"Bulk case {i}",
            opened_at=MONDAY_10 - timedelta(minutes=i),
            next_due_at=MONDAY_10 + timedelta(minutes=i),
            sla_state="running",
        )
        for i in range(n)
    )


def test_queue_runs_the_same_few_queries_at_10_and_1000_tickets(console, customer_a, customer_b, agent):
    for customer in (customer_a, customer_b):
        open_case(customer)
        _bulk_tickets(customer, 4)
    with CaptureQueriesContext(connection) as ten:
        assert console.get("/?queue=all").status_code == 200
    assert Ticket.objects.count() == 10
    for customer in (customer_a, customer_b):
        _bulk_tickets(customer, 495)
    with CaptureQueriesContext(connection) as thousand:
        response = console.get("/?queue=all")
    assert Ticket.objects.count() == 1000
    assert len(response.context["result"].rows) == 25
    assert len(thousand.captured_queries) == len(ten.captured_queries) <= 24


def test_a_desk_with_many_customers_searches_them_instead_of_listing(
    console, customer_a, catalogs, monkeypatch
):
    from tierdesk.console import queues
    from tierdesk.customers.models import Customer

    open_case(customer_a)
    assert 'select id="filter-customer"' in console.get("/").content.decode()
    monkeypatch.setattr(queues, "CUSTOMER_CHOICES_MAX", 1)
    Customer.objects.create(
        provider=catalogs["netcor"], slug="acme-de", name="Acme GmbH", timezone="Europe/Berlin"
    )
    page = console.get("/").content.decode()
    assert 'list="customer-options"' in page and 'select id="filter-customer"' not in page
    options = console.get("/customers/suggest/?customer=acm").content.decode()
    assert 'value="nexstor/acme"' in options and 'value="netcor/acme-de"' in options


def test_customer_suggestions_stay_within_the_agents_providers(client, netcor_agent, customer_a):
    client.force_login(netcor_agent.user)
    assert "acme" not in client.get("/customers/suggest/?customer=acm").content.decode()
