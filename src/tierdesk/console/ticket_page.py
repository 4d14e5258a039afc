"""What the ticket page shows: the timeline in words, the SLA clocks with their explanations, and
which actions apply. Pure presentation over data the view has already fetched through the access
chokepoint; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tierdesk.catalog.models import Severity, SlaTarget
from tierdesk.catalog.vocabulary import Channel, Hours, Metric
from tierdesk.tickets.clocks import ClockState, clocks_derive
from tierdesk.tickets.models import AdhocStatus, EventKind, SlaState, Status, Ticket, TicketEvent, TicketType
from tierdesk.tickets.services import TRANSITIONS, warn_fraction

from .formatting import Badge, business_span, metric_label, target_text, wall_span

# -- loading ---------------------------------------------------------------------------------------


@dataclass
class TicketData:
    ticket: Ticket
    events: list[TicketEvent]
    severities: list[Severity]

    @property
    def onsite_required(self) -> bool:
        return any(e.kind == EventKind.ONSITE_REQUIRED for e in self.events)

    @property
    def onsite_arrived(self) -> bool:
        return any(e.kind == EventKind.ONSITE_ARRIVED for e in self.events)

    @property
    def onsite_offered(self) -> bool:
        """The plan promises on-site attendance (it has targets for it)."""
        plan = self.ticket.plan
        return plan is not None and any(t.metric == Metric.ONSITE for t in plan.targets.all())


def ticket_data(ticket: Ticket) -> TicketData:
    """The ticket's events, its provider's severities and its plan's targets, in three queries."""
    if ticket.plan is not None:
        prefetch_related_objects(
            [ticket.plan],
            Prefetch("targets", queryset=SlaTarget.objects.select_related("severity", "calendar")),
        )
    events = list(ticket.events.select_related("actor_user", "actor_contact").order_by("at", "id"))
    severities = list(ticket.provider.severities.order_by("level"))
    return TicketData(ticket=ticket, events=events, severities=severities)


# -- the timeline ----------------------------------------------------------------------------------


@dataclass
class TimelineItem:
    """One event in words. Every text is plain (autoescaped by the template), never marked safe:
    bodies, names and subjects come from customers and are hostile until shown otherwise."""

    event: TicketEvent
    kind: str
    title: str
    public: bool
    details: list[str] = field(default_factory=list)
    body: str = ""
    body_label: str = ""

    @property
    def anchor(self) -> str:
        return f"event-{self.event.pk}"


def _who(event: TicketEvent) -> str:
    if event.actor_user is not None:
        return event.actor_user.get_full_name() or event.actor_user.get_username()
    if event.actor_contact is not None:
        return event.actor_contact.name
    return "Tierdesk"


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _local(value: str | None) -> str:
    instant = parse_datetime(value) if value else None
    if instant is None:
        return ""
    return date_format(timezone.localtime(instant), "D j M Y, H:i")


