"""Reading an RFC 5322 message: headers, threading ids, loop signs, text, HTML and attachments.

Pure Python (stdlib `email`, plus nh3 through `html`); nothing here touches the
database, so every rule is unit-tested on bytes. The parser never raises on a malformed message:
whatever cannot be read is replaced and noted in `ParsedMail.notes`, because a message the desk
cannot parse is still a customer's message.
"""

from __future__ import annotations

import codecs
import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from .html import html_to_text, sanitize
from .quotes import trim_quoted

INTERNAL_HEADER_PREFIX = "x-tierdesk-"
_MSGID = re.compile(r"<([^<>\s]{1,900})>")
# Trace headers differ between deliveries of the same message; they are left out of the content key.
_TRACE = frozenset(
    {
        "received",
        "return-path",
        "delivered-to",
        "x-original-to",
        "x-delivered-to",
        "envelope-to",
        "x-envelope-to",
        "x-envelope-from",
        "authentication-results",
        "arc-seal",
        "arc-message-signature",
        "arc-authentication-results",
        "received-spf",
        "x-spam-status",
        "x-spam-score",
        "x-spam-flag",
        "x-spam-level",
        "x-virus-scanned",
    }
)
_AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto-?reply|autosvar|automatisk svar|out of (the )?office|réponse automatique"
    r"|abwesenheitsnotiz|automatische antwort|fraværsmelding|delivery status notification"
    r"|undeliverable|undelivered mail|mail delivery failed|non remis|unzustellbar)\b",
    re.IGNORECASE,
)
_LANGUAGES = {"en": "en", "fr": "fr", "de": "de", "nb": "nb", "no": "nb", "nn": "nb"}


@dataclass
class ParsedAttachment:
    filename: str
    declared_type: str
    data: bytes
    content_id: str = ""
    inline: bool = False


@dataclass
class ParsedMail:
    message_id: str  # without angle brackets; synthetic if the message had none
    synthetic_id: bool
    in_reply_to: list[str]
    references: list[str]
    subject: str
    from_address: str  # lower case, "" if none could be read
    from_name: str
    reply_to: list[str]
    to: list[str]
    cc: list[str]
    delivered_to: list[str]
    date: datetime | None
    headers: dict[str, str]  # lower-cased names of the headers that decide loops and language
    text: str  # the full plain text, line ends normalised
    html: str  # sanitised HTML, "" when the message had none
    display: str  # `text` without the quoted history
    attachments: list[ParsedAttachment] = field(default_factory=list)
    is_report: bool = False  # a delivery or read report (multipart/report, message/delivery-status)
    notes: list[str] = field(default_factory=list)
    internal_headers: list[str] = field(default_factory=list)  # X-Tierdesk-* from outside, ignored
    fingerprint: str = ""  # sha256 of what the sender wrote (for "same Message-ID, other content")

    @property
    def language(self) -> str:
        """The language the sender's client declared (Content-Language, Accept-Language), if ours."""
        for name in ("content-language", "accept-language"):
            value = self.headers.get(name, "")
            for tag in re.split(r"[,;\s]+", value):
                code = tag.split("-")[0].lower()
                if code in _LANGUAGES:
                    return _LANGUAGES[code]
        return ""

    @property
    def addresses(self) -> list[str]:
        return [*self.to, *self.cc, *self.delivered_to]


# -- identity, computed at storage time -----------------------------------------------------------


def split_head(raw: bytes) -> tuple[bytes, bytes]:
    for sep in (b"\r\n\r\n", b"\n\n"):
        index = raw.find(sep)
        if index >= 0:
            return raw[:index], raw[index + len(sep) :]
    return raw, b""


