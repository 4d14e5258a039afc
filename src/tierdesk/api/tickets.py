"""Tickets: list, get, open, correct, act on, and read their SLA clocks and timeline.

Every read starts from `tickets.selectors` (`ticket_list_for`, `ticket_get_for`): a case another
agent may not see is a 404 exactly like a missing one. Every write is one call to a service of
`tickets.services`; the handler only resolves codes (customer, contact, impact, agent, team) to
rows, naming the field when one is unknown, and serialises the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Annotated, Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import translation
from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints

from tierdesk import clock
from tierdesk.accounts.models import Agent, Team
from tierdesk.catalog.models import Impact, Urgency
from tierdesk.catalog.vocabulary import Metric
from tierdesk.customers.selectors import customer_scope_for
from tierdesk.tickets.clocks import clocks_derive
from tierdesk.tickets.models import SlaClock, SlaState, Ticket, TicketEvent
from tierdesk.tickets.selectors import TicketFilters, ticket_get_for, ticket_list_for, ticket_scope_for
from tierdesk.tickets.services import (
    ticket_adhoc_accept,
    ticket_adhoc_decline,
    ticket_assign,
    ticket_change_severity,
    ticket_change_status,
    ticket_log_call,
    ticket_note,
    ticket_onsite_arrived,
    ticket_onsite_required,
    ticket_open,
    ticket_reply,
    ticket_update,
    warn_fraction,
)

from .errors import READ, WRITE, body_error, responses
from .pagination import DEFAULT_LIMIT, Limit, Offset, page_of
from .schemas import (
    AssignmentIn,
    CallIn,
    CaseNumber,
    Channel,
    ClockOut,
    Code,
    DeclineIn,
    EventOut,
    NoteIn,
    NoteOnlyIn,
    PlanKey,
    Queue,
    ReplyIn,
    SeverityIn,
    StatusIn,
    TicketCreateIn,
    TicketOut,
    TicketPageOut,
    TicketStatus,
    TicketType,
    TicketUpdateIn,
    iso_duration,
)

router = Router()

METRIC_ORDER = {metric: index for index, metric in enumerate(Metric.values)}
STATE_ORDER = (SlaState.BREACHED, SlaState.RUNNING, SlaState.PAUSED, SlaState.MET)


# -- serialising ----------------------------------------------------------------------------------


def _clock_prefetch() -> Prefetch:
    # The calendars come with their closed days, so computing live figures never queries per clock.
    return Prefetch(
        "clocks", queryset=SlaClock.objects.select_related("calendar").prefetch_related("calendar__days")
    )


def clock_out(row: SlaClock, now: datetime) -> dict[str, Any]:
    """A stored clock as it stands now.

    The row was derived when the ticket last changed; a clock still counting has moved on since.
    Its due time is exact (no pause can lie ahead of a running clock), so the business time left
    is what the calendar holds between now and the due time, and it breaches once now reaches it.
    """
    state, elapsed, breached_at = row.state, row.elapsed, row.breached_at
    if row.state in (SlaState.RUNNING, SlaState.BREACHED) and row.due_at is not None:
        calendar = row.calendar.as_sla()
        if now < row.due_at:
            elapsed = row.target - calendar.between(now, row.due_at)
            state = SlaState.RUNNING
        else:
            elapsed = row.target + calendar.between(row.due_at, now)
            state, breached_at = SlaState.BREACHED, row.due_at
    return {
        "metric": row.metric,
        "state": state,
        "target": iso_duration(row.target),
        "target_text": row.target_text,
        "hours": row.hours,
        "calendar": row.calendar.slug,
        "started_at": row.started_at,
        "due_at": row.due_at,
        "warn_at": row.warn_at,
        "met_at": row.met_at,
        "breached_at": breached_at,
        "elapsed": iso_duration(elapsed),
        "remaining": iso_duration(row.target - elapsed),
        "paused": state == SlaState.PAUSED,
        "cycle": row.cycle,
        "misses": row.misses,
    }


def ticket_out(tickets: Iterable[Ticket], now: datetime | None = None) -> list[dict[str, Any]]:
    """Tickets fetched with `_related` (no query per ticket)."""
    now = now or clock.now()
    out = []
    for t in tickets:
        clocks = [
            clock_out(c, now) for c in sorted(t.clocks.all(), key=lambda c: METRIC_ORDER.get(c.metric, 99))
        ]
        states = {c["state"] for c in clocks}
        sla_state = next((s for s in STATE_ORDER if s in states), None)
        out.append(
            {
                "number": t.number,
                "provider": t.provider.slug,
                "customer": t.customer.slug,
                "contact": t.contact.email if t.contact else None,
                "plan": t.plan.key if t.plan else None,
                "contract": t.contract_id,
                "type": t.type,
                "channel": t.channel,
                "impact": t.impact.code if t.impact else None,
                "urgency": t.urgency.code if t.urgency else None,
                "severity": t.severity.level,
                "severity_label": t.severity.label,
                "status": t.status,
                "subject": t.subject,
                "opened_at": t.opened_at,
                "resolved_at": t.resolved_at,
                "closed_at": t.closed_at,
                "updated_at": t.updated_at,
                "assignee": t.assignee.user.get_username() if t.assignee else None,
                "team": t.team.slug if t.team else None,
                "adhoc_status": t.adhoc_status or None,
                "sla_state": sla_state,
                "next_due_at": t.next_due_at,
                "sla": clocks,
            }
        )
    return out


def _related(query: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return query.select_related("plan__provider", "impact", "urgency").prefetch_related(_clock_prefetch())


def _get(request: HttpRequest, number: str) -> Ticket:
    """The ticket through the access chokepoint: 404 whether missing or not the agent's."""
    return ticket_get_for(request.auth, number)


