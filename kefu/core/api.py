"""Event log replay over HTTP: what a client missed on a stream since its last seq."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kefu.api import agent_of
from kefu.core.errors import Conflict, NotFound, ValidationFailed
from kefu.core.events import ResyncRequired, event_log_since

router = Router(tags=["events"])


class EventOut(Schema):
    stream: str
    seq: int
    type: str
    event_id: uuid.UUID
    payload: dict[str, Any]
    at: str


class EventQuery(Schema):
    stream: str = Field(..., max_length=80, description="`inbox:<id>:<shard>` or `conversation:<id>`")
    after: int = Field(0, ge=0, description="the last seq the client has")
    limit: int = Field(500, ge=1, le=1000)


@router.get("", response=list[EventOut], summary="Replay a stream after a seq")
def events_since(request: HttpRequest, query: Query[EventQuery]) -> list[dict[str, Any]]:
    agent = agent_of(request)
    kind, _, raw_id = query.stream.partition(":")
    if kind == "inbox":
        from kefu.conversations.streams import stream_inbox_id

        raw_id = stream_inbox_id(query.stream) or "-"
    try:
        object_id = uuid.UUID(raw_id)
    except ValueError:
        raise ValidationFailed(
            "stream must be inbox:<id>:<shard> or conversation:<id>", field="stream"
        ) from None
    if kind == "inbox":
        from kefu.inboxes.selectors import access_inbox

        access_inbox(agent=agent, inbox_id=object_id)
    elif kind == "conversation":
        from kefu.conversations.selectors import access_conversation

        access_conversation(agent=agent, conversation_id=object_id)
    elif kind == "agent":
        if object_id != agent.pk:
            raise NotFound("no such stream")
    else:
        raise ValidationFailed("stream must be inbox:<id>:<shard> or conversation:<id>", field="stream")
    try:
        return event_log_since(stream=query.stream, after_seq=query.after, limit=query.limit)
    except ResyncRequired:
        raise Conflict(
            "events after that seq are no longer kept; fetch the current state and resume from the latest seq",
            code="resync_required",
        ) from None
