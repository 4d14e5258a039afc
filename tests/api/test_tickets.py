"""Tickets through the REST API: opening, reading the clocks, and every transition an agent makes.

Each test acts through HTTP with an agent's token and checks the answer and the stored state.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tierdesk.tickets.models import AdhocStatus, EventKind, Status, Ticket, TicketEvent
from tierdesk.tickets.services import ticket_reply

from .conftest import at, field_errors

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
FRIDAY_1750 = datetime(2026, 11, 20, 17, 50, tzinfo=LONDON)
SATURDAY_10 = datetime(2026, 11, 21, 10, 0, tzinfo=LONDON)


def instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def clock_of(ticket: dict, metric: str = "first_response") -> dict:
    return next(c for c in ticket["sla"] if c["metric"] == metric)


def open_case(api, **fields) -> dict:
    payload = {
        "customer": "acme",
        "contact": "it@acme.example",
        "subject": "Mail is down",
        "body": "Since nine o'clock nobody receives mail.",
        "channel": "email",
        "impact": "degraded",
        "urgency": "today",
        **fields,
    }
    response = api.post("/tickets", payload)
    assert response.status_code == 201, response.json()
    return response.json()


def act(api, number: str, action: str, payload: dict, status: int = 200) -> dict:
    response = api.post(f"/tickets/{number}/{action}", payload)
    assert response.status_code == status, response.json()
    return response.json()


# -- opening --------------------------------------------------------------------------------------


def test_opened_in_the_past_its_clocks_count_from_then(api, customer_a):
    """The seed's example: Nexstor Silver, Severity 2 on Friday 17:50 London: due Monday 11:50."""
    with at(SATURDAY_10):
        ticket = open_case(api, opened_at=FRIDAY_1750.isoformat())
    assert ticket["severity"] == 2
    assert ticket["severity_label"] == "High (Severity 2)"
    assert instant(ticket["opened_at"]) == FRIDAY_1750
    first = clock_of(ticket)
    assert instant(first["due_at"]) == datetime(2026, 11, 23, 11, 50, tzinfo=LONDON)
    assert first["target"] == "PT4H" and first["target_text"] == "4h"
    assert first["state"] == "running"
    assert (first["elapsed"], first["remaining"]) == ("PT10M", "PT3H50M")

    stored = Ticket.objects.get(number=ticket["number"])
    assert stored.opened_at == FRIDAY_1750
    assert stored.events.get().at == FRIDAY_1750

    # Monday 12:00: ten minutes late, even though nothing was written since.
    with at(datetime(2026, 11, 23, 12, 0, tzinfo=LONDON)):
        again = api.get(f"/tickets/{ticket['number']}").json()
    late = clock_of(again)
    assert (late["state"], late["elapsed"], late["remaining"]) == ("breached", "PT4H10M", "-PT10M")
    assert instant(late["breached_at"]) == datetime(2026, 11, 23, 11, 50, tzinfo=LONDON)
    assert again["sla_state"] == "breached"


def test_a_ticket_has_every_documented_field(api, customer_a):
    with at(SATURDAY_10):
        ticket = open_case(api)
    assert set(ticket) >= {
        "number", "customer", "contact", "plan", "type", "channel", "impact", "urgency", "severity",
        "severity_label", "status", "subject", "opened_at", "assignee", "team", "adhoc_status", "sla",
    }  # fmt: skip
    assert ticket["number"].startswith("NX-2026-")
    assert (ticket["customer"], ticket["contact"], ticket["plan"]) == (
        "acme",
        "it@acme.example",
        "nexstor/silver",
    )
    assert (ticket["type"], ticket["channel"], ticket["impact"], ticket["urgency"]) == (
        "incident",
        "email",
        "degraded",
        "today",
    )
    assert (ticket["status"], ticket["assignee"], ticket["team"], ticket["adhoc_status"]) == (
        "new",
        None,
        None,
        None,
    )
    assert set(clock_of(ticket)) >= {"metric", "target", "due_at", "state", "elapsed", "remaining", "paused"}
    # Instants carry their offset.
    assert ticket["opened_at"].endswith(("Z", "+00:00"))
    stored = Ticket.objects.get(number=ticket["number"])
    assert stored.events.get().actor_user.username == "alice"


