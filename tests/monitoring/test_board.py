"""The status board in the portal and the console: scoping, history at a glance, acknowledging,
query counts, and the whole loop Down → incident → fault mail → acknowledge → recovery → resolution."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tierdesk.monitoring import services
from tierdesk.monitoring.models import Alert, CheckState
from tierdesk.notify.services import outbox_send_pending
from tierdesk.tickets.models import EventKind, Status

from .conftest import outbox, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def globex_down(customer_b, web):
    """Globex (another customer of Nexstor) with a failing TCP check and a firing alert."""
    asset = services.asset_create(customer=customer_b, name="globex-secret-db")
    check, _ = services.check_create(
        asset=asset, name="Postgres", kind="tcp", target=f"127.0.0.1:{web.port}", retries=0
    )
    services.alert_fire(customer=customer_b, fingerprint="gen:x", name="Globex private fault")
    return check


def test_the_portal_board_shows_only_the_customers_own_assets_and_alerts(
    client, tess, http_check, web, globex_down
):
    web.status = 500
    run(http_check, 3)
    client.force_login(tess.user)
    page = client.get("/portal/monitoring/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "shop-web-01" in html and "Shop home page" in html
    assert "globex" not in html.lower()
    assert html.count("mon-cell-fail") == 3 and html.count("mon-cell ") == 3
    assert 'href="/portal/monitoring/"' in html  # the nav link
    other = Alert.objects.get(customer__slug="globex")
    assert client.get(f"/portal/monitoring/alerts/{other.pk}/").status_code == 404
    assert (
        client.post(f"/portal/monitoring/alerts/{other.pk}/acknowledge/", {"comment": "x"}).status_code == 404
    )
    other.refresh_from_db()
    assert other.acknowledged_at is None


def test_a_contact_whose_plan_lacks_monitoring_sees_no_board(client, make_customer):
    from tests.portal.conftest import make_portal_user

    bronze = make_customer("nexstor", "silver", slug="silverco")
    contact = bronze.contacts.get()
    make_portal_user(contact, "silver-it")
    client.force_login(contact.user)
    assert client.get("/portal/monitoring/").status_code == 200
    from tierdesk.catalog.models import PlanFeature

    PlanFeature.objects.filter(plan__slug="silver", code="monitoring").delete()
    page = client.get("/portal/monitoring/")
    assert page.status_code == 403
    assert "Your plan does not include infrastructure monitoring" in page.content.decode()
    assert 'href="/portal/monitoring/"' not in client.get("/portal/cases/").content.decode()


def test_the_console_board_lists_many_assets_in_a_fixed_number_of_queries(
    client, agent, acme, web, django_assert_max_num_queries
):
    for i in range(12):
        asset = services.asset_create(customer=acme, name=f"server-{i:02d}")
        for name in ("web", "ssh"):
            check, _ = services.check_create(asset=asset, name=name, kind="http", target=web.url, retries=0)
            run(check, 3)
    client.force_login(agent.user)
    with django_assert_max_num_queries(12):
        page = client.get("/monitoring/")
    html = page.content.decode()
    assert page.status_code == 200 and html.count("<tr>") == 1 + 24
    assert html.count("mon-cell-ok") == 72
    assert 'aria-current="page">Monitoring</a>' in html


def test_agents_of_another_provider_see_nothing_of_it(client, netcor_agent, globex_down):
    client.force_login(netcor_agent.user)
    assert "globex" not in client.get("/monitoring/").content.decode().lower()
    alert = Alert.objects.get()
    assert client.get(f"/monitoring/alerts/{alert.pk}/").status_code == 404


def test_contacts_cannot_use_the_console_board(client, tess):
    client.force_login(tess.user)
    assert client.get("/monitoring/").status_code == 403


def test_acknowledging_needs_the_csrf_token(tess, http_check, web):
    web.status = 500
    run(http_check, 3)
    alert = Alert.objects.get()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(tess.user)
    assert (
        browser.post(f"/portal/monitoring/alerts/{alert.pk}/acknowledge/", {"comment": "x"}).status_code
        == 403
    )
    # A GET (a reload, a pasted link) changes nothing and leads to the page with the form.
    response = browser.get(f"/portal/monitoring/alerts/{alert.pk}/acknowledge/")
    assert response.status_code == 302 and response["Location"] == f"/portal/monitoring/alerts/{alert.pk}/"
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_down_incident_fault_mail_acknowledge_recovery_resolution(
    client, tess, http_check, web, smtp_server, settings
):
    """The whole loop through the checks, a real SMTP server and the portal."""
    web.status = 503
    assert run(http_check, 3) == CheckState.DOWN
    alert = Alert.objects.get()
    ticket = alert.ticket
    assert ticket.status == Status.NEW

    # The fault mail reaches a real SMTP server, with its link to acknowledge.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    for name, value in smtp_server.settings().items():
        setattr(settings, name, value)
    assert outbox_send_pending() == 2
    to_tess = next(m for _f, rcpt, m, _r in smtp_server.messages if rcpt == ["tess@acme.example"])
    body = to_tess.get_body(("plain",)).get_content()
    link = re.search(r"https://desk\.example(/portal/monitoring/alerts/\d+/)", body).group(1)
    assert to_tess["Subject"].startswith(f"[{ticket.number}] FAULT:")
    assert to_tess["Auto-Submitted"] == "auto-generated"

    # Tess follows the link and acknowledges.
    client.force_login(tess.user)
    page = client.get(link)
    assert page.status_code == 200 and "HTTP 503" in page.content.decode()
    response = client.post(link + "acknowledge/", {"comment": "Our web team is on it"}, follow=True)
    assert "Fault acknowledged" in response.content.decode()
    assert "Acknowledged by Tess Tech" in response.content.decode()
    alert.refresh_from_db()
    assert alert.acknowledged_by_contact == tess and alert.acknowledged_at is not None
    note = ticket.events.get(kind=EventKind.NOTE)
    assert note.body == "Fault acknowledged by Tess Tech: Our web team is on it"

    # Recovery resolves the incident; Tess is told.
    web.status = 200
    assert run(http_check) == CheckState.UP
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert any(m.to == ["tess@acme.example"] and m.ticket_id == ticket.pk for m in outbox()[2:])
    assert "No faults" in client.get("/portal/monitoring/").content.decode()


def test_the_portal_board_lists_many_assets_in_a_fixed_number_of_queries(
    client, tess, acme, web, django_assert_max_num_queries
):
    for i in range(10):
        asset = services.asset_create(customer=acme, name=f"server-{i:02d}")
        check, _ = services.check_create(asset=asset, name="web", kind="http", target=web.url, retries=0)
        run(check, 2)
    web.status = 500
    run(check, 1)  # the last one is down: one fault on the board
    client.force_login(tess.user)
    client.get("/portal/monitoring/")  # the session's first request writes it
    with django_assert_max_num_queries(16):  # the portal's own 10 included
        page = client.get("/portal/monitoring/")
    html = page.content.decode()
    assert html.count("mon-cell-ok") == 20 and html.count("mon-cell-fail") == 1
    assert html.count('class="mon-alert"') == 1


def test_the_console_alert_page_links_the_incident_and_shows_the_acknowledgement(
    client, agent, tess, http_check, web
):
    web.status = 500
    run(http_check, 3)
    alert = Alert.objects.get()
    services.alert_acknowledge(alert=alert, actor=tess, comment="Rebooting")
    client.force_login(agent.user)
    html = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert f'href="/tickets/{alert.ticket.number}/"' in html
    assert "Acknowledged by Tess Tech at" in html and "Rebooting" in html
    assert "<textarea" not in html  # already acknowledged: no form
    board = client.get("/monitoring/").content.decode()
    assert "Acme" in board and "mon-alert-acked" in board
