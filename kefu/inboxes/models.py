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
    # The clear key; migrations 0001 and 0003 refer to this function by name.
    return secrets.token_hex(32)


def _inbox_secret_sealed() -> str:
    from kefu.safety.crypto import secret_encrypt

    return secret_encrypt(_inbox_secret())


class Inbox(BaseModel):
    """A configured channel. Teams linked to an inbox see its conversations."""

    name = models.CharField(max_length=120)
    channel_type = models.CharField(max_length=16, choices=ChannelType.choices)
    # Channel settings (addresses, hours, greeting...). Credentials in it are sealed by their
    # adapter (the email adapter's server passwords); nothing secret is stored here in clear.
    config = models.JSONField(default=dict, blank=True)
    # HMAC key for widget identity (user_hash) and signed API calls, encrypted at rest
    # (kefu.safety.crypto). Read it with `signing_secret()`, the one accessor.
    secret_sealed = models.TextField(default=_inbox_secret_sealed, editable=False)
    teams = models.ManyToManyField(Team, related_name="inboxes", blank=True)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "inboxes"

    def __str__(self) -> str:
        return f"{self.name} ({self.get_channel_type_display()})"

    def signing_secret(self) -> str:
        """The clear HMAC key. Raises SecretUnavailable when no configured key opens it."""
        from kefu.safety.crypto import secret_open

        return secret_open(self.secret_sealed, what=f"the secret of inbox {self.name}")


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
