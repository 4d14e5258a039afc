"""Every write operation on tickets. Console, portal, e-mail, API, monitoring and the importer all
call these functions; nothing else writes tickets (STYLE.md, habit 1).

Each operation validates, writes its change and the event that records it in one transaction, then
re-derives the ticket's SLA clocks from the whole history (`clocks_refresh`).
"""

from __future__ import annotations

import hashlib
import zoneinfo
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from tierdesk import clock
from tierdesk.accounts.models import Agent, Team, User
from tierdesk.catalog.models import ChannelAccess, Impact, Plan, Provider, Severity, SeverityRule, Urgency
from tierdesk.catalog.vocabulary import Channel, Metric
from tierdesk.customers.models import Contact, Contract, Customer

from .clocks import BulkDueResolver, ClockState, clocks_derive, ticket_sla_summary
from .events import Actor, event_record
from .models import (
    OPEN_STATUSES,
    AdhocStatus,
    Attachment,
    CaseSequence,
    EventKind,
    SlaClock,
    SlaState,
    Status,
    Ticket,
    TicketEvent,
    TicketType,
)


class TicketError(ValueError):
    """A ticket operation refused for a reason the caller should show to the user."""


class EntitlementError(TicketError):
    """The customer's plan does not include what was asked (a channel, a service)."""


class TransitionError(TicketError):
    """The ticket cannot move to that status from where it is."""


# -- opening --------------------------------------------------------------------------------------


def case_number_next(*, provider: Provider, at: datetime) -> str:
    """The next case number for the provider, e.g. ``NX-2026-000123``: prefix, year of opening in the
    provider's time zone, and a sequence that restarts every year. Safe under concurrent callers: the
    increment is a single UPDATE on a row that exists before it runs."""
    prefix = provider.case_prefix or settings.TIERDESK_CASE_PREFIX
    year = at.astimezone(zoneinfo.ZoneInfo(provider.timezone)).year
    with transaction.atomic():
        try:
            with transaction.atomic():
                CaseSequence.objects.get_or_create(prefix=prefix, year=year)
        except IntegrityError:
            pass  # another transaction created the row first; it exists now
        CaseSequence.objects.filter(prefix=prefix, year=year).update(last=F("last") + 1)
        last = CaseSequence.objects.values_list("last", flat=True).get(prefix=prefix, year=year)
    return f"{prefix}-{year}-{last:06d}"


def contract_for(*, customer: Customer, at: datetime) -> Contract | None:
    """The customer's contract in force at `at` (the provider's local date); the highest plan wins if
    several overlap."""
    day = at.astimezone(zoneinfo.ZoneInfo(customer.provider.timezone)).date()
    return (
        Contract.objects.active_on(day)
        .filter(customer=customer)
        .select_related("plan__provider", "plan__calendar")
        .order_by("-plan__rank", "-starts_on")
        .first()
    )


def severity_for(*, provider: Provider, impact: Impact | None, urgency: Urgency | None) -> Severity:
    """The severity the provider's impact × urgency matrix gives; the least severe level without both."""
    if impact is not None and urgency is not None:
        if impact.provider_id != provider.pk or urgency.provider_id != provider.pk:
            raise TicketError(_("The impact and urgency must be those of the customer's provider."))
        rule = SeverityRule.objects.select_related("severity").filter(impact=impact, urgency=urgency).first()
        if rule is not None:
            return rule.severity
    least = provider.severities.order_by("-level").first()
    if least is None:
        raise TicketError(f"provider {provider.slug} has no severities")
    return least


def channel_access_for(*, plan: Plan, channel: str) -> ChannelAccess | None:
    return next((c for c in plan.channels.select_related("calendar") if c.channel == channel), None)


def _is_agent(actor: Actor) -> bool:
    return isinstance(actor, User) and (actor.is_superuser or hasattr(actor, "agent"))


def _require_agent(actor: Actor) -> User:
    if not _is_agent(actor):
        raise TicketError(_("Only the desk's agents may do this."))
    assert isinstance(actor, User)
    return actor


