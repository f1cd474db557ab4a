"""Writes of the console's own state: which conversations an agent has seen."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from kefu.accounts.models import Agent
from kefu.console.models import ConversationSeen
from kefu.conversations.models import Conversation
from kefu.core.clock import now


def conversation_seen_mark(*, agent: Agent, conversation: Conversation) -> None:
    """The agent has the conversation in front of them: nothing in it is unread any more.

    No event: unread state is private to the agent, and their other tabs learn it through the
    browser (BroadcastChannel), not the server.
    """
    moment = now()
    updated = ConversationSeen.objects.filter(agent=agent, conversation=conversation).update(
        seen_at=moment, updated_at=moment
    )
    if updated:
        return
    try:
        with transaction.atomic():
            ConversationSeen.objects.create(agent=agent, conversation=conversation, seen_at=moment)
    except IntegrityError:
        # Two tabs marked it at once; the other insert won, and its time is as good as ours.
        pass
