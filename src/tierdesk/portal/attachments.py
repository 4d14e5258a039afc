"""Files customers send with a case or a reply, and files they download (FILE-1..4, XSS-5/6).

* The type is decided by the bytes, not by the name or the browser's claim: each allowed extension
  must come with the matching signature (a PNG starts with the PNG signature, a PDF with %PDF-…),
  so an HTML page named `x.png` is refused. HTML, SVG, scripts and executables are refused outright.
* The file is stored under a generated name (the Attachment model's `upload_to`); the sender's
  name is kept only as metadata, and only printed back escaped or RFC 6266-encoded.
* A download re-detects the type from the stored bytes: PNG, JPEG, GIF and WebP may show inline as
  what they are; everything else is `application/octet-stream` and `attachment`. Every download
  carries `nosniff`, `Content-Security-Policy: sandbox` and exactly one Content-Disposition.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from tierdesk.tickets.attachments import detect, safe_filename
from tierdesk.tickets.models import Attachment, Ticket, TicketEvent
from tierdesk.tickets.services import ticket_attachment_add

MB = 1024 * 1024

# What a customer may upload, by extension, and what the bytes must then prove to be
# (`tickets.attachments.detect`): an HTML page named x.png is refused, as is a .exe.
EXTENSIONS = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".log": "text/plain",
    ".csv": "text/csv",
    ".zip": "application/zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}


class AttachmentError(ValueError):
    pass


def max_file_size() -> int:
    return int(getattr(settings, "TIERDESK_PORTAL_MAX_FILE_MB", 10)) * MB


def max_files() -> int:
    return int(getattr(settings, "TIERDESK_PORTAL_MAX_FILES", 5))


def max_total() -> int:
    return int(getattr(settings, "TIERDESK_PORTAL_MAX_TOTAL_MB", 25)) * MB


def clean_filename(name: str) -> str:
    """The sender's file name as metadata only."""
    return safe_filename(name or "", fallback="file")


def check_upload(upload: UploadedFile) -> str:
    """Validate one upload; returns the content type to store, or raises AttachmentError."""
    name = clean_filename(upload.name or "")
    if upload.size is not None and upload.size > max_file_size():
        raise AttachmentError(
            _("%(name)s is larger than %(limit)s.") % {"name": name, "limit": filesizeformat(max_file_size())}
        )
    extension = PurePosixPath(name.lower()).suffix
    expected = EXTENSIONS.get(extension)
    if expected is None:
        raise AttachmentError(
            _("%(name)s: this kind of file is not accepted. Send images, PDF, text, or a zip archive.")
            % {"name": name}
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if detect(head, filename=name) != expected:
        raise AttachmentError(_("%(name)s does not contain what its name says.") % {"name": name})
    return expected


def check_uploads(uploads: Iterable[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    files = list(uploads)
    if len(files) > max_files():
        raise AttachmentError(_("Send at most %(count)s files at a time.") % {"count": max_files()})
    if sum(f.size or 0 for f in files) > max_total():
        raise AttachmentError(
            _("The files together are larger than %(limit)s.") % {"limit": filesizeformat(max_total())}
        )
    return [(f, check_upload(f)) for f in files]


def attachments_store(
    *, ticket: Ticket, event: TicketEvent, files: list[tuple[UploadedFile, str]]
) -> list[Attachment]:
    """Store checked uploads against the message (`event`) they came with, in the caller's transaction."""
    return [
        ticket_attachment_add(
            ticket=ticket,
            event=event,
            filename=clean_filename(upload.name or ""),
            content_type=content_type,
            content=upload,
        )
        for upload, content_type in files
    ]


INLINE = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def content_disposition(kind: str, filename: str) -> str:
    """An RFC 6266 header value: an ASCII fallback and the UTF-8 name, with no control or
    bidirectional-override character, no quote, no semicolon and no path in either."""
    name = "".join(ch for ch in filename if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " ")
    name = re.sub(r"[\\/]", "_", name).strip(" .") or "download"
    name = name[:150]
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", name.encode("ascii", "replace").decode("ascii"))
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def download_response(attachment: Attachment) -> HttpResponse:
    handle = attachment.file.open("rb")
    head = handle.read(512)
    handle.seek(0)
    detected = detect(head)
    inline = detected in INLINE
    response = FileResponse(handle, content_type=detected if inline else "application/octet-stream")
    response["Content-Disposition"] = content_disposition(
        "inline" if inline else "attachment", attachment.filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
