"""Checks through the service: retries, incident, fault mail, recovery, flapping, maintenance,
heartbeats, entitlement and the address rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from tierdesk import clock
from tierdesk.monitoring import services
from tierdesk.monitoring.models import Alert, CheckResult, CheckState
from tierdesk.tickets.models import EventKind, Status

from .conftest import axes, outbox, run

pytestmark = pytest.mark.django_db


def test_a_check_is_down_only_after_its_retries_then_opens_one_incident_and_mails_the_fault(
    http_check, web, tess
):
    assert run(http_check) == CheckState.UP
    web.status = 500
    assert run(http_check, 2) == CheckState.UP  # two failures: within the two retries
    assert not Alert.objects.exists()
    assert run(http_check) == CheckState.DOWN  # the third failure in a row
    alert = Alert.objects.get()
    ticket = alert.ticket
    assert ticket.channel == "monitoring" and ticket.type == "incident"
    assert ticket.severity.level == 1  # outage × needed now, from the provider's matrix
    assert ticket.contract is not None and ticket.contact == tess
    assert ticket.subject == "Monitoring: shop-web-01: Shop home page"
    assert ticket.clocks.exists()  # the SLA clocks run as for any incident
    mails = outbox()
    assert sorted(m.to[0] for m in mails) == ["noc@desk.example", "tess@acme.example"]
    to_tess = next(m for m in mails if m.to == ["tess@acme.example"])
    assert to_tess.subject == f"[{ticket.number}] FAULT: shop-web-01: Shop home page (Acme)"
    assert f"https://desk.example/portal/monitoring/alerts/{alert.pk}/" in to_tess.body
    assert "HTTP 500" in to_tess.body and "Dear Tess Tech," in to_tess.body
    to_desk = next(m for m in mails if m.to == ["noc@desk.example"])
    assert f"https://desk.example/monitoring/alerts/{alert.pk}/" in to_desk.body

    # Still failing: the same incident, no new mail.
    run(http_check, 3)
    assert Alert.objects.count() == 1 and len(outbox()) == 2


def test_recovery_resolves_the_incident_or_leaves_it_to_an_agent(http_check, web, tess):
    web.status = 500
    run(http_check, 3)
    ticket = Alert.objects.get().ticket
    web.status = 200
    assert run(http_check) == CheckState.UP
    alert = Alert.objects.get()
    ticket.refresh_from_db()
    assert alert.status == "resolved" and ticket.status == Status.RESOLVED
    status_event = ticket.events.filter(kind=EventKind.STATUS).get()
    assert status_event.body.startswith("Recovered: HTTP 200")
    assert status_event.actor_user.username == "tierdesk-monitoring"
    # The desk hears of the recovery; Tess, the incident's contact, gets the resolution mail instead.
    recovered = [m for m in outbox() if "RECOVERED" in m.subject]
    assert [m.to for m in recovered] == [["noc@desk.example"]]
    assert any(m.to == ["tess@acme.example"] and "resolved" in m.body.lower() for m in outbox()[2:])

    http_check.auto_resolve = False
    http_check.save()
    web.status = 500
    with time_machine.travel(clock.now() + timedelta(hours=2), tick=False):
        run(http_check, 3)
        second = Alert.objects.filter(status="firing").get()
        assert second.ticket != ticket  # long after: a new incident
        web.status = 200
        run(http_check)
        second.ticket.refresh_from_db()
        assert second.ticket.status == Status.NEW
        assert "Left open for an agent" in second.ticket.events.filter(kind=EventKind.NOTE).last().body


def test_a_flapping_check_stays_on_one_incident(http_check, web, tess):
    web.status = 500
    run(http_check, 3)
    web.status = 200
    run(http_check)
    mails = len(outbox())
    web.status = 500
    with time_machine.travel(clock.now() + timedelta(minutes=5), tick=False):
        run(http_check, 3)
    alert = Alert.objects.get()  # the same alert fires again
    assert alert.status == "firing" and alert.flaps == 1
    alert.ticket.refresh_from_db()
    assert alert.ticket.status == Status.IN_PROGRESS  # reopened
    assert "flapping" in alert.ticket.events.filter(kind=EventKind.STATUS).last().body
    assert len(outbox()) == mails  # no new fault mail


def test_a_maintenance_window_suppresses_faults(http_check, web, server_asset):
    now = clock.now()
    services.maintenance_window_create(
        asset=server_asset,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
        reason="patching",
    )
    web.status = 500
    assert run(http_check, 5, at=now) == CheckState.MAINTENANCE
    assert not Alert.objects.exists() and not outbox()
    assert run(http_check, 3, at=now + timedelta(hours=2)) == CheckState.DOWN
    assert Alert.objects.count() == 1


def test_a_fault_that_recovers_during_maintenance_is_resolved_after_it(http_check, web, server_asset):
    now = clock.now()
    web.status = 500
    run(http_check, 3, at=now)
    services.maintenance_window_create(
        asset=server_asset, starts_at=now + timedelta(minutes=1), ends_at=now + timedelta(minutes=30)
    )
    web.status = 200
    assert run(http_check, at=now + timedelta(minutes=5)) == CheckState.MAINTENANCE
    assert Alert.objects.get().status == "firing"
    assert run(http_check, at=now + timedelta(minutes=31)) == CheckState.UP
    assert Alert.objects.get().status == "resolved"


def test_the_result_history_is_bounded(http_check):
    run(http_check, services.RESULTS_KEPT + 7)
    assert CheckResult.objects.filter(check_ref=http_check).count() == services.RESULTS_KEPT


def test_due_checks_run_once_each_and_are_rescheduled(http_check, web, server_asset, closed_port):
    tcp, _ = services.check_create(
        asset=server_asset, name="SMTP", kind="tcp", target=f"127.0.0.1:{closed_port}"
    )
    now = clock.now()
    assert services.checks_run_due(now=now) == 2
    assert services.checks_run_due(now=now) == 0  # nothing due until the interval passes
    tcp.refresh_from_db()
    assert tcp.failures == 1 and tcp.next_run_at == tcp.last_checked_at + services.RETRY_AFTER  # sooner
    assert "port" in tcp.last_message
    http_check.refresh_from_db()
    assert http_check.next_run_at == http_check.last_checked_at + timedelta(minutes=5)
    assert http_check.last_checked_at >= now


def test_heartbeat_silence_past_period_and_grace_is_a_fault_and_a_ping_recovers(server_asset, client, tess):
    check, secret = services.check_create(
        asset=server_asset, name="Nightly backup", kind="heartbeat", interval=timedelta(hours=1),
        grace=timedelta(minutes=10), retries=0, **axes(server_asset.customer, "degraded", "today"),
    )  # fmt: skip
    assert secret and check.heartbeat_hash != secret and len(secret) >= 40
    start = clock.now()
    assert run(check, at=start + timedelta(minutes=65)) == CheckState.UP  # late, but within the grace
    assert run(check, at=start + timedelta(minutes=71)) == CheckState.DOWN
    alert = Alert.objects.get()
    assert alert.ticket.severity.level == 2 and "no heartbeat for 71 minutes" in alert.summary
    assert client.get("/monitoring/heartbeat/not-the-secret").status_code == 404
    response = client.get(f"/monitoring/heartbeat/{secret}")
    assert response.status_code == 200 and response.content == b"OK\n"
    check.refresh_from_db()
    assert check.state == CheckState.UP
    alert.refresh_from_db()
    assert alert.status == "resolved"
    assert client.post(f"/monitoring/heartbeat/{secret}").status_code == 200  # curl -d works too


def test_a_check_aimed_at_a_refused_address_is_rejected_with_a_clear_message(server_asset, settings):
    settings.TIERDESK_MONITORING_ALLOWED_NETWORKS = []
    for target, kind, words in (
        ("http://127.0.0.1:8000/admin/", "http", "127.0.0.1 is a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "http", "169.254.169.254 is a link-local address"),
        ("10.0.0.5:5432", "tcp", "10.0.0.5 is a private address"),
        ("http://localhost/", "http", "is a loopback address"),
    ):
        with pytest.raises(services.MonitoringError) as refused:
            services.check_create(asset=server_asset, name=target, kind=kind, target=target)
        message = str(refused.value)
        assert message.startswith("This target is refused: ") and words in message
        assert "TIERDESK_MONITORING_ALLOWED_NETWORKS" in message
    with pytest.raises(
        services.MonitoringError, match=r"^This target is refused: 10\.0\.0\.9 is a private address"
    ):
        services.alert_source_create(
            customer=server_asset.customer,
            name="AM",
            kind="alertmanager",
            alertmanager_url="http://10.0.0.9:9093",
        )
    assert not server_asset.checks.exists()


def test_a_check_that_resolves_to_a_refused_address_later_fails_instead_of_connecting(
    http_check, settings, web
):
    settings.TIERDESK_MONITORING_ALLOWED_NETWORKS = []
    run(http_check)
    assert "loopback address" in http_check.last_message and not web.requests


def test_a_plan_without_monitoring_gets_no_monitoring(make_customer):
    bronze = make_customer("nexstor", "bronze", slug="tinyco")
    with pytest.raises(services.NotEntitled) as refused:
        services.asset_create(customer=bronze, name="server")
    assert str(refused.value) == "The Bronze plan of Tinyco does not include infrastructure monitoring."
    with pytest.raises(services.NotEntitled):
        services.alert_source_create(customer=bronze, name="Prometheus", kind="alertmanager")
    nothing = make_customer("nexstor", None, slug="nocontract")
    with pytest.raises(services.NotEntitled, match="no contract in force"):
        services.asset_create(customer=nothing, name="server")


def test_a_customer_who_lost_monitoring_gets_no_incident(http_check, web, acme):
    from tierdesk.customers.models import Contract

    Contract.objects.filter(customer=acme).update(plan=acme.provider.plans.get(slug="bronze"))
    web.status = 500
    assert run(http_check, 3) == CheckState.DOWN
    assert not Alert.objects.exists() and not outbox()
