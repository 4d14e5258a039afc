from __future__ import annotations

import pytest

from .conftest import sign_in

pytestmark = pytest.mark.django_db


def test_every_page_renders_for_a_contact(client, world):
    sign_in(client, "it@acme.example")
    for url in [
        "/portal/",
        "/portal/cases/?state=all",
        "/portal/cases/new/",
        f"/portal/cases/{world.case_a.number}/",
        "/portal/kb/",
        "/portal/kb/?q=printer",
        f"/portal/kb/{world.article_public.pk}/?from=suggest&q=printer",
        "/portal/account/",
        "/portal/account/password/",
        "/portal/account/two-step/",
        "/portal/cases/new/suggestions/?subject=printer+jam",
    ]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content.decode()[:3000])