def test_severity_given_on_create_overrides_the_matrix_with_a_reason(api, customer_a):
    with at(SATURDAY_10):
        ticket = open_case(api, severity=1, severity_reason="The CEO's mailbox")
        assert ticket["severity"] == 1
        assert clock_of(ticket)["target"] == "PT30M"
        event = Ticket.objects.get(number=ticket["number"]).events.get()
        assert event.data["matrix_severity"] == 2 and event.data["severity_reason"] == "The CEO's mailbox"

        refused = api.post(
            "/tickets",
            {"customer": "acme", "subject": "x", "impact": "degraded", "urgency": "today", "severity": 1},
        )
        assert refused.status_code == 422
        assert "reason" in refused.json()["detail"][0]["msg"]

        assert "severity" in field_errors(
            api.post("/tickets", {"customer": "acme", "subject": "x", "severity": 7})
        )
    assert Ticket.objects.count() == 1


def test_invalid_payloads_name_the_field(api, customer_a, make_customer):
    make_customer("exodata", "standard", slug="dupont")
    with at(SATURDAY_10):
        cases = [
            ({"subject": "x"}, "customer"),  # missing
            ({"customer": "nobody", "subject": "x"}, "customer"),
            ({"customer": "acme"}, "subject"),
            ({"customer": "acme", "subject": "   "}, "subject"),
            ({"customer": "acme", "subject": "x", "contact": "boss@globex.example"}, "contact"),
            ({"customer": "acme", "subject": "x", "channel": "pigeon"}, "channel"),
            ({"customer": "acme", "subject": "x", "type": "rant"}, "type"),
            ({"customer": "acme", "subject": "x", "impact": "nope", "urgency": "today"}, "impact"),
            ({"customer": "acme", "subject": "x", "impact": "degraded", "urgency": "nope"}, "urgency"),
            # Exodata's impact on a Nexstor customer.
            ({"customer": "acme", "subject": "x", "impact": "several_users", "urgency": "today"}, "impact"),
            ({"customer": "acme", "subject": "x", "opened_at": "2026-11-20T17:50:00"}, "opened_at"),  # naive
            (
                {"customer": "acme", "subject": "x", "opened_at": "2026-11-28T17:50:00Z"},
                "opened_at",
            ),  # future
            ({"customer": "acme", "subject": "x", "severity": "high"}, "severity"),
            ({"customer": "acme", "subject": "x\x00"}, "subject"),
            # Read strictly (schemathesis found these accepted): no numbers as text, no timestamps.
            ({"customer": "acme", "subject": "x", "severity": "1"}, "severity"),
            ({"customer": "acme", "subject": "x", "severity": 1.5}, "severity"),
            ({"customer": "acme", "subject": "x", "opened_at": 1790000000}, "opened_at"),
            ({"customer": "acme", "subject": "x", "opened_at": "2026-11-20 17:50:00+00:00"}, "opened_at"),
            ({"customer": "acme", "subject": "x", "opened_at": "1999-12-31T23:00:00Z"}, "opened_at"),
        ]
        for payload, field in cases:
            errors = field_errors(api.post("/tickets", payload))
            assert field in errors, (payload, errors)
        message = field_errors(
            api.post(
                "/tickets",
                {"customer": "acme", "subject": "x", "impact": "several_users", "urgency": "today"},
            )
        )["impact"]
        assert "Nexstor" in message and "outage" in message
    assert Ticket.objects.count() == 0


def test_unreadable_json_is_a_400(api, customer_a):
    response = api.post("/tickets", "{not json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Cannot parse request body"}


def test_a_body_must_be_a_json_object(api, customer_a):
    """Found by schemathesis: `[null, null]` passed as a correction with every field left out."""
    with at(SATURDAY_10):
        number = open_case(api)["number"]
        for body in ("[null, null]", "5", '"subject"', "null"):
            assert api.patch(f"/tickets/{number}", body).status_code == 422, body
            assert api.post("/tickets", body).status_code == 422, body


