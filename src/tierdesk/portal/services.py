"""Portal accounts: invitations, password-reset mail, the contact's own preferences.

Links in mail are built from settings.TIERDESK_BASE_URL, never from the request's Host header, so a
forged Host cannot send someone a reset link to another site (ATO-1). Tokens are Django's
`default_token_generator`: HMAC over the user's password hash, last sign-in and a timestamp, so a
link works once (a new password changes the hash), expires after PASSWORD_RESET_TIMEOUT and is
compared in constant time (ATO-2). Mail goes through the outbox in the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from tierdesk.customers.models import Contact
from tierdesk.i18n import LANGUAGE_CODES
from tierdesk.notify.services import outbound_email_enqueue
from tierdesk.timezones import is_timezone

User = get_user_model()


class PortalError(ValueError):
    """Refused, with a reason to show."""


def reset_link(user: Any) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("portal:reset-confirm", args=[uid, token])
    return f"{settings.TIERDESK_BASE_URL.rstrip('/')}{path}"


def _provider_name(contact: Contact) -> str:
    return contact.customer.provider.name


def _send_link(*, user: Any, contact: Contact, invite: bool) -> None:
    link = reset_link(user)
    with translation.override(contact.effective_language):
        provider = _provider_name(contact)
        if invite:
            subject = _("Your %(provider)s support portal account") % {"provider": provider}
            intro = _(
                "%(provider)s has opened a support portal account for you. Choose your password here:"
            ) % {"provider": provider}
        else:
            subject = _("Choose a new password for the %(provider)s support portal") % {"provider": provider}
            intro = _(
                "Someone asked to reset the password of your support portal account. To choose a new one:"
            )
        body = "\n\n".join(
            [
                _("Hello %(name)s,") % {"name": contact.name},
                intro,
                link,
                _("The link works once, for %(days)s days.")
                % {"days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)},
                _("If you did not ask for this, ignore this message: nothing changes."),
            ]
        )
    outbound_email_enqueue(
        dedupe_key=f"portal:{'invite' if invite else 'reset'}:{user.pk}:{link.rsplit('/', 2)[-2]}",
        to=[user.email],
        subject=subject,
        body=body + "\n",
    )


@transaction.atomic
def password_reset_request(*, email: str) -> int:
    """Send a reset link to each active portal account with this address. The caller answers the
    same whatever this returns (ENUM-1). Returns how many mails were written."""
    email = (email or "").strip()
    if not email:
        return 0
    users = User.objects.filter(
        email__iexact=email,
        is_active=True,
        is_staff=False,
        is_superuser=False,
        agent__isnull=True,
        contact__is_active=True,
        contact__customer__is_active=True,
    ).select_related("contact__customer__provider")
    sent = 0
    for user in users:
        _send_link(user=user, contact=user.contact, invite=False)
        sent += 1
    return sent


@transaction.atomic
def portal_invite(*, contact: Contact) -> Any:
    """Give a contact a portal account (or a fresh link for their existing one) and mail them a
    link to choose their password. The account has no usable password until they do."""
    if not contact.is_active or not contact.customer.is_active:
        raise PortalError(_("%(contact)s is not an active contact.") % {"contact": contact})
    if not contact.email:
        raise PortalError(_("%(contact)s has no e-mail address.") % {"contact": contact.name})
    user = contact.user
    if user is None:
        if User.objects.filter(email__iexact=contact.email, agent__isnull=False).exists():
            raise PortalError(_("%(email)s belongs to an agent of the desk.") % {"email": contact.email})
        username = f"contact-{contact.pk}"
        user = User(
            username=username,
            email=contact.email,
            first_name=contact.name[:150],
            language=contact.effective_language,
            timezone=contact.effective_timezone,
        )
        user.set_unusable_password()
        user.save()
        contact.user = user
        contact.save(update_fields=["user"])
    elif user.is_staff or user.is_superuser or hasattr(user, "agent"):
        raise PortalError(_("The account linked to %(contact)s is an agent's.") % {"contact": contact.name})
    _send_link(user=user, contact=contact, invite=True)
    return user


@transaction.atomic
def portal_preferences_set(*, contact: Contact, language: str, timezone: str) -> Contact:
    """The contact's own language and time zone (blank: their company's)."""
    if language and language not in LANGUAGE_CODES:
        raise PortalError(_("Unknown language."))
    if timezone and not is_timezone(timezone):
        raise PortalError(_("%(value)s is not a known time zone.") % {"value": timezone})
    contact.language = language
    contact.timezone = timezone
    contact.save(update_fields=["language", "timezone"])
    if contact.user_id:
        User.objects.filter(pk=contact.user_id).update(
            language=contact.effective_language, timezone=contact.effective_timezone
        )
    return contact
