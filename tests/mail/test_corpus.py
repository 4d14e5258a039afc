"""Every message of the corpus (tests/mail/corpus/*.eml, real-world shaped) with its expected outcome.

Each test opens the desk on a Monday morning (Nexstor's desk is open), receives the message through
the same service every door uses, and checks what became of it: the row's outcome, the case or
reply it made, the stored text and HTML, the attachments, and the mail that went out (or did not).
Replies and automatic answers first receive `multipart-alternative.eml`, which opens NX-2026-000001.
"""

from __future__ import annotations

import pytest
from django.utils import translation

from tierdesk.catalog.vocabulary import RequiredDetail
from tierdesk.mail.models import InboundMessage
from tierdesk.tickets.models import Attachment, EventKind, Ticket

from .conftest import CORPUS, MONDAY_MORNING, at, corpus, outbox, receive

pytestmark = pytest.mark.django_db

FIRST = "multipart-alternative.eml"
FIRST_ID = "CAK7a1b2c3d4e5f6@mail.acme.example"

# file → (needs the first case, expected outcome)
EXPECTED = {
    "multipart-alternative.eml": (False, "created"),
    "html-only.eml": (False, "created"),
    "base64-utf8.eml": (False, "created"),
    "quoted-printable.eml": (False, "created"),
    "iso-8859-1.eml": (False, "created"),
    "windows-1252.eml": (False, "created"),
    "8bit-headers.eml": (False, "created"),
    "backslashes.eml": (False, "created"),
    "missing-message-id.eml": (False, "created"),
    "broken-charset.eml": (False, "created"),
    "forward.eml": (False, "created"),
    "calendar-invite.eml": (False, "created"),
    "hostile-html.eml": (False, "created"),
    "oversized-attachment.eml": (False, "created"),
    "html-labelled-png.eml": (False, "created"),
    "inline-image.eml": (False, "created"),
    "internal-headers.eml": (False, "created"),
    "netcor-incident.eml": (False, "created"),
    "outlook-reply.eml": (True, "replied"),
    "gmail-reply.eml": (True, "replied"),
    "references-only.eml": (True, "replied"),
    "spoofed-case-number.eml": (True, "created"),
    "bounce-dsn.eml": (True, "loop"),
    "auto-reply-auto-submitted.eml": (True, "loop"),
    "auto-reply-x-autoreply.eml": (True, "loop"),
    "precedence-bulk.eml": (False, "loop"),
    "mailing-list.eml": (False, "loop"),
    "read-receipt.eml": (True, "loop"),
    "unknown-sender.eml": (False, "refused"),
    "noreply-sender.eml": (False, "refused"),
    "exodata-no-email.eml": (False, "refused"),
}


def test_every_corpus_file_has_an_expected_outcome():
    assert sorted(p.name for p in CORPUS.glob("*.eml")) == sorted(EXPECTED)


@pytest.fixture
def run(desk, monkeypatch):
    """run(name) → (row, first case or None, ack of the first case or None), at Monday 10:00."""
    monkeypatch.setenv("TIERDESK_ATTACHMENT_MAX_BYTES", "50000")

    def go(name: str):
        needs_first, _outcome = EXPECTED[name]
        first = ack = None
        with at(MONDAY_MORNING):
            if needs_first:
                first_row = receive(corpus(FIRST))
                first = first_row.ticket
                ack = outbox(ticket=first)[0]
            raw = corpus(name)
            if ack is not None:
                raw = raw.replace(b"<OUR-MESSAGE-ID>", ack.message_id.encode())
            row = receive(raw)
        return row, first, ack

    return go


CHECKS = {}


def check(*names):
    def register(function):
        for name in names:
            CHECKS[name] = function
        return function

    return register


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message(run, name):
    row, first, ack = run(name)
    assert row.state == InboundMessage.State.PROCESSED, row.error
    assert row.outcome == EXPECTED[name][1], row.data
    if name in CHECKS:
        CHECKS[name](row, first, ack, name)


def event_of(row):
    assert row.event is not None
    return row.event


def ack_of(ticket):
    mails = outbox(ticket=ticket)
    assert len(mails) == 1, [m.subject for m in mails]
    return mails[0]


@check("multipart-alternative.eml")
def multipart_alternative_keeps_the_text_part_and_sanitised_html(row, first, ack, name):
    ticket = row.ticket
    assert ticket.subject == "File server FS01 not responding"
    assert ticket.channel == "email" and ticket.contact.email == "it@acme.example"
    assert "the SMB shares time out" in event_of(row).body
    assert "<b>FS01</b>" in row.html
    ack = ack_of(ticket)
    assert ack.to == ["it@acme.example"]
    assert ack.headers["In-Reply-To"] == f"<{FIRST_ID}>"
    assert ack.headers["Auto-Submitted"] == "auto-replied"
    assert ack.subject == f"[{ticket.number}] File server FS01 not responding"


@check("html-only.eml")
def html_only_message_gets_text_derived_from_the_html(row, first, ack, name):
    body = event_of(row).body
    assert "The VPN connection drops every hour on the dot." in body
    assert "- Client: FortiClient 7.2.4" in body
    assert "color: red" not in body and "ignored" not in body
    assert "<style" not in row.html and "<em>every hour</em>" in row.html


