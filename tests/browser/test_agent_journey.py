"""The main agent journey in a real browser: queue → open a case → reply → change status → the SLA
panel updates in place (htmx, no page load), with the keyboard where an agent would use it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tierdesk.demo import DEMO_PASSWORD, DEMO_USERNAME, demo_load

pytestmark = pytest.mark.django_db(transaction=True)

# Exodata Standard: a first-response (GTI) and a resolution (GTR) clock.
CASE = "Messagerie inaccessible pour tout le service comptable"


@pytest.fixture
def demo_desk(live_server):
    demo_load()
    return live_server.url


def sign_in(page, url):
    page.goto(f"{url}/")
    page.get_by_label("User name").fill(DEMO_USERNAME)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Queues", exact=True)).to_be_visible()


def no_reload_marker(page):
    """Set a flag in the page's JavaScript state: it survives htmx swaps, not a page load."""
    page.evaluate("window.__sameDocument = true")


def still_same_document(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def test_queue_open_reply_change_status_and_see_the_sla_panel_update(page, demo_desk, screenshot):
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, demo_desk)
    rows = page.locator("table.queue tbody tr")
    expect(rows.first).to_be_visible()
    screenshot(page, "queue-desktop")

    # "/" jumps to the search box; typing filters the queue in place.
    no_reload_marker(page)
    page.keyboard.press("/")
    expect(page.locator("#filter-q")).to_be_focused()
    page.keyboard.type("Messagerie")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/\?queue=all&q=Messagerie$"))
    assert still_same_document(page)

    # Open the case from the keyboard.
    link = page.get_by_role("link", name=CASE)
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=CASE)).to_be_visible()
    panel = page.locator("#sla-panel")
    expect(panel.locator("#clock-first_response")).to_contain_text("First response")
    screenshot(page, "ticket-desktop")

    # "r" opens the reply box; Ctrl+Enter sends; the timeline and the panel change without a page load.
    no_reload_marker(page)
    page.keyboard.press("r")
    expect(page.locator("#reply-body")).to_be_focused()
    page.keyboard.type("We are on it: an engineer is checking the line cards now.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#timeline")).to_contain_text("replied to the customer")
    expect(page.locator("#timeline")).to_contain_text("an engineer is checking the line cards")
    expect(page.locator("#flash")).to_contain_text("Reply sent")
    expect(panel.locator("#clock-first_response")).to_contain_text("Met")
    expect(page.locator("#reply-body")).to_have_value("")
    assert still_same_document(page)

    # A second agent has the same case open (their page loads before the next change).
    other = page.context.new_page()
    other.set_viewport_size({"width": 1366, "height": 900})
    other.goto(page.url)

    # "s" goes to the status; resolving meets the resolution clock, in place.
    page.keyboard.press("Escape")  # leave the reply box: shortcuts work again
    page.keyboard.press("s")
    expect(page.locator("#status-status")).to_be_focused()
    page.locator("#status-status").select_option("resolved")
    page.locator("#status-reason").fill("Outlook profiles rebuilt; mail flows again.")
    page.locator("#status-submit").click()
    expect(page.locator("#ticket-header")).to_contain_text("Resolved")
    expect(panel.locator("#clock-resolution")).to_contain_text("Met")
    expect(page.locator("#timeline")).to_contain_text("Outlook profiles rebuilt")
    assert still_same_document(page)
    screenshot(page, "ticket-after-actions-desktop")

    # The second agent's page is now stale: their change is refused with the reason, their text kept.
    no_reload_marker(other)
    other.locator("#status-status").select_option("waiting_customer")
    other.locator("#status-reason").fill("Could you send us the error message?")
    other.locator("#status-submit").click()
    expect(other.locator("#block-status [role=alert]")).to_contain_text("cannot become waiting on customer")
    expect(other.locator("#status-reason")).to_have_value("Could you send us the error message?")
    assert still_same_document(other)
    screenshot(other, "ticket-refused-action-desktop", full_page=False)
    other.close()

    # The same page in French (the interface strings the translators have done so far).
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    screenshot(page, "ticket-desktop-fr")
    page.goto(f"{demo_desk}/")
    screenshot(page, "queue-desktop-fr")


def test_the_journey_at_phone_width(page, demo_desk, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, demo_desk)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "queue-phone", full_page=False)
    page.get_by_role("link", name=CASE).click()
    expect(page.get_by_role("heading", level=1, name=CASE)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "ticket-phone")
    page.get_by_label("Message to the customer").fill("Calling you back in five minutes.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#timeline")).to_contain_text("Calling you back in five minutes.")
    expect(page.locator("#sla-panel #clock-first_response")).to_contain_text("Met")
    screenshot(page, "ticket-phone-after-reply")


def test_without_javascript_every_form_still_works(browser, demo_desk, screenshot):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, demo_desk)
    page.get_by_role("link", name=CASE).click()
    page.get_by_label("Message to the customer").fill("Sent without JavaScript.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#flash")).to_contain_text("Reply sent")
    expect(page.locator("#timeline")).to_contain_text("Sent without JavaScript.")
    page.locator("#status-status").select_option("in_progress")
    page.locator("#status-submit").click()
    expect(page.locator("#ticket-header")).to_contain_text("In progress")
    context.close()
