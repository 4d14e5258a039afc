"""The agents' home page: sign-in, recent cases across providers, constant queries, access."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tierdesk.demo import DEMO_PASSWORD, DEMO_USERNAME, demo_load
from tierdesk.tickets.services import ticket_open

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_the_demo_agent_signs_in_and_sees_cases_of_several_providers(client):
    demo_load()
    login = client.get("/login/")
    assert login.status_code == 200
    assert "csrfmiddlewaretoken" in login.content.decode()

    response = client.post("/login/", {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == "/"
    page = response.content.decode()
    providers = {t.provider.slug for t in response.context["result"].rows}
    assert len(providers) >= 3
    assert "NX-" in page and "EXO-" in page and "NC-" in page


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, agent):
    response = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert "do not match" in response.content.decode()
    response = client.post("/login/", {"username": "nobody", "password": "wrong"})
    assert "do not match" in response.content.decode()


def test_a_customer_account_cannot_open_the_console(client, portal_user):
    client.force_login(portal_user)
    response = client.get("/")
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()


def test_sign_out_needs_a_post(client, agent):
    client.force_login(agent.user)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get("/").status_code == 302


def _cases(customer, n):
    contact = customer.contacts.get()
    for i in range(n):
        ticket_open(
            customer=customer, contact=contact, subject=f"Case {i}", body="", channel="email", actor=contact
        )


def test_empty_state_explains_how_cases_arrive(client, agent):
    client.force_login(agent.user)
    page = client.get("/").content.decode()
    assert "No cases yet." in page and "tierdesk demo" in page


def test_security_headers(client, agent):
    client.force_login(agent.user)
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_unknown_page_gets_the_friendly_404(client, agent):
    client.force_login(agent.user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "There is nothing here" in response.content.decode()


def test_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_admin_lists_every_model_of_the_spine(admin_client):
    page = admin_client.get("/admin/").content.decode()
    for name in (
        "Providers",
        "Plans",
        "Business calendars",
        "Customers",
        "Contacts",
        "Contracts",
        "Tickets",
        "Agents",
        "Teams",
    ):
        assert name in page, name
    # A model page of each app renders.
    for url in (
        "/admin/catalog/plan/",
        "/admin/customers/contract/",
        "/admin/tickets/ticket/",
        "/admin/catalog/calendar/",
        "/admin/accounts/team/",
    ):
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.parametrize("language", ["fr", "de", "nb"])
def test_console_speaks_the_agents_language(client, agent, customer_a, language):
    from django.utils import translation

    _cases(customer_a, 1)
    agent.user.language = language
    agent.user.save(update_fields=["language"])
    client.force_login(agent.user)

    page = client.get("/").content.decode()

    assert f'<html lang="{language}">' in page
    with translation.override(language):
        words = [translation.gettext(w) for w in ("Queues", "Sign out", "Customer", "New", "Apply filters")]
    for english, word in zip(("Queues", "Sign out", "Customer", "New", "Apply filters"), words, strict=True):
        assert word != english and word in page, (language, english)


def test_the_language_switcher_overrides_the_profile(client, agent):
    agent.user.language = "de"
    agent.user.save(update_fields=["language"])
    client.force_login(agent.user)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert '<html lang="fr">' in client.get("/").content.decode()
