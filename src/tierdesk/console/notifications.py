"""An agent's notifications (SLA warnings and breaches), read and marked read.

`notifications_mark_read` is the one write of the console that is not a ticket operation; it belongs
in `tierdesk.notify.services` and moves there when that module grows a read side.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from tierdesk.notify.models import Notification
from tierdesk.tickets.selectors import ticket_scope_for


def notifications_for(user: Any) -> QuerySet[Notification]:
    """The user's own notifications, about tickets they may still see."""
    return Notification.objects.filter(user=user, ticket__in=ticket_scope_for(user))


def notifications_unread_count(user: Any) -> int:
    return notifications_for(user).filter(read_at__isnull=True).count()


def notifications_mark_read(*, user: Any, now: datetime, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications read (those of `ids` only, when given); returns how many.
    Someone else's notification is never touched, whatever ids are posted."""
    unread = notifications_for(user).filter(read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=now)
