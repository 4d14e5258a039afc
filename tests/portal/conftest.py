"""Personas and objects of the portal tests: two customers of Nexstor (A on Silver, B on Gold), a
customer of another provider (Exodata), a Bronze customer (no portal), their cases, files and
articles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.base import ContentFile

PASSWORD = "correct horse battery"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def make_portal_user(contact, username: str):
    from tierdesk.accounts.models import User

    user = User.objects.create_user(username, contact.email, PASSWORD)
    contact.user = user
    contact.save(update_fields=["user"])
    return user


def sign_in(client, email: str, password: str = PASSWORD):
    response = client.post("/portal/sign-in/", {"email": email, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def attach(ticket, event, name: str, data: bytes, content_type: str = "image/png"):
    import hashlib

    from tierdesk import clock
    from tierdesk.tickets.models import Attachment

    attachment = Attachment(
        ticket=ticket,
        event=event,
        filename=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        created_at=clock.now(),
    )
    attachment.file.save("upload", ContentFile(data), save=False)
    attachment.save()
    return attachment


@dataclass
class World:
    customer_a: Any
    contact_a: Any  # Acme's contact, own cases only
    contact_a2: Any  # Acme's manager, sees the company's cases
    customer_b: Any
    contact_b: Any
    exo_customer: Any
    exo_contact: Any
    bronze_contact: Any
    case_a: Any  # opened by contact_a
    case_a2: Any  # opened by contact_a2
    case_b: Any
    case_exo: Any
    file_a: Any  # on case_a's opening message
    file_note: Any  # on an internal note of case_a
    article_public: Any  # Nexstor, public
    article_internal: Any  # Nexstor, internal
    article_draft: Any  # Nexstor, draft
    article_exo: Any  # Exodata, public


@pytest.fixture
def world(make_customer, portal_user, contact_a, customer_a, agent) -> World:
    from tierdesk.catalog.models import Impact, Urgency
    from tierdesk.customers.models import Contact
    from tierdesk.kb.services import article_create
    from tierdesk.tickets.models import EventKind
    from tierdesk.tickets.services import ticket_note, ticket_open

    contact_a2 = Contact.objects.create(
        customer=customer_a, name="Ada Manager", email="boss@acme.example", sees_company_cases=True
    )
    make_portal_user(contact_a2, "acme-boss")
    customer_b = make_customer("nexstor", "gold", slug="globex")
    contact_b = customer_b.contacts.get()
    make_portal_user(contact_b, "globex-it")
    exo = make_customer("exodata", "standard", slug="exocorp")
    exo_contact = exo.contacts.get()
    make_portal_user(exo_contact, "exo-it")
    bronze = make_customer("nexstor", "bronze", slug="bronzeco")
    bronze_contact = bronze.contacts.get()
    make_portal_user(bronze_contact, "bronze-it")

    def open_case(customer, contact, subject):
        provider = customer.provider
        return ticket_open(
            customer=customer,
            contact=contact,
            subject=subject,
            body=f"Details of {subject}",
            channel="portal" if customer.provider.slug != "nexstor" or customer != bronze else "email",
            actor=contact,
            impact=Impact.objects.filter(provider=provider).order_by("rank").last(),
            urgency=Urgency.objects.filter(provider=provider).order_by("rank").last(),
        )

    case_a = open_case(customer_a, contact_a, "Acme printer jams")
    case_a2 = open_case(customer_a, contact_a2, "Acme budget server")
    case_b = open_case(customer_b, contact_b, "Globex VPN down")
    case_exo = open_case(exo, exo_contact, "Exocorp imprimante")
    opened = case_a.events.get(kind=EventKind.OPENED)
    file_a = attach(case_a, opened, "screen.png", PNG)
    ticket_note(ticket=case_a, actor=agent.user, body="INTERNAL: customer owes us money")
    note = case_a.events.get(kind=EventKind.NOTE)
    file_note = attach(case_a, note, "internal.png", PNG)

    nexstor, exodata = customer_a.provider, exo.provider
    article_public = article_create(
        provider=nexstor,
        language="en",
        title="Clearing a printer paper jam",
        body="Open the tray, remove the jammed paper, close the tray.",
        actor=agent.user,
        visibility="public",
    )
    article_internal = article_create(
        provider=nexstor,
        language="en",
        title="Printer admin password reset",
        body="Internal procedure for the printer admin password.",
        actor=agent.user,
        visibility="internal",
    )
    article_draft = article_create(
        provider=nexstor,
        language="en",
        title="Printer draft notes",
        body="Draft about printers.",
        actor=agent.user,
        visibility="draft",
    )
    article_exo = article_create(
        provider=exodata,
        language="fr",
        title="Débloquer une imprimante",
        body="Ouvrez le bac de l'imprimante et retirez le papier coincé.",
        actor=agent.user,
        visibility="public",
    )
    return World(
        customer_a, contact_a, contact_a2, customer_b, contact_b, exo, exo_contact, bronze_contact,
        case_a, case_a2, case_b, case_exo, file_a, file_note,
        article_public, article_internal, article_draft, article_exo,
    )  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_throttle(settings):
    """Each test counts sign-in attempts in a cache of its own. (Clearing the shared file cache
    instead would wipe the counters of a test running at the same time in another xdist worker.)"""
    import uuid

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }
    yield