def stable_hash(raw: bytes) -> str:
    """sha256 of the message without its trace headers: the same for every delivery of one message."""
    head, body = split_head(raw)
    kept = []
    for field_bytes in re.split(rb"\r?\n(?![ \t])", head):
        name = field_bytes.split(b":", 1)[0].strip().lower()
        if name.decode("ascii", "replace") not in _TRACE:
            kept.append(field_bytes.rstrip(b"\r"))
    digest = hashlib.sha256(b"\n".join(kept))
    digest.update(b"\n\n")
    digest.update(body.replace(b"\r\n", b"\n"))
    return digest.hexdigest()


def message_id_of(raw: bytes) -> tuple[str, bool]:
    """The Message-ID (without brackets) read straight from the header bytes, tolerant of anything;
    a stable synthetic one (hash of the content without trace headers) when there is none."""
    head, _body = split_head(raw)
    match = re.search(
        rb"^message-id[ \t]*:[ \t]*((?:.*)(?:\r?\n[ \t].*)*)", head, re.IGNORECASE | re.MULTILINE
    )
    if match:
        value = match.group(1).decode("ascii", "replace")
        found = _MSGID.search(value)
        if found:
            return found.group(1)[:900], False
        bare = value.strip()
        if bare and " " not in bare and len(bare) < 900:
            return bare, False
    return f"{stable_hash(raw)[:40]}@synthetic.tierdesk.invalid", True


# -- headers --------------------------------------------------------------------------------------


def _undo_surrogates(value: str) -> str:
    """8-bit header bytes come out of the parser as surrogates: read them as UTF-8, else windows-1252."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("windows-1252", "replace")


def decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded, unknown charsets read as UTF-8 with replacement; unfolded."""
    value = _undo_surrogates(value)
    try:
        parts = decode_header(value)
    except Exception:
        return " ".join(value.split())
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            out.append(chunk)
            continue
        out.append(_decode(chunk, charset or "ascii")[0])
    text = "".join(out)
    # decode_header keeps the whitespace between plain and encoded words; folding is just whitespace.
    return " ".join(text.replace("\r", " ").replace("\n", " ").split())


def raw_headers(msg: Message) -> list[tuple[str, str]]:
    return [(name, str(value)) for name, value in msg.raw_items()]


def header(msg: Message, name: str) -> str:
    for key, value in raw_headers(msg):
        if key.lower() == name.lower():
            return decode_words(value)
    return ""


def header_all(msg: Message, name: str) -> list[str]:
    return [decode_words(v) for k, v in raw_headers(msg) if k.lower() == name.lower()]


def addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, lower-case address) pairs; entries without an @ are dropped."""
    out = []
    for name, address in getaddresses(values):
        address = address.strip().strip("<>").lower()
        if "@" in address and " " not in address:
            out.append((name.strip(), address))
    return out


def message_ids(value: str) -> list[str]:
    return [m[:900] for m in _MSGID.findall(value)]


# -- charsets -------------------------------------------------------------------------------------

# What mail clients mean (the WHATWG Encoding Standard maps these labels the same way).
_ALIASES = {"us-ascii": "windows-1252", "ascii": "windows-1252", "iso-8859-1": "windows-1252",
            "latin1": "windows-1252", "latin-1": "windows-1252", "unknown-8bit": "", "x-unknown": "",
            "utf8": "utf-8", "ks_c_5601-1987": "cp949", "gb2312": "gb18030", "gbk": "gb18030"}  # fmt: skip


def _decode(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Text from bytes in the declared charset; (text, note) where note says what had to be guessed
    or replaced. Never raises."""
    declared = (charset or "").strip().strip("\"'").lower()
    name = _ALIASES.get(declared, declared)
    if name:
        try:
            # Only text encodings: "base64", "zlib" or "rot13" are codecs too, but not charsets.
            if not getattr(codecs.lookup(name), "_is_text_encoding", True):
                name = ""
        except (LookupError, ValueError):
            name = ""
    if not name:
        for guess in ("utf-8", "windows-1252"):
            try:
                text = data.decode(guess)
            except UnicodeDecodeError:
                continue
            note = f"charset {declared!r} unknown, read as {guess}" if declared else None
            if not declared and guess != "utf-8":
                note = "no charset declared, read as windows-1252"
            return text, note
        return data.decode("utf-8", "replace"), f"charset {declared or 'missing'}: undecodable bytes replaced"
    if name == "windows-1252" and declared and any(b > 0x7F for b in data):
        # Labelled ASCII or Latin-1 but valid UTF-8 with non-ASCII characters: a mislabel (valid
        # multi-byte UTF-8 sequences do not happen by chance in Latin-1 text).
        try:
            return data.decode("utf-8"), f"declared {declared} but the text was utf-8"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode(name), None
    except UnicodeDecodeError:
        pass
    # Mislabelled: UTF-8 sent as Latin-1, or Latin-1 (windows-1252) sent as UTF-8.
    for guess in ("utf-8", "windows-1252"):
        if guess == name:
            continue
        try:
            return data.decode(guess), f"declared {declared} but the text was {guess}"
        except UnicodeDecodeError:
            pass
    return data.decode(name, "replace"), f"charset {declared}: undecodable bytes replaced"


