"""Monitored assets, their checks, alert sources and the alerts that open incidents.

An `Alert` is one fault as the desk sees it: a failing check or an alert from a monitoring system,
identified by a fingerprint. At most one alert per (customer, fingerprint) is firing at a time
(a partial unique constraint); it links to the incident that `tickets.services.ticket_open` opened.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tierdesk.catalog.models import Impact, Urgency
from tierdesk.customers.models import Contact, Customer


class MonitoredAsset(models.Model):
    """Something of the customer's that the desk watches: a server, a phone system, a site."""

    class Kind(models.TextChoices):
        SERVER = "server", _("Server")
        PHONE_SYSTEM = "phone_system", _("Phone system")
        SITE = "site", _("Site")
        SERVICE = "service", _("Service")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="monitored_assets")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SERVER)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["customer", "name"]
        constraints = [models.UniqueConstraint(fields=["customer", "name"], name="asset_unique_name")]
        verbose_name = _("monitored asset")
        verbose_name_plural = _("monitored assets")

    def __str__(self) -> str:
        return self.name


class CheckKind(models.TextChoices):
    HTTP = "http", _("HTTP(S)")
    TCP = "tcp", _("TCP port")
    HEARTBEAT = "heartbeat", _("Heartbeat")


class CheckState(models.TextChoices):
    PENDING = "pending", _("Not checked yet")
    UP = "up", _("Up")
    DOWN = "down", _("Down")
    MAINTENANCE = "maintenance", _("In maintenance")


class Check(models.Model):
    """One probe of an asset, run by the job queue every `interval` (heartbeats: the asset calls us)."""

    asset = models.ForeignKey(MonitoredAsset, on_delete=models.CASCADE, related_name="checks")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=CheckKind.choices)
    target = models.CharField(
        _("target"), max_length=500, blank=True, help_text=_("A URL (HTTP) or host:port (TCP).")
    )
    expected_status = models.PositiveSmallIntegerField(
        _("expected status"),
        null=True,
        blank=True,
        validators=[MinValueValidator(100), MaxValueValidator(599)],
        help_text=_("Empty: any status below 400 is up."),
    )
    expected_text = models.CharField(_("expected text"), max_length=200, blank=True)
    cert_expiry_days = models.PositiveSmallIntegerField(
        _("warn when the certificate expires within (days)"), default=0, help_text=_("0: do not check.")
    )
    interval = models.DurationField(_("interval"), default=timedelta(minutes=5))
    timeout = models.PositiveSmallIntegerField(
        _("timeout (seconds)"), default=10, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    retries = models.PositiveSmallIntegerField(
        _("retries"),
        default=2,
        validators=[MaxValueValidator(10)],
        help_text=_("Failed attempts in a row tolerated before the check is down."),
    )
    grace = models.DurationField(
        _("grace"), default=timedelta(minutes=5), help_text=_("Heartbeats: lateness tolerated.")
    )
    impact = models.ForeignKey(Impact, verbose_name=_("impact"), on_delete=models.PROTECT, null=True)
    urgency = models.ForeignKey(Urgency, verbose_name=_("urgency"), on_delete=models.PROTECT, null=True)
    auto_resolve = models.BooleanField(
        _("resolve the incident on recovery"),
        default=True,
        help_text=_("Otherwise the incident is annotated and left to an agent."),
    )
    # Only the SHA-256 of the heartbeat secret is kept (like API tokens): shown once, when made.
    heartbeat_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    state = models.CharField(
        _("state"), max_length=12, choices=CheckState.choices, default=CheckState.PENDING
    )
    failures = models.PositiveSmallIntegerField(_("failures in a row"), default=0)
    state_changed_at = models.DateTimeField(_("state since"), null=True, blank=True)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_ping_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    last_message = models.CharField(_("last result"), max_length=500, blank=True)
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["asset", "name"]
        constraints = [models.UniqueConstraint(fields=["asset", "name"], name="check_unique_name")]
        indexes = [models.Index(fields=["is_active", "next_run_at"], name="check_due")]
        verbose_name = _("check")
        verbose_name_plural = _("checks")

    def __str__(self) -> str:
        return f"{self.asset} · {self.name}"

    @property
    def fingerprint(self) -> str:
        return f"check:{self.pk}"


class CheckResult(models.Model):
    """One run of a check; the newest `RESULTS_KEPT` per check are kept (the board shows them)."""

    check_ref = models.ForeignKey(
        Check, on_delete=models.CASCADE, related_name="results", db_column="check_id"
    )
    at = models.DateTimeField(_("at"))
    ok = models.BooleanField(_("ok"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["check_ref", "-at"], name="checkresult_recent")]
        verbose_name = _("check result")
        verbose_name_plural = _("check results")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {'ok' if self.ok else 'fail'}"


class MaintenanceWindow(models.Model):
    """A period in which the asset's checks run but raise nothing (planned work)."""

    asset = models.ForeignKey(MonitoredAsset, on_delete=models.CASCADE, related_name="maintenance_windows")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["asset", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="maintenance_ends_after"
            )
        ]
        verbose_name = _("maintenance window")
        verbose_name_plural = _("maintenance windows")

    def __str__(self) -> str:
        return f"{self.asset}: {self.starts_at:%Y-%m-%d %H:%M} – {self.ends_at:%Y-%m-%d %H:%M}"


