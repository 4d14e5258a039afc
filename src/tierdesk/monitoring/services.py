"""Every write operation of monitoring: assets, checks, sources, running checks, turning alerts
into incidents, acknowledging them, and the mails and silences that follow.

Incidents are opened, annotated and resolved only through `tickets.services` (ticket_open,
ticket_note, ticket_change_status), as the desk's monitoring service account, so the SLA clocks run
as for any incident. Mails and Alertmanager silences are outbox rows written in the same transaction
(DESIGN.md, principle 5).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from tierdesk import clock
from tierdesk.accounts.models import Agent, User
from tierdesk.catalog.models import Impact, Plan, Urgency
from tierdesk.catalog.vocabulary import Channel, Feature
from tierdesk.customers.models import Contact, Contract, Customer
from tierdesk.i18n import LANGUAGE_CODES
from tierdesk.tickets.models import Status
from tierdesk.tickets.services import (
    TicketError,
    contract_for,
    ticket_change_status,
    ticket_note,
    ticket_open,
)

from . import mails, probes
from .models import (
    Alert,
    AlertSource,
    AlertStatus,
    Check,
    CheckKind,
    CheckResult,
    CheckState,
    MaintenanceWindow,
    MonitoredAsset,
    SilenceRequest,
)
from .sources import ParsedAlert, PayloadError, parse_alertmanager, parse_generic, parse_nagios_mail

log = logging.getLogger(__name__)

SERVICE_USERNAME = "tierdesk-monitoring"
RESULTS_KEPT = 30  # per check: the board shows the last 20
RETRY_AFTER = timedelta(seconds=30)  # a failing check is tried again sooner than its interval
CLAIM_TIMEOUT = timedelta(minutes=5)
SILENCE_FOR = timedelta(hours=24)  # an acknowledgement silences Alertmanager for a day at most
SILENCE_MAX_ATTEMPTS = 8
TOKEN_START = "tdm_"  # noqa: S105 (the marker of an alert source token, not a secret)
PREFIX_LENGTH = len(TOKEN_START) + 8


class MonitoringError(ValueError):
    """A monitoring operation refused for a reason to show to the person who asked."""


class NotEntitled(MonitoringError):
    """The customer's plan does not include monitoring."""


# -- who, and whether -----------------------------------------------------------------------------


def monitoring_actor() -> User:
    """The desk's monitoring service account, the actor of what monitoring does on incidents. Its
    user cannot sign in (inactive, no password) and its agent profile is inactive, so it is offered
    nowhere as an assignee; it exists so the timeline says "Monitoring" did it."""
    user = User.objects.filter(username=SERVICE_USERNAME).select_related("agent").first()
    if user is None:
        try:
            with transaction.atomic():
                user = User(username=SERVICE_USERNAME, first_name="Monitoring", is_active=False)
                user.set_unusable_password()
                user.save()
                Agent.objects.create(user=user, is_active=False)
        except IntegrityError:
            user = User.objects.get(username=SERVICE_USERNAME)
    return user


def monitoring_plan(*, customer: Customer, at: datetime | None = None) -> tuple[Contract, Plan] | None:
    """The contract in force and its plan when the plan includes monitoring, else None."""
    contract = contract_for(customer=customer, at=at or clock.now())
    if contract is None or not contract.plan.features.filter(code=Feature.MONITORING).exists():
        return None
    return contract, contract.plan


def _require_monitoring(customer: Customer) -> tuple[Contract, Plan]:
    found = monitoring_plan(customer=customer)
    if found is None:
        contract = contract_for(customer=customer, at=clock.now())
        if contract is None:
            raise NotEntitled(
                _("%(customer)s has no contract in force, so it has no infrastructure monitoring.")
                % {"customer": customer.name}
            )
        raise NotEntitled(
            _("The %(plan)s plan of %(customer)s does not include infrastructure monitoring.")
            % {"plan": contract.plan.name, "customer": customer.name}
        )
    return found


def allowed_networks() -> list[probes.Network]:
    # Read at each call, not at import, so override_settings and a reload both take effect.
    return probes.networks_parse(getattr(settings, "TIERDESK_MONITORING_ALLOWED_NETWORKS", []))


def _vet_target(kind: str, target: str) -> str:
    """The target, checked for shape and for the address rule; MonitoringError with the reason."""
    target = target.strip()
    allowed = allowed_networks()
    try:
        if kind == CheckKind.HTTP:
            _scheme, host, port, _path = probes.url_split(target)
        elif kind == CheckKind.TCP:
            host, port = probes.hostport_split(target)
        else:
            return ""
        probes.host_resolve(host, port, allowed)
    except probes.AddressRefused as exc:
        raise MonitoringError(
            _(
                "This target is refused: %(reason)s. Only public addresses may be checked unless the desk's "
                "configuration allows the network (TIERDESK_MONITORING_ALLOWED_NETWORKS)."
            )
            % {"reason": exc}
        ) from None
    except probes.TargetError as exc:
        raise MonitoringError(_("This target is not usable: %(reason)s.") % {"reason": exc}) from None
    return target


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _axis_check(customer: Customer, impact: Impact | None, urgency: Urgency | None) -> None:
    for axis in (impact, urgency):
        if axis is not None and axis.provider_id != customer.provider_id:
            raise MonitoringError(_("The impact and urgency must be those of the customer's provider."))


