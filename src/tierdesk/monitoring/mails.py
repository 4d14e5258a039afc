"""The words of the monitoring e-mails (fault, reminder, recovery), in the recipient's language:
call inside `translation.override(language)`. Plain text; alert text is put in as values only."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tierdesk.mail import compose

from .models import Alert


def _where(alert: Alert) -> str:
    if alert.check_ref is not None:
        return _("check “%(check)s” of %(asset)s") % {
            "check": alert.check_ref.name,
            "asset": alert.check_ref.asset.name,
        }
    if alert.source is not None:
        return _("alert source “%(source)s”") % {"source": alert.source.name}
    return _("monitoring")


def fault(*, alert: Alert, name: str, timezone: str, link: str, reminder: bool) -> tuple[str, str]:
    ticket = alert.ticket
    customer = alert.customer
    title = _("REMINDER: fault still unacknowledged") if reminder else _("FAULT")
    subject = f"{title}: {alert.name} ({customer.name})"
    if ticket is not None:
        subject = compose.subject_for(ticket.number, subject)
    lines = [
        compose.greeting(name),
        _("Monitoring detected a fault at %(customer)s, on the %(where)s.")
        % {"customer": customer.name, "where": _where(alert)},
        _("Fault: %(name)s") % {"name": alert.name}
        + "\n"
        + _("Since: %(when)s") % {"when": compose.when(alert.started_at, timezone)},
    ]
    if ticket is not None:
        lines.append(
            _("Incident %(number)s, severity %(severity)s.")
            % {"number": ticket.number, "severity": ticket.severity.label}
        )
    if alert.summary:
        lines.append(_("Details:") + "\n" + compose._quote(alert.summary))
    lines.append(_("Acknowledge the fault here (this stops the reminders):") + "\n" + link)
    return subject, compose._join(*lines, compose.signature(customer.provider))


def recovered(*, alert: Alert, name: str, timezone: str, resolved: bool) -> tuple[str, str]:
    ticket = alert.ticket
    customer = alert.customer
    subject = _("RECOVERED: %(name)s (%(customer)s)") % {"name": alert.name, "customer": customer.name}
    if ticket is not None:
        subject = compose.subject_for(ticket.number, subject)
    outcome = (
        _("The incident is resolved.")
        if resolved
        else _("An agent will confirm before the incident is resolved.")
    )
    lines = [
        compose.greeting(name),
        _("The fault “%(name)s” at %(customer)s recovered at %(when)s.")
        % {"name": alert.name, "customer": customer.name, "when": compose.when(alert.resolved_at, timezone)},
        outcome,
    ]
    return subject, compose._join(*lines, compose.signature(customer.provider))
