"""Calendar.explain: structured steps and their rendering in en, fr, de and nb."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierdesk.sla import (
    Calendar,
    ClosedDay,
    ClosedDays,
    Counted,
    CountedDays,
    Due,
    Explanation,
    Holiday,
    Opened,
    Paused,
)

from .sla_strategies import micro_durations, pause_lists, precise_starts, specs, utc

LONDON = ZoneInfo("Europe/London")
OSLO = ZoneInfo("Europe/Oslo")
H = timedelta(hours=1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
NEXSTOR = {
    "timezone": "Europe/London",
    "hours": {d: ["08:00-18:00"] for d in WEEKDAYS},
    "holidays": {"country": "GB", "subdiv": "ENG"},
}


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


def test_an_explanation_reads_like_the_design_example() -> None:
    cal = Calendar.from_dict(
        {**NEXSTOR, "holidays": [{"date": "2028-12-25", "name": "Christmas Day"}]}  # Monday 25 Dec 2028
    )
    explanation = cal.explain(london(2028, 12, 22, 17, 50), timedelta(hours=3, minutes=50))
    assert explanation.text() == (
        "opened Fri 17:50; 10 min counted until 18:00; closed Sat–Sun; Mon 25 Dec closed, Christmas Day; "
        "3h 40 min counted Tue 26 Dec 08:00–11:40; due Tue 11:40"
    )


def test_an_explanation_is_made_of_structured_steps() -> None:
    cal = Calendar.from_dict(NEXSTOR)
    explanation = cal.explain(london(2026, 12, 24, 17, 50), 4 * H)
    assert isinstance(explanation, Explanation)
    assert explanation.due == cal.add(london(2026, 12, 24, 17, 50), 4 * H)
    assert explanation.clock_start == explanation.start == london(2026, 12, 24, 17, 50)
    assert explanation.language == "en"
    assert explanation.steps == (
        Opened(london(2026, 12, 24, 17, 50), london(2026, 12, 24, 17, 50)),
        Counted(
            date(2026, 12, 24),
            ((london(2026, 12, 24, 17, 50), london(2026, 12, 24, 18, 0)),),
            timedelta(minutes=10),
        ),
        Holiday(date(2026, 12, 25), "Christmas Day"),
        ClosedDays(date(2026, 12, 26), date(2026, 12, 27)),
        Holiday(date(2026, 12, 28), "Boxing Day (observed)"),
        Counted(
            date(2026, 12, 29),
            ((london(2026, 12, 29, 8, 0), london(2026, 12, 29, 11, 50)),),
            timedelta(hours=3, minutes=50),
        ),
        Due(london(2026, 12, 29, 11, 50)),
    )
    assert str(explanation) == explanation.text()


def test_runs_of_whole_working_days_collapse_so_a_long_target_stays_short() -> None:
    cal = Calendar.from_dict(NEXSTOR)
    month = cal.explain(london(2026, 3, 2, 9, 0), 220 * H)
    assert month.text() == (
        "opened Mon 2 Mar 09:00; 9h counted until 18:00; counted 10h on each of 21 working days Tue 3 – Tue 31 Mar; "
        "1h counted Wed 1 Apr 08:00–09:00; due Wed 1 Apr 09:00"
    )
    year = cal.explain(london(2026, 3, 2, 9, 0), timedelta(days=365))  # 8760 business hours, ~3.4 years
    assert len(year.steps) < 100
    runs = [s for s in year.steps if isinstance(s, CountedDays)]
    assert runs and all(run.per_day == 10 * H for run in runs)
    counted = sum((s.amount for s in year.steps if isinstance(s, Counted | CountedDays)), timedelta())
    assert counted == timedelta(days=365)
    assert len(year.text()) < 6000


def test_a_run_with_days_of_different_lengths_gives_its_total() -> None:
    # 24x7 across the spring-forward night: one day has 23 hours.
    explanation = Calendar.always("Europe/London").explain(london(2026, 3, 25, 17, 0), timedelta(days=10))
    assert "counted 215h over 9 working days Thu 26 Mar – Fri 3 Apr" in explanation.text()


def test_an_explanation_says_when_the_clock_starts_if_opened_outside_hours() -> None:
    cal = Calendar.from_dict(NEXSTOR)
    explanation = cal.explain(london(2026, 3, 7, 10, 0), timedelta(0))
    assert explanation.text() == (
        "opened Sat 10:00, outside hours; the clock starts Mon 08:00; closed Sat–Sun; due Mon 08:00"
    )
    assert not explanation.steps[0].in_hours  # type: ignore[union-attr]
    assert cal.explain(london(2026, 3, 9, 10, 0), timedelta(0)).text() == "opened Mon 10:00; due Mon 10:00"


def test_pauses_are_merged_and_say_how_much_business_time_they_took_out() -> None:
    cal = Calendar.from_dict(NEXSTOR)
    pauses = [
        (london(2026, 3, 9, 9, 0), london(2026, 3, 9, 10, 0)),
        (london(2026, 3, 9, 9, 30), london(2026, 3, 9, 10, 30)),
    ]
    explanation = cal.explain(london(2026, 3, 7, 10, 0), 3 * H, pauses)
    assert (
        Paused(london(2026, 3, 9, 9, 0), london(2026, 3, 9, 10, 30), timedelta(minutes=90))
        in explanation.steps
    )
    assert explanation.text() == (
        "opened Sat 10:00, outside hours; the clock starts Mon 08:00; closed Sat–Sun; "
        "3h counted Mon 9 Mar 08:00–09:00, 10:30–12:30; paused Mon 9 Mar 09:00 – 10:30, 1h 30 min not counted; "
        "due Mon 12:30"
    )


def test_shutdown_days_are_named_and_unnamed_ones_just_closed() -> None:
    cal = Calendar.from_dict(
        {**NEXSTOR, "closed": [{"date": "2026-03-10", "name": "Stocktake"}, "2026-03-11"]}
    )
    explanation = cal.explain(london(2026, 3, 9, 17, 0), 2 * H)
    assert ClosedDay(date(2026, 3, 10), "Stocktake") in explanation.steps
    assert "Tue 10 Mar closed, Stocktake; Wed 11 Mar closed; " in explanation.text()


def test_a_night_window_is_explained_on_the_day_it_opens() -> None:
    every_day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    cal = Calendar.from_dict(
        {
            "timezone": "Europe/London",
            "hours": {d: ["22:00-06:00"] for d in every_day},
            "holidays": ["2026-12-25"],
        }
    )
    assert cal.explain(london(2026, 12, 24, 12, 0), 20 * H).text() == (
        "opened Thu 12:00, outside hours; the clock starts Thu 22:00; 8h counted Thu 24 Dec 22:00–06:00; "
        "Fri 25 Dec closed, public holiday; 8h counted Sat 26 Dec 22:00–06:00; "
        "4h counted Sun 27 Dec 22:00–02:00; due Mon 02:00"
    )


def test_a_union_explains_its_open_stretches_without_holiday_names() -> None:
    new_york = {
        "timezone": "America/New_York",
        "hours": {d: ["08:00-18:00"] for d in WEEKDAYS},
        "holidays": {"country": "US"},
    }
    union = Calendar.union([Calendar.from_dict(NEXSTOR), Calendar.from_dict(new_york)])
    assert union.explain(london(2026, 12, 24, 17, 0), 30 * H).text() == (
        "opened Thu 17:00; 6h counted until 23:00; closed Fri–Sun; 10h counted Mon 28 Dec 13:00–23:00; "
        "14h counted Tue 29 Dec 08:00–22:00; due Tue 22:00"
    )


@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "en",
            "opened Fri 15:00; 1h counted until 16:00; closed Sat–Sun; "
            "Mon 17 May closed, Constitution Day / Pentecost Monday; 3h counted Tue 18 May 07:00–10:00; due Tue 10:00",
        ),
        (
            "fr",
            "ouvert ven. 15h00 ; 1 h comptées jusqu'à 16h00 ; fermé sam.–dim. ; "
            "lun. 17 mai fermé, Andre pinsedag / Grunnlovsdag ; 3 h comptées mar. 18 mai 07h00–10h00 ; "
            "échéance mar. 10h00",
        ),
        (
            "de",
            "eröffnet Fr. 15:00; 1 Std. gezählt bis 16:00; geschlossen Sa.–So.; "
            "Mo. 17. Mai geschlossen, Andre pinsedag / Grunnlovsdag; 3 Std. gezählt Di. 18. Mai 07:00–10:00; "
            "fällig Di. 10:00",
        ),
        (
            "nb",
            "åpnet fre. 15:00; 1 t telt til 16:00; stengt lør.–søn.; man. 17. mai stengt, Andre pinsedag / Grunnlovsdag; "
            "3 t telt tir. 18. mai 07:00–10:00; frist tir. 10:00",
        ),
    ],
)
def test_explain_in_another_language_uses_its_phrases_and_holiday_names_where_the_package_has_them(
    language: str, text: str
) -> None:
    """The holidays package names Norwegian holidays in no, en_US, th and uk: French and German
    explanations keep the country's own (Norwegian) names, which are proper names there."""
    biztek = Calendar.from_dict(
        {
            "timezone": "Europe/Oslo",
            "hours": {d: ["07:00-16:00"] for d in WEEKDAYS},
            "holidays": {"country": "NO"},
        }
    )
    assert biztek.explain(datetime(2027, 5, 14, 15, 0, tzinfo=OSLO), 4 * H, language=language).text() == text