class AlertSource(models.Model):
    """A monitoring system the customer already runs that posts alerts to the desk (or e-mails them).

    Authenticated by a token of which only the SHA-256 is stored, found by its clear prefix
    (as `accounts.ApiToken`)."""

    class Kind(models.TextChoices):
        ALERTMANAGER = "alertmanager", _("Prometheus Alertmanager")
        GENERIC = "generic", _("Generic JSON webhook")
        EMAIL = "email", _("Nagios/Icinga e-mail")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="alert_sources")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    prefix = models.CharField(_("prefix"), max_length=16, db_index=True, editable=False, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    alertmanager_url = models.CharField(
        _("Alertmanager URL"),
        max_length=500,
        blank=True,
        help_text=_("Where acknowledgements are sent as silences."),
    )
    email_from = models.EmailField(
        _("sender address"), blank=True, help_text=_("E-mail sources: the address the alerts come from.")
    )
    impact = models.ForeignKey(Impact, verbose_name=_("impact"), on_delete=models.PROTECT, null=True)
    urgency = models.ForeignKey(Urgency, verbose_name=_("urgency"), on_delete=models.PROTECT, null=True)
    auto_resolve = models.BooleanField(_("resolve the incident on recovery"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["customer", "name"]
        verbose_name = _("alert source")
        verbose_name_plural = _("alert sources")

    def __str__(self) -> str:
        return f"{self.customer} · {self.name}"


class AlertStatus(models.TextChoices):
    FIRING = "firing", _("Firing")
    RESOLVED = "resolved", _("Resolved")


class Alert(models.Model):
    """One fault, from a check or a source, and the incident it opened."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="alerts")
    source = models.ForeignKey(
        AlertSource, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    check_ref = models.ForeignKey(
        Check, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts", db_column="check_id"
    )
    fingerprint = models.CharField(_("fingerprint"), max_length=200)
    name = models.CharField(_("name"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    labels = models.JSONField(_("labels"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.FIRING
    )
    started_at = models.DateTimeField(_("started"))
    last_fired_at = models.DateTimeField(_("last fired"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    fire_count = models.PositiveIntegerField(_("times fired"), default=1)
    flaps = models.PositiveIntegerField(_("times fired again after recovering"), default=0)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    notified_at = models.DateTimeField(_("last notified"), null=True, blank=True)
    notifications = models.PositiveSmallIntegerField(_("notifications sent"), default=0)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_by_contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledgement = models.TextField(_("acknowledgement comment"), blank=True)

    class Meta:
        ordering = ["-last_fired_at", "-id"]
        constraints = [
            # One open fault per fingerprint: a repeat annotates it instead of opening another incident.
            models.UniqueConstraint(
                fields=["customer", "fingerprint"], condition=Q(status="firing"), name="alert_one_firing"
            )
        ]
        indexes = [models.Index(fields=["customer", "fingerprint", "-id"], name="alert_by_fingerprint")]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return self.name

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    @property
    def acknowledged_by(self) -> str:
        if self.acknowledged_by_user is not None:
            return self.acknowledged_by_user.get_full_name() or self.acknowledged_by_user.get_username()
        if self.acknowledged_by_contact is not None:
            return self.acknowledged_by_contact.name
        return ""


class SilenceRequest(models.Model):
    """An acknowledgement to send back to Alertmanager as a silence: an outbox row, written with the
    acknowledgement and posted by a job (DESIGN.md, principle 5)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    alert = models.OneToOneField(Alert, on_delete=models.CASCADE, related_name="silence")
    url = models.CharField(_("URL"), max_length=500)
    payload = models.JSONField(_("payload"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    silence_id = models.CharField(_("silence id"), max_length=100, blank=True)
    send_after = models.DateTimeField(_("send after"))
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "send_after"], name="silence_due")]
        verbose_name = _("silence request")
        verbose_name_plural = _("silence requests")

    def __str__(self) -> str:
        return f"{self.url} ({self.state})"
