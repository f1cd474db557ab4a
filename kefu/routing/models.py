from __future__ import annotations

from django.db import models
from django.db.models import Q

from kefu.accounts.models import Agent, Team
from kefu.conversations.models import Conversation
from kefu.core.models import BaseModel


class Tier(models.TextChoices):
    L1 = "l1", "L1"
    L2 = "l2", "L2"
    DEPARTMENT = "department", "Department"


class RoutingProfile(BaseModel):
    """How an agent takes work: skills, capacity per channel kind, tier and shift."""

    agent = models.OneToOneField(Agent, on_delete=models.CASCADE, related_name="routing_profile")
    skills = models.JSONField(default=list, blank=True)  # topic slugs; empty = generalist
    # {"chat": 4, "ticket": 20}: open conversations at once per channel kind.
    capacity = models.JSONField(default=dict, blank=True)
    tier = models.CharField(max_length=12, choices=Tier.choices, default=Tier.L1)
    auto_assign = models.BooleanField(default=True)
    # The agent's working hours (an sla Calendar); None = whenever they are online.
    shift = models.ForeignKey(
        "sla.Calendar", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Tie-break for equal spare capacity: the longest idle agent gets the next one.
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"routing profile of {self.agent_id}"


class AgentLoad(BaseModel):
    """How many open and pending conversations an agent holds, per channel kind.

    Choosing an agent reads these rows instead of counting every candidate's conversations.
    The conversation actions keep them in step in the transaction of each change of assignee
    or status (`routing.actions.agent_load_track`). They are an estimate all the same: the
    slot is taken under the profile lock with a fresh count (`_slot_free`), so a drifted row
    costs a retry, never an agent over capacity; `agent_loads_repair` corrects drift.
    """

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=8)  # "chat" or "ticket" (selectors.channel_kind)
    held = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # Also the index of every read and write (agent first, then kind).
            models.UniqueConstraint(fields=["agent", "kind"], name="routing_agent_load_once")
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} holds {self.held} {self.kind}"


class Queue(BaseModel):
    """Where waiting conversations line up: per team, topic and language.

    A conversation joins the first active queue (by position) whose topics and languages match
    (an empty list matches anything). When nobody in the queue can take it, routing tries the
    fallback queue and says so on the conversation.
    """

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="queues")
    tier = models.CharField(max_length=12, choices=Tier.choices, default=Tier.L1)
    topics = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=100)
    fallback = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class ConversationRouting(BaseModel):
    """Routing's view of one conversation: its priority score, queue and assignment history.

    `urgency_key` orders a queue. The score grows linearly with waiting time, so
    score(now) = base + rate·(now − waiting_since) = rate·now + (base − rate·waiting_since):
    sorting by `base − rate·waiting_since` gives the same order at every moment, and the key
    only changes when the base score or waiting_since does — no periodic re-scoring.
    """

    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="routing", primary_key=False
    )
    base_score = models.FloatField(default=0)  # without waiting time
    reasons = models.JSONField(default=list, blank=True)  # [{"label": ..., "points": ...}]
    urgency_key = models.FloatField(default=0)
    queue = models.ForeignKey(
        Queue, null=True, blank=True, on_delete=models.SET_NULL, related_name="entries"
    )
    tier = models.CharField(max_length=12, choices=Tier.choices, default=Tier.L1)
    escalated = models.BooleanField(default=False)  # placed by hand: re-scoring keeps the queue
    # Denormalized from the conversation so the queue is one index walk.
    waiting = models.BooleanField(default=False)  # open, unassigned, customer waiting
    waiting_since = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    # Who assigned_at refers to: a manual reassignment restarts the "did not answer" timer.
    assigned_to = models.UUIDField(null=True, blank=True)
    assignments = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)  # why it is where it is (fallbacks)

    class Meta:
        indexes = [
            models.Index(
                fields=["queue", "-urgency_key"],
                condition=Q(waiting=True),
                name="routing_queue_order_idx",
            ),
            models.Index(
                fields=["assigned_at"],
                condition=Q(assigned_at__isnull=False),
                name="routing_assigned_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"routing of {self.conversation_id}"
