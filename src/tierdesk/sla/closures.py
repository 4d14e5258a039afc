"""Public holidays: from the ``holidays`` package by country/subdivision, or listed in the spec.

Two quirks of ``holidays`` 0.109 shape this module:

* With ``language=None`` it picks the language from LANG/LC_* (``C.UTF-8`` gives English, ``C``
  gives Norwegian on the same machine), so every call here passes ``language=`` explicitly.
* Each country has a year range (``start_year``..``end_year``; ``end_year`` is 2100 by default,
  ``DE`` starts in 1991): outside it the package returns *no* holidays rather than an error.  We
  follow the package (a ticket in 2199 sees no public holidays) and say so in the docs; the
  calendar stays usable in any year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import Protocol

import holidays as holidays_package

__all__ = [
    "CountryHolidays",
    "HolidaySource",
    "ListedHolidays",
    "country_default_language",
    "holiday_language",
]


class HolidaySource(Protocol):
    """Where a calendar's public holidays come from."""

    def dates(self, year: int) -> frozenset[date]:
        """The holiday dates of one calendar year."""
        ...

    def name(self, day: date, language: str) -> str | None:
        """The holiday's name in *language* (a render language such as ``"nb"``), if known."""
        ...


class ListedHolidays:
    """Holidays listed in the spec as ISO dates, optionally named."""

    __slots__ = ("_by_year", "days")

    def __init__(self, days: Mapping[date, str | None]) -> None:
        self.days: Mapping[date, str | None] = dict(days)
        by_year: dict[int, set[date]] = {}
        for day in self.days:
            by_year.setdefault(day.year, set()).add(day)
        self._by_year = {year: frozenset(days) for year, days in by_year.items()}

    def dates(self, year: int) -> frozenset[date]:
        return self._by_year.get(year, frozenset())

    def name(self, day: date, language: str) -> str | None:
        return self.days.get(day)


@cache
def _country_class_info(country: str) -> tuple[str, tuple[str, ...]]:
    """(default language, supported languages) of a country in the holidays package."""
    instance = holidays_package.country_holidays(country, years=(), language="en_US")
    supported = tuple(instance.supported_languages)
    # A few countries declare no default language; their names then come in the first supported one.
    default = instance.default_language or (supported[0] if supported else "en_US")
    return default, supported


@cache
def holiday_language(country: str, language: str) -> str:
    """The holidays-package language that best matches a render language.

    Steps: the exact code (``fr``, ``de``); Norwegian Bokmål ``nb`` is ``no`` in the package; then
    the language with the country as region (``en_GB`` for GB); then any region (``en_US``);
    failing all, the country's own default language (names in the local language beat none).
    """
    default, supported = _country_class_info(country)
    candidates = [language]
    if language == "nb":
        candidates += ["no", "nb_NO"]
    candidates.append(f"{language}_{country}")
    for candidate in candidates:
        if candidate in supported:
            return candidate
    for candidate in supported:
        if candidate.split("_")[0] == language:
            return candidate
    return default


def country_default_language(country: str, render_languages: tuple[str, ...]) -> str:
    """The render language matching the holidays package's default for *country*, else English."""
    default, _ = _country_class_info(country)
    base = default.split("_")[0]
    if base == "no":
        base = "nb"
    return base if base in render_languages else "en"


@lru_cache(maxsize=4096)
def _country_year(country: str, subdiv: str | None, year: int, language: str) -> dict[date, tuple[str, ...]]:
    table = holidays_package.country_holidays(country, subdiv=subdiv, years=year, language=language)
    # get_list keeps two holidays on one day apart (NO 2027-05-17: Andre pinsedag, Grunnlovsdag);
    # the dict value would join them with "; ", which reads badly inside an explanation.
    return {day: tuple(table.get_list(day)) for day in sorted(table.keys())}


@lru_cache(maxsize=4096)
def _country_dates(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    return frozenset(_country_year(country, subdiv, year, holiday_language(country, "en")))


@dataclass(frozen=True, slots=True)
class CountryHolidays:
    """Public holidays of a country (and subdivision) from the ``holidays`` package."""

    country: str
    subdiv: str | None

    @classmethod
    def create(cls, country: object, subdiv: object) -> CountryHolidays:
        """Validate the country and subdivision, with errors that name the key."""
        if not isinstance(country, str) or not country:
            raise ValueError(f"holidays.country: expected a country code such as 'GB', not {country!r}")
        supported = holidays_package.list_supported_countries(include_aliases=False)
        if country not in supported:
            raise ValueError(f"holidays.country: unknown country {country!r}")
        if isinstance(subdiv, int) and not isinstance(subdiv, bool):
            subdiv = str(subdiv)  # TOML may give Martinique's code 972 as a number
        if subdiv is not None:
            if not isinstance(subdiv, str) or not subdiv:
                raise ValueError(f"holidays.subdiv: expected a subdivision code, not {subdiv!r}")
            try:
                holidays_package.country_holidays(country, subdiv=subdiv, years=(), language="en_US")
            except NotImplementedError:
                known = ", ".join(supported[country]) or "none"
                raise ValueError(
                    f"holidays.subdiv: unknown subdivision {subdiv!r} for country {country!r} "
                    f"(known: {known})"
                ) from None
        return cls(country, subdiv)

    def dates(self, year: int) -> frozenset[date]:
        return _country_dates(self.country, self.subdiv, year)

    def name(self, day: date, language: str) -> str | None:
        names = self._year(day.year, holiday_language(self.country, language)).get(day)
        return " / ".join(names) if names else None

    def _year(self, year: int, language: str) -> dict[date, tuple[str, ...]]:
        return _country_year(self.country, self.subdiv, year, language)
