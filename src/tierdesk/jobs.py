"""Huey tasks. Each is thin: it calls a service, so the same work can run inline, from the CLI or
from a worker, and tests exercise the service directly. Periodic tasks run on the one consumer that
`tierdesk serve` starts (start any extra consumers with `run_huey -n`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from tierdesk import clock

log = logging.getLogger(__name__)


def wake_on_commit(task: Callable[[], Any]) -> None:
    """Enqueue `task` (a sender of outbox-style rows) once the current transaction commits. Only a
    wake-up: if the queue cannot be reached the rows wait for their periodic sweep (DESIGN.md)."""

    def wake() -> None:
        try:
            task()
        except Exception:
            log.warning("could not enqueue %s; its periodic sweep will run it", task, exc_info=True)

    transaction.on_commit(wake)


@db_task()
def queue_ping(token: str) -> dict[str, str]:
    """Round trip through the queue: proves a consumer is running and can reach the database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"token": token, "at": clock.now().isoformat()}


@db_task()
def outbox_send() -> int:
    from tierdesk.notify.services import outbox_send_pending

    return outbox_send_pending()


@db_periodic_task(crontab(minute="*"))
@lock_task("outbox-sweep")
def outbox_sweep() -> int:
    """Sends whatever a lost wake-up left behind (Huey has no acknowledgements; see DESIGN.md)."""
    from tierdesk.notify.services import outbox_send_pending

    return outbox_send_pending()


@db_periodic_task(crontab(minute="*"))
@lock_task("sla-sweep")
def sla_sweep() -> dict[str, int]:
    """Marks clocks that reached their due time as breached and sends the warnings that are due."""
    from tierdesk.tickets.services import sla_warnings_send

    return sla_warnings_send()


@db_task()
def clocks_recompute_provider(provider_id: int) -> int:
    """Recompute the open tickets' clocks of a provider whose catalog was edited in the admin."""
    from tierdesk.tickets.models import OPEN_STATUSES, Ticket
    from tierdesk.tickets.services import clocks_recompute

    return clocks_recompute(tickets=Ticket.objects.filter(provider_id=provider_id, status__in=OPEN_STATUSES))


@db_periodic_task(crontab(minute="*"))
@lock_task("monitoring-checks")
def monitoring_checks_run() -> int:
    """Runs the checks that are due; heartbeat checks among them, whose run is the silence test."""
    from tierdesk.monitoring.services import checks_run_due

    return checks_run_due()


@db_periodic_task(crontab(minute="*"))
@lock_task("monitoring-sweep")
def monitoring_sweep() -> dict[str, int]:
    """Reminds of unacknowledged faults and sends the Alertmanager silences a lost wake-up left."""
    from tierdesk.monitoring.services import alerts_remind, silences_send_pending

    return {"reminded": alerts_remind(), "silences": silences_send_pending()}


@db_task()
def monitoring_silences_send() -> int:
    from tierdesk.monitoring.services import silences_send_pending

    return silences_send_pending()
