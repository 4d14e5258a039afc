"""The one audit helper: every change to a ticket is recorded here, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tierdesk.accounts.models import User
from tierdesk.customers.models import Contact

from .models import EventKind, Ticket, TicketEvent

Actor = User | Contact | None
"""Who did it: an agent's (or admin's) user, a customer contact, or None for Tierdesk itself."""


def event_record(
    *,
    ticket: Ticket,
    kind: EventKind,
    at: datetime,
    actor: Actor,
    public: bool = False,
    body: str = "",
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    if at.tzinfo is None:
        raise ValueError("event times must be timezone-aware")
    from tierdesk.notify.events import event_notify

    event = TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        at=at,
        actor_user=actor if isinstance(actor, User) else None,
        actor_contact=actor if isinstance(actor, Contact) else None,
        public=public,
        body=body,
        data=data or {},
    )
    event_notify(event=event)
    return event
