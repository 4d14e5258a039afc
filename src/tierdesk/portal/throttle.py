"""Sign-in throttling (RATE-1) through the cache every process of the desk shares.

Failures are counted per account *name as typed* (hashed) and per client address, in fixed windows.
Counting by the typed name, not by a found user, is what keeps the answer the same whether or not
the account exists: a name that matches nobody is throttled exactly like one that does.

The client address is REMOTE_ADDR: a proxy in front of the desk must set it (gunicorn's
--forwarded-allow-ips); X-Forwarded-For is not trusted here, since anyone can send it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class Limit:
    name: str
    attempts: int
    window: int  # seconds


def limits() -> dict[str, Limit]:
    # Read at call time, so override_settings works in tests.
    return {
        "account": Limit("account", getattr(settings, "TIERDESK_PORTAL_ACCOUNT_ATTEMPTS", 5), 15 * 60),
        "ip": Limit("ip", getattr(settings, "TIERDESK_PORTAL_IP_ATTEMPTS", 30), 15 * 60),
        "code": Limit("code", 5, 15 * 60),
        "reset-account": Limit("reset-account", 3, 60 * 60),
        "reset-ip": Limit("reset-ip", 20, 60 * 60),
    }


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"portal:throttle:{kind}:{digest}"


def count(kind: str, value: str) -> int:
    return int(cache.get(_key(kind, value), 0))


def exceeded(kind: str, value: str) -> bool:
    return count(kind, value) >= limits()[kind].attempts


def hit(kind: str, value: str) -> int:
    """Count one more attempt; returns the count in the current window."""
    key = _key(kind, value)
    cache.add(key, 0, limits()[kind].window)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, limits()[kind].window)
        return 1


def clear(kind: str, value: str) -> None:
    cache.delete(_key(kind, value))