def test_a_channel_outside_the_plan_is_refused(api, make_customer):
    make_customer("nexstor", "bronze", slug="smallco")
    response = api.post("/tickets", {"customer": "smallco", "subject": "Help", "channel": "portal"})
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["type"] == "entitlement" and error["loc"] == ["body"]
    assert "Bronze plan does not include Customer portal" in error["msg"]


def test_customer_codes_shared_by_two_providers_need_the_provider(api, make_customer):
    make_customer("nexstor", "silver", slug="acme")
    make_customer("biztek", "standard", slug="acme")
    ambiguous = field_errors(api.post("/tickets", {"customer": "acme", "subject": "Hi"}))
    assert "biztek, nexstor" in ambiguous["customer"]
    ticket = open_case(api, provider="biztek", impact=None, urgency=None, contact=None, subject="Hi")
    assert (ticket["provider"], ticket["customer"], ticket["plan"]) == ("biztek", "acme", "biztek/standard")


# -- reading --------------------------------------------------------------------------------------


def test_get_an_unknown_ticket_is_a_404(api, catalogs):
    response = api.get("/tickets/NX-2026-999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_list_filters(api, agent, agent2, customer_a, customer_b, make_customer, desk_team):
    make_customer("phonecare", "cat1", slug="ringring")
    with at(SATURDAY_10):
        sev2 = open_case(api)
        sev1 = open_case(api, impact="outage", urgency="immediate", subject="Server room flooded")
        gold = open_case(api, customer="globex", contact="it@globex.example", type="service_request")
        phone = open_case(
            api, customer="ringring", contact=None, impact="system", urgency="blocking", channel="phone"
        )
        act(api, sev1["number"], "assignment", {"assignee": "alice", "team": "desk"})
        act(api, gold["number"], "assignment", {"assignee": "bob"})
        act(api, phone["number"], "status", {"status": "closed", "reason": "Duplicate"})

        def numbers(**params) -> list[str]:
            response = api.get("/tickets", params)
            assert response.status_code == 200, response.json()
            body = response.json()
            assert body["count"] == len(body["items"])
            return sorted(t["number"] for t in body["items"])

        open_ones = sorted([sev2["number"], sev1["number"], gold["number"]])
        assert numbers() == open_ones
        assert numbers(open="false") == sorted([*open_ones, phone["number"]])
        assert numbers(status="closed") == [phone["number"]]
        assert numbers(customer="globex") == [gold["number"]]
        assert numbers(provider="nexstor") == open_ones
        assert numbers(provider="phonecare", open="false") == [phone["number"]]
        assert numbers(plan="nexstor/silver") == sorted([sev2["number"], sev1["number"]])
        assert numbers(plan="nexstor/gold") == [gold["number"]]
        assert numbers(severity=1) == [sev1["number"]]
        assert numbers(type="service_request") == [gold["number"]]
        assert numbers(channel="phone", open="false") == [phone["number"]]
        assert numbers(channel="email") == open_ones
        assert numbers(queue="mine") == [sev1["number"]]
        assert numbers(queue="team") == [sev1["number"]]
        assert numbers(queue="unassigned") == [sev2["number"]]
        assert numbers(queue="all") == open_ones
        assert numbers(search="flooded") == [sev1["number"]]
        assert numbers(search=gold["number"]) == [gold["number"]]

        # The most urgent first: Severity 1 is due at Monday 08:30, Severity 2 at 12:00.
        items = api.get("/tickets").json()["items"]
        assert items[0]["number"] == sev1["number"]

        for params, field in [
            ({"status": "open-ish"}, "status"),
            ({"queue": "yours"}, "queue"),
            ({"plan": "silver"}, "plan"),
            ({"severity": "x"}, "severity"),
            ({"limit": 500}, "limit"),
            ({"offset": -1}, "offset"),
        ]:
            assert field in field_errors(api.get("/tickets", params)), params


def test_list_pages(api, customer_a):
    with at(SATURDAY_10):
        made = [open_case(api, subject=f"Case {i}")["number"] for i in range(5)]
        first = api.get("/tickets", {"limit": 2}).json()
        second = api.get("/tickets", {"limit": 2, "offset": 2}).json()
        last = api.get("/tickets", {"limit": 2, "offset": 4}).json()
    assert (first["count"], first["limit"], first["offset"]) == (5, 2, 0)
    seen = [t["number"] for page in (first, second, last) for t in page["items"]]
    assert sorted(seen) == sorted(made) and len(set(seen)) == 5


def test_timeline_and_clock_explanations(api, customer_a):
    with at(SATURDAY_10):
        ticket = open_case(api, opened_at=FRIDAY_1750.isoformat())
        number = ticket["number"]
        act(api, number, "notes", {"body": "Checked the MX records."})
    with at(datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)):
        act(api, number, "replies", {"body": "We are on it."})
        events = api.get(f"/tickets/{number}/events").json()
        sla = api.get(f"/tickets/{number}/sla").json()
    assert events["count"] == 4
    kinds = [(e["kind"], e["public"], e["actor"], e["actor_kind"]) for e in events["items"]]
    assert kinds == [
        ("opened", True, "alice", "agent"),
        ("note", False, "alice", "agent"),
        ("reply", True, "alice", "agent"),
        ("status", True, "alice", "agent"),
    ]
    assert events["items"][2]["body"] == "We are on it."
    assert events["items"][3]["data"] == {"from": "new", "to": "acknowledged"}
    (first,) = sla
    assert first["state"] == "met"
    assert instant(first["met_at"]) == datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)
    assert first["elapsed"] == "PT1H10M" and first["remaining"] == "PT2H50M"
    assert any("Mon 11:50" in line for line in first["explanation"]), first["explanation"]


