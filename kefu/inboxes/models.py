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


# --- email channel ---------------------------------------------------------------------------


class EmailThread(BaseModel):
    """A conversation's email identity: the reply token of its plus address."""

    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="email_thread"
    )
    # 80 random bits, lower-case base32 (threads.reply_token_make): typed by nobody.
    reply_token = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return self.reply_token


class EmailImportFailure(BaseModel):
    """A mail that could not become a message. Shown to admins; the mail stays in its mailbox."""

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="email_failures")
    folder = models.CharField(max_length=255, blank=True)  # "" for `kefu email receive`
    uid = models.BigIntegerField(null=True, blank=True)  # IMAP UID within the folder
    message_id = models.CharField(max_length=255, blank=True)
    sender = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    reason = models.TextField()
    size = models.PositiveBigIntegerField(default=0)
    # The first bytes of the original, so an admin can see what arrived without the mailbox.
    excerpt = models.BinaryField(max_length=65536, blank=True, default=b"")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["inbox", "resolved_at"], name="email_failure_open_idx")]

    def __str__(self) -> str:
        return f"{self.inbox.name}: {self.reason[:60]}"
