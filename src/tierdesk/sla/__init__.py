"""Business time for Tierdesk: calendars, due times, elapsed time, explanations.

Pure Python (plus ``holidays`` and NumPy); nothing here imports Django, so the SLA engine can be
tested, benchmarked and reused on its own.  The rules are DESIGN.md's "Semantics of business
time"; where it is silent, this package decided:

* Two windows of one day that overlap are refused (a typo is likelier than intent); a window past
  midnight may overlap the next day's windows, which belong to another day, and they merge.
* Unknown keys in a spec are refused.  ``"06:00-06:00"`` is a zero-length window; a whole day is
  ``"00:00-24:00"``.  A listed date that is both a holiday and a closed date is shown as the holiday.
* Public holidays are whatever the ``holidays`` package gives for the year: none outside its range
  (after 2100 for every country, before 1991 for DE), rather than invented ones.
* ``parse_duration("2d")`` is 48 h of business time, not two business days
  (``Calendar.business_days(2)``); fractions are only allowed on seconds (``"1h30"``, not ``"1.5h"``).
* A union's ``day_length`` is the longest member's unless given; its language the first member's.
* ``explain`` names holidays in the explanation's language when the package has it, else in the
  country's own; runs of three or more whole working days collapse into one step.
* NumPy ``datetime64`` values in the bulk path are UTC (they carry no zone).
* Results are aware datetimes in the calendar's zone.  Compare them with ``<``/``>=`` or in UTC:
  by PEP 495, ``==`` between different zones is False for a time in a DST fold
  (``01:30 fold=1 Europe/London`` is not ``==`` to ``01:30 UTC``, though both are one instant).

    >>> from datetime import datetime, timedelta
    >>> from zoneinfo import ZoneInfo
    >>> cal = Calendar.from_dict({"timezone": "Europe/London",
    ...                           "hours": {d: ["08:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
    ...                           "holidays": {"country": "GB", "subdiv": "ENG"}})
    >>> cal.add(datetime(2026, 3, 6, 17, 50, tzinfo=ZoneInfo("Europe/London")), timedelta(hours=4))
    datetime.datetime(2026, 3, 9, 11, 50, tzinfo=zoneinfo.ZoneInfo(key='Europe/London'))
"""

from tierdesk.sla.calendar import Calendar, Pause
from tierdesk.sla.durations import parse_duration
from tierdesk.sla.explain import (
    ClosedDay,
    ClosedDays,
    Counted,
    CountedDays,
    Due,
    Explanation,
    Holiday,
    Opened,
    Paused,
    Step,
)

__all__ = [
    "Calendar",
    "ClosedDay",
    "ClosedDays",
    "Counted",
    "CountedDays",
    "Due",
    "Explanation",
    "Holiday",
    "Opened",
    "Pause",
    "Paused",
    "Step",
    "parse_duration",
]
