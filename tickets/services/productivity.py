"""Agents' everyday helpers: canned responses and attachments."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from cxhub.exceptions import DomainError
from tickets.models import Attachment, CannedResponse, Ticket, TicketMessage
from tickets.services.core import ticket_reply

PLACEHOLDERS = ("customer_name", "ticket_number", "agent_name")
MAX_FILES_PER_MESSAGE = 5


@dataclass(frozen=True)
class FileType:
    content_type: str
    magic: tuple[bytes, ...]  # the file must start with one of these; empty: any UTF-8 text


# What agents may attach: common images, PDF and plain text. Checked by extension AND content, so a
# renamed executable is refused; everything is served as a download, never rendered inline.
ALLOWED_TYPES: dict[str, FileType] = {
    ".png": FileType("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": FileType("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": FileType("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": FileType("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": FileType("image/webp", (b"RIFF",)),
    ".pdf": FileType("application/pdf", (b"%PDF-",)),
    ".txt": FileType("text/plain", ()),
    ".csv": FileType("text/csv", ()),
}


PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


def canned_render(*, canned: CannedResponse, ticket: Ticket, agent: AbstractBaseUser) -> str:
    """The canned text with {customer_name}, {ticket_number} and {agent_name} filled in.

    Only those three are replaced; any other braces are left exactly as written.
    """
    values = {
        "customer_name": ticket.customer.name,
        "ticket_number": f"#{ticket.pk}",
        "agent_name": agent.get_full_name() or agent.get_username(),
    }
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], canned.body)


def _check_file(upload: UploadedFile) -> FileType:
    name = os.path.basename(upload.name or "")
    extension = os.path.splitext(name)[1].lower()
    kind = ALLOWED_TYPES.get(extension)
    if kind is None:
        allowed = ", ".join(sorted(ALLOWED_TYPES))
        raise DomainError(f"{name or 'The file'}: this type cannot be attached (allowed: {allowed}).",
                          field="attachments")
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise DomainError(f"{name} is larger than {limit // (1024 * 1024)} MB.", field="attachments")
    if upload.size == 0:
        raise DomainError(f"{name} is empty.", field="attachments")
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    if kind.magic:
        if not any(head.startswith(m) for m in kind.magic) or (extension == ".webp" and head[8:12] != b"WEBP"):
            raise DomainError(f"{name} is not really a {extension[1:].upper()} file.", field="attachments")
    else:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # a multi-byte character cut at the 4 KiB boundary is fine; anything else is not text
            if exc.start < len(head) - 4:
                raise DomainError(f"{name} is not a UTF-8 text file.", field="attachments") from None
    return kind


@transaction.atomic
def ticket_reply_with_attachments(
    *, ticket: Ticket, author: AbstractBaseUser, body: str, internal: bool = False,
    files: Sequence[UploadedFile] = (), at: dt.datetime | None = None,
) -> TicketMessage:
    """A reply or note with files. Every file is checked before anything is written: one bad file
    refuses the whole message, so nothing half-sent is left behind."""
    if len(files) > MAX_FILES_PER_MESSAGE:
        raise DomainError(f"At most {MAX_FILES_PER_MESSAGE} files per message.", field="attachments")
    kinds = [_check_file(f) for f in files]
    message = ticket_reply(ticket=ticket, author=author, body=body, internal=internal, at=at)
    for upload, kind in zip(files, kinds, strict=True):
        name = os.path.basename(upload.name or "file")[:200]
        Attachment.objects.create(message=message, file=upload, original_name=name,
                                  content_type=kind.content_type, size=upload.size)
    return message