def test_an_explanation_can_be_rendered_again_in_another_language() -> None:
    cal = Calendar.from_dict(NEXSTOR)
    explanation = cal.explain(london(2026, 3, 6, 17, 50), 4 * H)
    assert explanation.text("de") == (
        "eröffnet Fr. 17:50; 10 Min. gezählt bis 18:00; geschlossen Sa.–So.; "
        "3 Std. 50 Min. gezählt Mo. 9. März 08:00–11:50; fällig Mo. 11:50"
    )
    assert explanation.lines("fr")[-1] == "échéance lun. 11h50"
    assert explanation.lines("nb-NO")[-1] == explanation.lines("nb")[-1] == "frist man. 11:50"
    with pytest.raises(ValueError, match="language: unsupported language 'es'"):
        explanation.text("es")
    with pytest.raises(ValueError, match="language: unsupported language 'es'"):
        cal.explain(london(2026, 3, 6, 17, 50), 4 * H, language="es")


def test_sub_minute_times_and_amounts_are_shown() -> None:
    cal = Calendar.from_dict(NEXSTOR)
    explanation = cal.explain(
        london(2026, 3, 9, 17, 59, 30), timedelta(minutes=1, seconds=15, microseconds=500000)
    )
    assert (
        explanation.text(precise=True)
        == "opened Mon 17:59:30; 30 s counted until 18:00; 45.5 s counted Tue 10 Mar 08:00–08:00:45.5; due Tue 08:00:45.5"
    )