@transaction.atomic
def ticket_open(
    *,
    customer: Customer,
    contact: Contact | None,
    subject: str,
    body: str,
    channel: Channel | str,
    actor: Actor,
    impact: Impact | None = None,
    urgency: Urgency | None = None,
    type: TicketType | str = TicketType.INCIDENT,
    opened_at: datetime | None = None,
    severity: int | None = None,
    severity_reason: str = "",
) -> Ticket:
    """Open a case for a customer, under the contract in force when it was opened.

    Steps: validate; resolve the contract (none: an ad hoc case awaiting an agent's acceptance, on
    the provider's ad hoc plan if it has one); check the channel is in the plan (an e-mail at night
    is accepted, its clocks start at the next opening); severity from the matrix, or as an agent sets
    it; number; record; derive the clocks.
    """
    subject = " ".join(subject.split())
    if not subject:
        raise TicketError(_("A case needs a subject."))
    if contact is not None and contact.customer_id != customer.pk:
        raise TicketError(_("The contact does not belong to this customer."))
    if channel not in Channel.values:
        raise TicketError(_("Unknown channel %(channel)s.") % {"channel": channel})
    if type not in TicketType.values:
        raise TicketError(_("Unknown case type %(type)s.") % {"type": type})
    if not customer.is_active:
        raise TicketError(_("%(customer)s is not an active customer.") % {"customer": customer.name})
    now = clock.now()
    opened_at = opened_at or now
    if opened_at.tzinfo is None:
        raise TicketError(_("The opening time must carry a time zone."))
    if opened_at > now:
        raise TicketError(_("A case cannot be opened in the future."))

    provider = customer.provider
    contract = contract_for(customer=customer, at=opened_at)
    plan: Plan | None = contract.plan if contract else provider.plans.filter(adhoc=True).first()
    channel_data: dict[str, Any] = {"channel": str(channel)}
    if plan is not None and channel != Channel.API:
        access = channel_access_for(plan=plan, channel=channel)
        if access is None:
            offered = ", ".join(str(Channel(c.channel).label) for c in plan.channels.all()) or "—"
            raise EntitlementError(
                _("The %(plan)s plan does not include %(channel)s. It includes: %(offered)s.")
                % {"plan": plan.name, "channel": Channel(channel).label, "offered": offered}
            )
        hours = access.calendar.as_sla()
        if not hours.is_open(opened_at):
            channel_data["outside_channel_hours"] = True
            channel_data["channel_opens_at"] = hours.next_open(opened_at).isoformat()

    matrix_severity = severity_for(provider=provider, impact=impact, urgency=urgency)
    chosen = matrix_severity
    if severity is not None:
        chosen = _severity_level(provider, severity)
        if chosen != matrix_severity and impact is not None and urgency is not None:
            _require_agent(actor)
            if not severity_reason.strip():
                raise TicketError(_("Give a reason for setting a severity other than the matrix gives."))

    ticket = Ticket.objects.create(
        number=case_number_next(provider=provider, at=opened_at),
        provider=provider,
        customer=customer,
        contact=contact,
        contract=contract,
        plan=plan,
        type=type,
        channel=channel,
        impact=impact,
        urgency=urgency,
        severity=chosen,
        subject=subject[:255],
        opened_at=opened_at,
        adhoc_status=AdhocStatus.NONE if contract else AdhocStatus.PENDING,
    )
    data = {**channel_data, "severity": chosen.level}
    if chosen != matrix_severity:
        data.update(matrix_severity=matrix_severity.level, severity_reason=severity_reason.strip())
    event_record(
        ticket=ticket, kind=EventKind.OPENED, at=opened_at, actor=actor, public=True, body=body, data=data
    )
    clocks_refresh(ticket=ticket)
    return ticket


def _severity_level(provider: Provider, level: int) -> Severity:
    found = provider.severities.filter(level=level).first()
    if found is None:
        levels = list(provider.severities.values_list("level", flat=True))
        raise TicketError(
            _("Severity %(level)s is not one of %(provider)s's levels (%(levels)s).")
            % {"level": level, "provider": provider.name, "levels": ", ".join(map(str, levels))}
        )
    return found


# -- conversation ---------------------------------------------------------------------------------


def _when(ticket: Ticket, at: datetime | None) -> datetime:
    """When the action happened: now, or for an import from another desk a past instant, which may
    not precede the case's opening nor lie in the future."""
    now = clock.now()
    if at is None:
        return now
    if at.tzinfo is None:
        raise TicketError(_("The time must carry a time zone."))
    if at > now:
        raise TicketError(_("An action cannot be recorded in the future."))
    if at < ticket.opened_at:
        raise TicketError(_("An action cannot precede the opening of the case."))
    return at


