"""Durations and SLA states in the words an agent reads at a glance, in the agent's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tierdesk.catalog.vocabulary import Metric
from tierdesk.tickets.models import AdhocStatus, SlaState, Ticket


def wall_span(delta: timedelta) -> str:
    """Real elapsed time, e.g. '45 min', '3 h 20 min', '2 d 4 h' (sign dropped; the caller says
    whether it is ahead or behind)."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    return _hours_minutes(hours, minutes)


def business_span(delta: timedelta) -> str:
    """Business time, in hours and minutes only: a business "day" is not 24 hours, so '40 h', not
    '1 d 16 h'."""
    minutes = int(abs(delta).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return _hours_minutes(hours, minutes)


def _hours_minutes(hours: int, minutes: int) -> str:
    if hours and minutes:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    if hours:
        return _("%(hours)s h") % {"hours": hours}
    if minutes:
        return _("%(minutes)s min") % {"minutes": minutes}
    return _("under 1 min")


def target_text(*, duration: timedelta, business_days: int | None) -> str:
    """A target as the contract states it: '30 min', '4 h', '2 business days'."""
    if business_days is not None:
        return ngettext("%(count)s business day", "%(count)s business days", business_days) % {
            "count": business_days
        }
    return business_span(duration)


@dataclass(frozen=True)
class Badge:
    """The SLA state of one ticket in a queue row: a colour class and words (never colour alone)."""

    kind: str  # css modifier: breached, soon, running, paused, met, none
    label: str
    detail: str = ""
    due_at: datetime | None = None


def metric_label(metric: str) -> str:
    try:
        return str(Metric(metric).label)
    except ValueError:
        return metric


def badge_for(ticket: Ticket, now: datetime) -> Badge:
    """The badge of a queue row, from the ticket's denormalised SLA fields and its clocks
    (prefetched by the caller, so this runs no query)."""
    if ticket.adhoc_status == AdhocStatus.PENDING:
        return Badge("none", _("Awaiting acceptance"))
    clocks = list(ticket.clocks.all())
    counting = sorted(
        (c for c in clocks if c.state in (SlaState.RUNNING, SlaState.BREACHED) and c.due_at),
        key=lambda c: c.due_at,
    )
    due_at = ticket.next_due_at
    if due_at is None and counting:
        due_at = counting[0].due_at
    metric = metric_label(counting[0].metric) if counting else ""
    # A stored "running" clock whose due time has passed is breached: the sweeper may not have run yet.
    if ticket.sla_state == SlaState.BREACHED or (due_at is not None and due_at <= now):
        late = wall_span(now - due_at) if due_at else ""
        detail = _("%(metric)s, %(late)s late") % {"metric": metric, "late": late} if due_at else metric
        return Badge("breached", _("Breached"), detail, due_at)
    if due_at is not None:
        warn_at = counting[0].warn_at if counting else None
        kind = "soon" if warn_at is not None and warn_at <= now else "running"
        label = _("Due soon") if kind == "soon" else _("On track")
        detail = _("%(metric)s in %(left)s") % {"metric": metric, "left": wall_span(due_at - now)}
        return Badge(kind, label, detail, due_at)
    if ticket.sla_state == SlaState.PAUSED:
        return Badge("paused", _("Paused"), _("Clock stopped"))
    if ticket.sla_state == SlaState.MET:
        return Badge("met", _("Met"), _("All targets met"))
    return Badge("none", _("No SLA"))