def timeline(data: TicketData) -> list[TimelineItem]:
    levels = {s.level: s for s in data.severities}

    def severity(level: Any) -> str:
        found = levels.get(level)
        return f"{level} · {found.label}" if found else str(level)

    items = []
    for event in data.events:
        who, d = _who(event), event.data or {}
        item = TimelineItem(event=event, kind=event.kind, title="", public=event.public, body=event.body)
        match event.kind:
            case EventKind.OPENED:
                # The channel on a line of its own: a label spliced into a sentence reads wrongly
                # in French and German ("par portail client"), whatever the translator does.
                item.title = _("%(who)s opened the case") % {"who": who}
                item.details.append(
                    _("Channel: %(channel)s")
                    % {"channel": _label(Channel, d.get("channel", data.ticket.channel))}
                )
                if d.get("outside_channel_hours"):
                    item.details.append(
                        _("Received outside the channel's hours; it opened %(when)s.")
                        % {"when": _local(d.get("channel_opens_at"))}
                    )
                if "matrix_severity" in d:
                    item.details.append(
                        _("Severity set to %(chosen)s instead of %(matrix)s from the matrix: %(reason)s")
                        % {
                            "chosen": severity(d.get("severity")),
                            "matrix": severity(d["matrix_severity"]),
                            "reason": d.get("severity_reason", ""),
                        }
                    )
            case EventKind.REPLY:
                item.title = _("%(who)s replied to the customer") % {"who": who}
            case EventKind.CUSTOMER_MESSAGE:
                item.title = _("%(who)s wrote") % {"who": who}
            case EventKind.NOTE:
                item.title = _("%(who)s added an internal note") % {"who": who}
            case EventKind.CALL:
                inbound = d.get("direction") == "inbound"
                item.title = (
                    _("%(who)s logged a call from the customer")
                    if inbound
                    else _("%(who)s logged a call to the customer")
                ) % {"who": who}
                if d.get("minutes") is not None:
                    item.details.append(_("%(minutes)s min") % {"minutes": d["minutes"]})
            case EventKind.STATUS:
                words = {"who": who, "from": _label(Status, d.get("from")), "to": _label(Status, d.get("to"))}
                if d.get("reopened"):
                    item.title = _("%(who)s reopened the case: %(from)s → %(to)s") % words
                else:
                    item.title = _("%(who)s changed the status: %(from)s → %(to)s") % words
                item.body_label = _("Reason")
            case EventKind.SEVERITY:
                words = {"who": who, "from": severity(d.get("from")), "to": severity(d.get("to"))}
                if d.get("downgrade"):
                    item.title = _("%(who)s lowered the severity: %(from)s → %(to)s") % words
                else:
                    item.title = _("%(who)s raised the severity: %(from)s → %(to)s") % words
                item.body_label = _("Reason")
            case EventKind.ASSIGNMENT:
                item.title = _("%(who)s changed the assignment") % {"who": who}
                if "assignee" in d:
                    old, new = d["assignee"]
                    item.details.append(
                        _("Agent: %(old)s → %(new)s") % {"old": old or _("nobody"), "new": new or _("nobody")}
                    )
                if "team" in d:
                    old, new = d["team"]
                    item.details.append(
                        _("Team: %(old)s → %(new)s") % {"old": old or _("none"), "new": new or _("none")}
                    )
            case EventKind.UPDATED:
                item.title = _("%(who)s changed the details") % {"who": who}
                if "subject" in d:
                    old, new = d["subject"]
                    item.details.append(_("Subject: “%(old)s” → “%(new)s”") % {"old": old, "new": new})
                if "type" in d:
                    old, new = d["type"]
                    item.details.append(
                        _("Type: %(old)s → %(new)s")
                        % {"old": _label(TicketType, old), "new": _label(TicketType, new)}
                    )
            case EventKind.ADHOC_ACCEPTED:
                item.title = _("%(who)s accepted the case as chargeable") % {"who": who}
                if d.get("price"):
                    item.details.append(_price(d))
            case EventKind.ADHOC_DECLINED:
                item.title = _("%(who)s declined the case") % {"who": who}
                item.body_label = _("Reason")
            case EventKind.ONSITE_REQUIRED:
                item.title = _("%(who)s decided an engineer must go on site") % {"who": who}
            case EventKind.ONSITE_ARRIVED:
                item.title = _("%(who)s recorded the engineer's arrival on site") % {"who": who}
            case _:
                item.title = _label(EventKind, event.kind)
        items.append(item)
    return items


def _price(d: dict[str, Any]) -> str:
    text = _("%(amount)s %(currency)s per incident") % {
        "amount": d["price"],
        "currency": d.get("currency", ""),
    }
    if d.get("excludes_vat"):
        text += " " + _("plus VAT")
    if d.get("max_hours"):
        text += ", " + _("up to %(hours)s h") % {"hours": d["max_hours"]}
    return text


# -- the SLA panel ---------------------------------------------------------------------------------