# -- configuration --------------------------------------------------------------------------------


@transaction.atomic
def asset_create(*, customer: Customer, name: str, kind: str = MonitoredAsset.Kind.SERVER) -> MonitoredAsset:
    _require_monitoring(customer)
    name = " ".join(name.split())
    if not name:
        raise MonitoringError(_("An asset needs a name."))
    if kind not in MonitoredAsset.Kind.values:
        raise MonitoringError(_("Unknown kind of asset %(kind)s.") % {"kind": kind})
    if MonitoredAsset.objects.filter(customer=customer, name=name).exists():
        raise MonitoringError(
            _("%(customer)s already has an asset called %(name)s.") % {"customer": customer, "name": name}
        )
    return MonitoredAsset.objects.create(customer=customer, name=name[:120], kind=kind)


@transaction.atomic
def check_create(
    *,
    asset: MonitoredAsset,
    name: str,
    kind: str,
    target: str = "",
    expected_status: int | None = None,
    expected_text: str = "",
    cert_expiry_days: int = 0,
    interval: timedelta = timedelta(minutes=5),
    timeout: int = 10,
    retries: int = 2,
    grace: timedelta = timedelta(minutes=5),
    impact: Impact | None = None,
    urgency: Urgency | None = None,
    auto_resolve: bool = True,
) -> tuple[Check, str | None]:
    """Add a check to an asset. Returns the check and, for a heartbeat, its secret URL token, which
    exists nowhere else (only its hash is kept): show it once."""
    _require_monitoring(asset.customer)
    _axis_check(asset.customer, impact, urgency)
    name = " ".join(name.split())
    if not name:
        raise MonitoringError(_("A check needs a name."))
    if kind not in CheckKind.values:
        raise MonitoringError(_("Unknown kind of check %(kind)s.") % {"kind": kind})
    if not timedelta(seconds=30) <= interval <= timedelta(days=1):
        raise MonitoringError(_("A check runs every 30 seconds at the most and once a day at the least."))
    if not 1 <= timeout <= 60:
        raise MonitoringError(_("The timeout is between 1 and 60 seconds."))
    if not 0 <= retries <= 10:
        raise MonitoringError(_("Between 0 and 10 retries."))
    if expected_status is not None and not 100 <= expected_status <= 599:
        raise MonitoringError(_("The expected status is an HTTP status, 100 to 599."))
    if kind == CheckKind.HEARTBEAT:
        target = ""
    elif not target.strip():
        raise MonitoringError(_("Give the check a target."))
    target = _vet_target(kind, target)
    if Check.objects.filter(asset=asset, name=name).exists():
        raise MonitoringError(
            _("%(asset)s already has a check called %(name)s.") % {"asset": asset, "name": name}
        )
    secret = secrets.token_urlsafe(32) if kind == CheckKind.HEARTBEAT else None
    now = clock.now()
    check = Check.objects.create(
        asset=asset,
        name=name[:120],
        kind=kind,
        target=target,
        expected_status=expected_status,
        expected_text=expected_text.strip()[:200],
        cert_expiry_days=cert_expiry_days,
        interval=interval,
        timeout=timeout,
        retries=retries,
        grace=grace,
        impact=impact,
        urgency=urgency,
        auto_resolve=auto_resolve,
        heartbeat_hash=_secret_hash(secret) if secret else None,
        # A heartbeat is first expected one period plus grace after it is made.
        last_ping_at=now if kind == CheckKind.HEARTBEAT else None,
        next_run_at=now,
    )
    return check, secret


def maintenance_window_create(
    *, asset: MonitoredAsset, starts_at: datetime, ends_at: datetime, reason: str = ""
) -> MaintenanceWindow:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise MonitoringError(_("The times must carry a time zone."))
    if ends_at <= starts_at:
        raise MonitoringError(_("A maintenance window ends after it starts."))
    return MaintenanceWindow.objects.create(
        asset=asset, starts_at=starts_at, ends_at=ends_at, reason=reason[:200]
    )


