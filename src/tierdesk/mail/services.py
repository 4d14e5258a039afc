"""E-mail intake: store the raw message first, then process it through the ticket services.

Every door (IMAP poller, SMTP listener, MTA pipe) calls `inbound_store`, which commits the raw bytes
in one short transaction and only then reports success to the sender (the MTA's exit status, the
SMTP 250, the IMAP flag). `inbound_process` then runs in one transaction per message:

1. Lock the row; skip it if another worker already processed it.
2. Too large (only an excerpt was kept): tell the sender, stop.
3. Parse (mail/parsing.py): headers, ids, text, sanitised HTML, attachments. Internal
   `X-Tierdesk-*` headers from outside are dropped unread.
4. Loops and bulk (RFC 3834 and friends, mail/parsing.py `loop_reason`, plus our own Message-IDs
   coming back): record, link to the case and to our mail it answers when we can tell, stop. Nothing
   is ever sent in answer to an automatic message.
5. Rate limit: more than TIERDESK_MAIL_RATE_LIMIT messages from the sender in the last hour are
   held (kept, shown, retryable), unanswered.
6. Threading: In-Reply-To and References against our outbound Message-IDs and the inbound ones
   already on a case, newest first; then a case number in the subject. The sender must be an active
   contact of that case's customer (SPOOF-1); otherwise, per TIERDESK_MAIL_FOREIGN_REPLIES, the
   message is handled as a new one from them, or refused.
7. Claim the effect: `dedupe_key` = provider and Message-ID, unique in the database. A second copy
   of a message that already took effect is recorded as its duplicate; a copy that reuses the
   Message-ID with other content is processed on its own and flagged (a replayed Message-ID must
   not suppress a later message).
8. Reply: `ticket_reply` as the contact (a reply to a case resolved too long ago opens a new case
   that names the old one). New: provider (the mailbox's, else the address written to, else the
   sender's), contact by address (case-insensitive), `ticket_open` on the e-mail channel — which
   checks the contract, the plan and its channels. Unknown senders per
   TIERDESK_MAIL_UNKNOWN_SENDERS: a polite refusal, or an ad hoc case (the customer whose e-mail
   domain matches, else the provider's "unknown senders" customer). No e-mail channel in the plan:
   a polite answer saying how to reach the desk.
9. Attachments and inline images: type re-detected from the bytes and checked against the
   allow-list and the size limit; accepted ones stored as `Attachment`s of the event, refused ones
   recorded and told to the sender (in the acknowledgement, or in a notice).
10. Record the outcome, the case, the event, the display text and sanitised HTML on the row.

A failure rolls the whole message back and is recorded on the row (`failed`, with the error),
shown in the admin and retried by `tierdesk mail retry` or the periodic sweep.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Exists, F
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext as _

from tierdesk import clock
from tierdesk.catalog.models import Provider
from tierdesk.catalog.vocabulary import Channel
from tierdesk.customers.models import Contact, Customer
from tierdesk.i18n import LANGUAGE_CODES
from tierdesk.tickets.attachments import allowed, detect, safe_filename

from . import compose, conf
from .context import Inbound, inbound
from .models import InboundMessage, MailParticipant
from .outbound import notice_send, own_addresses, providers_cached
from .parsing import ParsedMail, loop_reason, message_id_of, parse, suppress_autoreply

log = logging.getLogger(__name__)

EXCERPT_BYTES = 64 * 1024
CASE_NUMBER = re.compile(r"\b([A-Z][A-Z0-9]{0,7}-\d{4}-\d{4,9})\b")
UNKNOWN_SENDERS_SLUG = "unknown-senders"
Outcome = InboundMessage.Outcome
State = InboundMessage.State


class MailError(Exception):
    """A message that needs an agent (no provider to route it to, a sender who is not a contact…):
    kept as failed with this explanation, retryable once the cause is fixed."""


# -- storing --------------------------------------------------------------------------------------


def inbound_store(
    *,
    raw: bytes,
    source: str,
    size: int | None = None,
    envelope_from: str | None = None,
    recipients: list[str] | tuple[str, ...] = (),
    provider: str = "",
    uid: int | None = None,
    uidvalidity: int | None = None,
) -> tuple[InboundMessage, bool]:
    """Commit the raw message; (row, created). The same bytes through the same door again give the
    row stored the first time (created False). Anything that goes wrong raises: the caller must then
    not acknowledge the message (exit 75, SMTP 451, no IMAP flag)."""
    size = len(raw) if size is None else size
    truncated = size > conf.max_message_bytes()
    if truncated:
        raw = raw[:EXCERPT_BYTES]
    digest = hashlib.sha256(raw).hexdigest()
    message_id, synthetic = message_id_of(raw)
    if envelope_from is not None and envelope_from.strip() in ("", "<>"):
        envelope_from = "<>"  # the null sender of bounces
    try:
        with transaction.atomic():
            row = InboundMessage.objects.create(
                source=source[:300],
                received_at=clock.now(),
                raw=raw,
                size=size,
                truncated=truncated,
                sha256=digest,
                message_id=message_id[:900],
                synthetic_id=synthetic,
                envelope_from=(envelope_from or "")[:300],
                recipients=[r.lower() for r in recipients][:50],
                provider_hint=provider,
                imap_uid=uid,
                imap_uidvalidity=uidvalidity,
            )
    except IntegrityError:
        existing = InboundMessage.objects.defer("raw").filter(source=source[:300], sha256=digest).first()
        if existing is None:
            raise
        return existing, False
    return row, True


def inbound_receive(
    *, raw: bytes, source: str, process: bool = True, **kwargs: Any
) -> tuple[InboundMessage, bool]:
    """Store, then (unless `process` is False) process at once. Only the storing may raise; a
    processing failure is recorded on the row."""
    row, created = inbound_store(raw=raw, source=source, **kwargs)
    if process and row.state == State.RECEIVED:
        try:
            row = inbound_process(message=row.pk, raw=raw if created and not row.truncated else None)
        except Exception:
            log.exception("processing inbound message %s failed after it was stored", row.pk)
    return row, created


# -- processing -----------------------------------------------------------------------------------


def inbound_process(*, message: int, raw: bytes | None = None, force: bool = False) -> InboundMessage:
    """Process one stored message (see the module docstring); returns the row as it now stands.

    `force` reprocesses a message that was refused or held (an agent's retry); a message that opened a
    case or was added to one is never processed twice."""
    try:
        with transaction.atomic():
            query = InboundMessage.objects.select_for_update()
            row = (query.defer("raw") if raw is not None else query).get(pk=message)
            allowed_states = {State.RECEIVED, State.FAILED}
            if not (row.state in allowed_states or (force and row.retryable)):
                return row
            if raw is None:
                raw = bytes(row.raw)
            _Processor(row, raw, force=force).run()
            return row
    except Exception as exc:
        _record_failure(message, exc, raw)
        if not isinstance(exc, MailError):
            log.exception("processing inbound message %s failed", message)
        return InboundMessage.objects.defer("raw").get(pk=message)


def _record_failure(pk: int, exc: Exception, raw: bytes | None) -> None:
    error = str(exc) if isinstance(exc, MailError) else f"{type(exc).__name__}: {exc}"
    fields: dict[str, Any] = {
        "state": State.FAILED,
        "error": error[:4000],
        "attempts": F("attempts") + 1,
        "processed_at": clock.now(),
    }
    if raw is not None:
        try:
            mail = parse(raw)
            fields.update(from_address=mail.from_address[:320], subject=mail.subject[:255])
        except Exception:  # noqa: S110 (the summary is a courtesy)
            pass
    InboundMessage.objects.filter(pk=pk).exclude(state=State.PROCESSED).update(**fields)


def inbound_process_pending(*, limit: int = 200, retry_failed: bool = True) -> int:
    """Process what is stored but not processed (a worker killed between storing and processing,
    `receive --no-process`), and retry recent failures a few times. Returns how many were handled."""
    ids = list(
        InboundMessage.objects.filter(state=State.RECEIVED)
        .order_by("received_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    if retry_failed:
        ids += list(
            InboundMessage.objects.filter(
                state=State.FAILED, attempts__lt=3, processed_at__lt=clock.now() - timedelta(minutes=5)
            )
            .order_by("received_at", "id")
            .values_list("id", flat=True)[:limit]
        )
    for pk in ids:
        inbound_process(message=pk)
    return len(ids)


def inbound_retry(*, ids: list[int] | None = None) -> list[InboundMessage]:
    """Process again the named messages (failed, refused or held ones), or every failed one."""
    if ids:
        targets = list(InboundMessage.objects.filter(pk__in=ids).order_by("id").values_list("id", flat=True))
        return [inbound_process(message=pk, force=True) for pk in targets]
    targets = list(
        InboundMessage.objects.filter(state=State.FAILED).order_by("id").values_list("id", flat=True)
    )
    return [inbound_process(message=pk) for pk in targets]


def contact_for_address(address: str, *, customer: Customer | None = None, provider: Provider | None = None):
    """The active contact with this address (case-insensitive) at this customer or provider."""
    if not address:
        return None
    query = Contact.objects.select_related("customer__provider").filter(
        is_active=True, customer__is_active=True
    )
    if customer is not None:
        query = query.filter(customer=customer)
    if provider is not None:
        query = query.filter(customer__provider=provider)
    # Exact first (the index); case-insensitive only when that finds nothing.
    return (
        query.filter(email=address).order_by("id").first()
        or query.filter(email__iexact=address).order_by("id").first()
    )


@dataclass
class _Accepted:
    data: bytes
    filename: str
    content_type: str
    inline: bool
    content_id: str


class _Processor:
    def __init__(self, row: InboundMessage, raw: bytes, *, force: bool = False) -> None:
        self.row = row
        self.force = force
        self.quiet = False  # no automatic answer to this message (too many from its sender)
        self.raw = raw
        self.now = clock.now()
        self.written: list[str] = []
        self.data: dict[str, Any] = {}
        self.mail: ParsedMail | None = None

    # The steps -------------------------------------------------------------------------------

    def run(self) -> None:
        try:
            self._run()
        except BaseException:
            for name in self.written:  # files of a rolled-back message
                try:
                    default_storage.delete(name)
                except OSError:
                    log.warning("could not delete %s after a rollback", name)
            raise
        row = self.row
        row.state = State.PROCESSED
        row.error = ""
        row.attempts += 1
        row.processed_at = self.now
        row.data = {**(row.data or {}), **self.data}
        row.save(
            update_fields=[
                "state", "outcome", "error", "attempts", "processed_at", "from_address", "subject",
                "fingerprint", "dedupe_key", "duplicate_of", "provider", "ticket", "event",
                "related_outbound", "display_text", "html", "data",
            ]
        )  # fmt: skip

    def _run(self) -> None:
        row = self.row
        if row.truncated:
            return self._too_large()
        mail = self.mail = parse(self.raw)
        row.from_address = mail.from_address[:320]
        row.subject = mail.subject[:255]
        row.fingerprint = mail.fingerprint
        row.display_text = mail.display if mail.display != mail.text else ""
        row.html = mail.html
        if mail.notes:
            self.data["notes"] = mail.notes
        if mail.internal_headers:
            self.data["ignored_headers"] = mail.internal_headers

        if self._monitoring_alert(mail):
            return None
        reason = loop_reason(mail, envelope_from=row.envelope_from or None, own=frozenset(own_addresses()))
        if not reason and self._is_ours(mail.message_id):
            reason = "one of our own messages came back"
        if reason:
            return self._loop(reason)
        if self._rate_limited():
            return None

        ticket, contact, how = self._thread()
        if ticket is not None:
            if contact is None:
                if MailParticipant.objects.filter(ticket=ticket, address=mail.from_address).exists():
                    raise MailError(
                        _(
                            "%(address)s follows case %(number)s by e-mail but is not a contact of "
                            "%(customer)s: add them as a contact, then retry this message."
                        )
                        % {"address": mail.from_address, "number": ticket.number, "customer": ticket.customer}
                    )
                self.data["foreign_case"] = ticket.number
                self.data["threaded_by"] = how
                if conf.foreign_replies() == "refuse":
                    return self._refuse_foreign(ticket)
            else:
                return self._reply(ticket, contact, how)
        return self._new()

    # Automatic messages, limits -----------------------------------------------------------------

    def _monitoring_alert(self, mail: ParsedMail) -> bool:
        """A Nagios/Icinga notification from a customer's e-mail alert source goes to monitoring, which
        opens, annotates or resolves the incident; it opens no ordinary case. Checked before the loop
        rules: such mails are automatic by nature."""
        from tierdesk.monitoring.services import alert_mail_receive

        if not alert_mail_receive(
            from_address=mail.from_address, subject=mail.subject, body=mail.text, at=self.now
        ):
            return False
        self.row.outcome = Outcome.ALERT
        self.data["monitoring"] = True
        return True

    def _is_ours(self, message_id: str) -> bool:
        from tierdesk.notify.models import OutboundEmail

        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2].lower()
        if not domain or not message_id.lower().endswith("@" + domain):
            return False
        return OutboundEmail.objects.filter(message_id=f"<{message_id}>").exists()

    def _loop(self, reason: str) -> None:
        from tierdesk.notify.models import OutboundEmail

        row, mail = self.row, self.mail
        assert mail is not None
        row.outcome = Outcome.LOOP
        self.data["loop"] = reason
        # Which mail of ours it answers (a bounce quotes our Message-ID; an auto-reply threads to it).
        ids = list(dict.fromkeys([*mail.in_reply_to, *mail.references, *_ids_in(self.raw)]))[:100]
        if ids:
            ours = (
                OutboundEmail.objects.filter(message_id__in=[f"<{i}>" for i in ids])
                .order_by("-id")
                .only("id", "ticket_id")
                .first()
            )
            if ours is not None:
                row.related_outbound_id = ours.pk
                row.ticket_id = ours.ticket_id
        if row.ticket_id is None:
            ticket, _contact, _how = self._thread()
            row.ticket = ticket
        return None

    def _rate_limited(self) -> bool:
        """Hold the message when the sender passed TIERDESK_MAIL_RATE_LIMIT messages in the last hour;
        past TIERDESK_MAIL_AUTOREPLY_LIMIT, still process it but answer nothing automatically — so a
        mail bomb makes a bounded number of cases and a bounded number of automatic answers."""
        limit, answers = conf.rate_limit(), conf.autoreply_limit()
        row = self.row
        if not (limit or answers) or not row.from_address:
            return False
        recent = (
            InboundMessage.objects.filter(
                from_address=row.from_address, received_at__gte=self.now - timedelta(hours=1)
            )
            .exclude(pk=row.pk)
            .count()
        )
        if answers and recent >= answers:
            self.quiet = True
            self.data["autoreply_limit"] = f"{recent} messages from {row.from_address} in the last hour"
        if not limit or recent < limit or self.force:
            return False
        row.outcome = Outcome.RATE_LIMITED
        self.data["rate_limit"] = f"{recent} from {row.from_address} in the last hour (limit {limit})"
        return True

    def _too_large(self) -> None:
        row = self.row
        row.outcome = Outcome.TOO_LARGE
        limit = conf.max_message_bytes()
        self.data["too_large"] = {"size": row.size, "limit": limit}
        try:
            mail = self.mail = parse(self.raw)
        except Exception:
            return None
        row.from_address, row.subject = mail.from_address[:320], mail.subject[:255]
        if loop_reason(mail, envelope_from=row.envelope_from or None) or suppress_autoreply(mail):
            return None
        provider = self._provider(required=False)
        with translation.override(self._language(provider, None)):
            subject, body = compose.too_large(
                provider=provider, size=row.size, limit=limit, subject=mail.subject
            )
        notice_send(
            kind="too-large",
            key=row.message_id,
            to=mail.from_address,
            subject=subject,
            body=body,
            provider=provider,
            in_reply_to=row.message_id,
        )
        return None

    # Threading ----------------------------------------------------------------------------------

    def _thread(self) -> tuple[Any, Any, str]:
        """(ticket, the sender as a contact of its customer or None, how it was found)."""
        from tierdesk.notify.models import OutboundEmail
        from tierdesk.tickets.models import Ticket

        mail = self.mail
        assert mail is not None
        ids = list(dict.fromkeys([*mail.in_reply_to, *reversed(mail.references)]))[:50]
        ticket_id = None
        how = ""
        if ids:
            ours = dict(
                OutboundEmail.objects.filter(
                    message_id__in=[f"<{i}>" for i in ids], ticket__isnull=False
                ).values_list("message_id", "ticket_id")
            )
            theirs = dict(
                InboundMessage.objects.filter(message_id__in=ids, ticket__isnull=False)
                .exclude(pk=self.row.pk)
                .exclude(outcome=Outcome.LOOP)
                .values_list("message_id", "ticket_id")
            )
            for i in ids:
                ticket_id = ours.get(f"<{i}>") or theirs.get(i)
                if ticket_id:
                    how = "headers"
                    break
        ticket = None
        if ticket_id:
            ticket = Ticket.objects.select_related("customer", "provider", "contact").get(pk=ticket_id)
        else:
            for number in CASE_NUMBER.findall(mail.subject):
                ticket = (
                    Ticket.objects.select_related("customer", "provider", "contact")
                    .filter(number=number)
                    .first()
                )
                if ticket is not None:
                    how = "subject"
                    break
        if ticket is None:
            return None, None, ""
        contact = None
        if (
            ticket.contact is not None
            and ticket.contact.email.lower() == mail.from_address
            and ticket.contact.is_active
        ):
            contact = ticket.contact
        else:
            contact = contact_for_address(mail.from_address, customer=ticket.customer)
        return ticket, contact, how

    # Claiming the effect --------------------------------------------------------------------------

    def _claim(self, provider: Provider) -> InboundMessage | None:
        """Take (provider, Message-ID) for this row; the row that had it already if it is the same
        message (this one is then its duplicate), None when this row may take effect."""
        row, mail = self.row, self.mail
        assert mail is not None
        if row.dedupe_key:
            return None  # a retry of a message that claimed its key before
        key = f"{provider.pk}:{row.message_id}"
        for attempt in (key, f"{key}#{mail.fingerprint[:16]}"):
            # One statement, no savepoint: the unique index is the guarantee. Two copies processed at
            # the same instant by two workers both pass NOT EXISTS; the index then refuses the later
            # one, whose processing fails as a whole and is retried (as a duplicate) by the sweep.
            taken = (
                InboundMessage.objects.filter(pk=row.pk)
                .exclude(Exists(InboundMessage.objects.filter(dedupe_key=attempt)))
                .update(dedupe_key=attempt)
            )
            if not taken:
                first = InboundMessage.objects.defer("raw").get(dedupe_key=attempt)
                if first.fingerprint == mail.fingerprint or attempt != key:
                    return first
                # The same Message-ID with other content: not a copy. Keep it apart, flagged.
                self.data["message_id_reused"] = first.pk
                continue
            row.dedupe_key = attempt
            row.provider = provider
            return None
        return None

    def _duplicate(self, first: InboundMessage) -> None:
        row = self.row
        row.outcome = Outcome.DUPLICATE
        row.duplicate_of = first
        row.ticket_id = first.ticket_id
        row.provider_id = first.provider_id

    # Reply ---------------------------------------------------------------------------------------

    def _reply(self, ticket: Any, contact: Contact, how: str) -> None:
        from tierdesk.tickets.models import AdhocStatus, EventKind, Status
        from tierdesk.tickets.services import TransitionError, ticket_reply

        row, mail = self.row, self.mail
        assert mail is not None
        first = self._claim(ticket.provider)
        if first is not None:
            return self._duplicate(first)
        self.data["threaded_by"] = how
        if ticket.adhoc_status == AdhocStatus.DECLINED:
            self.data["follow_up_of"] = ticket.number
            return self._new(contact=contact)
        accepted, refused = self._attachments()
        context = self._context(refused, accepted)
        body = mail.text.strip() or self._placeholder(ticket.provider, contact)
        with inbound(context):
            try:
                ticket_reply(ticket=ticket, actor=contact, body=body)
            except TransitionError:
                if ticket.status not in (Status.RESOLVED, Status.CLOSED):
                    raise
                # Resolved longer ago than the plan lets a customer reopen: a new case that says so.
                self.data["follow_up_of"] = ticket.number
                return self._new(contact=contact)
        event = next((e for e in reversed(context.events) if e.kind == EventKind.CUSTOMER_MESSAGE), None)
        self._finish(ticket, event, accepted, refused, contact, Outcome.REPLIED)
        if refused and not context.suppress_autoreply and any(not r.get("inline") for r in refused):
            with translation.override(contact.effective_language):
                subject, text = compose.attachments_refused(ticket=ticket, name=contact.name, refused=refused)
            notice_send(
                kind="attachments",
                key=row.message_id,
                to=mail.from_address,
                subject=subject,
                body=text,
                provider=ticket.provider,
                in_reply_to=row.message_id,
                ticket=ticket,
            )
        return None

    # New case ------------------------------------------------------------------------------------

    def _new(self, contact: Contact | None = None) -> None:
        from tierdesk.tickets.models import EventKind
        from tierdesk.tickets.services import EntitlementError, TicketError, ticket_open

        mail = self.mail
        assert mail is not None
        provider = contact.customer.provider if contact is not None else self._provider(required=True)
        assert provider is not None
        first = self._claim(provider)
        if first is not None:
            return self._duplicate(first)
        if contact is None:
            contact = contact_for_address(mail.from_address, provider=provider)
        if contact is None:
            if conf.unknown_senders() == "refuse":
                return self._refuse_unknown(provider)
            customer = self._customer_by_domain(provider) or self._unknown_senders_customer(provider)
            self.data["unknown_sender"] = mail.from_address
        else:
            customer = contact.customer
        accepted, refused = self._attachments()
        context = self._context(refused, accepted)
        subject = mail.subject.strip() or self._fallback_subject(provider, contact)
        if self.data.get("follow_up_of") and self.data["follow_up_of"] not in subject:
            subject = f"{subject} ({self.data['follow_up_of']})"
        with inbound(context):
            try:
                ticket = ticket_open(
                    customer=customer,
                    contact=contact,
                    subject=subject,
                    body=mail.text,
                    channel=Channel.EMAIL,
                    actor=contact,
                )
            except EntitlementError as exc:
                return self._refuse_entitlement(provider, customer, contact, str(exc))
            except TicketError as exc:
                raise MailError(str(exc)) from None
        event = next((e for e in context.events if e.kind == EventKind.OPENED), None)
        self._finish(ticket, event, accepted, refused, contact, Outcome.CREATED)
        return None

    def _finish(self, ticket: Any, event: Any, accepted: list[_Accepted], refused: list[dict[str, Any]],
                contact: Contact | None, outcome: str) -> None:  # fmt: skip
        from tierdesk.tickets.services import ticket_attachment_add

        row = self.row
        row.outcome = outcome
        row.ticket = ticket
        row.event = event
        row.provider_id = ticket.provider_id
        if refused:
            self.data["refused_attachments"] = refused
        stored = []
        for item in accepted:
            attachment = ticket_attachment_add(
                ticket=ticket,
                event=event,
                filename=item.filename,
                content_type=item.content_type,
                content=item.data,
                inline=item.inline,
                content_id=item.content_id,
                at=self.now,
            )
            self.written.append(attachment.file.name)
            stored.append(attachment.pk)
        if stored:
            self.data["attachments"] = stored
        self._participants(ticket, contact)

    def _participants(self, ticket: Any, sender: Contact | None) -> None:
        """Colleagues the sender copied who are contacts of the same customer follow the case; so does
        a sender who is not a contact yet (an ad hoc case)."""
        mail = self.mail
        assert mail is not None
        known = {ticket.contact.email.lower()} if ticket.contact is not None else set()
        candidates = {mail.from_address, *mail.to, *mail.cc} - known - own_addresses() - {""}
        rows = []
        if candidates - {mail.from_address} or (sender is not None and mail.from_address in candidates):
            contacts = Contact.objects.annotate(address=Lower("email")).filter(
                customer_id=ticket.customer_id, is_active=True, address__in=candidates
            )
            rows = [
                MailParticipant(ticket=ticket, address=c.address, contact=c, added_at=self.now)
                for c in contacts
            ]
        if sender is None and mail.from_address:
            rows.append(
                MailParticipant(ticket=ticket, address=mail.from_address, contact=None, added_at=self.now)
            )
        if rows:
            MailParticipant.objects.bulk_create(rows, ignore_conflicts=True)

    # Routing ------------------------------------------------------------------------------------

    def _provider(self, *, required: bool) -> Provider | None:
        row, mail = self.row, self.mail
        providers = providers_cached()
        if row.provider_hint:
            found = next((p for p in providers if p.slug == row.provider_hint), None)
            if found is None and required:
                raise MailError(
                    f"The mailbox is set up for provider {row.provider_hint!r}, which does not exist."
                )
            return found
        by_address = {p.email.lower(): p for p in providers if p.email}
        written_to = [*(mail.addresses if mail else []), *row.recipients]
        for address in written_to:
            if address in by_address:
                return by_address[address]
        if mail is not None and mail.from_address:
            ids = set(
                Contact.objects.filter(email__iexact=mail.from_address, is_active=True).values_list(
                    "customer__provider_id", flat=True
                )
            )
            if len(ids) == 1:
                return next(p for p in providers if p.pk in ids)
        if len(providers) == 1:
            return providers[0]
        if required:
            raise MailError(
                "Could not tell which provider this message is for: it was not written to a provider's "
                "address and did not come through a provider's mailbox."
            )
        return None

    def _customer_by_domain(self, provider: Provider) -> Customer | None:
        mail = self.mail
        assert mail is not None
        domain = mail.from_address.rpartition("@")[2]
        for customer in Customer.objects.filter(provider=provider, is_active=True).only(
            "id", "email_domains"
        ):
            if domain in [d.lower().lstrip("@") for d in customer.email_domains or []]:
                return Customer.objects.select_related("provider").get(pk=customer.pk)
        return None

    def _unknown_senders_customer(self, provider: Provider) -> Customer:
        """The provider's customer for senders nobody knows: no contract, so their cases are ad hoc."""
        defaults = {
            "name": "Unknown senders",
            "language": provider.language,
            "timezone": provider.timezone,
            "notes": "Cases from e-mail senders who are not contacts of any customer "
            "(TIERDESK_MAIL_UNKNOWN_SENDERS=adhoc).",
        }
        try:
            with transaction.atomic():
                customer, _created = Customer.objects.get_or_create(
                    provider=provider, slug=UNKNOWN_SENDERS_SLUG, defaults=defaults
                )
        except IntegrityError:
            customer = Customer.objects.get(provider=provider, slug=UNKNOWN_SENDERS_SLUG)
        return customer

    # Refusals -----------------------------------------------------------------------------------

    def _language(
        self, provider: Provider | None, contact: Contact | None, customer: Customer | None = None
    ) -> str:
        if contact is not None:
            language = contact.effective_language
        elif self.mail is not None and self.mail.language:
            language = self.mail.language
        elif customer is not None:
            language = customer.language
        else:
            language = provider.language if provider is not None else "en"
        return language if language in LANGUAGE_CODES else "en"

    def _autoreply_ok(self) -> bool:
        return self.mail is not None and not self.quiet and not suppress_autoreply(self.mail)

    def _refuse_unknown(self, provider: Provider) -> None:
        row, mail = self.row, self.mail
        assert mail is not None
        row.outcome = Outcome.REFUSED
        row.provider = provider
        self.data["refused"] = "unknown sender"
        if self._autoreply_ok():
            with translation.override(self._language(provider, None)):
                subject, body = compose.unknown_sender(
                    provider=provider, address=mail.from_address, subject=mail.subject, now=self.now
                )
            # At most one such answer per address and day: a forged sender must not turn the desk
            # into a relay (Zendesk's "email bombs").
            notice_send(
                kind="unknown",
                key=f"{provider.pk}:{self.now:%Y-%m-%d}",
                to=mail.from_address,
                subject=subject,
                body=body,
                provider=provider,
                in_reply_to=row.message_id,
            )
        return None

    def _refuse_entitlement(
        self, provider: Provider, customer: Customer, contact: Contact | None, why: str
    ) -> None:
        from tierdesk.tickets.services import contract_for

        row, mail = self.row, self.mail
        assert mail is not None
        row.outcome = Outcome.REFUSED
        row.provider = provider
        self.data["refused"] = why
        contract = contract_for(customer=customer, at=self.now)
        plan = contract.plan if contract is not None else provider.plans.filter(adhoc=True).first()
        if plan is None or not self._autoreply_ok():
            return None
        timezone = contact.effective_timezone if contact is not None else customer.timezone
        with translation.override(self._language(provider, contact, customer)):
            subject, body = compose.not_entitled(
                provider=provider,
                plan=plan,
                name=contact.name if contact is not None else mail.from_name,
                subject=mail.subject,
                timezone=timezone,
                now=self.now,
            )
        notice_send(
            kind="entitlement",
            key=f"{provider.pk}:{self.now:%Y-%m-%d}",
            to=mail.from_address,
            subject=subject,
            body=body,
            provider=provider,
            in_reply_to=row.message_id,
        )
        return None

    def _refuse_foreign(self, ticket: Any) -> None:
        row, mail = self.row, self.mail
        assert mail is not None
        row.outcome = Outcome.REFUSED
        row.provider_id = ticket.provider_id
        self.data["refused"] = f"not a contact of the customer of {ticket.number}"
        if self._autoreply_ok():
            with translation.override(self._language(ticket.provider, None)):
                subject, body = compose.foreign_case(
                    provider=ticket.provider, number=ticket.number, subject=mail.subject
                )
            notice_send(
                kind="foreign",
                key=f"{ticket.pk}:{self.now:%Y-%m-%d}",
                to=mail.from_address,
                subject=subject,
                body=body,
                provider=ticket.provider,
                in_reply_to=row.message_id,
            )
        return None

    # Content ------------------------------------------------------------------------------------

    def _attachments(self) -> tuple[list[_Accepted], list[dict[str, Any]]]:
        mail = self.mail
        assert mail is not None
        limit = conf.max_attachment_bytes()
        types = conf.attachment_types()
        accepted, refused = [], []
        for index, part in enumerate(mail.attachments, start=1):
            content_type = detect(part.data, filename=part.filename, declared=part.declared_type)
            extension = _EXTENSIONS.get(content_type, "bin")
            name = (
                safe_filename(part.filename, fallback=f"attachment-{index}.{extension}")
                if part.filename
                else (f"{'image' if part.inline else 'attachment'}-{index}.{extension}")
            )
            item = {
                "filename": name,
                "size": len(part.data),
                "content_type": content_type,
                "inline": part.inline,
            }
            if len(part.data) > limit:
                refused.append({**item, "reason": "size", "limit": limit})
            elif not allowed(content_type, types):
                refused.append({**item, "reason": "type"})
            else:
                accepted.append(_Accepted(part.data, name, content_type, part.inline, part.content_id))
        return accepted, refused

    def _context(self, refused: list[dict[str, Any]], accepted: list[_Accepted]) -> Inbound:
        mail = self.mail
        assert mail is not None
        return Inbound(
            message_id=self.row.message_id,
            sender=mail.from_address,
            sender_name=mail.from_name,
            language=mail.language,
            suppress_autoreply=self.quiet or suppress_autoreply(mail),
            # Screenshots: attached images, or pasted ones (inline, larger than a signature logo).
            has_images=any(
                a.content_type.startswith("image/") and (not a.inline or len(a.data) > 20_000)
                for a in accepted
            ),
            refused=[r for r in refused if not r.get("inline")],
        )

    def _placeholder(self, provider: Provider, contact: Contact | None) -> str:
        with translation.override(self._language(provider, contact)):
            return _("(message without text)")

    def _fallback_subject(self, provider: Provider, contact: Contact | None) -> str:
        mail = self.mail
        assert mail is not None
        first_line = next((line.strip() for line in mail.text.splitlines() if line.strip()), "")
        if first_line:
            return first_line[:80]
        with translation.override(self._language(provider, contact)):
            return _("(no subject)")


_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
    "text/plain": "txt",
    "text/calendar": "ics",
    "text/csv": "csv",
    "message/rfc822": "eml",
    "application/zip": "zip",
    "text/html": "html",
}
_MSGID_BYTES = re.compile(rb"<([^<>\s@]{1,200}@[^<>\s]{1,200})>")


def _ids_in(raw: bytes) -> list[str]:
    return [m.decode("ascii", "replace") for m in _MSGID_BYTES.findall(raw[:200_000])][:100]


def mail_content_for_events(event_ids: list[int]) -> dict[int, dict[str, Any]]:
    """For the console: {event id: {"display": text without quoted history or "", "html": sanitised
    HTML or "", "message": inbound row id}} for events that came by e-mail. One query."""
    rows = InboundMessage.objects.filter(event_id__in=event_ids).values(
        "event_id", "display_text", "html", "id"
    )
    return {
        r["event_id"]: {"display": r["display_text"], "html": r["html"], "message": r["id"]} for r in rows
    }
