"""The `tierdesk` command.

tierdesk serve [--host H] [--port P]   migrate, then serve the web app and a job consumer
tierdesk demo                           load the seed catalogs and realistic demo data
tierdesk catalog load FILE…             load catalog files (all or nothing)
tierdesk catalog dump PROVIDER          print a provider's catalog as TOML
tierdesk token create USERNAME          print a new API token for an agent (shown once)
tierdesk monitoring ACTION …            monitored assets, checks, alert sources, maintenance
tierdesk manage ARGS…                   any Django management command
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType

from tierdesk.mail.cli import register as register_mail
from tierdesk.monitoring.cli import register as register_monitoring
from tierdesk.portal.cli import register as register_portal

DEFAULT_SETTINGS = "tierdesk.settings.base"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    from tierdesk.env import ConfigError

    try:
        import django

        django.setup()
    except ConfigError as exc:
        print(f"tierdesk: configuration error: {exc}", file=sys.stderr)
        return 2
    result: int = args.handler(args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tierdesk",
        description="Tierdesk: the service desk where the customer's contract drives every SLA.",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    serve = sub.add_parser("serve", help="apply migrations, then run the web app and the job consumer")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--web-workers", type=int, default=2, help="web worker processes (default 2)")
    serve.set_defaults(handler=_serve)

    demo = sub.add_parser("demo", help="load the seed providers' catalogs and demo data (idempotent)")
    demo.set_defaults(handler=_demo)

    catalog = sub.add_parser("catalog", help="load or dump provider catalogs")
    catalog_sub = catalog.add_subparsers(title="catalog commands", metavar="ACTION")
    load = catalog_sub.add_parser("load", help="load catalog files; nothing is loaded if any file is bad")
    load.add_argument("files", nargs="+", type=Path, metavar="FILE")
    load.set_defaults(handler=_catalog_load)
    dump = catalog_sub.add_parser("dump", help="print a provider's catalog as a catalog file")
    dump.add_argument("provider", metavar="PROVIDER", help="provider slug, e.g. nexstor")
    dump.add_argument("-o", "--output", type=Path, help="write to this file instead of standard output")
    dump.set_defaults(handler=_catalog_dump)

    sla = sub.add_parser("sla", help="SLA clocks")
    sla_sub = sla.add_subparsers(title="sla commands", metavar="ACTION")
    recompute = sla_sub.add_parser(
        "recompute", help="recompute SLA clocks from the tickets' history (after a plan or calendar changed)"
    )
    recompute.add_argument("--provider", action="append", metavar="SLUG", help="only this provider's tickets")
    recompute.add_argument(
        "--all-tickets", action="store_true", help="closed tickets too, not only open ones"
    )
    recompute.set_defaults(handler=_sla_recompute)

    token = sub.add_parser("token", help="API tokens for agents")
    token_sub = token.add_subparsers(title="token commands", metavar="ACTION")
    create = token_sub.add_parser("create", help="make an API token for an agent and print it (once)")
    create.add_argument("username", metavar="USERNAME", help="the agent's user name")
    create.add_argument("--name", default="", help="what the token is for, e.g. 'CRM sync'")
    create.set_defaults(handler=_token_create)

    register_mail(sub)  # tierdesk mail …
    register_portal(sub)  # tierdesk portal …
    register_monitoring(sub)  # tierdesk monitoring …
    manage = sub.add_parser("manage", help="run a Django management command", add_help=False)
    manage.add_argument("args", nargs=argparse.REMAINDER)
    manage.set_defaults(handler=_manage)
    return parser


def _manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tierdesk manage", *args.args])
    return 0


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _catalog_load(args: argparse.Namespace) -> int:
    from tierdesk.catalog.services import catalog_load
    from tierdesk.catalog.spec import CatalogError

    _migrate()
    try:
        results = catalog_load(paths=args.files)
    except CatalogError as exc:
        print(f"Nothing was loaded. {exc.source} has {len(exc.problems)} problem(s):", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        return 1
    for r in results:
        verb = "created" if r.created else "updated"
        counts = f"{r.plans} plans, {r.calendars} calendars, {r.targets} SLA targets"
        print(f"{r.source}: {verb} {r.provider}: {counts}")
    # Targets or calendars may have changed: the open tickets' clocks follow.
    _recompute([r.provider for r in results])
    return 0


def _recompute(providers: list[str] | None, all_tickets: bool = False) -> int:
    from tierdesk.tickets.models import OPEN_STATUSES, Ticket
    from tierdesk.tickets.services import clocks_recompute

    tickets = Ticket.objects.all() if all_tickets else Ticket.objects.filter(status__in=OPEN_STATUSES)
    if providers:
        tickets = tickets.filter(provider__slug__in=providers)
    started = time.monotonic()
    count = clocks_recompute(tickets=tickets, progress=sys.stderr.isatty())
    print(f"Recomputed the SLA clocks of {count} tickets in {time.monotonic() - started:.1f} s.")
    return count


def _sla_recompute(args: argparse.Namespace) -> int:
    from tierdesk.catalog.models import Provider

    _migrate()
    known = set(Provider.objects.values_list("slug", flat=True))
    unknown = sorted(set(args.provider or []) - known)
    if unknown:
        print(
            f"tierdesk: no provider {', '.join(unknown)} (known: {', '.join(sorted(known))})", file=sys.stderr
        )
        return 1
    _recompute(args.provider, args.all_tickets)
    return 0


def _catalog_dump(args: argparse.Namespace) -> int:
    from tierdesk.catalog.models import Provider
    from tierdesk.catalog.services import catalog_dump

    _migrate()
    provider = Provider.objects.filter(slug=args.provider).first()
    if provider is None:
        known = ", ".join(Provider.objects.order_by("slug").values_list("slug", flat=True)) or "none loaded"
        print(f"tierdesk: no provider {args.provider!r} (known: {known})", file=sys.stderr)
        return 1
    text = catalog_dump(provider=provider)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from tierdesk.demo import demo_load

    _migrate()
    summary = demo_load(progress=sys.stderr.isatty())
    print(summary.text())
    return 0


def _token_create(args: argparse.Namespace) -> int:
    from tierdesk.accounts.models import User
    from tierdesk.api.auth import TokenError, api_token_create

    _migrate()
    user = User.objects.filter(username=args.username).first()
    if user is None:
        print(f"tierdesk: no user {args.username!r}", file=sys.stderr)
        return 1
    try:
        row, token = api_token_create(user=user, name=args.name)
    except TokenError as exc:
        print(f"tierdesk: {exc}", file=sys.stderr)
        return 1
    # The token alone on standard output, for scripts; the advice on standard error, for people.
    print(token)
    print(
        f"API token {row.prefix}… for {user.get_username()} created. It is shown only now: store it "
        "somewhere safe, and send it as 'Authorization: Bearer <token>'. Revoke it in the admin.",
        file=sys.stderr,
    )
    return 0


class _Stop(Exception):
    pass


def _serve(args: argparse.Namespace) -> int:
    """Run gunicorn and a Huey consumer as two child processes and supervise them.

    Steps: migrate and collect static files; start both children in their own sessions (so a Ctrl-C
    reaches only this supervisor, which then stops them in order); wait until the web app answers its
    health check; then watch both. A signal, or either child exiting, stops the other gracefully
    (SIGTERM to gunicorn, SIGINT to Huey, which lets running tasks finish), then SIGKILL after 15 s.
    """
    from django.conf import settings
    from django.core.management import call_command

    problem = _port_problem(args.host, args.port)
    if problem:
        print(f"tierdesk: cannot listen on {args.host} port {args.port}: {problem}", file=sys.stderr)
        return 1
    _migrate()
    call_command("collectstatic", interactive=False, verbosity=0)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    bind = f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}"
    web = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tierdesk.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(args.web_workers),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
            "--forwarded-allow-ips",
            "127.0.0.1",
        ],
        env=env,
        start_new_session=True,
    )
    queue = subprocess.Popen(
        [sys.executable, "-m", "tierdesk", "manage", "run_huey", "--max-delay", "2"],
        env=env,
        start_new_session=True,
    )
    children = {"web server": (web, signal.SIGTERM), "job consumer": (queue, signal.SIGINT)}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        raise _Stop

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    status = 0
    try:
        url = f"http://{bind}/healthz"
        if _wait_ready(url, web):
            host = f"[{args.host}]" if ":" in args.host else args.host
            print(
                f"Tierdesk is running at http://{host}:{args.port}/ (data in {settings.DATA_DIR}). "
                "Press Ctrl-C to stop.",
                flush=True,
            )
        while True:
            for name, (proc, _sig) in children.items():
                code = proc.poll()
                if code is not None:
                    print(f"tierdesk: the {name} stopped (exit status {code}); stopping.", file=sys.stderr)
                    status = 1
                    raise _Stop
            time.sleep(0.3)
    except _Stop:
        pass
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        for proc, sig in children.values():
            if proc.poll() is None:
                proc.send_signal(sig)
        deadline = time.monotonic() + 15
        for proc, _sig in children.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("Tierdesk stopped.", flush=True)
    return status


def _port_problem(host: str, port: int) -> str | None:
    """Why the web server could not bind (host, port), found before anything starts; None if it can."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


def _wait_ready(url: str, web: subprocess.Popen[bytes], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and web.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own loopback URL)
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    return False