TEXTS = {
    "base64-utf8.eml": (
        "Drucker druckt leere Seiten",
        ["Größe A4, Fach 2.", "Mit freundlichen Grüßen", "Jürgen Weiß"],
    ),
    "quoted-printable.eml": (
        "Pièces jointes refusées",
        ["refuse les pièces jointes de plus de 10 Mo depuis la mise à jour d'hier soir", "Élodie"],
    ),
    "iso-8859-1.eml": ("Café machine badge reader", ["café entrance", '"Accès refusé"', "21 °C"]),
    "windows-1252.eml": ("Invoice scanner – “paper jam” again", ["says “paper jam” – there", "€120"]),
    "backslashes.eml": (
        "Cannot save to the new folder",
        [r"C:\Users\alice\new folder", r"\\fs01\projects\2026\n-series", r"^\d+\t\w+$"],
    ),
}


@check(*TEXTS)
def text_arrives_intact_in_any_charset(row, first, ack, name):
    subject, fragments = TEXTS[name]
    assert row.ticket.subject == subject
    body = event_of(row).body
    for fragment in fragments:
        assert fragment in body
    assert "\ufffd" not in body


@check("8bit-headers.eml")
def eight_bit_headers_from_a_norwegian_customer(row, first, ack, name):
    assert row.ticket.subject == "Skriveren på 2. etasje virker ikke"
    assert "skriveren på 2. etasje" in event_of(row).body
    assert row.ticket.customer.slug == "fjord"
    assert row.ticket.provider.slug == "biztek"
    assert row.from_address == "it@fjord.example"
    ack = ack_of(row.ticket)
    assert " kl. " in ack.body  # the due time in Norwegian form: "mandag 23. november kl. 12:00"


@check("missing-message-id.eml")
def missing_message_id_gets_a_stable_one_and_a_second_delivery_is_a_duplicate(row, first, ack, name):
    assert row.synthetic_id and row.message_id.endswith("@synthetic.tierdesk.invalid")
    relayed = b"Received: from relay2.acme.example by mx.nexstor.co.uk; Mon, 23 Nov 2026 10:10:05 +0000\n"
    with at(MONDAY_MORNING):
        again = receive(relayed + corpus("missing-message-id.eml"))
    assert again.pk != row.pk and again.message_id == row.message_id
    assert again.outcome == "duplicate" and again.duplicate_of_id == row.pk
    assert Ticket.objects.count() == 1
    assert len(outbox()) == 1


@check("broken-charset.eml")
def broken_charsets_are_read_with_a_note_and_no_crash(row, first, ack, name):
    body = event_of(row).body
    assert "Le fichier résumé.docx ne s'ouvre plus." in body
    assert "Second part naïve text." in body
    assert row.ticket.subject == "Broken éncoding"
    assert row.data["notes"]


@check("outlook-reply.eml")
def outlook_reply_threads_by_the_case_number_and_trims_the_history_for_display(row, first, ack, name):
    assert row.ticket == first and row.data["threaded_by"] == "subject"
    event = event_of(row)
    assert event.kind == EventKind.CUSTOMER_MESSAGE
    assert "Sent: 23 November 2026 10:30" in event.body  # the full text is kept on the event
    assert "finance share still times out" in row.display_text
    assert "Sent: 23 November" not in row.display_text and "Please type your reply" not in row.display_text


@check("gmail-reply.eml")
def gmail_reply_threads_by_in_reply_to(row, first, ack, name):
    assert row.ticket == first and row.data["threaded_by"] == "headers"
    assert row.display_text == "Quick update: the finance share works again after the AV scan finished."
    assert "wrote:" in event_of(row).body


@check("references-only.eml")
def a_reply_carrying_only_references_threads(row, first, ack, name):
    assert row.ticket == first and row.data["threaded_by"] == "headers"
    assert first.events.filter(kind=EventKind.CUSTOMER_MESSAGE).count() == 1


@check("forward.eml")
def a_forward_is_not_trimmed(row, first, ack, name):
    assert row.display_text == ""  # nothing trimmed: shown as the full text
    assert "expires on 30 November 2026" in event_of(row).body


@check("calendar-invite.eml")
def calendar_invitation_opens_a_case_with_the_invite_attached_once(row, first, ack, name):
    files = list(Attachment.objects.filter(event=row.event))
    assert [(f.filename, f.content_type) for f in files] == [("invite.ics", "text/calendar")]
    assert b"BEGIN:VCALENDAR" in files[0].file.read()


@check("hostile-html.eml")
def hostile_html_is_stored_without_anything_executable(row, first, ack, name):
    html = row.html.lower()
    for bad in (
        "<script", "onerror", "onload", "onclick", "javascript", "<svg", "<math", "<iframe", "srcdoc",
        "hx-", "data-hx", "<form", "<input", "<base", "<meta", "<style", "<object", "<embed", "tracker.example",
    ):  # fmt: skip
        assert bad not in html, bad
    assert 'href="https://acme.example/manual.pdf"' in row.html
    assert "The printer prints garbage." in row.html
    # The subject is kept literally and stays data everywhere (never template source).
    subject = '<img src=x onerror=alert(1)> Printer {{ 7*7 }} {% now "Y" %}'
    assert row.ticket.subject == subject
    assert ack_of(row.ticket).subject.endswith(subject)