def _part_text(part: Message, notes: list[str]) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if payload is None:
        raw = part.get_payload()
        payload = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    try:
        charset = part.get_param("charset")
    except Exception:
        charset = None
    if isinstance(charset, tuple):  # RFC 2231 form
        charset = charset[2]
    text, note = _decode(payload, str(charset) if charset else None)
    if note:
        notes.append(note)
    return text.replace("\r\n", "\n").replace("\r", "\n")


# -- structure ------------------------------------------------------------------------------------


def _leaves(part: Message, depth: int = 0, parent: str = ""):
    """(leaf, its parent's content type) for every leaf part; a message/rfc822 part is a leaf (a
    forwarded message is an attachment). Nesting deeper than 30 levels is not followed."""
    if depth > 30:
        return
    if part.get_content_maintype() == "multipart" and part.is_multipart():
        for sub in part.get_payload():
            if isinstance(sub, Message):
                yield from _leaves(sub, depth + 1, part.get_content_type())
    else:
        yield part, parent


def _is_calendar(part: Message, filename: str) -> bool:
    calendar_types = ("text/calendar", "application/ics")
    return part.get_content_type() in calendar_types or filename.lower().endswith(".ics")


def _body(part: Message, kind: str, depth: int = 0) -> Message | None:
    """The part the sender's client meant as the text/`kind` body (as `EmailMessage.get_body`): in
    multipart/related only the root counts, attachments never do; otherwise the first in order."""
    if depth > 30 or _disposition(part) == "attachment":
        return None
    maintype = part.get_content_maintype()
    if maintype == "multipart" and part.is_multipart():
        subparts = [p for p in part.get_payload() if isinstance(p, Message)]
        if part.get_content_subtype() == "related" and subparts:
            start = str(part.get_param("start") or "").strip()
            root = next((p for p in subparts if str(p.get("Content-ID", "")).strip() == start), subparts[0])
            return _body(root, kind, depth + 1)
        for sub in subparts:
            found = _body(sub, kind, depth + 1)
            if found is not None:
                return found
        return None
    if maintype == "text" and part.get_content_subtype() == kind:
        return part
    return None


def _is_report(msg: Message) -> bool:
    if msg.get_content_type() == "multipart/report":
        return True
    return any(
        p.get_content_type() in ("message/delivery-status", "message/disposition-notification")
        for p in msg.walk()
    )


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    return decode_words(str(name)) if name else ""


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


