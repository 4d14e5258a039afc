"""The five seed catalogs load, round-trip through `catalog dump`, and say what their seeds say."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tierdesk.catalog.models import Plan, Provider, SlaTarget
from tierdesk.catalog.services import catalog_dump, catalog_get, catalog_load, catalog_to_toml
from tierdesk.catalog.spec import parse_catalog
from tierdesk.catalog.vocabulary import Metric

from ..conftest import CATALOG_DIR, SEED_SLUGS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_each_seed_catalog_loads(slug):
    [result] = catalog_load(paths=[CATALOG_DIR / f"{slug}.toml"])
    assert result.provider == slug
    assert result.created
    provider = Provider.objects.get(slug=slug)
    assert provider.plans.count() == result.plans > 0


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_dump_gives_back_an_equivalent_file(slug):
    source = (CATALOG_DIR / f"{slug}.toml").read_text(encoding="utf-8")
    original = parse_catalog(source, f"{slug}.toml")
    catalog_load(paths=[CATALOG_DIR / f"{slug}.toml"])

    dumped = catalog_dump(provider=Provider.objects.get(slug=slug))

    assert parse_catalog(dumped, "dump") == original
    # …and loading the dump changes nothing in the database.
    catalog_load_text(dumped, tmp_name=f"{slug}-dump.toml")
    assert catalog_get(provider=Provider.objects.get(slug=slug)) == original


def catalog_load_text(text, tmp_name):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / tmp_name
        path.write_text(text, encoding="utf-8")
        return catalog_load(paths=[path])


def test_stable_slugs(catalogs):
    plans = {p.key for p in Plan.objects.select_related("provider")}
    assert {
        "nexstor/bronze",
        "nexstor/silver",
        "nexstor/gold",
        "nexstor/platinum",
        "phonecare/cats",
        "phonecare/cat1",
        "phonecare/cat2",
        "phonecare/cat4",
        "exodata/standard",
        "exodata/premium",
        "biztek/standard",
        "netcor/standard",
    } <= plans


def _target(key: str, level: int, metric: str, **filters) -> SlaTarget:
    provider, plan = key.split("/")
    return SlaTarget.objects.select_related("calendar").get(
        plan__provider__slug=provider, plan__slug=plan, severity__level=level, metric=metric, **filters
    )


def test_nexstor_targets_and_entitlement_matrix(catalogs):
    silver = Plan.objects.get(provider__slug="nexstor", slug="silver")
    assert [
        (t.severity.level, t.within_text) for t in silver.targets.filter(metric=Metric.FIRST_RESPONSE)
    ] == [(1, "30m"), (2, "4h"), (3, "8h"), (4, "12h")]
    assert not Plan.objects.get(provider__slug="nexstor", slug="bronze").targets.exists()
    ooh = _target("nexstor/platinum", 1, "first_response", hours="out_of_hours")
    assert (ooh.duration, ooh.calendar.slug, ooh.channels) == (timedelta(hours=1), "24x7", ["phone"])
    assert not SlaTarget.objects.filter(plan__slug="silver", hours="out_of_hours").exists()

    def features(slug):
        return set(
            Plan.objects.get(provider__slug="nexstor", slug=slug).features.values_list("code", flat=True)
        )

    def channels(slug):
        plan = Plan.objects.get(provider__slug="nexstor", slug=slug)
        return {c.channel: c.calendar.slug for c in plan.channels.select_related("calendar")}

    assert features("bronze") == {"incident_management", "vendor_management"}
    assert features("silver") == features("bronze") | {"knowledge_base", "monitoring", "sla"}
    assert features("gold") == features("silver") | {
        "reporting",
        "preventive_maintenance",
        "patch_management",
    }
    assert features("platinum") == features("gold") | {"onsite"}
    assert "portal" not in channels("bronze") and channels("silver")["portal"] == "24x7"
    assert channels("silver")["phone"] == "business" and channels("platinum")["phone"] == "24x7"
    gold_reporting = Plan.objects.get(provider__slug="nexstor", slug="gold").features.get(code="reporting")
    platinum_reporting = Plan.objects.get(provider__slug="nexstor", slug="platinum").features.get(
        code="reporting"
    )
    assert gold_reporting.options == {"cadences": ["quarterly"], "on_agreement": True}
    assert platinum_reporting.options == {"cadences": ["monthly", "weekly"], "on_agreement": True}


def test_nexstor_sev2_on_friday_evening_is_due_monday(catalogs):
    target = _target("nexstor/silver", 2, "first_response")
    london = ZoneInfo("Europe/London")
    due = target.calendar.as_sla().add(
        datetime(2026, 11, 20, 17, 50, tzinfo=london), target.counted_duration()
    )
    assert due == datetime(2026, 11, 23, 11, 50, tzinfo=london)


def test_phonecare_prices_by_contract_year(catalogs):
    cat2 = Plan.objects.get(provider__slug="phonecare", slug="cat2")
    ports = {p.from_year: p.amount for p in cat2.prices.filter(code="port")}
    assert ports == {1: Decimal("17.50"), 2: Decimal("22.50")}
    assert cat2.prices.get(code="base").amount == Decimal("250.00")
    cats = Plan.objects.get(provider__slug="phonecare", slug="cats")
    incident = cats.prices.get(code="incident")
    assert (cats.adhoc, incident.amount, incident.max_hours, incident.excludes_vat) == (
        True,
        Decimal("70.00"),
        Decimal("2.00"),
        True,
    )
    assert _target("phonecare/cat2", 1, "first_response").calendar.hours["mon"] == ["07:00-23:00"]
    onsite = _target("phonecare/cat4", 1, "onsite")
    assert (onsite.duration, onsite.calendar.slug) == (timedelta(hours=24), "24x7")


def test_exodata_gti_gtr_and_channels(catalogs):
    gti = _target("exodata/standard", 1, "first_response")
    mq = ZoneInfo("America/Martinique")
    # Critique opened Tuesday 15:50: 10 minutes before closing, 5 more from Wednesday 08:00.
    assert gti.calendar.as_sla().add(
        datetime(2026, 11, 17, 15, 50, tzinfo=mq), gti.counted_duration()
    ) == datetime(2026, 11, 18, 8, 5, tzinfo=mq)
    assert _target("exodata/standard", 4, "resolution").counted_duration() == timedelta(hours=56)
    assert _target("exodata/premium", 4, "resolution").counted_duration() == timedelta(days=7)
    standard = Plan.objects.get(provider__slug="exodata", slug="standard")
    assert set(standard.channels.values_list("channel", flat=True)) == {"portal", "phone"}


def test_netcor_business_days_are_eight_and_a_half_hours(catalogs):
    assert _target("netcor/standard", 3, "first_response").counted_duration() == timedelta(hours=17)
    assert _target("netcor/standard", 4, "first_response").counted_duration() == timedelta(hours=34)
    update = _target("netcor/standard", 1, "update")
    assert update.counted_duration() == timedelta(hours=8, minutes=30)
    plan = Plan.objects.get(provider__slug="netcor", slug="standard")
    assert plan.required_details == ["software_version", "system_details", "description", "screenshots"]


def test_biztek_calendar_and_vendors(catalogs):
    provider = catalogs["biztek"]
    calendar = provider.calendars.get(slug="business")
    oslo = ZoneInfo("Europe/Oslo")
    sla = calendar.as_sla()
    # 17 May (Grunnlovsdag) 2027 is a Monday and a holiday; Tuesday 18 May is open.
    assert not sla.is_open(datetime(2027, 5, 17, 10, 0, tzinfo=oslo))
    assert sla.is_open(datetime(2027, 5, 18, 10, 0, tzinfo=oslo))
    assert provider.vendors.filter(name="Microsoft").count() == 3
    assert Plan.objects.get(provider=provider).pause_on == ["waiting_customer", "waiting_vendor"]


def test_catalog_toml_is_stable(seed_specs):
    """Dumping a parsed spec and parsing it again is a fixed point, without a database."""
    for source, spec in seed_specs:
        assert parse_catalog(catalog_to_toml(spec), source) == spec