def _lock(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock: two agents acting at once see each other's change."""
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("plan__calendar", "provider", "severity")
        .get(pk=ticket.pk)
    )


def _refresh_caller(caller: Ticket, fresh: Ticket) -> Ticket:
    for field in (
        "status",
        "severity_id",
        "assignee_id",
        "team_id",
        "resolved_at",
        "closed_at",
        "adhoc_status",
        "subject",
        "type",
        "next_due_at",
        "sla_state",
        "updated_at",
    ):
        setattr(caller, field, getattr(fresh, field))
    caller.severity = fresh.severity
    return caller


@transaction.atomic
def ticket_reply(*, ticket: Ticket, actor: Actor, body: str, at: datetime | None = None) -> Ticket:
    """A message on the case that the customer sees: from an agent (which answers the customer and
    counts as a response and an update) or from the customer's contact."""
    body = body.strip()
    if not body:
        raise TicketError(_("The message is empty."))
    fresh = _lock(ticket)
    now = _when(fresh, at)
    if isinstance(actor, Contact):
        if actor.customer_id != fresh.customer_id:
            raise TicketError(_("The contact does not belong to this customer."))
        if fresh.status in (Status.RESOLVED, Status.CLOSED):
            _reopen_or_refuse(fresh, actor, now, reason=_("The customer replied."))
        event_record(
            ticket=fresh, kind=EventKind.CUSTOMER_MESSAGE, at=now, actor=actor, public=True, body=body
        )
        if fresh.status == Status.WAITING_CUSTOMER:
            _set_status(fresh, Status.IN_PROGRESS, actor, now, reason=_("The customer replied."))
    else:
        _require_agent(actor)
        _ensure_workable(fresh)
        event_record(ticket=fresh, kind=EventKind.REPLY, at=now, actor=actor, public=True, body=body)
        if fresh.status == Status.NEW:
            _set_status(fresh, Status.ACKNOWLEDGED, actor, now)
    clocks_refresh(ticket=fresh)
    return _refresh_caller(ticket, fresh)


@transaction.atomic
def ticket_note(*, ticket: Ticket, actor: Actor, body: str, at: datetime | None = None) -> Ticket:
    """An internal note: agents only, never shown to the customer, no effect on the clocks."""
    _require_agent(actor)
    body = body.strip()
    if not body:
        raise TicketError(_("The note is empty."))
    fresh = _lock(ticket)
    event_record(ticket=fresh, kind=EventKind.NOTE, at=_when(fresh, at), actor=actor, public=False, body=body)
    return _refresh_caller(ticket, fresh)


@transaction.atomic
def ticket_log_call(
    *,
    ticket: Ticket,
    actor: Actor,
    body: str,
    direction: str = "outbound",
    minutes: int | None = None,
    at: datetime | None = None,
) -> Ticket:
    """A phone call with the customer, logged by an agent: it counts as a response and an update."""
    _require_agent(actor)
    if direction not in ("inbound", "outbound"):
        raise TicketError(_("A call is inbound or outbound."))
    if minutes is not None and not 0 <= minutes <= 24 * 60:
        raise TicketError(_("A call lasts between 0 and 1440 minutes."))
    fresh = _lock(ticket)
    _ensure_workable(fresh)
    now = _when(fresh, at)
    event_record(
        ticket=fresh,
        kind=EventKind.CALL,
        at=now,
        actor=actor,
        public=True,
        body=body.strip(),
        data={"direction": direction, **({"minutes": minutes} if minutes is not None else {})},
    )
    if fresh.status == Status.NEW:
        _set_status(fresh, Status.ACKNOWLEDGED, actor, now)
    clocks_refresh(ticket=fresh)
    return _refresh_caller(ticket, fresh)


# -- status ---------------------------------------------------------------------------------------

