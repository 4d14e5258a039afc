"""What the customer hears by e-mail, and how it is sent: through the outbox to a real SMTP server,
threaded, in the contact's language and time zone, never about internal work or their own actions."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from tierdesk.catalog.models import Impact, Urgency
from tierdesk.customers.models import Contact
from tierdesk.mail.models import MailParticipant
from tierdesk.notify.models import OutboundEmail
from tierdesk.notify.services import outbox_send_pending
from tierdesk.tickets.services import (
    ticket_adhoc_accept,
    ticket_adhoc_decline,
    ticket_assign,
    ticket_change_severity,
    ticket_change_status,
    ticket_note,
    ticket_onsite_required,
    ticket_open,
    ticket_reply,
)

from .conftest import LONDON, MONDAY_MORNING, at, message, outbox, receive

pytestmark = pytest.mark.django_db
FRIDAY_EVENING = datetime(2026, 11, 20, 17, 50, tzinfo=LONDON)
SATURDAY_NIGHT = datetime(2026, 11, 21, 2, 0, tzinfo=LONDON)


def open_case(customer, *, when=MONDAY_MORNING, channel="email", impact=None, urgency=None, actor=None):
    contact = customer.contacts.get()
    axes = {}
    if impact:
        axes = {
            "impact": Impact.objects.get(provider=customer.provider, code=impact),
            "urgency": Urgency.objects.get(provider=customer.provider, code=urgency),
        }
    with at(when):
        return ticket_open(
            customer=customer,
            contact=contact,
            subject="Server down",
            body="The server is down.",
            channel=channel,
            actor=actor or contact,
            **axes,
        )


def only(**filters) -> OutboundEmail:
    mails = outbox(**filters)
    assert len(mails) == 1, [(m.to, m.subject) for m in mails]
    return mails[0]


# -- the acknowledgement ----------------------------------------------------------------------------


def test_acknowledgement_reaches_a_real_smtp_server_threaded_and_marked_automatic(desk, smtp_server):
    with at(MONDAY_MORNING):
        row = receive(message(message_id="<hello@acme.example>", subject="Backups failing"))
    ack = only()
    with override_settings(**smtp_server.settings()), at(MONDAY_MORNING):
        assert outbox_send_pending() == 1
    (_envelope_from, recipients, sent, _raw) = smtp_server.messages[0]
    assert recipients == ["it@acme.example"]
    assert sent["Message-ID"] == ack.message_id
    assert sent["In-Reply-To"] == "<hello@acme.example>"
    assert sent["References"] == "<hello@acme.example>"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["X-Auto-Response-Suppress"] == "All"
    assert sent["Reply-To"] == "support@nexstor.co.uk"
    assert sent["From"] == "Nexstor <support@nexstor.co.uk>"
    assert sent["Subject"] == f"[{row.ticket.number}] Backups failing"
    body = sent.get_body(("plain",)).get_content()
    assert body.startswith("##- Please type your reply above this line -##")
    assert f"We have opened case {row.ticket.number}" in body
    ack.refresh_from_db()
    assert ack.state == "sent"


def test_the_sla_promise_in_words_with_the_due_time(desk):
    ticket = open_case(desk["acme"], when=FRIDAY_EVENING, impact="degraded", urgency="today")
    ack = only(ticket=ticket)
    assert "We will respond within 4 business hours, by Monday 23 November, 11:50 GMT." in ack.body
    assert "closed at the moment" not in ack.body  # Friday 17:50 is still in hours


def test_in_the_contacts_language_and_time_zone(desk):
    contact = desk["acme"].contacts.get()
    contact.language, contact.timezone = "fr", "Europe/Paris"
    contact.save()
    ticket = open_case(desk["acme"], when=FRIDAY_EVENING, impact="degraded", urgency="today")
    assert "lundi 23 novembre à 12h50 CET" in only(ticket=ticket).body


def test_out_of_hours_says_when_the_desk_opens_and_the_route_when_the_plan_has_one(make_customer):
    make_customer("nexstor", "platinum", slug="plat")
    silver = make_customer("nexstor", "silver", slug="silv")
    with at(SATURDAY_NIGHT):
        receive(message(sender="it@plat.example", message_id="<p@plat.example>"))
        receive(message(sender="it@silv.example", message_id="<s@silv.example>"))
    opens = "Our desk is closed at the moment; it opens again on Monday 23 November, 08:00 GMT."
    plat = only(to=["it@plat.example"]).body
    assert opens in plat
    assert "If it is urgent, call us on 01623 343 001: the line is answered at this time." in plat
    silv = only(to=["it@silv.example"]).body
    assert opens in silv and "If it is urgent" not in silv
    assert silver.tickets.get().number in silv


def test_without_an_sla_the_acknowledgement_says_when_the_desk_will_look(make_customer):
    make_customer("nexstor", "bronze", slug="bronze")
    with at(SATURDAY_NIGHT):
        receive(message(sender="it@bronze.example"))
    body = only().body
    assert "We will look at your message when our desk opens, on Monday 23 November, 08:00 GMT." in body
    assert "respond within" not in body


def test_an_ad_hoc_case_is_told_its_price_and_that_an_agent_will_confirm(make_customer):
    make_customer("phonecare", None, slug="walkin")
    with at(MONDAY_MORNING):
        row = receive(message(sender="it@walkin.example", to="help@phonecare.example"))
    assert row.ticket.adhoc_status == "pending"
    body = only().body
    assert "chargeable case (70.00 GBP plus VAT per incident, up to 2 hours)" in body
    assert "An agent will confirm" in body


def test_opened_by_phone_the_contact_gets_the_acknowledgement_too(desk, agent):
    ticket = open_case(desk["acme"], channel="phone", actor=agent.user)
    assert only(ticket=ticket).to == ["it@acme.example"]


def test_monitoring_alerts_are_not_acknowledged(desk, agent):
    open_case(desk["acme"], channel="monitoring", actor=None)
    assert outbox() == []


# -- what happens on the case -----------------------------------------------------------------------


@pytest.fixture
def case(desk):
    with at(MONDAY_MORNING):
        row = receive(message(message_id="<case@acme.example>"))
    OutboundEmail.objects.all().delete()  # the acknowledgement is tested above
    return row.ticket


def test_an_agent_reply_is_mailed_threaded_to_the_customers_message(case, agent):
    with at(MONDAY_MORNING + timedelta(minutes=5)):
        ticket_reply(
            ticket=case, actor=agent.user, body="Please restart the print spooler.\n\nC:\\Windows\\System32"
        )
    mail = only()
    assert "Please restart the print spooler.\n\nC:\\Windows\\System32" in mail.body
    assert "— Alice" in mail.body
    assert mail.headers["In-Reply-To"] == "<case@acme.example>"
    assert mail.headers["Auto-Submitted"] == "auto-generated"
    # The customer answers, the agent answers again: threaded to the customer's latest message and
    # referencing our earlier mail.
    with at(MONDAY_MORNING + timedelta(minutes=10)):
        receive(message(message_id="<answer@acme.example>", headers={"In-Reply-To": mail.message_id}))
        ticket_reply(ticket=case, actor=agent.user, body="Thanks, closing soon.")
    second = outbox()[-1]
    assert second.headers["In-Reply-To"] == "<answer@acme.example>"
    assert mail.message_id in second.headers["References"]


def test_internal_work_is_never_mailed(case, agent, agent2):
    with at(MONDAY_MORNING):
        ticket_note(ticket=case, actor=agent.user, body="Customer is grumpy")
        ticket_assign(ticket=case, actor=agent.user, assignee=agent2)
        ticket_change_status(ticket=case, actor=agent.user, status="in_progress")
    assert outbox() == []


def test_waiting_on_the_customer_asks_for_what_is_needed(case, agent):
    with at(MONDAY_MORNING):
        ticket_change_status(
            ticket=case, actor=agent.user, status="waiting_customer", reason="The error log, please."
        )
    body = only().body
    assert "we need something from you" in body and "The error log, please." in body


def test_resolution_says_how_to_reopen_and_until_when(case, agent):
    with at(MONDAY_MORNING):
        ticket_change_status(ticket=case, actor=agent.user, status="resolved", reason="Replaced the disk.")
    body = only().body
    assert "We have resolved case" in body and "Replaced the disk." in body
    assert "reply to this e-mail by Monday 7 December, 10:00 GMT" in body  # 14 days


def test_closing_is_told_but_not_to_the_contact_who_closed_it(case, agent):
    contact = case.contact
    bob = Contact.objects.create(customer=case.customer, name="Bob", email="bob@acme.example")
    MailParticipant.objects.create(
        ticket=case, address="bob@acme.example", contact=bob, added_at=MONDAY_MORNING
    )
    with at(MONDAY_MORNING):
        ticket_change_status(ticket=case, actor=agent.user, status="resolved")
        OutboundEmail.objects.all().delete()
        ticket_change_status(ticket=case, actor=contact, status="closed")
    assert [m.to for m in outbox()] == [["bob@acme.example"]]


def test_participants_get_the_agents_reply_in_their_own_language(case, agent):
    bob = Contact.objects.create(customer=case.customer, name="Bob", email="bob@acme.example", language="de")
    MailParticipant.objects.create(
        ticket=case, address="bob@acme.example", contact=bob, added_at=MONDAY_MORNING
    )
    with at(MONDAY_MORNING):
        ticket_change_status(ticket=case, actor=agent.user, status="resolved")
    mails = {m.to[0]: m for m in outbox()}
    assert set(mails) == {"it@acme.example", "bob@acme.example"}
    assert "Montag, 7. Dezember" in mails["bob@acme.example"].body
    assert "Guten Tag Bob," in mails["bob@acme.example"].body


def test_a_severity_downgrade_tells_the_customer_why(make_customer, agent):
    customer = make_customer("biztek", "standard", slug="fjord")
    ticket = open_case(customer)
    OutboundEmail.objects.all().delete()
    with at(MONDAY_MORNING):
        ticket_change_severity(ticket=ticket, actor=agent.user, level=1, reason="Several offices down")
        ticket_change_severity(
            ticket=ticket, actor=agent.user, level=3, reason="The customer could not provide resources"
        )
    raised, lowered = outbox()  # in Norwegian, the Biztek contact's language
    assert "Vi har hevet alvorlighetsgraden" in raised.body and "til Kritisk / Major Incident." in raised.body
    assert "Vi har senket alvorlighetsgraden" in lowered.body
    assert "fra Kritisk / Major Incident til Mindre alvorlig" in lowered.body
    assert "The customer could not provide resources" in lowered.body


def test_ad_hoc_acceptance_with_its_price_and_decline_with_its_reason(make_customer, agent):
    make_customer("phonecare", None, slug="walkin")
    with at(MONDAY_MORNING):
        first = receive(
            message(sender="it@walkin.example", to="help@phonecare.example", message_id="<a1@walkin.example>")
        ).ticket
        second = receive(
            message(sender="it@walkin.example", to="help@phonecare.example", message_id="<a2@walkin.example>")
        ).ticket
        OutboundEmail.objects.all().delete()
        ticket_adhoc_accept(ticket=first, actor=agent.user)
        ticket_adhoc_decline(ticket=second, actor=agent.user, reason="Handsets are not covered.")
    accepted = only(ticket=first).body
    assert "accepted case" in accepted and "70.00 GBP plus VAT per incident, up to 2 hours" in accepted
    declined = only(ticket=second).body  # one mail: no second "closed" notice
    assert "cannot take on case" in declined and "Handsets are not covered." in declined


def test_an_on_site_visit_is_announced_with_its_due_time(make_customer, agent):
    customer = make_customer("phonecare", "cat4", slug="onsite", units={"port": 10})
    ticket = open_case(customer)
    OutboundEmail.objects.all().delete()
    with at(MONDAY_MORNING):
        ticket_onsite_required(ticket=ticket, actor=agent.user, note="Bringing a spare controller.")
    body = only().body
    assert "An engineer will come to your site" in body and "Bringing a spare controller." in body
    assert "by Tuesday 24 November, 10:00 GMT" in body


def test_history_recorded_after_the_fact_notifies_nobody(desk, agent):
    with at(datetime(2026, 11, 30, 12, 0, tzinfo=LONDON)):
        contact = desk["acme"].contacts.get()
        ticket = ticket_open(
            customer=desk["acme"],
            contact=contact,
            subject="Imported",
            body="",
            channel="email",
            actor=contact,
            opened_at=datetime(2026, 11, 20, 9, 0, tzinfo=LONDON),
        )
        ticket_reply(
            ticket=ticket,
            actor=agent.user,
            body="Old answer",
            at=datetime(2026, 11, 20, 10, 0, tzinfo=LONDON),
        )
    assert outbox() == []


def test_mail_for_an_inactive_contact_is_not_sent(case, agent):
    case.contact.is_active = False
    case.contact.save()
    with at(MONDAY_MORNING):
        ticket_reply(ticket=case, actor=agent.user, body="Anyone there?")
    assert outbox() == []


def test_the_customers_own_message_is_not_echoed(case):
    with at(MONDAY_MORNING):
        receive(message(subject=f"[{case.number}] one more thing"))
    assert outbox() == []


def test_the_oslo_contact_sees_oslo_time(make_customer):
    customer = make_customer("biztek", "standard", slug="fjord")
    ticket = open_case(customer, when=datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Europe/Oslo")))
    body = only(ticket=ticket).body
    assert " kl. " in body and "CET" in body
