"""IMAP polling against a real Dovecot: by UID, flagged or moved only after the commit, crash-safe,
and one failing mailbox never stops the others."""

from __future__ import annotations

import pytest

from tierdesk.env import ConfigError
from tierdesk.mail import conf
from tierdesk.mail.conf import parse_mailbox_url
from tierdesk.mail.imap import MailboxError, mail_poll_all, mailbox_poll
from tierdesk.mail.models import ImapFolderState, InboundMessage
from tierdesk.tickets.models import EventKind, Ticket

from .conftest import MONDAY_MORNING, at, corpus, free_port, message, outbox

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday():
    with at(MONDAY_MORNING):
        yield


@pytest.fixture
def inbox(dovecot):
    """The session Dovecot's first user, emptied for this test, and helpers to fill and read it."""
    user = sorted(dovecot.users)[0]
    with dovecot.mailbox(user) as box:
        for folder in ("INBOX", "Done"):
            if box.folder.exists(folder):
                box.folder.set(folder)
                uids = box.uids()
                if uids:
                    box.delete(uids)
        box.folder.set("INBOX")

    class Inbox:
        name = user

        def url(self, **params):
            return dovecot.url(user, **params)

        def append(self, *raws, folder="INBOX"):
            with dovecot.mailbox(user) as box:
                for raw in raws:
                    box.append(raw, folder)

        def flags(self, folder="INBOX"):
            with dovecot.mailbox(user) as box:
                box.folder.set(folder)
                return [set(m.flags) for m in box.fetch(mark_seen=False, headers_only=True)]

    return Inbox()


def test_poll_stores_processes_and_then_flags(desk, inbox):
    inbox.append(
        message(message_id="<i1@acme.example>", subject="First"),
        message(message_id="<i2@acme.example>", subject="Second"),
        corpus("bounce-dsn.eml"),
    )
    mailbox = parse_mailbox_url(inbox.url(provider="nexstor"))
    result = mailbox_poll(mailbox)
    assert (result.fetched, result.stored, result.error) == (3, 3, None)
    assert result.outcomes == {"created": 2, "loop": 1}
    assert Ticket.objects.count() == 2 and len(outbox()) == 2
    assert all("\\Seen" in flags for flags in inbox.flags())
    state = ImapFolderState.objects.get(mailbox=mailbox.key)
    assert state.last_uid == 3 and state.error == ""
    assert InboundMessage.objects.filter(source=f"imap:{mailbox.key}", imap_uid=1).exists()
    # Nothing new: nothing fetched, nothing duplicated.
    assert mailbox_poll(mailbox).fetched == 0
    inbox.append(message(message_id="<i3@acme.example>", headers={"In-Reply-To": "<i1@acme.example>"}))
    assert mailbox_poll(mailbox).outcomes == {"replied": 1}


def test_a_message_read_by_a_person_before_the_poll_is_still_taken(desk, inbox):
    with inbox_mailbox(inbox) as box:
        box.append(message(message_id="<read@acme.example>"), "INBOX", flag_set=["\\Seen"])
    mailbox_poll(parse_mailbox_url(inbox.url()))
    assert Ticket.objects.count() == 1


def inbox_mailbox(inbox):
    from imap_tools import MailBoxUnencrypted

    url = parse_mailbox_url(inbox.url())
    return MailBoxUnencrypted(url.host, url.port).login(url.username, url.password)


def test_move_mode_moves_handled_messages_to_the_processed_folder(desk, inbox):
    inbox.append(message(message_id="<m1@acme.example>"), message(message_id="<m2@acme.example>"))
    mailbox_poll(parse_mailbox_url(inbox.url(processed="Done")))
    assert inbox.flags("INBOX") == [] and len(inbox.flags("Done")) == 2
    assert Ticket.objects.count() == 2


def test_a_crash_between_the_commit_and_the_flag_makes_no_duplicate(desk, inbox, monkeypatch):
    import tierdesk.mail.imap as imap

    inbox.append(message(message_id="<crash@acme.example>"))
    mailbox = parse_mailbox_url(inbox.url())

    def killed(box, mailbox, uid):
        raise ConnectionResetError("the poller died here")

    monkeypatch.setattr(imap, "_mark_handled", killed)
    with pytest.raises(MailboxError):
        mailbox_poll(mailbox)
    assert Ticket.objects.count() == 1  # committed, not flagged
    assert inbox.flags() == [set()]
    monkeypatch.undo()
    result = mailbox_poll(mailbox)
    assert (result.fetched, result.already_stored) == (1, 1)
    assert Ticket.objects.count() == 1 and len(outbox()) == 1
    assert inbox.flags() == [{"\\Seen"}]


