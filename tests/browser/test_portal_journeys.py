"""The customer portal in a real browser (Debian's Chromium): sign in, log a case with a screenshot,
follow it, reply, search the knowledge base and deflect a case — in English at desktop width and in
French (the contact's profile language) and Norwegian at phone width. Every page is photographed at
both widths into test-artifacts/portal-*.png for people to look at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.portal.conftest import PASSWORD, World, _fresh_throttle  # noqa: F401 — autouse

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _sign_in(page, url: str, email: str, *, button: str = "Sign in") -> None:
    page.goto(f"{url}/portal/")
    expect(page).to_have_url(re.compile(r"/portal/sign-in/"))
    page.locator("#id_email").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("main h1")).to_be_visible()


def _nav(page, name: str):
    return page.get_by_role("navigation", name="Portal").get_by_role("link", name=name)


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_log_follow_reply_and_deflect_in_english_at_desktop_width(
    page, live_server, world: World, screenshot
):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/portal/sign-in/")
    screenshot(page, "portal-sign-in-desktop-en")
    _sign_in(page, live_server.url, "it@acme.example")
    expect(page.get_by_role("heading", name="My cases")).to_be_visible()
    screenshot(page, "portal-cases-desktop-en")

    # Log a case: the promise follows the answers, suggestions follow the subject.
    _nav(page, "Log a case").click()
    expect(page.get_by_role("heading", name="Log a case")).to_be_visible()
    page.get_by_label("Production service down").check()
    page.get_by_label("Needed now").check()
    expect(page.locator("#promise")).to_contain_text("Critical (Severity 1)")
    expect(page.locator("#promise")).to_contain_text("We will respond by")
    page.get_by_label("Low impact or service request").check()
    page.get_by_label("Can be planned").check()
    expect(page.locator("#promise")).to_contain_text("Low (Severity 4)")
    page.get_by_label("Subject").press_sequentially("Printer paper jam", delay=20)
    expect(page.locator("#suggestions")).to_contain_text("Clearing a printer paper jam")
    screenshot(page, "portal-new-case-desktop-en")
    page.get_by_label("Description").fill("Tray 2 jams on every page.")
    shot = page.screenshot()
    page.get_by_label("Attachments and screenshots").set_input_files(
        [{"name": "jam.png", "mimeType": "image/png", "buffer": shot}]
    )
    page.get_by_role("button", name="Send the case").click()
    expect(page.locator(".flash-success")).to_contain_text("is open")
    expect(page.locator(".timeline")).to_contain_text("Tray 2 jams on every page.")
    expect(page.get_by_role("link", name="jam.png")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("First response")
    number = page.locator("h1 .mono").inner_text()

    # Follow it: reply.
    page.get_by_label("Your message").fill("It also happens on tray 1.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".timeline")).to_contain_text("It also happens on tray 1.")
    screenshot(page, "portal-case-desktop-en")

    # The list shows it with its status and due time.
    _nav(page, "My cases").click()
    expect(page.locator(".case-list")).to_contain_text(number)
    expect(page.locator(".case-list")).to_contain_text("Next step due")

    # Search the knowledge base, and deflect a case from a suggestion.
    _nav(page, "Knowledge base").click()
    page.get_by_label("Search the articles").fill("paper jam")
    page.keyboard.press("Enter")
    expect(page.locator(".articles")).to_contain_text("Clearing a printer paper jam")
    screenshot(page, "portal-kb-desktop-en")
    _nav(page, "Log a case").click()
    page.get_by_label("Subject").press_sequentially("paper jam", delay=20)
    page.locator("#suggestions").get_by_role("link", name="Clearing a printer paper jam").click()
    expect(page.get_by_role("heading", name="Did this solve it?")).to_be_visible()
    screenshot(page, "portal-article-desktop-en")
    page.get_by_role("button", name="Yes, no need for a case").click()
    expect(page.locator(".flash-success")).to_contain_text("Glad it helped")

    from tierdesk.kb.models import Deflection

    assert Deflection.objects.filter(article=world.article_public, subject="paper jam").count() == 1


def test_the_portal_in_french_at_phone_width(page, live_server, world: World, screenshot):
    world.contact_a.language = "fr"
    world.contact_a.save()
    page.set_viewport_size(PHONE)
    _sign_in(page, live_server.url, "it@acme.example")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    _no_sideways_scroll(page)
    screenshot(page, "portal-cases-phone-fr", full_page=False)

    page.goto(f"{live_server.url}/portal/cases/new/")
    page.locator("input[name=impact]").first.check()
    page.locator("input[name=urgency]").first.check()
    expect(page.locator("#promise .sev")).to_be_visible()
    page.locator("#id_subject").fill("Imprimante bloquée")
    page.locator("#id_description").fill("Bourrage papier.")
    page.locator("#id_files").set_input_files(
        [{"name": "capture.png", "mimeType": "image/png", "buffer": page.screenshot()}]
    )
    _no_sideways_scroll(page)
    screenshot(page, "portal-new-case-phone-fr")
    page.locator("#case-form button[type=submit]").click()
    expect(page.locator(".timeline")).to_contain_text("Bourrage papier.")
    expect(page.get_by_role("link", name="capture.png")).to_be_visible()
    _no_sideways_scroll(page)
    screenshot(page, "portal-case-phone-fr")

    page.locator("#id_body").fill("Toujours bloquée ce matin.")
    page.locator("form[action$='/reply/'] button[type=submit]").click()
    expect(page.locator(".timeline")).to_contain_text("Toujours bloquée ce matin.")

    page.goto(f"{live_server.url}/portal/kb/?q=printer")
    expect(page.locator(".articles")).to_contain_text("Clearing a printer paper jam")
    _no_sideways_scroll(page)
    screenshot(page, "portal-kb-phone-fr")


def test_keyboard_only_sign_in_and_visible_focus(page, live_server, world: World):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/portal/password/reset/")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.goto(f"{live_server.url}/portal/sign-in/")  # the e-mail field has the focus
    assert page.evaluate("document.activeElement.id") == "id_email"
    page.keyboard.type("it@acme.example")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My cases")).to_be_visible()


PAGES = [
    ("sign-in", None, "/portal/sign-in/"),
    ("reset", None, "/portal/password/reset/"),
    ("cases", "it@acme.example", "/portal/cases/?state=all"),
    ("new-case", "it@acme.example", "/portal/cases/new/"),
    ("case", "it@acme.example", "{case_a}"),
    ("kb", "it@acme.example", "/portal/kb/"),
    ("article", "it@acme.example", "{article}"),
    ("account", "it@acme.example", "/portal/account/"),
    ("two-step", "it@acme.example", "/portal/account/two-step/"),
    ("no-portal", "it@bronzeco.example", "/portal/"),
    ("not-found", "it@acme.example", "/portal/cases/NX-2026-999999/"),
]


@pytest.mark.parametrize("language", ["en", "nb"])
def test_every_page_at_desktop_and_phone_width(page, live_server, world: World, screenshot, language):
    paths = {
        "{case_a}": f"/portal/cases/{world.case_a.number}/",
        "{article}": f"/portal/kb/{world.article_public.pk}/?from=suggest&q=jam",
    }
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    signed_in_as = None
    for name, email, path in PAGES:
        if email != signed_in_as:
            page.context.clear_cookies()
            page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
            if email:
                page.goto(f"{live_server.url}/portal/sign-in/")
                page.locator("#id_email").fill(email)
                page.locator("#id_password").fill(PASSWORD)
                page.locator("main form button.primary").click()
                expect(page.locator("main h1")).to_be_visible()
            signed_in_as = email
        for width, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            page.goto(f"{live_server.url}{paths.get(path, path)}")
            expect(page.locator("html")).to_have_attribute("lang", language)
            _no_sideways_scroll(page)
            screenshot(page, f"portal-{name}-{width}-{language}")
