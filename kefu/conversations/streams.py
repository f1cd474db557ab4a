"""Which event streams a conversation's events go to.

`conversation:<id>` is what the customer sees. Agents' consoles follow their inboxes, split
into shards by conversation: `inbox:<inbox id>:<n>`. Every stream's seq is taken under a row
lock held until commit, so one stream per inbox would let one inbox commit one message at a
time (~150/s at a 6.6 ms commit here). Shards commit in parallel; order within a
conversation is kept because a conversation always lands in the same shard.
"""

from __future__ import annotations

import uuid

from django.conf import settings


def conversation_stream(conversation_id: object) -> str:
    return f"conversation:{conversation_id}"


def inbox_stream(inbox_id: object, conversation_id: object) -> str:
    shard = uuid.UUID(str(conversation_id)).int % settings.INBOX_STREAM_SHARDS
    return f"inbox:{inbox_id}:{shard}"


def inbox_streams(inbox_id: object) -> list[str]:
    return [f"inbox:{inbox_id}:{n}" for n in range(settings.INBOX_STREAM_SHARDS)]


def stream_inbox_id(stream: str) -> str | None:
    """The inbox id of an `inbox:<id>:<n>` stream, or None for other streams."""
    kind, _, rest = stream.partition(":")
    if kind != "inbox":
        return None
    inbox_id, _, shard = rest.partition(":")
    if not shard.isdigit() or int(shard) >= settings.INBOX_STREAM_SHARDS:
        return None
    return inbox_id