@transaction.atomic
def alert_source_create(
    *,
    customer: Customer,
    name: str,
    kind: str,
    alertmanager_url: str = "",
    email_from: str = "",
    impact: Impact | None = None,
    urgency: Urgency | None = None,
    auto_resolve: bool = True,
) -> tuple[AlertSource, str | None]:
    """Register a monitoring system of the customer's. Returns the source and its token (webhook
    kinds), which exists nowhere else: show it once."""
    _require_monitoring(customer)
    _axis_check(customer, impact, urgency)
    if kind not in AlertSource.Kind.values:
        raise MonitoringError(_("Unknown kind of alert source %(kind)s.") % {"kind": kind})
    name = " ".join(name.split())
    if not name:
        raise MonitoringError(_("An alert source needs a name."))
    if alertmanager_url:
        if kind != AlertSource.Kind.ALERTMANAGER:
            raise MonitoringError(_("Only an Alertmanager source takes an Alertmanager URL."))
        _vet_target(CheckKind.HTTP, alertmanager_url)
    if kind == AlertSource.Kind.EMAIL and "@" not in email_from:
        raise MonitoringError(_("An e-mail source needs the address its alerts come from."))
    token = None
    fields: dict[str, Any] = {}
    if kind != AlertSource.Kind.EMAIL:
        token = TOKEN_START + secrets.token_urlsafe(32)
        fields = {"prefix": token[:PREFIX_LENGTH], "key_hash": _secret_hash(token)}
    source = AlertSource.objects.create(
        customer=customer,
        name=name[:120],
        kind=kind,
        alertmanager_url=alertmanager_url.strip(),
        email_from=email_from.strip().lower(),
        impact=impact,
        urgency=urgency,
        auto_resolve=auto_resolve,
        **fields,
    )
    return source, token


def alert_source_token_rotate(*, source: AlertSource) -> str:
    """A new token for a webhook source (the old one stops working). Returns it: show it once."""
    if source.kind == AlertSource.Kind.EMAIL:
        raise MonitoringError(_("An e-mail source has no token."))
    token = TOKEN_START + secrets.token_urlsafe(32)
    source.prefix, source.key_hash = token[:PREFIX_LENGTH], _secret_hash(token)
    source.save(update_fields=["prefix", "key_hash"])
    return token


def source_authenticate(*, token: str, kind: str) -> AlertSource | None:
    """The active source of that kind the token belongs to, or None (compared in constant time)."""
    if not token.startswith(TOKEN_START) or len(token) > 100:
        return None
    wanted = _secret_hash(token)
    for source in AlertSource.objects.select_related("customer__provider").filter(
        prefix=token[:PREFIX_LENGTH], kind=kind, is_active=True
    ):
        if source.key_hash and hmac.compare_digest(source.key_hash, wanted):
            return source
    return None


# -- running checks -------------------------------------------------------------------------------


def _in_maintenance(check: Check, now: datetime) -> bool:
    return MaintenanceWindow.objects.filter(
        asset_id=check.asset_id, starts_at__lte=now, ends_at__gt=now
    ).exists()


