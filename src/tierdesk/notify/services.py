"""Enqueue and send outgoing mail; create agents' notifications. All idempotent by key."""

from __future__ import annotations

import logging
import socket
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction

from tierdesk import clock

from .models import Notification, OutboundEmail

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
CLAIM_TIMEOUT = timedelta(minutes=10)


def outbound_email_enqueue(
    *,
    dedupe_key: str,
    to: list[str],
    subject: str,
    body: str,
    ticket=None,
    headers: dict[str, str] | None = None,
) -> OutboundEmail | None:
    """Write an e-mail to the outbox, once per `dedupe_key`, and wake the sender after commit.

    Returns None when a message with that key already exists (the caller's effect already happened).
    """
    recipients = sorted({address for address in to if address})
    if not recipients:
        return None
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or socket.getfqdn()
    try:
        with transaction.atomic():
            message = OutboundEmail.objects.create(
                dedupe_key=dedupe_key,
                message_id=f"<{uuid.uuid4().hex}@{domain}>",
                to=recipients,
                subject=subject[:255],
                body=body,
                headers=headers or {},
                ticket=ticket,
                send_after=clock.now(),
            )
    except IntegrityError:
        return None
    from tierdesk.jobs import outbox_send, wake_on_commit

    wake_on_commit(outbox_send)
    return message


def outbox_send_pending(*, limit: int = 100, now: datetime | None = None) -> int:
    """Send what is due. Each row is claimed with a conditional UPDATE first, so concurrent senders
    never send the same message twice; rows a killed sender left in `sending` are reclaimed after
    CLAIM_TIMEOUT. Returns the number sent."""
    now = now or clock.now()
    OutboundEmail.objects.filter(
        state=OutboundEmail.State.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT
    ).update(state=OutboundEmail.State.PENDING)
    due = list(
        OutboundEmail.objects.filter(state=OutboundEmail.State.PENDING, send_after__lte=now)
        .order_by("send_after", "id")
        .values_list("id", flat=True)[:limit]
    )
    sent = 0
    connection = None
    for pk in due:
        claimed = OutboundEmail.objects.filter(pk=pk, state=OutboundEmail.State.PENDING).update(
            state=OutboundEmail.State.SENDING, claimed_at=now
        )
        if claimed != 1:
            continue  # another sender has it
        message = OutboundEmail.objects.get(pk=pk)
        try:
            connection = connection or get_connection()
            EmailMessage(
                subject=message.subject,
                body=message.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=message.to,
                headers={
                    "Message-ID": message.message_id,
                    "Auto-Submitted": "auto-generated",
                    **message.headers,
                },
                connection=connection,
            ).send()
        except Exception as exc:
            attempts = message.attempts + 1
            OutboundEmail.objects.filter(pk=pk).update(
                state=OutboundEmail.State.FAILED if attempts >= MAX_ATTEMPTS else OutboundEmail.State.PENDING,
                attempts=attempts,
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
                send_after=now + timedelta(minutes=2**attempts),
            )
            log.warning("sending %s failed (attempt %s): %s", message.message_id, attempts, exc)
            connection = None
            continue
        OutboundEmail.objects.filter(pk=pk).update(
            state=OutboundEmail.State.SENT, sent_at=clock.now(), attempts=message.attempts + 1, last_error=""
        )
        sent += 1
    return sent


def notification_create(*, user, ticket, kind: str, text: str, dedupe_key: str) -> Notification | None:
    try:
        with transaction.atomic():
            return Notification.objects.create(
                user=user,
                ticket=ticket,
                kind=kind,
                text=text[:255],
                dedupe_key=dedupe_key,
                created_at=clock.now(),
            )
    except IntegrityError:
        return None