def test_a_crash_between_storing_and_processing_is_finished_by_the_next_poll(desk, inbox, monkeypatch):
    import tierdesk.mail.imap as imap

    inbox.append(message(message_id="<half@acme.example>"))
    mailbox = parse_mailbox_url(inbox.url())

    def die(**kwargs):
        raise SystemError("killed after storing")

    monkeypatch.setattr(imap, "inbound_process", die)
    with pytest.raises(MailboxError):
        mailbox_poll(mailbox)
    assert InboundMessage.objects.get().state == "received" and Ticket.objects.count() == 0
    monkeypatch.undo()
    mailbox_poll(mailbox)
    assert InboundMessage.objects.get().outcome == "created" and Ticket.objects.count() == 1


def test_uidvalidity_change_reads_the_folder_again_without_duplicates(desk, inbox):
    inbox.append(message(message_id="<uv@acme.example>"))
    mailbox = parse_mailbox_url(inbox.url())
    mailbox_poll(mailbox)
    ImapFolderState.objects.filter(mailbox=mailbox.key).update(uidvalidity=1)
    result = mailbox_poll(mailbox)
    assert (result.fetched, result.already_stored) == (1, 1)
    assert Ticket.objects.count() == 1


def test_a_message_too_large_is_fetched_as_an_excerpt(desk, inbox, monkeypatch):
    monkeypatch.setenv("TIERDESK_MAIL_MAX_BYTES", "100000")
    big = message(message_id="<big@acme.example>", body="y" * 300_000)
    inbox.append(big)
    mailbox_poll(parse_mailbox_url(inbox.url()))
    row = InboundMessage.objects.get()
    assert row.outcome == "too_large" and row.truncated and len(bytes(row.raw)) == 65536
    assert row.size >= len(big) - 100  # the server's count (line ends may differ)


def test_one_failing_mailbox_never_stops_the_others(desk, inbox, dovecot):
    inbox.append(message(message_id="<ok@acme.example>"))
    boxes = [
        parse_mailbox_url(dovecot.url(inbox.name, password="wrong")),
        parse_mailbox_url(f"imap://x:y@127.0.0.1:{free_port()}/INBOX"),
        parse_mailbox_url(dovecot.url(inbox.name, folder="NoSuchFolder")),
        parse_mailbox_url(inbox.url()),
    ]
    results = mail_poll_all(mailboxes=boxes)
    errors = [r.error for r in results[:3]]
    assert all(isinstance(e, MailboxError) for e in errors)
    assert "login refused" in errors[0].message and not errors[0].retryable
    assert "cannot connect" in errors[1].message and errors[1].retryable
    assert "NoSuchFolder" in errors[2].message
    assert results[3].error is None and results[3].outcomes == {"created": 1}
    assert "wrong" not in str(errors[0]) and "secret" not in str(errors[0])  # no password in errors
    assert ImapFolderState.objects.get(mailbox=boxes[1].key).error.startswith("cannot connect")


def test_the_periodic_task_polls_the_configured_mailboxes(desk, inbox, monkeypatch):
    from tierdesk.mail.tasks import mail_poll

    monkeypatch.setenv("TIERDESK_IMAP_MAILBOXES", f"{inbox.url(provider='nexstor')}, imap://x:y@127.0.0.1:1/")
    inbox.append(message(message_id="<task@acme.example>"))
    report = mail_poll.call_local()
    assert list(report.values()).count("1 fetched") == 1
    assert Ticket.objects.get().events.filter(kind=EventKind.OPENED).count() == 1


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("pop3://u:p@h/", "unknown scheme"),
        ("imap://u:p@/INBOX", "names no host"),
        ("imap://u:p@h:port/", "not a number"),
        ("imap://h/INBOX", "names no user"),
        ("imap://u:p@h/INBOX?provder=x", "unknown parameter"),
    ],
)
def test_bad_mailbox_urls_name_the_variable(monkeypatch, url, problem):
    monkeypatch.setenv("TIERDESK_IMAP_MAILBOXES", url)
    with pytest.raises(ConfigError, match=f"TIERDESK_IMAP_MAILBOXES: .*{problem}"):
        conf.mailboxes()


def test_mailbox_urls_in_every_security_mode():
    plain = parse_mailbox_url("imap://desk%40x.example:p%2Fw@mail.x.example/Support%20Inbox?provider=nexstor")
    assert (plain.security, plain.port, plain.username, plain.password) == (
        "plain",
        143,
        "desk@x.example",
        "p/w",
    )
    assert plain.folder == "Support Inbox" and plain.provider == "nexstor"
    assert "p/w" not in plain.key and "p/w" not in repr(plain)
    assert (
        parse_mailbox_url("imaps://u:p@h/").security == "ssl"
        and parse_mailbox_url("imaps://u:p@h/").port == 993
    )
    assert parse_mailbox_url("imap+starttls://u:p@h/").security == "starttls"
