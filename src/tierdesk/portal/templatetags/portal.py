"""Template helpers of the portal: dates in the contact's time zone and language."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import formats, timezone

register = template.Library()


@register.filter
def when(value: datetime | None) -> str:
    """ "Monday 23 November 2026, 11:50" in the active language and time zone (24-hour clock)."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{formats.date_format(local, 'l')} {formats.date_format(local, 'DATE_FORMAT')}, {local:%H:%M}"


@register.filter
def day(value: datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return formats.date_format(local, "SHORT_DATE_FORMAT") + f" {local:%H:%M}"
