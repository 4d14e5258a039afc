"""Opening a case: contract resolution, severity from the matrix, case numbers, the history."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from tierdesk.catalog.models import Impact, Urgency
from tierdesk.tickets.models import AppendOnlyError, EventKind, Ticket, TicketEvent
from tierdesk.tickets.services import TicketError, ticket_open

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _axis(provider, impact, urgency):
    return (
        Impact.objects.get(provider=provider, code=impact),
        Urgency.objects.get(provider=provider, code=urgency),
    )


def _open(customer, *, impact=None, urgency=None, **kwargs):
    defaults = {
        "contact": customer.contacts.first(),
        "subject": "Printer on fire",
        "body": "Smoke everywhere.",
        "channel": "phone",
        "actor": customer.contacts.first(),
    }
    if impact:
        defaults["impact"], defaults["urgency"] = _axis(customer.provider, impact, urgency)
    return ticket_open(customer=customer, **{**defaults, **kwargs})


@time_machine.travel(NOW, tick=False)
def test_open_records_contract_plan_severity_and_history(customer_a, contact_a):
    ticket = _open(customer_a, impact="outage", urgency="immediate")

    assert ticket.contract == customer_a.contracts.get()
    assert ticket.plan.key == "nexstor/silver"
    assert (ticket.severity.level, ticket.severity.label) == (1, "Critical (Severity 1)")
    assert (ticket.status, ticket.opened_at) == ("new", NOW)
    [event] = ticket.events.all()
    assert (event.kind, event.at, event.actor_contact, event.public, event.body) == (
        EventKind.OPENED,
        NOW,
        contact_a,
        True,
        "Smoke everywhere.",
    )


@pytest.mark.parametrize(
    ("provider", "plan", "impact", "urgency", "level", "label"),
    [
        ("exodata", "standard", "several_users", "blocked_no_workaround", 1, "Critique"),
        ("exodata", "standard", "one_user", "blocked_workaround", 3, "Moyenne"),
        ("netcor", "standard", "major", "no_workaround", 1, "Eskalationsstufe 1 (Kritisch)"),
        ("netcor", "standard", "request", "workaround", 4, "Eskalationsstufe 4 (Niedrig)"),
        ("biztek", "standard", "services_down", "deadlines", 1, "Kritisk / Major Incident"),
        ("nexstor", "gold", "low", "planned", 4, "Low (Severity 4)"),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_severity_comes_from_the_providers_matrix(
    make_customer, provider, plan, impact, urgency, level, label
):
    customer = make_customer(provider, plan, slug="c1")
    ticket = _open(customer, impact=impact, urgency=urgency)
    assert (ticket.severity.level, ticket.severity.label) == (level, label)


@time_machine.travel(NOW, tick=False)
def test_without_impact_and_urgency_the_least_severe_level_applies(customer_a):
    assert _open(customer_a).severity.level == 4


@time_machine.travel(NOW, tick=False)
def test_case_numbers_use_the_provider_prefix_and_restart_each_year(make_customer):
    nexstor = make_customer("nexstor", "silver", slug="n1")
    netcor = make_customer("netcor", "standard", slug="g1")

    numbers = [_open(nexstor).number, _open(nexstor).number, _open(netcor).number]

    assert numbers == ["NX-2026-000001", "NX-2026-000002", "NC-2026-000001"]
    # 31 Dec 23:30 UTC is already 1 Jan in Berlin: NETCOR's case belongs to 2027.
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    with time_machine.travel(new_year + timedelta(minutes=1), tick=False):
        assert _open(netcor, opened_at=new_year).number == "NC-2027-000001"
        assert _open(nexstor, opened_at=new_year).number == "NX-2026-000003"


@time_machine.travel(NOW, tick=False)
def test_the_contract_in_force_at_opening_applies(make_customer, catalogs):
    customer = make_customer(
        "nexstor", "silver", slug="upgrader", starts_on=date(2025, 1, 1), ends_on=date(2026, 6, 30)
    )
    customer.contracts.create(plan=catalogs["nexstor"].plans.get(slug="platinum"), starts_on=date(2026, 7, 1))

    old = _open(customer, opened_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    new = _open(customer)

    assert (old.plan.slug, new.plan.slug) == ("silver", "platinum")


@time_machine.travel(NOW, tick=False)
def test_without_a_contract_the_providers_adhoc_plan_applies(make_customer):
    customer = make_customer("phonecare", None, slug="walk-in")
    ticket = _open(customer, channel="phone")
    assert ticket.contract is None
    assert ticket.plan.key == "phonecare/cats"
    nexstor_walk_in = make_customer("nexstor", None, slug="no-contract")
    assert _open(nexstor_walk_in).plan is None


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"subject": "   "}, "needs a subject"),
        ({"channel": "pigeon"}, "Unknown channel"),
        ({"type": "complaint"}, "Unknown case type"),
        ({"opened_at": NOW + timedelta(hours=1)}, "in the future"),
        ({"opened_at": datetime(2026, 11, 1, 9, 0)}, "time zone"),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_written(customer_a, change, message):
    with pytest.raises(TicketError, match=message):
        _open(customer_a, **change)
    assert not Ticket.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_contact_of_another_customer_is_refused(customer_a, contact_b):
    with pytest.raises(TicketError, match="does not belong"):
        _open(customer_a, contact=contact_b)


@time_machine.travel(NOW, tick=False)
def test_impact_of_another_provider_is_refused(customer_a, catalogs):
    impact, urgency = _axis(catalogs["netcor"], "outage", "no_workaround")
    contact = customer_a.contacts.get()
    with pytest.raises(TicketError, match="customer's provider"):
        ticket_open(
            customer=customer_a,
            contact=contact,
            subject="x",
            body="",
            channel="email",
            actor=contact,
            impact=impact,
            urgency=urgency,
        )


@time_machine.travel(NOW, tick=False)
def test_history_is_append_only(customer_a):
    event = _open(customer_a).events.get()
    event.body = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert TicketEvent.objects.get(pk=event.pk).body == "Smoke everywhere."


@pytest.mark.django_db(transaction=True)
def test_concurrent_openings_get_distinct_numbers(make_customer):
    customer = make_customer("nexstor", "silver", slug="busy")
    errors: list[BaseException] = []

    def worker():
        try:
            for _ in range(5):
                _open(customer)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    year = datetime.now(tz=UTC).year
    assert numbers == [f"NX-{year}-{n:06d}" for n in range(1, 21)]
