from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from tierdesk.i18n import LANGUAGE_CHOICES
from tierdesk.timezones import validate_timezone


class User(AbstractUser):
    """Anyone who signs in. An agent has an `Agent` profile; a customer contact links to one (portal)."""

    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES, default="en")
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_timezone])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Team(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=120)
    provider = models.ForeignKey(
        "catalog.Provider",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="teams",
        help_text=_("The provider whose customers this team serves; empty for a team that serves all."),
    )
    lead = models.ForeignKey(
        "Agent",
        verbose_name=_("team lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams_led",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    """A member of the provider's staff who works cases."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="agent"
    )
    teams = models.ManyToManyField(Team, verbose_name=_("teams"), blank=True, related_name="agents")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["user__first_name", "user__last_name", "user__username"]
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class ApiToken(models.Model):
    """A secret an agent's integration sends as `Authorization: Bearer td_…` to use the REST API.

    Only the SHA-256 of the token is stored: a leaked database or backup gives no working token.
    The secret has 256 random bits, so a plain (unsalted) hash cannot be reversed by guessing. The
    first characters (`prefix`) are kept in clear so people can tell their tokens apart, and so a
    request finds its token by an indexed column that is not secret; the hashes are then compared
    in constant time (tierdesk/api/auth.py).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        _("name"), max_length=80, blank=True, help_text=_("What it is for, e.g. CRM sync.")
    )
    prefix = models.CharField(_("prefix"), max_length=16, db_index=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})" if self.name else f"{self.prefix}…"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
