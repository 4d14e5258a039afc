"""Schemathesis against the OpenAPI document, in process through the WSGI app, with an agent's token.

Every operation gets generated requests, valid and invalid (schemathesis' positive and negative
modes, its coverage phase of boundary values included); every answer must be declared in the
schema, match its declared shape, and never be a 5xx. Each operation runs twice: once with
generated path parameters (mostly unknown objects, fuzzed codes and case numbers), and once
pinned to real objects, so the handlers behind the 404 see generated bodies and queries too.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from .conftest import token_for

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 5
PINNED_EXAMPLES = 12


def _load_schema(*, phases: list[str], max_examples: int):
    from tierdesk.wsgi import application

    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    loaded.config.phases.update(phases=phases)
    loaded.config.generation.update(
        modes=["positive", "negative"],
        max_examples=max_examples,
        deterministic=True,
        # The token is ours to send (below); generating Authorization headers would only test ninja.
        with_security_parameters=False,
    )
    return loaded


# Loaded when the module is collected (the schema needs no database). schemathesis'
# `pytest.from_fixture` would load it per test, but it relies on a pytest internal that pytest 9
# no longer has (`Node._nodeid`).
schema = _load_schema(phases=["examples", "coverage", "fuzzing"], max_examples=MAX_EXAMPLES)
# On real objects the boundary values of the coverage phase would repeat what the run above
# checks; random bodies and queries reach further into the handlers for the same time.
pinned = _load_schema(phases=["examples", "fuzzing"], max_examples=PINNED_EXAMPLES)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: a request must not close the connection that holds the test's
    transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def desk(django_db_setup, django_db_blocker, seed_specs):
    """One desk for every operation of this module: two providers' catalogs, a customer with a
    contact, a contract and an open case, and a superuser's token (every permission).

    Made once, inside a transaction rolled back when the module is done; each test then runs in a
    savepoint of its own (pytest-django), so what one operation's requests write is gone before the
    next. Making it per operation would spend more time loading catalogs than fuzzing."""
    from datetime import date

    from django.db import transaction

    from tierdesk.accounts.models import Agent, Team, User
    from tierdesk.catalog.models import Plan, Provider
    from tierdesk.catalog.services import catalog_load_specs
    from tierdesk.customers.services import contact_create, contract_create, customer_create
    from tierdesk.tickets.services import ticket_open

    with django_db_blocker.unblock(), transaction.atomic():
        catalog_load_specs(
            specs=[(f, s) for f, s in seed_specs if s.provider.slug in ("nexstor", "phonecare")]
        )
        team = Team.objects.create(slug="desk", name="Service desk")
        root = User.objects.create_superuser("root", "root@desk.example", "correct horse battery")
        Agent.objects.create(user=root).teams.add(team)
        customers = {}
        for provider, plan, code in (("nexstor", "silver", "acme"), ("phonecare", "cat4", "faraway")):
            customer = customer_create(
                provider=Provider.objects.get(slug=provider), code=code, name=code.title()
            )
            contact = contact_create(customer=customer, name="IT", email=f"it@{code}.example")
            contract = contract_create(
                customer=customer,
                plan=Plan.objects.get(provider__slug=provider, slug=plan),
                starts_on=date(2025, 1, 1),
                units={"port": 12},
            )
            customers[code] = (customer, contact, contract)
        acme, contact, contract = customers["acme"]
        ticket = ticket_open(
            customer=acme, contact=contact, subject="Mail is down", body="", channel="email", actor=root
        )
        yield {
            "token": token_for(root),
            "path": {
                "number": ticket.number,
                "provider": "nexstor",
                "code": "acme",
                "plan": "silver",
                "contact_id": contact.pk,
                "contract_id": contract.pk,
            },
        }
        transaction.set_rollback(True)


SETTINGS = settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)


# A schema cannot list which customers, codes and case numbers exist, nor which moves a case can
# make from where it is: a schema-valid request for an unknown customer is a documented 422 (or
# 404, 409), so "valid data must be accepted" does not hold here and is not checked.
NOT_APPLICABLE = [positive_data_acceptance]


@schema.parametrize()
@SETTINGS
def test_generated_requests(case, desk):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {desk['token']}"}, excluded_checks=NOT_APPLICABLE
    )


@pinned.parametrize()
@SETTINGS
def test_generated_requests_on_real_objects(case, desk):
    if case.path_parameters:
        case.path_parameters = {
            name: desk["path"].get(name, value) for name, value in case.path_parameters.items()
        }
    # Replacing the path makes a case generated as invalid (in its path) a valid one, so whether
    # invalid data is rejected is judged by the test above, not here.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {desk['token']}"},
        excluded_checks=[*NOT_APPLICABLE, negative_data_rejection],
    )
