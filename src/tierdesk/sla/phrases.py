"""Words for :mod:`tierdesk.sla.explain` in English, French, German and Norwegian Bokmål.

Plain tables rather than gettext: the pure core must not depend on Django's translation
machinery or on the process locale, and four short tables are easy to review side by side.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final

__all__ = ["PHRASES", "Words"]

PHRASES: Final[dict[str, dict[str, str]]] = {
    "en": {
        "opened": "opened {when}",
        "opened_outside": "opened {when}, outside hours; the clock starts {start}",
        "counted_until": "{amount} counted until {end}",
        "counted": "{amount} counted {day} {spans}",
        "run_each": "counted {amount} on each of {n} working days {days}",
        "run_total": "counted {amount} over {n} working days {days}",
        "closed_days": "closed {days}",
        "holiday": "{day} closed, {name}",
        "closed_day": "{day} closed",
        "closed_day_named": "{day} closed, {name}",
        "paused": "paused {start} – {end}, {amount} not counted",
        "due": "due {when}",
        "separator": "; ",
    },
    "fr": {
        "opened": "ouvert {when}",
        "opened_outside": "ouvert {when}, hors horaires ; le décompte commence {start}",
        "counted_until": "{amount} comptées jusqu'à {end}",
        "counted": "{amount} comptées {day} {spans}",
        "run_each": "{amount} comptées chacun des {n} jours ouvrés {days}",
        "run_total": "{amount} comptées sur {n} jours ouvrés {days}",
        "closed_days": "fermé {days}",
        "holiday": "{day} fermé, {name}",
        "closed_day": "{day} fermé",
        "closed_day_named": "{day} fermé, {name}",
        "paused": "en pause {start} – {end}, {amount} non comptées",
        "due": "échéance {when}",
        "separator": " ; ",
    },
    "de": {
        "opened": "eröffnet {when}",
        "opened_outside": "eröffnet {when}, außerhalb der Geschäftszeiten; die Frist läuft ab {start}",
        "counted_until": "{amount} gezählt bis {end}",
        "counted": "{amount} gezählt {day} {spans}",
        "run_each": "je {amount} gezählt an {n} Arbeitstagen {days}",
        "run_total": "{amount} gezählt an {n} Arbeitstagen {days}",
        "closed_days": "geschlossen {days}",
        "holiday": "{day} geschlossen, {name}",
        "closed_day": "{day} geschlossen",
        "closed_day_named": "{day} geschlossen, {name}",
        "paused": "pausiert {start} – {end}, {amount} nicht gezählt",
        "due": "fällig {when}",
        "separator": "; ",
    },
    "nb": {
        "opened": "åpnet {when}",
        "opened_outside": "åpnet {when}, utenfor åpningstid; fristen starter {start}",
        "counted_until": "{amount} telt til {end}",
        "counted": "{amount} telt {day} {spans}",
        "run_each": "{amount} telt hver av {n} arbeidsdager {days}",
        "run_total": "{amount} telt over {n} arbeidsdager {days}",
        "closed_days": "stengt {days}",
        "holiday": "{day} stengt, {name}",
        "closed_day": "{day} stengt",
        "closed_day_named": "{day} stengt, {name}",
        "paused": "pause {start} – {end}, {amount} ikke telt",
        "due": "frist {when}",
        "separator": "; ",
    },
}

_WEEKDAYS: Final[dict[str, tuple[str, ...]]] = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
    "de": ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."),
    "nb": ("man.", "tir.", "ons.", "tor.", "fre.", "lør.", "søn."),
}

_MONTHS: Final[dict[str, tuple[str, ...]]] = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."),
    "de": ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."),
    "nb": ("jan.", "feb.", "mars", "apr.", "mai", "juni", "juli", "aug.", "sep.", "okt.", "nov.", "des."),
}

# (hours, minutes, seconds) units.
_UNITS: Final[dict[str, tuple[str, str, str]]] = {
    "en": ("{}h", "{} min", "{} s"),
    "fr": ("{} h", "{} min", "{} s"),
    "de": ("{} Std.", "{} Min.", "{} Sek."),
    "nb": ("{} t", "{} min", "{} s"),
}


class Words:
    """Formatting of dates, times and amounts in one language."""

    def __init__(self, language: str, *, with_year: bool = False, precise: bool = False) -> None:
        self.language = language
        self.phrases = PHRASES[language]
        self.with_year = with_year
        self.precise = precise

    def say(self, key: str, **values: object) -> str:
        return self.phrases[key].format(**values)

    def weekday(self, day: date) -> str:
        return _WEEKDAYS[self.language][day.weekday()]

    def time(self, moment: datetime) -> str:
        """``17:50`` (French: ``17h50``); when precise, seconds too if they are not zero."""
        text = f"{moment.hour:02d}h{moment.minute:02d}" if self.language == "fr" else f"{moment:%H:%M}"
        if self.precise and (moment.second or moment.microsecond):
            text += f":{moment.second:02d}"
            if moment.microsecond:
                text += f".{moment.microsecond:06d}".rstrip("0")
        return text

    def day(self, day: date, *, month: bool = True) -> str:
        """``Mon 25 Dec`` · ``lun. 25 déc.`` · ``Mo. 25. Dez.`` · ``man. 25. des.``"""
        dot = "." if self.language in ("de", "nb") else ""
        text = f"{self.weekday(day)} {day.day}{dot}"
        if month:
            text += f" {_MONTHS[self.language][day.month - 1]}"
            if self.with_year:
                text += f" {day.year}"
        return text

    def when(self, moment: datetime, *, dated: bool) -> str:
        """``Fri 17:50``, or with the date: ``Fri 18 Dec 17:50``."""
        head = self.day(moment.date()) if dated else self.weekday(moment.date())
        return f"{head} {self.time(moment)}"

    def day_range(self, first: date, last: date) -> str:
        """``Mon 3 – Fri 7 Mar``; the first month is repeated only when it differs."""
        if first == last:
            return self.day(first)
        same_month = (first.year, first.month) == (last.year, last.month)
        return f"{self.day(first, month=not same_month)} – {self.day(last)}"

    def weekday_range(self, first: date, last: date) -> str:
        """``Sat–Sun`` for a closure within a week; dated when longer."""
        if first == last:
            return self.weekday(first)
        if (last - first).days >= 7:
            return self.day_range(first, last)
        return f"{self.weekday(first)}–{self.weekday(last)}"

    def amount(self, value: timedelta) -> str:
        """``4h 30 min`` · ``10 min`` · ``45 s``; hours are not folded into days on purpose
        (business time is counted in hours, and "1 day" would read as a calendar day)."""
        hours_unit, minutes_unit, seconds_unit = _UNITS[self.language]
        if not self.precise and value >= timedelta(minutes=1):
            value = timedelta(minutes=round(value / timedelta(minutes=1)))
        total_us = value // timedelta(microseconds=1)
        seconds, micro = divmod(total_us, 1_000_000)
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        parts = []
        if hours:
            parts.append(hours_unit.format(hours))
        if minutes:
            parts.append(minutes_unit.format(minutes))
        if secs or micro:
            number = f"{secs}.{micro:06d}".rstrip("0") if micro else str(secs)
            parts.append(seconds_unit.format(number))
        return " ".join(parts) if parts else minutes_unit.format(0)
