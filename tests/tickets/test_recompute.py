"""Recomputing stored clocks in bulk (after a plan or calendar change) gives exactly what the
per-ticket derivation gives, through the calendars' vectorised path."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from tierdesk.catalog.models import CalendarDay, Impact, Urgency
from tierdesk.tickets.models import SlaClock, Status, Ticket
from tierdesk.tickets.services import (
    TicketError,
    clocks_recompute,
    clocks_refresh,
    ticket_change_severity,
    ticket_change_status,
    ticket_open,
    ticket_reply,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
PLANS = [
    ("nexstor", "silver"),
    ("nexstor", "platinum"),
    ("phonecare", "cat1"),
    ("phonecare", "cat2"),
    ("exodata", "standard"),
    ("exodata", "premium"),
    ("biztek", "standard"),
    ("netcor", "standard"),
]
FIELDS = (
    "metric",
    "due_at",
    "warn_at",
    "state",
    "met_at",
    "breached_at",
    "elapsed",
    "cycle",
    "misses",
    "target",
)


def _snapshot():
    return sorted(SlaClock.objects.values_list("ticket_id", *FIELDS))


def _random_history(rng, customers, agent):
    provider, plan = rng.choice(PLANS)
    customer = customers[(provider, plan)]
    contact = customer.contacts.get()
    at = NOW - timedelta(minutes=rng.randrange(60, 8000))
    impacts = list(Impact.objects.filter(provider=customer.provider))
    urgencies = list(Urgency.objects.filter(provider=customer.provider))
    channel = "portal" if provider == "exodata" else "phone"
    with time_machine.travel(at, tick=False):
        ticket = ticket_open(
            customer=customer,
            contact=contact,
            subject="x",
            body="",
            channel=channel,
            actor=contact,
            impact=rng.choice(impacts),
            urgency=rng.choice(urgencies),
        )
    for _ in range(rng.randrange(0, 6)):
        at += timedelta(minutes=rng.randrange(5, 900))
        if at >= NOW:
            break
        action = rng.choice(["reply", "wait", "resume", "resolve", "reopen", "severity", "customer"])
        with time_machine.travel(at, tick=False):
            try:
                if action == "reply":
                    ticket_reply(ticket=ticket, actor=agent.user, body="update")
                elif action == "customer":
                    ticket_reply(ticket=ticket, actor=contact, body="more info")
                elif action == "wait":
                    ticket_change_status(
                        ticket=ticket,
                        actor=agent.user,
                        status=rng.choice([Status.WAITING_CUSTOMER, Status.WAITING_VENDOR]),
                    )
                elif action == "resume":
                    ticket_change_status(ticket=ticket, actor=agent.user, status=Status.IN_PROGRESS)
                elif action == "resolve":
                    ticket_change_status(ticket=ticket, actor=agent.user, status=Status.RESOLVED)
                elif action == "reopen":
                    ticket_change_status(ticket=ticket, actor=contact, status=Status.IN_PROGRESS)
                else:
                    levels = list(customer.provider.severities.values_list("level", flat=True))
                    ticket_change_severity(
                        ticket=ticket, actor=agent.user, level=rng.choice(levels), reason="r"
                    )
            except TicketError:
                pass  # not allowed from where the ticket is: fine, the history is still realistic
    return ticket


def test_bulk_recompute_matches_the_per_ticket_derivation(make_customer, agent):
    rng = random.Random(20261203)
    customers = {(p, plan): make_customer(p, plan, slug=f"{p}-{plan}") for p, plan in PLANS}
    tickets = [_random_history(rng, customers, agent) for _ in range(80)]
    with time_machine.travel(NOW, tick=False):
        for ticket in tickets:
            clocks_refresh(ticket=Ticket.objects.get(pk=ticket.pk))
    expected = _snapshot()
    assert len(expected) > 80
    assert {row[4] for row in expected} >= {"running", "met", "breached", "paused"}

    SlaClock.objects.update(due_at=None, warn_at=None, state="running", elapsed=timedelta(0))
    with time_machine.travel(NOW, tick=False):
        assert clocks_recompute(tickets=Ticket.objects.all(), chunk=17) == 80

    assert _snapshot() == expected


def test_a_new_shutdown_day_moves_open_clocks(make_customer, catalogs):
    customer = make_customer("netcor", "standard", slug="nordheide")
    contact = customer.contacts.get()
    opened = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin
    with time_machine.travel(opened, tick=False):
        ticket = ticket_open(
            customer=customer,
            contact=contact,
            subject="x",
            body="",
            channel="email",
            actor=contact,
            impact=Impact.objects.get(provider=customer.provider, code="minor"),
            urgency=Urgency.objects.get(provider=customer.provider, code="workaround"),
        )
    before = SlaClock.objects.get(ticket=ticket).due_at
    calendar = catalogs["netcor"].calendars.get(slug="business")
    CalendarDay.objects.create(calendar=calendar, date=date(2026, 12, 22), kind="closed", name="Inventur")
    calendar.save()  # the admin saves the calendar with its days; the compiled calendar follows

    with time_machine.travel(opened + timedelta(minutes=5), tick=False):
        clocks_recompute()

    assert SlaClock.objects.get(ticket=ticket).due_at - before == timedelta(days=1)


def test_sla_recompute_command(tierdesk):
    assert tierdesk("demo").returncode == 0
    result = tierdesk("sla", "recompute")
    assert result.returncode == 0, result.stderr
    assert "Recomputed the SLA clocks of" in result.stdout
    unknown = tierdesk("sla", "recompute", "--provider", "acme")
    assert unknown.returncode == 1 and "no provider acme" in unknown.stderr
