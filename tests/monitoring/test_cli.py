"""`tierdesk monitoring …` against a fresh desk, through the real command."""

from __future__ import annotations

import re

from tests.helpers import REPO_ROOT

SETUP = """
from datetime import date
from tierdesk.catalog.models import Provider
from tierdesk.customers.models import Contract, Customer
p = Provider.objects.get(slug="nexstor")
for slug, plan in (("acme", "silver"), ("tiny", "bronze")):
    c = Customer.objects.create(provider=p, slug=slug, name=slug.title(), timezone="Europe/London")
    Contract.objects.create(customer=c, plan=p.plans.get(slug=plan), starts_on=date(2025, 1, 1))
"""


def test_set_up_monitoring_from_the_command_line(tierdesk):
    assert tierdesk("catalog", "load", str(REPO_ROOT / "catalogs" / "nexstor.toml")).returncode == 0
    assert tierdesk("manage", "shell", "-c", SETUP).returncode == 0

    added = tierdesk("monitoring", "asset-add", "nexstor", "acme", "web-01")
    assert added.returncode == 0 and added.stdout == "Asset web-01 added to Acme.\n"
    beat = tierdesk(
        "monitoring", "check-add", "nexstor", "acme", "web-01", "Backup", "--kind", "heartbeat",
        "--interval", "86400", "--impact", "degraded", "--urgency", "today",
    )  # fmt: skip
    assert beat.returncode == 0, beat.stderr
    assert re.search(
        r"Heartbeat URL \(shown once; call it every 86400 s\): http://\S+/monitoring/heartbeat/\S{40,}",
        beat.stdout,
    )

    refused = tierdesk(
        "monitoring", "check-add", "nexstor", "acme", "web-01", "Admin", "--kind", "http", "--target",
        "http://127.0.0.1:8000/admin/",
    )  # fmt: skip
    assert refused.returncode == 1
    assert refused.stderr.startswith("tierdesk: This target is refused: 127.0.0.1 is a loopback address")

    source = tierdesk(
        "monitoring", "source-add", "nexstor", "acme", "Prometheus", "--kind", "alertmanager"
    )  # fmt: skip
    assert source.returncode == 0 and re.search(r"Token \(shown once.*\): tdm_\S{43}\n", source.stdout)

    bronze = tierdesk("monitoring", "asset-add", "nexstor", "tiny", "server")
    assert bronze.returncode == 1
    assert bronze.stderr == "tierdesk: The Bronze plan of Tiny does not include infrastructure monitoring.\n"