# -- transitions ----------------------------------------------------------------------------------


def test_conversation_moves_the_status_and_meets_the_first_response(api, customer_a, contact_a):
    with at(SATURDAY_10):
        number = open_case(api, opened_at=FRIDAY_1750.isoformat())["number"]
    with at(datetime(2026, 11, 23, 8, 30, tzinfo=LONDON)):
        replied = act(api, number, "replies", {"body": "Looking into it now."})
        assert replied["status"] == "acknowledged"
        assert clock_of(replied)["state"] == "met"
        waiting = act(api, number, "status", {"status": "waiting_customer", "reason": "Need the logs"})
        assert waiting["status"] == "waiting_customer"
    with at(datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)):
        # The customer answers by e-mail: the same service every channel calls.
        ticket_reply(ticket=Ticket.objects.get(number=number), actor=contact_a, body="Logs attached")
        assert api.get(f"/tickets/{number}").json()["status"] == "in_progress"
        called = act(
            api, number, "calls", {"body": "Walked through the fix", "direction": "inbound", "minutes": 12}
        )
    assert called["status"] == "in_progress"
    call = TicketEvent.objects.get(ticket__number=number, kind=EventKind.CALL)
    assert call.data == {"direction": "inbound", "minutes": 12} and call.public
    assert "minutes" in field_errors(api.post(f"/tickets/{number}/calls", {"minutes": 2000}))
    assert "body" in field_errors(api.post(f"/tickets/{number}/replies", {"body": " "}))


def test_resolve_close_and_reopen_within_the_window(api, customer_a):
    with at(SATURDAY_10):
        number = open_case(api)["number"]
        resolved = act(api, number, "status", {"status": "resolved", "reason": "Fixed the MX record"})
        assert resolved["status"] == "resolved" and instant(resolved["resolved_at"]) == SATURDAY_10
    with at(SATURDAY_10 + timedelta(days=3)):
        reopened = act(api, number, "status", {"status": "in_progress", "reason": "Back again"})
        assert (reopened["status"], reopened["resolved_at"]) == ("in_progress", None)
        assert (
            TicketEvent.objects.filter(ticket__number=number, kind="status").last().data["reopened"] is True
        )
        closed = act(api, number, "status", {"status": "closed"})
    assert closed["status"] == "closed"
    assert Ticket.objects.get(number=number).status == Status.CLOSED