def parse(raw: bytes) -> ParsedMail:
    """Read a message (see the module docstring). Never raises on malformed input."""
    # The compat32 object model: headers are decoded here (`header`), where a malformed one cannot
    # raise, and it is several times faster than policy=default's header objects on the intake path.
    msg: Message = email.message_from_bytes(raw, policy=email.policy.compat32)
    notes: list[str] = []

    internal = sorted({k for k, _v in raw_headers(msg) if k.lower().startswith(INTERNAL_HEADER_PREFIX)})
    for name in internal:
        del msg[name]  # never trusted from outside (SPOOF-3)

    message_id, synthetic = message_id_of(raw)
    from_pairs = addresses(header_all(msg, "From")) or addresses(header_all(msg, "Sender"))
    from_name, from_address = from_pairs[0] if from_pairs else ("", "")
    try:
        date = parsedate_to_datetime(header(msg, "Date")) if header(msg, "Date") else None
        if date is not None and date.tzinfo is None:
            date = None
    except (TypeError, ValueError, IndexError):
        date = None

    decisive = (
        "auto-submitted", "precedence", "x-autoreply", "x-autorespond", "x-autoresponder",
        "x-auto-response-suppress", "list-id", "list-unsubscribe", "x-loop", "return-path",
        "content-language", "accept-language", "x-failed-recipients", "feedback-id",
    )  # fmt: skip
    headers = {name: header(msg, name) for name in decisive if header(msg, name)}
    for name in decisive:
        if name not in headers and any(k.lower() == name for k, _v in raw_headers(msg)):
            headers[name] = ""  # present but empty (e.g. "X-Autoreply:")

    # Bodies: the client's own choice of text and HTML parts; other inline text without a file name
    # is more of the body (Apple Mail splits text around inline images).
    text_parts: list[Message] = []
    html_part: Message | None = None
    try:
        plain = _body(msg, "plain")
        html_body = _body(msg, "html")
    except Exception:
        plain = html_body = None
        notes.append("the MIME structure could not be read; the message is shown as raw text")
    if plain is not None:
        text_parts.append(plain)
    if html_body is not None:
        html_part = html_body
    attachments: list[ParsedAttachment] = []
    report = _is_report(msg)
    extra_html: list[str] = []
    leaves = list(_leaves(msg))
    calendar_attached = any(
        _is_calendar(p, _filename(p)) for p, parent in leaves if parent != "multipart/alternative"
    )
    for part, parent in leaves:
        if part is plain or part is html_part:
            continue
        content_type = part.get_content_type()
        filename = _filename(part)
        disposition = _disposition(part)
        if parent == "multipart/alternative" and part.get_content_maintype() == "text" and not filename:
            # Another rendering of the body (text/enriched, text/watch-html…): not an attachment.
            # An invitation's text/calendar is kept, unless the sender also attached it.
            if content_type != "text/calendar" or calendar_attached:
                continue
            filename = "invite.ics"
        if content_type in ("text/plain", "text/html") and not filename and disposition != "attachment":
            if content_type == "text/plain":
                text_parts.append(part)
            else:
                extra_html.append(_part_text(part, notes))
            continue
        if report and content_type in ("message/delivery-status", "message/disposition-notification"):
            continue
        data = _payload_bytes(part, notes)
        cid = decode_words(str(part.get("Content-ID", "")))
        cid_match = _MSGID.search(str(cid))
        attachments.append(
            ParsedAttachment(
                filename=filename,
                declared_type=content_type,
                data=data,
                content_id=cid_match.group(1) if cid_match else str(cid).strip()[:255],
                inline=disposition == "inline" or (bool(cid) and disposition != "attachment"),
            )
        )

    text = "\n".join(_part_text(p, notes) for p in text_parts).strip("\n")
    html = ""
    if html_part is not None:
        source = _part_text(html_part, notes)
        html = sanitize(source)
        if not text.strip():
            text = html_to_text(source)
    if extra_html and not text.strip():
        text = "\n\n".join(html_to_text(h) for h in extra_html)
    if plain is None and html_part is None and not text_parts and msg.get_content_maintype() == "text":
        text = _part_text(msg, notes)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")

    digest = hashlib.sha256(text.strip().encode("utf-8", "replace"))
    for attachment in attachments:
        digest.update(hashlib.sha256(attachment.data).digest())
    if not message_id or synthetic:
        notes.append("the message had no Message-ID; a stable one was derived from its content")
    return ParsedMail(
        message_id=message_id,
        synthetic_id=synthetic,
        in_reply_to=message_ids(header(msg, "In-Reply-To")),
        references=message_ids(" ".join(header_all(msg, "References"))),
        subject=header(msg, "Subject"),
        from_address=from_address,
        from_name=from_name,
        reply_to=[a for _n, a in addresses(header_all(msg, "Reply-To"))],
        to=[a for _n, a in addresses(header_all(msg, "To"))],
        cc=[a for _n, a in addresses(header_all(msg, "Cc"))],
        delivered_to=[
            a for _n, a in addresses(header_all(msg, "Delivered-To") + header_all(msg, "X-Original-To"))
        ],
        date=date,
        headers=headers,
        text=text,
        html=html,
        display=trim_quoted(text),
        attachments=attachments,
        is_report=report,
        notes=sorted(set(notes)),
        internal_headers=internal,
        fingerprint=digest.hexdigest(),
    )