_WORKING = {
    Status.NEW,
    Status.ACKNOWLEDGED,
    Status.IN_PROGRESS,
    Status.WAITING_CUSTOMER,
    Status.WAITING_VENDOR,
}
TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: _WORKING - {Status.NEW} | {Status.RESOLVED, Status.CLOSED},
    Status.ACKNOWLEDGED: _WORKING - {Status.NEW, Status.ACKNOWLEDGED} | {Status.RESOLVED, Status.CLOSED},
    Status.IN_PROGRESS: {Status.WAITING_CUSTOMER, Status.WAITING_VENDOR, Status.RESOLVED, Status.CLOSED},
    Status.WAITING_CUSTOMER: {Status.IN_PROGRESS, Status.WAITING_VENDOR, Status.RESOLVED, Status.CLOSED},
    Status.WAITING_VENDOR: {Status.IN_PROGRESS, Status.WAITING_CUSTOMER, Status.RESOLVED, Status.CLOSED},
    Status.RESOLVED: {Status.CLOSED, Status.IN_PROGRESS},  # in progress again = reopened
    Status.CLOSED: {Status.IN_PROGRESS},  # reopened, within the plan's window
}


def _ensure_workable(ticket: Ticket) -> None:
    if ticket.adhoc_status == AdhocStatus.PENDING:
        raise TransitionError(
            _("This ad hoc case is awaiting acceptance: accept it as chargeable or decline it.")
        )
    if ticket.adhoc_status == AdhocStatus.DECLINED:
        raise TransitionError(_("This ad hoc case was declined."))


def _set_status(ticket: Ticket, status: str, actor: Actor, at: datetime, reason: str = "") -> None:
    previous = ticket.status
    ticket.status = status
    fields = ["status", "updated_at"]
    if status == Status.RESOLVED:
        ticket.resolved_at = at
        fields.append("resolved_at")
    elif status == Status.CLOSED:
        ticket.closed_at = at
        ticket.resolved_at = ticket.resolved_at or at
        fields += ["closed_at", "resolved_at"]
    elif previous in (Status.RESOLVED, Status.CLOSED):
        ticket.resolved_at = ticket.closed_at = None
        fields += ["resolved_at", "closed_at"]
    ticket.save(update_fields=fields)
    data: dict[str, Any] = {"from": previous, "to": status}
    if previous in (Status.RESOLVED, Status.CLOSED) and status not in (Status.RESOLVED, Status.CLOSED):
        data["reopened"] = True
    event_record(
        ticket=ticket, kind=EventKind.STATUS, at=at, actor=actor, public=True, body=reason, data=data
    )


def _reopen_or_refuse(ticket: Ticket, actor: Actor, at: datetime, reason: str) -> None:
    window = ticket.plan.reopen_within if ticket.plan else timedelta(days=14)
    resolved_at = ticket.resolved_at or ticket.closed_at
    if resolved_at is None or at - resolved_at > window:
        raise TransitionError(
            _("This case was resolved more than %(days)s days ago; please open a new case.")
            % {"days": window.days}
        )
    _set_status(ticket, Status.IN_PROGRESS, actor, at, reason=reason)


@transaction.atomic
def ticket_change_status(
    *, ticket: Ticket, actor: Actor, status: str, reason: str = "", at: datetime | None = None
) -> Ticket:
    """Move the case to another status. Reopening (from resolved or closed) is allowed within the
    plan's window after resolution, to agents and to the customer's contacts; everything else is
    for agents."""
    if status not in Status.values:
        raise TicketError(_("Unknown status %(status)s.") % {"status": status})
    fresh = _lock(ticket)
    now = _when(fresh, at)
    if status == fresh.status:
        raise TransitionError(_("The case is already %(status)s.") % {"status": Status(status).label.lower()})
    reopening = fresh.status in (Status.RESOLVED, Status.CLOSED) and status == Status.IN_PROGRESS
    if isinstance(actor, Contact):
        if actor.customer_id != fresh.customer_id:
            raise TicketError(_("The contact does not belong to this customer."))
        if not (reopening or (status == Status.CLOSED and fresh.status == Status.RESOLVED)):
            raise TransitionError(_("Customers may confirm a resolution or reopen a case, nothing else."))
    else:
        _require_agent(actor)
    _ensure_workable(fresh)
    if status not in TRANSITIONS[fresh.status]:
        raise TransitionError(
            _("A case that is %(from)s cannot become %(to)s.")
            % {"from": Status(fresh.status).label.lower(), "to": Status(status).label.lower()}
        )
    if reopening:
        _reopen_or_refuse(fresh, actor, now, reason=reason.strip())
    else:
        _set_status(fresh, status, actor, now, reason=reason.strip())
    clocks_refresh(ticket=fresh)
    return _refresh_caller(ticket, fresh)


