"""The pure parts of mail intake, without a database: parsing, charsets, loops, quotes, HTML, types."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierdesk.mail.html import html_to_text, sanitize
from tierdesk.mail.parsing import loop_reason, message_id_of, parse, stable_hash, suppress_autoreply
from tierdesk.mail.quotes import trim_quoted
from tierdesk.tickets.attachments import allowed, detect, safe_filename

from .conftest import CORPUS, corpus


def mail(headers: str, body: str = "Hello", *, charset: str = "utf-8") -> bytes:
    return (headers.strip() + f"\nContent-Type: text/plain; charset={charset}\n\n" + body).encode("utf-8")


# -- identity -------------------------------------------------------------------------------------


def test_message_id_is_read_without_brackets_even_when_malformed():
    assert message_id_of(b"Message-ID: <a.b@c>\n\nx") == ("a.b@c", False)
    assert message_id_of(b"Message-Id:\n <folded@host>\n\nx") == ("folded@host", False)
    assert message_id_of(b"Message-ID: bare@host\n\nx") == ("bare@host", False)


def test_a_missing_message_id_is_derived_from_the_content_without_trace_headers():
    raw = b"From: a@b\nSubject: s\n\nbody\n"
    derived, synthetic = message_id_of(raw)
    assert synthetic and derived.endswith("@synthetic.tierdesk.invalid")
    relayed = b"Received: from x by y\nReturn-Path: <a@b>\nDelivered-To: desk@z\n" + raw
    assert message_id_of(relayed)[0] == derived
    assert message_id_of(raw.replace(b"body", b"other"))[0] != derived
    assert stable_hash(raw.replace(b"\n", b"\r\n")) == stable_hash(raw)


# -- text -----------------------------------------------------------------------------------------


def test_backslashes_are_never_interpreted():
    parsed = parse(corpus("backslashes.eml"))
    assert "C:\\Users\\alice\\new folder" in parsed.text
    assert "\\\\fs01\\projects\\2026\\n-series" in parsed.text


@pytest.mark.parametrize(
    ("charset", "data", "text", "note"),
    [
        ("utf-8", "Grüße".encode(), "Grüße", False),
        ("iso-8859-1", "café".encode("latin-1"), "café", False),
        ("iso-8859-1", "€5 “ok”".encode("cp1252"), "€5 “ok”", False),  # the WHATWG reading
        ("utf-8", "résumé".encode("latin-1"), "résumé", True),  # mislabelled
        ("us-ascii", "Grüße".encode(), "Grüße", True),
        ("x-no-such-charset", "naïve".encode(), "naïve", True),
        ("koi8-r", "Привет".encode("koi8-r"), "Привет", False),
        ("shift_jis", "こんにちは".encode("shift_jis"), "こんにちは", False),
    ],
)
def test_declared_missing_and_wrong_charsets(charset, data, text, note):
    raw = (
        b"From: a@b.example\nMessage-ID: <c@b.example>\nContent-Type: text/plain; charset=" + charset.encode()
    )
    raw += b"\n\n" + data
    parsed = parse(raw)
    assert parsed.text == text
    assert bool(parsed.notes) is note


def test_undecodable_bytes_are_replaced_and_noted():
    raw = b"From: a@b.example\nContent-Type: text/plain; charset=utf-8\n\nok \x81\x8d\x8f\x90\x9d end"
    parsed = parse(raw)
    assert parsed.text.startswith("ok ") and parsed.text.endswith(" end")
    assert parsed.notes


def test_encoded_words_with_unknown_charsets_and_8bit_headers():
    raw = "From: Zoë <z@x.example>\nSubject: =?x-unknown?q?caf=C3=A9?= and =?utf-8?q?th=C3=A9?=\n\nb".encode()
    parsed = parse(raw)
    assert parsed.subject == "café and thé"
    assert parsed.from_name == "Zoë" and parsed.from_address == "z@x.example"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_parse_never_raises_on_garbage(data):
    parse(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(p.name for p in CORPUS.glob("*.eml"))),
    st.integers(0, 5000),
    st.binary(max_size=40),
)
def test_parse_never_raises_on_damaged_real_messages(name, at, junk):
    raw = corpus(name)
    at %= len(raw)
    parse(raw[:at] + junk + raw[at + len(junk) :])


def test_deeply_nested_multiparts_are_bounded():
    depth = 200
    head = "".join(f'--b{i}\nContent-Type: multipart/mixed; boundary="b{i + 1}"\n\n' for i in range(depth))
    tail = "".join(f"--b{i}--\n" for i in reversed(range(depth)))
    raw = f'From: a@b.example\nContent-Type: multipart/mixed; boundary="b0"\n\n{head}--b{depth}\nContent-Type: text/plain\n\ndeep\n{tail}'
    parse(raw.encode())  # no RecursionError


# -- loops ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("Auto-Submitted: auto-replied", "Auto-Submitted"),
        ("Auto-Submitted: auto-generated; owner-email=x@y", "Auto-Submitted"),
        ("Auto-Submitted: no", ""),
        ("Precedence: bulk", "Precedence"),
        ("Precedence: junk", "Precedence"),
        ("Precedence: first-class", ""),
        ("X-Autoreply: yes", "X-Autoreply"),
        ("X-Autorespond: Out of office", "X-Autorespond"),
        ("List-Id: <team.lists.example>", "mailing-list"),
        ("X-Loop: desk@example", "X-Loop"),
        ("Return-Path: <>", "null Return-Path"),
        ("X-Failed-Recipients: bob@x.example", "bounce"),
    ],
)
def test_loop_headers(headers, reason):
    parsed = parse(mail(f"From: a@b.example\n{headers}"))
    assert (reason in loop_reason(parsed)) if reason else loop_reason(parsed) == ""


@pytest.mark.parametrize(
    "sender", ["MAILER-DAEMON@mx.example", "postmaster@mx.example", "desk@ours.example", ""]
)
def test_loop_senders(sender):
    parsed = parse(mail(f"From: {sender}" if sender else "Subject: none"))
    assert loop_reason(parsed, own=frozenset({"desk@ours.example"}))


def test_null_envelope_sender_is_a_bounce():
    parsed = parse(mail("From: a@b.example"))
    assert loop_reason(parsed, envelope_from="<>") and not loop_reason(parsed, envelope_from="a@b.example")


@pytest.mark.parametrize(
    "subject",
    ["Automatic reply: hello", "Out of Office: hi", "Réponse automatique : x", "Abwesenheitsnotiz: y"],
)
def test_auto_reply_subjects(subject):
    assert loop_reason(parse(mail(f"From: a@b.example\nSubject: {subject}")))


def test_suppress_autoreply_keeps_the_message_but_stops_answers():
    assert suppress_autoreply(parse(mail("From: a@b.example\nX-Auto-Response-Suppress: All")))
    assert suppress_autoreply(parse(mail("From: no-reply@b.example")))
    assert not suppress_autoreply(parse(mail("From: alice@b.example")))


# -- quoted history -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Thanks!\n\nOn Mon, 23 Nov 2026 at 09:58, Desk <d@x.example> wrote:\n> old\n> older", "Thanks!"),
        ("Merci\n\nLe lun. 23 nov. 2026 à 09:58, Desk <d@x.example> a écrit :\n> ancien", "Merci"),
        ("Danke\n\nAm Mo., 23. Nov. 2026 um 09:58 Uhr schrieb Desk <d@x.example>:\n> alt", "Danke"),
        ("Takk\n\nDen man. 23. nov. 2026 kl. 09:58 skrev Desk <d@x.example>:\n> gammel", "Takk"),
        ("Wrapped\n\nOn Mon, 23 Nov 2026 at 09:58, A Very Long Name\n<d@x.example> wrote:\n> old", "Wrapped"),
        ("Hi\n\n-----Original Message-----\nFrom: Desk\nSent: Monday\n\nold", "Hi"),
        ("Hallo\n\n-----Ursprüngliche Nachricht-----\nVon: Desk", "Hallo"),
        (
            "Hi\n\n________________________________\nFrom: Desk <d@x.example>\nSent: 23 November 2026 10:30\nTo: me",
            "Hi",
        ),
        ("Bonjour\n\nDe : Desk <d@x.example>\nEnvoyé : lundi 23 novembre 2026 10:30\nÀ : moi", "Bonjour"),
        ("New text\n\n##- Please type your reply above this line -##\nDear Alice", "New text"),
        ("Bottom\n\n> quoted\n> more\n", "Bottom"),
    ],
)
def test_quoted_history_is_trimmed_in_every_language(text, kept):
    assert trim_quoted(text) == kept


@pytest.mark.parametrize(
    "text",
    [
        "Please look at this.\n\n---------- Forwarded message ---------\nFrom: x\n\nold",
        "Just text, no history.",
        "> only a quote",
        "From: a normal sentence about From: headers\nnothing else",
    ],
)
def test_what_is_not_history_is_kept(text):
    assert trim_quoted(text) == text


# -- HTML -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href=" javascript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href="java\tscript:alert(1)">x</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
        '<svg onload="alert(1)"><script>alert(2)</script></svg>',
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        '<base href="https://evil.example/">',
        '<meta http-equiv="refresh" content="0;url=https://evil.example">',
        '<form action="https://evil.example"><input name=p></form>',
        '<div hx-get="/x" hx-trigger="load" hx-on:click="alert(1)" data-hx-post="/y">bait</div>',
        '<p style="background:url(javascript:alert(1))">styled</p>',
        '<object data="x.swf"></object><embed src="x.swf">',
        '<img src="https://tracker.example/p.gif">',
    ],
)
def test_sanitised_html_keeps_nothing_executable(payload):
    clean = sanitize(f"<p>ok</p>{payload}").lower()
    for bad in (
        "<script", "onerror", "onload", "onclick", "javascript", "data:", "srcdoc", "<iframe", "<svg",
        "<math", "<base", "<meta", "<form", "<input", "hx-", "style=", "<object", "<embed", "tracker.example",
    ):  # fmt: skip
        assert bad not in clean, (payload, clean)
    assert "<p>ok</p>" in clean


def test_sanitised_html_keeps_structure_links_and_inline_images():
    clean = sanitize(
        '<p>A <b>b</b> <a href="https://x.example/a">link</a> <img src="cid:logo@x" alt="l"></p>'
    )
    assert '<a href="https://x.example/a" rel="noopener noreferrer nofollow">link</a>' in clean
    assert '<img src="cid:logo@x" alt="l">' in clean and "<b>b</b>" in clean


def test_html_to_text_keeps_paragraphs_lists_and_quotes():
    text = html_to_text(
        "<div>First<br>line</div><ul><li>one</li><li>two</li></ul><blockquote>old<br>mail</blockquote><script>x</script>"
    )
    assert text == "First\nline\n\n- one\n- two\n\n> old\n> mail"


# -- attachment types -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "declared", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n....", "x.png", "image/png", "image/png"),
        (b"<html><script>x</script></html>", "x.png", "image/png", "text/html"),
        (b'<?xml version="1.0"?><svg onload="x">', "logo.png", "image/png", "image/svg+xml"),
        (b"%PDF-1.7 ...", "invoice.exe", "application/octet-stream", "application/pdf"),
        (
            b"PK\x03\x04rest",
            "report.docx",
            "application/octet-stream",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (b"PK\x03\x04rest", "photo.png", "image/png", "application/zip"),
        (b"MZ\x90\x00", "readme.txt", "text/plain", "application/x-msdownload"),
        (b"2026-11-23 ERROR disk full\n", "app.log", "application/octet-stream", "text/plain"),
        (b"a,b\n1,2\n", "data.csv", "text/csv", "text/csv"),
        (b"BEGIN:VCALENDAR\nEND:VCALENDAR", "x", "application/ics", "text/calendar"),
        (bytes(range(256)) * 4, "blob", "application/octet-stream", "application/octet-stream"),
    ],
)
def test_types_are_detected_from_the_bytes(data, filename, declared, expected):
    assert detect(data, filename=filename, declared=declared) == expected


def test_the_allow_list_supports_families_but_never_svg():
    assert allowed("image/png", ("image/*",)) and not allowed("image/svg+xml", ("image/*",))
    assert not allowed("text/html", ("text/plain",))


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("report\u202efdp.exe", "reportfdp.exe"),
        ("x\x00.png", "x.png"),
        ("CON.txt", "attachment-CON.txt"),
        ('a"b<c>d|e:f*g?h', "abcdefgh"),
        ("", "attachment"),
    ],
)
def test_file_names_are_metadata_only(name, safe):
    assert safe_filename(name) == safe


def test_long_file_names_keep_their_extension():
    name = safe_filename("é" * 300 + ".pdf")
    assert len(name) <= 200 and name.endswith(".pdf")


@pytest.mark.parametrize("charset", ["base64", "zlib_codec", "rot13", "utf\x00-8", "hex", "..", "x" * 300])
def test_charset_labels_that_are_not_text_encodings(charset):
    raw = b'From: a@b.example\nContent-Type: text/plain; charset="' + charset.encode() + b'"\n\nhello'
    assert parse(raw).text == "hello"
