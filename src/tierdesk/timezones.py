"""Validation of IANA time-zone names, shared by models and the catalog loader."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def is_timezone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def validate_timezone(value: str) -> None:
    if not is_timezone(value):
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})