# -- severity, assignment, details ----------------------------------------------------------------


@transaction.atomic
def ticket_change_severity(
    *, ticket: Ticket, actor: Actor, level: int, reason: str, at: datetime | None = None
) -> Ticket:
    """Change the severity, with a reason; the clocks are recomputed from the case's start with the
    paused time kept. A downgrade is told to the customer (Biztek: "the customer could not provide
    resources")."""
    _require_agent(actor)
    reason = reason.strip()
    if not reason:
        raise TicketError(_("Give a reason for changing the severity."))
    fresh = _lock(ticket)
    _ensure_workable(fresh)
    if fresh.status in (Status.RESOLVED, Status.CLOSED):
        raise TransitionError(_("The case is resolved; reopen it to change its severity."))
    new = _severity_level(fresh.provider, level)
    old = fresh.severity
    if new == old:
        raise TicketError(_("The case already has that severity."))
    fresh.severity = new
    fresh.save(update_fields=["severity", "updated_at"])
    now = _when(fresh, at)
    event_record(
        ticket=fresh,
        kind=EventKind.SEVERITY,
        at=now,
        actor=actor,
        public=True,
        body=reason,
        data={"from": old.level, "to": new.level, "downgrade": new.level > old.level},
    )
    clocks_refresh(ticket=fresh)
    return _refresh_caller(ticket, fresh)


_UNSET: Any = object()


@transaction.atomic
def ticket_assign(
    *,
    ticket: Ticket,
    actor: Actor,
    assignee: Agent | None = _UNSET,
    team: Team | None = _UNSET,
    at: datetime | None = None,
) -> Ticket:
    """Give the case to an agent and/or a team (None takes it away)."""
    _require_agent(actor)
    fresh = _lock(ticket)
    changes: dict[str, Any] = {}
    if assignee is not _UNSET and assignee != fresh.assignee:
        if assignee is not None and not assignee.is_active:
            raise TicketError(_("%(agent)s is not an active agent.") % {"agent": assignee})
        changes["assignee"] = [_name(fresh.assignee), _name(assignee)]
        fresh.assignee = assignee
    if team is not _UNSET and team != fresh.team:
        changes["team"] = [_name(fresh.team), _name(team)]
        fresh.team = team
    if not changes:
        return ticket
    fresh.save(update_fields=["assignee", "team", "updated_at"])
    event_record(
        ticket=fresh, kind=EventKind.ASSIGNMENT, at=_when(fresh, at), actor=actor, public=False, data=changes
    )
    ticket.assignee, ticket.team = fresh.assignee, fresh.team
    return _refresh_caller(ticket, fresh)


def _name(obj: Any) -> str | None:
    return str(obj) if obj is not None else None


@transaction.atomic
def ticket_update(
    *, ticket: Ticket, actor: Actor, subject: str | None = None, type: str | None = None
) -> Ticket:
    """Correct the subject or the type of a case."""
    _require_agent(actor)
    fresh = _lock(ticket)
    changes: dict[str, list[str]] = {}
    if subject is not None:
        subject = " ".join(subject.split())[:255]
        if not subject:
            raise TicketError(_("A case needs a subject."))
        if subject != fresh.subject:
            changes["subject"] = [fresh.subject, subject]
            fresh.subject = subject
    if type is not None:
        if type not in TicketType.values:
            raise TicketError(_("Unknown case type %(type)s.") % {"type": type})
        if type != fresh.type:
            changes["type"] = [fresh.type, type]
            fresh.type = type
    if changes:
        fresh.save(update_fields=["subject", "type", "updated_at"])
        event_record(
            ticket=fresh, kind=EventKind.UPDATED, at=clock.now(), actor=actor, public=False, data=changes
        )
    return _refresh_caller(ticket, fresh)


# -- ad hoc cases ---------------------------------------------------------------------------------