def test_explanations_read_to_the_minute_by_default() -> None:
    cal = Calendar.from_dict(NEXSTOR)
    opened = london(2026, 3, 6, 17, 50, 38, 866955)
    assert cal.explain(opened, 4 * H).text() == (
        "opened Fri 17:50; 9 min counted until 18:00; closed Sat–Sun; 3h 51 min counted Mon 9 Mar 08:00–11:50; "
        "due Mon 11:50"
    )


def test_an_explanation_across_new_year_shows_years() -> None:
    cal = Calendar.from_dict(NEXSTOR)
    text = cal.explain(london(2026, 12, 31, 17, 0), 2 * H).text()
    assert text == (
        "opened Thu 17:00; 1h counted until 18:00; Fri 1 Jan 2027 closed, New Year's Day; closed Sat–Sun; "
        "1h counted Mon 4 Jan 2027 08:00–09:00; due Mon 09:00"
    )


@settings(max_examples=60, deadline=None)
@given(specs(), precise_starts(), micro_durations, st.data())
def test_every_explanation_ends_at_add_and_counts_exactly_the_duration(spec, start, duration, data) -> None:
    pauses = data.draw(pause_lists(start))
    cal = Calendar.from_dict(spec)
    explanation = cal.explain(start, duration, pauses)
    assert utc(explanation.due) == utc(cal.add(start, duration, pauses))
    assert isinstance(explanation.steps[0], Opened)
    assert explanation.steps[-1] == Due(explanation.due)
    counted = sum((s.amount for s in explanation.steps if isinstance(s, Counted | CountedDays)), timedelta())
    assert counted == duration
    for language in ("en", "fr", "de", "nb"):
        assert explanation.text(language)
