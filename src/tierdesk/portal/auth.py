"""Portal sign-in: password, then the second step for those who enrolled; two-step enrolment.

Steps of a sign-in (`sign_in_check`):

1. refuse at once (429) while the typed name or the client address is over its limit — before any
   password is checked, so the refusal costs nothing and says nothing about the account;
2. find the accounts with that e-mail address and check the password; when there is none, hash the
   password anyway, so an unknown address takes as long as a wrong password (ENUM-1);
3. a wrong password counts a failure against the name and the address, and gets the same message as
   an unknown address;
4. a right password for someone who is not a customer contact (an agent, an admin) signs nobody in
   and points to the console;
5. a right password with two-step verification enrolled leaves a short-lived "pending" mark in the
   session and asks for a code; only a valid code (or an unused recovery code) signs in;
6. `login()` rotates the session key, so a session id planted before sign-in is worthless after.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyotp
import segno
from django.contrib.auth import get_user_model
from django.db import transaction

from tierdesk import clock

from . import throttle
from .models import TwoStep

User = get_user_model()

PENDING_KEY = "portal_pending"
PENDING_SECONDS = 5 * 60
ISSUER = "Tierdesk"


@dataclass(frozen=True)
class SignIn:
    outcome: str  # "ok", "code" (second step needed), "wrong", "throttled", "not_contact"
    user: Any = None


def _is_contact(user: Any) -> bool:
    contact = getattr(user, "contact", None)
    if contact is None or not contact.is_active or not contact.customer.is_active:
        return False
    return not (user.is_superuser or user.is_staff or hasattr(user, "agent"))


def sign_in_check(*, email: str, password: str, ip: str) -> SignIn:
    """Decide a sign-in attempt (see the module docstring for the steps)."""
    email = (email or "").strip()
    if throttle.exceeded("account", email) or throttle.exceeded("ip", ip):
        return SignIn("throttled")
    candidates = list(User.objects.filter(email__iexact=email, is_active=True)) if email else []
    found = None
    for user in candidates:
        if user.check_password(password):
            found = user
            break
    if not candidates:
        User().set_password(password)  # the same hashing work as a real check
    if found is None:
        throttle.hit("account", email)
        throttle.hit("ip", ip)
        return SignIn("wrong")
    throttle.clear("account", email)
    if not _is_contact(found):
        return SignIn("not_contact", found)
    if TwoStep.objects.filter(user=found).exists():
        return SignIn("code", found)
    return SignIn("ok", found)


# -- two-step verification (TOTP, RFC 6238) --------------------------------------------------------


def totp_uri(*, secret: str, user: Any, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email or user.get_username(), issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """The enrolment QR code as an SVG data: URI (an <img>, so no inline markup or style)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, dark="#000", light="#fff", border=2)


def new_secret() -> str:
    return pyotp.random_base32()


def _step(totp: pyotp.TOTP, at: datetime) -> int:
    return int(totp.timecode(at))


def code_matches(secret: str, code: str, at: datetime, after_step: int = 0) -> int | None:
    """The time step a six-digit code belongs to (this one, the one before or after, for clock
    drift), if it is later than `after_step`; else None. Compared in constant time."""
    totp = pyotp.TOTP(secret)
    for offset in (0, -1, 1):
        moment = at + timedelta(seconds=30 * offset)
        step = _step(totp, moment)
        if step > after_step and hmac.compare_digest(totp.at(moment), code):
            return step
    return None


RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def recovery_codes_new(count: int = 10) -> list[str]:
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


@transaction.atomic
def two_step_enrol(*, user: Any, secret: str, code: str) -> list[str] | None:
    """Enrol `user` with `secret` if `code` is a current code for it; returns the recovery codes
    (shown once), or None for a wrong code."""
    code = "".join((code or "").split())
    now = clock.now()
    step = code_matches(secret, code, now) if code.isdigit() and len(code) == 6 else None
    if step is None:
        return None
    codes = recovery_codes_new()
    TwoStep.objects.update_or_create(
        user=user,
        defaults={
            "secret": secret,
            "confirmed_at": now,
            "last_step": step,
            "recovery_hashes": [_hash(c) for c in codes],
        },
    )
    return codes


@transaction.atomic
def two_step_verify(*, user: Any, code: str) -> bool:
    """A six-digit code not used before, or an unused recovery code (then spent)."""
    two_step = TwoStep.objects.select_for_update().filter(user=user).first()
    if two_step is None:
        return False
    compact = "".join((code or "").split())
    if compact.isdigit() and len(compact) == 6:
        step = code_matches(two_step.secret, compact, clock.now(), after_step=two_step.last_step)
        if step is None:
            return False
        # Claim the step: a code accepted once is never accepted again (no replay).
        return TwoStep.objects.filter(pk=two_step.pk, last_step__lt=step).update(last_step=step) == 1
    digest = _hash(compact)
    hashes = list(two_step.recovery_hashes)
    if not _normalise(compact) or not any(hmac.compare_digest(digest, h) for h in hashes):
        return False
    hashes.remove(digest)
    two_step.recovery_hashes = hashes
    two_step.save(update_fields=["recovery_hashes"])
    return True


def two_step_remove(*, user: Any) -> bool:
    """Remove two-step verification (the contact, with their password; or an admin, for a contact
    who lost their phone and their recovery codes)."""
    deleted, _ = TwoStep.objects.filter(user=user).delete()
    return bool(deleted)
