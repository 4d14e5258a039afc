"""A portal account's second factor, and the admin's view of contacts as portal accounts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tierdesk.customers.models import Contact


class TwoStep(models.Model):
    """Time-based one-time passwords (RFC 6238) for one portal account.

    The secret is shown once, as a QR code, when the contact enrols; recovery codes are stored as
    SHA-256 hashes (each has 50 random bits) and each works once. `last_step` is the TOTP time step
    last accepted, so a code seen over someone's shoulder cannot be used a second time.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="two_step")
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(_("enrolled"))
    last_step = models.BigIntegerField(default=0)
    recovery_hashes = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("two-step verification")
        verbose_name_plural = _("two-step verifications")

    def __str__(self) -> str:
        return str(self.user)


class PortalAccount(Contact):
    """Contacts seen as portal accounts in the admin (invite, remove two-step verification)."""

    class Meta:
        proxy = True
        verbose_name = _("portal account")
        verbose_name_plural = _("portal accounts")
