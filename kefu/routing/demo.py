"""Routing and SLA set-up of the demo exchange: skills, capacities, queues, calendars, policies.

Called by kefu.exchange.demo after the demo conversations exist. It scores the open ones and
starts their SLA clocks; assignment itself is left to the router (events and sweep), so the
demo shows conversations being routed as they would be in production.
"""

from __future__ import annotations

from typing import Any

from kefu.conversations.models import Conversation, Status
from kefu.core.actors import Actor
from kefu.routing.actions import conversation_prioritize, queue_create, routing_profile_set
from kefu.routing.models import Tier
from kefu.sla.actions import calendar_create, sla_clocks_sync, sla_policy_create

MIN = 60
HOUR = 3600


def routing_demo_seed(world: Any) -> None:
    system = Actor.system("demo")
    a, t = world.agents, world.teams
    always = calendar_create(name="24/7", actor=system, always_open=True)
    office = calendar_create(
        name="Singapore office hours",
        actor=system,
        timezone="Asia/Singapore",
        weekly_hours={d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        holiday_country="SG",
    )
    profiles = {
        # agent: skills, capacity, tier
        "mei": ([], {"chat": 4, "ticket": 20}, Tier.L1),
        "sam": (["deposits", "withdrawals", "fees-vip"], {"chat": 3, "ticket": 20}, Tier.L1),
        "lucia": ([], {"chat": 4, "ticket": 15}, Tier.L1),
        "priya": (["trading", "fees-vip", "account"], {"chat": 2, "ticket": 10}, Tier.L2),
        "dmitri": (["security", "account"], {"chat": 3, "ticket": 10}, Tier.DEPARTMENT),
    }
    for key, (skills, capacity, tier) in profiles.items():
        routing_profile_set(
            agent=a[key], actor=system, skills=skills, capacity=capacity, tier=tier, shift=always
        )
    english = queue_create(name="L1 English", team=t["l1"], actor=system, position=90)
    queue_create(
        name="L1 Chinese",
        team=t["l1"],
        actor=system,
        languages=["zh-Hans", "zh-Hant"],
        position=20,
        fallback=english,
    )
    queue_create(
        name="L1 Spanish & Portuguese",
        team=t["l1"],
        actor=system,
        languages=["es", "pt"],
        position=30,
        fallback=english,
    )
    queue_create(name="L2 Specialists", team=t["vip"], actor=system, tier=Tier.L2, position=50)
    queue_create(
        name="Security department",
        team=t["security"],
        actor=system,
        tier=Tier.DEPARTMENT,
        topics=["security"],
        position=10,
    )
    sla_policy_create(
        name="VIP 5+",
        actor=system,
        position=10,
        conditions={"min_vip_tier": 5},
        calendar=always,
        first_response_seconds=5 * MIN,
        next_response_seconds=10 * MIN,
        resolution_seconds=4 * HOUR,
        on_warn=["notify_supervisor"],
        on_breach=["raise_priority", "notify_supervisor", "reassign"],
    )
    sla_policy_create(
        name="Security",
        actor=system,
        position=20,
        conditions={"topics": ["security"]},
        calendar=always,
        first_response_seconds=10 * MIN,
        next_response_seconds=15 * MIN,
        resolution_seconds=8 * HOUR,
        on_warn=["notify_supervisor"],
        on_breach=["raise_priority", "notify_supervisor"],
    )
    sla_policy_create(
        name="Live chat",
        actor=system,
        position=50,
        conditions={"channels": ["web_widget", "api", "telegram", "facebook", "x", "voice"]},
        calendar=always,
        first_response_seconds=15 * MIN,
        next_response_seconds=30 * MIN,
        resolution_seconds=24 * HOUR,
        on_breach=["notify_supervisor", "reassign"],
    )
    sla_policy_create(
        name="Email (office hours)",
        actor=system,
        position=90,
        calendar=office,
        first_response_seconds=4 * HOUR,
        next_response_seconds=8 * HOUR,
        resolution_seconds=3 * 9 * HOUR,
        on_breach=["notify_supervisor"],
    )
    for c in Conversation.objects.exclude(status=Status.CLOSED).order_by("created_at"):
        conversation_prioritize(conversation=c)
        sla_clocks_sync(conversation=c, event="opened", moment=c.created_at)
        if c.first_response_at is not None:
            sla_clocks_sync(conversation=c, event="agent_replied", moment=c.first_response_at)
