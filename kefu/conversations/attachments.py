"""Attachment validation by content: the declared type and the file name are not trusted."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings

from kefu.core.errors import ValidationFailed

# (magic prefix, offset, content type). Order matters where prefixes overlap.
_SIGNATURES: list[tuple[bytes, int, str]] = [
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"%PDF-", 0, "application/pdf"),
    (b"PK\x03\x04", 0, "application/zip"),
]
ALLOWED_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/heic",
        "application/pdf",
        "text/plain",
        "text/csv",
        "video/mp4",
        "application/zip",
    }
)


def content_type_sniff(data: bytes) -> str:
    for magic, offset, kind in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in {b"heic", b"heix", b"mif1", b"msf1"}:
            return "image/heic"
        return "video/mp4"
    head = data[:4096]
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the 4 KiB edge is still text.
            if exc.start < len(head) - 4:
                return "application/octet-stream"
        lowered = head.lower()
        if b"<script" in lowered or b"<html" in lowered or b"<svg" in lowered:
            return "text/html"  # never served back as an attachment
        return "text/plain"
    return "application/octet-stream"


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content: bytes
    content_type: str
    sha256: str


def attachment_check(*, filename: str, content: bytes) -> CheckedFile:
    limit = settings.ATTACHMENT_MAX_BYTES
    name = (filename or "file").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "file"
    if len(content) == 0:
        raise ValidationFailed(f"{name} is empty", field="attachments")
    if len(content) > limit:
        raise ValidationFailed(
            f"{name} is {len(content) / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB",
            code="attachment_too_large",
            field="attachments",
        )
    kind = content_type_sniff(content)
    if kind not in ALLOWED_TYPES:
        raise ValidationFailed(
            f"{name} is not an accepted file type (images, PDF, text, CSV, MP4, ZIP)",
            code="attachment_type_not_allowed",
            field="attachments",
        )
    return CheckedFile(name, content, kind, hashlib.sha256(content).hexdigest())
