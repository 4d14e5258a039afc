"""Who is told what by e-mail when something happens on a case (called by `notify.events.event_notify`,
inside the transaction that records the event).

Rules:

* Only events the customer can see (`public`) and that are news to them: the opening (the
  acknowledgement), an agent's reply, waiting-on-customer / resolved / closed, a severity change,
  ad hoc acceptance or decline, an on-site visit decided. Never internal notes, assignments, the
  customer's own messages, or an event the recipient did themselves (except the acknowledgement).
* The acknowledgement goes to the requester; everything else to the case's contact and its e-mail
  participants (colleagues they copied, who are contacts of the same customer).
* Each recipient gets the mail in their language and time zone; one outbox row per (event, address),
  so a retried transaction cannot send twice.
* No automatic mail to a sender who asked for none (X-Auto-Response-Suppress, no-reply addresses),
  and never to one of the desk's own addresses.
* Every mail carries our Message-ID (the outbox's), In-Reply-To and References to the customer's last
  message and our earlier mails on the case, the case number in the subject, Reply-To the desk, and
  `Auto-Submitted` (auto-replied for answers to a message, auto-generated otherwise).
"""

from __future__ import annotations

import copy
import hashlib
import time
from datetime import datetime
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils import translation

from tierdesk.catalog.models import ChannelAccess, Plan, Provider, SlaTarget
from tierdesk.catalog.vocabulary import Channel
from tierdesk.i18n import LANGUAGE_CODES

from . import compose, conf
from .context import Inbound, current

NEWS = {
    "opened",
    "reply",
    "status",
    "severity",
    "adhoc_accepted",
    "adhoc_declined",
    "onsite_required",
}
STATUS_NEWS = {"waiting_customer", "resolved", "closed"}
PLAN_TTL = 60.0

_plans: dict[int, tuple[float, datetime, Plan]] = {}


def plan_with_catalog(plan: Plan) -> Plan:
    """The plan with its targets, channels, prices and calendars loaded, cached per process for a
    minute (and until the plan row changes), so an acknowledgement costs no catalog queries."""
    hit = _plans.get(plan.pk)
    now = time.monotonic()
    if hit is not None and hit[1] == plan.updated_at and now - hit[0] < PLAN_TTL:
        return hit[2]
    fresh = (
        Plan.objects.select_related("calendar", "provider")
        .prefetch_related(
            Prefetch("targets", queryset=SlaTarget.objects.select_related("severity", "calendar")),
            Prefetch("channels", queryset=ChannelAccess.objects.select_related("calendar")),
            "prices",
        )
        .get(pk=plan.pk)
    )
    _plans[plan.pk] = (now, fresh.updated_at, fresh)
    return fresh


_providers: tuple[float, list[Provider]] | None = None
PROVIDERS_TTL = 30.0


def providers_cached() -> list[Provider]:
    """Every provider, read at most every 30 s per process: intake needs them for each message
    (routing, our own addresses), and they change only when a catalog is loaded."""
    global _providers
    now = time.monotonic()
    if _providers is None or now - _providers[0] > PROVIDERS_TTL:
        _providers = (now, list(Provider.objects.all()))
    return _providers[1]


def caches_clear(**kwargs: Any) -> None:
    """Forget the cached providers and plans (connected to their saves; other processes catch up
    within the TTLs)."""
    global _providers
    _providers = None
    _plans.clear()


def own_addresses() -> set[str]:
    """The desk's own addresses: mail from them is a loop, and nothing is ever sent to them."""
    addresses = set(conf.own_addresses())
    addresses.add(parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower())
    addresses.update(p.email.lower() for p in providers_cached() if p.email)
    return addresses


def _language(contact: Any, customer: Any, inbound: Inbound | None) -> str:
    if contact is not None:
        language = contact.effective_language
    elif inbound is not None and inbound.language:
        language = inbound.language
    else:
        language = customer.language
    return language if language in LANGUAGE_CODES else "en"


