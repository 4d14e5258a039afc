"""What the e-mail channel keeps: every message as received, the people following a case by mail, and
where each IMAP folder's polling stands."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class InboundMessage(models.Model):
    """A message as it arrived, stored before anything else happens to it (DESIGN.md, principle 5).

    `raw` is the message byte for byte (or, above TIERDESK_MAIL_MAX_BYTES, its first 64 KiB with
    `truncated` set). Processing turns it into a new case or a reply through the ticket services and
    records the outcome here; a failure is kept with its error, shown to agents, and retried with
    `tierdesk mail retry`. Nothing is ever deleted.

    Two keys make delivery idempotent: (`source`, `sha256`) — the same bytes through the same door
    twice (an MTA retrying after a crash, an IMAP message fetched again) are one row; and
    `dedupe_key` (provider and Message-ID, set when the message takes effect) — one message reaching
    the desk by two routes makes one case or reply; the later copy is a `duplicate` of the first.
    """

    class State(models.TextChoices):
        RECEIVED = "received", _("Received, not yet processed")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed (kept, can be retried)")

    class Outcome(models.TextChoices):
        NONE = "", _("—")
        CREATED = "created", _("Opened a case")
        REPLIED = "replied", _("Added to a case")
        DUPLICATE = "duplicate", _("Duplicate of an earlier message")
        LOOP = "loop", _("Automatic message, not answered")
        REFUSED = "refused", _("Refused, sender told")
        RATE_LIMITED = "rate_limited", _("Held: too many messages from this sender")
        TOO_LARGE = "too_large", _("Refused: too large")
        ALERT = "alert", _("Monitoring alert")

    source = models.CharField(_("received through"), max_length=300)
    received_at = models.DateTimeField(_("received"))
    raw = models.BinaryField(_("raw message"))
    size = models.PositiveBigIntegerField(_("size in bytes"))
    truncated = models.BooleanField(_("only an excerpt kept"), default=False)
    sha256 = models.CharField(_("SHA-256 of the stored bytes"), max_length=64)
    message_id = models.CharField(_("Message-ID"), max_length=900, db_index=True)
    synthetic_id = models.BooleanField(_("Message-ID derived (the message had none)"), default=False)
    envelope_from = models.CharField(_("envelope sender"), max_length=300, blank=True)
    recipients = models.JSONField(_("envelope recipients"), default=list, blank=True)
    provider_hint = models.CharField(_("provider of the mailbox"), max_length=50, blank=True)
    imap_uidvalidity = models.BigIntegerField(null=True, blank=True)
    imap_uid = models.BigIntegerField(null=True, blank=True)

    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RECEIVED)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True, default="")
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("processing attempts"), default=0)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    from_address = models.CharField(_("from"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    fingerprint = models.CharField(_("content fingerprint"), max_length=64, blank=True)
    dedupe_key = models.CharField(_("effect key"), max_length=1000, null=True, blank=True, unique=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    provider = models.ForeignKey(
        "catalog.Provider", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound_messages"
    )
    event = models.ForeignKey(
        "tickets.TicketEvent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
    )
    related_outbound = models.ForeignKey(
        "notify.OutboundEmail",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bounces",
        help_text=_("For a bounce or automatic reply: the message of ours it answers."),
    )
    display_text = models.TextField(
        _("text as shown"), blank=True, help_text=_("The text without the quoted history.")
    )
    html = models.TextField(_("sanitised HTML"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "sha256"], name="inbound_unique_delivery"),
        ]
        indexes = [
            models.Index(fields=["from_address", "received_at"], name="inbound_sender_recent"),
            models.Index(fields=["state", "received_at"], name="inbound_state"),
            models.Index(fields=["received_at"], name="inbound_pending", condition=Q(state="received")),
        ]
        verbose_name = _("incoming e-mail")
        verbose_name_plural = _("incoming e-mails")

    def __str__(self) -> str:
        return f"#{self.pk} {self.from_address or '?'}: {self.subject or self.message_id}"

    @property
    def retryable(self) -> bool:
        return self.state != self.State.PROCESSED or self.outcome in (
            self.Outcome.RATE_LIMITED,
            self.Outcome.REFUSED,
        )


class MailParticipant(models.Model):
    """Someone who follows a case by e-mail besides its contact: a colleague the sender copied (known
    contacts of the same customer only), or the sender of an ad hoc case who is not a contact yet."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="mail_participants")
    address = models.CharField(_("e-mail"), max_length=320)
    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(_("added"))

    class Meta:
        ordering = ["ticket", "added_at"]
        constraints = [models.UniqueConstraint(fields=["ticket", "address"], name="mailparticipant_unique")]
        verbose_name = _("e-mail participant")
        verbose_name_plural = _("e-mail participants")

    def __str__(self) -> str:
        return self.address


class ImapFolderState(models.Model):
    """Where polling of one IMAP folder stands: the UIDs below `last_uid` (for this `uidvalidity`) are
    stored and flagged or moved; the last error, if the folder failed."""

    mailbox = models.CharField(_("mailbox"), max_length=300, unique=True)
    uidvalidity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)
    polled_at = models.DateTimeField(_("last polled"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)
    error_at = models.DateTimeField(_("failed at"), null=True, blank=True)

    class Meta:
        ordering = ["mailbox"]
        verbose_name = _("IMAP folder")
        verbose_name_plural = _("IMAP folders")

    def __str__(self) -> str:
        return self.mailbox
