"""An import from another desk records past actions at their own instants; clocks follow them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tierdesk.tickets.models import SlaClock
from tierdesk.tickets.services import TicketError, ticket_change_status, ticket_open, ticket_reply

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@time_machine.travel(datetime(2026, 11, 30, 12, 0, tzinfo=LONDON), tick=False)
def test_past_actions_keep_their_instants(customer_a, agent):
    contact = customer_a.contacts.get()
    opened = datetime(2026, 11, 20, 17, 50, tzinfo=LONDON)
    ticket = ticket_open(
        customer=customer_a,
        contact=contact,
        subject="Imported",
        body="",
        channel="email",
        actor=contact,
        opened_at=opened,
    )
    ticket_reply(
        ticket=ticket, actor=agent.user, body="Answer", at=datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)
    )
    ticket_change_status(
        ticket=ticket, actor=agent.user, status="resolved", at=datetime(2026, 11, 24, 9, 0, tzinfo=LONDON)
    )

    first = SlaClock.objects.get(ticket=ticket, metric="first_response")
    assert first.met_at == datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)
    assert first.elapsed == timedelta(hours=1, minutes=10)
    assert list(ticket.events.values_list("at", flat=True)) == sorted(
        ticket.events.values_list("at", flat=True)
    )


@time_machine.travel(datetime(2026, 11, 30, 12, 0, tzinfo=LONDON), tick=False)
@pytest.mark.parametrize(
    ("at", "message"),
    [
        (datetime(2026, 12, 1, 9, 0, tzinfo=LONDON), "in the future"),
        (datetime(2026, 11, 1, 9, 0, tzinfo=LONDON), "precede the opening"),
        (datetime(2026, 11, 25, 9, 0), "time zone"),
    ],
)
def test_impossible_instants_are_refused(customer_a, agent, at, message):
    contact = customer_a.contacts.get()
    ticket = ticket_open(
        customer=customer_a,
        contact=contact,
        subject="Imported",
        body="",
        channel="email",
        actor=contact,
        opened_at=datetime(2026, 11, 20, 9, 0, tzinfo=LONDON),
    )
    with pytest.raises(TicketError, match=message):
        ticket_reply(ticket=ticket, actor=agent.user, body="Answer", at=at)
    assert ticket.events.count() == 1
