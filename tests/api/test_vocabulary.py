"""The API's enumerations are the models' choices: a code added to one must appear in the other."""

from __future__ import annotations

from typing import get_args

import pytest

from tierdesk.api import schemas
from tierdesk.catalog.vocabulary import Channel, Hours, Metric, Unit
from tierdesk.customers.models import Contact
from tierdesk.i18n import LANGUAGE_CODES
from tierdesk.tickets.models import AdhocStatus, SlaState, Status, TicketType


@pytest.mark.parametrize(
    ("literal", "codes"),
    [
        (schemas.Channel, Channel.values),
        (schemas.TicketType, TicketType.values),
        (schemas.TicketStatus, Status.values),
        (schemas.SlaState, SlaState.values),
        (schemas.Metric, Metric.values),
        (schemas.UnitName, Unit.values),
        (schemas.ContactIn.model_fields["role"].annotation, Contact.Role.values),
        (schemas.TargetOut.model_fields["hours"].annotation, Hours.values),
        (get_args(schemas.CustomerIn.model_fields["language"].annotation)[0], LANGUAGE_CODES),
        (
            get_args(schemas.TicketOut.model_fields["adhoc_status"].annotation)[0],
            set(AdhocStatus.values) - {""},
        ),
    ],
)
def test_api_codes_are_the_models_codes(literal, codes):
    assert set(get_args(literal)) == set(codes)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "PT0S"),
        (1800, "PT30M"),
        (4 * 3600, "PT4H"),
        (17 * 3600 + 1800, "PT17H30M"),
        (-1500, "-PT25M"),
        (100 * 3600 + 5, "PT100H5S"),
    ],
)
def test_durations_are_iso_8601_in_hours(seconds, text):
    from datetime import timedelta

    assert schemas.iso_duration(timedelta(seconds=seconds)) == text
