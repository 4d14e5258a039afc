"""How many e-mails per second does intake take in — stored raw, then processed into a new case or a
reply, with the acknowledgement written to the outbox — on SQLite and on PostgreSQL?

    .venv/bin/python bench/mail.py                          # 10,000 new cases + 10,000 replies
    .venv/bin/python bench/mail.py --messages 2000 --databases postgres
    .venv/bin/python bench/mail.py --workers 1              # one intake process on both
    .venv/bin/python bench/mail.py --profile                # cProfile of one worker, top functions

Steps, for each database:
1. A fresh database (SQLite: a file in a temporary data directory, WAL; PostgreSQL: `tierdesk_bench_mail`
   on DATABASE_URL's server, default the local one), migrated, the five seed catalogs loaded, and 2,000
   customers of the four providers with an e-mail channel (Nexstor, NETCOR, Biztek, PhoneCare), each with
   two contacts and a contract on one of their plans.
2. A generated corpus (not timed): `--messages` new-case messages from random contacts, shaped like real
   mail — plain text, multipart/alternative with HTML, quoted-printable Latin-1, a small PNG attachment —
   then as many replies: In-Reply-To the customer's first message, References only, or only the case
   number in the subject, each quoting the history below the reply.
3. Timed: the messages go through `inbound_receive` — the function every door (pipe, SMTP, IMAP) calls:
   one transaction storing the raw bytes, then one transaction processing it through the ticket services
   (`ticket_open`/`ticket_reply`), SLA clocks, notification, outbox — split between `--workers` processes
   (each its own database connection, as several pollers or MTA pipes would be; by default one on
   SQLite, whose single writer makes a second process wait, and two on PostgreSQL).
   Rate = messages / wall time of the phase. New cases first, then replies (which need the cases).
4. Checked after each phase: every message made exactly one case or reply.

Target (issue 5): at least 500 messages per second on PostgreSQL on this 2-core machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import random
import sys
import tempfile
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
BENCH_DB = "tierdesk_bench_mail"
PROVIDERS = {  # provider: (plans with an e-mail channel, its address)
    "nexstor": (["bronze", "silver", "gold", "platinum"], "support@nexstor.co.uk"),
    "netcor": (["standard"], "support@netcor.de"),
    "biztek": (["standard"], "support@biztek.no"),
    "phonecare": (["cat1", "cat2"], "help@phonecare.example"),
}
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8ff"
    "ff3f0005fe02fea7d6a4000000000049454e44ae426082"
)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=10_000, help="new-case messages (as many replies)")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="intake processes (default: 1 on SQLite, a single writer; 2 on PostgreSQL, one per core)",
    )
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument(
        "--server", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--profile", action="store_true", help="profile one worker (cProfile, top 25)")
    args = parser.parse_args()
    print(f"bench/mail.py on {platform.node()}: Python {platform.python_version()}, {os.cpu_count()} cores")
    print(
        f"{args.messages} new-case messages then {args.messages} replies, "
        f"{args.customers} customers × 2 contacts\n"
    )
    for database in args.databases.split(","):
        run(database.strip(), args)
    return 0


def environment(database: str, args: argparse.Namespace) -> dict[str, str]:
    data_dir = tempfile.mkdtemp(prefix=f"tierdesk-bench-mail-{database}-")
    env = {
        "DJANGO_SETTINGS_MODULE": "tierdesk.settings.base",
        "TIERDESK_DATA_DIR": data_dir,
        "EMAIL_URL": "dummy:",
        "LOG_LEVEL": "WARNING",
    }
    if database == "postgres":
        parts = urlsplit(args.server)
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
        import psycopg

        with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    elif database == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{data_dir}/bench.sqlite3"
    else:
        raise SystemExit(f"unknown database {database!r}: sqlite or postgres")
    return env


def run(database: str, args: argparse.Namespace) -> None:
    env = environment(database, args)
    workers = args.workers or (1 if database == "sqlite" else 2)
    # Each phase runs in fresh processes with this environment (Django reads it at start-up).
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        described = pool.apply(setup, (env, args.customers, args.messages))
    print(f"== {database}: {described}; {workers} intake process(es)")
    for phase in ("new", "reply"):
        started = time.perf_counter()
        with ctx.Pool(workers) as pool:
            results = pool.starmap(
                intake, [(env, phase, w, workers, args.profile and w == 0) for w in range(workers)]
            )
        elapsed = time.perf_counter() - started
        # Start-up of the worker processes (import Django, connect) is not intake: subtract the longest.
        startup = max(r["startup"] for r in results)
        count = sum(r["count"] for r in results)
        queries = sum(r["queries"] for r in results)
        wall = elapsed - startup
        with ctx.Pool(1) as pool:
            check = pool.apply(verify, (env, phase, args.messages))
        print(
            f"   {phase:5s}: {count} messages in {wall:.2f} s = {count / wall:,.0f} messages/s "
            f"({queries / max(count, 1):.1f} SQL statements per message; start-up {startup:.1f} s excluded) "
            f"— {check}"
        )
        totals: dict[str, float] = {}
        for r in results:
            for label, seconds in r["timers"].items():
                totals[label] = totals.get(label, 0.0) + seconds
        print(
            "          ms per message: "
            + ", ".join(f"{k.strip()} {v / count * 1000:.1f}" for k, v in totals.items())
        )
        for r in results:
            if r.get("profile"):
                print(r["profile"])
    print()


# -- in the worker processes ----------------------------------------------------------------------


def _django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def setup(env: dict[str, str], customers: int, messages: int) -> str:
    _django(env)
    from datetime import date

    from django.core.management import call_command
    from django.db import connection, transaction

    from tierdesk.catalog.models import Provider
    from tierdesk.catalog.services import catalog_load
    from tierdesk.customers.models import Contact, Contract, Customer

    call_command("migrate", verbosity=0)
    catalog_load(paths=sorted((ROOT / "catalogs").glob("*.toml")))
    rng = random.Random(1)
    slugs = sorted(PROVIDERS)
    with transaction.atomic():
        for n in range(customers):
            provider = Provider.objects.get(slug=slugs[n % len(slugs)])
            customer = Customer.objects.create(
                provider=provider,
                slug=f"c{n}",
                name=f"Customer {n}",
                language=provider.language,
                timezone=provider.timezone,
            )
            Contact.objects.bulk_create(
                [
                    Contact(customer=customer, name=f"Person {k} of {n}", email=f"p{k}@c{n}.example")
                    for k in (1, 2)
                ]
            )
            plan = provider.plans.get(slug=rng.choice(PROVIDERS[provider.slug][0]))
            Contract.objects.create(customer=customer, plan=plan, starts_on=date(2024, 1, 1))
    generate(env["TIERDESK_DATA_DIR"], customers, messages)
    postgres = connection.vendor == "postgresql"
    version = connection.cursor().connection.info.server_version if postgres else None
    detail = f"PostgreSQL {version // 10000}.{version % 10000}" if version else f"SQLite {_sqlite_version()}"
    return f"{detail}; seed catalogs, {customers} customers and {2 * customers} contacts loaded"


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def generate(data_dir: str, customers: int, messages: int) -> None:
    """Write the corpus as one file per phase: length-prefixed raw messages."""
    rng = random.Random(2)
    slugs = sorted(PROVIDERS)
    new, replies = [], []
    for n in range(messages):
        c = rng.randrange(customers)
        provider = slugs[c % len(slugs)]
        sender = f"p{rng.choice((1, 2))}@c{c}.example"
        new.append(_message(rng, n, sender, PROVIDERS[provider][1], f"<new{n}@c{c}.example>", None))
        replies.append((c, provider, sender, n))
    rng.shuffle(replies)
    reply_raw = []
    for r, (c, provider, sender, n) in enumerate(replies):
        kind = r % 3
        headers: dict[str, str] = {}
        if kind == 0:
            headers["In-Reply-To"] = f"<new{n}@c{c}.example>"
            headers["References"] = f"<new{n}@c{c}.example>"
        elif kind == 1:
            headers["References"] = f"<older{n}@elsewhere.example> <new{n}@c{c}.example>"
        to = PROVIDERS[provider][1]
        reply_raw.append(_message(rng, n, sender, to, f"<reply{n}@c{c}.example>", headers, reply=kind == 2))
    for name, items in (("new", new), ("reply", reply_raw)):
        with open(Path(data_dir) / f"{name}.corpus", "wb") as fh:
            for raw in items:
                fh.write(len(raw).to_bytes(4, "big") + raw)


def _message(rng, n, sender, to, message_id, headers, *, reply: bool = False) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = f"Person <{sender}>"
    msg["To"] = to
    subject = rng.choice(["Printer offline", "VPN drops", "Mailbox full", "Server slow", "Cannot log in"])
    msg["Subject"] = f"Re: {subject} {n}" if headers or reply else f"{subject} {n}"
    msg["Date"] = "Mon, 23 Nov 2026 10:00:00 +0000"
    msg["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        msg[name] = value
    text = f"Hello,\n\nIssue {n}: {subject.lower()} since this morning; C:\\Users\\p\\new folder.\n\nThanks\n"
    if headers is not None or reply:
        text += "\nOn Mon, 23 Nov 2026 at 09:00, Desk <desk@example> wrote:\n> Please try again.\n> Regards\n"
    shape = rng.random()
    if shape < 0.45:
        msg.set_content(text)
    elif shape < 0.80:
        msg.set_content(text)
        msg.add_alternative(f"<p>{text.replace(chr(10), '<br>')}</p>", subtype="html")
    elif shape < 0.92:
        msg.set_content(text + "Température: 21 °C, café.\n", charset="iso-8859-1", cte="quoted-printable")
    else:
        msg.set_content(text)
        msg.add_attachment(PNG, maintype="image", subtype="png", filename="screenshot.png")
    if reply and not headers:
        del msg["Subject"]
        msg["Subject"] = "placeholder"
    return msg.as_bytes()


def _corpus(data_dir: str, name: str) -> list[bytes]:
    data = (Path(data_dir) / f"{name}.corpus").read_bytes()
    out, at = [], 0
    while at < len(data):
        size = int.from_bytes(data[at : at + 4], "big")
        out.append(data[at + 4 : at + 4 + size])
        at += 4 + size
    return out


def intake(env: dict[str, str], phase: str, worker: int, workers: int, profile: bool) -> dict:
    began = time.perf_counter()
    _django(env)
    from django.db import connection

    from tierdesk.mail.services import inbound_receive
    from tierdesk.tickets.models import Ticket

    messages = _corpus(env["TIERDESK_DATA_DIR"], phase)[worker::workers]
    if phase == "reply":
        # A third of the replies carry only the case number in the subject: put the real one in.
        numbers = dict(
            Ticket.objects.filter(inbound_messages__message_id__startswith="new").values_list(
                "inbound_messages__message_id", "number"
            )
        )
        fixed = []
        for raw in messages:
            if b"Subject: placeholder" in raw:
                n, domain = raw.split(b"Message-ID: <reply", 1)[1].split(b">", 1)[0].decode().split("@", 1)
                number = numbers[f"new{n}@{domain}"]
                raw = raw.replace(b"Subject: placeholder", f"Subject: RE: [{number}] more".encode())
            fixed.append(raw)
        messages = fixed
    counter = {"n": 0}

    def count(execute, sql, params, many, context):
        counter["n"] += 1
        return execute(sql, params, many, context)

    timers = _instrument()
    connection.ensure_connection()
    startup = time.perf_counter() - began
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    with connection.execute_wrapper(count):
        for raw in messages:
            inbound_receive(raw=raw, source="bench")
    result = {"count": len(messages), "queries": counter["n"], "startup": startup, "timers": dict(timers)}
    if profiler is not None:
        import io
        import pstats

        profiler.disable()
        out = io.StringIO()
        order = os.environ.get("BENCH_SORT", "cumulative")
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(40)
        result["profile"] = out.getvalue()
    return result


def _instrument() -> dict[str, float]:
    """Wall time spent in the main steps, to say where intake's time goes (nested: the ticket services
    include the notification, which includes composing the mail)."""
    import tierdesk.mail.outbound as outbound
    import tierdesk.mail.services as services
    import tierdesk.tickets.services as tickets

    timers: dict[str, float] = {}

    def timed(module, name, label):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                timers[label] = timers.get(label, 0.0) + time.perf_counter() - started

        setattr(module, name, wrapper)

    timed(services, "inbound_store", "store (1 transaction)")
    timed(services, "inbound_process", "process (1 transaction)")
    timed(services, "parse", "  parse")
    timed(tickets, "ticket_open", "  ticket_open")
    timed(tickets, "ticket_reply", "  ticket_reply")
    timed(tickets, "clocks_refresh", "    clocks_refresh")
    timed(outbound, "notify_customer", "    event_notify (acknowledgement)")
    return timers


def verify(env: dict[str, str], phase: str, messages: int) -> str:
    _django(env)
    from django.db.models import Count

    from tierdesk.mail.models import InboundMessage
    from tierdesk.notify.models import OutboundEmail
    from tierdesk.tickets.models import Ticket, TicketEvent

    outcome = "created" if phase == "new" else "replied"
    prefix = "new" if phase == "new" else "reply"
    rows = InboundMessage.objects.filter(message_id__startswith=prefix)
    made = rows.filter(outcome=outcome).values("message_id").annotate(n=Count("id"))
    once = sum(1 for r in made if r["n"] == 1)
    other = dict(rows.exclude(outcome=outcome).values_list("outcome").annotate(n=Count("id")))
    tickets = Ticket.objects.count()
    replies = TicketEvent.objects.filter(kind="customer_message").count()
    ok = "OK" if once == messages and not other else "NOT OK"
    return (
        f"{ok}: {once}/{messages} made exactly one {'case' if phase == 'new' else 'reply'}"
        f"{f', others {other}' if other else ''}; {tickets} cases, {replies} replies, "
        f"{OutboundEmail.objects.count()} mails in the outbox"
    )


if __name__ == "__main__":
    sys.exit(main())
