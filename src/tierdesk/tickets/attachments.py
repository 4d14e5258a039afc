"""What an attachment really is, from its bytes, for every channel (mail, portal): the sender's declared
type and file name are claims, not facts (an HTML page labelled image/png is a classic, RT
CVE-2022-25802). Pure Python; `tickets.services.ticket_attachment_add` stores what a channel accepted.

`detect` looks at magic numbers first; text is recognised by decoding, and text that is markup
(HTML, SVG, XML) is reported as such so the allow-list can refuse it. Container formats are refined
by the file name only within their family (a ZIP named .docx is a Word document; a ZIP named .png
is still a ZIP).
"""

from __future__ import annotations

import re
import unicodedata

_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"%PDF-", 0, "application/pdf"),
    (b"PK\x03\x04", 0, "application/zip"),
    (b"PK\x05\x06", 0, "application/zip"),
    (b"\x1f\x8b", 0, "application/gzip"),
    (b"7z\xbc\xaf\x27\x1c", 0, "application/x-7z-compressed"),
    (b"BM", 0, "image/bmp"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "application/x-ole-storage"),
    (b"MZ", 0, "application/x-msdownload"),
    (b"\x7fELF", 0, "application/x-executable"),
    (b"Rar!\x1a\x07", 0, "application/vnd.rar"),
)
_ZIP_FAMILY = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
_OLE_FAMILY = {
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "msg": "application/vnd.ms-outlook",
}
_TEXT_FAMILY = {"csv": "text/csv", "ics": "text/calendar"}
_MARKUP = re.compile(rb"^\s*(<\?xml|<!doctype|<html|<svg|<head|<body|<script|<iframe|<!--)", re.IGNORECASE)


def detect(data: bytes, *, filename: str = "", declared: str = "") -> str:
    """The content type of `data` (see the module docstring)."""
    head = data[:512]
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    for magic, offset, kind in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            if kind == "application/zip":
                return _ZIP_FAMILY.get(extension, kind)
            if kind == "application/x-ole-storage":
                return _OLE_FAMILY.get(extension, kind)
            return kind
    if declared.lower() == "message/rfc822":
        return "message/rfc822" if _looks_like_text(head) else "application/octet-stream"
    if _looks_like_text(data[:8192]):
        if _MARKUP.match(head.lstrip(b"\xef\xbb\xbf")) or b"<svg" in head.lower():
            return "image/svg+xml" if b"<svg" in head.lower() else "text/html"
        if head.lstrip().startswith(b"BEGIN:VCALENDAR"):
            return "text/calendar"
        return _TEXT_FAMILY.get(extension, "text/plain")
    return "application/octet-stream"


def _looks_like_text(sample: bytes) -> bool:
    if not sample:
        return True
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4:  # a character cut by the sample's end
            return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls / len(sample) < 0.01


def allowed(content_type: str, allow: tuple[str, ...]) -> bool:
    for pattern in allow:
        if pattern.endswith("/*"):
            if content_type.startswith(pattern[:-1]) and content_type != "image/svg+xml":
                return True
        elif content_type == pattern:
            return True
    return False


_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)


def safe_filename(name: str, *, fallback: str = "attachment") -> str:
    """The sender's file name as metadata only: no directories, no control or bidi-override
    characters, no reserved device names, at most 200 characters (the extension kept)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co") and ch not in '"<>|:*?'
    )
    name = name.strip(" .")
    if not name or _RESERVED.match(name):
        name = f"{fallback}-{name}" if name else fallback
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:200]
    return name
