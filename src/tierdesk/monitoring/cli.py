"""`tierdesk monitoring …`: set up what the desk monitors for a customer.

tierdesk monitoring asset-add PROVIDER CUSTOMER NAME [--kind server]
tierdesk monitoring check-add PROVIDER CUSTOMER ASSET NAME --kind http|tcp|heartbeat [--target …] …
tierdesk monitoring source-add PROVIDER CUSTOMER NAME --kind alertmanager|generic|email […]
tierdesk monitoring maintenance-add PROVIDER CUSTOMER ASSET --starts ISO --ends ISO [--reason …]

Secrets (a source's token, a heartbeat's URL) are printed once: only their hashes are kept.
Hooked into the `tierdesk` command by `register(subparsers)`.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from typing import Any


def register(subparsers: Any) -> None:
    monitoring = subparsers.add_parser("monitoring", help="monitored assets, checks and alert sources")
    sub = monitoring.add_subparsers(title="monitoring commands", metavar="ACTION")

    asset = sub.add_parser("asset-add", help="add a monitored asset (server, phone system, site)")
    _customer_args(asset)
    asset.add_argument("name")
    asset.add_argument("--kind", default="server", help="server, phone_system, site or service")
    asset.set_defaults(handler=_asset_add)

    check = sub.add_parser("check-add", help="add a check to an asset")
    _customer_args(check)
    check.add_argument("asset", help="the asset's name")
    check.add_argument("name")
    check.add_argument("--kind", required=True, choices=["http", "tcp", "heartbeat"])
    check.add_argument("--target", default="", help="a URL (http) or host:port (tcp)")
    check.add_argument("--expected-status", type=int, default=None)
    check.add_argument("--expected-text", default="")
    check.add_argument("--cert-expiry-days", type=int, default=0)
    check.add_argument(
        "--interval", type=int, default=300, help="seconds between runs (heartbeat: the period)"
    )
    check.add_argument("--grace", type=int, default=300, help="heartbeat: seconds of lateness tolerated")
    check.add_argument("--timeout", type=int, default=10)
    check.add_argument("--retries", type=int, default=2)
    check.add_argument("--impact", default=None, help="the provider's impact code")
    check.add_argument("--urgency", default=None, help="the provider's urgency code")
    check.add_argument(
        "--leave-open", action="store_true", help="on recovery, leave the incident to an agent"
    )
    check.set_defaults(handler=_check_add)

    source = sub.add_parser("source-add", help="register a monitoring system that sends alerts")
    _customer_args(source)
    source.add_argument("name")
    source.add_argument("--kind", required=True, choices=["alertmanager", "generic", "email"])
    source.add_argument("--alertmanager-url", default="", help="where acknowledgements go as silences")
    source.add_argument("--email-from", default="", help="email sources: the address alerts come from")
    source.add_argument("--impact", default=None)
    source.add_argument("--urgency", default=None)
    source.add_argument(
        "--leave-open", action="store_true", help="on recovery, leave the incident to an agent"
    )
    source.set_defaults(handler=_source_add)

    window = sub.add_parser("maintenance-add", help="a maintenance window: the asset's faults raise nothing")
    _customer_args(window)
    window.add_argument("asset")
    window.add_argument("--starts", required=True, help="ISO 8601 with a time zone")
    window.add_argument("--ends", required=True, help="ISO 8601 with a time zone")
    window.add_argument("--reason", default="")
    window.set_defaults(handler=_maintenance_add)


def _customer_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("provider", help="the provider's slug, e.g. nexstor")
    parser.add_argument("customer", help="the customer's code")


def _customer(args: argparse.Namespace) -> Any:
    from tierdesk.customers.models import Customer

    customer = (
        Customer.objects.select_related("provider")
        .filter(provider__slug=args.provider, slug=args.customer)
        .first()
    )
    if customer is None:
        print(f"tierdesk: no customer {args.customer} of {args.provider}", file=sys.stderr)
    return customer


def _axes(customer: Any, args: argparse.Namespace) -> dict[str, Any]:
    from tierdesk.catalog.models import Impact, Urgency

    out: dict[str, Any] = {}
    for field, model in (("impact", Impact), ("urgency", Urgency)):
        code = getattr(args, field)
        if code:
            out[field] = model.objects.filter(provider=customer.provider, code=code).first()
            if out[field] is None:
                raise SystemExit(f"tierdesk: {customer.provider.slug} has no {field} {code!r}")
    return out


def _fail(exc: Exception) -> int:
    print(f"tierdesk: {exc}", file=sys.stderr)
    return 1


def _asset_add(args: argparse.Namespace) -> int:
    from .services import MonitoringError, asset_create

    customer = _customer(args)
    if customer is None:
        return 1
    try:
        asset = asset_create(customer=customer, name=args.name, kind=args.kind)
    except MonitoringError as exc:
        return _fail(exc)
    print(f"Asset {asset.name} added to {customer.name}.")
    return 0


def _asset(customer: Any, name: str) -> Any:
    asset = customer.monitored_assets.filter(name=name).first()
    if asset is None:
        print(f"tierdesk: {customer.name} has no asset {name}", file=sys.stderr)
    return asset


def _check_add(args: argparse.Namespace) -> int:
    from django.conf import settings

    from .services import MonitoringError, check_create

    customer = _customer(args)
    asset = _asset(customer, args.asset) if customer else None
    if asset is None:
        return 1
    try:
        check, secret = check_create(
            asset=asset,
            name=args.name,
            kind=args.kind,
            target=args.target,
            expected_status=args.expected_status,
            expected_text=args.expected_text,
            cert_expiry_days=args.cert_expiry_days,
            interval=timedelta(seconds=args.interval),
            grace=timedelta(seconds=args.grace),
            timeout=args.timeout,
            retries=args.retries,
            auto_resolve=not args.leave_open,
            **_axes(customer, args),
        )
    except MonitoringError as exc:
        return _fail(exc)
    print(f"Check {check.name} added to {asset.name}.")
    if secret:
        url = f"{settings.TIERDESK_BASE_URL.rstrip('/')}/monitoring/heartbeat/{secret}"
        print(f"Heartbeat URL (shown once; call it every {args.interval} s): {url}")
    return 0


def _source_add(args: argparse.Namespace) -> int:
    from .services import MonitoringError, alert_source_create

    customer = _customer(args)
    if customer is None:
        return 1
    try:
        source, token = alert_source_create(
            customer=customer,
            name=args.name,
            kind=args.kind,
            alertmanager_url=args.alertmanager_url,
            email_from=args.email_from,
            auto_resolve=not args.leave_open,
            **_axes(customer, args),
        )
    except MonitoringError as exc:
        return _fail(exc)
    print(f"Alert source {source.name} added to {customer.name}.")
    if token:
        print(f"Token (shown once; send it as 'Authorization: Bearer …'): {token}")
    return 0


def _maintenance_add(args: argparse.Namespace) -> int:
    from .services import MonitoringError, maintenance_window_create

    customer = _customer(args)
    asset = _asset(customer, args.asset) if customer else None
    if asset is None:
        return 1
    try:
        window = maintenance_window_create(
            asset=asset,
            starts_at=datetime.fromisoformat(args.starts),
            ends_at=datetime.fromisoformat(args.ends),
            reason=args.reason,
        )
    except (MonitoringError, ValueError) as exc:
        return _fail(exc)
    print(f"Maintenance of {asset.name} from {window.starts_at.isoformat()} to {window.ends_at.isoformat()}.")
    return 0
