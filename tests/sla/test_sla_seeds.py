"""Hand-written cases from each seed provider's published service levels (../shared/seeds/)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tierdesk.sla import Calendar, Holiday, parse_duration

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def mon_fri(window: str) -> dict[str, list[str]]:
    return {day: [window] for day in WEEKDAYS}


def at(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))  # type: ignore[misc]


# --------------------------------------------------------------------------- Nexstor

NEXSTOR = {
    "timezone": "Europe/London",
    "hours": mon_fri("08:00-18:00"),
    "holidays": {"country": "GB", "subdiv": "ENG"},
}


def london(*args: int) -> datetime:
    return at("Europe/London", *args)


@pytest.mark.parametrize(
    ("severity", "target", "opened", "due"),
    [
        ("Sev2 from Friday 17:50", "4h", london(2026, 3, 6, 17, 50), london(2026, 3, 9, 11, 50)),
        ("Sev1 in hours near closing", "30m", london(2026, 3, 9, 17, 45), london(2026, 3, 10, 8, 15)),
        ("Sev3 runs out at closing time", "8h", london(2026, 3, 11, 10, 0), london(2026, 3, 11, 18, 0)),
        ("Sev4 over Easter", "12h", london(2026, 4, 2, 14, 0), london(2026, 4, 7, 16, 0)),
        (
            "Sev2 over Christmas, Boxing Day observed Mon 28",
            "4h",
            london(2026, 12, 24, 17, 50),
            london(2026, 12, 29, 11, 50),
        ),
    ],
)
def test_nexstor(severity: str, target: str, opened: datetime, due: datetime) -> None:
    assert Calendar.from_dict(NEXSTOR).add(opened, parse_duration(target)) == due, severity


def test_nexstor_explains_a_weekend_and_christmas_in_english() -> None:
    cal = Calendar.from_dict(NEXSTOR)
    assert cal.language == "en"
    assert str(cal.explain(london(2026, 3, 6, 17, 50), timedelta(hours=4))) == (
        "opened Fri 17:50; 10 min counted until 18:00; closed Sat–Sun; "
        "3h 50 min counted Mon 9 Mar 08:00–11:50; due Mon 11:50"
    )
    assert str(cal.explain(london(2026, 12, 24, 17, 50), timedelta(hours=4))) == (
        "opened Thu 17:50; 10 min counted until 18:00; Fri 25 Dec closed, Christmas Day; closed Sat–Sun; "
        "Mon 28 Dec closed, Boxing Day (observed); 3h 50 min counted Tue 29 Dec 08:00–11:50; due Tue 11:50"
    )


# --------------------------------------------------------------------------- the phone provider

# "Working hours are 9-5 Mon-Fri except holidays … some days over Christmas" (shutdowns).
PHONE_CAT1 = {
    "timezone": "Europe/London",
    "hours": mon_fri("09:00-17:00"),
    "holidays": {"country": "GB", "subdiv": "ENG"},
    "closed": [{"date": f"2026-12-{day}", "name": "Office shutdown"} for day in (29, 30, 31)],
}
# Cat2: "cover extended to 7am - 11pm"; the seed names no days, we read it as Monday to Friday.
PHONE_CAT2 = {**PHONE_CAT1, "hours": mon_fri("07:00-23:00")}


def test_phone_cat1_eight_working_hours() -> None:
    cal = Calendar.from_dict(PHONE_CAT1)
    assert cal.add(london(2026, 3, 9, 10, 0), parse_duration("8h")) == london(2026, 3, 10, 10, 0)


def test_phone_cat1_over_christmas_with_the_office_shutdown() -> None:
    cal = Calendar.from_dict(PHONE_CAT1)
    opened = london(2026, 12, 24, 16, 0)
    assert cal.add(opened, parse_duration("8h")) == london(2027, 1, 4, 16, 0)
    text = str(cal.explain(opened, parse_duration("8h")))
    assert "Tue 29 Dec 2026 closed, Office shutdown" in text
    assert "Fri 1 Jan 2027 closed, New Year's Day" in text


def test_phone_cat2_four_hour_response_in_the_extended_cover() -> None:
    cal = Calendar.from_dict(PHONE_CAT2)
    assert cal.add(london(2026, 3, 6, 21, 0), parse_duration("4h")) == london(2026, 3, 9, 9, 0)
    assert cal.is_open(london(2026, 3, 9, 22, 59))
    assert not cal.is_open(london(2026, 3, 9, 23, 0))


# --------------------------------------------------------------------------- Exodata (Martinique)

EXODATA = {
    "timezone": "America/Martinique",
    "hours": mon_fri("08:00-16:00"),
    "holidays": {"country": "FR", "subdiv": "972"},
}


def martinique(*args: int) -> datetime:
    return at("America/Martinique", *args)


def test_exodata_critique_gti_fifteen_minutes_from_tuesday_1550() -> None:
    cal = Calendar.from_dict(EXODATA)
    assert cal.add(martinique(2026, 3, 10, 15, 50), parse_duration("15m")) == martinique(2026, 3, 11, 8, 5)
    assert cal.add(martinique(2026, 3, 10, 15, 50), parse_duration("4h")) == martinique(2026, 3, 11, 11, 50)


def test_exodata_martinique_holidays_by_code_or_alias() -> None:
    by_code = Calendar.from_dict(EXODATA)
    by_alias = Calendar.from_dict({**EXODATA, "holidays": {"country": "FR", "subdiv": "MQ"}})
    # 22 May, Abolition de l'esclavage: a Martinique holiday, not a metropolitan one.
    assert not by_code.is_open(martinique(2026, 5, 22, 10, 0))
    assert not by_alias.is_open(martinique(2026, 5, 22, 10, 0))
    metropolitan = Calendar.from_dict({**EXODATA, "holidays": {"country": "FR"}})
    assert metropolitan.is_open(martinique(2026, 5, 22, 10, 0))


def test_exodata_explains_in_french_with_the_local_holiday_names() -> None:
    cal = Calendar.from_dict(EXODATA)
    assert cal.language == "fr"
    opened = martinique(2026, 5, 21, 15, 45)  # Thursday; Friday and Monday are holidays
    explanation = cal.explain(opened, parse_duration("30m"))
    assert explanation.due == martinique(2026, 5, 26, 8, 15)
    assert str(explanation) == (
        "ouvert jeu. 15h45 ; 15 min comptées jusqu'à 16h00 ; ven. 22 mai fermé, Abolition de l'esclavage ; "
        "fermé sam.–dim. ; lun. 25 mai fermé, Lundi de Pentecôte ; 15 min comptées mar. 26 mai 08h00–08h15 ; "
        "échéance mar. 08h15"
    )


# --------------------------------------------------------------------------- Biztek (Norway)

BIZTEK = {"timezone": "Europe/Oslo", "hours": mon_fri("07:00-16:00"), "holidays": {"country": "NO"}}


def oslo(*args: int) -> datetime:
    return at("Europe/Oslo", *args)


def test_biztek_severity_2_over_ascension_day() -> None:
    cal = Calendar.from_dict(BIZTEK)
    # Thursday 14 May 2026 is Kristi himmelfartsdag.
    assert cal.add(oslo(2026, 5, 13, 14, 0), parse_duration("4h")) == oslo(2026, 5, 15, 9, 0)
    assert cal.add(oslo(2026, 5, 15, 12, 0), parse_duration("8h")) == oslo(2026, 5, 18, 11, 0)


def test_biztek_two_holidays_on_one_day_explained_in_norwegian() -> None:
    cal = Calendar.from_dict(BIZTEK)
    assert cal.language == "nb"
    opened = oslo(2027, 5, 14, 15, 0)  # Friday; Monday 17 May 2027 is Andre pinsedag and Grunnlovsdag
    explanation = cal.explain(opened, parse_duration("4h"))
    assert explanation.due == oslo(2027, 5, 18, 10, 0)
    assert Holiday(opened.date().replace(day=17), "Andre pinsedag / Grunnlovsdag") in explanation.steps
    assert str(explanation) == (
        "åpnet fre. 15:00; 1 t telt til 16:00; stengt lør.–søn.; "
        "man. 17. mai stengt, Andre pinsedag / Grunnlovsdag; "
        "3 t telt tir. 18. mai 07:00–10:00; frist tir. 10:00"
    )


# --------------------------------------------------------------------------- NETCOR (Lower Saxony)

NETCOR = {
    "timezone": "Europe/Berlin",
    "hours": mon_fri("08:30-17:00"),
    "holidays": {"country": "DE", "subdiv": "NI"},
    "day_length": "8h30",
}


def berlin(*args: int) -> datetime:
    return at("Europe/Berlin", *args)


def test_netcor_two_business_days_are_seventeen_hours() -> None:
    cal = Calendar.from_dict(NETCOR)
    assert cal.business_days(2) == timedelta(hours=17)
    assert cal.business_days(4) == timedelta(hours=34)


def test_netcor_stufe_3_opened_the_day_before_reformationstag() -> None:
    cal = Calendar.from_dict(NETCOR)
    # Tuesday 31 Oct 2028 is Reformationstag in Lower Saxony (1 Nov is no holiday there).
    opened = berlin(2028, 10, 30, 10, 0)
    assert cal.add(opened, cal.business_days(2)) == berlin(2028, 11, 2, 10, 0)


def test_netcor_stufe_2_opened_the_day_before_reformationstag_on_a_friday() -> None:
    cal = Calendar.from_dict(NETCOR)
    assert cal.add(berlin(2025, 10, 30, 10, 0), parse_duration("8h")) == berlin(2025, 11, 3, 9, 30)


def test_netcor_stufe_4_over_christmas_explained_in_german() -> None:
    cal = Calendar.from_dict(NETCOR)
    assert cal.language == "de"
    opened = berlin(2026, 12, 23, 9, 0)
    explanation = cal.explain(opened, cal.business_days(4))
    assert explanation.due == berlin(2026, 12, 30, 9, 0)
    assert str(explanation) == (
        "eröffnet Mi. 23. Dez. 09:00; 8 Std. gezählt bis 17:00; "
        "8 Std. 30 Min. gezählt Do. 24. Dez. 08:30–17:00; Fr. 25. Dez. geschlossen, Erster Weihnachtstag; "
        "geschlossen Sa.–So.; 8 Std. 30 Min. gezählt Mo. 28. Dez. 08:30–17:00; "
        "8 Std. 30 Min. gezählt Di. 29. Dez. 08:30–17:00; 30 Min. gezählt Mi. 30. Dez. 08:30–09:00; "
        "fällig Mi. 30. Dez. 09:00"
    )
