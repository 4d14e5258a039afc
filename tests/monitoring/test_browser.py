"""The status board in a real browser (Debian's Chromium, the browser tests' Playwright fixtures):
a check goes down, Tess signs in to the portal, sees the fault on the board, acknowledges it with a
comment, and sees the board clear once the site recovers. Screenshots in test-artifacts/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import browser_type_launch_args, screenshot  # noqa: F401 — Debian's Chromium
from tests.portal.conftest import PASSWORD, _fresh_throttle  # noqa: F401 — autouse
from tierdesk.monitoring.models import Alert
from tierdesk.tickets.models import EventKind, Status

from .conftest import run

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_customer_acknowledges_a_fault_on_the_status_board(
    page,
    live_server,
    tess,
    http_check,
    web,
    screenshot,  # noqa: F811 — the browser tests' fixture, imported above
):
    web.status = 503
    run(http_check, 3)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/portal/")
    page.locator("#id_email").fill("tess@acme.example")
    page.locator("#id_password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("main h1")).to_be_visible()

    page.get_by_role("navigation", name="Portal").get_by_role(
        "link", name="Infrastructure monitoring"
    ).click()
    expect(page.get_by_role("heading", name="Infrastructure monitoring")).to_be_visible()
    expect(page.locator(".mon-alert")).to_contain_text("shop-web-01: Shop home page")
    expect(page.locator(".mon-state-down")).to_have_text("Down")
    expect(page.locator(".mon-cell-fail")).to_have_count(3)
    screenshot(page, "monitoring-portal-board-down")

    page.get_by_label("Acknowledge: what is being done").fill("Restarting the web server")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".mon-ack, .flash")).to_contain_text(["Fault acknowledged"])
    expect(page.locator("main")).to_contain_text(
        re.compile(r"Acknowledged by Tess Tech at .*Restarting the web server")
    )
    screenshot(page, "monitoring-portal-alert-acknowledged")
    alert = Alert.objects.get()
    assert alert.acknowledged_by_contact_id == tess.pk
    assert alert.ticket.events.filter(kind=EventKind.NOTE, body__contains="Tess Tech").exists()

    web.status = 200
    run(http_check)
    page.goto(f"{live_server.url}/portal/monitoring/")
    expect(page.locator("main")).to_contain_text("No faults: everything monitored is working.")
    expect(page.locator(".mon-state-up")).to_have_text("Up")
    alert.ticket.refresh_from_db()
    assert alert.ticket.status == Status.RESOLVED
