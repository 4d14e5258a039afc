"""Calendar specs: what is accepted, and every error message (``<key path>: <problem>``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tierdesk.sla import Calendar

BASE = {"timezone": "Europe/London", "hours": {"mon": ["08:00-18:00"]}}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hours": {"mon": ["25:00-26:00"]}}, "hours.mon[0]: '25:00-26:00' is not a valid time range"),
        (
            {"hours": {"mon": ["8-12"]}},
            "hours.mon[0]: '8-12' is not a valid time range (write 'HH:MM-HH:MM')",
        ),
        ({"hours": {"mon": ["24:00-02:00"]}}, "hours.mon[0]: '24:00-02:00' is not a valid time range"),
        ({"hours": {"mon": ["08:00-24:30"]}}, "hours.mon[0]: '08:00-24:30' is not a valid time range"),
        ({"hours": {"mon": [800]}}, "hours.mon[0]: expected a time range such as '08:00-18:00', not 800"),
        (
            {"hours": {"funday": ["08:00-10:00"]}},
            "hours.funday: unknown weekday (use mon, tue, wed, thu, fri, sat, sun)",
        ),
        (
            {"hours": {"tue": ["08:00-09:00", "09:00-09:00"]}},
            "hours.tue[1]: window '09:00-09:00' has zero length (a whole day is '00:00-24:00')",
        ),
        (
            {"hours": {"mon": ["08:00-12:00", "11:00-13:00"]}},
            "hours.mon[1]: window '11:00-13:00' overlaps hours.mon[0] '08:00-12:00'",
        ),
        (
            {"hours": {"mon": ["21:00-23:00", "20:00-06:00"]}},
            "hours.mon[0]: window '21:00-23:00' overlaps hours.mon[1] '20:00-06:00'",
        ),
        ({"hours": {"mon": "08:00-12:00"}}, "hours.mon: expected a list of windows such as ['08:00-18:00']"),
        ({"hours": []}, "hours: expected a table of weekdays, e.g. {'mon': ['08:00-18:00']}"),
        ({"timezone": "Europe/Nowhere"}, "timezone: unknown time zone 'Europe/Nowhere'"),
        ({"timezone": "../../etc/passwd"}, "timezone: unknown time zone '../../etc/passwd'"),
        ({"timezone": 1}, "timezone: expected an IANA time zone name such as 'Europe/London'"),
        ({"holidays": {"country": "XX"}}, "holidays.country: unknown country 'XX'"),
        ({"holidays": {"subdiv": "ENG"}}, "holidays.country: required (an ISO 3166 code such as 'GB')"),
        (
            {"holidays": {"country": "GB", "subdiv": "XYZ"}},
            "holidays.subdiv: unknown subdivision 'XYZ' for country 'GB' (known: ENG, NIR, SCT, WLS)",
        ),
        (
            {"holidays": {"country": "GB", "sub": "ENG"}},
            "holidays.sub: unknown key (use 'country' and 'subdiv')",
        ),
        (
            {"holidays": ["2026-12-25", "2026-13-01"]},
            "holidays[1]: '2026-13-01' is not an ISO date (YYYY-MM-DD)",
        ),
        (
            {"closed": ["2026-12-29", "2026-12-30", "2026-13-01"]},
            "closed[2]: '2026-13-01' is not an ISO date (YYYY-MM-DD)",
        ),
        ({"closed": ["2026-W52-5"]}, "closed[0]: '2026-W52-5' is not an ISO date (YYYY-MM-DD)"),
        ({"closed": [datetime(2026, 12, 29, 0, 0)]}, "closed[0]: expected a date, not a date and time"),
        (
            {"closed": [{"date": "2026-12-29", "nam": "x"}]},
            "closed[0].nam: unknown key (use 'date' and 'name')",
        ),
        ({"closed": [{"name": "Shutdown"}]}, "closed[0].date: required"),
        ({"closed": [{"date": "2026-12-29", "name": ""}]}, "closed[0].name: expected a non-empty string"),
        ({"closed": "2026-12-29"}, "closed: expected a list of ISO dates"),
        ({"day_length": "abc"}, "day_length: 'abc' is not a valid duration"),
        ({"day_length": "0m"}, "day_length: '0m' must be more than zero"),
        ({"day_length": "25h"}, "day_length: '25h' is longer than 24 hours"),
        ({"day_length": 8.5}, "day_length: duration must be a string"),
        ({"language": "es"}, "language: unsupported language 'es' (use one of de, en, fr, nb)"),
        (
            {"colsed": ["2026-12-29"]},
            "colsed: unknown key (use closed, day_length, holidays, hours, language, timezone)",
        ),
    ],
)
def test_invalid_specs_name_the_key_and_the_problem(change: dict, message: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        Calendar.from_dict({**BASE, **change})
    assert str(excinfo.value).startswith(message)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"hours": {}}, "timezone: required"),
        ({"timezone": "UTC"}, "hours: required"),
        ("Europe/London", "calendar spec: expected a table, not str"),
    ],
)
def test_missing_keys_and_wrong_shapes(spec: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Calendar.from_dict(spec)  # type: ignore[arg-type]


def test_a_closed_day_may_be_left_out_or_listed_empty() -> None:
    monday = datetime(2026, 7, 6, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    left_out = Calendar.from_dict(BASE)
    empty = Calendar.from_dict({**BASE, "hours": {**BASE["hours"], "tue": []}})
    assert left_out.add(monday, timedelta(hours=9)) == empty.add(monday, timedelta(hours=9))


def test_dates_may_be_toml_dates_and_closed_dates_may_be_named() -> None:
    cal = Calendar.from_dict(
        {
            **BASE,
            "holidays": [date(2026, 7, 6), {"date": "2026-07-13", "name": "Founders' Day"}],
            "closed": [{"date": date(2026, 7, 20), "name": "Stocktake"}, "2026-07-20"],
        }
    )
    for day in (6, 13, 20):
        assert not cal.is_open(datetime(2026, 7, day, 10, 0, tzinfo=ZoneInfo("Europe/London")))
    assert cal.is_open(datetime(2026, 7, 27, 10, 0, tzinfo=ZoneInfo("Europe/London")))


def test_a_subdivision_may_be_given_as_a_number_or_an_alias() -> None:
    for subdiv in (972, "972", "MQ", "Martinique"):
        cal = Calendar.from_dict(
            {**BASE, "timezone": "America/Martinique", "holidays": {"country": "FR", "subdiv": subdiv}}
        )
        assert not cal.is_open(datetime(2026, 5, 22, 10, 0, tzinfo=ZoneInfo("America/Martinique")))


def test_language_defaults_to_the_countrys_and_can_be_set() -> None:
    assert Calendar.from_dict({**BASE, "holidays": {"country": "GB", "subdiv": "ENG"}}).language == "en"
    assert Calendar.from_dict({**BASE, "holidays": {"country": "NO"}}).language == "nb"
    assert Calendar.from_dict({**BASE, "holidays": {"country": "DE", "subdiv": "NI"}}).language == "de"
    assert Calendar.from_dict({**BASE, "holidays": {"country": "FR"}}).language == "fr"
    assert Calendar.from_dict({**BASE, "holidays": {"country": "JP"}}).language == "en"  # no Japanese phrases
    assert Calendar.from_dict(BASE).language == "en"
    assert Calendar.from_dict({**BASE, "holidays": {"country": "NO"}, "language": "en"}).language == "en"
    # Codes as Django and people write them: regional variants, and Norwegian as "no".
    for code, language in (("en-GB", "en"), ("fr_FR", "fr"), ("DE", "de"), ("no", "nb"), ("nb-NO", "nb")):
        assert Calendar.from_dict({**BASE, "language": code}).language == language
        assert Calendar.always(language=code).language == language


def test_to_dict_gives_back_the_spec_for_catalog_export() -> None:
    spec = {**BASE, "day_length": "8h30"}
    assert Calendar.from_dict(spec).to_dict() == spec
    with pytest.raises(ValueError):
        Calendar.always().to_dict()


def test_union_and_always_validate_their_arguments() -> None:
    with pytest.raises(ValueError, match="union: needs at least one calendar"):
        Calendar.union([])
    with pytest.raises(TypeError, match=r"union\[0\]: expected a Calendar"):
        Calendar.union([BASE])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="timezone: unknown time zone 'Mars/Olympus'"):
        Calendar.union([Calendar.from_dict(BASE)], timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="timezone: unknown time zone"):
        Calendar.always("Nowhere")
    with pytest.raises(ValueError, match="language: unsupported language"):
        Calendar.always(language="xx")