@transaction.atomic
def ticket_adhoc_accept(*, ticket: Ticket, actor: Actor, note: str = "") -> Ticket:
    """Accept a case outside any contract as chargeable (e.g. PhoneCare's £70 + VAT per incident)."""
    _require_agent(actor)
    fresh = _lock(ticket)
    if fresh.adhoc_status != AdhocStatus.PENDING:
        raise TransitionError(_("Only an ad hoc case awaiting acceptance can be accepted."))
    fresh.adhoc_status = AdhocStatus.ACCEPTED
    fresh.save(update_fields=["adhoc_status", "updated_at"])
    now = clock.now()
    price = fresh.plan.prices.filter(kind="per_incident").first() if fresh.plan else None
    data: dict[str, Any] = {"chargeable": True}
    if price is not None and price.amount is not None:
        data.update(price=str(price.amount), currency=price.currency, excludes_vat=price.excludes_vat)
        if price.max_hours is not None:
            data["max_hours"] = str(price.max_hours)
    event_record(
        ticket=fresh, kind=EventKind.ADHOC_ACCEPTED, at=now, actor=actor, public=True, body=note, data=data
    )
    clocks_refresh(ticket=fresh, now=now)
    return _refresh_caller(ticket, fresh)


@transaction.atomic
def ticket_adhoc_decline(*, ticket: Ticket, actor: Actor, reason: str) -> Ticket:
    """Decline a case outside any contract ("we can decline to provide support on this basis"),
    telling the customer why."""
    _require_agent(actor)
    reason = reason.strip()
    if not reason:
        raise TicketError(_("Give the customer a reason for declining."))
    fresh = _lock(ticket)
    if fresh.adhoc_status != AdhocStatus.PENDING:
        raise TransitionError(_("Only an ad hoc case awaiting acceptance can be declined."))
    now = clock.now()
    fresh.adhoc_status = AdhocStatus.DECLINED
    fresh.save(update_fields=["adhoc_status", "updated_at"])
    event_record(ticket=fresh, kind=EventKind.ADHOC_DECLINED, at=now, actor=actor, public=True, body=reason)
    _set_status(fresh, Status.CLOSED, actor, now, reason=reason)
    clocks_refresh(ticket=fresh, now=now)
    return _refresh_caller(ticket, fresh)


# -- on-site --------------------------------------------------------------------------------------


@transaction.atomic
def ticket_onsite_required(
    *, ticket: Ticket, actor: Actor, note: str = "", at: datetime | None = None
) -> Ticket:
    """Record the decision that an engineer must go on site: it starts the plan's on-site clock."""
    _require_agent(actor)
    fresh = _lock(ticket)
    _ensure_workable(fresh)
    if fresh.events.filter(kind=EventKind.ONSITE_REQUIRED).exists():
        raise TicketError(_("An on-site visit is already on its way for this case."))
    now = _when(fresh, at)
    event_record(ticket=fresh, kind=EventKind.ONSITE_REQUIRED, at=now, actor=actor, public=True, body=note)
    clocks_refresh(ticket=fresh)
    return _refresh_caller(ticket, fresh)


@transaction.atomic
def ticket_onsite_arrived(
    *, ticket: Ticket, actor: Actor, note: str = "", at: datetime | None = None
) -> Ticket:
    _require_agent(actor)
    fresh = _lock(ticket)
    if not fresh.events.filter(kind=EventKind.ONSITE_REQUIRED).exists():
        raise TicketError(_("No on-site visit was required for this case."))
    if fresh.events.filter(kind=EventKind.ONSITE_ARRIVED).exists():
        raise TicketError(_("The engineer's arrival is already recorded."))
    now = _when(fresh, at)
    event_record(ticket=fresh, kind=EventKind.ONSITE_ARRIVED, at=now, actor=actor, public=True, body=note)
    clocks_refresh(ticket=fresh)
    return _refresh_caller(ticket, fresh)


# -- attachments ----------------------------------------------------------------------------------


