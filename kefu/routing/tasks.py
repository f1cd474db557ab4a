"""Thin entry points: the event subscriber and the scheduled sweep call routing's actions."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from kefu.core.events import Event

log = logging.getLogger(__name__)

_ROUTED = {"conversation.created", "message.created", "conversation.status_changed"}
RESCORED = _ROUTED | {"conversation.updated", "conversation.assigned"}


def _conversation_id(event: Event) -> Any:
    p = event.payload
    if "conversation" in p and isinstance(p["conversation"], dict):
        return p["conversation"]["id"]
    if "message" in p:
        return p["message"]["conversation_id"]
    return None


def routing_on_event(event: Event) -> None:
    """Re-score on every change that moves priority; route when a conversation starts waiting."""
    if not settings.ROUTING_AUTO or event.type not in RESCORED:
        return
    from kefu.conversations.models import Conversation
    from kefu.routing.actions import conversation_prioritize, conversation_route

    cid = _conversation_id(event)
    if cid is None:
        return
    if event.type == "message.created" and event.payload["message"]["direction"] == "activity":
        return
    try:
        r = conversation_prioritize(conversation=Conversation(pk=cid))
    except Conversation.DoesNotExist:
        return  # deleted (erased) before its events were handled
    if event.type in _ROUTED and r.waiting:
        conversation_route(conversation=Conversation(pk=cid))


def routing_sweep_job() -> object:
    if not settings.ROUTING_AUTO:
        return None
    from kefu.routing.actions import routing_sweep

    return routing_sweep()


def routing_loads_repair_job() -> object:
    # Runs with automatic routing off too: manual picks and the queue ETA read the counters.
    from kefu.routing.actions import agent_loads_repair

    return agent_loads_repair()
