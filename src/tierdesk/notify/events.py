"""Who hears of a ticket event, and how: the one place that turns history into notifications.

`event_record` (tickets/events.py) calls `event_notify` for every event it writes, inside the same
transaction, so a notification exists exactly when its event does (DESIGN.md, principle 5: the
mail itself is an `OutboundEmail` row that the sender delivers after commit).

Events recorded after the fact — an import from another desk, the demo's histories — are history,
not news: nobody is notified of them.

The customer's side is e-mail: `tierdesk.mail.outbound.notify_customer` decides which events are
news to whom and writes the mails in each recipient's language (see its docstring for the rules).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tierdesk.tickets.models import TicketEvent

HISTORY_LAG = timedelta(minutes=5)


def event_notify(*, event: TicketEvent) -> None:
    """Write the notifications this event calls for (e-mails to the customer's contact and the case's
    e-mail participants, in their language). History recorded after the fact notifies nobody."""
    from tierdesk.mail.context import current
    from tierdesk.mail.outbound import notify_customer

    if event.recorded_at - event.at > HISTORY_LAG:
        inbound = current()
        if inbound is not None:
            inbound.events.append(event)
        return
    notify_customer(event=event)