def ticket_attachment_add(
    *,
    ticket: Ticket,
    event: TicketEvent | None,
    filename: str,
    content_type: str,
    content: bytes | File,
    inline: bool = False,
    content_id: str = "",
    at: datetime | None = None,
) -> Attachment:
    """Store one file that came with a message (`event`), in the caller's transaction. The channel has
    already decided what the file is (`tickets.attachments.detect`) and that it is accepted; the file
    is stored under a generated name, its digest and size recorded."""
    digest = hashlib.sha256()
    if isinstance(content, bytes):
        digest.update(content)
        size = len(content)
        content = ContentFile(content)
    else:
        content.seek(0)
        size = 0
        for chunk in content.chunks():
            digest.update(chunk)
            size += len(chunk)
        content.seek(0)
    attachment = Attachment(
        ticket=ticket,
        event=event,
        filename=filename,
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        inline=inline,
        content_id=content_id[:255],
        created_at=at or clock.now(),
    )
    attachment.file.save(filename, content, save=False)
    try:
        attachment.save()
    except BaseException:
        attachment.file.delete(save=False)  # no file without its row
        raise
    return attachment


# -- clocks ---------------------------------------------------------------------------------------


def warn_fraction() -> float:
    return settings.TIERDESK_SLA_WARNING_PERCENT / 100


def clocks_refresh(*, ticket: Ticket, now: datetime | None = None) -> list[ClockState]:
    """Re-derive the ticket's clocks from its whole history and store them (see tickets/clocks.py)."""
    now = now or clock.now()
    events = list(ticket.events.order_by("at", "id"))
    states = clocks_derive(ticket, events, now=now, warn_fraction=warn_fraction())
    _store(ticket, states, now)
    return states


def _store(
    ticket: Ticket, states: list[ClockState], now: datetime, existing: Iterable[SlaClock] | None = None
) -> None:
    rows = {c.metric: c for c in (existing if existing is not None else ticket.clocks.all())}
    for state in states:
        row = rows.pop(state.metric, None) or SlaClock(ticket=ticket, metric=state.metric)
        target_changed = row.pk is not None and (row.target != state.duration or row.cycle != state.cycle)
        row.target = state.duration
        row.target_text = state.target.within_text
        row.calendar = state.calendar
        row.hours = state.target.hours
        row.started_at = state.started_at
        row.due_at = state.due_at
        row.warn_at = state.warn_at
        row.state = state.state
        row.met_at = state.met_at
        row.breached_at = state.breached_at
        row.elapsed = state.elapsed
        row.elapsed_at = state.met_at or now
        row.cycle = state.cycle
        row.misses = state.misses
        if target_changed:
            # A new promise (another severity, the next update) gets its own warnings.
            row.warned_at = row.breach_notified_at = None
        row.save()
    for stale in rows.values():
        stale.delete()
    next_due, overall = ticket_sla_summary(states)
    if (ticket.next_due_at, ticket.sla_state) != (next_due, overall):
        ticket.next_due_at, ticket.sla_state = next_due, overall
        Ticket.objects.filter(pk=ticket.pk).update(next_due_at=next_due, sla_state=overall)


def clocks_recompute(
    *, tickets: QuerySet[Ticket] | None = None, progress: bool = False, chunk: int = 500
) -> int:
    """Recompute the clocks of many tickets, e.g. after a plan or calendar changed. Open tickets by
    default. Returns the number of tickets recomputed."""
    from tqdm import tqdm

    query = tickets if tickets is not None else Ticket.objects.filter(status__in=OPEN_STATUSES)
    query = query.select_related("plan__calendar", "severity").order_by("pk")
    total = query.count()
    now = clock.now()
    done = 0
    with tqdm(total=total, desc="Recomputing SLA clocks", unit="ticket", disable=not progress) as bar:
        last_pk = 0
        while True:
            batch = list(query.filter(pk__gt=last_pk).prefetch_related("events", "clocks")[:chunk])
            if not batch:
                break
            # Derive every clock of the batch, compute their due times together through the
            # calendars' vectorised path, then store.
            dues = BulkDueResolver()
            derived = []
            for ticket in batch:
                events = sorted(ticket.events.all(), key=lambda e: (e.at, e.pk))
                states = clocks_derive(ticket, events, now=now, warn_fraction=warn_fraction(), dues=dues)
                derived.append((ticket, states))
            dues.run()
            with transaction.atomic():
                for ticket, states in derived:
                    _store(ticket, states, now, existing=list(ticket.clocks.all()))
            done += len(batch)
            bar.update(len(batch))
            last_pk = batch[-1].pk
    return done


# -- breach warnings ------------------------------------------------------------------------------


