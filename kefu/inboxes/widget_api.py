"""HTTP side of the chat widget: open a session, fetch the current conversation."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from kefu.conversations.selectors import conversation_public_state, message_state, messages_of
from kefu.core.events import MessageState, PublicConversationState
from kefu.inboxes.adapters.widget import check_widget_session_open, widget_inbox, widget_session_load
from kefu.realtime import selectors as rt

router = Router(tags=["widget"], auth=None)


class InboxInfo(Schema):
    id: uuid.UUID
    name: str
    greeting: str
    agents_online: int


class WidgetConversation(Schema):
    conversation: PublicConversationState
    messages: list[MessageState]


class WidgetState(Schema):
    session: str = Field(..., description="send as ?session= on /ws/widget/ and X-Kefu-Session on HTTP")
    visitor_id: str | None
    verified: bool
    inbox: InboxInfo
    conversations: list[WidgetConversation]
    cursors: dict[str, int] = Field(..., description="resume the websocket from these seqs")


class SessionIn(Schema):
    inbox_id: uuid.UUID
    visitor_id: str = Field("", max_length=64)
    uid: str = Field("", max_length=64, description="the customer's exchange UID when logged in")
    user_hash: str = Field("", max_length=128, description="HMAC-SHA256(inbox secret, uid), hex")


def _state(inbox: Any, session: Any, token: str) -> dict[str, Any]:
    from kefu.accounts.models import Agent

    conversations = rt.widget_conversations(inbox, session.identity)
    streams = [f"conversation:{c.pk}" for c in conversations]
    # Seqs first, state second: anything committed in between is replayed and applied
    # idempotently (by message id), never missed.
    cursors = rt.stream_latest(streams)
    items = []
    for c in conversations:
        c = type(c).objects.select_related("assignee").get(pk=c.pk)
        items.append({
            "conversation": conversation_public_state(c),
            "messages": [message_state(m) for m in messages_of(c, include_private=False)],
        })
    online = Agent.objects.filter(is_active=True, presence="online", teams__inboxes=inbox).distinct().count()
    return {
        "session": token, "visitor_id": None if session.exchange_uid else session.identity,
        "verified": bool(session.exchange_uid),
        "inbox": {"id": inbox.pk, "name": inbox.name, "greeting": inbox.config.get("greeting", ""), "agents_online": online},
        "conversations": items, "cursors": cursors,
    }


@router.post("/sessions", response=WidgetState, summary="Open (or resume) a chat session")
def widget_session(request: HttpRequest, payload: SessionIn) -> dict[str, Any]:
    inbox = widget_inbox(payload.inbox_id)
    session, token = check_widget_session_open(inbox=inbox, visitor_id=payload.visitor_id, uid=payload.uid, user_hash=payload.user_hash)
    return _state(inbox, session, token)


@router.get("/state", response=WidgetState, summary="The session's conversations and resume cursors")
def widget_state(request: HttpRequest) -> dict[str, Any]:
    token = request.headers.get("X-Kefu-Session", "")
    session = widget_session_load(token)
    return _state(widget_inbox(session.inbox_id), session, token)
