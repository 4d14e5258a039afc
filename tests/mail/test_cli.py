"""The real `tierdesk mail …` commands in subprocesses, against a fresh desk (a file database, or its own
PostgreSQL database when DATABASE_URL is set): the MTA pipe's exit statuses, the SMTP listener, and
intake killed with SIGKILL at random moments and run again."""

from __future__ import annotations

import json
import random
import signal
import smtplib
import socket
import subprocess
import time

import pytest

from ..helpers import REPO_ROOT, TIERDESK
from .conftest import free_port, message

SETUP = f"""
import datetime
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from tierdesk.catalog.services import catalog_load
catalog_load(paths=[__import__("pathlib").Path({str(REPO_ROOT / "catalogs" / "nexstor.toml")!r})])
from tierdesk.catalog.models import Provider
from tierdesk.customers.models import Contact, Contract, Customer
p = Provider.objects.get(slug="nexstor")
c = Customer.objects.create(provider=p, slug="acme", name="Acme", timezone="Europe/London")
Contact.objects.create(customer=c, name="Alice", email="it@acme.example")
Contract.objects.create(customer=c, plan=p.plans.get(slug="silver"), starts_on=datetime.date(2025, 1, 1))
"""

STATE = """
import json
from django.db.models import Count
from tierdesk.mail.models import InboundMessage
from tierdesk.tickets.models import Ticket, TicketEvent
from tierdesk.notify.models import OutboundEmail
effects = list(
    InboundMessage.objects.filter(outcome__in=["created", "replied"])
    .values("message_id").annotate(n=Count("id")).values_list("message_id", "n")
)
print(json.dumps({
    "tickets": Ticket.objects.count(),
    "replies": TicketEvent.objects.filter(kind="customer_message").count(),
    "effects": dict(effects),
    "states": dict(InboundMessage.objects.values("state").annotate(n=Count("id")).values_list("state", "n")),
    "acks": OutboundEmail.objects.count(),
}))
"""


@pytest.fixture
def cli_desk(cli_env, tierdesk):
    done = tierdesk("manage", "shell", "-c", SETUP)
    assert done.returncode == 0, done.stderr
    return cli_env


def state(tierdesk) -> dict:
    done = tierdesk("manage", "shell", "-c", STATE)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def receive(env, raw: bytes, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*TIERDESK, "mail", "receive", *args],
        env=env,
        input=raw,
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def test_the_pipe_exits_0_once_stored_and_a_redelivery_changes_nothing(cli_desk, tierdesk):
    raw = message(message_id="<pipe@acme.example>")
    first = receive(cli_desk, raw, "--sender", "it@acme.example", "--recipient", "support@nexstor.co.uk")
    assert (first.returncode, first.stdout) == (0, b""), first.stderr
    again = receive(cli_desk, raw)
    assert again.returncode == 0
    after = state(tierdesk)
    assert after["tickets"] == 1 and after["effects"] == {"pipe@acme.example": 1} and after["acks"] == 1


def test_the_pipe_asks_the_mta_to_retry_when_the_database_is_unavailable(cli_env, tmp_path):
    raw = message()
    for url in (
        f"postgres://postgres@127.0.0.1:{free_port()}/tierdesk",
        f"sqlite:///{tmp_path}/missing/dir/db.sqlite3",
    ):
        done = receive({**cli_env, "DATABASE_URL": url}, raw)
        assert done.returncode == 75, (url, done.stderr)
        assert b"not stored, the MTA should retry" in done.stderr
        assert b"Traceback" not in done.stderr


def test_the_pipe_asks_for_a_retry_before_a_missing_table_too(cli_env):
    done = receive(cli_env, message())  # a fresh database, never migrated
    assert done.returncode == 75


def test_a_message_that_fails_after_storing_still_exits_0_and_is_kept(cli_desk, tierdesk):
    raw = message(sender="someone@newcorp.example", to="info@elsewhere.example")
    done = receive(cli_desk, raw)
    assert done.returncode == 0
    listing = tierdesk("mail", "list", "--state", "processed")
    assert "Refused" in listing.stdout  # one provider: routed to it, refused as an unknown sender
    assert tierdesk("mail", "retry").stdout.strip() == "Nothing to retry."


