"""Files kept with messages: checked by what they contain, stored through Django's storage.

Every file passes one check wherever it comes from (the portal, the console, the API, a mail):
its size, its type sniffed from its first bytes (never its name or a sender's header), and the
scanner named by ``VIGIL_ATTACHMENT_SCANNER`` when there is one.
"""

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.module_loading import import_string

from tickets.models import Attachment, Message

logger = logging.getLogger(__name__)

# (name, data, sniffed type) -> a reason to refuse the file, or None to keep it.
Scanner = Callable[[str, bytes, str], str | None]


@dataclass(frozen=True)
class IncomingFile:
    name: str
    data: bytes


class AttachmentRefused(Exception):
    """One or more files may not be kept; ``reasons`` has a line for each."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(" ".join(reasons))
        self.reasons = reasons


def sniff(data: bytes) -> str:
    """The type of ``data`` from its first bytes; never from a name or a sender's header.
    Text is text only when it decodes as UTF-8 and holds no NUL."""
    kind = filetype.guess(data[:8192])
    if kind is not None:
        return str(kind.mime)
    head = data[:8192]
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not just a character cut at the boundary
                return "application/octet-stream"
        return "text/plain"
    return "application/octet-stream"


def clean_name(name: str) -> str:
    """A file's name as shown and offered for download: no folders, no control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>').strip()
    return base[:200] or "file"


def refusal(incoming: IncomingFile) -> str | None:
    """Why ``incoming`` may not be kept, in words for the person who sent it; None: it may."""
    name = clean_name(incoming.name)
    size = len(incoming.data)
    if size > settings.VIGIL_ATTACHMENT_MAX_BYTES:
        return _too_big(name, size)
    if size == 0:
        return f"{name}: the file is empty."
    content_type = sniff(incoming.data)
    if content_type not in settings.VIGIL_ATTACHMENT_TYPES:
        return f"{name}: files of type {content_type} are not accepted ({allowed_text()})."
    return _scan(name, incoming.data, content_type)


def _scan(name: str, data: bytes, content_type: str) -> str | None:
    if not settings.VIGIL_ATTACHMENT_SCANNER:
        return None
    scanner: Scanner = import_string(settings.VIGIL_ATTACHMENT_SCANNER)
    try:
        reason = scanner(name, data, content_type)
    except Exception:
        # A scanner that cannot answer lets nothing through: an unchecked file is not kept.
        logger.exception("the attachment scanner failed on %s", name)
        return f"{name}: the file could not be checked; try again later."
    return f"{name}: {reason}" if reason else None


def allowed_text() -> str:
    """The accepted kinds of file, in words: what the forms say under the file picker."""
    kinds = {KIND_NAMES.get(t, t) for t in settings.VIGIL_ATTACHMENT_TYPES}
    return "accepted: " + ", ".join(sorted(kinds))


def upload_hint() -> str:
    """The limits in one line, shown beside every file picker."""
    size = filesizeformat(settings.VIGIL_ATTACHMENT_MAX_BYTES)
    return f"Up to {settings.VIGIL_ATTACHMENT_MAX_FILES} files, {size} each; {allowed_text()}."


KIND_NAMES = {
    "image/png": "images",
    "image/jpeg": "images",
    "image/gif": "images",
    "image/webp": "images",
    "application/pdf": "PDF",
    "text/plain": "text and logs",
    "application/zip": "ZIP",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/msword": "Word",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/vnd.ms-excel": "Excel",
}


def check(files: Sequence[IncomingFile]) -> list[str]:
    """Every reason the files may not be kept together on one message (empty: they may)."""
    if len(files) > settings.VIGIL_ATTACHMENT_MAX_FILES:
        return [_too_many(len(files))]
    return [reason for incoming in files if (reason := refusal(incoming))]


def read_uploads(uploads: Iterable[UploadedFile]) -> list[IncomingFile]:
    """Uploaded files, read and checked; ``AttachmentRefused`` with every reason when any may
    not be kept. A file over the size limit is refused without being read."""
    uploads = list(uploads)
    count_limit = settings.VIGIL_ATTACHMENT_MAX_FILES
    if len(uploads) > count_limit:
        raise AttachmentRefused([_too_many(len(uploads))])
    reasons, files = [], []
    for upload in uploads:
        name, size = upload.name or "file", upload.size or 0
        if size > settings.VIGIL_ATTACHMENT_MAX_BYTES:
            reasons.append(_too_big(clean_name(name), size))
        else:
            files.append(IncomingFile(name=name, data=upload.read()))
    reasons += check(files)
    if reasons:
        raise AttachmentRefused(reasons)
    return files


def _too_many(count: int) -> str:
    limit = settings.VIGIL_ATTACHMENT_MAX_FILES
    return f"At most {limit} files may be attached to one message; {count} were."


def _too_big(name: str, size: int) -> str:
    limit = settings.VIGIL_ATTACHMENT_MAX_BYTES
    return f"{name}: {filesizeformat(size)} is over the limit of {filesizeformat(limit)}."


def attachments_store(*, message: Message, files: Sequence[IncomingFile]) -> list[Attachment]:
    """Keep all of ``files`` on ``message``, or none (``AttachmentRefused``). Call it inside
    the transaction that saves the message, so a refusal leaves no message behind."""
    reasons = check(files)
    if reasons:
        raise AttachmentRefused(reasons)
    return [_store(message, incoming) for incoming in files]


def attachments_save(*, message: Message, files: list[IncomingFile]) -> list[str]:
    """Keep the files that pass the check (a mail's: nobody to ask again); returns a line for
    each one that did not."""
    refused = []
    for incoming in files:
        reason = refusal(incoming)
        if reason:
            refused.append(reason)
        else:
            _store(message, incoming)
    return refused


def _store(message: Message, incoming: IncomingFile) -> Attachment:
    attachment = Attachment(
        message=message,
        name=clean_name(incoming.name),
        content_type=sniff(incoming.data),
        size=len(incoming.data),
        created_at=timezone.now(),
    )
    attachment.file.save("file", ContentFile(incoming.data), save=True)
    return attachment
