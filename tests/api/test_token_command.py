"""`tierdesk token create`, run as an administrator would, against a fresh desk."""

from __future__ import annotations

import re

import pytest

SETUP = """
from tierdesk.accounts.models import Agent, User
alice = User.objects.create_user("alice", "alice@desk.example", "correct horse battery")
Agent.objects.create(user=alice)
User.objects.create_user("carol", "carol@customer.example", "correct horse battery")
"""


@pytest.fixture
def desk(tierdesk):
    assert tierdesk("manage", "migrate", "-v0").returncode == 0
    made = tierdesk("manage", "shell", "--no-imports", "-c", SETUP)
    assert made.returncode == 0, made.stderr
    return tierdesk


def test_token_create_prints_a_working_token_once(desk):
    result = desk("token", "create", "alice", "--name", "CRM sync")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert re.fullmatch(r"td_[A-Za-z0-9_-]{43}", token)
    assert "shown only now" in result.stderr and token[:11] in result.stderr and token not in result.stderr

    check = desk(
        "manage",
        "shell",
        "--no-imports",
        "-c",
        "from tierdesk.accounts.models import ApiToken\n"
        "from tierdesk.api.auth import api_token_user\n"
        f"print(api_token_user({token!r}).username)\n"
        "row = ApiToken.objects.get()\n"
        f"print(row.name, row.prefix == {token[:11]!r}, {token!r} not in str(vars(row)))",
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.split("\n")[:2] == ["alice", "CRM sync True True"]

    # A second token is another secret; the first is never shown again.
    again = desk("token", "create", "alice")
    assert again.returncode == 0 and again.stdout.strip() != token


def test_token_create_refuses_unknown_users_and_non_agents(desk):
    unknown = desk("token", "create", "mallory")
    assert (unknown.returncode, unknown.stdout) == (1, "")
    assert "no user 'mallory'" in unknown.stderr
    customer = desk("token", "create", "carol")
    assert (customer.returncode, customer.stdout) == (1, "")
    assert "carol is not an active agent" in customer.stderr
    assert "Traceback" not in unknown.stderr + customer.stderr
