from __future__ import annotations

from django.db import models
from django.db.models import Q

from kefu.accounts.models import Agent, Team
from kefu.contacts.models import Contact
from kefu.core.clock import now
from kefu.core.models import BaseModel
from kefu.inboxes.models import Inbox


class Status(models.TextChoices):
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"  # waiting on the customer
    SNOOZED = "snoozed", "Snoozed"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class Tag(BaseModel):
    name = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return self.name


class Conversation(BaseModel):
    """One support case on any channel: a "ticket" in the UI, `#number` to people."""

    number = models.BigIntegerField(unique=True)
    inbox = models.ForeignKey(Inbox, on_delete=models.PROTECT, related_name="conversations")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="conversations")
    subject = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    # Numeric twin of priority so lists sort urgent-first with an index.
    priority_rank = models.PositiveSmallIntegerField(default=1)
    assignee = models.ForeignKey(
        Agent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    topic = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=16, blank=True)
    tags = models.ManyToManyField(Tag, related_name="conversations", blank=True)
    custom_attributes = models.JSONField(default=dict, blank=True)
    # Set while the customer waits on us (their message is the last word); cleared by a reply.
    waiting_since = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=now)

    class Meta:
        indexes = [
            # Console views: "mine", "unassigned", by status, most urgent and longest waiting first.
            models.Index(
                fields=["status", "assignee", "priority_rank", "waiting_since"],
                name="conv_queue_idx",
            ),
            models.Index(
                fields=["inbox", "status", "last_activity_at"], name="conv_inbox_activity_idx"
            ),
            models.Index(fields=["last_activity_at", "id"], name="conv_activity_idx"),
            models.Index(fields=["contact", "inbox", "status"], name="conv_contact_idx"),
            models.Index(fields=["team", "status"], name="conv_team_idx"),
            # List views sort by last activity; each common filter gets an index ending in it so
            # a page is an index walk, not a sort of every matching row.
            models.Index(fields=["assignee", "last_activity_at"], name="conv_assignee_activity_idx"),
            models.Index(fields=["status", "last_activity_at"], name="conv_status_activity_idx"),
            # The queue view (open and unassigned): without it SQLite took the routing index's two
            # equalities and sorted every unassigned open conversation (100 ms at 100k).
            models.Index(fields=["status", "assignee", "last_activity_at"], name="conv_stat_asg_activity_idx"),
            models.Index(fields=["language", "last_activity_at"], name="conv_language_activity_idx"),
            models.Index(fields=["team", "last_activity_at"], name="conv_team_activity_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="snoozed") | Q(snoozed_until__isnull=False),
                name="snoozed_needs_until",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"


class Direction(models.TextChoices):
    INCOMING = "incoming", "Incoming"
    OUTGOING = "outgoing", "Outgoing"
    ACTIVITY = "activity", "Activity"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    READ = "read", "Read"
    FAILED = "failed", "Failed"


class Message(BaseModel):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    # Denormalized from the conversation so the channel id is unique per inbox in the database.
    inbox = models.ForeignKey(Inbox, on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    private = models.BooleanField(default=False)  # an internal note
    author_agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=120, blank=True)  # "bot", "system"
    body = models.TextField(blank=True)
    source_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001 - NULL escapes the unique constraint
    delivery_status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.SENT
    )
    delivery_error = models.TextField(blank=True)
    # Kinds of secret removed before storage (the safety layer); never the secret itself.
    redactions = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="msg_thread_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["inbox", "source_id"],
                condition=Q(source_id__isnull=False),
                name="msg_source_id_unique_per_inbox",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.pk}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.created_at:%Y/%m}/{instance.pk}/{filename}"


class Attachment(BaseModel):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=300)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)  # sniffed from the content
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.filename