def _headers(
    provider: Provider, in_reply_to: str | None, references: list[str], *, auto: str
) -> dict[str, str]:
    address = compose.desk_address(provider)
    headers = {
        "From": formataddr((f"{provider.name}", address)) if provider.email else settings.DEFAULT_FROM_EMAIL,
        "Reply-To": address,
        "Auto-Submitted": auto,
        "X-Auto-Response-Suppress": "All",
    }
    if in_reply_to:
        headers["In-Reply-To"] = _bracket(in_reply_to)
    refs = []
    for ref in references:
        ref = _bracket(ref)
        if ref not in refs:
            refs.append(ref)
    if refs:
        headers["References"] = " ".join(refs[-12:])
    return headers


def _bracket(message_id: str) -> str:
    message_id = message_id.strip()
    return message_id if message_id.startswith("<") else f"<{message_id}>"


def _key(kind: str, ident: Any, address: str) -> str:
    return f"{kind}:{ident}:{hashlib.sha256(address.encode()).hexdigest()[:24]}"


def _thread(ticket: Any) -> tuple[str | None, list[str]]:
    """(In-Reply-To, References) for a mail on an existing case: the customer's last message, after
    the first message of the case and our latest mails."""
    from tierdesk.notify.models import OutboundEmail

    from .models import InboundMessage

    inbound = list(
        InboundMessage.objects.filter(ticket=ticket, outcome__in=("created", "replied"))
        .order_by("id")
        .values_list("message_id", flat=True)
    )
    ours = list(
        OutboundEmail.objects.filter(ticket=ticket).order_by("-id").values_list("message_id", flat=True)[:8]
    )
    ours.reverse()
    parent = inbound[-1] if inbound else (ours[-1] if ours else None)
    references = inbound[:1] + ours + ([parent] if parent else [])
    return parent, references


def _recipients(ticket: Any, inbound: Inbound | None, *, requester_only: bool) -> list[tuple[str, Any]]:
    """(address, contact or None) pairs, the requester first."""
    from .models import MailParticipant

    out: dict[str, Any] = {}
    contact = ticket.contact
    if contact is not None and contact.is_active and contact.email:
        out[contact.email.lower()] = contact
    elif inbound is not None and inbound.sender:
        out[inbound.sender] = None
    if not requester_only:
        for participant in MailParticipant.objects.filter(ticket=ticket).select_related("contact__customer"):
            if participant.contact is None or participant.contact.is_active:
                out.setdefault(participant.address.lower(), participant.contact)
    return list(out.items())


def notify_customer(*, event: Any) -> None:
    """Write the outbox rows this event calls for (see the module docstring)."""
    inbound = current()
    if inbound is not None:
        inbound.events.append(event)
    if not event.public or event.kind not in NEWS:
        return
    data = event.data or {}
    if event.kind == "status" and data.get("to") not in STATUS_NEWS:
        return
    ticket = event.ticket
    if event.kind == "opened" and ticket.channel == Channel.MONITORING:
        return
    if event.kind == "status" and data.get("to") == "closed" and ticket.adhoc_status == "declined":
        return  # the decline itself was the news
    if inbound is not None and inbound.suppress_autoreply:
        return

    from tierdesk.notify.services import outbound_email_enqueue

    opened = event.kind == "opened"
    recipients = _recipients(ticket, inbound, requester_only=opened)
    if not recipients:
        return
    own = own_addresses()
    if opened:
        in_reply_to = inbound.message_id if inbound is not None else None
        references = [in_reply_to] if in_reply_to else []
    else:
        in_reply_to, references = _thread(ticket)
    headers = _headers(
        ticket.provider,
        in_reply_to,
        references,
        auto="auto-replied" if opened and inbound else "auto-generated",
    )
    extra = _prepare(event, ticket)
    for address, contact in recipients:
        if address in own:
            continue
        if not opened and contact is not None and contact.pk == event.actor_contact_id:
            continue  # their own action
        language = _language(contact, ticket.customer, inbound)
        timezone = contact.effective_timezone if contact is not None else ticket.customer.timezone
        name = contact.name if contact is not None else (inbound.sender_name if inbound else "")
        with translation.override(language):
            composed = _compose(event, ticket, extra, name=name, timezone=timezone, inbound=inbound)
        if composed is None:
            continue
        subject, body = composed
        outbound_email_enqueue(
            dedupe_key=_key("event", event.pk, address),
            to=[address],
            subject=subject,
            body=body,
            ticket=ticket,
            headers=headers,
        )


