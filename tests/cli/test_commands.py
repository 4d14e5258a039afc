"""The `tierdesk` command, run as a newcomer would run it."""

from __future__ import annotations

from ..helpers import REPO_ROOT


def test_demo_loads_five_providers_and_is_idempotent(tierdesk):
    first = tierdesk("demo")
    assert first.returncode == 0, first.stderr
    assert "5 providers (biztek, exodata, netcor, nexstor, phonecare)" in first.stdout
    assert "Sign in as 'demo' with password 'tierdesk-demo'" in first.stdout
    created = int(first.stdout.split(" cases (")[1].split(" new")[0])
    assert created >= 15

    second = tierdesk("demo")
    assert second.returncode == 0, second.stderr
    assert f"{created} cases (0 new)" in second.stdout


def test_catalog_load_and_dump(tierdesk, tmp_path):
    loaded = tierdesk("catalog", "load", str(REPO_ROOT / "catalogs" / "netcor.toml"))
    assert loaded.returncode == 0, loaded.stderr
    assert "created netcor: 1 plans, 1 calendars, 5 SLA targets" in loaded.stdout

    out = tmp_path / "netcor.toml"
    dumped = tierdesk("catalog", "dump", "netcor", "-o", str(out))
    assert dumped.returncode == 0, dumped.stderr
    assert 'within = "2bd"' in out.read_text()
    reloaded = tierdesk("catalog", "load", str(out))
    assert "updated netcor" in reloaded.stdout


def test_bad_catalog_names_file_key_and_problem(tierdesk, tmp_path):
    bad = tmp_path / "bad.toml"
    text = (REPO_ROOT / "catalogs" / "netcor.toml").read_text().replace('"08:30-17:00"', '"08:30-25:00"', 1)
    bad.write_text(text)
    result = tierdesk("catalog", "load", str(bad))
    assert result.returncode == 1
    assert "Nothing was loaded." in result.stderr
    assert (
        f"{bad}: calendars.business: hours.mon[0]: '08:30-25:00' is not a valid time range" in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_dump_of_an_unknown_provider(tierdesk):
    result = tierdesk("catalog", "dump", "acme")
    assert result.returncode == 1
    assert "no provider 'acme'" in result.stderr


def test_manage_passes_through_to_django(tierdesk):
    result = tierdesk("manage", "check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_no_command_prints_help(tierdesk):
    result = tierdesk()
    assert result.returncode == 2
    assert "serve" in result.stdout and "catalog" in result.stdout
