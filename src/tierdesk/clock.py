"""The one source of the current instant.

Every piece of Tierdesk asks `tierdesk.clock.now()` for the time, so tests can travel in time
(time-machine patches it along with the standard library) and so no naive datetime slips in.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(tz=UTC)
