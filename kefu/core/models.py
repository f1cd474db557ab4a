from __future__ import annotations

from django.db import models

from kefu.core.clock import now
from kefu.core.ids import uuid7


class BaseModel(models.Model):
    """Every kefu table: an opaque time-ordered id and UTC timestamps."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    created_at = models.DateTimeField(default=now, db_index=True, editable=False)
    updated_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        abstract = True

    def touch_fields(self, *fields: str) -> list[str]:
        """Set updated_at and return the field list for save(update_fields=...)."""
        self.updated_at = now()
        return [*fields, "updated_at"]


class Counter(models.Model):
    """Named monotonically increasing counters (conversation numbers, agent support ids)."""

    key = models.CharField(max_length=64, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class EventStream(models.Model):
    """One subscriber stream (a conversation for the widget, an inbox for consoles).

    last_seq is taken with UPDATE ... RETURNING inside the writing transaction: the row lock
    makes sequence order equal commit order, so a reader that has seen seq N has seen all < N.
    """

    key = models.CharField(max_length=80, primary_key=True)
    last_seq = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}@{self.last_seq}"


class EventLogEntry(models.Model):
    """An event as delivered on one stream: what a reconnecting client replays."""

    id = models.BigAutoField(primary_key=True)
    stream = models.CharField(max_length=80)
    seq = models.BigIntegerField()
    type = models.CharField(max_length=64)
    payload = models.JSONField()
    event_id = models.UUIDField()
    created_at = models.DateTimeField(default=now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stream", "seq"], name="event_log_stream_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.stream}#{self.seq} {self.type}"


class AuditRecord(BaseModel):
    """Who did what to which object, with enough data to undo it where undo exists."""

    actor_type = models.CharField(max_length=16)  # agent / system / contact / api
    actor_id = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, db_index=True)
    data = models.JSONField(default=dict)
    reverted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"


class PendingDispatch(models.Model):
    """An event its deferred subscribers (routing, SLA, bot) have not handled yet: the outbox
    of kefu/core/dispatch.py. Written in the emitting transaction, deleted when claimed."""

    id = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField()
    type = models.CharField(max_length=64)
    conversation_key = models.CharField(max_length=64, blank=True)
    payload = models.JSONField()
    occurred_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
