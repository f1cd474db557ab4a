"""Rebuild a conversation's console state from its events.

The console (and any API client) keeps its view live by applying events to what it fetched;
this is the reference reducer, and the tests hold it equal to a fresh fetch for every event.
"""

from __future__ import annotations

import copy
from typing import Any

ConversationView = dict[
    str, Any
]  # {"conversation": ConversationState, "messages": {id: MessageState}}


def view_apply(view: ConversationView, event: dict[str, Any]) -> ConversationView:
    view = copy.deepcopy(view)
    kind, payload = event["type"], event["payload"]
    if kind.startswith("conversation."):
        if payload["conversation"]["id"] == view["conversation"]["id"]:
            view["conversation"] = payload["conversation"]
    elif kind == "message.created":
        message = payload["message"]
        if message["conversation_id"] == view["conversation"]["id"]:
            view["messages"][message["id"]] = message
            if payload.get("conversation"):
                view["conversation"] = payload["conversation"]
    elif kind in ("message.delivered", "message.read", "message.failed"):
        message = view["messages"].get(payload["message_id"])
        if message is not None:
            message["delivery_status"] = payload["delivery_status"]
            message["delivery_error"] = payload.get("delivery_error", "")
    return view
