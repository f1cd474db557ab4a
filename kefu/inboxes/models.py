from __future__ import annotations

import secrets

from django.db import models

from kefu.accounts.models import Team
from kefu.core.models import BaseModel


class ChannelType(models.TextChoices):
    WEB_WIDGET = "web_widget", "Website chat"
    EMAIL = "email", "Email"
    API = "api", "API"
    TELEGRAM = "telegram", "Telegram"
    X = "x", "X"
    FACEBOOK = "facebook", "Facebook Messenger"
    VOICE = "voice", "Phone"


def _inbox_secret() -> str:
    return secrets.token_hex(32)


class Inbox(BaseModel):
    """A configured channel. Teams linked to an inbox see its conversations."""

    name = models.CharField(max_length=120)
    channel_type = models.CharField(max_length=16, choices=ChannelType.choices)
    # Channel settings (addresses, hours, greeting...). Credentials move to encrypted fields
    # with the security work; nothing secret is stored here in clear beyond the HMAC key.
    config = models.JSONField(default=dict, blank=True)
    # HMAC key for widget identity (user_hash) and signed API/webhook calls.
    secret = models.CharField(max_length=128, default=_inbox_secret)
    teams = models.ManyToManyField(Team, related_name="inboxes", blank=True)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "inboxes"

    def __str__(self) -> str:
        return f"{self.name} ({self.get_channel_type_display()})"
