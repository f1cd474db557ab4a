"""Reads for SLAs: a conversation's clocks as the console and API show them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kefu.conversations.models import Conversation
from kefu.core.clock import now
from kefu.sla.actions import clock_state
from kefu.sla.models import SlaClock


def clocks_of(
    conversation: Conversation, *, moment: datetime | None = None
) -> list[dict[str, Any]]:
    """Every clock of the conversation, live ones first, with elapsed/remaining time now."""
    moment = moment or now()
    clocks = SlaClock.objects.filter(conversation=conversation).select_related("policy__calendar")
    order = {"running": 0, "paused": 1, "breached": 2, "met": 3}
    out = [clock_state(k, moment) for k in clocks]
    out.sort(key=lambda c: (order.get(c["state"], 9), c["remaining_seconds"]))
    return out
