"""The bot's memory of one conversation: what it asked, how often it failed, whether it let go."""

from __future__ import annotations

from django.db import models

from kefu.conversations.models import Conversation
from kefu.core.models import BaseModel


class BotSession(BaseModel):
    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="bot_session"
    )
    # "" (listening) | "clarify" (offered two articles) | "confirm_freeze" (offered a freeze)
    awaiting = models.CharField(max_length=32, blank=True)
    options = models.JSONField(default=list, blank=True)  # article slugs offered in "clarify"
    failures = models.PositiveSmallIntegerField(default=0)
    greeted = models.BooleanField(default=False)
    handed_off_at = models.DateTimeField(null=True, blank=True)
    handoff_reason = models.CharField(max_length=32, blank=True)
    # What the bot tried, for the agent's note: [{"intent":…, "outcome":…, "article":…}]
    tried = models.JSONField(default=list, blank=True)
    # Account facts it found (profile, transfers), for the agent's note.
    facts = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"bot on {self.conversation_id}"
