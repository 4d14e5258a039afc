"""The ticket page and every action on it, as a plain form post and as htmx, with the resulting state."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from tierdesk.notify.models import Notification
from tierdesk.tickets.models import AdhocStatus, EventKind, SlaClock, Status, Ticket

from .conftest import MONDAY_10, open_case

pytestmark = pytest.mark.django_db


def url(ticket, action=""):
    return f"/tickets/{ticket.number}/{action + '/' if action else ''}"


def test_ticket_page_shows_header_timeline_and_sla_explained(console, ticket_a):
    response = console.get(url(ticket_a))
    assert response.status_code == 200
    page = response.content.decode()
    assert ticket_a.number in page and "Printer on fire" in page
    assert "High (Severity 2)" in page and "Silver" in page
    assert "First response" in page and "4h" in page
    # The explanation in words, in the agent's language and to the minute.
    assert "opened Mon 10:00" in page and "due Mon 14:00" in page


def test_ticket_page_in_french(console, agent, ticket_a):
    agent.user.language = "fr"
    agent.user.save(update_fields=["language"])
    page = console.get(url(ticket_a)).content.decode()
    assert '<html lang="fr">' in page
    assert "ouvert lun. 10h00" in page


def test_reply_plain_post_redirects_and_records(console, ticket_a):
    response = console.post(url(ticket_a, "reply"), {"body": "We are on it."})
    assert response.status_code == 303 and response["Location"] == url(ticket_a)
    ticket = Ticket.objects.get(pk=ticket_a.pk)
    assert ticket.status == Status.ACKNOWLEDGED
    reply = ticket.events.get(kind=EventKind.REPLY)
    assert (reply.body, reply.public) == ("We are on it.", True)
    assert SlaClock.objects.get(ticket=ticket, metric="first_response").state == "met"
    assert "Reply sent to the customer." in console.get(url(ticket_a)).content.decode()


def test_reply_with_htmx_swaps_the_timeline_header_and_sla_panel(htmx, ticket_a):
    response = htmx.post(url(ticket_a, "reply"), {"body": "On it <script>alert(1)</script>"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    for fragment in ('id="timeline"', 'id="sla-panel"', 'id="ticket-header"'):
        assert fragment in body, fragment
    assert 'hx-swap-oob="true"' in body
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_internal_note_is_marked_internal_and_stops_no_clock(console, ticket_a):
    console.post(url(ticket_a, "note"), {"body": "Check the switch first"})
    note = Ticket.objects.get(pk=ticket_a.pk).events.get(kind=EventKind.NOTE)
    assert not note.public
    assert SlaClock.objects.get(ticket=ticket_a, metric="first_response").state == "running"
    assert "Internal" in console.get(url(ticket_a)).content.decode()


def test_log_a_call(console, ticket_a):
    response = console.post(
        url(ticket_a, "call"), {"body": "Called Priya", "direction": "inbound", "minutes": "7"}
    )
    assert response.status_code == 303
    call = Ticket.objects.get(pk=ticket_a.pk).events.get(kind=EventKind.CALL)
    assert call.data == {"direction": "inbound", "minutes": 7}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("in_progress", Status.IN_PROGRESS),
        ("waiting_customer", Status.WAITING_CUSTOMER),
        ("resolved", Status.RESOLVED),
    ],
)
def test_change_status(console, ticket_a, status, expected):
    response = console.post(url(ticket_a, "status"), {"status": status, "reason": "because"})
    assert response.status_code == 303
    assert Ticket.objects.get(pk=ticket_a.pk).status == expected


def test_a_refused_transition_keeps_the_text_and_says_why(console, htmx, ticket_a):
    console.post(url(ticket_a, "status"), {"status": "resolved", "reason": "fixed"})
    console.post(url(ticket_a, "status"), {"status": "closed", "reason": ""})
    response = htmx.post(url(ticket_a, "status"), {"status": "waiting_vendor", "reason": "keep this text"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "cannot become" in body and "keep this text" in body
    assert Ticket.objects.get(pk=ticket_a.pk).status == Status.CLOSED


def test_reopen_from_the_console(console, ticket_a):
    console.post(url(ticket_a, "status"), {"status": "resolved", "reason": "fixed"})
    console.post(url(ticket_a, "status"), {"status": "in_progress", "reason": "came back"})
    ticket = Ticket.objects.get(pk=ticket_a.pk)
    assert ticket.status == Status.IN_PROGRESS and ticket.resolved_at is None


def test_severity_change_needs_a_reason_and_a_downgrade_is_public(console, ticket_a):
    refused = console.post(url(ticket_a, "severity"), {"level": "3", "reason": ""})
    assert refused.status_code == 422
    assert Ticket.objects.get(pk=ticket_a.pk).severity.level == 2
    response = console.post(url(ticket_a, "severity"), {"level": "3", "reason": "Only one user affected"})
    assert response.status_code == 303
    ticket = Ticket.objects.get(pk=ticket_a.pk)
    assert ticket.severity.level == 3
    event = ticket.events.get(kind=EventKind.SEVERITY)
    assert event.public and event.data["downgrade"] is True
    assert SlaClock.objects.get(ticket=ticket, metric="first_response").target == timedelta(hours=8)


def test_assign_and_assign_to_me(console, ticket_a, agent, agent2, desk_team):
    response = console.post(url(ticket_a, "assign"), {"assignee": str(agent2.pk), "team": str(desk_team.pk)})
    assert response.status_code == 303
    ticket = Ticket.objects.get(pk=ticket_a.pk)
    assert (ticket.assignee, ticket.team) == (agent2, desk_team)
    console.post(url(ticket_a, "assign"), {"assignee": str(agent.pk)})  # "Assign to me" sends only this
    ticket = Ticket.objects.get(pk=ticket_a.pk)
    assert (ticket.assignee, ticket.team) == (agent, desk_team)


def test_assigning_an_agent_who_cannot_see_the_ticket_is_refused(console, ticket_a, netcor_agent):
    response = console.post(url(ticket_a, "assign"), {"assignee": str(netcor_agent.pk)})
    assert response.status_code == 422
    assert Ticket.objects.get(pk=ticket_a.pk).assignee is None


def test_onsite_actions_where_the_plan_promises_it(console, make_customer, frozen):
    cat4 = make_customer("phonecare", "cat4", slug="widcombe")
    ticket = open_case(cat4, channel="phone", impact="system", urgency="blocking")
    page = console.get(url(ticket)).content.decode()
    assert "On-site visit required" in page or "on-site" in page.lower()
    assert console.post(url(ticket, "onsite-required"), {"note": "Engineer dispatched"}).status_code == 303
    assert SlaClock.objects.get(ticket=ticket, metric="onsite").state == "running"
    assert console.post(url(ticket, "onsite-arrived"), {"note": ""}).status_code == 303
    assert SlaClock.objects.get(ticket=ticket, metric="onsite").state == "met"


def test_adhoc_accept_and_decline(console, make_customer, frozen):
    walk_in = make_customer("phonecare", None, slug="walk-in")
    first = open_case(walk_in, channel="phone")
    second = open_case(walk_in, channel="phone", subject="Second")
    assert "Awaiting acceptance" in console.get(url(first)).content.decode()
    assert console.post(url(first, "reply"), {"body": "hi"}).status_code == 422
    assert console.post(url(first, "adhoc-accept"), {"note": "£70 + VAT, up to 2 hours"}).status_code == 303
    assert Ticket.objects.get(pk=first.pk).adhoc_status == AdhocStatus.ACCEPTED
    assert console.post(url(second, "adhoc-decline"), {"reason": ""}).status_code == 422
    assert console.post(url(second, "adhoc-decline"), {"reason": "Unsupported model"}).status_code == 303
    declined = Ticket.objects.get(pk=second.pk)
    assert (declined.adhoc_status, declined.status) == (AdhocStatus.DECLINED, Status.CLOSED)


def test_unknown_action_is_404(console, ticket_a):
    assert console.post(url(ticket_a, "delete")).status_code == 404


def test_get_on_an_action_is_not_allowed(console, ticket_a):
    assert console.get(url(ticket_a, "reply")).status_code == 405


def test_sla_panel_refresh_fragment(htmx, console, ticket_a):
    response = htmx.get(url(ticket_a, "sla"))
    assert response.status_code == 200 and 'id="sla-panel"' in response.content.decode()
    assert console.get(url(ticket_a, "sla"))["Location"].endswith("#sla-panel")


def test_ticket_page_queries_do_not_grow_with_history(console, ticket_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as short:
        assert console.get(url(ticket_a)).status_code == 200
    for i in range(15):
        console.post(url(ticket_a, "note"), {"body": f"note {i}"})
        console.post(url(ticket_a, "reply"), {"body": f"reply {i}"})
    with CaptureQueriesContext(connection) as long:
        assert console.get(url(ticket_a)).status_code == 200
    assert 0 < len(long.captured_queries) <= len(short.captured_queries) + 1  # +1: the flash message read


# -- access ----------------------------------------------------------------------------------------

ACTIONS = [
    "reply",
    "note",
    "call",
    "status",
    "severity",
    "assign",
    "onsite-required",
    "onsite-arrived",
    "adhoc-accept",
    "adhoc-decline",
]


def test_an_agent_of_another_provider_gets_404_everywhere(client, netcor_agent, ticket_a, customer_a):
    client.force_login(netcor_agent.user)
    assert client.get(url(ticket_a)).status_code == 404
    assert client.get(url(ticket_a, "sla"), headers={"HX-Request": "true"}).status_code == 404
    for action in ACTIONS:
        assert (
            client.post(url(ticket_a, action), {"body": "x", "reason": "x", "status": "resolved"}).status_code
            == 404
        )
    assert Ticket.objects.get(pk=ticket_a.pk).events.count() == 1
    response = client.get("/?queue=all&status=any")
    assert response.context["result"].rows == []
    assert "Acme" not in response.content.decode()


def test_a_portal_account_cannot_use_the_console(client, portal_user, ticket_a):
    client.force_login(portal_user)
    assert client.get("/").status_code == 403
    assert client.get(url(ticket_a)).status_code == 403
    assert client.post(url(ticket_a, "reply"), {"body": "x"}).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, ticket_a):
    response = client.get(url(ticket_a))
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.post(url(ticket_a, "reply"), {"body": "x"}).status_code == 302
    assert Ticket.objects.get(pk=ticket_a.pk).events.count() == 1


def test_every_action_needs_the_csrf_token(agent, ticket_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent.user)
    for action in ACTIONS:
        assert client.post(url(ticket_a, action), {"body": "x"}).status_code == 403, action
    assert client.post("/notifications/read/").status_code == 403
    assert Ticket.objects.get(pk=ticket_a.pk).events.count() == 1


def test_missing_and_forbidden_tickets_look_the_same(client, netcor_agent, ticket_a):
    client.force_login(netcor_agent.user)
    forbidden = client.get(url(ticket_a))
    missing = client.get("/tickets/NX-2026-999999/")
    assert forbidden.status_code == missing.status_code == 404
    # Identical but for the per-response CSRF mask.
    masks = rb'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+"'
    unmasked = [re.sub(masks, b"", r.content) for r in (forbidden, missing)]
    # …and the page's own address in the language switcher.
    assert unmasked[0].replace(ticket_a.number.encode(), b"NX-2026-999999") == unmasked[1]


# -- notifications ---------------------------------------------------------------------------------


def test_notifications_count_list_and_mark_read(console, agent, ticket_a):
    for i in range(2):
        Notification.objects.create(
            user=agent.user,
            ticket=ticket_a,
            kind="sla_warning",
            text=f"warning {i}",
            dedupe_key=f"k{i}",
            created_at=MONDAY_10,
        )
    page = console.get("/").content.decode()
    assert 'class="count"' in page
    listing = console.get("/notifications/")
    assert "warning 0" in listing.content.decode()
    first = Notification.objects.get(dedupe_key="k0")
    console.post("/notifications/read/", {"id": str(first.pk)})
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    console.post("/notifications/read/", {"next": "https://evil.example/"})
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_notifications_of_others_are_not_shown_or_touched(console, agent2, ticket_a):
    other = Notification.objects.create(
        user=agent2.user,
        ticket=ticket_a,
        kind="sla_warning",
        text="Bob's",
        dedupe_key="bob",
        created_at=MONDAY_10,
    )
    assert "Bob's" not in console.get("/notifications/").content.decode()
    console.post("/notifications/read/", {"id": str(other.pk)})
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_breached_ticket_page_says_so(console, agent, ticket_a):
    with time_machine.travel(MONDAY_10 + timedelta(hours=5), tick=False):
        console.force_login(agent.user)
        page = console.get(url(ticket_a)).content.decode()
    assert "Breached" in page


def test_a_resolved_case_offers_an_article_and_the_nav_the_knowledge_base(console, ticket_a):
    console.post(url(ticket_a, "status"), {"status": "resolved", "reason": "Toner replaced"})
    page = console.get(url(ticket_a)).content.decode()
    assert f'href="/kb/new/?from={ticket_a.number}"' in page
    assert 'href="/kb/"' in page
    draft = console.get(f"/kb/new/?from={ticket_a.number}")
    assert draft.status_code == 200 and "Printer on fire" in draft.content.decode()
