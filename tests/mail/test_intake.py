"""Intake rules: idempotency, threading, who may post into a case, unknown senders, limits, failures."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from tierdesk.customers.models import Contact
from tierdesk.mail.models import InboundMessage, MailParticipant
from tierdesk.mail.services import inbound_process, inbound_retry, inbound_store
from tierdesk.tickets.models import AdhocStatus, EventKind, Ticket
from tierdesk.tickets.services import ticket_adhoc_decline, ticket_change_status, ticket_reply

from .conftest import MONDAY_MORNING, at, message, outbox, receive

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday():
    with at(MONDAY_MORNING):
        yield


def opened(desk, **kwargs):
    row = receive(message(message_id="<first@acme.example>", **kwargs))
    assert row.outcome == "created", (row.error, row.data)
    return row.ticket


# -- the same message twice -----------------------------------------------------------------------


def test_the_same_message_delivered_twice_makes_one_ticket(desk):
    raw = message(message_id="<twice@acme.example>")
    first = receive(raw)
    second = receive(raw)  # the same bytes through the same door: the stored row
    assert second.pk == first.pk
    third = receive(
        b"Received: from backup-mx by mx; Mon, 23 Nov 2026 10:00:01 +0000\r\n" + raw, source="smtp"
    )
    assert third.pk != first.pk and third.outcome == "duplicate" and third.duplicate_of_id == first.pk
    assert Ticket.objects.count() == 1
    assert len(outbox()) == 1  # one acknowledgement


def test_the_same_reply_twice_makes_one_reply(desk):
    ticket = opened(desk)
    reply = message(message_id="<reply@acme.example>", headers={"In-Reply-To": "<first@acme.example>"})
    receive(reply)
    receive(b"X-Relayed: 1\r\n" + reply, source="imap:other")
    assert ticket.events.filter(kind=EventKind.CUSTOMER_MESSAGE).count() == 1


def test_idempotency_is_a_database_constraint_not_only_a_check(desk):
    row = receive(message(message_id="<key@acme.example>"))
    assert row.dedupe_key
    copy, _ = inbound_store(raw=b"X-Other: 1\r\n" + bytes(row.raw), source="test")
    with pytest.raises(IntegrityError), transaction.atomic():
        InboundMessage.objects.filter(pk=copy.pk).update(dedupe_key=row.dedupe_key)
    with pytest.raises(IntegrityError), transaction.atomic():
        InboundMessage.objects.create(
            source=row.source,
            received_at=row.received_at,
            raw=b"x",
            size=1,
            sha256=row.sha256,
            message_id="x",
        )


def test_a_replayed_message_id_with_other_content_is_not_swallowed(desk):
    first = receive(message(message_id="<replayed@acme.example>", body="The real first message."))
    replay = receive(message(message_id="<replayed@acme.example>", body="Something else entirely."))
    assert replay.outcome == "created" and replay.ticket != first.ticket
    assert replay.data["message_id_reused"] == first.pk


def test_the_same_message_id_to_two_providers_makes_a_case_with_each(desk):
    # Acme's contact is also a contact at a NETCOR customer, and copies both desks.
    Contact.objects.create(customer=desk["netz"], name="Acme at Netz", email="it@acme.example")
    raw = message(message_id="<both@acme.example>")
    nexstor = receive(raw, provider="nexstor")
    netcor = receive(b"Delivered-To: support@netcor.de\r\n" + raw, provider="netcor")
    assert {nexstor.outcome, netcor.outcome} == {"created"}
    assert {nexstor.ticket.provider.slug, netcor.ticket.provider.slug} == {"nexstor", "netcor"}


# -- threading ------------------------------------------------------------------------------------


def test_a_reply_to_our_acknowledgement_threads_by_in_reply_to(desk):
    ticket = opened(desk)
    (ack,) = outbox()
    row = receive(message(subject="Re: something", headers={"In-Reply-To": ack.message_id}))
    assert row.outcome == "replied" and row.ticket == ticket and row.data["threaded_by"] == "headers"


def test_a_reply_carrying_only_references_to_our_mail_threads(desk, agent):
    ticket = opened(desk)
    ticket.adhoc_status  # noqa: B018 (loaded)
    ticket_reply(ticket=ticket, actor=agent.user, body="Please restart it.")
    mails = outbox()
    assert len(mails) == 2
    refs = f"<unknown@elsewhere.example> {mails[1].message_id}"
    row = receive(message(subject="no number here", headers={"References": refs}))
    assert row.outcome == "replied" and row.ticket == ticket


def test_subject_case_number_from_the_cases_customer_threads(desk):
    ticket = opened(desk)
    row = receive(message(subject=f"Re: [{ticket.number}] more info"))
    assert row.outcome == "replied" and row.data["threaded_by"] == "subject"


def test_a_colleague_at_the_same_customer_may_reply_and_then_follows_the_case(desk, agent):
    ticket = opened(desk, headers={"Cc": "Bob <bob@acme.example>, stranger@else.example"})
    bob = Contact.objects.create(customer=desk["acme"], name="Bob", email="Bob@Acme.example")
    row = receive(message(sender="bob@acme.example", subject=f"[{ticket.number}] me too"))
    assert row.outcome == "replied"
    assert row.event.actor_contact == bob
    assert MailParticipant.objects.filter(ticket=ticket, contact=bob).exists()
    assert not MailParticipant.objects.filter(address="stranger@else.example").exists()


@pytest.mark.parametrize("how", ["subject", "headers"])
def test_a_stranger_cannot_post_into_a_case_by_its_number_or_its_message_ids(desk, how):
    ticket = opened(desk)
    headers = {"In-Reply-To": "<first@acme.example>"} if how == "headers" else {}
    subject = f"Re: [{ticket.number}] hello" if how == "subject" else "Re: hello"
    row = receive(message(sender="mallory@evil.example", subject=subject, headers=headers))
    assert row.outcome == "refused"  # unknown sender: refused, not posted
    assert ticket.events.count() == 1
    assert row.data["foreign_case"] == ticket.number


def test_foreign_replies_may_be_refused_with_a_notice(desk, monkeypatch):
    monkeypatch.setenv("TIERDESK_MAIL_FOREIGN_REPLIES", "refuse")
    ticket = opened(desk)
    row = receive(message(sender="it@globex.example", subject=f"RE: [{ticket.number}] data please"))
    assert row.outcome == "refused" and Ticket.objects.count() == 1
    notice = outbox(to=["it@globex.example"])
    assert len(notice) == 1 and ticket.number in notice[0].body


def test_a_reply_to_a_case_resolved_too_long_ago_opens_a_follow_up(desk, agent):
    ticket = opened(desk)
    ticket_change_status(ticket=ticket, actor=agent.user, status="resolved", reason="Fixed")
    from datetime import timedelta

    with at(MONDAY_MORNING + timedelta(days=30)):
        row = receive(message(subject=f"Re: [{ticket.number}] it is back"))
    assert row.outcome == "created" and row.ticket != ticket
    assert row.data["follow_up_of"] == ticket.number and ticket.number in row.ticket.subject


def test_a_reply_within_the_window_reopens_the_case(desk, agent):
    ticket = opened(desk)
    ticket_change_status(ticket=ticket, actor=agent.user, status="resolved", reason="Fixed")
    row = receive(message(subject=f"Re: [{ticket.number}] not fixed"))
    assert row.outcome == "replied"
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"


def test_a_reply_to_a_declined_ad_hoc_case_opens_a_new_one(make_customer, agent, monkeypatch):
    customer = make_customer("phonecare", None, slug="walkin")
    row = receive(message(sender="it@walkin.example", to="support@phonecare.example"))
    ticket = row.ticket
    assert ticket.adhoc_status == AdhocStatus.PENDING
    ticket_adhoc_decline(ticket=ticket, actor=agent.user, reason="We do not support that model.")
    again = receive(message(sender="it@walkin.example", subject=f"Re: [{ticket.number}] why?"))
    assert again.outcome == "created" and again.ticket != ticket and again.ticket.customer == customer


# -- unknown senders ------------------------------------------------------------------------------


def test_unknown_sender_refusals_are_limited_to_one_a_day_per_address(desk):
    for n in range(3):
        receive(message(sender="nobody@newcorp.example", message_id=f"<n{n}@newcorp.example>"))
    assert len(outbox(to=["nobody@newcorp.example"])) == 1
    assert InboundMessage.objects.filter(outcome="refused").count() == 3  # all kept


def test_unknown_sender_of_a_known_customer_domain_opens_a_case_for_that_customer(desk, monkeypatch):
    monkeypatch.setenv("TIERDESK_MAIL_UNKNOWN_SENDERS", "adhoc")
    acme = desk["acme"]
    acme.email_domains = ["acme.example"]
    acme.save(update_fields=["email_domains"])
    row = receive(message(sender="Carol <carol@acme.example>"))
    assert row.outcome == "created"
    ticket = row.ticket
    assert ticket.customer == acme and ticket.contact is None
    (ack,) = outbox()
    assert ack.to == ["carol@acme.example"] and "Dear Carol," in ack.body
    assert MailParticipant.objects.get(ticket=ticket).address == "carol@acme.example"
    # Her reply needs her to be a contact first: kept as failed, with the reason, retryable.
    reply = receive(message(sender="carol@acme.example", subject=f"[{ticket.number}] more"))
    assert reply.state == "failed" and "not a contact" in reply.error
    Contact.objects.create(customer=acme, name="Carol", email="carol@acme.example")
    (retried,) = inbound_retry(ids=[reply.pk])
    assert retried.outcome == "replied"


def test_unknown_sender_from_anywhere_gets_an_unassigned_ad_hoc_case(desk, monkeypatch):
    monkeypatch.setenv("TIERDESK_MAIL_UNKNOWN_SENDERS", "adhoc")
    row = receive(message(sender="someone@newcorp.example"))
    ticket = row.ticket
    assert ticket.customer.slug == "unknown-senders" and ticket.contact is None
    assert ticket.adhoc_status == AdhocStatus.PENDING
    assert outbox()[0].to == ["someone@newcorp.example"]


# -- loops, limits ----------------------------------------------------------------------------------


def test_our_own_message_coming_back_is_a_loop(desk, settings):
    settings.DEFAULT_FROM_EMAIL = "Desk <desk@nexstor.co.uk>"
    opened(desk)
    (ack,) = outbox()
    echo = receive(message(sender="it@acme.example", message_id=ack.message_id))
    assert echo.outcome == "loop" and echo.data["loop"] == "one of our own messages came back"


def test_mail_from_our_own_address_is_a_loop(desk):
    row = receive(message(sender="support@nexstor.co.uk"))
    assert row.outcome == "loop" and outbox() == []


def test_a_mail_bomb_makes_bounded_cases_and_answers(desk, monkeypatch):
    monkeypatch.setenv("TIERDESK_MAIL_RATE_LIMIT", "10")
    monkeypatch.setenv("TIERDESK_MAIL_AUTOREPLY_LIMIT", "3")
    rows = [receive(message(message_id=f"<bomb{n}@acme.example>")) for n in range(25)]
    outcomes = [r.outcome for r in rows]
    assert outcomes.count("created") == 10 and outcomes.count("rate_limited") == 15
    assert len(outbox()) == 3
    held = rows[-1]
    (retried,) = inbound_retry(ids=[held.pk])  # an agent may let a held one through
    assert retried.outcome == "created"


def test_x_auto_response_suppress_opens_the_case_without_answering(desk):
    row = receive(message(headers={"X-Auto-Response-Suppress": "OOF, AutoReply"}))
    assert row.outcome == "created" and outbox() == []


# -- failures are kept and retried ------------------------------------------------------------------


def test_a_message_no_provider_can_be_found_for_is_kept_failed_and_retried(desk):
    row = receive(message(sender="someone@newcorp.example", to="info@unknown.example"))
    assert row.state == "failed" and "which provider" in row.error
    assert row.from_address == "someone@newcorp.example"
    row.provider_hint = "nexstor"
    row.save(update_fields=["provider_hint"])
    (retried,) = inbound_retry()
    assert retried.state == "processed" and retried.outcome == "refused"


def test_an_unexpected_error_rolls_the_message_back_and_keeps_it(desk, monkeypatch):
    import tierdesk.mail.services as services

    def boom(self, *args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services._Processor, "_finish", boom)
    row = receive(message(message_id="<boom@acme.example>"))
    assert row.state == "failed" and "disk on fire" in row.error and row.attempts == 1
    assert Ticket.objects.count() == 0 and outbox() == []  # nothing half-done
    monkeypatch.undo()
    again = inbound_process(message=row.pk)
    assert again.outcome == "created" and Ticket.objects.count() == 1 and again.attempts == 2


def test_processing_a_processed_message_again_changes_nothing(desk):
    row = receive(message())
    again = inbound_process(message=row.pk, force=True)
    assert again.outcome == "created" and Ticket.objects.count() == 1


def test_a_message_over_the_size_limit_keeps_an_excerpt_and_tells_the_sender(desk, monkeypatch):
    monkeypatch.setenv("TIERDESK_MAIL_MAX_BYTES", "20000")
    raw = message(body="x" * 100_000)
    row = receive(raw)
    assert row.outcome == "too_large" and row.truncated and row.size == len(raw)
    assert bytes(row.raw) == raw[: 64 * 1024]
    (notice,) = outbox()
    assert notice.to == ["it@acme.example"] and "larger than" in notice.body


# -- the hot path -----------------------------------------------------------------------------------


def test_intake_query_budget(desk, django_assert_max_num_queries):
    """Pinned so an N+1 cannot creep into intake: a new case and a reply each take a bounded number of
    statements, the ticket services' included (savepoints counted; the test's own transaction adds some)."""
    receive(message(message_id="<warm@acme.example>"))  # warms the per-process plan cache
    with django_assert_max_num_queries(35):
        receive(message(message_id="<budget@acme.example>"))
    with django_assert_max_num_queries(23):
        receive(
            message(
                message_id="<budget-reply@acme.example>", headers={"In-Reply-To": "<budget@acme.example>"}
            )
        )


# -- what agents see ------------------------------------------------------------------------------


def test_failed_messages_are_listed_for_agents_and_retried_from_the_admin(desk, admin_client):
    failed = receive(message(sender="someone@newcorp.example", to="info@unknown.example", subject="<b>x</b>"))
    assert failed.state == "failed"
    page = admin_client.get("/admin/mail/inboundmessage/?state__exact=failed")
    assert page.status_code == 200
    html = page.content.decode()
    assert "someone@newcorp.example" in html and "which provider" in html
    assert "<b>x</b>" not in html  # the subject is escaped
    detail = admin_client.get(f"/admin/mail/inboundmessage/{failed.pk}/change/")
    assert detail.status_code == 200 and "From: someone@newcorp.example" in detail.content.decode()
    failed.provider_hint = "nexstor"
    failed.save(update_fields=["provider_hint"])
    admin_client.post(
        "/admin/mail/inboundmessage/", {"action": "process_again", "_selected_action": [failed.pk]}
    )
    failed.refresh_from_db()
    assert failed.state == "processed" and failed.outcome == "refused"


def test_the_console_can_show_the_trimmed_text_and_the_sanitised_html_of_an_event(desk):
    from tierdesk.mail.services import mail_content_for_events

    ticket = opened(desk)
    row = receive(
        message(
            subject=f"Re: [{ticket.number}] update",
            body="New information.\n\nOn Mon, 23 Nov 2026 at 09:00, Desk <d@x.example> wrote:\n> old",
        )
    )
    content = mail_content_for_events([row.event_id, ticket.events.get(kind=EventKind.OPENED).pk])
    assert content[row.event_id]["display"] == "New information."
    assert len(content) == 2
