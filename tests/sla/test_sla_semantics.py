"""Each rule of DESIGN.md "Semantics of business time (decided)", pinned by a named test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tierdesk.sla import Calendar

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
H = timedelta(hours=1)
US = timedelta(microseconds=1)


def weekly(window: str = "09:00-17:00", zone: str = "Europe/London", days=WEEKDAYS, **extra) -> Calendar:
    return Calendar.from_dict({"timezone": zone, "hours": {d: [window] for d in days}, **extra})


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


# 2026-07-06 is a Monday.
MON = (2026, 7, 6)


# --------------------------------------------------------------------------- zone


def test_calendar_hours_are_local_time_in_its_iana_zone_and_results_come_back_in_that_zone() -> None:
    cal = weekly()
    assert cal.timezone == LONDON
    # 07:30 UTC is 08:30 BST: before opening, although 09:00 UTC would be "open" if hours were read in UTC.
    start = datetime(2026, 7, 6, 7, 30, tzinfo=UTC)
    assert not cal.is_open(start)
    due = cal.add(start, H)
    assert due == london(*MON, 10, 0)
    assert due.tzinfo is LONDON
    assert cal.next_open(start).tzinfo is LONDON


# --------------------------------------------------------------------------- windows belong to their day


def test_a_holiday_closes_the_windows_that_open_on_that_date() -> None:
    cal = weekly("08:00-18:00", holidays={"country": "GB", "subdiv": "ENG"})
    assert not cal.is_open(london(2026, 12, 25, 10, 0))  # Christmas Day (Friday)
    assert not cal.is_open(london(2026, 12, 28, 10, 0))  # Boxing Day observed (Monday)
    # Thu 24 Dec 17:00: 1h on Thursday, then closed Fri–Mon, 1h on Tuesday.
    assert cal.add(london(2026, 12, 24, 17, 0), 2 * H) == london(2026, 12, 29, 9, 0)


def test_a_night_window_opened_on_the_eve_of_a_holiday_still_runs_into_the_holiday() -> None:
    every_day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    cal = weekly("22:00-06:00", days=every_day, holidays=["2026-12-25"])
    assert cal.is_open(london(2026, 12, 25, 3, 0))  # opened Thu 24th 22:00, the eve
    assert not cal.is_open(london(2026, 12, 25, 23, 0))  # would have opened on the holiday
    assert not cal.is_open(london(2026, 12, 26, 3, 0))  # …and run into the 26th
    assert cal.is_open(london(2026, 12, 26, 22, 0))
    assert cal.between(london(2026, 12, 24, 12, 0), london(2026, 12, 27, 12, 0)) == 8 * H + 8 * H


def test_a_night_window_may_overlap_the_next_mornings_window_and_counts_once() -> None:
    cal = Calendar.from_dict(
        {"timezone": "Europe/London", "hours": {"mon": ["20:00-10:00"], "tue": ["08:00-12:00"]}}
    )
    assert cal.between(london(*MON, 0, 0), london(2026, 7, 8, 0, 0)) == 16 * H
    assert cal.open_intervals(london(*MON, 0, 0), london(2026, 7, 8, 0, 0)) == [
        (london(*MON, 20, 0), london(2026, 7, 7, 12, 0))
    ]


def test_whole_days_and_several_windows_a_day() -> None:
    cal = Calendar.from_dict(
        {
            "timezone": "Europe/London",
            "hours": {"fri": ["08:00-12:00", "13:00-24:00"], "sat": ["00:00-24:00"], "sun": ["00:00-12:00"]},
        }
    )
    assert cal.open_intervals(london(2026, 7, 10, 0, 0), london(2026, 7, 13, 0, 0)) == [
        (london(2026, 7, 10, 8, 0), london(2026, 7, 10, 12, 0)),
        (london(2026, 7, 10, 13, 0), london(2026, 7, 12, 12, 0)),
    ]
    assert cal.add(london(2026, 7, 10, 11, 0), 2 * H) == london(2026, 7, 10, 14, 0)


# --------------------------------------------------------------------------- real elapsed time across DST


def test_a_window_spanning_spring_forward_is_an_hour_shorter() -> None:
    cal = weekly("00:00-06:00", days=("sun",))
    # Sunday 29 March 2026: 01:00 GMT becomes 02:00 BST.
    assert cal.between(london(2026, 3, 29, 0, 0), london(2026, 3, 29, 12, 0)) == 5 * H
    assert cal.add(london(2026, 3, 29, 0, 0), 5 * H) == london(2026, 3, 29, 6, 0)


def test_a_window_spanning_fall_back_is_an_hour_longer() -> None:
    cal = weekly("00:00-06:00", days=("sun",))
    # Sunday 25 October 2026: 02:00 BST becomes 01:00 GMT.
    assert cal.between(london(2026, 10, 25, 0, 0), london(2026, 10, 25, 12, 0)) == 7 * H
    assert cal.add(london(2026, 10, 25, 0, 0), 7 * H) == london(2026, 10, 25, 6, 0)


def test_a_local_time_that_does_not_exist_maps_forward() -> None:
    # New York skips 02:00–03:00 on Sunday 8 March 2026: "02:30" (fold=0) is 03:30 EDT.
    cal = weekly("02:30-05:00", zone="America/New_York", days=("sun",))
    sunday = datetime(2026, 3, 8, 0, 0, tzinfo=NEW_YORK)
    assert utc(cal.next_open(sunday)) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert cal.next_open(sunday) == datetime(2026, 3, 8, 3, 30, tzinfo=NEW_YORK)
    assert cal.between(sunday, sunday + 12 * H) == 90 * timedelta(minutes=1)
    # A window wholly inside the gap opens and closes at mapped-forward times; one whose opening
    # maps past its closing has no open time at all.
    gap = weekly("02:30-03:15", zone="America/New_York", days=("sun",))
    assert gap.between(sunday, sunday + 12 * H) == timedelta(0)


def test_a_repeated_local_time_is_its_first_occurrence() -> None:
    cal = weekly("01:30-02:30", days=("sun",))
    # 25 October 2026: 01:30 happens twice; fold=0 is the BST one (00:30 UTC). 02:30 is GMT.
    intervals = cal.open_intervals(london(2026, 10, 25, 0, 0), london(2026, 10, 25, 12, 0))
    assert [(utc(a), utc(b)) for a, b in intervals] == [
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 2, 30, tzinfo=UTC))
    ]


# --------------------------------------------------------------------------- half-open windows


def test_windows_are_half_open() -> None:
    cal = weekly()
    assert cal.is_open(london(*MON, 9, 0))
    assert cal.is_open(london(*MON, 17, 0) - US)
    assert not cal.is_open(london(*MON, 17, 0))
    assert not cal.is_open(london(*MON, 9, 0) - US)
    assert cal.open_intervals(london(*MON, 0, 0), london(2026, 7, 7, 0, 0)) == [
        (london(*MON, 9, 0), london(*MON, 17, 0))
    ]


# --------------------------------------------------------------------------- due


def test_the_clock_starts_at_the_first_open_instant_at_or_after_the_start() -> None:
    cal = weekly()
    assert cal.add(london(2026, 7, 4, 10, 0), H) == london(*MON, 10, 0)  # Saturday
    assert cal.add(london(*MON, 7, 0), H) == london(*MON, 10, 0)
    assert cal.add(london(*MON, 17, 0), H) == london(2026, 7, 7, 10, 0)  # at closing time: closed


def test_a_zero_duration_is_due_at_the_first_open_instant() -> None:
    cal = weekly()
    assert cal.add(london(2026, 7, 4, 10, 0), timedelta(0)) == london(*MON, 9, 0)
    assert cal.add(london(*MON, 10, 0), timedelta(0)) == london(*MON, 10, 0)
    assert cal.add(london(*MON, 17, 0), timedelta(0)) == london(2026, 7, 7, 9, 0)


def test_a_target_that_runs_out_at_closing_time_is_due_at_closing_time() -> None:
    cal = weekly()
    assert cal.add(london(*MON, 9, 0), 8 * H) == london(*MON, 17, 0)  # not Tue 09:00
    assert cal.add(london(*MON, 9, 0), 8 * H + US) == london(2026, 7, 7, 9, 0) + US


def test_due_is_the_earliest_instant_with_the_duration_elapsed_so_breached_means_now_at_or_after_due() -> (
    None
):
    cal = weekly()
    start = london(*MON, 16, 0)
    due = cal.add(start, 2 * H)
    assert due == london(2026, 7, 7, 10, 0)
    assert cal.between(start, due) == 2 * H  # now == due: breached
    assert cal.between(start, due - US) < 2 * H  # a microsecond earlier: not yet


def test_pauses_delay_the_clock_start_and_the_due_time() -> None:
    cal = weekly()
    start = london(*MON, 9, 0)
    overlapping = [(london(*MON, 8, 0), london(*MON, 10, 0)), (london(*MON, 9, 30), london(*MON, 10, 30))]
    assert cal.add(start, timedelta(0), overlapping) == london(*MON, 10, 30)
    assert cal.add(start, H, overlapping) == london(*MON, 11, 30)
    # A pause wholly out of hours changes nothing; one across closing time only takes its open part.
    out_of_hours = [(london(*MON, 18, 0), london(*MON, 20, 0))]
    assert cal.add(start, 10 * H, out_of_hours) == london(2026, 7, 7, 11, 0)
    across_closing = [(london(*MON, 16, 0), london(2026, 7, 7, 10, 0))]
    assert cal.add(start, 8 * H, across_closing) == london(2026, 7, 7, 11, 0)
    # Due exactly when a pause starts: the target is met before the pause.
    assert cal.add(start, 7 * H, across_closing) == london(*MON, 16, 0)


# --------------------------------------------------------------------------- elapsed


def test_elapsed_is_the_business_time_in_the_half_open_range() -> None:
    cal = weekly()
    assert cal.between(london(*MON, 9, 0), london(*MON, 17, 0)) == 8 * H
    assert cal.between(london(*MON, 8, 0), london(2026, 7, 7, 10, 0)) == 9 * H
    assert cal.between(london(2026, 7, 4, 0, 0), london(2026, 7, 5, 23, 0)) == timedelta(0)


def test_elapsed_subtracts_pauses_that_overlap_each_other_or_lie_out_of_hours() -> None:
    cal = weekly()
    pauses = [
        (london(*MON, 10, 0), london(*MON, 12, 0)),
        (london(*MON, 11, 0), london(*MON, 13, 0)),  # overlaps the first: 3h in all
        (london(*MON, 16, 0), london(*MON, 20, 0)),  # partly out of hours: 1h
        (london(2026, 7, 4, 9, 0), london(2026, 7, 4, 17, 0)),  # Saturday: nothing
        (london(2026, 7, 7, 16, 30), london(2026, 7, 8, 9, 0)),  # beyond the end: 30 min
    ]
    assert cal.between(london(*MON, 9, 0), london(2026, 7, 7, 17, 0), pauses) == 12 * H - timedelta(
        minutes=30
    )


def test_elapsed_is_zero_when_the_end_is_not_after_the_start() -> None:
    cal = weekly()
    assert cal.between(london(*MON, 12, 0), london(*MON, 12, 0)) == timedelta(0)
    assert cal.between(london(*MON, 12, 0), london(*MON, 10, 0)) == timedelta(0)


# --------------------------------------------------------------------------- union


def test_a_union_is_open_when_any_member_is_open() -> None:
    union = Calendar.union([weekly(), weekly(zone="America/New_York")])
    assert union.timezone == LONDON
    assert union.is_open(london(*MON, 15, 0))  # both
    assert union.is_open(london(*MON, 18, 0))  # New York only (13:00 there)
    assert not union.is_open(london(*MON, 23, 0))  # neither (18:00 in New York)
    # London 09–17 plus New York 09–17 (14–22 London): one stretch 09–22 London.
    assert union.add(london(*MON, 16, 0), 3 * H) == london(*MON, 19, 0)
    in_new_york = Calendar.union([weekly(), weekly(zone="America/New_York")], timezone="America/New_York")
    assert in_new_york.add(london(*MON, 16, 0), 3 * H).tzinfo == NEW_YORK


# --------------------------------------------------------------------------- business days


def test_a_business_day_target_is_n_times_the_declared_day_length() -> None:
    netcor = weekly("08:30-17:00", zone="Europe/Berlin", day_length="8h30")
    assert netcor.day_length == timedelta(hours=8, minutes=30)
    assert netcor.business_days(2) == timedelta(hours=17)
    assert netcor.business_days(0) == timedelta(0)
    # Default: the longest weekday total.
    uneven = Calendar.from_dict(
        {"timezone": "UTC", "hours": {"mon": ["08:00-12:00", "13:00-19:00"], "fri": ["08:00-16:00"]}}
    )
    assert uneven.day_length == 10 * H
    assert Calendar.always().day_length == 24 * H
    with pytest.raises(ValueError, match="business_days"):
        netcor.business_days(-1)


# --------------------------------------------------------------------------- inputs


@pytest.mark.parametrize(
    "call",
    [
        lambda cal, naive: cal.add(naive, H),
        lambda cal, naive: cal.between(naive, naive + H),
        lambda cal, naive: cal.between(naive.replace(tzinfo=UTC), naive),
        lambda cal, naive: cal.is_open(naive),
        lambda cal, naive: cal.next_open(naive),
        lambda cal, naive: cal.open_intervals(naive, naive + H),
        lambda cal, naive: cal.explain(naive, H),
        lambda cal, naive: cal.add(naive.replace(tzinfo=UTC), H, [(naive, naive + H)]),
        lambda cal, naive: cal.add_many([naive], [H]),
    ],
)
def test_naive_datetimes_are_refused(call) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        call(weekly(), datetime(2026, 7, 6, 10, 0))


def test_bad_durations_and_pauses_are_refused() -> None:
    cal = weekly()
    start = london(*MON, 10, 0)
    with pytest.raises(ValueError, match="negative"):
        cal.add(start, -H)
    with pytest.raises(TypeError, match="parse_duration"):
        cal.add(start, "4h")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"pauses\[0\]: ends .* before it starts"):
        cal.add(start, H, [(start, start - H)])
    with pytest.raises(TypeError, match=r"pauses\[0\]"):
        cal.add(start, H, [start])  # type: ignore[list-item]


def test_sub_minute_precision_is_kept() -> None:
    cal = weekly("08:00-18:00")
    start = london(2026, 7, 10, 17, 50, 30, 123456)  # Friday
    assert cal.add(start, 4 * H) == london(2026, 7, 13, 11, 50, 30, 123456)
    assert cal.add(start, timedelta(seconds=90)) == london(2026, 7, 10, 17, 52, 0, 123456)
    assert cal.between(start, london(2026, 7, 10, 18, 0)) == timedelta(
        minutes=9, seconds=29, microseconds=876544
    )


def test_a_calendar_without_hours_never_opens_and_says_so() -> None:
    cal = Calendar.from_dict({"timezone": "UTC", "hours": {}})
    assert not cal.is_open(london(*MON, 10, 0))
    assert cal.between(london(*MON, 10, 0), london(2027, 1, 1, 0, 0)) == timedelta(0)
    with pytest.raises(ValueError, match="no opening hours"):
        cal.add(london(*MON, 10, 0), H)
    with pytest.raises(ValueError, match="no opening hours"):
        cal.next_open(london(*MON, 10, 0))


def test_always_open_counts_real_elapsed_time_across_dst() -> None:
    cal = Calendar.always("Europe/London")
    start = london(2026, 3, 28, 12, 0)
    assert cal.add(start, 24 * H) == london(2026, 3, 29, 13, 0)  # the night lost an hour
    assert cal.between(start, london(2026, 3, 29, 12, 0)) == 23 * H


# --------------------------------------------------------------------------- lazy years


def test_a_start_in_1970_computes_only_the_years_it_touches() -> None:
    cal = weekly("08:00-18:00", holidays={"country": "GB", "subdiv": "ENG"})
    due = cal.add(london(1970, 1, 2, 17, 50), 4 * H)  # a Friday
    assert due == london(1970, 1, 5, 11, 50)
    # 1968–71 Britain kept summer time all winter (British Standard Time, UTC+1).
    assert due.utcoffset() == H
    assert set(cal._chunks) == {1970}


def test_a_start_in_2199_computes_only_the_years_it_touches() -> None:
    cal = weekly("08:00-18:00", holidays={"country": "GB", "subdiv": "ENG"})
    cal.add(london(1970, 1, 2, 17, 50), 4 * H)
    due = cal.add(london(2199, 12, 24, 17, 50), 4 * H)  # a Tuesday
    # The holidays package has no holidays after 2100 (its end_year), so Christmas 2199 is a
    # working day: we follow the package rather than invent holidays.
    assert due == london(2199, 12, 25, 11, 50)
    assert set(cal._chunks) == {1970, 2199}


def test_the_cost_of_add_does_not_grow_with_the_duration() -> None:
    """A one-year target steps over whole years by their totals and bisects once: it touches
    only the years it spans, never walks days (the timings are in bench/sla.py)."""
    cal = weekly("08:00-18:00", holidays={"country": "GB", "subdiv": "ENG"})
    start = london(2026, 3, 2, 9, 0)
    cal.add(start, H)
    assert set(cal._chunks) == {2026}
    due = cal.add(start, timedelta(days=365))
    assert set(cal._chunks) == {2026, 2027, 2028, 2029}  # 8760 h at 10 h/day ≈ 3.4 years
    assert cal.between(start, due) == timedelta(days=365)


def test_results_are_exact_where_the_cache_is_cut_at_a_utc_year_boundary() -> None:
    cal = Calendar.always("Europe/London")
    start = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    assert utc(cal.add(start, H)) == datetime(2027, 1, 1, 0, 0, tzinfo=UTC)
    assert cal.is_open(datetime(2027, 1, 1, 0, 0, tzinfo=UTC))
    assert cal.open_intervals(start, start + 2 * H) == [(start, start + 2 * H)]


def test_a_calendar_shared_between_threads_gives_the_same_answers() -> None:
    """Catalog calendars are cached per process and shared by request threads; the lazy year
    fill and the last-year shortcut must not mix answers up."""
    from concurrent.futures import ThreadPoolExecutor

    spec = {"timezone": "Europe/London", "hours": {d: ["08:00-18:00"] for d in WEEKDAYS}}
    starts = [london(year, month, 3, 17, 50) for year in range(2020, 2032) for month in (1, 6, 12)]
    expected = [Calendar.from_dict(spec).add(s, 30 * H) for s in starts]
    shared = Calendar.from_dict(spec)
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(5):
            assert list(pool.map(lambda s: shared.add(s, 30 * H), starts)) == expected