def _prepare(event: Any, ticket: Any) -> dict[str, Any]:
    """What every recipient's mail about this event needs, computed once."""
    extra: dict[str, Any] = {}
    if event.kind == "opened" and ticket.plan is not None:
        from tierdesk.tickets.clocks import clocks_derive

        # The services refresh the stored clocks after recording the event, so derive them here from
        # the same inputs (a pure function of the history; DESIGN.md principle 2).
        shadow = copy.copy(ticket)
        shadow.plan = plan_with_catalog(ticket.plan)
        extra["clocks"] = clocks_derive(shadow, [event], now=event.at)
        extra["plan"] = shadow.plan
    elif event.kind == "severity":
        levels = {s.level: s.label for s in ticket.provider.severities.all()}
        data = event.data or {}
        extra["old"] = levels.get(data.get("from"), str(data.get("from")))
        extra["new"] = levels.get(data.get("to"), str(data.get("to")))
    elif event.kind == "onsite_required" and ticket.plan is not None:
        from tierdesk import clock
        from tierdesk.tickets.clocks import clocks_derive

        shadow = copy.copy(ticket)
        shadow.plan = plan_with_catalog(ticket.plan)
        events = list(ticket.events.order_by("at", "id"))
        states = clocks_derive(shadow, events, now=clock.now())
        extra["onsite_due"] = next((c.due_at for c in states if c.metric == "onsite"), None)
    return extra


def _compose(
    event: Any, ticket: Any, extra: dict[str, Any], *, name: str, timezone: str, inbound: Inbound | None
) -> tuple[str, str] | None:
    data = event.data or {}
    if event.kind == "opened":
        if "plan" in extra:
            ticket = copy.copy(ticket)
            ticket.plan = extra["plan"]
        return compose.acknowledgement(
            ticket=ticket,
            name=name,
            timezone=timezone,
            clocks=extra.get("clocks", []),
            body=event.body,
            has_images=inbound.has_images if inbound is not None else False,
            refused=inbound.refused if inbound is not None else [],
            opened_at=event.at,
        )
    if event.kind == "reply":
        agent = ""
        if event.actor_user is not None:
            agent = event.actor_user.get_full_name() or event.actor_user.get_username()
        return compose.agent_reply(ticket=ticket, name=name, text=event.body, agent=agent)
    if event.kind == "status":
        return compose.status_changed(
            ticket=ticket, name=name, to=data.get("to", ""), reason=event.body, at=event.at, timezone=timezone
        )
    if event.kind == "severity":
        return compose.severity_changed(
            ticket=ticket,
            name=name,
            old=extra["old"],
            new=extra["new"],
            downgrade=bool(data.get("downgrade")),
            reason=event.body,
        )
    if event.kind == "adhoc_accepted":
        return compose.adhoc_accepted(ticket=ticket, name=name, data=data, note=event.body)
    if event.kind == "adhoc_declined":
        return compose.adhoc_declined(ticket=ticket, name=name, reason=event.body)
    if event.kind == "onsite_required":
        return compose.onsite_required(
            ticket=ticket, name=name, note=event.body, due=extra.get("onsite_due"), timezone=timezone
        )
    return None


def notice_send(
    *,
    kind: str,
    key: str,
    to: str,
    subject: str,
    body: str,
    provider: Provider | None,
    in_reply_to: str,
    ticket: Any = None,
) -> bool:
    """An automatic answer to one message (refusal, attachments refused, too large): once per `key`,
    never to our own addresses. Returns whether a row was written."""
    from tierdesk.notify.services import outbound_email_enqueue

    if not to or to in own_addresses():
        return False
    if provider is None:
        headers = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
        headers["In-Reply-To"] = _bracket(in_reply_to)
        headers["References"] = _bracket(in_reply_to)
    else:
        headers = _headers(provider, in_reply_to, [in_reply_to], auto="auto-replied")
    row = outbound_email_enqueue(
        dedupe_key=_key(f"notice-{kind}", key, to)[:200],
        to=[to],
        subject=subject,
        body=body,
        ticket=ticket,
        headers=headers,
    )
    return row is not None
