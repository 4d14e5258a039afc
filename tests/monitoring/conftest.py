"""Fixtures of the monitoring tests: real servers on the loopback address only — an HTTP server that
fails on demand, a fake Alertmanager that records the silences it is sent, HTTPS servers with
certificates made at test time by the `openssl` command (one expired, one about to expire), a closed
port — and a Nexstor Silver customer (monitoring included) with a technical contact."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.mail.conftest import smtp_server  # noqa: F401 — a real SMTP server (aiosmtpd)

PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text())


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    """The checker refuses loopback by default; these tests' servers live there."""
    settings.TIERDESK_MONITORING_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.TIERDESK_MONITORING_DESK_EMAILS = ["noc@desk.example"]
    settings.TIERDESK_BASE_URL = "https://desk.example"


@pytest.fixture(autouse=True)
def _fresh_caches():
    from tierdesk.mail.outbound import caches_clear
    from tierdesk.monitoring.services import email_senders_clear

    caches_clear()
    email_senders_clear()
    yield
    caches_clear()
    email_senders_clear()


@dataclass
class FlakyServer:
    """An HTTP server whose answer the test sets: `status`, `body`; it keeps the requests it got."""

    status: int = 200
    body: str = "<h1>Shop</h1> all systems operational"
    requests: list = field(default_factory=list)  # (method, path, headers, body)
    reply: dict | None = None  # JSON to answer instead of `body`
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _serve(state: FlakyServer, *, tls: ssl.SSLContext | None = None):
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(length) if length else b""
            state.requests.append((self.command, self.path, dict(self.headers), data))
            out = json.dumps(state.reply).encode() if state.reply is not None else state.body.encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json" if state.reply is not None else "text/html")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        do_GET = do_POST = _answer

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def web():
    """A web site that is up until the test says otherwise (web.status = 503)."""
    state = FlakyServer()
    server = _serve(state)
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def alertmanager():
    """A stand-in for Alertmanager's API: answers POST /api/v2/silences with a silence id."""
    state = FlakyServer(reply={"silenceID": "5e1ence-0001"})
    server = _serve(state)
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Certificates:
    ca: Path
    expired: tuple[Path, Path]
    expiring: tuple[Path, Path]  # valid for 5 more days
    good: tuple[Path, Path]  # valid for a year


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def certificates(tmp_path_factory) -> Certificates:
    """A test CA and three server certificates for 127.0.0.1, made now with the openssl command (the
    `cryptography` package is not installed): expired yesterday, expiring in 5 days, good for a year."""
    if shutil.which("openssl") is None:
        pytest.fail("the openssl command is needed to make test certificates")
    d = tmp_path_factory.mktemp("certs")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl(
        "req",
        "-x509",
        *ec,
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "30",
        "-subj",
        "/CN=Test CA",
        cwd=d,
    )
    (d / "ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    made = {}
    for name, days in (("expired", "-1"), ("expiring", "5"), ("good", "365")):
        _openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", "/CN=127.0.0.1", cwd=d)
        _openssl(
            "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", f"{name}.pem", "-days", days, "-extfile", "ext", cwd=d,
        )  # fmt: skip
        made[name] = (d / f"{name}.pem", d / f"{name}.key")
    return Certificates(ca=d / "ca.pem", **made)


@pytest.fixture
def https_server(certificates):
    """https_server("expired") → the URL of an HTTPS server presenting that certificate."""
    servers = []

    def start(which: str) -> str:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert, key = getattr(certificates, which)
        context.load_cert_chain(cert, key)
        state = FlakyServer()
        servers.append(_serve(state, tls=context))
        return f"https://127.0.0.1:{state.port}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


# -- the desk ----------------------------------------------------------------------------------------


@pytest.fixture
def acme(customer_a, agent):
    """Acme (Nexstor Silver: monitoring included) with a technical contact, Tess, who signs in to the
    portal; Alice is an agent of the desk."""
    from tests.portal.conftest import make_portal_user
    from tierdesk.customers.models import Contact

    tess = Contact.objects.create(
        customer=customer_a, name="Tess Tech", email="tess@acme.example", role=Contact.Role.TECHNICAL
    )
    make_portal_user(tess, "tess")
    return customer_a


@pytest.fixture
def tess(acme):
    return acme.contacts.get(email="tess@acme.example")


@pytest.fixture
def server_asset(acme):
    from tierdesk.monitoring.services import asset_create

    return asset_create(customer=acme, name="shop-web-01")


def axes(customer, impact="outage", urgency="immediate"):
    from tierdesk.catalog.models import Impact, Urgency

    return {
        "impact": Impact.objects.get(provider=customer.provider, code=impact),
        "urgency": Urgency.objects.get(provider=customer.provider, code=urgency),
    }


@pytest.fixture
def http_check(server_asset, web):
    """An HTTP check of the web site, severity 1 (outage × needed now), two retries."""
    from tierdesk.monitoring.services import check_create

    check, _secret = check_create(
        asset=server_asset,
        name="Shop home page",
        kind="http",
        target=web.url + "/",
        expected_text="operational",
        retries=2,
        **axes(server_asset.customer),
    )
    return check


def run(check, times: int = 1, *, at=None):
    """Run a check `times` times (a few seconds apart), returning its state after."""
    from datetime import timedelta

    from tierdesk import clock
    from tierdesk.monitoring.services import check_run

    at = at or clock.now()
    for i in range(times):
        check_run(check=check, now=at + timedelta(seconds=i))
    check.refresh_from_db()
    return check.state


def outbox(**filters):
    from tierdesk.notify.models import OutboundEmail

    return list(OutboundEmail.objects.filter(**filters).order_by("id"))
