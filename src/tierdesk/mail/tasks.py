"""Huey tasks of the e-mail channel: thin, each calls a service (djhuey finds this module).

The periodic ones run on the single consumer with periodic tasks on; each finds its backlog in the
database, so a missed minute or a lost task costs nothing but time."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task


@db_task()
def mail_process(message_id: int) -> str:
    from tierdesk.mail.services import inbound_process

    return inbound_process(message=message_id).state


@db_periodic_task(crontab(minute="*"))
@lock_task("mail-sweep")
def mail_sweep() -> int:
    """Process stored messages a killed worker left unprocessed; retry recent failures."""
    from tierdesk.mail.services import inbound_process_pending

    return inbound_process_pending()


@db_periodic_task(crontab(minute="*"))
@lock_task("mail-poll")
def mail_poll() -> dict[str, str]:
    """Poll every configured IMAP folder; one failing folder never stops the others."""
    from tierdesk.mail.imap import mail_poll_all

    return {r.mailbox: (r.error.message if r.error else f"{r.fetched} fetched") for r in mail_poll_all()}