def _fresh(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    """The ticket as it is after a write, read again through the chokepoint."""
    found = _related(ticket_scope_for(request.auth).filter(pk=ticket.pk)).select_related(
        "provider", "customer", "contact", "severity", "assignee__user", "team"
    )
    return ticket_out(found)[0]


def _at(at: datetime | None, ticket: Ticket) -> datetime | None:
    if at is None:
        return None
    if at > clock.now():
        raise body_error("at", "An action cannot be recorded in the future.")
    if at < ticket.opened_at:
        raise body_error("at", "An action cannot precede the opening of the case.")
    return at


# -- reading --------------------------------------------------------------------------------------


class TicketQuery(Schema):
    queue: Queue = Field("all", description="mine, team (your teams'), unassigned, or all you may see.")
    open: bool = Field(True, description="Only open cases (ignored when `status` is given).")
    customer: Code | None = Field(None, description="A customer's code.")
    provider: Code | None = Field(None, description="A provider's slug.")
    plan: PlanKey | None = None
    severity: int | None = Field(None, ge=1, le=99)
    status: TicketStatus | None = None
    type: TicketType | None = None
    channel: Channel | None = None
    search: Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00]*$")] | None = Field(
        None, description="A case number, or words of the subject."
    )


@router.get("", response=responses(TicketPageOut, READ), summary="List tickets")
def ticket_list(
    request: HttpRequest,
    filters: Query[TicketQuery],
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The cases you may see, most urgent first: the earliest due time of a running clock, then
    cases without one, newest first. A constant number of queries, however many tickets match."""
    query = ticket_list_for(
        request.auth,
        TicketFilters(
            queue=filters.queue,
            open_only=filters.open,
            customer=filters.customer,
            provider=filters.provider,
            plan=filters.plan,
            severity=filters.severity,
            status=filters.status,
            type=filters.type,
            channel=filters.channel,
            search=filters.search if filters.search and filters.search.strip() else None,
        ),
    )
    return page_of(_related(query), limit=limit, offset=offset, serialise=ticket_out)


@router.get("/{number}", response=responses(TicketOut, READ), summary="Get a ticket")
def ticket_get(request: HttpRequest, number: CaseNumber) -> dict[str, Any]:
    return _fresh(request, _get(request, number))


class ClockExplainedOut(ClockOut):
    explanation: list[str] = Field(description="How the due time was reached, step by step.")


@router.get(
    "/{number}/sla", response=responses(list[ClockExplainedOut], READ), summary="Read a ticket's SLA clocks"
)
def ticket_sla(request: HttpRequest, number: CaseNumber) -> list[dict[str, Any]]:
    """The ticket's clocks as they stand now, each with how its due time came about, in your language."""
    ticket = _get(request, number)
    now = clock.now()
    rows = (
        SlaClock.objects.filter(ticket=ticket).select_related("calendar").prefetch_related("calendar__days")
    )
    events = list(ticket.events.order_by("at", "id"))
    derived = {
        state.metric: state for state in clocks_derive(ticket, events, now=now, warn_fraction=warn_fraction())
    }
    language = request.auth.language or translation.get_language()
    out = []
    for row in sorted(rows, key=lambda c: METRIC_ORDER.get(c.metric, 99)):
        state = derived.get(row.metric)
        lines = state.explain(language).lines(language) if state is not None and state.due_at else []
        out.append({**clock_out(row, now), "explanation": lines})
    return out


def event_out(events: Sequence[TicketEvent]) -> list[dict[str, Any]]:
    out = []
    for event in events:
        if event.actor_user is not None:
            actor, kind = event.actor_user.get_username(), "agent"
        elif event.actor_contact is not None:
            actor, kind = event.actor_contact.email, "contact"
        else:
            actor, kind = None, "system"
        out.append(
            {
                "kind": event.kind,
                "at": event.at,
                "recorded_at": event.recorded_at,
                "actor": actor,
                "actor_kind": kind,
                "public": event.public,
                "body": event.body,
                "data": event.data or {},
            }
        )
    return out


class EventPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[EventOut]


@router.get("/{number}/events", response=responses(EventPageOut, READ), summary="Read a ticket's timeline")
def ticket_events(
    request: HttpRequest, number: CaseNumber, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> dict[str, Any]:
    """Everything that happened to the case, oldest first, internal notes included."""
    ticket = _get(request, number)
    events = ticket.events.select_related("actor_user", "actor_contact").order_by("at", "id")
    return page_of(events, limit=limit, offset=offset, serialise=event_out)


# -- opening and correcting -----------------------------------------------------------------------


def _customer_for(request: HttpRequest, payload: TicketCreateIn) -> Any:
    customers = customer_scope_for(request.auth).select_related("provider").filter(slug=payload.customer)
    if payload.provider:
        customers = customers.filter(provider__slug=payload.provider)
    found = list(customers[:3])
    if not found:
        where = f" at {payload.provider}" if payload.provider else ""
        raise body_error("customer", f"No customer with the code {payload.customer!r}{where}.")
    if len(found) > 1:
        providers = ", ".join(sorted(c.provider.slug for c in found))
        raise body_error(
            "customer",
            f"Customers of several providers ({providers}) have the code {payload.customer!r}: "
            "give `provider`.",
        )
    return found[0]


def _axis(model: type[Impact] | type[Urgency], provider: Any, code: str, field: str) -> Any:
    found = model.objects.filter(provider=provider, code=code).first()
    if found is None:
        known = ", ".join(
            model.objects.filter(provider=provider).order_by("rank").values_list("code", flat=True)
        )
        raise body_error(
            field, f"{code!r} is not one of {provider.name}'s {field} codes ({known or 'none'})."
        )
    return found


@router.post("", response=responses(TicketOut, WRITE, 201), summary="Open a ticket")
def ticket_create(request: HttpRequest, payload: TicketCreateIn) -> Status[dict[str, Any]]:
    """Open a case for a customer, under the contract in force at `opened_at` (default: now).

    Without a contract the case is ad hoc, awaiting an agent's acceptance. The severity comes from
    the provider's impact × urgency matrix unless `severity` is given (with `severity_reason` when
    it differs from the matrix). The clocks are computed from `opened_at`.
    """
    customer = _customer_for(request, payload)
    provider = customer.provider
    contact = None
    if payload.contact:
        contact = customer.contacts.filter(email__iexact=payload.contact.strip()).first()
        if contact is None:
            raise body_error(
                "contact", f"{customer.name} has no contact with the address {payload.contact!r}."
            )
        if not contact.is_active:
            raise body_error("contact", f"{contact.email} is no longer an active contact of {customer.name}.")
    impact = _axis(Impact, provider, payload.impact, "impact") if payload.impact else None
    urgency = _axis(Urgency, provider, payload.urgency, "urgency") if payload.urgency else None
    if payload.opened_at is not None and payload.opened_at > clock.now():
        raise body_error("opened_at", "A case cannot be opened in the future.")
    if payload.severity is not None and not provider.severities.filter(level=payload.severity).exists():
        levels = ", ".join(str(level) for level in provider.severities.values_list("level", flat=True))
        raise body_error("severity", f"{payload.severity} is not one of {provider.name}'s levels ({levels}).")
    ticket = ticket_open(
        customer=customer,
        contact=contact,
        subject=payload.subject,
        body=payload.body,
        channel=payload.channel,
        actor=request.auth,
        impact=impact,
        urgency=urgency,
        type=payload.type,
        opened_at=payload.opened_at,
        severity=payload.severity,
        severity_reason=payload.severity_reason,
    )
    return Status(201, _fresh(request, ticket))


@router.patch("/{number}", response=responses(TicketOut, WRITE), summary="Correct a ticket")
def ticket_patch(request: HttpRequest, number: CaseNumber, payload: TicketUpdateIn) -> dict[str, Any]:
    """Correct the subject or the type; fields left out stay as they are."""
    ticket = ticket_update(
        ticket=_get(request, number), actor=request.auth, subject=payload.subject, type=payload.type
    )
    return _fresh(request, ticket)


# -- acting ---------------------------------------------------------------------------------------


@router.post("/{number}/replies", response=responses(TicketOut, WRITE), summary="Reply to the customer")
def ticket_reply_op(request: HttpRequest, number: CaseNumber, payload: ReplyIn) -> dict[str, Any]:
    """A message the customer sees. It answers the first response, counts as an update, and moves a
    new case to acknowledged."""
    ticket = _get(request, number)
    ticket = ticket_reply(ticket=ticket, actor=request.auth, body=payload.body, at=_at(payload.at, ticket))
    return _fresh(request, ticket)


@router.post("/{number}/notes", response=responses(TicketOut, WRITE), summary="Add an internal note")
def ticket_note_op(request: HttpRequest, number: CaseNumber, payload: NoteIn) -> dict[str, Any]:
    """For agents only; never shown to the customer; no effect on the clocks."""
    ticket = _get(request, number)
    ticket = ticket_note(ticket=ticket, actor=request.auth, body=payload.body, at=_at(payload.at, ticket))
    return _fresh(request, ticket)


@router.post("/{number}/calls", response=responses(TicketOut, WRITE), summary="Log a phone call")
def ticket_call_op(request: HttpRequest, number: CaseNumber, payload: CallIn) -> dict[str, Any]:
    """A call with the customer: it counts as a response and an update."""
    ticket = _get(request, number)
    ticket = ticket_log_call(
        ticket=ticket,
        actor=request.auth,
        body=payload.body,
        direction=payload.direction,
        minutes=payload.minutes,
        at=_at(payload.at, ticket),
    )
    return _fresh(request, ticket)


@router.post("/{number}/status", response=responses(TicketOut, WRITE), summary="Change the status")
def ticket_status_op(request: HttpRequest, number: CaseNumber, payload: StatusIn) -> dict[str, Any]:
    """Move the case; 409 if it cannot go there from where it is. Reopening a resolved or closed case
    (status `in_progress`) is allowed within the plan's window."""
    ticket = _get(request, number)
    ticket = ticket_change_status(
        ticket=ticket,
        actor=request.auth,
        status=payload.status,
        reason=payload.reason,
        at=_at(payload.at, ticket),
    )
    return _fresh(request, ticket)


@router.post("/{number}/severity", response=responses(TicketOut, WRITE), summary="Change the severity")
def ticket_severity_op(request: HttpRequest, number: CaseNumber, payload: SeverityIn) -> dict[str, Any]:
    """With a reason. The clocks are recomputed from the case's start, paused time kept; a downgrade
    is told to the customer."""
    ticket = _get(request, number)
    if not ticket.provider.severities.filter(level=payload.level).exists():
        levels = ", ".join(str(level) for level in ticket.provider.severities.values_list("level", flat=True))
        raise body_error(
            "level", f"{payload.level} is not one of {ticket.provider.name}'s levels ({levels})."
        )
    ticket = ticket_change_severity(
        ticket=ticket,
        actor=request.auth,
        level=payload.level,
        reason=payload.reason,
        at=_at(payload.at, ticket),
    )
    return _fresh(request, ticket)


@router.post("/{number}/assignment", response=responses(TicketOut, WRITE), summary="Assign the ticket")
def ticket_assign_op(request: HttpRequest, number: CaseNumber, payload: AssignmentIn) -> dict[str, Any]:
    """Give the case to an agent and/or a team. A field left out stays as it is; null clears it.
    The agent and the team must serve the case's provider."""
    ticket = _get(request, number)
    given = payload.model_fields_set & {"assignee", "team"}
    if not given:
        raise body_error("assignee", "Give `assignee`, `team` or both (null to clear).", "missing")
    changes: dict[str, Any] = {}
    if "assignee" in given:
        changes["assignee"] = None
        if payload.assignee is not None:
            agent = Agent.objects.select_related("user").filter(user__username=payload.assignee).first()
            if agent is None or not agent.is_active or not agent.user.is_active:
                raise body_error("assignee", f"No active agent {payload.assignee!r}.")
            if not ticket_scope_for(agent.user).filter(pk=ticket.pk).exists():
                raise body_error("assignee", f"{agent} does not serve {ticket.provider.name}'s customers.")
            changes["assignee"] = agent
    if "team" in given:
        changes["team"] = None
        if payload.team is not None:
            team = Team.objects.filter(slug=payload.team).first()
            if team is None:
                raise body_error("team", f"No team {payload.team!r}.")
            if team.provider_id is not None and team.provider_id != ticket.provider_id:
                raise body_error("team", f"{team.name} does not serve {ticket.provider.name}'s customers.")
            changes["team"] = team
    ticket = ticket_assign(ticket=ticket, actor=request.auth, at=_at(payload.at, ticket), **changes)
    return _fresh(request, ticket)


@router.post(
    "/{number}/onsite/required", response=responses(TicketOut, WRITE), summary="Require an on-site visit"
)
def ticket_onsite_required_op(
    request: HttpRequest, number: CaseNumber, payload: NoteOnlyIn
) -> dict[str, Any]:
    """Record the decision to send an engineer: it starts the plan's on-site clock."""
    ticket = ticket_onsite_required(ticket=_get(request, number), actor=request.auth, note=payload.note)
    return _fresh(request, ticket)


@router.post(
    "/{number}/onsite/arrived", response=responses(TicketOut, WRITE), summary="Record the engineer's arrival"
)
def ticket_onsite_arrived_op(request: HttpRequest, number: CaseNumber, payload: NoteOnlyIn) -> dict[str, Any]:
    """The engineer is on site: the on-site clock is met."""
    ticket = ticket_onsite_arrived(ticket=_get(request, number), actor=request.auth, note=payload.note)
    return _fresh(request, ticket)


@router.post("/{number}/adhoc/accept", response=responses(TicketOut, WRITE), summary="Accept an ad hoc case")
def ticket_adhoc_accept_op(request: HttpRequest, number: CaseNumber, payload: NoteOnlyIn) -> dict[str, Any]:
    """Accept a case outside any contract as chargeable; its clocks start."""
    ticket = ticket_adhoc_accept(ticket=_get(request, number), actor=request.auth, note=payload.note)
    return _fresh(request, ticket)


@router.post(
    "/{number}/adhoc/decline", response=responses(TicketOut, WRITE), summary="Decline an ad hoc case"
)
def ticket_adhoc_decline_op(request: HttpRequest, number: CaseNumber, payload: DeclineIn) -> dict[str, Any]:
    """Decline a case outside any contract, telling the customer why; the case is closed."""
    ticket = ticket_adhoc_decline(ticket=_get(request, number), actor=request.auth, reason=payload.reason)
    return _fresh(request, ticket)
