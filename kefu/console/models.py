from __future__ import annotations

from django.db import models

from kefu.accounts.models import Agent
from kefu.conversations.models import Conversation
from kefu.core.models import BaseModel


class ConversationSeen(BaseModel):
    """When an agent last had a conversation open: customer messages after it are unread."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "conversation"], name="seen_once_per_agent"),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} saw {self.conversation_id} at {self.seen_at:%Y-%m-%d %H:%M}"