def sla_warnings_send(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Warn the assignee and the team lead once when a clock reaches the warning threshold
    (TIERDESK_SLA_WARNING_PERCENT of its target) and once when it breaches.

    Each warning is claimed with a conditional UPDATE (`warned_at IS NULL`), so two workers running
    this at once send each warning exactly once; the notifications and e-mails it writes carry
    deduplication keys as a second guard.
    """
    from tierdesk.notify.models import Notification

    now = now or clock.now()
    counts = {"warned": 0, "breached": 0}
    due = (
        SlaClock.objects.filter(
            state=SlaState.RUNNING, warn_at__lte=now, warned_at__isnull=True, due_at__gt=now
        )
        .select_related("ticket__assignee__user", "ticket__team__lead__user", "ticket__provider")
        .order_by("warn_at")[:limit]
    )
    for sla_clock in due:
        with transaction.atomic():
            if SlaClock.objects.filter(pk=sla_clock.pk, warned_at__isnull=True).update(warned_at=now) != 1:
                continue
            _notify(sla_clock, Notification.Kind.SLA_WARNING, now)
            counts["warned"] += 1
    breached = (
        SlaClock.objects.filter(
            state__in=(SlaState.RUNNING, SlaState.BREACHED), due_at__lte=now, breach_notified_at__isnull=True
        )
        .select_related("ticket__assignee__user", "ticket__team__lead__user", "ticket__provider")
        .order_by("due_at")[:limit]
    )
    for sla_clock in breached:
        with transaction.atomic():
            claimed = SlaClock.objects.filter(pk=sla_clock.pk, breach_notified_at__isnull=True).update(
                breach_notified_at=now, state=SlaState.BREACHED, breached_at=sla_clock.due_at
            )
            if claimed != 1:
                continue
            Ticket.objects.filter(pk=sla_clock.ticket_id).update(sla_state=SlaState.BREACHED)
            _notify(sla_clock, Notification.Kind.SLA_BREACH, now)
            counts["breached"] += 1
    return counts


def _recipients(ticket: Ticket) -> list[User]:
    people: list[User] = []
    if ticket.assignee is not None and ticket.assignee.is_active:
        people.append(ticket.assignee.user)
    teams = [ticket.team] if ticket.team else []
    if not teams and ticket.assignee is not None:
        teams = list(ticket.assignee.teams.select_related("lead__user"))
    if not teams:
        teams = list(Team.objects.filter(provider=ticket.provider).select_related("lead__user"))
    for team in teams:
        if team.lead is not None and team.lead.is_active and team.lead.user not in people:
            people.append(team.lead.user)
    return people


def _notify(sla_clock: SlaClock, kind: str, now: datetime) -> None:
    from django.utils import timezone as dj_timezone
    from django.utils.formats import date_format

    from tierdesk.notify.models import Notification
    from tierdesk.notify.services import notification_create, outbound_email_enqueue

    ticket = sla_clock.ticket
    for user in _recipients(ticket):
        with translation.override(user.language or "en"):
            metric = str(Metric(sla_clock.metric).label)
            due = dj_timezone.localtime(sla_clock.due_at, zoneinfo.ZoneInfo(user.timezone or "UTC"))
            if kind == Notification.Kind.SLA_WARNING:
                text = _("%(number)s: %(metric)s due %(due)s (%(percent)s%% of the time used)") % {
                    "number": ticket.number,
                    "metric": metric,
                    "due": date_format(due, "D j M H:i"),
                    "percent": settings.TIERDESK_SLA_WARNING_PERCENT,
                }
            else:
                text = _("%(number)s: %(metric)s breached at %(due)s") % {
                    "number": ticket.number,
                    "metric": metric,
                    "due": date_format(due, "D j M H:i"),
                }
            key = f"sla:{sla_clock.pk}:{sla_clock.cycle}:{kind}:{user.pk}"
            notification_create(user=user, ticket=ticket, kind=kind, text=text, dedupe_key=key)
            link = f"{settings.TIERDESK_BASE_URL.rstrip('/')}/tickets/{ticket.number}/"
            outbound_email_enqueue(
                dedupe_key=key,
                to=[user.email],
                subject=f"[{ticket.number}] {text}",
                body=f"{text}\n\n{ticket.subject}\n{ticket.customer.name}\n\n{link}\n",
                ticket=ticket,
            )
