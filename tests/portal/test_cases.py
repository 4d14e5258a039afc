"""Logging and following cases in the portal: the provider's words, the promise before sending,
attachments, the public timeline, replies, confirming a fix and reopening within the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from tierdesk.catalog.models import Impact, Urgency
from tierdesk.tickets.models import Attachment, EventKind, Status, Ticket
from tierdesk.tickets.services import ticket_change_status, ticket_reply

from .conftest import PNG, attach, sign_in

pytestmark = pytest.mark.django_db

FRIDAY_EVENING = datetime(2026, 11, 20, 17, 50, tzinfo=UTC)  # London = UTC in November


def _axes(provider, impact, urgency):
    return (
        Impact.objects.get(provider=provider, code=impact).pk,
        Urgency.objects.get(provider=provider, code=urgency).pk,
    )


def test_the_form_asks_impact_and_urgency_in_the_providers_own_words(client, world):
    sign_in(client, world.exo_contact.email)
    page = client.get("/portal/cases/new/").content.decode()
    assert "Bloqué, sans solution de contournement" in page
    assert "Plusieurs utilisateurs" in page
    assert "Information request" in page or "Demande d" in page


@time_machine.travel(FRIDAY_EVENING, tick=False)
def test_the_promise_is_shown_before_sending_in_the_contacts_time_zone(client, world):
    sign_in(client, "it@acme.example")
    impact, urgency = _axes(world.customer_a.provider, "outage", "immediate")
    fragment = client.get(
        "/portal/cases/new/promise/", {"impact": impact, "urgency": urgency}, HTTP_HX_REQUEST="true"
    )
    text = fragment.content.decode()
    # Severity 1 on Silver: first response within 30 minutes of business time (08:00–18:00 Mon–Fri):
    # 10 minutes on Friday, 20 on Monday morning.
    assert "Critical (Severity 1)" in text
    assert "We will respond by Monday Nov. 23, 2026, 08:20." in text
    assert "<html" not in text  # a fragment, not a page

    world.contact_a.timezone = "Europe/Oslo"
    world.contact_a.save()
    text = client.get("/portal/cases/new/promise/", {"impact": impact, "urgency": urgency}).content.decode()
    assert "Monday Nov. 23, 2026, 09:20" in text

    impact, urgency = _axes(world.customer_a.provider, "low", "planned")
    text = client.get("/portal/cases/new/promise/", {"impact": impact, "urgency": urgency}).content.decode()
    assert "Low (Severity 4)" in text and "Monday Nov. 23, 2026, 19:10" not in text


def test_the_promise_ignores_another_providers_impacts(client, world):
    sign_in(client, "it@acme.example")
    impact, urgency = _axes(world.exo_customer.provider, "several_users", "blocked_no_workaround")
    text = client.get("/portal/cases/new/promise/", {"impact": impact, "urgency": urgency}).content.decode()
    assert "Choose who is affected" in text


@time_machine.travel(FRIDAY_EVENING, tick=False)
def test_a_case_is_logged_with_a_screenshot_through_the_portal_channel(client, world):
    sign_in(client, "it@acme.example")
    impact, urgency = _axes(world.customer_a.provider, "degraded", "today")
    shot = SimpleUploadedFile("../../etc/passwd\u202egnp.png", PNG, content_type="text/html")
    response = client.post(
        "/portal/cases/new/",
        {
            "type": "incident",
            "impact": impact,
            "urgency": urgency,
            "subject": "  Scanner   offline ",
            "description": "Since this morning.",
            "software_version": "Firmware 2.1",
            "files": [shot],
        },
    )
    ticket = Ticket.objects.get(subject="Scanner offline")
    assert response.status_code == 302 and response["Location"] == f"/portal/cases/{ticket.number}/"
    assert (ticket.channel, ticket.contact, ticket.customer, ticket.severity.level) == (
        "portal",
        world.contact_a,
        world.customer_a,
        2,
    )
    opened = ticket.events.get(kind=EventKind.OPENED)
    assert opened.actor_contact == world.contact_a and opened.public
    assert "Since this morning." in opened.body and "Software version: Firmware 2.1" in opened.body
    [stored] = Attachment.objects.filter(ticket=ticket)
    assert stored.event == opened and stored.content_type == "image/png"
    assert stored.filename.startswith("passwd") and stored.filename.endswith("gnp.png")  # metadata only
    assert stored.file.name.startswith("attachments/2026/11/") and "passwd" not in stored.file.name
    # The clocks are stored and shown on the case page.
    page = client.get(response["Location"]).content.decode()
    assert "Our commitments" in page and "First response" in page


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("page.html", b"<html><script>alert(1)</script></html>"),
        ("logo.svg", b"<svg onload=alert(1)></svg>"),
        ("fake.png", b"<html><script>alert(1)</script></html>"),
        ("notes.txt", b"<!DOCTYPE html><script>alert(1)</script>"),
        ("tool.exe", b"MZ\x90\x00"),
        ("shell.php", b"<?php system($_GET[1]); ?>"),
    ],
)
def test_dangerous_or_mislabelled_files_are_refused_and_no_case_is_opened(client, world, name, data):
    sign_in(client, "it@acme.example")
    impact, urgency = _axes(world.customer_a.provider, "minimal", "planned")
    response = client.post(
        "/portal/cases/new/",
        {"type": "incident", "impact": impact, "urgency": urgency, "subject": "File test", "description": "x",
         "files": [SimpleUploadedFile(name, data)]},
    )  # fmt: skip
    assert response.status_code == 422
    assert not Ticket.objects.filter(subject="File test").exists()


def test_the_plans_required_details_become_required_fields(client, world):
    plan = world.customer_a.contracts.get().plan
    plan.required_details = ["software_version", "system_details", "screenshots"]
    plan.save()
    sign_in(client, "it@acme.example")
    impact, urgency = _axes(world.customer_a.provider, "minimal", "planned")
    data = {
        "type": "incident",
        "impact": impact,
        "urgency": urgency,
        "subject": "Needs details",
        "description": "x",
    }
    response = client.post("/portal/cases/new/", data)
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"software_version", "system_details", "files"}
    response = client.post(
        "/portal/cases/new/",
        {
            **data,
            "software_version": "v1",
            "system_details": "Debian 12",
            "files": [SimpleUploadedFile("s.png", PNG)],
        },
    )
    assert response.status_code == 302


def test_a_bronze_customer_is_told_what_the_plan_includes_and_how_to_reach_the_desk(client, world):
    sign_in(client, world.bronze_contact.email)
    home = client.get("/portal/")
    text = home.content.decode()
    assert home.status_code == 200
    assert "does not include the online portal" in text
    assert "01623 343 001" in text and "support@nexstor.co.uk" in text
    assert "Incident management" in text
    assert client.get("/portal/cases/new/").status_code == 403
    before = Ticket.objects.count()
    impact, urgency = _axes(world.customer_a.provider, "minimal", "planned")
    response = client.post(
        "/portal/cases/new/",
        {"type": "incident", "impact": impact, "urgency": urgency, "subject": "x", "description": "y"},
    )
    assert response.status_code == 403 and Ticket.objects.count() == before
    assert client.get("/portal/kb/").status_code == 403


def test_the_case_list_filters_open_and_closed_with_few_queries(
    client, world, agent, django_assert_max_num_queries
):
    ticket_change_status(ticket=world.case_a, actor=agent.user, status=Status.RESOLVED, reason="Fixed")
    from tierdesk.tickets.services import ticket_open

    for n in range(6):  # more rows must not mean more queries
        ticket_open(customer=world.customer_a, contact=world.contact_a, subject=f"Extra {n}", body="x",
                    channel="portal", actor=world.contact_a)  # fmt: skip
    sign_in(client, "boss@acme.example")  # sees the company's cases
    with django_assert_max_num_queries(16):
        open_page = client.get("/portal/cases/?state=open").content.decode()
    closed_page = client.get("/portal/cases/?state=closed").content.decode()
    assert world.case_a2.number in open_page and world.case_a.number not in open_page
    assert world.case_a.number in closed_page and world.case_a2.number not in closed_page
    assert world.case_b.number not in open_page + closed_page


def test_the_case_page_shows_the_public_timeline_only_escaped(client, world, agent):
    ticket_reply(ticket=world.case_a, actor=agent.user, body="Try <img src=x onerror=alert(1)> again")
    sign_in(client, "it@acme.example")
    page = client.get(f"/portal/cases/{world.case_a.number}/").content.decode()
    assert "Details of Acme printer jams" in page
    assert "INTERNAL" not in page and "owes us money" not in page
    assert "internal.png" not in page
    assert "screen.png" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "Alice replied" in page


def test_a_reply_with_a_file_is_added_to_the_case(client, world):
    sign_in(client, "it@acme.example")
    url = f"/portal/cases/{world.case_a.number}/"
    response = client.post(
        url + "reply/", {"body": "Here is the log", "files": [SimpleUploadedFile("a.log", b"line 1\n")]}
    )
    assert response.status_code == 302
    event = world.case_a.events.filter(kind=EventKind.CUSTOMER_MESSAGE).get()
    assert event.actor_contact == world.contact_a and event.body == "Here is the log"
    assert event.attachments.get().content_type == "text/plain"
    assert client.post(url + "reply/", {"body": "  "}).status_code == 422


def test_a_contact_confirms_a_fix_or_reopens_within_the_window_only(client, world, agent):
    sign_in(client, "it@acme.example")
    url = f"/portal/cases/{world.case_a.number}/"
    ticket_change_status(ticket=world.case_a, actor=agent.user, status=Status.RESOLVED, reason="Fixed")
    assert "Yes, it is fixed" in client.get(url).content.decode()
    client.post(url + "confirm/")
    world.case_a.refresh_from_db()
    assert world.case_a.status == Status.CLOSED

    client.post(url + "reopen/", {"reason": "It jams again"})
    world.case_a.refresh_from_db()
    assert world.case_a.status == Status.IN_PROGRESS

    ticket_change_status(ticket=world.case_a, actor=agent.user, status=Status.RESOLVED, reason="Fixed again")
    with time_machine.travel(datetime.now(UTC) + timedelta(days=30)):
        sign_in(client, "it@acme.example")  # the earlier session has long timed out
        response = client.post(url + "reopen/", follow=True)
    world.case_a.refresh_from_db()
    assert world.case_a.status == Status.RESOLVED
    assert "more than 14 days ago" in response.content.decode()


def test_a_contact_cannot_change_anything_else(client, world):
    sign_in(client, "it@acme.example")
    url = f"/portal/cases/{world.case_a.number}/"
    response = client.post(url + "confirm/", follow=True)
    assert (
        "Customers may confirm a resolution" in response.content.decode()
        or "cannot become" in response.content.decode()
    )
    world.case_a.refresh_from_db()
    assert world.case_a.status == Status.NEW


# -- downloads (XSS-5, XSS-6, FILE-3) ----------------------------------------------------------------------


def test_an_image_downloads_inline_with_a_sandbox(client, world):
    sign_in(client, "it@acme.example")
    response = client.get(f"/portal/cases/{world.case_a.number}/files/{world.file_a.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline; ")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert b"".join(response.streaming_content) == PNG


@pytest.mark.parametrize(
    ("data", "claimed"),
    [
        (b"<html><script>alert(1)</script></html>", "image/png"),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "image/svg+xml"),
        (b"<?xml version='1.0'?><x/>", "application/xml"),
        (b"<html xmlns='http://www.w3.org/1999/xhtml'/>", "application/xhtml+xml"),
        (b"%PDF-1.7 ...", "application/pdf"),
        (b"<b>hi</b>", "text/html"),
    ],
)
def test_anything_but_a_raster_image_downloads_as_an_opaque_attachment(client, world, data, claimed):
    opened = world.case_a.events.get(kind=EventKind.OPENED)
    hostile = attach(world.case_a, opened, "x.png", data, content_type=claimed)
    sign_in(client, "it@acme.example")
    response = client.get(f"/portal/cases/{world.case_a.number}/files/{hostile.pk}/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment; ")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"


@pytest.mark.parametrize(
    "name",
    [
        "evil\r\nSet-Cookie: a=b.txt",
        'quote"semi;colon.txt',
        "nul\x00byte.txt",
        "rtl\u202etxt.exe",
        "é" * 150 + ".txt",
        "../../../etc/passwd",
        "C:\\Windows\\win.ini",
    ],
)
def test_hostile_file_names_give_exactly_one_encoded_content_disposition(client, world, name):
    opened = world.case_a.events.get(kind=EventKind.OPENED)
    hostile = attach(world.case_a, opened, name.replace("\x00", ""), b"plain", content_type="text/plain")
    sign_in(client, "it@acme.example")
    response = client.get(f"/portal/cases/{world.case_a.number}/files/{hostile.pk}/")
    headers = [k for k, _v in response.items() if k.lower() == "content-disposition"]
    assert headers == ["Content-Disposition"]
    value = response["Content-Disposition"]
    assert "\r" not in value and "\n" not in value and "\u202e" not in value
    assert value.count('"') == 2 and value.count(";") == 2
    assert "filename*=UTF-8''" in value
    assert "Set-Cookie" not in [k for k, _v in response.items()]
