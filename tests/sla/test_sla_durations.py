"""parse_duration: the duration forms catalog files use."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tierdesk.sla import parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("30min", timedelta(minutes=30)),
        ("4h", timedelta(hours=4)),
        ("8h30", timedelta(hours=8, minutes=30)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
        ("2d", timedelta(days=2)),
        ("1d4h", timedelta(days=1, hours=4)),
        ("90s", timedelta(seconds=90)),
        ("1.5s", timedelta(seconds=1, microseconds=500_000)),
        ("0.000001s", timedelta(microseconds=1)),
        ("0m", timedelta(0)),
        ("4H", timedelta(hours=4)),
        ("PT4H", timedelta(hours=4)),
        ("pt15m", timedelta(minutes=15)),
        ("P2D", timedelta(days=2)),
        ("P1W", timedelta(weeks=1)),
        ("P1DT2H30M", timedelta(days=1, hours=2, minutes=30)),
        ("PT0.25S", timedelta(microseconds=250_000)),
        ("PT1,5S", timedelta(seconds=1, microseconds=500_000)),
    ],
)
def test_accepted_forms(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty duration"),
        ("   ", "empty duration"),
        ("-4h", "'-4h' is negative"),
        ("junk", "'junk' is not a valid duration"),
        ("4", "'4' is not a valid duration"),
        ("1h2h", "'1h2h' is not a valid duration"),
        ("1.5h", "'1.5h': fractions are only allowed on seconds; write e.g. '1h30'"),
        ("8h60", "'8h60': minutes after hours must be below 60"),
        ("P", "'P' is not a valid ISO 8601 duration"),
        ("PT", "'PT' is not a valid ISO 8601 duration"),
        ("P1DT", "'P1DT' is not a valid ISO 8601 duration"),
        ("P1Y", "'P1Y' is not a valid ISO 8601 duration"),
        ("P1M", "'P1M' is not a valid ISO 8601 duration"),
        ("PT-4H", "'PT-4H' is not a valid ISO 8601 duration"),
        ("PT1H30", "'PT1H30' is not a valid ISO 8601 duration"),
    ],
)
def test_junk_and_negative_durations_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        parse_duration(text)
    assert str(excinfo.value).startswith(message)


def test_non_strings_are_a_type_error() -> None:
    with pytest.raises(TypeError, match="duration must be a string"):
        parse_duration(4)  # type: ignore[arg-type]
