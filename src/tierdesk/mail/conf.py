"""The e-mail channel's settings, read from the environment at call time (never frozen at import), so a
test can change them with monkeypatch and a bad value raises `ConfigError` naming the variable.

| variable | default | meaning |
| --- | --- | --- |
| TIERDESK_IMAP_MAILBOXES (or _FILE) | none | comma-separated mailbox URLs to poll, see `Mailbox` |
| TIERDESK_MAIL_UNKNOWN_SENDERS | refuse | refuse: a polite refusal; adhoc: an ad hoc case |
| TIERDESK_MAIL_FOREIGN_REPLIES | new | a reply to a case from someone who is not a contact of its |
|   |   | customer: new = handle it as a new message from them, refuse = refuse it |
| TIERDESK_MAIL_MAX_BYTES | 30000000 | largest message taken whole; larger: an excerpt kept, refused |
| TIERDESK_ATTACHMENT_MAX_BYTES | 10000000 | largest attachment kept |
| TIERDESK_ATTACHMENT_TYPES | DEFAULT_TYPES | content types accepted (re-detected); `image/*` allowed |
| TIERDESK_MAIL_RATE_LIMIT | 30 | messages per sender per hour processed; 0 = no limit |
| TIERDESK_MAIL_AUTOREPLY_LIMIT | 5 | automatic answers per sender per hour; 0 = no limit |
| TIERDESK_MAIL_OWN_ADDRESSES | none | more addresses of the desk itself (mail from them is a loop) |
| TIERDESK_MAIL_DEADLINE | 120 | seconds `mail receive` may take before it asks the MTA to retry |
| TIERDESK_IMAP_TIMEOUT | 60 | seconds per IMAP command |
| TIERDESK_IMAP_BATCH | 200 | messages fetched per mailbox per poll |
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from tierdesk.env import ConfigError, env_int, env_list, env_secret, env_str

DEFAULT_TYPES = (
    "text/plain",
    "text/csv",
    "text/calendar",
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/tiff",
    "application/zip",
    "application/gzip",
    "application/x-7z-compressed",
    "message/rfc822",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-outlook",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
)

_IMAP_SCHEMES = {"imap": (143, "plain"), "imaps": (993, "ssl"), "imap+starttls": (143, "starttls")}


def unknown_senders() -> str:
    value = env_str("TIERDESK_MAIL_UNKNOWN_SENDERS", "refuse").strip().lower()
    if value not in ("refuse", "adhoc"):
        raise ConfigError(f"TIERDESK_MAIL_UNKNOWN_SENDERS: expected refuse or adhoc, got {value!r}")
    return value


def foreign_replies() -> str:
    value = env_str("TIERDESK_MAIL_FOREIGN_REPLIES", "new").strip().lower()
    if value not in ("new", "refuse"):
        raise ConfigError(f"TIERDESK_MAIL_FOREIGN_REPLIES: expected new or refuse, got {value!r}")
    return value


def max_message_bytes() -> int:
    return env_int("TIERDESK_MAIL_MAX_BYTES", 30_000_000, minimum=10_000)


def max_attachment_bytes() -> int:
    return env_int("TIERDESK_ATTACHMENT_MAX_BYTES", 10_000_000, minimum=1)


def attachment_types() -> tuple[str, ...]:
    types = tuple(t.lower() for t in env_list("TIERDESK_ATTACHMENT_TYPES", list(DEFAULT_TYPES)))
    for t in types:
        if "/" not in t:
            raise ConfigError(f"TIERDESK_ATTACHMENT_TYPES: {t!r} is not a content type like image/png")
    return types


def rate_limit() -> int:
    return env_int("TIERDESK_MAIL_RATE_LIMIT", 30, minimum=0)


def autoreply_limit() -> int:
    return env_int("TIERDESK_MAIL_AUTOREPLY_LIMIT", 5, minimum=0)


def own_addresses() -> frozenset[str]:
    return frozenset(a.lower() for a in env_list("TIERDESK_MAIL_OWN_ADDRESSES", []))


def deadline() -> int:
    return env_int("TIERDESK_MAIL_DEADLINE", 120, minimum=1)


def imap_timeout() -> int:
    return env_int("TIERDESK_IMAP_TIMEOUT", 60, minimum=1)


def imap_batch() -> int:
    return env_int("TIERDESK_IMAP_BATCH", 200, minimum=1)


@dataclass(frozen=True)
class Mailbox:
    """One IMAP folder to poll, from a URL such as
    ``imaps://support%40nexstor.co.uk:secret@imap.example.com/INBOX?provider=nexstor&processed=Done``.

    Schemes: ``imap`` (plain), ``imaps`` (implicit TLS), ``imap+starttls``. The path is the folder
    (INBOX by default). Query parameters: ``provider`` (the slug mail from this folder goes to),
    ``processed`` (a folder to move handled messages to; without it they are flagged \\Seen).
    `key` names the folder everywhere (logs, the admin, stored state) and never carries the password.
    """

    scheme: str
    host: str
    port: int
    username: str
    password: str = field(repr=False)
    folder: str
    provider: str = ""
    processed: str = ""

    @property
    def security(self) -> str:
        return _IMAP_SCHEMES[self.scheme][1]

    @property
    def key(self) -> str:
        return f"{self.scheme}://{self.username}@{self.host}:{self.port}/{self.folder}"


def parse_mailbox_url(url: str, *, name: str = "TIERDESK_IMAP_MAILBOXES") -> Mailbox:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _IMAP_SCHEMES:
        raise ConfigError(f"{name}: unknown scheme {parts.scheme!r}; use imap, imaps or imap+starttls")
    if not parts.hostname:
        raise ConfigError(f"{name}: a mailbox URL names no host")
    try:
        port = parts.port or _IMAP_SCHEMES[scheme][0]
    except ValueError:
        raise ConfigError(f"{name}: the port of {parts.hostname} is not a number") from None
    if not parts.username:
        raise ConfigError(f"{name}: the mailbox on {parts.hostname} names no user")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(query) - {"provider", "processed"}
    if unknown:
        raise ConfigError(
            f"{name}: unknown parameter(s) {', '.join(sorted(unknown))}; use provider, processed"
        )
    return Mailbox(
        scheme=scheme,
        host=parts.hostname,
        port=port,
        username=unquote(parts.username),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        provider=query.get("provider", ""),
        processed=query.get("processed", ""),
    )


def mailboxes() -> list[Mailbox]:
    raw = env_secret("TIERDESK_IMAP_MAILBOXES") or ""
    return [parse_mailbox_url(item) for item in raw.split(",") if item.strip()]
