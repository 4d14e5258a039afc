"""Every status transition through the console, refused moves included; how htmx is wired (CSRF
header, configuration, no inline script or style); what an agent of another provider can list."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tierdesk.tickets.models import Status, Ticket
from tierdesk.tickets.services import TRANSITIONS, ticket_change_status

from .conftest import open_case

pytestmark = pytest.mark.django_db

ALLOWED = sorted((old, new) for old, targets in TRANSITIONS.items() for new in targets)
REFUSED = sorted(
    (old, new) for old in Status.values for new in Status.values if new != old and new not in TRANSITIONS[old]
)


def url(ticket, action=""):
    return f"/tickets/{ticket.number}/{action + '/' if action else ''}"


def case_in(customer, status, agent):
    """A case of `customer` brought to `status` through the services, as an agent would."""
    ticket = open_case(customer)
    if status != Status.NEW:
        ticket_change_status(ticket=ticket, actor=agent.user, status=status, reason="")
    return Ticket.objects.get(pk=ticket.pk)


@pytest.mark.parametrize(("old", "new"), ALLOWED, ids=[f"{o}->{n}" for o, n in ALLOWED])
def test_every_allowed_transition_through_the_console(console, customer_a, agent, old, new):
    ticket = case_in(customer_a, old, agent)
    events = ticket.events.count()

    response = console.post(url(ticket, "status"), {"status": new, "reason": f"{old} to {new}"})

    assert response.status_code == 303 and response["Location"] == url(ticket)
    ticket.refresh_from_db()
    assert ticket.status == new
    change = ticket.events.order_by("-id").first()
    assert ticket.events.count() == events + 1
    assert (change.kind, change.data["from"], change.data["to"], change.body) == (
        "status",
        old,
        new,
        f"{old} to {new}",
    )
    closed = ("resolved", "closed")
    assert change.data.get("reopened", False) == (old in closed and new not in closed)


@pytest.mark.parametrize(("old", "new"), REFUSED, ids=[f"{o}->{n}" for o, n in REFUSED])
def test_every_refused_transition_is_a_form_error_and_changes_nothing(htmx, customer_a, agent, old, new):
    ticket = case_in(customer_a, old, agent)
    events = ticket.events.count()

    response = htmx.post(url(ticket, "status"), {"status": new, "reason": "typed text survives"})

    assert response.status_code == 422
    body = response.content.decode()
    assert 'role="alert"' in body and "cannot become" in body
    assert "typed text survives" in body
    ticket.refresh_from_db()
    assert ticket.status == old and ticket.events.count() == events


def test_the_status_select_offers_exactly_the_allowed_moves(console, customer_a, agent):
    for old in Status.values:
        ticket = case_in(customer_a, old, agent)
        page = console.get(url(ticket)).content.decode()
        select = re.search(r'<select id="status-status".*?</select>', page, re.S).group(0)
        assert set(re.findall(r'value="(\w+)"', select)) == TRANSITIONS[old], old


def test_a_refusal_without_javascript_renders_the_whole_page_with_the_text_kept(console, ticket_a):
    console.post(url(ticket_a, "status"), {"status": "closed"})
    response = console.post(url(ticket_a, "status"), {"status": "waiting_vendor", "reason": "kept, not lost"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "<html" in page and "kept, not lost" in page and "cannot become" in page
    # The keyboard lands on the reason for the refusal; the language switcher returns to the case,
    # not to the action's address (a GET there would be refused).
    assert re.search(r'class="form-error" role="alert" tabindex="-1" autofocus', page)
    assert f'name="next" type="hidden" value="{url(ticket_a)}"' in page


def test_a_field_error_puts_the_keyboard_on_that_field(htmx, ticket_a):
    response = htmx.post(url(ticket_a, "reply"), {"body": "   "})
    assert response.status_code == 422
    textarea = re.search(r"<textarea[^>]*>", response.content.decode()).group(0)
    assert 'id="reply-body"' in textarea and "autofocus" in textarea and 'aria-invalid="true"' in textarea


# -- how htmx is wired -----------------------------------------------------------------------------


def test_htmx_posts_carry_the_csrf_token_in_a_header(agent, ticket_a):
    """htmx sends the token from <body hx-headers>; nothing else lets a POST through."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent.user)
    page = client.get(url(ticket_a)).content.decode()
    token = re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'>", page).group(1)

    refused = client.post(url(ticket_a, "note"), {"body": "no token"}, headers={"HX-Request": "true"})
    accepted = client.post(
        url(ticket_a, "note"),
        {"body": "with the header"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )

    assert refused.status_code == 403 and accepted.status_code == 200
    assert list(
        Ticket.objects.get(pk=ticket_a.pk).events.filter(kind="note").values_list("body", flat=True)
    ) == ["with the header"]


def test_htmx_is_configured_without_eval_scripts_or_other_origins(console, ticket_a):
    page = console.get(url(ticket_a)).content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", page).group(1)
    import json

    settings = json.loads(config)
    assert settings["allowEval"] is False and settings["allowScriptTags"] is False
    assert settings["selfRequestsOnly"] is True
    assert settings["includeIndicatorStyles"] is False  # htmx would inject a <style>: CSP forbids it
    assert settings["historyCacheSize"] == 0  # no copy of customers' text in localStorage
    assert '<script src="/static/vendor/htmx-2.0.11.min.js" defer></script>' in page


@pytest.mark.parametrize("path", ["/", "/notifications/", "TICKET"])
def test_console_pages_have_no_inline_script_or_style(console, ticket_a, path):
    page = console.get(url(ticket_a) if path == "TICKET" else path).content.decode()
    assert all(' src="' in tag for tag in re.findall(r"<script[^>]*>", page))
    assert "<style" not in page and " style=" not in page
    assert not re.search(r" on[a-z]+=", page) and "hx-on" not in page and "javascript:" not in page


def test_fragments_vary_on_the_htmx_header(console, htmx, ticket_a):
    assert "HX-Request" in console.get("/")["Vary"]
    assert "HX-Request" in htmx.get("/?q=x", target="queue-results")["Vary"]


def test_an_expired_session_during_an_htmx_update_loads_the_sign_in_page(client, ticket_a):
    response = client.post(url(ticket_a, "reply"), {"body": "x"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Redirect"] == "/login/"
    assert Ticket.objects.get(pk=ticket_a.pk).events.count() == 1


# -- isolation: the filters too --------------------------------------------------------------------


def test_an_agent_of_another_provider_finds_nothing_of_it_in_the_filters(
    client, netcor_agent, ticket_a, make_customer
):
    nc = make_customer("netcor", "standard", slug="nord")
    open_case(nc, subject="Firewall")
    client.force_login(netcor_agent.user)
    response = client.get("/")
    page = response.content.decode()
    options = response.context["options"]
    assert [value for value, _label in options.providers] == ["netcor"]
    assert all(value.startswith("netcor/") for value, _label in options.plans)
    assert [value for value, _label in options.customers or []] == ["netcor/nord"]
    assert "Acme" not in page and "Nexstor" not in page and ticket_a.number not in page
    # Asking for the other provider by hand finds nothing either.
    for query in ("provider=nexstor", "customer=nexstor/acme", "plan=nexstor/silver", f"q={ticket_a.number}"):
        assert client.get(f"/?{query}&status=any").context["result"].rows == [], query
    assert client.get("/").context["counts"]["all"] == 1


def test_hostile_text_is_shown_as_text_in_the_queue_and_the_header(console, customer_a):
    customer_a.name = '<img src=x onerror="alert(1)">'
    customer_a.save(update_fields=["name"])
    ticket = open_case(customer_a, subject="<script>alert('s')</script>")
    for page in (console.get("/").content.decode(), console.get(url(ticket)).content.decode()):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(&#x27;s&#x27;)&lt;/script&gt;" in page
