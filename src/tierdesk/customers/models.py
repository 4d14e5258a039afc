from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tierdesk.catalog.models import Plan, Provider
from tierdesk.i18n import LANGUAGE_CHOICES
from tierdesk.timezones import validate_timezone


class Customer(models.Model):
    """A company that buys support from a provider."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="customers")
    slug = models.SlugField(_("code"), help_text=_("A short, stable code, e.g. the CRM account id."))
    name = models.CharField(_("name"), max_length=160)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES, default="en")
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    email_domains = models.JSONField(
        _("e-mail domains"), default=list, blank=True, help_text=_('e.g. ["example.com"]')
    )
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["provider", "slug"], name="customer_unique_slug")]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person at a customer who may raise and follow cases."""

    class Role(models.TextChoices):
        TECHNICAL = "technical", _("Technical contact")
        MANAGER = "manager", _("Manager")
        BILLING = "billing", _("Billing")
        USER = "user", _("User")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=160)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.USER)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, blank=True, validators=[validate_timezone])
    sees_company_cases = models.BooleanField(_("sees all the company's cases"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["customer", "name"]
        constraints = [
            # One e-mail address is one person at one customer; mail intake resolves the sender by it.
            models.UniqueConstraint(fields=["customer", "email"], name="contact_unique_email"),
        ]
        indexes = [models.Index(fields=["email"], name="contact_email_idx")]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def effective_language(self) -> str:
        return self.language or self.customer.language

    @property
    def effective_timezone(self) -> str:
        return self.timezone or self.customer.timezone


class ContractQuerySet(models.QuerySet["Contract"]):
    def active_on(self, day: date) -> ContractQuerySet:
        return self.filter(Q(starts_on__lte=day), Q(ends_on__isnull=True) | Q(ends_on__gte=day))


class Contract(models.Model):
    """A customer's subscription to a plan, for a period, sized in units (ports, seats…)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contracts")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="contracts")
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    units = models.JSONField(_("units"), default=dict, blank=True, help_text=_('e.g. {"port": 24}'))
    notes = models.TextField(_("notes"), blank=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["customer", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="contract_ends_after_start",
            )
        ]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self) -> str:
        return f"{self.customer} – {self.plan}"

    def contract_year(self, on: date) -> int:
        """1 in the first twelve months from the start, 2 in the next twelve, and so on."""
        months = (on.year - self.starts_on.year) * 12 + on.month - self.starts_on.month
        if on.day < self.starts_on.day:
            months -= 1
        return max(1, months // 12 + 1)
