"""Outbound webhooks: endpoints that receive events as signed JSON POSTs, and the delivery log.

See docs/webhooks.md (for integrators) and kefu/automation/actions.py (how delivery works).
"""

from __future__ import annotations

from datetime import datetime

from django.db import models

from kefu.core.models import BaseModel

ALL_EVENTS = "*"


class WebhookEndpoint(BaseModel):
    """An outside URL subscribed to some event types."""

    name = models.CharField(max_length=120)
    url = models.CharField(max_length=2000)  # checked by transport.url_clean on every write
    # Names from the event registry (kefu/core/events.py), or ["*"] for every event.
    event_types = models.JSONField(default=list)
    # HMAC key of X-Kefu-Signature, sealed with kefu.safety.crypto; shown in clear only when
    # created or rotated. While a rotation settles, requests are signed with both.
    secret_sealed = models.TextField()
    previous_secret_sealed = models.TextField(blank=True, default="")
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    # Deliveries in a row that failed every retry; any delivered one resets it.
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_reason = models.CharField(max_length=500, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def subscribes_to(self, event_type: str) -> bool:
        return ALL_EVENTS in self.event_types or event_type in self.event_types

    def signing_secrets(self, *, at: datetime) -> list[str]:
        """Clear secrets to sign with: the current one, then the previous one until it expires.
        Raises SecretUnavailable when no configured key opens them."""
        from kefu.safety.crypto import secret_open

        what = f"the secret of webhook {self.name}"
        keys = [secret_open(self.secret_sealed, what=what)]
        if (
            self.previous_secret_sealed
            and self.previous_secret_until
            and at < self.previous_secret_until
        ):
            keys.append(secret_open(self.previous_secret_sealed, what=what))
        return keys


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(BaseModel):
    """One event for one endpoint, with its attempts. Ids are time-ordered (uuid7)."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=64)
    # The request body as sent: {"id", "type", "created_at", "data"}.
    payload = models.JSONField()
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    # Pending: when the next attempt is due. An attempt in flight holds a lease.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # The delivery this one repeats (a manual redelivery). A plain id, not a foreign key: the
    # original may be pruned first, and this row must stay marked as a copy.
    redelivery_of = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            # The sweep: pending deliveries whose attempt is overdue.
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            # An endpoint's log, newest first (ids are time-ordered).
            models.Index(fields=["endpoint", "-id"], name="webhook_delivery_log_idx"),
        ]
        constraints = [
            # An event reaches an endpoint once; redeliveries are explicit copies.
            models.UniqueConstraint(
                fields=["endpoint", "event_id"],
                condition=models.Q(redelivery_of__isnull=True),
                name="webhook_delivery_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} -> {self.endpoint_id} ({self.status})"
