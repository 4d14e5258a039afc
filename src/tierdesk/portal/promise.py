"""The promise shown before a case is sent: the severity the provider's matrix gives, and when the
desk will respond (and resolve, where the plan says), counted from now.

The targets are the plan's for that severity and the "portal" channel, picked as the SLA clocks
pick them (`tickets.clocks.target_for`: in or out of the plan's hours now, the most specific
variant); each due time is computed on the target's own calendar — the same arithmetic the case's
clocks will do once it is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tierdesk.catalog.models import Impact, Plan, Severity, Urgency
from tierdesk.catalog.vocabulary import Channel, Metric
from tierdesk.customers.models import Customer
from tierdesk.tickets.clocks import target_for
from tierdesk.tickets.services import TicketError, severity_for


@dataclass(frozen=True)
class Promise:
    severity: Severity
    respond_by: datetime | None
    resolve_by: datetime | None
    respond_within: str = ""
    resolve_within: str = ""


def promise_for(
    *, customer: Customer, plan: Plan | None, impact: Impact | None, urgency: Urgency | None, now: datetime
) -> Promise | None:
    try:
        severity = severity_for(provider=customer.provider, impact=impact, urgency=urgency)
    except TicketError:
        return None
    if plan is None:
        return Promise(severity, None, None)
    targets = list(plan.targets.select_related("severity", "calendar"))
    in_hours = plan.calendar.as_sla().is_open(now)
    due: dict[str, tuple[datetime, str]] = {}
    for metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION):
        target = target_for(
            targets, severity=severity.level, metric=metric, in_hours=in_hours, channel=Channel.PORTAL
        )
        if target is not None:
            due[metric] = (target.calendar.as_sla().add(now, target.counted_duration()), target.within_text)
    respond = due.get(Metric.FIRST_RESPONSE)
    resolve = due.get(Metric.RESOLUTION)
    return Promise(
        severity,
        respond[0] if respond else None,
        resolve[0] if resolve else None,
        respond[1] if respond else "",
        resolve[1] if resolve else "",
    )
