"""Fixtures of the console tests: signed-in agents and tickets opened through the services."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tierdesk.catalog.models import Impact, Urgency
from tierdesk.tickets.services import ticket_open

LONDON = ZoneInfo("Europe/London")
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
"""A working Monday morning in London: every Nexstor and PhoneCare calendar is open."""


@contextmanager
def at(moment: datetime):
    with time_machine.travel(moment, tick=False):
        yield


@pytest.fixture
def frozen():
    """Time stands still at MONDAY_10 for the whole test (due times and "time left" are exact)."""
    with at(MONDAY_10):
        yield MONDAY_10


def open_case(
    customer, *, subject="Printer on fire", body="Details", channel="email", impact=None, urgency=None, **kw
):
    contact = customer.contacts.get()
    axes = {}
    if impact:
        axes = {
            "impact": Impact.objects.get(provider=customer.provider, code=impact),
            "urgency": Urgency.objects.get(provider=customer.provider, code=urgency),
        }
    return ticket_open(
        customer=customer,
        contact=contact,
        subject=subject,
        body=body,
        channel=channel,
        actor=contact,
        **axes,
        **kw,
    )


@pytest.fixture
def console(client, agent, frozen):
    """Alice signed in to the console (time zone London), at MONDAY_10 (a test that travels more
    than a working day ahead signs in again: sessions last eight hours)."""
    agent.user.timezone = "Europe/London"
    agent.user.save(update_fields=["timezone"])
    client.force_login(agent.user)
    return client


@pytest.fixture
def htmx(console):
    """The console as htmx calls it: same session, with the HX-Request header."""

    class Htmx:
        def get(self, url, target=None, **kw):
            headers = {"HX-Request": "true", **({"HX-Target": target} if target else {})}
            return console.get(url, headers=headers, **kw)

        def post(self, url, data=None, target=None, **kw):
            headers = {"HX-Request": "true", **({"HX-Target": target} if target else {})}
            return console.post(url, data or {}, headers=headers, **kw)

    return Htmx()


@pytest.fixture
def ticket_a(customer_a, frozen):
    """An e-mailed Sev2 of Acme (Nexstor Silver), opened at MONDAY_10."""
    return open_case(customer_a, impact="degraded", urgency="today")


@pytest.fixture
def ticket_b(customer_b, frozen):
    """A Globex (Nexstor Gold) case."""
    return open_case(customer_b, subject="Globex mail down")
