"""An SMTP listener (aiosmtpd) for an MTA to hand messages to: `tierdesk mail smtpd`.

It answers 250 to the final dot only after the raw message is committed (`inbound_store`), and 451
(try again later) when storing fails, so the sending MTA keeps the message and retries; a message
over TIERDESK_MAIL_MAX_BYTES is refused at once (552). Processing runs afterwards in a background
thread, so a slow case never holds the SMTP session; whatever that thread has not done when the
process stops is picked up by the periodic sweep.

Database work runs in one dedicated thread (Django connections belong to their thread, and the ORM
refuses to run inside the event loop).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import close_old_connections, connection

from . import conf
from .services import inbound_process, inbound_process_pending, inbound_store

log = logging.getLogger(__name__)


class IntakeHandler:
    def __init__(self, *, provider: str = "") -> None:
        self.provider = provider
        self.store_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail-store")
        self.pending: queue.Queue[tuple[int, bytes | None] | None] = queue.Queue()
        self.worker = threading.Thread(target=self._process_loop, name="mail-process", daemon=True)
        self.worker.start()

    def _store(self, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> tuple[int, bool, bool]:
        try:
            row, created = inbound_store(
                raw=raw,
                source="smtp",
                envelope_from=mail_from,
                recipients=rcpt_tos,
                provider=self.provider,
            )
        except Exception:
            connection.close()  # a broken connection must not poison the next message
            raise
        return row.pk, created, row.state == "received"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        loop = asyncio.get_running_loop()
        try:
            pk, created, pending = await loop.run_in_executor(
                self.store_thread, self._store, raw, envelope.mail_from or "", list(envelope.rcpt_tos)
            )
        except Exception:
            log.exception("could not store a message from %s", envelope.mail_from)
            return "451 4.3.0 Temporary failure, please try again later"
        if pending:
            self.pending.put((pk, raw if created else None))
        return f"250 2.0.0 Stored as {pk}"

    def _process_loop(self) -> None:
        try:
            inbound_process_pending(retry_failed=False)
        except Exception:
            log.exception("processing the stored backlog failed")
        while True:
            item = self.pending.get()
            if item is None:
                break
            pk, raw = item
            try:
                close_old_connections()
                inbound_process(message=pk, raw=raw)
            except Exception:
                log.exception("processing message %s failed; the sweep will retry", pk)
                connection.close()

    def stop(self) -> None:
        self.pending.put(None)
        self.worker.join(timeout=30)
        self.store_thread.shutdown(wait=True)


def controller(*, host: str, port: int, provider: str = ""):
    from aiosmtpd.controller import Controller

    handler = IntakeHandler(provider=provider)
    smtp = Controller(
        handler,
        hostname=host,
        port=port,
        data_size_limit=conf.max_message_bytes(),
        decode_data=False,
        enable_SMTPUTF8=True,
        ready_timeout=10,
    )
    return smtp, handler
