"""The catalog: what a provider sells and promises. Loaded from and dumped to TOML (see docs/catalog.md).

The chain the whole desk hangs on: Ticket → Contract → Plan → (coverage calendar, channel access,
features, SLA targets, prices). Severities and the impact × urgency matrix are the provider's, shared by
all its plans, as in every seed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tierdesk.i18n import LANGUAGE_CHOICES
from tierdesk.timezones import validate_timezone

from .vocabulary import (
    Channel,
    Feature,
    Hours,
    Metric,
    PriceKind,
    PricePeriod,
    Unit,
)

if TYPE_CHECKING:
    from tierdesk.sla import Calendar as SlaCalendar

ALWAYS = "24x7"
"""Slug of the calendar every provider has without declaring it: open all the time."""

_prefix_validator = RegexValidator(
    r"^[A-Z][A-Z0-9]{0,7}$", _("1–8 capital letters or digits, e.g. TD or NX.")
)


class Provider(models.Model):
    """A support provider: the company whose desk this is (Nexstor, Exodata, …)."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=120)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES, default="en")
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    case_prefix = models.CharField(_("case number prefix"), max_length=8, validators=[_prefix_validator])
    phone = models.CharField(_("support phone"), max_length=40, blank=True)
    out_of_hours_phone = models.CharField(_("out-of-hours phone"), max_length=40, blank=True)
    email = models.EmailField(_("support e-mail"), blank=True)
    portal_url = models.URLField(_("portal address"), blank=True)
    source = models.TextField(
        _("source"), blank=True, help_text=_("The published document this catalog follows.")
    )
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self) -> str:
        return self.name


