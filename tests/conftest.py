"""Shared fixtures and the named personas every test uses (STYLE.md, habit 11)."""

from __future__ import annotations

import os
import uuid
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

CATALOG_DIR = Path(__file__).resolve().parents[1] / "catalogs"
SEED_SLUGS = ("biztek", "exodata", "netcor", "nexstor", "phonecare")


@pytest.fixture(scope="session")
def seed_specs():
    """The five seed catalogs, parsed once per session (parsing needs no database)."""
    from tierdesk.catalog.services import catalog_parse_files

    return catalog_parse_files(paths=sorted(CATALOG_DIR.glob("*.toml")))


@pytest.fixture
def catalogs(db, seed_specs):
    """All five seed catalogs loaded; returns {slug: Provider}."""
    from tierdesk.catalog.models import Provider
    from tierdesk.catalog.services import catalog_load_specs

    catalog_load_specs(specs=seed_specs)
    return {p.slug: p for p in Provider.objects.all()}


@pytest.fixture
def make_customer(catalogs):
    """make_customer("nexstor", "silver", slug="acme") → a customer with one contact and a contract."""
    from tierdesk.customers.models import Contact, Contract, Customer

    def make(
        provider: str,
        plan: str | None,
        *,
        slug: str,
        units: dict | None = None,
        starts_on: date = date(2025, 1, 1),
        ends_on: date | None = None,
    ):
        p = catalogs[provider]
        customer = Customer.objects.create(
            provider=p,
            slug=slug,
            name=slug.replace("-", " ").title(),
            language=p.language,
            timezone=p.timezone,
        )
        Contact.objects.create(customer=customer, name=f"{slug} contact", email=f"it@{slug}.example")
        if plan:
            Contract.objects.create(
                customer=customer,
                plan=p.plans.get(slug=plan),
                starts_on=starts_on,
                ends_on=ends_on,
                units=units or {},
            )
        return customer

    return make


@pytest.fixture
def desk_team(db):
    """The service desk team: serves every provider."""
    from tierdesk.accounts.models import Team

    return Team.objects.create(slug="desk", name="Service desk")


def _agent(username: str, first_name: str, team):
    from tierdesk.accounts.models import Agent, User

    user = User.objects.create_user(
        username, f"{username}@desk.example", "correct horse battery", first_name=first_name
    )
    agent = Agent.objects.create(user=user)
    if team is not None:
        agent.teams.add(team)
    return agent


@pytest.fixture
def agent(desk_team):
    """Alice, an agent of the desk team."""
    return _agent("alice", "Alice", desk_team)


@pytest.fixture
def agent2(desk_team):
    """Bob, a second agent of the desk team."""
    return _agent("bob", "Bob", desk_team)


@pytest.fixture
def netcor_agent(catalogs):
    """Nina, an agent who serves NETCOR's customers only."""
    from tierdesk.accounts.models import Team

    team = Team.objects.create(slug="netcor", name="NETCOR support", provider=catalogs["netcor"])
    return _agent("nina", "Nina", team)


@pytest.fixture
def customer_a(make_customer):
    """Acme, a Nexstor Silver customer."""
    return make_customer("nexstor", "silver", slug="acme")


@pytest.fixture
def contact_a(customer_a):
    return customer_a.contacts.get()


@pytest.fixture
def customer_b(make_customer):
    """Globex, a Nexstor Gold customer: another tenant of the same desk."""
    return make_customer("nexstor", "gold", slug="globex")


@pytest.fixture
def contact_b(customer_b):
    return customer_b.contacts.get()


@pytest.fixture
def portal_user(contact_a):
    """Acme's contact with a portal account (not an agent)."""
    from tierdesk.accounts.models import User

    user = User.objects.create_user("acme-it", "it@acme.example", "correct horse battery")
    contact_a.user = user
    contact_a.save(update_fields=["user"])
    return user


@pytest.fixture
def cli_env(tmp_path):
    """Environment for a fresh desk: its own data directory, and on PostgreSQL its own database."""
    internal = {"DJANGO_SETTINGS_MODULE", "TIERDESK_DATA_DIR", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in internal}
    env.update(
        TIERDESK_DATA_DIR=str(tmp_path / "data"),
        TIERDESK_QUEUE_NAME=f"cli-{uuid.uuid4().hex[:8]}",
        EMAIL_URL="dummy:",
        PYTHONUNBUFFERED="1",
    )
    url = os.environ.get("DATABASE_URL", "")
    dropped = None
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        name = f"tierdesk_cli_{uuid.uuid4().hex[:10]}"
        parts = urlsplit(url)
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
        dropped = (admin, name)
    else:
        env.pop("DATABASE_URL", None)
    yield env
    if dropped:
        import psycopg

        with psycopg.connect(dropped[0], autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dropped[1]}" WITH (FORCE)')


@pytest.fixture
def tierdesk(cli_env):
    """tierdesk("catalog", "dump", "nexstor") runs the command against the fresh desk of `cli_env`."""
    from .helpers import run

    def call(*args: str, **kwargs):
        return run(cli_env, *args, **kwargs)

    return call


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in English: a request in another language leaves it active in the thread."""
    yield
    from django.utils import translation

    translation.activate("en")
