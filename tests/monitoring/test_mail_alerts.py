"""Nagios and Icinga notification e-mails through the real intake pipeline."""

from __future__ import annotations

import pytest

from tests.mail.conftest import message, receive
from tierdesk.monitoring import services
from tierdesk.monitoring.models import Alert
from tierdesk.monitoring.sources import parse_nagios_mail
from tierdesk.tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db

NAGIOS_PROBLEM = """***** Nagios *****

Notification Type: PROBLEM

Service: HTTP
Host: web01
Address: 203.0.113.10
State: CRITICAL

Date/Time: Sun Nov 22 07:40:00 UTC 2026

Additional Info:

CRITICAL - Socket timeout after 10 seconds
"""


@pytest.fixture
def nagios(acme):
    source, token = services.alert_source_create(
        customer=acme, name="Acme Nagios", kind="email", email_from="Nagios@monitor.acme.example"
    )
    assert token is None
    return source


def test_a_nagios_problem_opens_an_incident_and_the_recovery_resolves_it(nagios, tess):
    problem = receive(
        message(
            sender="nagios@monitor.acme.example",
            subject="** PROBLEM Service Alert: web01/HTTP is CRITICAL **",
            body=NAGIOS_PROBLEM,
            headers={"Auto-Submitted": "auto-generated"},
        )
    )
    assert problem.outcome == "alert"
    alert = Alert.objects.get()
    assert alert.fingerprint == "nagios:web01/http" and alert.name == "web01/HTTP is CRITICAL"
    assert "Socket timeout" in alert.summary and alert.ticket.channel == "monitoring"
    assert Ticket.objects.count() == 1  # no ordinary case besides the incident

    recovery = receive(
        message(
            sender="nagios@monitor.acme.example",
            subject="** RECOVERY Service Alert: web01/HTTP is OK **",
            body="Service: HTTP\nState: OK\n",
        )
    )
    assert recovery.outcome == "alert"
    alert.refresh_from_db()
    alert.ticket.refresh_from_db()
    assert alert.status == "resolved" and alert.ticket.status == Status.RESOLVED


def test_other_mail_from_the_same_sender_and_alerts_from_strangers_take_the_ordinary_path(nagios, acme):
    other = receive(message(sender="nagios@monitor.acme.example", subject="Weekly report"))
    assert other.outcome != "alert"
    stranger = receive(message(sender="it@acme.example", subject="** PROBLEM Host Alert: web01 is DOWN **"))
    assert stranger.outcome == "created" and not Alert.objects.exists()


@pytest.mark.parametrize(
    ("subject", "fingerprint", "firing"),
    [
        ("** PROBLEM Host Alert: db02 is DOWN **", "nagios:db02", True),
        ("** RECOVERY Host Alert: db02 is UP **", "nagios:db02", False),
        ("[PROBLEM] disk /var on files01 is CRITICAL!", "nagios:files01/disk /var", True),
        ("[RECOVERY] files01 is UP!", "nagios:files01", False),
    ],
)
def test_nagios_and_icinga_subjects(subject, fingerprint, firing):
    parsed = parse_nagios_mail(subject, "")
    assert parsed is not None and parsed.fingerprint == fingerprint and parsed.firing is firing


def test_acknowledgement_and_flapping_notices_are_not_alerts():
    assert parse_nagios_mail("** ACKNOWLEDGEMENT Service Alert: web01/HTTP is CRITICAL **", "") is None
    assert parse_nagios_mail("Printer on fire", "") is None