class Calendar(models.Model):
    """Business hours in one time zone, with public holidays and extra closed days.

    The fields map one to one onto the calendar spec of `tierdesk.sla` (DESIGN.md, "Semantics of
    business time"); `as_sla()` builds the pure-Python calendar every SLA computation uses.
    """

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="calendars")
    slug = models.SlugField(_("slug"))
    name = models.CharField(_("name"), max_length=120)
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    hours = models.JSONField(
        _("weekly hours"),
        default=dict,
        help_text=_('Windows per weekday, e.g. {"mon": ["08:00-18:00"], "sat": ["22:00-06:00"]}.'),
    )
    holiday_country = models.CharField(_("holidays: country"), max_length=8, blank=True)
    holiday_subdiv = models.CharField(_("holidays: subdivision"), max_length=16, blank=True)
    holiday_language = models.CharField(_("holidays: language"), max_length=8, blank=True)
    day_length = models.DurationField(
        _("working-day length"), null=True, blank=True, help_text=_("Used for targets in business days.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["provider", "slug"]
        constraints = [models.UniqueConstraint(fields=["provider", "slug"], name="calendar_unique_slug")]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return f"{self.provider.slug}/{self.slug}"

    @property
    def is_always(self) -> bool:
        return self.slug == ALWAYS

    def spec(self) -> dict[str, Any]:
        """The calendar as a `tierdesk.sla` spec dict (the same shape as in a catalog file)."""
        spec: dict[str, Any] = {"timezone": self.timezone, "hours": self.hours}
        if self.holiday_country:
            holidays: dict[str, str] = {"country": self.holiday_country}
            if self.holiday_subdiv:
                holidays["subdiv"] = self.holiday_subdiv
            spec["holidays"] = holidays
        # Listed holidays and shutdown days both close the calendar; the engine only needs the names.
        days = sorted(self.days.all(), key=lambda d: d.date) if self.pk else []
        if days:
            spec["closed"] = [{"date": d.date.isoformat(), "name": d.name} for d in days]
        if self.day_length:
            spec["day_length"] = format_duration(self.day_length)
        if self.holiday_language:
            spec["language"] = self.holiday_language
        return spec

    def as_sla(self) -> SlaCalendar:
        """The compiled business calendar, cached per process until this row changes."""
        from .calendars import compiled_calendar

        return compiled_calendar(self)

    def clean(self) -> None:
        from .calendars import CalendarSpecError, validate_spec

        try:
            validate_spec(self.spec())
        except CalendarSpecError as exc:
            raise ValidationError(str(exc)) from None


class CalendarDay(models.Model):
    """A date on which a calendar is closed: a listed public holiday or an announced shutdown day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        CLOSED = "closed", _("Closed (shutdown)")

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CLOSED)
    name = models.CharField(_("name"), max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="calendarday_unique_date")]
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


class Severity(models.Model):
    """A level of the provider's severity scale; level 1 is the most severe."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="severities")
    level = models.PositiveSmallIntegerField(_("level"), validators=[MinValueValidator(1)])
    label = models.CharField(_("label"), max_length=80)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["provider", "level"]
        constraints = [models.UniqueConstraint(fields=["provider", "level"], name="severity_unique_level")]
        verbose_name = _("severity")
        verbose_name_plural = _("severities")

    def __str__(self) -> str:
        return f"{self.level} · {self.label}"


class _Axis(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"))
    rank = models.PositiveSmallIntegerField(_("rank"), help_text=_("1 is the highest."))
    label = models.CharField(_("label"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        abstract = True
        ordering = ["provider", "rank"]

    def __str__(self) -> str:
        return self.label


class Impact(_Axis):
    """How widely the fault is felt (the customer's words, e.g. "several users blocked")."""

    class Meta(_Axis.Meta):
        constraints = [models.UniqueConstraint(fields=["provider", "code"], name="impact_unique_code")]
        verbose_name = _("impact")
        verbose_name_plural = _("impacts")


class Urgency(_Axis):
    """How soon it hurts (e.g. "blocked, no workaround")."""

    class Meta(_Axis.Meta):
        constraints = [models.UniqueConstraint(fields=["provider", "code"], name="urgency_unique_code")]
        verbose_name = _("urgency")
        verbose_name_plural = _("urgencies")


class SeverityRule(models.Model):
    """One cell of the impact × urgency → severity matrix."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="severity_rules")
    impact = models.ForeignKey(Impact, on_delete=models.CASCADE, related_name="+")
    urgency = models.ForeignKey(Urgency, on_delete=models.CASCADE, related_name="+")
    severity = models.ForeignKey(Severity, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["impact", "urgency"], name="severityrule_unique_cell")]
        verbose_name = _("severity matrix cell")
        verbose_name_plural = _("severity matrix")

    def __str__(self) -> str:
        return f"{self.impact.code} × {self.urgency.code} → {self.severity.level}"


class Plan(models.Model):
    """A tier a provider sells (Bronze, Cat2, Premium…): what it covers, when, and what it promises."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="plans")
    slug = models.SlugField(_("slug"))
    name = models.CharField(_("name"), max_length=120)
    rank = models.PositiveSmallIntegerField(
        _("rank"), default=1, help_text=_("Order among the provider's plans.")
    )
    description = models.TextField(_("description"), blank=True)
    calendar = models.ForeignKey(
        Calendar, verbose_name=_("coverage calendar"), on_delete=models.PROTECT, related_name="plans"
    )
    adhoc = models.BooleanField(
        _("ad hoc"),
        default=False,
        help_text=_("Charged per incident without a standing contract; each case may be declined."),
    )
    pause_on = models.JSONField(
        _("statuses that stop the clocks"), default=list, help_text=_('e.g. ["waiting_customer"]')
    )
    required_details = models.JSONField(_("details asked with an incident"), default=list, blank=True)
    reopen_within = models.DurationField(
        _("reopen within"),
        default=timedelta(days=14),
        help_text=_("How long after resolution the customer may reopen a case."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["provider", "rank", "slug"]
        constraints = [models.UniqueConstraint(fields=["provider", "slug"], name="plan_unique_slug")]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return f"{self.provider.name} {self.name}"

    @property
    def key(self) -> str:
        """The plan's address across providers, e.g. ``nexstor/silver``."""
        return f"{self.provider.slug}/{self.slug}"

    def has_feature(self, code: str) -> bool:
        return any(f.code == code for f in self.features.all())


class PlanFeature(models.Model):
    """Something a plan includes, with its terms (e.g. reporting: quarterly, on agreement)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="features")
    code = models.CharField(_("feature"), max_length=40, choices=Feature.choices)
    options = models.JSONField(_("options"), default=dict, blank=True)
    note = models.TextField(_("terms"), blank=True)

    class Meta:
        ordering = ["plan", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="planfeature_unique_code")]
        verbose_name = _("included feature")
        verbose_name_plural = _("included features")

    def __str__(self) -> str:
        return self.get_code_display()


class ChannelAccess(models.Model):
    """A channel the plan's customers may use, and the calendar of when it is staffed or open."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="channels")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    calendar = models.ForeignKey(
        Calendar, verbose_name=_("hours"), on_delete=models.PROTECT, related_name="channel_accesses"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["plan", "channel"]
        constraints = [models.UniqueConstraint(fields=["plan", "channel"], name="channelaccess_unique")]
        verbose_name = _("channel access")
        verbose_name_plural = _("channel access")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} ({self.calendar.name})"


class SlaTarget(models.Model):
    """A promise: for this severity, this metric is met within this much time on this calendar.

    Exactly one of `duration` (counted business time) and `business_days` (N × the calendar's
    working-day length) is set. `hours` and `channels` select the variant: Nexstor's Sev1 is 30 min
    in business hours and 1 h out of hours when phoned in on a plan with out-of-hours cover.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets")
    severity = models.ForeignKey(Severity, on_delete=models.CASCADE, related_name="targets")
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    hours = models.CharField(_("applies"), max_length=16, choices=Hours.choices, default=Hours.ANY)
    channels = models.JSONField(_("only for channels"), default=list, blank=True)
    duration = models.DurationField(_("within"), null=True, blank=True)
    business_days = models.PositiveSmallIntegerField(_("within business days"), null=True, blank=True)
    calendar = models.ForeignKey(
        Calendar, verbose_name=_("counted on"), on_delete=models.PROTECT, related_name="targets"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["plan", "severity__level", "metric", "hours"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(duration__isnull=False, business_days__isnull=True)
                    | models.Q(duration__isnull=True, business_days__isnull=False)
                ),
                name="slatarget_one_amount",
            ),
        ]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")

    def __str__(self) -> str:
        return f"{self.plan.key} sev {self.severity.level} {self.metric} {self.within_text}"

    @property
    def within_text(self) -> str:
        if self.business_days is not None:
            return f"{self.business_days}bd"
        assert self.duration is not None
        return format_duration(self.duration)

    def counted_duration(self) -> timedelta:
        """The business time this target allows, on its calendar."""
        if self.business_days is not None:
            return self.calendar.as_sla().business_days(self.business_days)
        assert self.duration is not None
        return self.duration


class Price(models.Model):
    """A price line of a plan: base, per unit (port, seat…), per incident, per hour or one-off.

    `amount` empty means "on quote". `from_year` lets a per-port price rise with the contract year
    (the phone-systems provider's Cat2: £17.50 per port in year 1, £22.50 from year 2).
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="prices")
    code = models.SlugField(_("code"))
    label = models.CharField(_("label"), max_length=160)
    kind = models.CharField(_("kind"), max_length=16, choices=PriceKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="GBP")
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices, blank=True)
    period = models.CharField(
        _("period"), max_length=8, choices=PricePeriod.choices, default=PricePeriod.YEAR
    )
    from_year = models.PositiveSmallIntegerField(_("from contract year"), default=1)
    max_hours = models.DecimalField(
        _("capped at hours"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    excludes_vat = models.BooleanField(_("plus VAT"), default=True)
    indicative = models.BooleanField(_("indicative (ask for a quote)"), default=False)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["plan", "code", "from_year"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code", "from_year"], name="price_unique_code_year")
        ]
        verbose_name = _("price")
        verbose_name_plural = _("prices")

    def __str__(self) -> str:
        return self.label


class Vendor(models.Model):
    """A third party the provider escalates to, with its own published SLA (Biztek: Microsoft, …)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="vendors")
    slug = models.SlugField(_("slug"))
    name = models.CharField(_("name"), max_length=120)
    service = models.CharField(_("service"), max_length=160, blank=True)
    sla_url = models.URLField(_("SLA document"), blank=True)

    class Meta:
        ordering = ["provider", "name", "slug"]
        constraints = [models.UniqueConstraint(fields=["provider", "slug"], name="vendor_unique_slug")]
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")

    def __str__(self) -> str:
        return f"{self.name} – {self.service}" if self.service else self.name


def format_duration(value: timedelta) -> str:
    """A duration in the catalog's compact form: 30m, 4h, 8h30, 1d2h."""
    total = int(value.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    out = ""
    if days:
        out += f"{days}d"
    if hours:
        out += f"{hours}h"
    if minutes:
        out += f"{minutes:02d}" if hours and not seconds and not days else f"{minutes}m"
    if seconds:
        out += f"{seconds}s"
    return out or "0m"
