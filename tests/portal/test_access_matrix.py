"""Who reaches what through the portal (AUTHZ-1, AUTHZ-3, AUTHZ-10, CSRF-1).

Roles × objects, by link and by guessed URL: a cross-tenant read answers the same 404 as a missing
object, so the portal never tells whether something exists.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tierdesk.tickets.models import EventKind

from .conftest import sign_in

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "a_own", "a_company", "b", "other_provider", "bronze", "agent")
EMAILS = {
    "a_own": "it@acme.example",
    "a_company": "boss@acme.example",
    "b": "it@globex.example",
    "other_provider": "it@exocorp.example",
    "bronze": "it@bronzeco.example",
}


def client_for(role: str, world, agent) -> Client:
    client = Client()
    if role == "agent":
        client.force_login(agent.user)
    elif role != "anonymous":
        sign_in(client, EMAILS[role])
    return client


def _urls(world) -> dict[str, str]:
    return {
        "A's case": f"/portal/cases/{world.case_a.number}/",
        "A's other contact's case": f"/portal/cases/{world.case_a2.number}/",
        "A's attachment": f"/portal/cases/{world.case_a.number}/files/{world.file_a.pk}/",
        "A's attachment via B's case": f"/portal/cases/{world.case_b.number}/files/{world.file_a.pk}/",
        "A's internal note's file": f"/portal/cases/{world.case_a.number}/files/{world.file_note.pk}/",
        "B's case": f"/portal/cases/{world.case_b.number}/",
        "a missing case": "/portal/cases/NX-2026-999999/",
        "internal article": f"/portal/kb/{world.article_internal.pk}/",
        "draft article": f"/portal/kb/{world.article_draft.pk}/",
        "Nexstor public article": f"/portal/kb/{world.article_public.pk}/",
        "another provider's public article": f"/portal/kb/{world.article_exo.pk}/",
        "a missing article": "/portal/kb/999999/",
        "the Bronze portal": "/portal/cases/new/",
    }


# Expected status per object and role; 302 = to the sign-in page, 403 = a page that explains
# (agents: "this portal is for customers"; Bronze: "your plan does not include the portal").
EXPECTED = {
    "A's case": {"a_own": 200, "a_company": 200, "b": 404, "other_provider": 404, "bronze": 403},
    "A's other contact's case": {"a_own": 404, "a_company": 200, "b": 404, "other_provider": 404, "bronze": 403},
    "A's attachment": {"a_own": 200, "a_company": 200, "b": 404, "other_provider": 404, "bronze": 403},
    "A's attachment via B's case": {"a_own": 404, "a_company": 404, "b": 404, "other_provider": 404, "bronze": 403},
    "A's internal note's file": {"a_own": 404, "a_company": 404, "b": 404, "other_provider": 404, "bronze": 403},
    "B's case": {"a_own": 404, "a_company": 404, "b": 200, "other_provider": 404, "bronze": 403},
    "a missing case": {"a_own": 404, "a_company": 404, "b": 404, "other_provider": 404, "bronze": 403},
    "internal article": {"a_own": 404, "a_company": 404, "b": 404, "other_provider": 404, "bronze": 403},
    "draft article": {"a_own": 404, "a_company": 404, "b": 404, "other_provider": 404, "bronze": 403},
    "Nexstor public article": {"a_own": 200, "a_company": 200, "b": 200, "other_provider": 404, "bronze": 403},
    "another provider's public article": {
        "a_own": 404, "a_company": 404, "b": 404, "other_provider": 200, "bronze": 403,
    },
    "a missing article": {"a_own": 404, "a_company": 404, "b": 404, "other_provider": 404, "bronze": 403},
    "the Bronze portal": {"a_own": 200, "a_company": 200, "b": 200, "other_provider": 200, "bronze": 403},
}  # fmt: skip


def _normalised(response) -> str:
    text = b"".join(response.streaming_content) if response.streaming else response.content
    text = text.decode(errors="replace")
    text = re.sub(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+', "", text)
    # The language switcher returns to the address asked for; nothing else may differ.
    return re.sub(r'name="next" type="hidden" value="[^"]*"', "", text)


@pytest.mark.parametrize("role", ROLES)
def test_the_matrix_of_roles_and_objects(world, agent, role):
    client = client_for(role, world, agent)
    urls = _urls(world)
    not_found_bodies = set()
    for name, url in urls.items():
        response = client.get(url)
        if role == "anonymous":
            expected = 302
        elif role == "agent":
            expected = 403
        else:
            expected = EXPECTED[name][role]
        assert response.status_code == expected, (role, name, response.status_code)
        if expected == 302:
            assert response["Location"].startswith("/portal/sign-in/")
        if response.status_code == 404:
            not_found_bodies.add(_normalised(response))
        if response.status_code != 200:
            body = _normalised(response)
            for secret in ("Acme budget server", "Globex VPN down", "Printer admin password", "Débloquer"):
                if secret not in ("Acme budget server",) or role != "a_company":
                    assert secret not in body, (role, name, secret)
    # Missing or forbidden: the very same page.
    assert len(not_found_bodies) <= 1


def test_lists_search_and_suggestions_stay_inside_the_tenant(client, world):
    sign_in(client, "it@acme.example")
    pages = [
        client.get("/portal/cases/?state=all").content.decode(),
        client.get("/portal/kb/").content.decode(),
        client.get("/portal/kb/?q=printer").content.decode(),
        client.get("/portal/kb/?q=imprimante").content.decode(),
        client.get("/portal/cases/new/suggestions/?subject=printer+password+imprimante").content.decode(),
    ]
    text = "\n".join(pages)
    assert world.case_a.number in text and "Clearing a printer paper jam" in text
    for hidden in (world.case_a2.number, world.case_b.number, world.case_exo.number, "Printer admin password",
                   "Printer draft notes", "Débloquer une imprimante"):  # fmt: skip
        assert hidden not in text


def test_writing_to_another_customers_case_is_refused_like_reading_it(client, world):
    sign_in(client, "it@acme.example")
    before = world.case_b.events.count()
    base = f"/portal/cases/{world.case_b.number}/"
    for action, data in (("reply/", {"body": "hi"}), ("confirm/", {}), ("reopen/", {})):
        assert client.post(base + action, data).status_code == 404
    assert world.case_b.events.count() == before
    assert client.post(f"/portal/kb/{world.article_internal.pk}/solved/").status_code == 404


def test_internal_events_never_reach_the_portal(client, world, agent):
    from tierdesk.tickets.services import ticket_assign

    ticket_assign(ticket=world.case_a, actor=agent.user, assignee=agent)
    sign_in(client, "boss@acme.example")
    page = client.get(f"/portal/cases/{world.case_a.number}/").content.decode()
    assert "owes us money" not in page and "Alice" not in page
    assert world.case_a.events.filter(kind=EventKind.NOTE).exists()


# -- every route ---------------------------------------------------------------------------------------------


def _walk(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def portal_routes():
    """Every route of the portal and of the agents' KB pages, as a concrete path."""
    values = {"number": "NX-2026-000001", "pk": "1", "uidb64": "MQ", "token": "abc-def", "language": "en"}
    for route, pattern in _walk(get_resolver()):
        if not route.startswith(("portal/", "kb/")):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route)
        yield "/" + path, pattern.name


PUBLIC = {"sign-in", "sign-in-code", "sign-out", "reset", "reset-done", "reset-confirm"}


def test_every_route_refuses_anonymous_visitors_except_the_reviewed_public_ones(client, world):
    seen = []
    for path, name in portal_routes():
        seen.append(name)
        response = client.get(path)
        if name in PUBLIC:
            assert response.status_code in (200, 302, 405), path
            continue
        assert response.status_code in (302, 404, 405), (path, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith(("/portal/sign-in/", "/login/")), path
    assert len(seen) >= 28


def test_every_post_needs_a_csrf_token(world, agent):
    contact = Client(enforce_csrf_checks=True)
    contact.force_login(world.contact_a.user)
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(agent.user)
    anonymous = Client(enforce_csrf_checks=True)
    for path, _name in portal_routes():
        for client in (contact, staff, anonymous):
            response = client.post(path, {"body": "x", "email": "it@acme.example", "password": "x"})
            assert response.status_code == 403, (path, response.status_code)
    assert not world.case_a.events.filter(kind=EventKind.CUSTOMER_MESSAGE).exists()
