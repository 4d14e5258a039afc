"""Portal sign-in: passwords, throttling (RATE-1), enumeration (ENUM-1), session rotation (ATO-3),
idle timeout, two-step codes, password reset by e-mail (ATO-1, ATO-2, ATO-4)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from django.test import Client, override_settings

from tierdesk.notify.models import OutboundEmail
from tierdesk.portal.models import TwoStep

from .conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db


def _body(response) -> str:
    # The CSRF token differs between any two responses; everything else must be identical.
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", text)


def test_a_contact_signs_in_with_email_and_password_and_the_session_key_changes(client, portal_user):
    client.get("/portal/sign-in/")
    client.session.save()
    before = client.cookies["sessionid"].value

    response = client.post("/portal/sign-in/", {"email": "IT@acme.example", "password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/portal/"
    after = client.cookies["sessionid"].value
    assert after != before
    assert client.session["_auth_user_id"] == str(portal_user.pk)
    # The session id from before sign-in is worthless now.
    stale = Client()
    stale.cookies["sessionid"] = before
    assert stale.get("/portal/cases/").status_code == 302


def test_anonymous_visitors_are_sent_to_sign_in_with_the_page_to_come_back_to(client):
    response = client.get("/portal/cases/new/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/sign-in/?next=%2Fportal%2Fcases%2Fnew%2F"


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/portal/", "/\\evil.example", "/console/"]
)
def test_the_next_page_after_sign_in_stays_in_the_portal(client, portal_user, target):
    response = client.post(
        "/portal/sign-in/", {"email": "it@acme.example", "password": PASSWORD, "next": target}
    )
    assert response["Location"] == "/portal/"


def test_wrong_password_and_unknown_address_get_the_same_answer(client, portal_user):
    wrong = client.post("/portal/sign-in/", {"email": "it@acme.example", "password": "nope"})
    unknown = client.post("/portal/sign-in/", {"email": "nobody@acme.example", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 200
    # The page echoes the address typed; apart from that, not one byte differs.
    assert _body(wrong).replace("it@acme.example", "@") == _body(unknown).replace("nobody@acme.example", "@")
    assert "do not match" in _body(wrong)
    assert "_auth_user_id" not in client.session


def test_sign_in_is_throttled_per_account_the_same_whether_it_exists_or_not(client, portal_user):
    def attempts_before_429(email: str, password: str) -> int:
        for n in range(1, 20):
            response = client.post("/portal/sign-in/", {"email": email, "password": password})
            if response.status_code == 429:
                return n - 1
        return 99

    allowed_existing = attempts_before_429("it@acme.example", "wrong")
    allowed_missing = attempts_before_429("ghost@acme.example", "wrong")
    assert allowed_existing == allowed_missing == 5
    # Once locked, even the right password is refused, with the same page as for a missing account.
    locked = client.post("/portal/sign-in/", {"email": "it@acme.example", "password": PASSWORD})
    ghost = client.post("/portal/sign-in/", {"email": "ghost@acme.example", "password": PASSWORD})
    assert locked.status_code == ghost.status_code == 429
    assert _body(locked).replace("it@acme.example", "@") == _body(ghost).replace("ghost@acme.example", "@")
    assert "_auth_user_id" not in client.session


@override_settings(TIERDESK_PORTAL_IP_ATTEMPTS=3)
def test_sign_in_is_throttled_per_address_across_accounts(client, portal_user):
    for n in range(3):
        assert (
            client.post("/portal/sign-in/", {"email": f"x{n}@a.example", "password": "x"}).status_code == 200
        )
    response = client.post("/portal/sign-in/", {"email": "it@acme.example", "password": PASSWORD})
    assert response.status_code == 429
    # Another address is not affected.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert (
        other.post("/portal/sign-in/", {"email": "it@acme.example", "password": PASSWORD}).status_code == 302
    )


def test_an_agent_is_not_signed_in_to_the_portal_but_pointed_to_the_console(client, agent):
    response = client.post("/portal/sign-in/", {"email": "alice@desk.example", "password": PASSWORD})
    assert response.status_code == 403
    assert (
        "agents&#x27; console" in response.content.decode() or "agents' console" in response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_an_agent_signed_in_to_the_console_sees_nothing_in_the_portal(client, world, agent):
    client.force_login(agent.user)
    for url in (
        "/portal/",
        f"/portal/cases/{world.case_a.number}/",
        f"/portal/kb/{world.article_public.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert world.case_a.subject not in response.content.decode()


def test_an_idle_session_ends(client, portal_user):
    start = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        sign_in(client, "it@acme.example")
        assert client.get("/portal/cases/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get("/portal/cases/").status_code == 200  # activity keeps it alive
    with time_machine.travel(start + timedelta(minutes=29 + 31), tick=False):
        response = client.get("/portal/cases/")
        assert response.status_code == 302 and response["Location"].startswith("/portal/sign-in/")
        assert "_auth_user_id" not in client.session


def test_sign_out_needs_a_post(client, portal_user):
    sign_in(client, "it@acme.example")
    assert client.get("/portal/sign-out/").status_code == 405
    assert client.post("/portal/sign-out/").status_code == 302
    assert "_auth_user_id" not in client.session


# -- two-step verification ------------------------------------------------------------------------------


def _enrol(client) -> tuple[str, list[str]]:
    page = client.get("/portal/account/two-step/")
    assert page.status_code == 200 and 'src="data:image/svg+xml' in page.content.decode()
    secret = client.session["portal_totp_secret"]
    assert client.post("/portal/account/two-step/", {"code": "000000"}).status_code == 422
    response = client.post("/portal/account/two-step/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", response.content.decode())
    assert len(codes) == 10
    return secret, codes


def test_two_step_enrolment_then_sign_in_asks_for_a_code(client, portal_user):
    start = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        sign_in(client, "it@acme.example")
        secret, codes = _enrol(client)
        two_step = TwoStep.objects.get(user=portal_user)
        assert secret not in str(two_step.recovery_hashes) and codes[0] not in str(two_step.recovery_hashes)
        client.post("/portal/sign-out/")

    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        response = client.post("/portal/sign-in/", {"email": "it@acme.example", "password": PASSWORD})
        assert response["Location"] == "/portal/sign-in/code/"
        assert "_auth_user_id" not in client.session
        # The pending mark is not a session: the portal still refuses.
        assert client.get("/portal/cases/").status_code == 302
        pending_key = client.cookies["sessionid"].value
        assert client.post("/portal/sign-in/code/", {"code": "123456"}).status_code == 200
        code = pyotp.TOTP(secret).now()
        response = client.post("/portal/sign-in/code/", {"code": code})
        assert response.status_code == 302 and response["Location"] == "/portal/"
        assert client.session["_auth_user_id"] == str(portal_user.pk)
        assert client.cookies["sessionid"].value != pending_key

        # The same code cannot be used again (replay), even in another browser.
        other = Client()
        other.post("/portal/sign-in/", {"email": "it@acme.example", "password": PASSWORD})
        assert other.post("/portal/sign-in/code/", {"code": code}).status_code == 200
        assert "_auth_user_id" not in other.session
        # A recovery code works once.
        assert other.post("/portal/sign-in/code/", {"code": codes[0].upper()}).status_code == 302
        third = Client()
        third.post("/portal/sign-in/", {"email": "it@acme.example", "password": PASSWORD})
        assert third.post("/portal/sign-in/code/", {"code": codes[0]}).status_code == 200
        assert len(TwoStep.objects.get(user=portal_user).recovery_hashes) == 9


def test_second_step_codes_are_throttled(client, portal_user):
    sign_in(client, "it@acme.example")
    _enrol(client)
    client.post("/portal/sign-out/")
    client.post("/portal/sign-in/", {"email": "it@acme.example", "password": PASSWORD})
    statuses = [client.post("/portal/sign-in/code/", {"code": "000001"}).status_code for _ in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]


def test_two_step_is_turned_off_only_with_the_password(client, portal_user):
    sign_in(client, "it@acme.example")
    _enrol(client)
    client.post("/portal/account/two-step/off/", {"password": "wrong"})
    assert TwoStep.objects.filter(user=portal_user).exists()
    client.post("/portal/account/two-step/off/", {"password": PASSWORD})
    assert not TwoStep.objects.filter(user=portal_user).exists()


# -- password reset --------------------------------------------------------------------------------------


def test_reset_answers_the_same_whether_or_not_the_account_exists(client, portal_user):
    known = client.post("/portal/password/reset/", {"email": "it@acme.example"})
    unknown = client.post("/portal/password/reset/", {"email": "nobody@acme.example"})
    assert known.status_code == unknown.status_code == 200
    assert _body(known) == _body(unknown)
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == [["it@acme.example"]]


@override_settings(TIERDESK_BASE_URL="https://help.example.com")
def test_reset_link_is_built_from_the_configured_address_never_from_the_request(client, portal_user):
    client.post(
        "/portal/password/reset/",
        {"email": "it@acme.example"},
        HTTP_X_FORWARDED_HOST="evil.example",
        HTTP_X_FORWARDED_PROTO="http",
    )
    mail = OutboundEmail.objects.get()
    links = re.findall(r"https?://\S+", mail.body)
    assert len(links) == 1 and links[0].startswith("https://help.example.com/portal/password/reset/")
    assert "evil" not in mail.body
    # A forged Host header is refused outright.
    assert (
        client.post(
            "/portal/password/reset/", {"email": "it@acme.example"}, HTTP_HOST="evil.example"
        ).status_code
        == 400
    )


def test_reset_link_sets_a_new_password_once_and_ends_other_sessions(client, portal_user):
    elsewhere = Client()
    sign_in(elsewhere, "it@acme.example")
    assert elsewhere.get("/portal/cases/").status_code == 200

    client.post("/portal/password/reset/", {"email": "it@acme.example"})
    link = re.search(r"https?://[^/]+(/\S+)", OutboundEmail.objects.get().body).group(1)
    step = client.get(link)
    # The token moves into the session; the form is at a URL without it (no Referer leak).
    assert step.status_code == 302 and step["Location"].endswith("/set-password/")
    form = client.get(step["Location"])
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    done = client.post(
        step["Location"],
        {"new_password1": "a much better secret 42", "new_password2": "a much better secret 42"},
    )
    assert done.status_code == 302 and done["Location"] == "/portal/password/reset/done/"

    portal_user.refresh_from_db()
    assert portal_user.check_password("a much better secret 42")
    assert elsewhere.get("/portal/cases/").status_code == 302  # the other session is over
    again = Client().get(link)
    assert again.status_code == 200 and "does not work any more" in again.content.decode()


@pytest.mark.parametrize("token", ["", "0", "None", "set-password", "AAAA-BBBB"])
def test_forged_reset_tokens_are_refused(client, portal_user, token):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(portal_user.pk))
    response = client.get(
        f"/portal/password/reset/{uid}/{token}/" if token else f"/portal/password/reset/{uid}/x/"
    )
    assert response.status_code == 200 and "does not work any more" in response.content.decode()


def test_an_agent_gets_no_reset_mail_from_the_portal(client, agent):
    client.post("/portal/password/reset/", {"email": "alice@desk.example"})
    assert not OutboundEmail.objects.exists()


def test_an_invitation_creates_the_account_and_mails_a_link(contact_b):
    from tierdesk.portal.services import portal_invite

    user = portal_invite(contact=contact_b)
    contact_b.refresh_from_db()
    assert contact_b.user == user and not user.has_usable_password()
    mail = OutboundEmail.objects.get()
    assert mail.to == [contact_b.email] and "/portal/password/reset/" in mail.body
