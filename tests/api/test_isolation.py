"""Tenant isolation: an agent serving NETCOR only never sees, nor touches, a Nexstor customer's data.

Every row of the matrix is asked by Nina (NETCOR's team) and by Alice (the desk team, which serves
every provider): Alice's answer proves the thing exists, Nina's that it stays hidden, with the same
404 as something that does not exist at all.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tierdesk.tickets.models import Ticket, TicketEvent
from tierdesk.tickets.services import ticket_open

from .conftest import at

pytestmark = pytest.mark.django_db

NOT_FOUND = {"detail": "Not found."}


@pytest.fixture
def two_tenants(customer_a, contact_a, make_customer, agent):
    """A Nexstor case (Acme) and a NETCOR case (Nordwerk)."""
    nordwerk = make_customer("netcor", "standard", slug="nordwerk")
    with at(datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))):
        nexstor_case = ticket_open(
            customer=customer_a,
            contact=contact_a,
            subject="Acme mail",
            body="",
            channel="email",
            actor=contact_a,
        )
        netcor_case = ticket_open(
            customer=nordwerk,
            contact=None,
            subject="Nordwerk VPN",
            body="",
            channel="email",
            actor=agent.user,
        )
    return nexstor_case, netcor_case


def hidden_reads(number: str) -> list[str]:
    return [
        f"/tickets/{number}",
        f"/tickets/{number}/events",
        f"/tickets/{number}/sla",
        "/customers/nexstor/acme",
        "/customers/nexstor/acme/contacts",
        "/customers/nexstor/acme/contracts",
        "/plans/nexstor/silver",
    ]


def test_reads_of_another_providers_data_are_404s(api, nina_api, two_tenants):
    nexstor_case, _ = two_tenants
    for path in hidden_reads(nexstor_case.number):
        assert api.get(path).status_code == 200, path
        response = nina_api.get(path)
        assert (response.status_code, response.json()) == (404, NOT_FOUND), path
    # Exactly the answer for a case that does not exist.
    missing = nina_api.get("/tickets/NX-2026-999999")
    assert (missing.status_code, missing.json()) == (404, NOT_FOUND)


def test_contact_and_contract_ids_of_another_provider_are_404s(api, nina_api, two_tenants, customer_a):
    contact = customer_a.contacts.get()
    contract = customer_a.contracts.get()
    for path in (
        f"/customers/nexstor/acme/contacts/{contact.pk}",
        f"/customers/nexstor/acme/contracts/{contract.pk}",
        f"/customers/netcor/nordwerk/contacts/{contact.pk}",  # a visible customer, someone else's contact
        f"/customers/netcor/nordwerk/contracts/{contract.pk}",
    ):
        assert nina_api.get(path).status_code == 404, path
    assert api.get(f"/customers/nexstor/acme/contacts/{contact.pk}").status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"open": "false"},
        {"provider": "nexstor"},
        {"customer": "acme"},
        {"plan": "nexstor/silver"},
        {"channel": "email"},
        {"severity": 4},
        {"queue": "unassigned"},
        {"search": "Acme"},
        {"search": "NX-2026-000001"},
    ],
)
def test_lists_and_filters_never_show_another_providers_tickets(api, nina_api, two_tenants, params):
    nexstor_case, netcor_case = two_tenants
    seen = {t["number"] for t in nina_api.get("/tickets", params).json()["items"]}
    assert nexstor_case.number not in seen
    assert seen <= {netcor_case.number}
    counted = nina_api.get("/tickets", params).json()["count"]
    assert counted == len(seen)  # counts are scoped before counting


def test_the_desk_team_sees_both(api, two_tenants):
    seen = {t["number"] for t in api.get("/tickets").json()["items"]}
    assert seen == {t.number for t in two_tenants}


def test_customer_and_plan_lists_are_scoped(api, nina_api, two_tenants):
    assert {c["code"] for c in nina_api.get("/customers").json()["items"]} == {"nordwerk"}
    assert nina_api.get("/customers", {"provider": "nexstor"}).json()["count"] == 0
    assert nina_api.get("/customers", {"search": "acme"}).json()["count"] == 0
    assert {p["provider"] for p in nina_api.get("/plans").json()} == {"netcor"}
    assert nina_api.get("/plans", {"provider": "nexstor"}).json() == []
    assert {c["code"] for c in api.get("/customers").json()["items"]} == {"acme", "nordwerk"}
    assert nina_api.get("/me").json()["providers"] == ["netcor"]


def test_writes_on_another_providers_case_are_404s_and_change_nothing(nina_api, two_tenants):
    nexstor_case, _ = two_tenants
    number = nexstor_case.number
    before = TicketEvent.objects.filter(ticket=nexstor_case).count()
    writes = [
        ("post", "replies", {"body": "Hi"}),
        ("post", "notes", {"body": "Hi"}),
        ("post", "calls", {}),
        ("post", "status", {"status": "resolved"}),
        ("post", "severity", {"level": 1, "reason": "x"}),
        ("post", "assignment", {"assignee": "nina"}),
        ("post", "onsite/required", {}),
        ("post", "onsite/arrived", {}),
        ("post", "adhoc/accept", {}),
        ("post", "adhoc/decline", {"reason": "x"}),
    ]
    for method, action, payload in writes:
        response = getattr(nina_api, method)(f"/tickets/{number}/{action}", payload)
        assert (response.status_code, response.json()) == (404, NOT_FOUND), action
    assert nina_api.patch(f"/tickets/{number}", {"subject": "Mine now"}).status_code == 404
    assert TicketEvent.objects.filter(ticket=nexstor_case).count() == before
    assert Ticket.objects.get(pk=nexstor_case.pk).subject == "Acme mail"


def test_another_providers_customers_cannot_be_used_in_writes(nina_api, netcor_agent, two_tenants):
    from django.contrib.auth.models import Permission

    netcor_agent.user.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_customer", "add_contact", "add_contract"])
    )
    # Opening a case for Acme: Acme does not exist as far as Nina can tell.
    response = nina_api.post("/tickets", {"customer": "acme", "subject": "x"})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "customer"
    response = nina_api.post("/tickets", {"customer": "acme", "provider": "nexstor", "subject": "x"})
    assert response.status_code == 422
    # A customer of a provider she does not serve.
    response = nina_api.post("/customers", {"provider": "nexstor", "code": "sneaky", "name": "Sneaky"})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "provider"
    # A Nexstor plan for a NETCOR customer.
    response = nina_api.post(
        "/customers/netcor/nordwerk/contracts", {"plan": "nexstor/gold", "starts_on": "2026-12-01"}
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "plan"
    # Contacts of a hidden customer.
    assert (
        nina_api.post(
            "/customers/nexstor/acme/contacts", {"name": "X", "email": "x@acme.example"}
        ).status_code
        == 404
    )
    assert Ticket.objects.count() == 2