def test_reopening_after_the_window_is_a_conflict(api, customer_a):
    with at(SATURDAY_10):
        number = open_case(api)["number"]
        act(api, number, "status", {"status": "resolved"})
    with at(SATURDAY_10 + timedelta(days=15)):
        response = api.post(f"/tickets/{number}/status", {"status": "in_progress"})
    assert response.status_code == 409
    assert "more than 14 days ago" in response.json()["detail"]
    assert Ticket.objects.get(number=number).status == Status.RESOLVED


def test_impossible_transitions_are_conflicts(api, customer_a):
    with at(SATURDAY_10):
        number = open_case(api)["number"]
        again = api.post(f"/tickets/{number}/status", {"status": "new"})
        assert again.status_code == 409 and "already new" in again.json()["detail"]
        act(api, number, "status", {"status": "closed"})
        response = api.post(f"/tickets/{number}/status", {"status": "waiting_customer"})
        assert response.status_code == 409
        assert response.json()["detail"] == "A case that is closed cannot become waiting on customer."
        assert "status" in field_errors(api.post(f"/tickets/{number}/status", {"status": "done"}))
    assert Ticket.objects.get(number=number).status == Status.CLOSED


def test_severity_change_recomputes_from_the_start_and_a_downgrade_is_public(api, customer_a):
    with at(SATURDAY_10):
        number = open_case(api, opened_at=FRIDAY_1750.isoformat())["number"]
        assert "reason" in field_errors(api.post(f"/tickets/{number}/severity", {"level": 1}))
        assert "reason" in field_errors(api.post(f"/tickets/{number}/severity", {"level": 1, "reason": "  "}))
        assert "level" in field_errors(api.post(f"/tickets/{number}/severity", {"level": 9, "reason": "x"}))
        up = act(api, number, "severity", {"level": 1, "reason": "All sites affected"})
        assert (up["severity"], up["severity_label"]) == (1, "Critical (Severity 1)")
        # 10 minutes on Friday, 20 on Monday morning.
        assert instant(clock_of(up)["due_at"]) == datetime(2026, 11, 23, 8, 20, tzinfo=LONDON)
        down = act(api, number, "severity", {"level": 3, "reason": "The customer could not provide access"})
        assert instant(clock_of(down)["due_at"]) == datetime(2026, 11, 23, 15, 50, tzinfo=LONDON)
        same = api.post(f"/tickets/{number}/severity", {"level": 3, "reason": "again"})
        assert same.status_code == 422 and "already has that severity" in same.json()["detail"][0]["msg"]
    downgrade = TicketEvent.objects.filter(ticket__number=number, kind=EventKind.SEVERITY).last()
    assert downgrade.public and downgrade.data == {"from": 1, "to": 3, "downgrade": True}
    assert downgrade.body == "The customer could not provide access"


def test_assignment(api, agent, agent2, netcor_agent, customer_a, desk_team):
    with at(SATURDAY_10):
        number = open_case(api)["number"]
        both = act(api, number, "assignment", {"assignee": "bob", "team": "desk"})
        assert (both["assignee"], both["team"]) == ("bob", "desk")
        cleared = act(api, number, "assignment", {"assignee": None})
        assert (cleared["assignee"], cleared["team"]) == (None, "desk")
        errors = {
            "assignee": {"assignee": "nina"},  # serves NETCOR only
            "team": {"team": "netcor"},
        }
        for field, payload in errors.items():
            assert "does not serve" in field_errors(api.post(f"/tickets/{number}/assignment", payload))[field]
        assert "assignee" in field_errors(api.post(f"/tickets/{number}/assignment", {"assignee": "mallory"}))
        assert "team" in field_errors(api.post(f"/tickets/{number}/assignment", {"team": "nope"}))
        assert "assignee" in field_errors(api.post(f"/tickets/{number}/assignment", {}))
    stored = Ticket.objects.get(number=number)
    assert (stored.assignee, stored.team) == (None, desk_team)
    assert [e.data for e in stored.events.filter(kind=EventKind.ASSIGNMENT)] == [
        {"assignee": [None, "Bob"], "team": [None, "Service desk"]},
        {"assignee": ["Bob", None]},
    ]