def _payload_bytes(part: Message, notes: list[str]) -> bytes:
    if part.get_content_type() == "message/rfc822" or part.get_content_maintype() == "message":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            try:
                return inner[0].as_bytes(policy=email.policy.compat32)
            except Exception:
                return str(inner[0]).encode("utf-8", "replace")
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if data is None:
        raw = part.get_payload()
        data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
        notes.append("an attachment could not be decoded and is kept as sent")
    return data


# -- loops ----------------------------------------------------------------------------------------


def loop_reason(
    mail: ParsedMail, *, envelope_from: str | None = None, own: frozenset[str] = frozenset()
) -> str:
    """Why this message is automatic (RFC 3834 and the usual signs), or "" for a person's message.

    An automatic message never gets an automatic answer and never opens a case.
    """
    h = mail.headers
    auto = h.get("auto-submitted", "").split(";")[0].strip().lower()
    if "auto-submitted" in h and auto != "no":
        return f"Auto-Submitted: {auto or '(empty)'}"
    if h.get("precedence", "").strip().lower() in ("bulk", "list", "junk"):
        return f"Precedence: {h['precedence'].strip().lower()}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
        if name in h and h[name].strip().lower() not in ("no", "false", "0"):
            return f"{name.title()} header"
    if "list-id" in h or "list-unsubscribe" in h:
        return "mailing-list message (List-Id / List-Unsubscribe)"
    if "x-loop" in h:
        return "X-Loop header"
    if mail.is_report:
        return "delivery or read report (DSN/MDN)"
    if "x-failed-recipients" in h:
        return "bounce (X-Failed-Recipients)"
    local = mail.from_address.split("@")[0]
    if local in ("mailer-daemon", "postmaster") or not mail.from_address:
        return f"sender {mail.from_address or '(none)'}"
    if envelope_from is not None and envelope_from.strip() in ("", "<>"):
        return "null envelope sender (bounce)"
    if h.get("return-path", "").strip() == "<>":
        return "null Return-Path (bounce)"
    if mail.from_address in own:
        return "sent from one of the desk's own addresses"
    if _AUTO_SUBJECT.match(mail.subject):
        return "automatic reply (subject)"
    return ""


def suppress_autoreply(mail: ParsedMail) -> bool:
    """The message is a person's, but asks not to be answered automatically (or cannot be)."""
    suppress = mail.headers.get("x-auto-response-suppress", "").lower()
    if any(word in suppress for word in ("all", "autoreply", "oof")):
        return True
    local = mail.from_address.split("@")[0]
    return local.replace("-", "").replace("_", "") in ("noreply", "donotreply", "nepasrepondre", "ikkesvar")
