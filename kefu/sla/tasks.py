"""Thin entry points: the event subscriber and the scheduled sweep call SLA actions."""

from __future__ import annotations

from django.conf import settings

from kefu.core.events import Event

SLA_EVENTS = {"conversation.created", "conversation.status_changed", "message.created"}


def _sla_event(event: Event) -> tuple[str, str] | None:
    p = event.payload
    if event.type == "conversation.created":
        return p["conversation"]["id"], "opened"
    if event.type == "conversation.status_changed":
        return p["conversation"]["id"], "status"
    if event.type == "message.created":
        m = p["message"]
        if m["private"]:
            return None
        if m["direction"] == "incoming":
            return m["conversation_id"], "customer_wrote"
        author = m.get("author") or {}
        if m["direction"] == "outgoing" and author.get("kind") == "agent":
            return m["conversation_id"], "agent_replied"
    return None


def sla_on_event(event: Event) -> None:
    if not settings.ROUTING_AUTO:
        return
    found = _sla_event(event)
    if found is None:
        return
    from kefu.conversations.models import Conversation
    from kefu.sla.actions import sla_clocks_sync

    cid, what = found
    sla_clocks_sync(conversation=Conversation(pk=cid), event=what)  # [] when it is gone


def sla_sweep_job() -> object:
    from kefu.sla.actions import sla_sweep

    return sla_sweep()