def test_update_subject_and_type(api, customer_a):
    with at(SATURDAY_10):
        number = open_case(api)["number"]
        response = api.patch(
            f"/tickets/{number}", {"subject": "  Mail   delayed ", "type": "service_request"}
        )
        assert response.status_code == 200, response.json()
        assert (response.json()["subject"], response.json()["type"]) == ("Mail delayed", "service_request")
        assert "type" in field_errors(api.patch(f"/tickets/{number}", {"type": "whim"}))
        assert "subject" in field_errors(api.patch(f"/tickets/{number}", {"subject": ""}))
    stored = Ticket.objects.get(number=number)
    assert (stored.subject, stored.type) == ("Mail delayed", "service_request")


def test_onsite_visit_starts_and_meets_its_clock(api, make_customer):
    make_customer("phonecare", "cat4", slug="faraway", units={"port": 12})
    with at(datetime(2026, 11, 24, 10, 0, tzinfo=LONDON)):
        number = open_case(
            api, customer="faraway", contact=None, channel="phone", impact="system", urgency="blocking"
        )["number"]
        assert (
            "No on-site visit" in api.post(f"/tickets/{number}/onsite/arrived", {}).json()["detail"][0]["msg"]
        )
        required = act(api, number, "onsite/required", {"note": "Replace the PSU"})
        onsite = clock_of(required, "onsite")
        assert onsite["state"] == "running" and onsite["target"] == "PT24H"
        assert instant(onsite["due_at"]) == datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)
        assert api.post(f"/tickets/{number}/onsite/required", {}).status_code == 422
    with at(datetime(2026, 11, 25, 8, 0, tzinfo=LONDON)):
        arrived = act(api, number, "onsite/arrived", {})
    assert clock_of(arrived, "onsite")["state"] == "met"
    assert clock_of(arrived, "onsite")["remaining"] == "PT2H"


def test_adhoc_case_is_accepted_or_declined(api, make_customer):
    make_customer("phonecare", None, slug="walkin")
    with at(datetime(2026, 11, 24, 10, 0, tzinfo=LONDON)):
        first = open_case(api, customer="walkin", contact=None, channel="phone", impact=None, urgency=None)
        assert (first["adhoc_status"], first["plan"], first["contract"], first["sla"]) == (
            "pending",
            "phonecare/cats",
            None,
            [],
        )
        blocked = api.post(f"/tickets/{first['number']}/replies", {"body": "Hello"})
        assert blocked.status_code == 409 and "awaiting acceptance" in blocked.json()["detail"]
        accepted = act(api, first["number"], "adhoc/accept", {"note": "£70 + VAT agreed"})
        assert accepted["adhoc_status"] == "accepted"
        assert api.post(f"/tickets/{first['number']}/adhoc/accept", {}).status_code == 409
        accept_event = TicketEvent.objects.get(ticket__number=first["number"], kind=EventKind.ADHOC_ACCEPTED)
        assert accept_event.data["price"] == "70.00"

        second = open_case(api, customer="walkin", contact=None, channel="email", impact=None, urgency=None)
        assert "reason" in field_errors(api.post(f"/tickets/{second['number']}/adhoc/decline", {}))
        declined = act(api, second["number"], "adhoc/decline", {"reason": "Equipment not supplied by us"})
        assert (declined["adhoc_status"], declined["status"]) == ("declined", "closed")
    assert Ticket.objects.get(number=second["number"]).adhoc_status == AdhocStatus.DECLINED


def test_actions_may_carry_a_past_instant_for_imports(api, customer_a):
    with at(SATURDAY_10):
        number = open_case(api, opened_at=FRIDAY_1750.isoformat())["number"]
        replied = act(api, number, "replies", {"body": "Seen", "at": "2026-11-20T17:55:00Z"})
        assert instant(clock_of(replied)["met_at"]) == datetime(2026, 11, 20, 17, 55, tzinfo=LONDON)
        assert "at" in field_errors(
            api.post(f"/tickets/{number}/notes", {"body": "x", "at": "2026-11-20T17:00:00Z"})
        )
        assert "at" in field_errors(
            api.post(f"/tickets/{number}/notes", {"body": "x", "at": "2026-12-01T00:00:00Z"})
        )
