"""The Alertmanager and generic webhooks, acknowledgement, silences sent back to a real (stand-in)
Alertmanager over HTTP, and reminders."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from tierdesk import clock
from tierdesk.monitoring import services
from tierdesk.monitoring.models import Alert, SilenceRequest
from tierdesk.tickets.models import EventKind, Status

from .conftest import axes, outbox, payload

pytestmark = pytest.mark.django_db

AM = "/monitoring/hooks/alertmanager/"
GENERIC = "/monitoring/hooks/generic/"


@pytest.fixture
def am_source(acme, alertmanager):
    source, token = services.alert_source_create(
        customer=acme, name="Acme Prometheus", kind="alertmanager", alertmanager_url=alertmanager.url,
        **axes(acme, "degraded", "immediate"),
    )  # fmt: skip
    return source, token


def post(client, url, token, body, **extra):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(
        url, data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}", **extra
    )


def test_alertmanager_firing_repeat_and_resolved(client, am_source, tess):
    source, token = am_source
    response = post(client, AM, token, payload("alertmanager-firing.json"))
    assert response.status_code == 200 and response.json() == {"fired": 1, "recovered": 0}
    alert = Alert.objects.get()
    assert alert.fingerprint == "am:c4e1b0a8d2f95e37" and alert.name == "InstanceDown"
    assert alert.labels["instance"] == "db-01.acme.example:9100"
    ticket = alert.ticket
    assert ticket.channel == "monitoring" and ticket.severity.level == 2  # degraded × needed now
    assert ticket.events.get(kind=EventKind.OPENED).body.startswith("db-01.acme.example:9100 has been down")
    assert len(outbox()) == 2

    # Alertmanager repeats the notification: annotated, not a second incident.
    assert post(client, AM, token, payload("alertmanager-firing.json")).json() == {"fired": 1, "recovered": 0}
    assert Alert.objects.count() == 1
    alert.refresh_from_db()
    assert alert.fire_count == 2
    assert "fired again (2 times in all)" in ticket.events.filter(kind=EventKind.NOTE).get().body
    assert len(outbox()) == 2

    response = post(client, AM, token, payload("alertmanager-resolved.json"))
    assert response.json() == {"fired": 0, "recovered": 1}
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    source.refresh_from_db()
    assert source.last_used_at is not None


def test_the_token_is_required_and_must_be_the_sources_own(client, am_source, acme):
    _source, token = am_source
    body = payload("alertmanager-firing.json")
    assert client.post(AM, json.dumps(body), content_type="application/json").status_code == 401
    assert post(client, AM, token[:-2] + "xx", body).status_code == 401
    response = post(client, AM, "td_" + token[4:], body)
    assert response.status_code == 401 and "Bearer" in response["WWW-Authenticate"]
    _generic, generic_token = services.alert_source_create(customer=acme, name="Zabbix", kind="generic")
    assert post(client, AM, generic_token, body).status_code == 401  # a token opens its own door only
    assert client.get(AM).status_code == 405
    assert not Alert.objects.exists()


def test_payloads_are_size_limited_and_validated(client, am_source):
    _source, token = am_source
    big = payload("alertmanager-firing.json")
    big["commonAnnotations"]["padding"] = "x" * (256 * 1024)
    response = post(client, AM, token, big)
    assert response.status_code == 413 and response.json() == {"error": "the payload is larger than 256 KiB"}
    assert post(client, AM, token, b"{not json").status_code == 400
    deep = post(client, AM, token, b"[" * 100_000 + b"]" * 100_000)
    assert deep.status_code in (400, 413) and "error" in deep.json()
    cases = [
        (
            {**payload("alertmanager-firing.json"), "version": "3"},
            "unsupported Alertmanager payload version '3'; expected \"4\"",
        ),
        ({**payload("alertmanager-firing.json"), "alerts": []}, "alerts: expected a non-empty list"),
        (
            {**payload("alertmanager-firing.json"), "alerts": [{"status": "burning", "labels": {}}]},
            "alerts[0].status: expected firing or resolved",
        ),
        (
            {**payload("alertmanager-firing.json"), "alerts": [{"status": "firing", "labels": {"a": 1}}]},
            "alerts[0].labels: labels must be an object of strings",
        ),
        ([1, 2], "expected a JSON object"),
    ]
    for body, message in cases:
        response = post(client, AM, token, body)
        assert response.status_code == 400 and response.json() == {"error": message}, body
    assert not Alert.objects.exists()


def test_generic_webhook(client, acme, tess):
    _source, token = services.alert_source_create(customer=acme, name="Uptime robot", kind="generic")
    bad = post(client, GENERIC, token, {"status": "firing"})
    assert bad.status_code == 400 and bad.json() == {"error": "alert.name: required, a non-empty string"}
    body = {
        "name": "VPN tunnel down",
        "status": "firing",
        "summary": "Tunnel to Leeds down",
        "labels": {"site": "leeds"},
    }
    assert post(client, GENERIC, token, body).json() == {"fired": 1, "recovered": 0}
    assert post(client, GENERIC, token, {**body, "status": "resolved"}).json() == {"fired": 0, "recovered": 1}
    alert = Alert.objects.get()
    assert alert.status == "resolved" and alert.ticket.status == Status.RESOLVED
    many = {"alerts": [{"name": "Disk full", "status": "firing", "fingerprint": "disk-1"}, body]}
    assert post(client, GENERIC, token, many).json() == {"fired": 2, "recovered": 0}


def test_a_source_whose_customer_lost_monitoring_is_refused(client, am_source, acme):
    from tierdesk.customers.models import Contract

    _source, token = am_source
    Contract.objects.filter(customer=acme).update(plan=acme.provider.plans.get(slug="bronze"))
    response = post(client, AM, token, payload("alertmanager-firing.json"))
    assert response.status_code == 403
    assert response.json() == {"error": "The Bronze plan of Acme does not include infrastructure monitoring."}


def test_acknowledging_records_on_the_incident_stops_reminders_and_silences_alertmanager(
    client, am_source, alertmanager, agent, settings, django_capture_on_commit_callbacks
):
    settings.TIERDESK_MONITORING_REPEAT_MINUTES = 30
    _source, token = am_source
    post(client, AM, token, payload("alertmanager-firing.json"))
    alert = Alert.objects.get()
    later = clock.now() + timedelta(minutes=31)
    assert services.alerts_remind(now=later) == 1  # unacknowledged: mailed again
    assert sum("REMINDER" in m.subject for m in outbox()) == 2

    client.force_login(agent.user)
    refused = client.post(f"/monitoring/alerts/{alert.pk}/acknowledge/", {"comment": "  "})
    assert refused.status_code == 422 and "Say what is being done" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/monitoring/alerts/{alert.pk}/acknowledge/", {"comment": "Restarting db-01"})
    assert response.status_code == 302 and len(callbacks) == 1
    alert.refresh_from_db()
    assert alert.acknowledged_by_user == agent.user and alert.acknowledgement == "Restarting db-01"
    note = alert.ticket.events.filter(kind=EventKind.NOTE).get()
    assert note.body == "Fault acknowledged by Alice: Restarting db-01" and note.actor_user == agent.user
    again = client.post(f"/monitoring/alerts/{alert.pk}/acknowledge/", {"comment": "me too"})
    assert again.status_code == 422 and "already acknowledged by Alice" in again.content.decode()

    assert services.alerts_remind(now=later + timedelta(hours=5)) == 0  # acknowledged: no more mail

    # The silence goes to the real (stand-in) Alertmanager over HTTP, sent by the job.
    silence = SilenceRequest.objects.get()
    assert silence.state == "pending" and not alertmanager.requests
    assert services.silences_send_pending() == 1
    method, path, _headers, data = alertmanager.requests[0]
    assert (method, path) == ("POST", "/api/v2/silences")
    sent = json.loads(data)
    assert {
        "name": "instance",
        "value": "db-01.acme.example:9100",
        "isRegex": False,
        "isEqual": True,
    } in sent["matchers"]
    assert sent["createdBy"] == "Tierdesk: Alice" and sent["comment"] == "Restarting db-01"
    silence.refresh_from_db()
    assert silence.state == "sent" and silence.silence_id == "5e1ence-0001"
    assert services.silences_send_pending() == 0


def test_a_failing_alertmanager_is_retried_with_backoff(am_source, alertmanager, agent, client):
    _source, token = am_source
    post(client, AM, token, payload("alertmanager-firing.json"))
    services.alert_acknowledge(alert=Alert.objects.get(), actor=agent.user, comment="on it")
    alertmanager.status = 500
    assert services.silences_send_pending() == 0
    silence = SilenceRequest.objects.get()
    assert silence.state == "pending" and silence.attempts == 1 and "HTTP 500" in silence.last_error
    alertmanager.status = 200
    assert services.silences_send_pending() == 0  # not due yet
    with time_machine.travel(clock.now() + timedelta(minutes=3), tick=False):
        assert services.silences_send_pending() == 1


def test_an_admin_issues_a_new_token_and_the_old_one_stops_working(admin_client, am_source):
    source, old = am_source
    response = admin_client.post(
        "/admin/monitoring/alertsource/",
        {"action": "rotate_token", "_selected_action": [source.pk]},
        follow=True,
    )
    new = re.search(r"\(shown once\): (tdm_\S{43})", response.content.decode()).group(1)
    assert services.source_authenticate(token=new, kind="alertmanager") == source
    assert services.source_authenticate(token=old, kind="alertmanager") is None
    assert admin_client.get("/admin/monitoring/alertsource/add/").status_code == 403
    assert admin_client.get(f"/admin/monitoring/alertsource/{source.pk}/change/").status_code == 200


def test_down_incident_fault_mail_acknowledge_recovery_resolution_through_the_webhook(
    client, am_source, tess
):
    _source, token = am_source
    post(client, AM, token, payload("alertmanager-firing.json"))
    alert = Alert.objects.get()
    fault = next(m for m in outbox() if m.to == ["tess@acme.example"])
    link = re.search(r"https://desk\.example(/portal/monitoring/alerts/\d+/)", fault.body).group(1)
    assert "db-01.acme.example:9100 has been down" in fault.body

    portal = Client()
    portal.force_login(tess.user)
    assert portal.post(link + "acknowledge/", {"comment": "DBA paged"}).status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by_contact == tess
    assert SilenceRequest.objects.get().payload["createdBy"] == "Tierdesk: Tess Tech"

    post(client, AM, token, payload("alertmanager-resolved.json"))
    alert.refresh_from_db()
    alert.ticket.refresh_from_db()
    assert alert.status == "resolved" and alert.ticket.status == Status.RESOLVED
    kinds = list(alert.ticket.events.order_by("id").values_list("kind", flat=True))
    assert kinds == [EventKind.OPENED, EventKind.NOTE, EventKind.STATUS]