def test_the_smtp_listener_answers_250_only_after_storing(cli_desk, tierdesk):
    port = free_port()
    env = {**cli_desk, "TIERDESK_MAIL_MAX_BYTES": "200000"}
    server = subprocess.Popen(
        [*TIERDESK, "mail", "smtpd", "--port", str(port), "--provider", "nexstor"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_port(port, server)
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as refused:
                smtp.sendmail("it@acme.example", ["support@nexstor.co.uk"], message(body="z" * 300_000))
            assert refused.value.smtp_code == 552  # too large: refused at the door, the sender is told
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            raw = message(message_id="<smtp@acme.example>")
            smtp.sendmail("it@acme.example", ["support@nexstor.co.uk"], raw)
            smtp.sendmail("it@acme.example", ["support@nexstor.co.uk"], raw)  # a retry after a lost 250
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = state(tierdesk)
            if now["effects"].get("smtp@acme.example"):
                break
            time.sleep(0.3)
    finally:
        server.send_signal(signal.SIGTERM)
        _out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert now["effects"] == {"smtp@acme.example": 1} and now["tickets"] == 1
    assert now["states"] == {"processed": 1}


def _wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the SMTP listener did not start")


# -- SIGKILL at random moments --------------------------------------------------------------------


def _kill_corpus() -> list[tuple[str, bytes]]:
    """New cases, replies to them by In-Reply-To and by References only, a duplicate delivery."""
    items = []
    for n in range(4):
        items.append((f"new{n}", message(message_id=f"<new{n}@acme.example>", subject=f"Case {n}")))
    items.append(
        ("r0", message(message_id="<r0@acme.example>", headers={"In-Reply-To": "<new0@acme.example>"}))
    )
    items.append(
        ("r1", message(message_id="<r1@acme.example>", headers={"References": "<x@y> <new1@acme.example>"}))
    )
    items.append(("dup", b"Received: from backup-mx\n" + items[2][1]))
    return items


def test_receive_killed_at_random_moments_and_run_again_makes_each_message_once(cli_desk, tierdesk):
    rng = random.Random(5)  # reproducible kill times, spread over start-up, storing and processing
    kills = 0
    for _name, raw in _kill_corpus():
        process = subprocess.Popen(
            [*TIERDESK, "mail", "receive"], env=cli_desk, stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        process.stdin.write(raw)
        process.stdin.close()
        time.sleep(rng.uniform(0.2, 1.6))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
        # The MTA delivers again until it gets 0 (a killed pipe is a deferral).
        for _attempt in range(3):
            if receive(cli_desk, raw).returncode == 0:
                break
        else:
            raise AssertionError("receive never succeeded")
    after = state(tierdesk)
    assert after["effects"] == {
        "new0@acme.example": 1, "new1@acme.example": 1, "new2@acme.example": 1, "new3@acme.example": 1,
        "r0@acme.example": 1, "r1@acme.example": 1,
    }  # fmt: skip
    assert after["tickets"] == 4 and after["replies"] == 2 and after["acks"] == 4
    assert "received" not in after["states"] and "failed" not in after["states"]
    assert kills >= 1


def test_the_poller_killed_at_random_moments_and_run_again_makes_each_message_once(
    cli_desk, tierdesk, dovecot
):
    user = sorted(dovecot.users)[1]
    with dovecot.mailbox(user) as box:
        uids = box.uids()
        if uids:
            box.delete(uids)
        for n in range(30):
            headers = {"In-Reply-To": f"<p{n - 10}@acme.example>"} if n >= 20 else None
            box.append(
                message(message_id=f"<p{n}@acme.example>", subject=f"Poll {n}", headers=headers), "INBOX"
            )
    env = {
        **cli_desk,
        "TIERDESK_IMAP_MAILBOXES": dovecot.url(user, provider="nexstor"),
        "TIERDESK_MAIL_RATE_LIMIT": "0",
    }
    rng = random.Random(7)
    for _round in range(4):
        process = subprocess.Popen(
            [*TIERDESK, "mail", "poll"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(1.0, 3.0))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait()
    final = subprocess.run(
        [*TIERDESK, "mail", "poll"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert final.returncode == 0, final.stderr
    after = state(tierdesk)
    assert after["effects"] == {f"p{n}@acme.example": 1 for n in range(30)}
    assert after["tickets"] == 20 and after["replies"] == 10
    assert "received" not in after["states"] and "failed" not in after["states"]
    with dovecot.mailbox(user) as box:
        assert all("\\Seen" in m.flags for m in box.fetch(mark_seen=False, headers_only=True))
