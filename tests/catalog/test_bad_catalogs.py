"""A bad catalog is refused with a message naming the file, the key and the problem, and nothing of
it (nor of the other files in the same load) reaches the database."""

from __future__ import annotations

import pytest

from tierdesk.catalog.models import Plan, Provider, SlaTarget
from tierdesk.catalog.services import catalog_get, catalog_load
from tierdesk.catalog.spec import CatalogError

from ..conftest import CATALOG_DIR

pytestmark = pytest.mark.django_db

GOOD = """
format = 1
[provider]
slug = "acme-support"
name = "Acme Support"
timezone = "Europe/Paris"
case_prefix = "AS"

[calendars.office]
hours = { mon = ["09:00-12:00", "14:00-18:00"], tue = ["09:00-18:00"] }
holidays = { country = "FR" }

[[severities]]
level = 1
label = "Urgent"
[[severities]]
level = 2
label = "Normal"

[[impacts]]
code = "all"
label = "Everyone"
[[urgencies]]
code = "now"
label = "Now"

[matrix]
all = { now = 1 }

[plans.basic]
name = "Basic"
calendar = "office"

[[plans.basic.targets]]
severity = 2
metric = "first_response"
within = "4h"
"""

BAD = [
    # (what is wrong, replace this, with this, key path in the message, words of the problem)
    (
        "unknown weekday",
        'tue = ["09:00-18:00"]',
        'tuesday = ["09:00-18:00"]',
        "calendars.office: hours.tuesday",
        "weekday",
    ),
    ("hour 25", 'tue = ["09:00-18:00"]', 'tue = ["09:00-25:00"]', "calendars.office: hours.tue[0]", "25:00"),
    (
        "zero-length window",
        'tue = ["09:00-18:00"]',
        'tue = ["09:00-09:00"]',
        "calendars.office: hours.tue[0]",
        "zero",
    ),
    (
        "unknown time zone",
        'timezone = "Europe/Paris"',
        'timezone = "Europe/Atlantis"',
        "provider.timezone",
        "Europe/Atlantis",
    ),
    (
        "unknown holiday country",
        'holidays = { country = "FR" }',
        'holidays = { country = "XX" }',
        "calendars.office: holidays.country",
        "XX",
    ),
    ("negative target", 'within = "4h"', 'within = "-4h"', "plans.basic.targets[0].within", "negative"),
    (
        "severity the plan lacks",
        "severity = 2\nmetric",
        "severity = 3\nmetric",
        "plans.basic.targets[0].severity",
        "severity 3 is not defined",
    ),
    (
        "unknown metric",
        'metric = "first_response"',
        'metric = "first_responce"',
        "plans.basic.targets[0].metric",
        "first_responce",
    ),
    ("unknown calendar", 'calendar = "office"', 'calendar = "ofice"', "plans.basic.calendar", "ofice"),
    ("typo in a key", 'name = "Basic"', 'nmae = "Basic"', "plans.basic.nmae", "unknown key"),
    ("not TOML", "[plans.basic]", "[plans.basic", "", "not valid TOML"),
]


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "acme.toml"
    path.write_text(GOOD, encoding="utf-8")
    return path


def test_the_good_file_is_good(good_file):
    catalog_load(paths=[good_file])
    assert Plan.objects.get(provider__slug="acme-support").targets.count() == 1


@pytest.mark.parametrize(("what", "old", "new", "key", "problem"), BAD, ids=[b[0] for b in BAD])
def test_bad_catalog_is_refused_and_nothing_is_loaded(tmp_path, what, old, new, key, problem):
    assert old in GOOD
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    nexstor = CATALOG_DIR / "nexstor.toml"

    with pytest.raises(CatalogError) as caught:
        catalog_load(paths=[nexstor, bad])

    message = str(caught.value)
    line = next((ln for ln in message.splitlines() if problem in ln), "")
    assert line.startswith(f"{bad}: {key}"), message
    # All or nothing: the good file in the same load is not loaded either.
    assert not Provider.objects.exists()
    assert not SlaTarget.objects.exists()


def test_a_bad_reload_leaves_the_loaded_catalog_as_it_was(good_file, tmp_path):
    catalog_load(paths=[good_file])
    before = catalog_get(provider=Provider.objects.get(slug="acme-support"))
    bad = tmp_path / "acme-bad.toml"
    bad.write_text(
        GOOD.replace('name = "Basic"', 'name = "Renamed"').replace('within = "4h"', 'within = "soon"')
    )

    with pytest.raises(CatalogError, match=r"plans\.basic\.targets\[0\]\.within: 'soon'"):
        catalog_load(paths=[bad])

    assert catalog_get(provider=Provider.objects.get(slug="acme-support")) == before


def test_every_problem_is_reported_at_once(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        GOOD.replace('within = "4h"', 'within = "-1h"').replace(
            'timezone = "Europe/Paris"', 'timezone = "Mars/Olympus"'
        )
    )
    with pytest.raises(CatalogError) as caught:
        catalog_load(paths=[bad])
    keys = [path for path, _problem in caught.value.problems]
    assert "provider.timezone" in keys and "plans.basic.targets[0].within" in keys


def test_a_plan_in_use_cannot_be_dropped_by_a_reload(good_file, tmp_path):
    from datetime import date

    from tierdesk.customers.models import Contract, Customer

    catalog_load(paths=[good_file])
    provider = Provider.objects.get(slug="acme-support")
    customer = Customer.objects.create(provider=provider, slug="c", name="C", timezone="Europe/Paris")
    Contract.objects.create(
        customer=customer, plan=provider.plans.get(slug="basic"), starts_on=date(2026, 1, 1)
    )
    renamed = tmp_path / "renamed.toml"
    renamed.write_text(
        GOOD.replace("[plans.basic]", "[plans.standard]").replace(
            "plans.basic.targets", "plans.standard.targets"
        )
    )

    with pytest.raises(CatalogError, match="still used by contracts"):
        catalog_load(paths=[renamed])

    assert list(provider.plans.values_list("slug", flat=True)) == ["basic"]


def test_extends_must_not_go_round_in_circles(tmp_path):
    bad = tmp_path / "loop.toml"
    bad.write_text(GOOD + '\n[plans.a]\nname = "A"\nextends = "b"\n[plans.b]\nname = "B"\nextends = "a"\n')
    with pytest.raises(CatalogError, match="goes round in a circle"):
        catalog_load(paths=[bad])


def test_unreadable_file_is_named(tmp_path):
    missing = tmp_path / "missing.toml"
    with pytest.raises(CatalogError, match=f"{missing}: cannot read the file"):
        catalog_load(paths=[missing])
