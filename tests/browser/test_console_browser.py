"""The agents' console in a real browser: sign in with the keyboard, see cases, switch language, phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tierdesk.demo import DEMO_PASSWORD, DEMO_USERNAME, demo_load

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_desk(live_server):
    demo_load()
    return live_server.url


def _sign_in(page, url):
    page.goto(f"{url}/")
    expect(page).to_have_url(f"{url}/login/?next=/")
    page.get_by_label("User name").fill(DEMO_USERNAME)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Queues")).to_be_visible()


def test_demo_agent_signs_in_and_sees_cases_from_several_providers(page, demo_desk, screenshot):
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, demo_desk)

    rows = page.locator("table.cases tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 8
    text = page.locator("table.cases").inner_text()
    assert sum(name in text for name in ("Nexstor", "PhoneCare", "Exodata", "Biztek", "NETCOR")) >= 3
    screenshot(page, "console-home-desktop")

    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    screenshot(page, "console-home-desktop-fr")

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(f"{demo_desk}/login/")


def test_console_at_phone_width(page, demo_desk, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, demo_desk)
    # No horizontal scrolling of the whole page on a phone: rows stack instead.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(page, "console-home-phone", full_page=False)


def test_sign_in_page(page, live_server, screenshot):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User name").fill("nobody")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    screenshot(page, "sign-in-error")


def test_language_names_are_shown_in_their_own_language(page, demo_desk):
    _sign_in(page, demo_desk)
    page.get_by_role("button", name="Deutsch").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    buttons = page.locator("form.langs button").all_inner_texts()
    assert buttons == ["English", "Français", "Deutsch", "Norsk (bokmål)"]
