"""How fast are the agents' queue page and the API's ticket list with a million tickets?

    .venv/bin/python bench/console.py                      # 1,000,000 tickets in PostgreSQL
    .venv/bin/python bench/console.py --tickets 100000     # smaller
    .venv/bin/python bench/console.py --reuse              # keep the generated database between runs

Steps:
1. Create a PostgreSQL database `tierdesk_bench` (DATABASE_URL's server; default the local one),
   migrate it, load the five seed catalogs, and make 2,000 customers with contacts and contracts.
2. Generate the tickets with COPY (the fastest bulk insert PostgreSQL has): realistic mixes of
   providers, plans, severities, statuses (97 % resolved or closed, as in a desk's history),
   channels and opening times over two years, plus one SLA clock per ticket; then ANALYZE.
3. Time requests in-process through Django's test client (the whole request: middleware, view,
   queries, template or JSON): the queue page (all open, mine, filtered by provider and severity,
   searched by number) and the API list (first page, filtered), each `--repeat` times after a
   warm-up, reporting p50/p95/max and the number of SQL queries per request.
Target (issue 4): under 100 ms p95.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument(
        "--reuse", action="store_true", help="reuse tierdesk_bench if it holds enough tickets"
    )
    parser.add_argument(
        "--server", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    args = parser.parse_args()

    parts = urlsplit(args.server)
    if not parts.scheme.startswith("postgres"):
        print("bench/console.py measures PostgreSQL: give --server postgres://…", file=sys.stderr)
        return 2
    bench_url = urlunsplit(parts._replace(path="/tierdesk_bench"))
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    os.environ.update(
        DATABASE_URL=bench_url,
        DJANGO_SETTINGS_MODULE="tierdesk.settings.base",
        TIERDESK_DATA_DIR=tempfile.mkdtemp(prefix="tierdesk-bench-"),
        ALLOWED_HOSTS="testserver",
        EMAIL_URL="dummy:",
    )
    os.environ.pop("REDIS_URL", None)
    import psycopg

    fresh = True
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = 'tierdesk_bench'").fetchone()
        if exists and args.reuse:
            fresh = False
        else:
            conn.execute('DROP DATABASE IF EXISTS "tierdesk_bench" WITH (FORCE)')
            conn.execute('CREATE DATABASE "tierdesk_bench"')

    import django

    django.setup()
    from django.core.management import call_command

    from tierdesk.tickets.models import Ticket

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # as `tierdesk serve` does
    if not fresh and Ticket.objects.count() < args.tickets:
        fresh = True
    started = time.perf_counter()
    if fresh:
        generate(args.tickets)
    generated = time.perf_counter() - started
    measure(args, generated if fresh else None)
    return 0


def generate(n: int) -> None:
    from django.db import connection
    from tqdm import tqdm

    from tierdesk.accounts.models import Agent, Team, User
    from tierdesk.catalog.models import Calendar, Plan, Provider
    from tierdesk.catalog.services import catalog_load
    from tierdesk.customers.models import Contact, Contract, Customer

    catalog_load(paths=sorted((ROOT / "catalogs").glob("*.toml")))
    rng = random.Random(42)
    user = User.objects.create_superuser("bench", "bench@example.com", "bench-password-123")
    agent = Agent.objects.create(user=user)
    team = Team.objects.create(slug="all", name="All", lead=agent)
    agent.teams.add(team)
    others = [
        Agent.objects.create(user=User.objects.create_user(f"agent{i}", f"a{i}@example.com"))
        for i in range(20)
    ]

    plans = list(Plan.objects.select_related("provider").filter(adhoc=False))
    customers = Customer.objects.bulk_create(
        Customer(
            provider=p.provider,
            slug=f"c{i}",
            name=f"Customer {i}",
            language=p.provider.language,
            timezone=p.provider.timezone,
        )
        for i, p in ((i, plans[i % len(plans)]) for i in range(2000))
    )
    contacts = Contact.objects.bulk_create(
        Contact(customer=c, name=f"Contact {c.slug}", email=f"it@{c.slug}.example") for c in customers
    )
    contracts = Contract.objects.bulk_create(
        Contract(customer=c, plan=plans[i % len(plans)], starts_on=datetime(2024, 1, 1, tzinfo=UTC).date())
        for i, c in enumerate(customers)
    )
    severities = {p.pk: list(p.severities.values_list("pk", flat=True)) for p in Provider.objects.all()}
    calendars = {p.pk: p.calendar_id for p in plans}
    statuses = [
        "new",
        "acknowledged",
        "in_progress",
        "waiting_customer",
        "waiting_vendor",
        "resolved",
        "closed",
    ]
    # A desk's history: nearly every ticket of two years is resolved or closed; 3 % are open work.
    weights = [0.6, 0.6, 1, 0.5, 0.3, 7, 90]
    channels = ["email", "phone", "portal", "monitoring"]
    now = datetime.now(tz=UTC)
    start = now - timedelta(days=730)
    ticket_cols = (
        "number, provider_id, customer_id, contact_id, contract_id, plan_id, type, channel, severity_id, "
        "status, subject, assignee_id, team_id, adhoc_status, opened_at, resolved_at, closed_at, updated_at, "
        "next_due_at, sla_state"
    )
    with connection.cursor() as cursor, tqdm(total=n, desc="tickets", unit="ticket") as bar:
        raw = cursor.connection
        with raw.cursor().copy(f"COPY tickets_ticket ({ticket_cols}) FROM STDIN") as copy:
            for i in range(n):
                k = rng.randrange(len(customers))
                customer, contract = customers[k], contracts[k]
                plan = plans[k % len(plans)]
                status = rng.choices(statuses, weights)[0]
                opened = start + timedelta(seconds=rng.randrange(730 * 86400))
                done = status in ("resolved", "closed")
                due = None if done else opened + timedelta(hours=rng.choice([1, 4, 8, 24, 72]))
                state = "met" if done else ("breached" if due and due < now else "running")
                if status in ("waiting_customer",):
                    due, state = None, "paused"
                assignee = rng.choice([agent, *others, None, None]) if i % 3 else None
                copy.write_row(
                    (
                        f"{plan.provider.case_prefix}-{opened.year}-{i:07d}",
                        plan.provider_id,
                        customer.pk,
                        contacts[k].pk,
                        contract.pk,
                        plan.pk,
                        rng.choice(["incident", "service_request", "information"]),
                        rng.choice(channels),
                        rng.choice(severities[plan.provider_id]),
                        status,
                        f"Bench case {i}: printer {rng.randrange(1000)} offline",
                        assignee.pk if assignee else None,
                        team.pk,
                        "",
                        opened,
                        opened + timedelta(hours=5) if done else None,
                        opened + timedelta(days=2) if status == "closed" else None,
                        opened,
                        due,
                        state,
                    )
                )
                if i % 10_000 == 9_999:
                    bar.update(10_000)
        bar.update(n % 10_000)
        cursor.execute("SELECT id, opened_at, next_due_at, sla_state, plan_id FROM tickets_ticket")
        rows = cursor.fetchall()
        clock_cols = (
            "ticket_id, metric, target, target_text, calendar_id, hours, started_at, due_at, state, elapsed, "
            "elapsed_at, cycle, misses"
        )
        with raw.cursor().copy(f"COPY tickets_slaclock ({clock_cols}) FROM STDIN") as copy:
            for pk, opened, due, state, plan_id in tqdm(rows, desc="clocks", unit="clock"):
                copy.write_row(
                    (
                        pk,
                        "first_response",
                        timedelta(hours=4),
                        "4h",
                        calendars[plan_id],
                        "any",
                        opened,
                        due,
                        state or "met",
                        timedelta(hours=1),
                        opened,
                        1,
                        0,
                    )
                )
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would: the visibility map makes counts index-only
    del Calendar  # imported for clarity of the foreign keys above


def measure(args: argparse.Namespace, generated: float | None) -> None:
    from django.db import connection
    from django.test import Client

    from tierdesk.accounts.models import User
    from tierdesk.tickets.models import Ticket

    user = User.objects.get(username="bench")
    client = Client()
    client.force_login(user)
    token = _api_token(user)
    some = Ticket.objects.order_by("?").values_list("number", flat=True).first()
    pages = [
        ("queue: all open", "/", {}),
        ("queue: mine", "/?queue=mine", {}),
        ("queue: provider + severity", "/?provider=nexstor&severity=2", {}),
        ("queue: search by number", f"/?q={some}", {}),
        ("API list: first page", "/api/v1/tickets", {"HTTP_AUTHORIZATION": f"Bearer {token}"}),
        (
            "API list: provider + status",
            "/api/v1/tickets?provider=netcor&status=in_progress",
            {"HTTP_AUTHORIZATION": f"Bearer {token}"},
        ),
    ]
    total = Ticket.objects.count()
    print(f"\nTierdesk console and API with {total:,} tickets in PostgreSQL")
    cpu = platform.processor() or platform.machine()
    print(f"machine: {cpu}, {os.cpu_count()} cores; Python {platform.python_version()}")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        print(
            f"PostgreSQL {cursor.fetchone()[0]}; requests in-process through Django's test client, "
            f"{args.repeat} timed after 5 warm-up"
        )
    if generated is not None:
        print(f"generation (COPY, tickets + one clock each, ANALYZE): {generated:.0f} s")
    print(f"\n{'request':32} {'status':>6} {'queries':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, url, headers in pages:
        for _ in range(5):
            response = client.get(url, **headers)
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get(url, **headers)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            response = client.get(url, **headers)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(
            f"{name:32} {response.status_code:>6} {len(queries):>8} "
            f"{statistics.median(times):>8.1f} {p95:>8.1f} {times[-1]:>8.1f}"
        )


def _api_token(user) -> str:
    from tierdesk.api.auth import api_token_create

    return api_token_create(user=user, name="bench")[1]


if __name__ == "__main__":
    sys.exit(main())
