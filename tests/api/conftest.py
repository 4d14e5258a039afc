"""Fixtures of the API tests: a client that speaks JSON with an agent's token."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime

import pytest
import time_machine


class ApiClient:
    """Django's test client with `Authorization: Bearer <token>` on every request and JSON bodies."""

    def __init__(self, client, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self, headers: dict | None) -> dict:
        out = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**out, **(headers or {})}

    def get(self, path: str, params: dict | None = None, headers: dict | None = None):
        return self.client.get(f"/api/v1{path}", params or {}, headers=self._headers(headers))

    def _send(self, method: str, path: str, payload, headers: dict | None = None):
        body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
        return getattr(self.client, method)(
            f"/api/v1{path}", body, content_type="application/json", headers=self._headers(headers)
        )

    def post(self, path: str, payload=None, headers: dict | None = None):
        return self._send("post", path, {} if payload is None else payload, headers)

    def patch(self, path: str, payload=None, headers: dict | None = None):
        return self._send("patch", path, {} if payload is None else payload, headers)


def token_for(user) -> str:
    from tierdesk.api.auth import api_token_create

    return api_token_create(user=user, name="tests")[1]


@pytest.fixture
def api_as(client):
    """api_as(user) → an ApiClient acting with a fresh token of `user`."""

    def make(user) -> ApiClient:
        return ApiClient(client, token_for(user))

    return make


@pytest.fixture
def api(api_as, agent):
    """Alice's client: an agent of the desk team, which serves every provider."""
    return api_as(agent.user)


@pytest.fixture
def nina_api(api_as, netcor_agent):
    """Nina's client: she serves NETCOR's customers only."""
    return api_as(netcor_agent.user)


@contextmanager
def at(moment: datetime):
    with time_machine.travel(moment, tick=False):
        yield


def field_errors(response) -> dict[str, str]:
    """{field: message} of a 422: the body field (or query parameter) each error's `loc` names."""
    assert response.status_code == 422, (response.status_code, response.content)
    out = {}
    for error in response.json()["detail"]:
        loc = error["loc"]
        field = loc[2] if loc[:2] == ["body", "payload"] and len(loc) > 2 else loc[-1]
        out[str(field)] = error["msg"]
    return out
