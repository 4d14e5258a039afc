"""Tickets and their history.

A ticket's history is an append-only log of `TicketEvent`s; every change goes through
`tickets.services`, which writes the event in the same transaction as the change. SLA state is
derived from that log (DESIGN.md, principle 2).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.models import Agent, Team
from tierdesk.catalog.models import Calendar, Impact, Plan, Provider, Severity, Urgency
from tierdesk.catalog.vocabulary import Channel, Hours, Metric
from tierdesk.customers.models import Contact, Contract, Customer


class TicketType(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    SERVICE_REQUEST = "service_request", _("Service request")
    INFORMATION = "information", _("Information request")
    ENHANCEMENT = "enhancement", _("Enhancement")


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting on customer")
    WAITING_VENDOR = "waiting_vendor", _("Waiting on vendor")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = frozenset(
    {Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.WAITING_CUSTOMER, Status.WAITING_VENDOR}
)
OPEN_STATUS_VALUES = sorted(str(s) for s in OPEN_STATUSES)  # a stable order for the index definitions


class CaseSequence(models.Model):
    """The last case number used, per prefix and year; incremented under a row lock."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="casesequence_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class AdhocStatus(models.TextChoices):
    """A case outside any contract is chargeable and needs an agent's acceptance (DESIGN.md, principle 1)."""

    NONE = "", _("Under contract")
    PENDING = "pending", _("Awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted as chargeable")
    DECLINED = "declined", _("Declined")


class SlaState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")


class Ticket(models.Model):
    """A case: one identifiable issue of one customer, under the contract in force when it was opened."""

    number = models.CharField(_("case number"), max_length=32, unique=True)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="tickets")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    plan = models.ForeignKey(
        Plan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        help_text=_("The plan whose promises apply: the contract's, or the ad-hoc plan."),
    )
    type = models.CharField(_("type"), max_length=20, choices=TicketType.choices, default=TicketType.INCIDENT)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    impact = models.ForeignKey(Impact, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    urgency = models.ForeignKey(Urgency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    severity = models.ForeignKey(Severity, on_delete=models.PROTECT, related_name="tickets")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    subject = models.CharField(_("subject"), max_length=255)
    assignee = models.ForeignKey(
        Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets")
    adhoc_status = models.CharField(
        _("ad hoc"), max_length=10, choices=AdhocStatus.choices, default=AdhocStatus.NONE, blank=True
    )
    opened_at = models.DateTimeField(_("opened"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Denormalised from the clocks (SlaClock) so queues sort and filter on one indexed column.
    next_due_at = models.DateTimeField(_("next due"), null=True, blank=True)
    sla_state = models.CharField(_("SLA"), max_length=10, choices=SlaState.choices, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["customer", "-opened_at"], name="ticket_customer_opened"),
            models.Index(fields=["status", "-opened_at"], name="ticket_status_opened"),
            models.Index(fields=["-opened_at"], name="ticket_opened"),
            models.Index(fields=["next_due_at", "id"], name="ticket_next_due"),
            # The queues read open tickets only; on a desk with years of history these partial indexes
            # stay as small as the open work, and cover the queue counts without reading the table.
            models.Index(
                fields=["next_due_at", "-opened_at", "-id"],
                name="ticket_open_due",
                condition=models.Q(status__in=OPEN_STATUS_VALUES),
            ),
            models.Index(
                # Every column the queue counts read, "id" included (COUNT(id)): an index-only scan
                # needs them all. Provider, customer and severity are the filters agents use most.
                fields=[
                    "provider",
                    "customer",
                    "severity",
                    "assignee",
                    "team",
                    "sla_state",
                    "next_due_at",
                    "id",
                ],
                name="ticket_open_counts",
                condition=models.Q(status__in=OPEN_STATUS_VALUES),
            ),
            models.Index(fields=["assignee", "next_due_at"], name="ticket_assignee_due"),
            models.Index(fields=["team", "next_due_at"], name="ticket_team_due"),
        ]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EventKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    REPLY = "reply", _("Reply to customer")
    CUSTOMER_MESSAGE = "customer_message", _("Message from customer")
    NOTE = "note", _("Internal note")
    CALL = "call", _("Phone call")
    STATUS = "status", _("Status changed")
    SEVERITY = "severity", _("Severity changed")
    ASSIGNMENT = "assignment", _("Assignment changed")
    UPDATED = "updated", _("Details changed")
    ADHOC_ACCEPTED = "adhoc_accepted", _("Accepted as chargeable")
    ADHOC_DECLINED = "adhoc_declined", _("Declined")
    ONSITE_REQUIRED = "onsite_required", _("On-site visit required")
    ONSITE_ARRIVED = "onsite_arrived", _("Engineer on site")
    SLA_WARNING = "sla_warning", _("SLA warning sent")


class AppendOnlyError(RuntimeError):
    """A ticket event may be written once and never changed or deleted."""


class TicketEvent(models.Model):
    """One entry of a ticket's history. Append-only: SLA clocks and reports are derived from it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(_("when"), help_text=_("When it happened (an import may give a past instant)."))
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    public = models.BooleanField(_("visible to the customer"), default=False)
    body = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at", "id"], name="event_ticket_at")]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self) -> str:
        return f"{self.ticket.number} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("ticket events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("ticket events are append-only")


class SlaClock(models.Model):
    """One SLA clock of a ticket, as last derived from its history (tickets/clocks.py).

    Nothing here is the source of truth: `clocks_refresh` recomputes every field from the ticket's
    events, its plan's targets and the calendars, so a severity change, a pause or a calendar edit
    can never leave a clock wrong. The row exists so queues can sort and warn on `due_at` and
    `warn_at` with an index.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="clocks")
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    target = models.DurationField(_("target"), help_text=_("Business time allowed, on the calendar."))
    target_text = models.CharField(_("target as promised"), max_length=16)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="+")
    hours = models.CharField(_("variant"), max_length=16, choices=Hours.choices, default=Hours.ANY)
    started_at = models.DateTimeField(_("started"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn from"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=SlaState.choices)
    met_at = models.DateTimeField(_("met"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    elapsed = models.DurationField(_("elapsed"), default=timedelta(0))
    elapsed_at = models.DateTimeField(_("elapsed as of"))
    cycle = models.PositiveIntegerField(
        _("cycle"), default=1, help_text=_("For update cadence: which update is now due (1 = the first).")
    )
    misses = models.PositiveIntegerField(_("missed cycles"), default=0)
    warned_at = models.DateTimeField(_("warning sent"), null=True, blank=True)
    breach_notified_at = models.DateTimeField(_("breach notice sent"), null=True, blank=True)

    class Meta:
        ordering = ["ticket", "metric"]
        constraints = [models.UniqueConstraint(fields=["ticket", "metric"], name="slaclock_unique_metric")]
        indexes = [
            models.Index(fields=["state", "warn_at"], name="slaclock_warn"),
            models.Index(fields=["state", "due_at"], name="slaclock_due"),
        ]
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")

    def __str__(self) -> str:
        return f"{self.ticket.number} {self.metric} {self.state}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is ours; the sender's file name is kept only as metadata (it may be hostile:
    # "../../x", reserved device names, control characters).
    return f"attachments/{instance.created_at:%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file that came with a message: stored under a generated name, served only through an access
    check, as a download with a server-chosen content type."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        TicketEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=_attachment_path, max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=127)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    inline = models.BooleanField(_("inline image"), default=False)
    content_id = models.CharField(_("Content-ID"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("added"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename
