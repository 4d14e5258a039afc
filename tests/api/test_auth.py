"""Token authentication: who gets in, who gets a 401, and what is never shown."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from tierdesk.accounts.models import ApiToken
from tierdesk.api.auth import TokenError, api_token_create, api_token_revoke

from .conftest import ApiClient, at

pytestmark = pytest.mark.django_db

UNAUTHORISED = {"detail": "Send a valid API token of an active agent as 'Authorization: Bearer td_…'."}


def assert_refused(response):
    assert response.status_code == 401, response.content
    assert response.json() == UNAUTHORISED
    assert response["WWW-Authenticate"] == 'Bearer realm="tierdesk"'


def test_a_token_is_stored_hashed_with_a_visible_prefix(agent):
    row, token = api_token_create(user=agent.user, name="CRM sync")
    assert re.fullmatch(r"td_[A-Za-z0-9_-]{43}", token)
    row.refresh_from_db()
    assert row.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.prefix == token[:11]
    stored = [str(v) for v in ApiToken.objects.values().get()]
    assert not any(token in value or token[11:] in value for value in stored)
    assert str(row) == f"{token[:11]}… (CRM sync)"


def test_tokens_are_for_agents_only(portal_user, agent):
    with pytest.raises(TokenError, match="not an active agent"):
        api_token_create(user=portal_user)
    agent.is_active = False
    agent.save()
    with pytest.raises(TokenError):
        api_token_create(user=agent.user)


def test_a_valid_token_is_accepted_and_its_use_recorded(client, agent):
    row, token = api_token_create(user=agent.user)
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with at(now):
        response = ApiClient(client, token).get("/me")
    assert response.status_code == 200
    assert response.json() == {
        "username": "alice",
        "name": "Alice",
        "email": "alice@desk.example",
        "superuser": False,
        "teams": ["desk"],
        "providers": None,
    }
    row.refresh_from_db()
    assert row.last_used_at == now
    # Within the minute, no second write.
    with at(now + timedelta(seconds=30)):
        ApiClient(client, token).get("/me")
    row.refresh_from_db()
    assert row.last_used_at == now


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Token td_abc",
        "Basic YWxpY2U6Y29ycmVjdCBob3JzZQ==",
        "Bearer td_" + "x" * 43,
        "Bearer " + "x" * 46,
        "Bearer td_short",
    ],
)
def test_missing_or_wrong_tokens_are_refused(client, agent, header):
    api_token_create(user=agent.user)
    headers = {"Authorization": header} if header is not None else {}
    assert_refused(client.get("/api/v1/tickets", headers=headers))


def test_a_token_differing_in_one_character_is_refused(client, agent):
    _row, token = api_token_create(user=agent.user)
    last = "A" if token[-1] != "A" else "B"
    assert_refused(ApiClient(client, token[:-1] + last).get("/tickets"))


def test_a_revoked_token_is_refused(client, agent):
    row, token = api_token_create(user=agent.user)
    assert ApiClient(client, token).get("/me").status_code == 200
    assert api_token_revoke(token=row) is True
    assert api_token_revoke(token=row) is False
    assert_refused(ApiClient(client, token).get("/me"))


@pytest.mark.parametrize("change", ["agent_inactive", "user_inactive", "no_longer_agent"])
def test_tokens_of_people_who_are_no_longer_active_agents_are_refused(client, agent, change):
    _row, token = api_token_create(user=agent.user)
    if change == "agent_inactive":
        agent.is_active = False
        agent.save()
    elif change == "user_inactive":
        agent.user.is_active = False
        agent.user.save()
    else:
        agent.delete()
    assert_refused(ApiClient(client, token).get("/me"))


def test_a_customer_contacts_token_is_refused(client, portal_user):
    # Made behind the service's back (as a leaked row would be): still refused at the door.
    token = "td_" + "c" * 43
    ApiToken.objects.create(
        user=portal_user,
        prefix=token[:11],
        key_hash=hashlib.sha256(token.encode()).hexdigest(),
        created_at=datetime.now(UTC),
    )
    assert_refused(ApiClient(client, token).get("/me"))


def test_a_session_cookie_alone_is_refused(client, agent, customer_a):
    """An agent's browser session must not open the API: no CSRF riding on the session."""
    client.force_login(agent.user)
    assert client.get("/").status_code == 200  # the console accepts the session
    assert_refused(client.get("/api/v1/tickets"))
    response = client.post(
        "/api/v1/tickets", json.dumps({"customer": "acme", "subject": "x"}), content_type="application/json"
    )
    assert_refused(response)
    assert not customer_a.tickets.exists()


def test_the_token_wins_over_the_session(client, agent, agent2):
    client.force_login(agent.user)
    _row, token = api_token_create(user=agent2.user)
    assert ApiClient(client, token).get("/me").json()["username"] == "bob"


def test_every_operation_but_the_docs_needs_a_token(client, catalogs):
    """A route inventory from the OpenAPI document: each operation refuses an anonymous request."""
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["components"]["securitySchemes"] == {"AgentToken": {"type": "http", "scheme": "bearer"}}
    checked = 0
    for path, operations in schema["paths"].items():
        url = re.sub(r"\{[^}]+\}", "1", path)
        for method, operation in operations.items():
            assert operation.get("security") == [{"AgentToken": []}], (method, path)
            response = client.generic(method.upper(), url, "{}", content_type="application/json")
            assert response.status_code == 401, (method, path, response.status_code)
            checked += 1
    assert checked >= 20


def test_no_secret_is_ever_serialised(client, agent):
    schema = json.dumps(client.get("/api/v1/openapi.json").json())
    for word in ("key_hash", "password", "secret"):
        assert word not in schema
    _row, token = api_token_create(user=agent.user)
    body = ApiClient(client, token).get("/me").content.decode()
    assert token not in body and "hash" not in body


def test_the_admin_shows_tokens_by_prefix_never_their_hash(admin_client, agent):
    row, token = api_token_create(user=agent.user, name="CRM sync")
    listing = admin_client.get("/admin/accounts/apitoken/").content.decode()
    page = admin_client.get(f"/admin/accounts/apitoken/{row.pk}/change/").content.decode()
    assert row.prefix in listing and "CRM sync" in listing
    for html in (listing, page):
        assert row.key_hash not in html and token not in html
    assert admin_client.get("/admin/accounts/apitoken/add/").status_code == 403
    admin_client.post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [row.pk]}, follow=True
    )
    row.refresh_from_db()
    assert row.revoked_at is not None