@dataclass
class ClockView:
    """One clock as the SLA panel shows it."""

    state: ClockState
    now: datetime
    lines: list[str]
    calendar_timezone: str
    explained_due: datetime | None = None  # for a paused clock: when it would be due if it ran again now

    @property
    def metric(self) -> str:
        return self.state.metric

    @property
    def label(self) -> str:
        return metric_label(self.state.metric)

    @property
    def kind(self) -> str:
        """The badge: breached, soon (past the warning threshold), running, paused or met."""
        s = self.state
        if s.state == SlaState.RUNNING and s.warn_at is not None and s.warn_at <= self.now:
            return "soon"
        return s.state

    @property
    def state_label(self) -> str:
        s = self.state
        if s.state == SlaState.MET:
            return _("Met late") if s.breached_at else _("Met")
        return {
            "soon": _("Due soon"),
            SlaState.RUNNING: _("On track"),
            SlaState.PAUSED: _("Paused"),
            SlaState.BREACHED: _("Breached"),
        }.get(self.kind, s.state)

    @property
    def target(self) -> str:
        t = self.state.target
        return target_text(duration=self.state.duration, business_days=t.business_days)

    @property
    def variant(self) -> str:
        hours = self.state.target.hours
        return _label(Hours, hours) if hours != Hours.ANY else ""

    @property
    def calendar_name(self) -> str:
        return self.state.calendar.name

    @property
    def counted(self) -> str:
        return business_span(self.state.elapsed)

    @property
    def business_left(self) -> str:
        left = self.state.remaining
        return business_span(left) if left > timedelta(0) else ""

    @property
    def wall_left(self) -> str:
        due = self.state.due_at
        return wall_span(due - self.now) if due and due > self.now else ""

    @property
    def wall_late(self) -> str:
        due = self.state.due_at
        return wall_span(self.now - due) if due and due <= self.now else ""

    @property
    def is_cadence(self) -> bool:
        return self.state.metric == Metric.UPDATE


def clock_views(data: TicketData, *, now: datetime, language: str) -> list[ClockView]:
    """Every clock as derived now from the ticket's history (the same function that stores them), with
    the steps that lead to each due time in the agent's language.

    The explanation's times are in the calendar's own time zone (business hours are local there); the
    panel shows the due time itself in the agent's time zone beside it.
    """
    states = clocks_derive(data.ticket, data.events, now=now, warn_fraction=warn_fraction())
    views = []
    for state in states:
        explanation = state.explain(language)
        views.append(
            ClockView(
                state=state,
                now=now,
                lines=explanation.lines(language),
                calendar_timezone=state.calendar.timezone,
                explained_due=explanation.due if state.state == SlaState.PAUSED else None,
            )
        )
    return views


def header_badge(ticket: Ticket, clocks: list[ClockView], now: datetime) -> Badge:
    """The ticket's SLA in one badge, as the queue shows it, but from the clocks derived now."""
    if ticket.adhoc_status == AdhocStatus.PENDING:
        return Badge("none", _("Awaiting acceptance"))
    counting = sorted(
        (c for c in clocks if c.state.state in (SlaState.RUNNING, SlaState.BREACHED) and c.state.due_at),
        key=lambda c: c.state.due_at,
    )
    if counting:
        first = counting[0]
        due = first.state.due_at
        if due <= now:
            return Badge(
                "breached",
                _("Breached"),
                _("%(metric)s, %(late)s late") % {"metric": first.label, "late": wall_span(now - due)},
                due,
            )
        label = _("Due soon") if first.kind == "soon" else _("On track")
        return Badge(
            first.kind,
            label,
            _("%(metric)s in %(left)s") % {"metric": first.label, "left": wall_span(due - now)},
            due,
        )
    if any(c.state.state == SlaState.PAUSED for c in clocks):
        return Badge("paused", _("Paused"), _("Clock stopped"))
    if clocks:
        return Badge("met", _("Met"), _("All targets met"))
    return Badge("none", _("No SLA"))


# -- which actions apply ---------------------------------------------------------------------------


def status_choices(ticket: Ticket) -> list[tuple[str, str]]:
    """The statuses the case may move to from where it is, in the order of the workflow."""
    allowed = TRANSITIONS.get(ticket.status, set())
    out = []
    for value, label in Status.choices:
        if value not in allowed:
            continue
        if ticket.status in (Status.RESOLVED, Status.CLOSED) and value == Status.IN_PROGRESS:
            label = _("Reopen (in progress)")
        out.append((value, str(label)))
    return out


def block_keys(data: TicketData) -> dict[str, tuple[Any, ...]]:
    """What each action block of the page depends on. After an action, the blocks whose key changed
    are sent again (htmx out-of-band); the others keep whatever the agent was typing in them."""
    t = data.ticket
    return {
        "status": (t.status, t.adhoc_status),
        "severity": (t.severity_id, t.status, t.adhoc_status),
        "assign": (t.assignee_id, t.team_id),
        "onsite": (data.onsite_required, data.onsite_arrived, t.adhoc_status, t.status),
        "adhoc": (t.adhoc_status,),
    }


def adhoc_pending(ticket: Ticket) -> bool:
    return ticket.adhoc_status == AdhocStatus.PENDING
