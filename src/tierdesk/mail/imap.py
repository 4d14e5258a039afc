"""Polling IMAP folders (imap-tools), crash-safe and idempotent.

For each configured folder (TIERDESK_IMAP_MAILBOXES), in order:

1. Log in, select the folder, read UIDVALIDITY. If it changed since the last poll, the stored
   position is void: start again from UID 1 (the stored messages' keys make that harmless).
2. Search the UIDs above the last one handled (`UID n:*`; IMAP answers the highest UID even when
   it is below n, so the list is filtered), at most TIERDESK_IMAP_BATCH per poll.
3. For each UID: fetch the message without setting \\Seen (BODY.PEEK; only an excerpt when it is
   larger than TIERDESK_MAIL_MAX_BYTES), store it (`inbound_store`, committed), process it (its own
   transaction) — then, and only then, flag it \\Seen or move it to the `processed` folder, and
   advance the stored position.

A crash before the commit fetches the message again next time; between the commit and the flag,
the next poll finds the stored row (same bytes, same folder) and only flags it; after the flag, the
UID is below the position. Each folder is polled in its own try: a failing folder (server down,
wrong password, a database error) is recorded with a typed `MailboxError`, logged, and the loop goes
on to the next — one bad mailbox never stops the others. Passwords never appear in errors or logs:
folders are named by `Mailbox.key`.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass, field

from django.db import close_old_connections, connection

from tierdesk import clock

from . import conf
from .conf import Mailbox
from .models import ImapFolderState, InboundMessage
from .services import inbound_process, inbound_store

log = logging.getLogger(__name__)
_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


class MailboxError(Exception):
    """One folder could not be polled. `retryable` says whether the next poll may succeed by itself
    (network, server, database) or needs someone to fix the configuration (login, folder)."""

    def __init__(self, mailbox: str, message: str, *, retryable: bool = True) -> None:
        super().__init__(f"{mailbox}: {message}")
        self.mailbox = mailbox
        self.message = message
        self.retryable = retryable


@dataclass
class PollResult:
    mailbox: str
    fetched: int = 0
    stored: int = 0
    already_stored: int = 0
    error: MailboxError | None = None
    outcomes: dict[str, int] = field(default_factory=dict)


def _connect(mailbox: Mailbox):
    from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted

    timeout = conf.imap_timeout()
    if mailbox.security == "ssl":
        return MailBox(mailbox.host, mailbox.port, timeout=timeout)
    if mailbox.security == "starttls":
        return MailBoxStartTls(mailbox.host, mailbox.port, timeout=timeout)
    return MailBoxUnencrypted(mailbox.host, mailbox.port, timeout=timeout)


def _check(result: tuple, what: str) -> list:
    status, data = result
    if status != "OK":
        raise RuntimeError(f"{what} failed: {status}")
    return data


def _sizes(client, uids: list[int]) -> dict[int, int]:
    data = _check(client.uid("FETCH", ",".join(map(str, uids)), "(RFC822.SIZE)"), "FETCH RFC822.SIZE")
    sizes = {}
    for item in data:
        line = item[0] if isinstance(item, tuple) else item
        if not isinstance(line, bytes):
            continue
        uid, size = _UID.search(line), _SIZE.search(line)
        if uid and size:
            sizes[int(uid.group(1))] = int(size.group(1))
    return sizes


def _fetch(client, uid: int, *, excerpt: int | None) -> bytes | None:
    part = f"BODY.PEEK[]<0.{excerpt}>" if excerpt else "BODY.PEEK[]"
    data = _check(client.uid("FETCH", str(uid), f"({part})"), "FETCH")
    for item in data:
        if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[1], bytes):
            return item[1]
    return None  # expunged by someone else meanwhile


def mailbox_poll(mailbox: Mailbox, *, process: bool = True) -> PollResult:
    """Poll one folder (see the module docstring). Raises MailboxError."""
    from imap_tools.errors import MailboxFolderSelectError, MailboxLoginError

    result = PollResult(mailbox=mailbox.key)
    state, _created = ImapFolderState.objects.get_or_create(mailbox=mailbox.key)
    try:
        box = _connect(mailbox)
    except Exception as exc:  # socket, TLS, greeting
        raise MailboxError(mailbox.key, f"cannot connect: {type(exc).__name__}: {exc}") from None
    try:
        try:
            box.login(mailbox.username, mailbox.password, initial_folder=None)
        except MailboxLoginError:
            raise MailboxError(
                mailbox.key, "login refused (check the user and password)", retryable=False
            ) from None
        try:
            box.folder.set(mailbox.folder)
        except MailboxFolderSelectError:
            raise MailboxError(mailbox.key, f"no folder {mailbox.folder!r}", retryable=False) from None
        status = box.folder.status(mailbox.folder, ["UIDVALIDITY"])
        uidvalidity = int(status.get("UIDVALIDITY", 0))
        if state.uidvalidity != uidvalidity:
            if state.uidvalidity:
                log.warning("%s: UIDVALIDITY changed; reading the folder again from the start", mailbox.key)
            state.uidvalidity, state.last_uid = uidvalidity, 0
            state.save(update_fields=["uidvalidity", "last_uid"])
        if mailbox.processed:
            _ensure_folder(box, mailbox.processed)
        uids = sorted(int(u) for u in box.uids(f"UID {state.last_uid + 1}:*") if int(u) > state.last_uid)
        uids = uids[: conf.imap_batch()]
        sizes = _sizes(box.client, uids) if uids else {}
        limit = conf.max_message_bytes()
        source = f"imap:{mailbox.key}"
        for uid in uids:
            size = sizes.get(uid)
            raw = _fetch(box.client, uid, excerpt=65536 if size and size > limit else None)
            if raw is None:
                continue
            result.fetched += 1
            row, created = inbound_store(
                raw=raw,
                source=source,
                size=size if size and size > limit else len(raw),
                provider=mailbox.provider,
                uid=uid,
                uidvalidity=uidvalidity,
            )
            result.stored += created
            result.already_stored += not created
            if process and row.state == InboundMessage.State.RECEIVED:
                row = inbound_process(message=row.pk, raw=raw if created and not row.truncated else None)
            result.outcomes[row.outcome or row.state] = result.outcomes.get(row.outcome or row.state, 0) + 1
            # Committed (the case change, or the failure kept for retry): now tell the server.
            _mark_handled(box, mailbox, uid)
            state.last_uid = uid
            state.save(update_fields=["last_uid"])
    except MailboxError:
        raise
    except Exception as exc:  # server, network or database: the next poll retries
        raise MailboxError(mailbox.key, f"{type(exc).__name__}: {exc}") from None
    finally:
        with contextlib.suppress(Exception):  # the connection may be gone already
            box.logout()
    state.polled_at, state.error, state.error_at = clock.now(), "", None
    state.save(update_fields=["polled_at", "error", "error_at"])
    return result


def _mark_handled(box, mailbox: Mailbox, uid: int) -> None:
    """Move the message to the processed folder, or flag it \\Seen (without imap-tools' flag(),
    which also EXPUNGEs other clients' deleted messages)."""
    if mailbox.processed:
        box.move(str(uid), mailbox.processed)
    else:
        _check(box.client.uid("STORE", str(uid), "+FLAGS", r"(\Seen)"), "STORE")


def _ensure_folder(box, name: str) -> None:
    if not box.folder.exists(name):
        box.folder.create(name)


def mail_poll_all(*, process: bool = True, mailboxes: list[Mailbox] | None = None) -> list[PollResult]:
    """Poll every configured folder; a failing one is recorded and logged, and the others go on."""
    results = []
    for mailbox in mailboxes if mailboxes is not None else conf.mailboxes():
        try:
            results.append(mailbox_poll(mailbox, process=process))
        except MailboxError as exc:
            log.error("polling %s failed: %s", exc.mailbox, exc.message)
            results.append(PollResult(mailbox=mailbox.key, error=exc))
            try:
                if not connection.in_atomic_block:
                    close_old_connections()  # a database error may have left a broken connection
                ImapFolderState.objects.update_or_create(
                    mailbox=mailbox.key, defaults={"error": exc.message[:2000], "error_at": clock.now()}
                )
            except Exception:  # the database may be the problem
                log.warning("could not record the failure of %s", mailbox.key, exc_info=True)
    return results
