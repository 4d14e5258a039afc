"""Fixtures of the e-mail tests: the desk's customers as mail sees them, a real SMTP server (aiosmtpd)
and a real IMAP server (a private Dovecot per test session)."""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

CORPUS = Path(__file__).parent / "corpus"
LONDON = ZoneInfo("Europe/London")
MONDAY_MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)  # Nexstor's desk is open


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


@contextmanager
def at(moment: datetime):
    with time_machine.travel(moment, tick=False):
        yield


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Tests roll their data back, so per-process caches of providers and plans start empty."""
    from tierdesk.mail.outbound import caches_clear

    caches_clear()
    yield
    caches_clear()


@pytest.fixture
def desk(make_customer, customer_a, customer_b):
    """The customers mail comes from: Acme (Nexstor Silver, it@acme.example), Globex (Nexstor Gold),
    Fjord (Biztek, Norwegian), Netz (NETCOR, German), Madinina (Exodata: no e-mail channel)."""
    people = {"acme": customer_a, "globex": customer_b}
    people["fjord"] = make_customer("biztek", "standard", slug="fjord")
    people["netz"] = make_customer("netcor", "standard", slug="netz")
    people["madinina"] = make_customer("exodata", "standard", slug="madinina")
    return people


def receive(raw: bytes, *, source: str = "test", **kwargs):
    """Store and process a message as every door does; returns the row as it stands after."""
    from tierdesk.mail.services import inbound_receive

    row, _created = inbound_receive(raw=raw, source=source, **kwargs)
    row.refresh_from_db()
    return row


def outbox(**filters):
    from tierdesk.notify.models import OutboundEmail

    return list(OutboundEmail.objects.filter(**filters).order_by("id"))


def message(
    *,
    sender: str = "it@acme.example",
    to: str = "support@nexstor.co.uk",
    subject: str = "Printer on fire",
    body: str = "The printer on the 2nd floor is on fire.",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    msg = email.message.EmailMessage(policy=email.policy.SMTP)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = "Mon, 23 Nov 2026 10:00:00 +0000"
    if message_id is not False:
        msg["Message-ID"] = message_id or email.utils.make_msgid(domain="acme.example")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


# -- a real SMTP server ---------------------------------------------------------------------------


@dataclass
class SmtpSink:
    host: str
    port: int
    messages: list = field(default_factory=list)  # (envelope from, recipients, parsed message, raw)

    def settings(self) -> dict[str, object]:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": self.host,
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_TIMEOUT": 10,
        }


@pytest.fixture
def smtp_server():
    """An aiosmtpd server on a free loopback port that keeps what it receives."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink(host="127.0.0.1", port=free_port())

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            raw = envelope.original_content or envelope.content
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            sink.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed, raw))
            return "250 OK"

    controller = Controller(Handler(), hostname=sink.host, port=sink.port, decode_data=False)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


# -- a real IMAP server ---------------------------------------------------------------------------

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


@dataclass
class Dovecot:
    host: str
    port: int
    users: dict[str, str]

    def url(self, user: str, *, folder: str = "INBOX", password: str | None = None, **params: str) -> str:
        from urllib.parse import quote, urlencode

        secret = self.users[user] if password is None else password
        query = f"?{urlencode(params)}" if params else ""
        return (
            f"imap://{quote(user, safe='')}:{quote(secret, safe='')}@{self.host}:{self.port}/{folder}{query}"
        )

    def mailbox(self, user: str):
        from imap_tools import MailBoxUnencrypted

        return MailBoxUnencrypted(self.host, self.port).login(user, self.users[user])


@pytest.fixture(scope="session")
def dovecot():
    """A private Dovecot on a free port, for this test session (stack-checked.md §5): plain IMAP on
    loopback, passwords from a file, Maildirs in a temporary directory. Its stdio goes to a log file
    (Dovecot keeps the caller's stderr open otherwise, and a piped CI step hangs)."""
    if not os.path.exists(DOVECOT):
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd)")
    root = Path(tempfile.mkdtemp(prefix="tierdesk-dovecot-"))
    root.chmod(0o755)
    (root / "run").mkdir()
    (root / "mail").mkdir()
    shutil.chown(root / "mail", "dovecot", "dovecot")
    users = {f"desk{i}@example.test": f"secret-{i}" for i in range(1, 6)}
    (root / "passwd").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in users.items()))
    port = free_port()
    (root / "dovecot.conf").write_text(
        f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = 100
mail_location = maildir:{root}/mail/%u/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
# No brute-force penalty for the wrong-password test: it would slow down the next logins.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/mail/%u
}}
"""
    )
    (root / "state").mkdir()
    log = open(root / "stdio.log", "wb")  # noqa: SIM115 (closed at teardown)
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.05)
    else:
        process.kill()
    if process.poll() is not None:
        log.close()
        pytest.fail(
            f"Dovecot did not start: {(root / 'stdio.log').read_text()} {(root / 'dovecot.log').read_text() if (root / 'dovecot.log').exists() else ''}"
        )
    try:
        yield Dovecot(host="127.0.0.1", port=port, users=users)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(root, ignore_errors=True)
