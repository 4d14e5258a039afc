"""The OpenAPI document and the docs page, which must work under our Content-Security-Policy with
no network beyond the desk itself."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    assert schema["info"]["title"] == "Tierdesk API"
    paths = schema["paths"]
    for path in ("/api/v1/tickets", "/api/v1/tickets/{number}", "/api/v1/plans/{provider}/{plan}"):
        assert path in paths
    create = paths["/api/v1/tickets"]["post"]
    assert set(create["responses"]) == {"201", "400", "401", "404", "409", "422"}
    assert set(paths["/api/v1/tickets/{number}/status"]["post"]["responses"]) >= {"409", "422"}


def test_the_docs_page_loads_only_its_own_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(sources) == 4
    assert all(s.startswith("/api/v1/docs/assets/") for s in sources), sources
    assert "<script>" not in html and "style=" not in html and "<style" not in html
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200, source
        assert b"".join(asset.streaming_content)


@pytest.mark.parametrize("name", ["swagger-ui-bundle.js.map", "..%2F..%2Fsettings.py", "redoc.html", "x"])
def test_only_the_listed_assets_are_served(client, name):
    assert client.get(f"/api/v1/docs/assets/{name}").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_docs_page_renders_in_a_browser_under_the_policy(live_server, catalogs):
    """Chromium, offline but for the live server: Swagger UI draws the operations, and the browser
    reports no Content-Security-Policy violation."""
    chromium = os.environ.get("TIERDESK_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        pytest.fail(f"Chromium not found at {chromium}: run scripts/test, or set TIERDESK_CHROMIUM")
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import ARGS

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(f"{live_server.url}/api/v1/docs")
            page.wait_for_selector(".opblock-summary-path", timeout=15_000)
            paths = page.locator(".opblock-summary-path").all_inner_texts()
            assert "/api/v1/tickets/{number}" in [p.replace("\u200b", "") for p in paths]
            assert page.locator("button.authorize").count() == 1
        finally:
            browser.close()
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert Client().get("/api/v1/openapi.json").status_code == 200
