"""Routing API: a conversation's priority, queue position and ETA; queues, picks, escalation."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from kefu.accounts.models import Agent
from kefu.accounts.permissions import Perm, agent_can
from kefu.api import agent_of
from kefu.conversations.selectors import access_conversation, conversation_state
from kefu.core.actors import Actor
from kefu.core.errors import NotFound, PermissionDenied
from kefu.core.events import ConversationState
from kefu.routing import actions
from kefu.routing.models import Queue, RoutingProfile
from kefu.routing.selectors import (
    access_queue,
    queue_estimate,
    queue_waiting,
    queues_of,
    routing_of,
    routing_state,
)

router = Router(tags=["routing"])


class Reason(Schema):
    label: str
    points: float


class Estimate(Schema):
    queue: str | None
    position: int | None = Field(description="1 = next; null when not waiting in a queue")
    ahead: int
    agents_available: int
    average_handle_seconds: float
    eta_seconds: float | None


class ClockOut(Schema):
    id: uuid.UUID
    kind: str
    policy: str
    state: str
    target_seconds: int
    elapsed_seconds: float
    remaining_seconds: float
    due_at: datetime | None
    warned_at: datetime | None
    breached_at: datetime | None
    stopped_at: datetime | None


class RoutingOut(Schema):
    conversation_id: uuid.UUID
    score: float | None = Field(description="priority score now, waiting time included")
    explanation: str = Field(description='why, e.g. "VIP 7, anger, withdrawal stuck 3 h"')
    reasons: list[Reason] = []
    queue: str | None
    tier: str | None
    waiting: bool = False
    assigned_at: datetime | None = None
    note: str = Field("", description="why it is where it is (fallbacks, escalations)")
    estimate: Estimate
    clocks: list[ClockOut]


def _routing_out(conversation: Any) -> dict[str, Any]:
    from kefu.sla.selectors import clocks_of

    state = routing_state(routing_of(conversation), conversation)
    return {
        "conversation_id": conversation.pk,
        **{k: v for k, v in state.items() if k != "reasons"},
        "reasons": state.get("reasons") or [],
        "estimate": queue_estimate(conversation).__dict__,
        "clocks": clocks_of(conversation),
    }


@router.get(
    "/conversations/{conversation_id}",
    response=RoutingOut,
    summary="A conversation's priority, queue, position, ETA and SLA clocks",
)
def get_routing(request: HttpRequest, conversation_id: uuid.UUID) -> dict[str, Any]:
    c = access_conversation(agent=agent_of(request), conversation_id=conversation_id)
    return _routing_out(c)


@router.get(
    "/conversations/{conversation_id}/position",
    response=Estimate,
    summary="Queue position and estimated wait (for the widget and auto-replies)",
)
def get_position(request: HttpRequest, conversation_id: uuid.UUID) -> dict[str, Any]:
    c = access_conversation(agent=agent_of(request), conversation_id=conversation_id)
    return queue_estimate(c).__dict__


class EscalateIn(Schema):
    note: str = Field(..., min_length=1, max_length=2000, description="the transfer note")
    queue_id: uuid.UUID | None = Field(None, description="a named queue; default: the next tier")


@router.post(
    "/conversations/{conversation_id}/escalate",
    response=RoutingOut,
    summary="Escalate to the next tier (L1 → L2 → department) or a named queue",
)
def escalate(
    request: HttpRequest, conversation_id: uuid.UUID, payload: EscalateIn
) -> dict[str, Any]:
    agent = agent_of(request)
    c = access_conversation(agent=agent, conversation_id=conversation_id)
    queue = None
    if payload.queue_id is not None:
        queue = (
            Queue.objects.filter(pk=payload.queue_id, active=True).select_related("team").first()
        )
        if queue is None:
            raise NotFound("no such queue")
    actions.conversation_escalate(
        conversation=c, actor=Actor.of_agent(agent), note=payload.note, queue=queue
    )
    c.refresh_from_db()
    return _routing_out(c)


class QueueOut(Schema):
    id: uuid.UUID
    name: str
    team: str
    tier: str
    topics: list[str]
    languages: list[str]
    waiting: int
    fallback_id: uuid.UUID | None


@router.get("/queues", response=list[QueueOut], summary="Queues you serve, with waiting counts")
def list_queues(request: HttpRequest) -> list[dict[str, Any]]:
    from django.db.models import Count, Q

    qs = queues_of(agent_of(request)).annotate(n=Count("entries", filter=Q(entries__waiting=True)))
    return [
        {
            "id": q.pk,
            "name": q.name,
            "team": q.team.name,
            "tier": q.tier,
            "topics": q.topics,
            "languages": q.languages,
            "waiting": q.n,
            "fallback_id": q.fallback_id,
        }
        for q in qs
    ]


class WaitingOut(Schema):
    conversation: ConversationState
    score: float | None
    explanation: str


@router.get(
    "/queues/{queue_id}/conversations",
    response=list[WaitingOut],
    summary="Waiting conversations of a queue, most urgent first",
)
def queue_conversations(
    request: HttpRequest, queue_id: uuid.UUID, limit: int = 50
) -> list[dict[str, Any]]:
    q = access_queue(agent=agent_of(request), queue_id=queue_id)
    out = []
    for r in queue_waiting(q)[: max(1, min(limit, 200))]:
        state = routing_state(r, r.conversation)
        out.append(
            {
                "conversation": conversation_state(r.conversation),
                "score": state["score"],
                "explanation": state["explanation"],
            }
        )
    return out


@router.post(
    "/queues/{queue_id}/pick",
    response=ConversationState,
    summary="Take the most urgent waiting conversation of a queue",
)
def pick(request: HttpRequest, queue_id: uuid.UUID) -> Any:
    agent = agent_of(request)
    q = access_queue(agent=agent, queue_id=queue_id)
    return conversation_state(actions.queue_pick(agent=agent, queue=q))


class ProfileOut(Schema):
    agent_id: uuid.UUID
    skills: list[str]
    languages: list[str]
    capacity: dict[str, int]
    tier: str
    auto_assign: bool
    shift_calendar_id: uuid.UUID | None
    last_assigned_at: datetime | None


class ProfileIn(Schema):
    skills: list[str] | None = None
    capacity: dict[str, int] | None = None
    tier: str | None = None
    auto_assign: bool | None = None


def _profile_out(agent: Agent, p: RoutingProfile | None) -> dict[str, Any]:
    from kefu.routing.selectors import DEFAULT_CAPACITY

    return {
        "agent_id": agent.pk,
        "skills": p.skills if p else [],
        "languages": agent.languages,
        "capacity": {**DEFAULT_CAPACITY, **(p.capacity if p else {})},
        "tier": p.tier if p else "l1",
        "auto_assign": p.auto_assign if p else False,
        "shift_calendar_id": p.shift_id if p else None,
        "last_assigned_at": p.last_assigned_at if p else None,
    }


def _agent(request: HttpRequest, agent_id: str) -> Agent:
    me = agent_of(request)
    if agent_id == "me":
        return me
    try:
        other = Agent.objects.filter(pk=uuid.UUID(agent_id)).first()
    except ValueError:
        other = None
    if other is None:
        raise NotFound("no such agent")
    if (
        other != me
        and not agent_can(me, Perm.CONVERSATION_VIEW_ALL)
        and not agent_can(me, Perm.REPORT_VIEW)
    ):
        raise PermissionDenied("you may only see your own routing profile")
    return other


@router.get("/agents/{agent_id}/profile", response=ProfileOut, summary="An agent's routing profile")
def get_profile(request: HttpRequest, agent_id: str) -> dict[str, Any]:
    agent = _agent(request, agent_id)
    return _profile_out(agent, RoutingProfile.objects.filter(agent=agent).first())


@router.patch(
    "/agents/{agent_id}/profile", response=ProfileOut, summary="Change skills, capacity, tier"
)
def set_profile(request: HttpRequest, agent_id: str, payload: ProfileIn) -> dict[str, Any]:
    agent = _agent(request, agent_id)
    me = agent_of(request)
    if not agent_can(me, Perm.AGENT_MANAGE):
        raise PermissionDenied("only admins change routing profiles")
    p = actions.routing_profile_set(
        agent=agent,
        actor=Actor.of_agent(me),
        skills=payload.skills,
        capacity=payload.capacity,
        tier=payload.tier,
        auto_assign=payload.auto_assign,
    )
    return _profile_out(agent, p)
