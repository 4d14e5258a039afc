"""How many checks does one worker run per minute, and how many alerts per second does the desk
ingest? On SQLite (default) or PostgreSQL.

    .venv/bin/python bench/monitoring.py                         # 300 HTTP checks, 300 alerts, SQLite
    .venv/bin/python bench/monitoring.py --database postgres     # on DATABASE_URL's server
    .venv/bin/python bench/monitoring.py --checks 1000 --alerts 1000 --failing 10

Steps:
1. A fresh database (SQLite: a file in a temporary data directory; PostgreSQL: `tierdesk_bench_mon` on
   DATABASE_URL's server, default the local one), migrated, the five seed catalogs loaded, one Nexstor
   Silver customer (monitoring included) with a technical contact, and an HTTP server on 127.0.0.1 (a
   `ThreadingHTTPServer` in this process, so it shares the worker's CPU: a conservative figure). The
   loopback address is allowed for this run (TIERDESK_MONITORING_ALLOWED_NETWORKS=127.0.0.1/32).
2. Checks: `--checks` HTTP checks (one per asset, expected text looked for) of which `--failing` per cent
   answer 500 with no retries, so they go down, open an incident through `ticket_open` and write the
   fault mails to the outbox. Timed: `checks_run_due` — what the periodic job calls — until every check
   has run once, in this one process (one worker, checks one after the other).
   Rate = checks / wall time × 60.
3. Alerts: `--alerts` Alertmanager v4 payloads of one alert each with distinct fingerprints, given to
   `alert_ingest` (the webhook's service; JSON parsing and HTTP excluded). Timed in three phases:
   new (each opens an incident and writes fault mails), repeat (each annotates its open incident), and
   resolved (each resolves its incident). Rate = alerts / wall time of the phase.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
BENCH_DB = "tierdesk_bench_mon"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        failing = self.path.startswith("/fail")
        body = b"down" if failing else b"<h1>ok</h1> all systems operational"
        self.send_response(500 if failing else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class Counter:
    """Counts SQL statements (a database execute wrapper; no query log, so no overhead to speak of)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def take(self) -> int:
        count, self.count = self.count, 0
        return count


def environment(database: str, server: str) -> None:
    data_dir = tempfile.mkdtemp(prefix=f"tierdesk-bench-mon-{database}-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tierdesk.settings.base",
        TIERDESK_DATA_DIR=data_dir,
        EMAIL_URL="dummy:",
        LOG_LEVEL="WARNING",
        TIERDESK_MONITORING_ALLOWED_NETWORKS="127.0.0.1/32",
        TIERDESK_MONITORING_DESK_EMAILS="noc@desk.example",
    )
    os.environ.pop("REDIS_URL", None)
    if database == "postgres":
        import psycopg

        parts = urlsplit(server)
        with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
    elif database == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{data_dir}/bench.sqlite3"
    else:
        raise SystemExit(f"unknown database {database!r}: sqlite or postgres")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--checks", type=int, default=300)
    parser.add_argument("--alerts", type=int, default=300)
    parser.add_argument("--failing", type=int, default=5, help="per cent of checks that fail")
    parser.add_argument("--database", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument(
        "--server", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    args = parser.parse_args()
    environment(args.database, args.server)
    import django

    django.setup()
    from datetime import date

    from django.core.management import call_command
    from django.db import connection

    from tierdesk import clock
    from tierdesk.catalog.models import Provider
    from tierdesk.catalog.services import catalog_load
    from tierdesk.customers.models import Contact, Contract, Customer
    from tierdesk.monitoring import services
    from tierdesk.monitoring.models import Alert, CheckResult
    from tierdesk.notify.models import OutboundEmail

    print(
        f"bench/monitoring.py on {platform.node()}: "
        f"Python {platform.python_version()}, {os.cpu_count()} cores"
    )
    call_command("migrate", verbosity=0)
    catalog_load(paths=sorted((ROOT / "catalogs").glob("*.toml")))
    nexstor = Provider.objects.get(slug="nexstor")
    customer = Customer.objects.create(
        provider=nexstor, slug="bench", name="Bench Ltd", language="en", timezone="Europe/London"
    )
    Contact.objects.create(customer=customer, name="Tech", email="tech@bench.example", role="technical")
    Contract.objects.create(
        customer=customer, plan=nexstor.plans.get(slug="silver"), starts_on=date(2024, 1, 1)
    )
    print(
        f"database: {connection.vendor}; one Nexstor Silver customer; an HTTP server on 127.0.0.1 in this "
        "process.\nChecks: checks_run_due (the periodic job's service) in one process until each check ran "
        f"once, {args.failing}% answering 500 (no retries: each opens an incident).\nAlerts: alert_ingest "
        "(the webhook's service, HTTP and JSON parsing excluded) with one Alertmanager v4 alert per "
        "payload: new, then the same again (repeat), then resolved.\n"
    )

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    failing = args.checks * args.failing // 100
    for n in range(args.checks):
        asset = services.asset_create(customer=customer, name=f"server-{n:05d}")
        path = "/fail" if n < failing else "/"
        services.check_create(
            asset=asset,
            name="web",
            kind="http",
            target=f"{base}{path}?n={n}",
            expected_text="operational",
            retries=0,
        )
    counter = Counter()
    now = clock.now()
    started = time.perf_counter()
    ran = 0
    with connection.execute_wrapper(counter):
        while ran < args.checks:
            done = services.checks_run_due(now=now)
            if not done:
                break
            ran += done
    wall = time.perf_counter() - started
    incidents = Alert.objects.count()
    print(
        f"checks: {ran} HTTP checks ({failing} failing → {incidents} incidents opened, "
        f"{OutboundEmail.objects.count()} fault mails queued) in {wall:.2f} s "
        f"= {ran / wall * 60:,.0f} checks per minute on one worker ({wall / ran * 1000:.1f} ms per check, "
        f"{counter.take() / ran:.0f} SQL statements per check)"
    )
    assert ran == args.checks and CheckResult.objects.count() == args.checks and incidents == failing
    server.shutdown()

    source, _token = services.alert_source_create(customer=customer, name="Prometheus", kind="alertmanager")

    def body(n: int, status: str) -> dict:
        return {
            "version": "4",
            "status": status,
            "receiver": "tierdesk",
            "groupLabels": {},
            "commonLabels": {},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager.example:9093",
            "alerts": [
                {
                    "status": status,
                    "labels": {"alertname": "InstanceDown", "instance": f"host-{n}:9100", "job": "node"},
                    "annotations": {"summary": f"host-{n} is down"},
                    "startsAt": "2026-11-22T07:00:00Z",
                    "endsAt": "0001-01-01T00:00:00Z",
                    "fingerprint": f"fp{n:08d}",
                }
            ],
        }

    before = Alert.objects.count()
    for phase, status in (("new", "firing"), ("repeat", "firing"), ("resolved", "resolved")):
        payloads = [body(n, status) for n in range(args.alerts)]
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            for item in payloads:
                services.alert_ingest(source=source, payload=item, at=clock.now())
        wall = time.perf_counter() - started
        print(
            f"alerts {phase:8s}: {args.alerts} in {wall:.2f} s = {args.alerts / wall:,.0f} alerts/s "
            f"({wall / args.alerts * 1000:.1f} ms each, "
            f"{counter.take() / args.alerts:.0f} SQL statements each)"
        )
    assert Alert.objects.count() - before == args.alerts
    assert not Alert.objects.filter(source=source, status="firing").exists()
    return 0


if __name__ == "__main__":
    sys.exit(main())
