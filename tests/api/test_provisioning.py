"""Provisioning as a CRM or billing system does it: customers, contacts, contracts; and the plans."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission

from tierdesk.customers.models import Contact, Contract, Customer

from .conftest import at, field_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def crm(api_as, agent2, catalogs):
    """Bob's client, with the permissions an administrator grants the account a CRM uses."""
    agent2.user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="customers", codename__in=["add_customer", "add_contact", "add_contract"]
        )
    )
    return api_as(agent2.user)


def test_a_crm_provisions_a_customer_and_its_cases_follow_the_contract(crm):
    created = crm.post(
        "/customers",
        {"provider": "nexstor", "code": "ACC-0042", "name": "Initech", "email_domains": ["@Initech.example"]},
    )
    assert created.status_code == 201, created.json()
    assert created.json() == {
        "provider": "nexstor",
        "code": "ACC-0042",
        "name": "Initech",
        "language": "en",
        "timezone": "Europe/London",
        "email_domains": ["initech.example"],
        "is_active": True,
        "created_at": created.json()["created_at"],
    }
    contact = crm.post(
        "/customers/nexstor/ACC-0042/contacts",
        {
            "name": "Peter Gibbons",
            "email": "Peter@Initech.EXAMPLE",
            "role": "technical",
            "phone": "+44 20 7946 0000",
        },
    )
    assert contact.status_code == 201, contact.json()
    assert contact.json()["email"] == "Peter@initech.example"
    contract = crm.post(
        "/customers/nexstor/ACC-0042/contracts",
        {"plan": "nexstor/gold", "starts_on": "2026-01-01", "units": {"seat": 40}, "reference": "SO-1001"},
    )
    assert contract.status_code == 201, contract.json()
    assert {k: contract.json()[k] for k in ("plan", "starts_on", "ends_on", "units", "reference")} == {
        "plan": "nexstor/gold",
        "starts_on": "2026-01-01",
        "ends_on": None,
        "units": {"seat": 40},
        "reference": "SO-1001",
    }
    stored = Customer.objects.get(slug="ACC-0042")
    assert stored.contracts.get().units == {"seat": 40}
    assert stored.contacts.get().role == Contact.Role.TECHNICAL

    with at(datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/London"))):
        ticket = crm.post(
            "/tickets", {"customer": "ACC-0042", "contact": "peter@initech.example", "subject": "TPS reports"}
        )
    assert ticket.status_code == 201, ticket.json()
    assert (ticket.json()["plan"], ticket.json()["contract"]) == ("nexstor/gold", contract.json()["id"])


def test_reading_customers_contacts_and_contracts(api, customer_a, customer_b):
    page = api.get("/customers").json()
    assert [c["code"] for c in page["items"]] == ["acme", "globex"]
    assert api.get("/customers", {"search": "glob"}).json()["count"] == 1
    assert api.get("/customers/nexstor/acme").json()["name"] == "Acme"
    contacts = api.get("/customers/nexstor/acme/contacts").json()
    assert [c["email"] for c in contacts["items"]] == ["it@acme.example"]
    assert api.get("/customers/nexstor/acme/contacts", {"email": "IT@acme.example"}).json()["count"] == 1
    contact_id = contacts["items"][0]["id"]
    assert api.get(f"/customers/nexstor/acme/contacts/{contact_id}").json()["customer"] == "acme"
    # Globex's path, Acme's contact: not found.
    assert api.get(f"/customers/nexstor/globex/contacts/{contact_id}").status_code == 404
    contracts = api.get("/customers/nexstor/globex/contracts").json()
    assert [c["plan"] for c in contracts["items"]] == ["nexstor/gold"]
    contract_id = contracts["items"][0]["id"]
    assert api.get(f"/customers/nexstor/globex/contracts/{contract_id}").json()["starts_on"] == "2025-01-01"
    assert api.get(f"/customers/nexstor/acme/contracts/{contract_id}").status_code == 404
    assert api.get("/customers/nexstor/nobody").status_code == 404


def test_creating_needs_the_permission(api, customer_a):
    for path, payload in [
        ("/customers", {"provider": "nexstor", "code": "x", "name": "X"}),
        ("/customers/nexstor/acme/contacts", {"name": "X", "email": "x@acme.example"}),
        ("/customers/nexstor/acme/contracts", {"plan": "nexstor/gold", "starts_on": "2026-01-01"}),
    ]:
        response = api.post(path, payload)
        assert response.status_code == 403, path
        assert "ask an administrator" in response.json()["detail"]
    assert Customer.objects.count() == 1 and Contract.objects.count() == 1


def test_customer_errors_name_the_field(crm, customer_a):
    cases = [
        ({"code": "x", "name": "X"}, "provider"),
        ({"provider": "nobody", "code": "x", "name": "X"}, "provider"),
        ({"provider": "nexstor", "code": "bad code", "name": "X"}, "code"),
        ({"provider": "nexstor", "code": "x", "name": " "}, "name"),
        ({"provider": "nexstor", "code": "x", "name": "X", "language": "tlh"}, "language"),
        ({"provider": "nexstor", "code": "x", "name": "X", "timezone": "Mars/Olympus"}, "timezone"),
        (
            {"provider": "nexstor", "code": "x", "name": "X", "email_domains": ["not a domain"]},
            "email_domains",
        ),
        (
            {"provider": "nexstor", "code": "x", "name": "X", "email_domains": ["acme.example"]},
            "email_domains",
        ),
    ]
    Customer.objects.filter(pk=customer_a.pk).update(email_domains=["acme.example"])
    for payload, field in cases:
        assert field in field_errors(crm.post("/customers", payload)), payload
    duplicate = crm.post("/customers", {"provider": "nexstor", "code": "ACME", "name": "Acme again"})
    assert duplicate.status_code == 409
    assert duplicate.json() == {"detail": "Nexstor already has a customer with the code ACME."}
    assert Customer.objects.count() == 1


def test_contact_errors(crm, customer_a):
    assert "email" in field_errors(crm.post("/customers/nexstor/acme/contacts", {"name": "X", "email": "x@"}))
    assert "role" in field_errors(
        crm.post("/customers/nexstor/acme/contacts", {"name": "X", "email": "x@acme.example", "role": "boss"})
    )
    assert "sees_company_cases" in field_errors(
        crm.post(
            "/customers/nexstor/acme/contacts",
            {"name": "X", "email": "x@acme.example", "sees_company_cases": "yes"},
        )
    )
    duplicate = crm.post("/customers/nexstor/acme/contacts", {"name": "Again", "email": "IT@ACME.example"})
    assert duplicate.status_code == 409
    assert customer_a.contacts.count() == 1


def test_contract_errors(crm, customer_a):
    path = "/customers/nexstor/acme/contracts"
    cases = [
        ({"plan": "nexstor/diamond", "starts_on": "2026-01-01"}, "plan"),
        ({"plan": "exodata/premium", "starts_on": "2026-01-01"}, "plan"),  # another provider's
        ({"plan": "silver", "starts_on": "2026-01-01"}, "plan"),
        ({"plan": "nexstor/gold"}, "starts_on"),
        ({"plan": "nexstor/gold", "starts_on": "2026-02-30"}, "starts_on"),
        ({"plan": "nexstor/gold", "starts_on": "2026-06-01", "ends_on": "2026-05-31"}, "ends_on"),
        ({"plan": "nexstor/gold", "starts_on": "2026-01-01", "units": {"horse": 3}}, "units"),
        ({"plan": "nexstor/gold", "starts_on": "2026-01-01", "units": {"port": 0}}, "units"),
        ({"plan": "nexstor/gold", "starts_on": "2026-01-01", "units": {"port": "24"}}, "units"),
        # Found by schemathesis: 0 was taken as 1 January 1970.
        ({"plan": "nexstor/gold", "starts_on": 0}, "starts_on"),
        ({"plan": "nexstor/gold", "starts_on": "20260101"}, "starts_on"),
    ]
    for payload, field in cases:
        assert field in field_errors(crm.post(path, payload)), payload
    message = field_errors(crm.post(path, {"plan": "nexstor/diamond", "starts_on": "2026-01-01"}))["plan"]
    assert "nexstor/bronze, nexstor/silver, nexstor/gold, nexstor/platinum" in message

    first = crm.post(path, {"plan": "nexstor/gold", "starts_on": "2027-01-01", "reference": "SO-7"})
    assert first.status_code == 201
    retried = crm.post(path, {"plan": "nexstor/gold", "starts_on": "2027-01-01", "reference": "SO-7"})
    assert retried.status_code == 409 and "SO-7" in retried.json()["detail"]
    assert customer_a.contracts.filter(starts_on=date(2027, 1, 1)).count() == 1


def test_an_adhoc_plan_is_not_for_a_contract(crm, make_customer):
    make_customer("phonecare", None, slug="walkin")
    response = crm.post(
        "/customers/phonecare/walkin/contracts", {"plan": "phonecare/cats", "starts_on": "2026-01-01"}
    )
    assert "charged per case" in field_errors(response)["plan"]


def test_plans(api, catalogs):
    plans = api.get("/plans").json()
    assert {p["provider"] for p in plans} == {"biztek", "exodata", "netcor", "nexstor", "phonecare"}
    assert [p["key"] for p in api.get("/plans", {"provider": "nexstor"}).json()] == [
        "nexstor/bronze",
        "nexstor/silver",
        "nexstor/gold",
        "nexstor/platinum",
    ]
    silver = api.get("/plans/nexstor/silver").json()
    assert silver["calendar"] == {
        "slug": "business",
        "name": "Core business hours",
        "timezone": "Europe/London",
    }
    assert {c["channel"] for c in silver["channels"]} == {"email", "phone", "portal", "monitoring"}
    assert [s["level"] for s in silver["severities"]] == [1, 2, 3, 4]
    sev1 = next(t for t in silver["targets"] if t["severity"] == 1)
    assert (sev1["metric"], sev1["within"], sev1["within_text"], sev1["hours"]) == (
        "first_response",
        "PT30M",
        "30m",
        "any",
    )
    platinum = api.get("/plans/nexstor/platinum").json()
    out_of_hours = [t for t in platinum["targets"] if t["hours"] == "out_of_hours"]
    assert [(t["within"], t["channels"], t["calendar"]["slug"]) for t in out_of_hours] == [
        ("PT1H", ["phone"], "24x7")
    ]
    # Business days are counted as the calendar's working days: NETCOR's 2 days are 17 hours.
    netcor = api.get("/plans/netcor/standard").json()
    in_days = [t for t in netcor["targets"] if t["business_days"]]
    assert in_days and all(
        t["within"] == f"PT{int(t['business_days'] * 8.5)}H" or "M" in t["within"] for t in in_days
    )
    assert any(t["within_text"] == "2bd" and t["within"] == "PT17H" for t in in_days)
    cat2 = api.get("/plans/phonecare/cat2").json()
    port = [p for p in cat2["prices"] if p["code"] == "port"]
    assert [(p["amount"], p["from_year"], p["unit"]) for p in port] == [
        ("17.50", 1, "port"),
        ("22.50", 2, "port"),
    ]
    assert api.get("/plans/nexstor/diamond").status_code == 404
