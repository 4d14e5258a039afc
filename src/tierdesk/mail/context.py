"""What the notification point needs to know about the message being processed.

`event_notify` runs inside the ticket services, in the middle of `ticket_open` or `ticket_reply`;
the services know nothing of e-mail. While intake calls them it sets an `Inbound` here, so the
acknowledgement can thread to the customer's message (In-Reply-To), list attachments that were
refused, address a sender who is not a contact yet, and stay silent towards a sender who asked not
to be answered automatically. The events recorded meanwhile are collected, so intake knows exactly
which event its message became.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tierdesk.tickets.models import TicketEvent


@dataclass
class Inbound:
    message_id: str  # without brackets
    sender: str  # lower-case address
    sender_name: str = ""
    language: str = ""  # the sender's client's language, if one of ours
    suppress_autoreply: bool = False
    has_images: bool = False
    refused: list[dict[str, Any]] = field(default_factory=list)
    events: list[TicketEvent] = field(default_factory=list)


_current: ContextVar[Inbound | None] = ContextVar("tierdesk_mail_inbound", default=None)


def current() -> Inbound | None:
    return _current.get()


@contextmanager
def inbound(value: Inbound) -> Iterator[Inbound]:
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)
