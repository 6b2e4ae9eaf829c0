"""Files kept with messages: checked by what they contain, stored through Django's storage."""

from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from tickets.models import Attachment, Message


@dataclass(frozen=True)
class IncomingFile:
    name: str
    data: bytes


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


def attachments_save(*, message: Message, files: list[IncomingFile]) -> list[str]:
    """Keep the files that pass the limits; returns a line for each one that did not."""
    refused = []
    limit = settings.VIGIL_ATTACHMENT_MAX_BYTES
    for incoming in files:
        name = incoming.name.strip()[:200] or "file"
        size = len(incoming.data)
        if size > limit:
            refused.append(
                f"{name}: {filesizeformat(size)} is over the limit of {filesizeformat(limit)}"
            )
            continue
        content_type = sniff(incoming.data)
        if content_type not in settings.VIGIL_ATTACHMENT_TYPES:
            refused.append(f"{name}: files of type {content_type} are not kept")
            continue
        attachment = Attachment(
            message=message,
            name=name,
            content_type=content_type,
            size=size,
            created_at=timezone.now(),
        )
        attachment.file.save("file", ContentFile(incoming.data), save=True)
    return refused