@check("oversized-attachment.eml")
def oversized_attachment_is_refused_and_the_rest_lands(row, first, ack, name):
    stored = list(Attachment.objects.filter(event=row.event))
    assert [(a.filename, a.content_type, a.inline) for a in stored] == [("crash.png", "image/png", False)]
    assert stored[0].file.name.startswith("attachments/2026/11/") and "crash" not in stored[0].file.name
    refused = row.data["refused_attachments"]
    assert [(r["filename"], r["reason"]) for r in refused] == [("memory-dump.pdf", "size")]
    ack = ack_of(row.ticket)
    assert "memory-dump.pdf" in ack.body and "larger than" in ack.body


@check("html-labelled-png.eml")
def html_labelled_png_and_an_executable_are_refused_by_their_real_type(row, first, ack, name):
    assert not Attachment.objects.filter(ticket=row.ticket).exists()
    refused = {r["filename"]: r for r in row.data["refused_attachments"]}
    assert refused["screenshot.png"]["content_type"] == "text/html"
    exe = next(name for name in refused if name.endswith(".exe"))
    assert "\u202e" not in exe and refused[exe]["content_type"] == "application/x-msdownload"
    assert "screenshot.png" in ack_of(row.ticket).body


@check("inline-image.eml")
def inline_image_is_stored_with_its_content_id(row, first, ack, name):
    image = Attachment.objects.get(event=row.event)
    assert image.inline and image.content_id == "image001.png@01DB3D5E.5E2A1F20"
    assert image.content_type == "image/png"
    assert 'src="cid:image001.png@01DB3D5E.5E2A1F20"' in row.html


@check("internal-headers.eml")
def internal_headers_from_outside_are_ignored(row, first, ack, name):
    assert row.data["ignored_headers"] == ["X-TIERDESK-Trusted", "X-Tierdesk-Agent", "X-Tierdesk-Ticket"]
    assert row.ticket.number != "NX-2026-000042"
    assert row.ticket.contact.email == "it@acme.example"


@check("netcor-incident.eml")
def netcor_acknowledgement_asks_for_the_details_the_plan_requires(row, first, ack, name):
    ack = ack_of(row.ticket)
    with translation.override("de"):
        wanted = [str(d.label) for d in RequiredDetail if d != RequiredDetail.REMOTE_ACCESS]
    for label in wanted:
        assert f"- {label}" in ack.body
    assert (
        "Unsere Reaktionszeit beträgt 4 Geschäftstage: Wir antworten bis Freitag, 27. November, 11:00 CET."
        in ack.body
    )


@check("spoofed-case-number.eml")
def spoofed_case_number_does_not_post_into_another_customers_case(row, first, ack, name):
    assert row.ticket != first
    assert row.ticket.customer.slug == "globex"
    assert row.data["foreign_case"] == first.number
    assert not first.events.filter(kind=EventKind.CUSTOMER_MESSAGE).exists()


@check("bounce-dsn.eml", "auto-reply-auto-submitted.eml", "auto-reply-x-autoreply.eml", "read-receipt.eml")
def automatic_answers_to_our_mail_are_linked_and_never_answered(row, first, ack, name):
    assert row.ticket == first
    assert row.data["loop"]
    if name in ("bounce-dsn.eml", "auto-reply-auto-submitted.eml"):
        assert row.related_outbound_id == ack.pk
    assert outbox() == [ack]  # nothing sent in answer
    assert first.events.count() == 1  # nothing posted to the case


@check("precedence-bulk.eml", "mailing-list.eml")
def bulk_mail_opens_nothing_and_is_not_answered(row, first, ack, name):
    assert row.ticket is None and row.data["loop"]
    assert Ticket.objects.count() == 0 and outbox() == []


@check("unknown-sender.eml")
def unknown_sender_gets_one_polite_refusal(row, first, ack, name):
    assert Ticket.objects.count() == 0
    (notice,) = outbox()
    assert notice.to == ["someone@newcorp.example"]
    assert notice.headers["Auto-Submitted"] == "auto-replied"
    assert notice.headers["In-Reply-To"] == "<stranger.0001@newcorp.example>"
    assert "not registered with Nexstor" in notice.body


@check("noreply-sender.eml")
def no_reply_sender_is_refused_without_an_answer(row, first, ack, name):
    assert row.data["refused"] == "unknown sender"
    assert outbox() == []


@check("exodata-no-email.eml")
def customer_without_an_email_channel_is_told_how_to_reach_the_desk_in_french(row, first, ack, name):
    assert Ticket.objects.count() == 0
    (notice,) = outbox()
    assert notice.to == ["it@madinina.example"]
    assert "https://help.exodata.fr" in notice.body and "0596 30 36 39" in notice.body
    assert "lundi" in notice.body or "mardi" in notice.body  # the phone's next opening, in French
