from __future__ import annotations

from django.db import models
from django.db.models import Q

from kefu.conversations.models import Conversation
from kefu.core.models import BaseModel


class Calendar(BaseModel):
    """When the clock runs: 24/7, or weekly hours in a time zone minus public holidays.

    Also serves as an agent's shift (kefu.routing's RoutingProfile.shift).
    """

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    timezone = models.CharField(max_length=64, default="UTC")
    always_open = models.BooleanField(default=False)  # 24/7: weekly_hours are ignored
    # {"mon": [["09:00", "18:00"]], ...}; "24:00" closes at midnight.
    weekly_hours = models.JSONField(default=dict, blank=True)
    holiday_country = models.CharField(max_length=2, blank=True)  # ISO code, `holidays` package
    holiday_subdivision = models.CharField(max_length=8, blank=True)
    extra_holidays = models.JSONField(default=list, blank=True)  # ["2026-12-24", ...]

    def __str__(self) -> str:
        return self.name


class ClockKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_RESPONSE = "next_response", "Next response"
    RESOLUTION = "resolution", "Resolution"


class SlaPolicy(BaseModel):
    """Targets for the conversations its conditions match; the first match by position wins."""

    name = models.CharField(max_length=80, unique=True)
    position = models.PositiveIntegerField(default=100)
    active = models.BooleanField(default=True)
    # Empty list / None = any. {"priorities": [...], "min_vip_tier": 5, "channels": [...],
    # "topics": [...]}
    conditions = models.JSONField(default=dict, blank=True)
    calendar = models.ForeignKey(
        Calendar, null=True, blank=True, on_delete=models.PROTECT, related_name="policies"
    )  # None: 24/7
    first_response_seconds = models.PositiveIntegerField(null=True, blank=True)
    next_response_seconds = models.PositiveIntegerField(null=True, blank=True)
    resolution_seconds = models.PositiveIntegerField(null=True, blank=True)
    warn_share = models.FloatField(default=0.8)  # warn when this share of the target is used
    # Escalations: any of "raise_priority", "notify_supervisor", "reassign".
    on_warn = models.JSONField(default=list, blank=True)
    on_breach = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "SLA policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(warn_share__gt=0) & Q(warn_share__lt=1), name="sla_warn_share_0_1"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def target(self, kind: str) -> int | None:
        return getattr(self, f"{kind}_seconds")


class ClockState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"  # waiting on the customer
    MET = "met", "Met"
    BREACHED_STOPPED = "breached", "Stopped after breach"


class SlaClock(BaseModel):
    """One target on one conversation. Elapsed time is in the policy calendar's business time.

    While running, `elapsed_seconds` holds the time used before `running_since`; `due_at` and
    `warn_at` are the wall-clock moments the target and the warning share are reached if
    nothing pauses it. `next_check_at` is the earliest of those not yet acted on: the sweep
    reads only rows with next_check_at <= now through a partial index, never every open clock.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="sla_clocks"
    )
    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="clocks")
    kind = models.CharField(max_length=16, choices=ClockKind.choices)
    state = models.CharField(max_length=10, choices=ClockState.choices, default=ClockState.RUNNING)
    target_seconds = models.PositiveIntegerField()
    elapsed_seconds = models.FloatField(default=0)
    running_since = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_check_at"],
                condition=Q(next_check_at__isnull=False),
                name="sla_clock_due_idx",
            ),
            models.Index(fields=["conversation", "kind", "state"], name="sla_clock_conv_idx"),
        ]
        constraints = [
            # At most one live clock of a kind per conversation.
            models.UniqueConstraint(
                fields=["conversation", "kind"],
                condition=Q(state__in=["running", "paused"]),
                name="sla_one_live_clock_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.state} {self.conversation_id}"
