"""The email channel's reads."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from kefu.inboxes.models import ChannelType, EmailImportFailure, Inbox


def email_inbox_find(ref: str) -> Inbox | None:
    """An enabled email inbox by id or by name (operators type names in MTA configs)."""
    inboxes = Inbox.objects.filter(channel_type=ChannelType.EMAIL, enabled=True)
    try:
        return inboxes.filter(pk=uuid.UUID(ref)).first()
    except ValueError:
        return inboxes.filter(name=ref).first()


def email_failures_open(*, inbox: Inbox | None = None) -> QuerySet[EmailImportFailure]:
    failures = EmailImportFailure.objects.filter(resolved_at__isnull=True)
    return failures.filter(inbox=inbox) if inbox is not None else failures