def _probe(check: Check, now: datetime) -> probes.ProbeResult:
    allowed = allowed_networks()
    if check.kind == CheckKind.HTTP:
        return probes.probe_http(
            check.target,
            timeout=check.timeout,
            allowed=allowed,
            now=now,
            expected_status=check.expected_status,
            expected_text=check.expected_text,
            cert_expiry_days=check.cert_expiry_days,
            ca_file=getattr(settings, "TIERDESK_MONITORING_CA_FILE", ""),
        )
    if check.kind == CheckKind.TCP:
        return probes.probe_tcp(check.target, timeout=check.timeout, allowed=allowed)
    # Heartbeat: silence past the period plus grace is a fault.
    last = check.last_ping_at or check.created_at
    late = now - last - check.interval
    if late > check.grace:
        minutes = int((now - last).total_seconds() // 60)
        return probes.ProbeResult(False, f"no heartbeat for {minutes} minutes")
    return probes.ProbeResult(True, "heartbeat on time")


def check_run(*, check: Check, now: datetime | None = None) -> CheckResult:
    """Run one check and act on its result.

    Steps: probe (outside any transaction: it waits on the network); then, under a row lock, record
    the result (keeping the newest RESULTS_KEPT); in a maintenance window only record; a success
    clears the failure count and, if the check was down, recovers its alert; a failure counts, and
    once more than `retries` failures are in a row the check is down and its alert fires (once:
    further failures only count). A failing check is retried after RETRY_AFTER."""
    now = now or clock.now()
    result = _probe(check, now)
    with transaction.atomic():
        fresh = Check.objects.select_for_update().select_related("asset__customer").get(pk=check.pk)
        row = CheckResult.objects.create(
            check_ref=fresh,
            at=now,
            ok=result.ok,
            duration_ms=result.duration_ms,
            message=result.message[:500],
        )
        stale = list(
            CheckResult.objects.filter(check_ref=fresh)
            .order_by("-at", "-id")
            .values_list("id", flat=True)[RESULTS_KEPT : RESULTS_KEPT + 50]
        )
        if stale:
            CheckResult.objects.filter(pk__in=stale).delete()
        previous = fresh.state
        fresh.last_checked_at = now
        fresh.last_message = result.message[:500]
        fresh.claimed_at = None
        if result.ok:
            fresh.failures = 0
            fresh.next_run_at = now + fresh.interval
        else:
            fresh.failures = min(fresh.failures + 1, 1000)
            fresh.next_run_at = now + min(fresh.interval, RETRY_AFTER)
        if _in_maintenance(fresh, now):
            fresh.state = CheckState.MAINTENANCE
        elif result.ok:
            fresh.state = CheckState.UP
        elif fresh.failures > fresh.retries:
            fresh.state = CheckState.DOWN
        elif previous == CheckState.MAINTENANCE:
            fresh.state = CheckState.UP  # failing within its retries, as an up check may
        if fresh.state != previous:
            fresh.state_changed_at = now
        fresh.save(
            update_fields=[
                "last_checked_at", "last_message", "claimed_at", "failures", "next_run_at", "state",
                "state_changed_at",
            ]
        )  # fmt: skip
        customer = fresh.asset.customer
        if fresh.state == CheckState.DOWN and previous != CheckState.DOWN:
            try:
                alert_fire(
                    customer=customer,
                    fingerprint=fresh.fingerprint,
                    name=f"{fresh.asset.name}: {fresh.name}",
                    summary=result.message,
                    labels={"asset": fresh.asset.name, "check": fresh.name, "kind": fresh.kind},
                    check=fresh,
                    impact=fresh.impact,
                    urgency=fresh.urgency,
                    at=now,
                )
            except NotEntitled:
                log.info("check %s is down but %s no longer has monitoring", fresh.pk, customer)
        elif fresh.state == CheckState.UP and previous != CheckState.UP:
            # From down, or from a maintenance window that began while it was down.
            alert_recover(customer=customer, fingerprint=fresh.fingerprint, at=now, message=result.message)
    check.state, check.failures, check.next_run_at = fresh.state, fresh.failures, fresh.next_run_at
    return row


def checks_run_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Run the active checks that are due (heartbeats included: their run is the silence test),
    claiming each with a conditional update so two workers never run the same check. Returns how
    many ran."""
    now = now or clock.now()
    due = list(
        Check.objects.filter(is_active=True, asset__is_active=True, next_run_at__lte=now)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        .order_by("next_run_at", "id")
        .values_list("id", "claimed_at")[:limit]
    )
    ran = 0
    for pk, claimed_at in due:
        if Check.objects.filter(pk=pk, claimed_at=claimed_at).update(claimed_at=now) != 1:
            continue  # another worker has it
        check = Check.objects.select_related("asset__customer").get(pk=pk)
        try:
            # Stamped when it ran, not when the batch began: a batch can take a while.
            check_run(check=check, now=max(now, clock.now()))
        except Exception:
            log.exception("check %s failed to run", pk)
            Check.objects.filter(pk=pk).update(claimed_at=None, next_run_at=now + RETRY_AFTER)
            continue
        ran += 1
    return ran


def heartbeat_receive(*, secret: str, now: datetime | None = None) -> Check | None:
    """A ping from the customer's host: the check whose secret it is, now on time, or None."""
    if not secret or len(secret) > 100:
        return None
    check = Check.objects.filter(
        heartbeat_hash=_secret_hash(secret), kind=CheckKind.HEARTBEAT, is_active=True
    ).first()
    if check is None:
        return None
    now = now or clock.now()
    Check.objects.filter(pk=check.pk).update(last_ping_at=now)
    check.last_ping_at = now
    if check.state in (CheckState.DOWN, CheckState.PENDING):
        check_run(check=check, now=now)  # recover at once rather than at the next sweep
    return check


# -- alerts and incidents -------------------------------------------------------------------------


def _service_contact(customer: Customer) -> Contact | None:
    return customer.contacts.filter(is_active=True, role=Contact.Role.TECHNICAL).order_by("pk").first()


def alert_fire(
    *,
    customer: Customer,
    fingerprint: str,
    name: str,
    summary: str = "",
    labels: dict[str, str] | None = None,
    source: AlertSource | None = None,
    check: Check | None = None,
    impact: Impact | None = None,
    urgency: Urgency | None = None,
    at: datetime | None = None,
) -> Alert:
    """A fault is firing. Steps:

    1. an alert with this fingerprint is already firing: count it and annotate its incident;
    2. the same fault recovered less than TIERDESK_MONITORING_FLAP_MINUTES ago: it is flapping —
       that alert fires again and its incident is reopened and annotated, no new incident, no new mail;
    3. otherwise (the plan must include monitoring): a new alert, an incident opened through
       `ticket_open` on the monitoring channel with severity from impact × urgency, and fault mails.
    """
    at = at or clock.now()
    labels = labels or {}
    actor = monitoring_actor()
    with transaction.atomic():
        firing = (
            Alert.objects.select_for_update()
            .filter(customer=customer, fingerprint=fingerprint, status=AlertStatus.FIRING)
            .first()
        )
        if firing is not None:
            return _fire_again(firing, summary=summary, at=at, actor=actor)
        flap = getattr(settings, "TIERDESK_MONITORING_FLAP_MINUTES", 30)
        recent = (
            Alert.objects.select_for_update()
            .filter(
                customer=customer,
                fingerprint=fingerprint,
                status=AlertStatus.RESOLVED,
                resolved_at__gte=at - timedelta(minutes=flap),
            )
            .order_by("-id")
            .first()
        )
        if recent is not None and flap:
            reopened = _flap(recent, summary=summary, at=at, actor=actor)
            if reopened is not None:
                return reopened
        _require_monitoring(customer)
        try:
            with transaction.atomic():
                alert = Alert.objects.create(
                    customer=customer,
                    source=source,
                    check_ref=check,
                    fingerprint=fingerprint[:200],
                    name=name[:200],
                    summary=summary,
                    labels=labels,
                    started_at=at,
                    last_fired_at=at,
                )
        except IntegrityError:
            # Another request opened it a moment ago: this one is a repeat of it.
            firing = Alert.objects.select_for_update().get(
                customer=customer, fingerprint=fingerprint, status=AlertStatus.FIRING
            )
            return _fire_again(firing, summary=summary, at=at, actor=actor)
        with translation.override(customer.language if customer.language in LANGUAGE_CODES else "en"):
            subject = _("Monitoring: %(name)s") % {"name": name}
            body = summary or name
        alert.ticket = ticket_open(
            customer=customer,
            contact=_service_contact(customer),
            subject=subject,
            body=body,
            channel=Channel.MONITORING,
            actor=actor,
            impact=impact,
            urgency=urgency,
            opened_at=min(at, clock.now()),
        )
        alert.save(update_fields=["ticket"])
        _fault_mail(alert, reminder=False, at=at)
        return alert


def _fire_again(alert: Alert, *, summary: str, at: datetime, actor: User) -> Alert:
    alert.fire_count += 1
    alert.last_fired_at = max(at, alert.last_fired_at)
    fields = ["fire_count", "last_fired_at"]
    changed = summary and summary != alert.summary
    if changed:
        alert.summary = summary
        fields.append("summary")
    alert.save(update_fields=fields)
    ticket = alert.ticket
    if ticket is not None and ticket.status not in (Status.RESOLVED, Status.CLOSED):
        text = _("The alert fired again (%(count)s times in all).") % {"count": alert.fire_count}
        if changed:
            text += "\n" + summary
        ticket_note(ticket=ticket, actor=actor, body=text)
    return alert


def _flap(alert: Alert, *, summary: str, at: datetime, actor: User) -> Alert | None:
    """Refire a fault that recovered moments ago on its own incident; None when that incident can
    no longer be reopened (then a new one is opened)."""
    ticket = alert.ticket
    minutes = int((at - (alert.resolved_at or at)).total_seconds() // 60)
    text = _(
        "Down again %(minutes)s minutes after recovering: the fault is flapping, so it stays on this "
        "incident and no new fault mail is sent."
    ) % {"minutes": minutes}
    if summary:
        text += "\n" + summary
    if ticket is not None:
        try:
            if ticket.status in (Status.RESOLVED, Status.CLOSED):
                ticket_change_status(ticket=ticket, actor=actor, status=Status.IN_PROGRESS, reason=text)
            else:
                ticket_note(ticket=ticket, actor=actor, body=text)
        except TicketError:
            return None
    alert.status = AlertStatus.FIRING
    alert.resolved_at = None
    alert.flaps += 1
    alert.fire_count += 1
    alert.last_fired_at = at
    alert.summary = summary or alert.summary
    alert.save(update_fields=["status", "resolved_at", "flaps", "fire_count", "last_fired_at", "summary"])
    return alert


def _auto_resolve(alert: Alert) -> bool:
    if alert.check_ref is not None:
        return alert.check_ref.auto_resolve
    if alert.source is not None:
        return alert.source.auto_resolve
    return True


def alert_recover(
    *, customer: Customer, fingerprint: str, at: datetime | None = None, message: str = ""
) -> Alert | None:
    """The fault is over: the alert is resolved, its incident annotated and either resolved (the
    check's or source's choice) or left to an agent, and the recovery mailed. None when no alert with
    that fingerprint was firing."""
    at = at or clock.now()
    with transaction.atomic():
        alert = (
            Alert.objects.select_for_update(of=("self",))
            .select_related("check_ref", "source", "ticket")
            .filter(customer=customer, fingerprint=fingerprint, status=AlertStatus.FIRING)
            .first()
        )
        if alert is None:
            return None
        alert.status = AlertStatus.RESOLVED
        alert.resolved_at = at
        alert.save(update_fields=["status", "resolved_at"])
        ticket = alert.ticket
        resolved = False
        if ticket is not None:
            actor = monitoring_actor()
            with translation.override(customer.language if customer.language in LANGUAGE_CODES else "en"):
                text = _("Recovered: %(message)s") % {"message": message} if message else _("Recovered.")
            ticket.refresh_from_db(fields=["status"])
            if ticket.status in (Status.RESOLVED, Status.CLOSED):
                pass
            elif _auto_resolve(alert):
                ticket_change_status(ticket=ticket, actor=actor, status=Status.RESOLVED, reason=text)
                resolved = True
            else:
                ticket_note(
                    ticket=ticket, actor=actor, body=text + "\n" + _("Left open for an agent to resolve.")
                )
        _recovery_mail(alert, resolved=resolved)
        return alert


@dataclass
class IngestResult:
    fired: list[Alert] = field(default_factory=list)
    recovered: list[Alert] = field(default_factory=list)


def alert_ingest(*, source: AlertSource, payload: Any, at: datetime | None = None) -> IngestResult:
    """Alerts from a source's webhook (already authenticated): parsed and validated whole first
    (PayloadError, nothing written), then each fires or recovers. NotEntitled (nothing written) when a
    new fault arrives for a customer whose plan lacks monitoring."""
    if source.kind == AlertSource.Kind.ALERTMANAGER:
        parsed = parse_alertmanager(payload)
    elif source.kind == AlertSource.Kind.GENERIC:
        parsed = parse_generic(payload)
    else:
        raise PayloadError("this source receives e-mail, not webhooks")
    at = at or clock.now()
    # All or nothing: NotEntitled from a new fault undoes the payload's other alerts too. (The plan is
    # checked where a fault is new, not here, so a repeat costs no contract lookup.)
    with transaction.atomic():
        AlertSource.objects.filter(pk=source.pk).update(last_used_at=at)
        return _apply(source, parsed, at)


def _apply(source: AlertSource, parsed: list[ParsedAlert], at: datetime) -> IngestResult:
    out = IngestResult()
    for alert in parsed:
        if alert.firing:
            out.fired.append(
                alert_fire(
                    customer=source.customer,
                    fingerprint=alert.fingerprint,
                    name=alert.name,
                    summary=alert.summary,
                    labels=alert.labels,
                    source=source,
                    impact=source.impact,
                    urgency=source.urgency,
                    at=at,
                )
            )
        else:
            recovered = alert_recover(
                customer=source.customer, fingerprint=alert.fingerprint, at=at, message=alert.summary
            )
            if recovered is not None:
                out.recovered.append(recovered)
    return out


_email_senders: tuple[float, frozenset[str]] | None = None
EMAIL_SENDERS_TTL = 30.0


def email_senders_cached() -> frozenset[str]:
    """The addresses of the active e-mail alert sources, read at most every 30 s per process: intake
    asks for each message, and costs no query for the (vast) rest of the mail."""
    global _email_senders
    now = time.monotonic()
    if _email_senders is None or now - _email_senders[0] > EMAIL_SENDERS_TTL:
        senders = AlertSource.objects.filter(kind=AlertSource.Kind.EMAIL, is_active=True).values_list(
            "email_from", flat=True
        )
        _email_senders = (now, frozenset(senders))
    return _email_senders[1]


def email_senders_clear(**kwargs: Any) -> None:
    """Forget the cached senders (connected to alert sources' saves; other processes catch up
    within the TTL)."""
    global _email_senders
    _email_senders = None


def alert_mail_receive(*, from_address: str, subject: str, body: str, at: datetime | None = None) -> bool:
    """A Nagios/Icinga notification e-mail, from the mail intake: True when it came from an e-mail
    alert source and was a problem or recovery (it is then handled here, and opens no ordinary case)."""
    address = from_address.strip().lower()
    if address not in email_senders_cached():
        return False
    source = (
        AlertSource.objects.select_related("customer__provider")
        .filter(kind=AlertSource.Kind.EMAIL, is_active=True, email_from=address)
        .first()
    )
    if source is None:
        return False
    parsed = parse_nagios_mail(subject, body)
    if parsed is None:
        return False
    at = at or clock.now()
    try:
        _require_monitoring(source.customer)
    except NotEntitled:
        return False
    AlertSource.objects.filter(pk=source.pk).update(last_used_at=at)
    _apply(source, [parsed], at)
    return True


@transaction.atomic
def alert_acknowledge(*, alert: Alert, actor: User | Contact, comment: str) -> Alert:
    """Someone has the fault in hand: recorded (who, when, comment) on the alert and on its incident;
    the reminders stop; for an Alertmanager source, a silence is queued for its Alertmanager.

    The caller has checked the actor may see the alert (monitoring.selectors)."""
    from tierdesk.jobs import monitoring_silences_send, wake_on_commit

    comment = comment.strip()
    if not comment:
        raise MonitoringError(_("Say what is being done about the fault."))
    now = clock.now()
    fields: dict[str, Any] = {"acknowledged_at": now, "acknowledgement": comment[:2000]}
    if isinstance(actor, Contact):
        if actor.customer_id != alert.customer_id:
            raise MonitoringError(_("The contact does not belong to this customer."))
        fields["acknowledged_by_contact"] = actor
        who = actor.name
    else:
        fields["acknowledged_by_user"] = actor
        who = actor.get_full_name() or actor.get_username()
    done = Alert.objects.filter(pk=alert.pk, status=AlertStatus.FIRING, acknowledged_at__isnull=True).update(
        **fields
    )
    if done != 1:
        alert.refresh_from_db()
        if alert.status != AlertStatus.FIRING:
            raise MonitoringError(_("This fault is no longer firing."))
        raise MonitoringError(
            _("This fault was already acknowledged by %(who)s.") % {"who": alert.acknowledged_by or "—"}
        )
    alert.refresh_from_db()
    if alert.ticket is not None:
        note_actor = actor if isinstance(actor, User) else monitoring_actor()
        with translation.override(
            alert.customer.language if alert.customer.language in LANGUAGE_CODES else "en"
        ):
            text = _("Fault acknowledged by %(who)s: %(comment)s") % {"who": who, "comment": comment}
        ticket_note(ticket=alert.ticket, actor=note_actor, body=text)
    source = alert.source
    if source is not None and source.kind == AlertSource.Kind.ALERTMANAGER and source.alertmanager_url:
        matchers = [
            {"name": k, "value": v, "isRegex": False, "isEqual": True}
            for k, v in sorted(alert.labels.items())
        ]
        if matchers:
            SilenceRequest.objects.create(
                alert=alert,
                url=source.alertmanager_url.rstrip("/") + "/api/v2/silences",
                payload={
                    "matchers": matchers,
                    "startsAt": now.isoformat().replace("+00:00", "Z"),
                    "endsAt": (now + SILENCE_FOR).isoformat().replace("+00:00", "Z"),
                    "createdBy": f"Tierdesk: {who}"[:100],
                    "comment": comment[:500],
                },
                send_after=now,
            )
            wake_on_commit(monitoring_silences_send)
    return alert


def silences_send_pending(*, now: datetime | None = None, limit: int = 50) -> int:
    """POST the pending silences to their Alertmanagers (the same address rule as checks), each
    claimed with a conditional update; failures back off and give up after a few attempts."""
    now = now or clock.now()
    SilenceRequest.objects.filter(
        state=SilenceRequest.State.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT
    ).update(state=SilenceRequest.State.PENDING)
    due = list(
        SilenceRequest.objects.filter(state=SilenceRequest.State.PENDING, send_after__lte=now)
        .order_by("send_after", "id")
        .values_list("id", flat=True)[:limit]
    )
    sent = 0
    for pk in due:
        if (
            SilenceRequest.objects.filter(pk=pk, state=SilenceRequest.State.PENDING).update(
                state=SilenceRequest.State.SENDING, claimed_at=now
            )
            != 1
        ):
            continue
        row = SilenceRequest.objects.get(pk=pk)
        try:
            silence_id = _post_silence(row.url, row.payload)
        except Exception as exc:
            attempts = row.attempts + 1
            SilenceRequest.objects.filter(pk=pk).update(
                state=SilenceRequest.State.FAILED
                if attempts >= SILENCE_MAX_ATTEMPTS
                else SilenceRequest.State.PENDING,
                attempts=attempts,
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
                send_after=now + timedelta(minutes=2**attempts),
            )
            continue
        SilenceRequest.objects.filter(pk=pk).update(
            state=SilenceRequest.State.SENT,
            silence_id=silence_id[:100],
            sent_at=clock.now(),
            attempts=row.attempts + 1,
        )
        sent += 1
    return sent


def _post_silence(url: str, payload: dict[str, Any]) -> str:
    connection, path = probes.connection_open(
        url,
        timeout=10,
        allowed=allowed_networks(),
        ca_file=getattr(settings, "TIERDESK_MONITORING_CA_FILE", ""),
    )
    try:
        connection.request(
            "POST", path, body=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        body = response.read(64 * 1024)
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"Alertmanager answered HTTP {response.status}: {body[:200]!r}")
    try:
        return str(json.loads(body).get("silenceID", ""))
    except (ValueError, AttributeError):
        return ""


# -- mails ----------------------------------------------------------------------------------------


def _desk_addresses(customer: Customer) -> list[str]:
    configured = list(getattr(settings, "TIERDESK_MONITORING_DESK_EMAILS", []))
    if configured:
        return configured
    agents = Agent.objects.filter(is_active=True, user__is_active=True).filter(
        Q(teams__provider__isnull=True) | Q(teams__provider=customer.provider_id)
    )
    return sorted({e for e in agents.values_list("user__email", flat=True) if e})


def _recipients(alert: Alert) -> list[tuple[str, Contact | None]]:
    """(address, contact or None for the desk): the customer's technical contacts, else all its
    active contacts; then the desk."""
    contacts = list(alert.customer.contacts.filter(is_active=True, role=Contact.Role.TECHNICAL))
    if not contacts:
        contacts = list(alert.customer.contacts.filter(is_active=True))
    out: dict[str, Contact | None] = {c.email.lower(): c for c in contacts if c.email}
    for address in _desk_addresses(alert.customer):
        out.setdefault(address.lower(), None)
    return list(out.items())


def _link(alert: Alert, contact: Contact | None) -> str:
    base = settings.TIERDESK_BASE_URL.rstrip("/")
    if contact is not None:
        return f"{base}/portal/monitoring/alerts/{alert.pk}/"
    return f"{base}/monitoring/alerts/{alert.pk}/"


def _language(contact: Contact | None, customer: Customer) -> str:
    language = contact.effective_language if contact is not None else customer.provider.language
    return language if language in LANGUAGE_CODES else "en"


def _mail_headers(alert: Alert) -> dict[str, str]:
    from tierdesk.mail.outbound import _headers

    return _headers(alert.customer.provider, None, [], auto="auto-generated")


def _fault_mail(alert: Alert, *, reminder: bool, at: datetime) -> int:
    """Fault mails, 24×7, to the technical contacts and the desk, each with the link to acknowledge."""
    from tierdesk.notify.services import outbound_email_enqueue

    round_ = alert.notifications + 1
    written = 0
    for address, contact in _recipients(alert):
        timezone = contact.effective_timezone if contact is not None else alert.customer.provider.timezone
        with translation.override(_language(contact, alert.customer)):
            subject, body = mails.fault(
                alert=alert, name=contact.name if contact else "", timezone=timezone,
                link=_link(alert, contact), reminder=reminder,
            )  # fmt: skip
        row = outbound_email_enqueue(
            dedupe_key=f"monitoring-fault:{alert.pk}:{round_}:{_secret_hash(address)[:24]}",
            to=[address],
            subject=subject,
            body=body,
            ticket=alert.ticket,
            headers=_mail_headers(alert),
        )
        written += row is not None
    Alert.objects.filter(pk=alert.pk).update(notified_at=at, notifications=round_)
    alert.notified_at, alert.notifications = at, round_
    return written


def _recovery_mail(alert: Alert, *, resolved: bool) -> None:
    from tierdesk.notify.services import outbound_email_enqueue

    if not alert.notifications:
        return
    ticket_contact = alert.ticket.contact_id if alert.ticket is not None else None
    for address, contact in _recipients(alert):
        if resolved and contact is not None and contact.pk == ticket_contact:
            continue  # the resolution mail of the incident already tells them
        timezone = contact.effective_timezone if contact is not None else alert.customer.provider.timezone
        with translation.override(_language(contact, alert.customer)):
            subject, body = mails.recovered(
                alert=alert, name=contact.name if contact else "", timezone=timezone, resolved=resolved
            )
        outbound_email_enqueue(
            dedupe_key=f"monitoring-recovered:{alert.pk}:{alert.resolved_at:%Y%m%d%H%M%S}:{_secret_hash(address)[:24]}",
            to=[address],
            subject=subject,
            body=body,
            ticket=alert.ticket,
            headers=_mail_headers(alert),
        )


def alerts_remind(*, now: datetime | None = None) -> int:
    """Mail again the faults still firing and unacknowledged TIERDESK_MONITORING_REPEAT_MINUTES after
    the last mail (an acknowledgement stops this). Returns how many alerts were mailed."""
    now = now or clock.now()
    every = timedelta(minutes=getattr(settings, "TIERDESK_MONITORING_REPEAT_MINUTES", 60))
    reminded = 0
    for alert in Alert.objects.select_related(
        "customer__provider", "ticket__severity", "check_ref__asset", "source"
    ).filter(status=AlertStatus.FIRING, acknowledged_at__isnull=True, notified_at__lte=now - every):
        with transaction.atomic():
            claimed = Alert.objects.filter(
                pk=alert.pk, notifications=alert.notifications, acknowledged_at__isnull=True
            ).update(notified_at=now)
            if claimed != 1:
                continue
            _fault_mail(alert, reminder=True, at=now)
            reminded += 1
    return reminded
