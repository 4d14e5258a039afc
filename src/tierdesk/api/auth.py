"""API tokens: how they are made, and how a request proves it holds one.

A token is ``td_`` followed by 43 URL-safe characters (32 random bytes, 256 bits). It is shown once,
when created; the database keeps its SHA-256 and its first 11 characters (`ApiToken.prefix`), so a
token can be recognised in the admin without being usable from there.

A request is authenticated only by its ``Authorization: Bearer td_…`` header. Session cookies are
ignored by every API operation, so a page open in an agent's browser cannot ride on their session
to call the API (no CSRF through the API). A token works while it is not revoked and its user is
an active agent (or a superuser); anything else is the same 401.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Router
from ninja.security import HttpBearer

from tierdesk import clock
from tierdesk.accounts.models import ApiToken, User
from tierdesk.customers.selectors import provider_ids_for, provider_scope_for
from tierdesk.tickets.selectors import is_agent

from .schemas import ErrorOut, MeOut

TOKEN_START = "td_"  # noqa: S105 (the marker every token starts with, not a secret)
PREFIX_LENGTH = len(TOKEN_START) + 8
TOKEN_LENGTH = len(TOKEN_START) + 43
# Recording every use would write a row per request; once a minute says enough about "last used".
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    """A token cannot be made for this user."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Make a token for an agent. Returns the row and the token itself, which exists nowhere else:
    show it to the person once."""
    if not is_agent(user):
        raise TokenError(f"{user.get_username()} is not an active agent; API tokens are for agents.")
    name = " ".join(name.split())
    if len(name) > 80:
        raise TokenError("A token's name is at most 80 characters.")
    token = TOKEN_START + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=token[:PREFIX_LENGTH],
        key_hash=token_hash(token),
        created_at=clock.now(),
    )
    return row, token


def api_token_revoke(*, token: ApiToken) -> bool:
    """Revoke a token from now on; False if it already was."""
    now = clock.now()
    done = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    if done:
        token.revoked_at = now
    return bool(done)


def api_token_user(token: str) -> User | None:
    """The agent a presented token belongs to, or None (unknown, revoked, or not an active agent)."""
    if len(token) != TOKEN_LENGTH or not token.startswith(TOKEN_START):
        return None
    digest = token_hash(token)
    # Found by the prefix, which is not secret; the hash is compared in constant time, so how long
    # the answer takes says nothing about how close a guess was.
    candidates = ApiToken.objects.filter(
        prefix=token[:PREFIX_LENGTH], revoked_at__isnull=True
    ).select_related("user__agent")
    found = None
    for candidate in candidates:
        if hmac.compare_digest(candidate.key_hash, digest):
            found = candidate
    if found is None or not is_agent(found.user):
        return None
    now = clock.now()
    if found.last_used_at is None or now - found.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=found.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
    return found.user


class AgentToken(HttpBearer):
    """`Authorization: Bearer td_…` for the desk's agents (see the module docstring)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(token.strip())
        if user is None:
            return None
        # Whatever the session said, this request is the token's user's, and only theirs.
        request.user = user
        return user


# -- operations -----------------------------------------------------------------------------------

router = Router()


@router.get("/me", response={200: MeOut, 401: ErrorOut}, summary="Who the token belongs to")
def me(request: HttpRequest) -> dict[str, Any]:
    """The agent this token acts for, their teams, and the providers they serve: a quick check that
    an integration is set up as intended."""
    user = request.auth
    agent = getattr(user, "agent", None)
    teams = sorted(agent.teams.values_list("slug", flat=True)) if agent is not None else []
    served = provider_ids_for(user)
    providers = None if served is None else sorted(provider_scope_for(user).values_list("slug", flat=True))
    return {
        "username": user.get_username(),
        "name": user.get_full_name(),
        "email": user.email,
        "superuser": user.is_superuser,
        "teams": teams,
        "providers": providers,
    }
