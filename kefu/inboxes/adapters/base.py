"""What every channel adapter produces and consumes.

An adapter turns the outside world's payload into an InboundMessage and sends our outgoing
messages out. It knows nothing of routing, SLA or the bot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content: bytes
    declared_type: str = ""


@dataclass(frozen=True)
class InboundMessage:
    """A customer message as it arrived, normalized across channels."""

    # The contact's handle on this channel: a widget visitor id, an email address, a chat id.
    identity: str
    body: str
    source_id: str | None = None  # the channel's own message id, for dedup
    name: str = ""
    email: str = ""
    subject: str = ""
    language: str = ""
    sent_at: datetime | None = None
    attachments: tuple[InboundAttachment, ...] = ()
    # A verified exchange UID (widget user_hash checked, signed API call): merges contacts.
    exchange_uid: str = ""
    verified_email: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    # Threading is the adapter's call: chat continues the contact's latest case ("latest");
    # email opens a new case unless its headers name one ("new" or a conversation id).
    thread: str = "latest"
    conversation_id: str | None = None
