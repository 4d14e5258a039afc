"""Error pages: each surface keeps its own look, and says nothing about what exists."""

import pytest

pytestmark = pytest.mark.django_db


def test_unknown_portal_address_gets_the_portals_404(client):
    response = client.get("/portal/no-such-page/")
    assert response.status_code == 404
    assert "Back to my cases" in response.content.decode()


def test_unknown_console_address_gets_the_consoles_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Back to the start page" in response.content.decode()
