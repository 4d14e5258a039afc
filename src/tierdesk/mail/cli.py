"""`tierdesk mail …`: the e-mail channel's commands.

tierdesk mail receive [--provider SLUG] [--sender ADDR] [--recipient ADDR]   one message on stdin (MTA pipe)
tierdesk mail smtpd [--host H] [--port P] [--provider SLUG]                   an SMTP listener
tierdesk mail poll [--loop SECONDS]                                          poll the IMAP folders
tierdesk mail process                                                        process stored messages
tierdesk mail retry [ID…]                                                    process failed messages again
tierdesk mail list [--state STATE] [--limit N]                               the latest messages

`receive` follows the MTA contract (reliability-security.md §2.1): exit 0 only once the raw message
is committed; 75 (EX_TEMPFAIL, the MTA keeps it and retries) for every failure before that,
including a database that is down and a deadline of TIERDESK_MAIL_DEADLINE seconds; never 1, which
makes Postfix bounce. For Postfix (master.cf):

    tierdesk unix - n n - - pipe
      flags=FRq user=tierdesk argv=/path/to/tierdesk mail receive --sender ${sender} --recipient ${recipient}
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from types import FrameType

EX_OK = 0
EX_TEMPFAIL = 75


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    mail = subparsers.add_parser("mail", help="the e-mail channel: receive, listen, poll, retry")
    sub = mail.add_subparsers(title="mail commands", metavar="ACTION")

    receive = sub.add_parser(
        "receive", help="store and process one message read from standard input (for an MTA pipe)"
    )
    receive.add_argument("--provider", default="", metavar="SLUG", help="the provider this address is for")
    receive.add_argument(
        "--sender", default=None, metavar="ADDR", help="the envelope sender (MTA's ${sender})"
    )
    receive.add_argument(
        "--recipient", action="append", default=[], metavar="ADDR", help="the envelope recipient(s)"
    )
    receive.add_argument(
        "--no-process", action="store_true", help="only store; the periodic sweep processes it"
    )
    # A configuration error at start-up must not bounce mail either (the owner's `main` is asked to
    # return this status instead of 2 when `django.setup()` fails).
    receive.set_defaults(handler=_receive, setup_failure_status=EX_TEMPFAIL)

    smtpd = sub.add_parser("smtpd", help="listen for SMTP and store every message received")
    smtpd.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    smtpd.add_argument("--port", type=int, default=2525, help="port to listen on (default 2525)")
    smtpd.add_argument("--provider", default="", metavar="SLUG", help="the provider this listener is for")
    smtpd.set_defaults(handler=_smtpd)

    poll = sub.add_parser("poll", help="poll the IMAP folders of TIERDESK_IMAP_MAILBOXES once")
    poll.add_argument("--loop", type=float, default=None, metavar="SECONDS", help="poll again every SECONDS")
    poll.set_defaults(handler=_poll)

    process = sub.add_parser("process", help="process the stored messages not yet processed")
    process.set_defaults(handler=_process)

    retry = sub.add_parser("retry", help="process failed messages again (or the messages named)")
    retry.add_argument("ids", nargs="*", type=int, metavar="ID")
    retry.set_defaults(handler=_retry)

    listing = sub.add_parser("list", help="show the latest incoming messages")
    listing.add_argument("--state", choices=("received", "processed", "failed"), default=None)
    listing.add_argument("--limit", type=int, default=20)
    listing.set_defaults(handler=_list)


class _Deadline(Exception):
    pass


def _read_stdin(limit: int) -> tuple[bytes, int]:
    """The message (its first `limit` + 1 bytes) and its full size; the rest is read and dropped so
    the MTA never sees a broken pipe."""
    stream = sys.stdin.buffer
    kept = bytearray()
    size = 0
    while True:
        chunk = stream.read(1 << 20)
        if not chunk:
            break
        size += len(chunk)
        if len(kept) <= limit:
            kept += chunk[: limit + 1 - len(kept)]
    return bytes(kept), size


def _receive(args: argparse.Namespace) -> int:
    stored = False

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        if stored:
            # Stored and committed: the MTA's job is done. An unfinished processing transaction
            # dies with the process and is redone by the sweep.
            os._exit(EX_OK)
        raise _Deadline

    try:
        from tierdesk.mail import conf
        from tierdesk.mail.services import inbound_process, inbound_store

        signal.signal(signal.SIGALRM, on_alarm)
        signal.alarm(conf.deadline())
        raw, size = _read_stdin(conf.max_message_bytes())
        if not raw.strip():
            print("tierdesk mail receive: empty message on standard input", file=sys.stderr)
            return EX_TEMPFAIL
        row, created = inbound_store(
            raw=raw,
            source="pipe",
            size=size,
            envelope_from=args.sender,
            recipients=args.recipient,
            provider=args.provider,
        )
        stored = True
    except BaseException as exc:  # anything before the commit: let the MTA retry
        signal.alarm(0)
        what = "took too long" if isinstance(exc, _Deadline) else f"{type(exc).__name__}: {exc}"
        print(f"tierdesk mail receive: not stored, the MTA should retry ({what})", file=sys.stderr)
        return EX_TEMPFAIL
    if args.no_process or row.state != "received":
        signal.alarm(0)
        return EX_OK
    # Stored: a failure is recorded on the row, or the sweep redoes it.
    with contextlib.suppress(BaseException):
        inbound_process(message=row.pk, raw=raw if created and not row.truncated else None)
    signal.alarm(0)
    return EX_OK


def _smtpd(args: argparse.Namespace) -> int:
    from tierdesk.mail.smtpd import controller

    smtp, handler = controller(host=args.host, port=args.port, provider=args.provider)
    stop = {"now": False}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop["now"] = True

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    smtp.start()
    print(
        f"Tierdesk is receiving mail by SMTP on {args.host} port {args.port}. Press Ctrl-C to stop.",
        flush=True,
    )
    try:
        while not stop["now"]:
            time.sleep(0.2)
    finally:
        smtp.stop()
        handler.stop()
        for sig, old in previous.items():
            signal.signal(sig, old)
    print("Stopped.", flush=True)
    return 0


def _poll(args: argparse.Namespace) -> int:
    from tierdesk.mail import conf
    from tierdesk.mail.imap import mail_poll_all

    if not conf.mailboxes():
        print("No mailboxes: set TIERDESK_IMAP_MAILBOXES.", file=sys.stderr)
        return 1
    while True:
        failed = 0
        for result in mail_poll_all():
            if result.error is not None:
                failed += 1
                print(f"{result.mailbox}: FAILED: {result.error.message}", file=sys.stderr)
            else:
                outcomes = ", ".join(f"{k} {v}" for k, v in sorted(result.outcomes.items())) or "nothing new"
                print(f"{result.mailbox}: {result.fetched} fetched ({outcomes})", flush=True)
        if args.loop is None:
            return 1 if failed else 0
        time.sleep(args.loop)


def _process(args: argparse.Namespace) -> int:
    from tierdesk.mail.services import inbound_process_pending

    count = inbound_process_pending(limit=100_000, retry_failed=False)
    print(f"Processed {count} stored message(s).")
    return 0


def _retry(args: argparse.Namespace) -> int:
    from tierdesk.mail.services import inbound_retry

    rows = inbound_retry(ids=args.ids or None)
    failed = 0
    for row in rows:
        failed += row.state == "failed"
        print(_line(row))
    if not rows:
        print("Nothing to retry.")
    return 1 if failed else 0


def _list(args: argparse.Namespace) -> int:
    from tierdesk.mail.models import InboundMessage

    rows = InboundMessage.objects.defer("raw").select_related("ticket").order_by("-received_at", "-id")
    if args.state:
        rows = rows.filter(state=args.state)
    for row in rows[: args.limit]:
        print(_line(row))
    return 0


def _line(row) -> str:
    what = row.get_outcome_display() if row.outcome else row.get_state_display()
    case = f" {row.ticket.number}" if row.ticket_id else ""
    error = f" — {row.error.splitlines()[0][:120]}" if row.error else ""
    return f"#{row.pk} {row.received_at:%Y-%m-%d %H:%M} {row.from_address or '?'}: {what}{case}{error}"
