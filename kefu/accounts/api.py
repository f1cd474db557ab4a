from __future__ import annotations

import uuid
from datetime import UTC, datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja import Status as Reply

from kefu.accounts.actions import (
    agent_create,
    agent_set_presence,
    token_get,
    token_issue,
    token_revoke,
)
from kefu.accounts.models import ApiToken, Presence, Role
from kefu.accounts.permissions import Perm, agent_can
from kefu.accounts.selectors import agents_active
from kefu.api import agent_of
from kefu.core.errors import PermissionDenied

router = Router(tags=["agents and teams"])


class TeamOut(Schema):
    id: uuid.UUID
    name: str
    slug: str
    description: str


class AgentOut(Schema):
    id: uuid.UUID
    email: str
    display_name: str
    role: Role
    languages: list[str]
    timezone: str
    support_id: str
    presence: Presence


class MeOut(AgentOut):
    teams: list[TeamOut]


@router.get("/agents/me", response=MeOut, summary="The authenticated agent")
def agent_me(request: HttpRequest) -> dict:
    agent = agent_of(request)
    return {**AgentOut.from_orm(agent).model_dump(), "teams": list(agent.teams.all())}


@router.get("/agents", response=list[AgentOut], summary="List active agents")
def agent_list(request: HttpRequest) -> list:
    agent_of(request)
    return list(agents_active().order_by("display_name")[:1000])


class AgentIn(Schema):
    email: str = Field(..., max_length=254)
    display_name: str = Field(..., min_length=1, max_length=120)
    role: Role = Role.AGENT
    languages: list[str] = Field(default_factory=lambda: ["en"], max_length=20)
    timezone: str = Field("UTC", max_length=64)
    password: str | None = Field(None, min_length=10, max_length=200)


@router.post("/agents", response={201: AgentOut}, summary="Create an agent (admins)")
def agent_add(request: HttpRequest, payload: AgentIn) -> Reply:
    if not agent_can(agent_of(request), Perm.AGENT_MANAGE):
        raise PermissionDenied("only admins create agents")
    agent = agent_create(
        email=payload.email,
        display_name=payload.display_name,
        role=str(payload.role),
        languages=payload.languages,
        timezone=payload.timezone,
        password=payload.password,
    )
    return Reply(201, agent)


class PresenceIn(Schema):
    presence: Presence


@router.post("/agents/me/presence", response=AgentOut, summary="Set your presence")
def agent_presence(request: HttpRequest, payload: PresenceIn) -> object:
    return agent_set_presence(agent=agent_of(request), presence=str(payload.presence))


@router.get("/teams", response=list[TeamOut], summary="List teams")
def team_list(request: HttpRequest) -> list:
    agent_of(request)
    from kefu.accounts.models import Team

    return list(Team.objects.order_by("name"))


class TokenOut(Schema):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(..., description="shown once; kefu stores only its hash")


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=80)
    expires_at: datetime | None = None


@router.get("/tokens", response=list[TokenOut], summary="Your API tokens")
def tokens_list(request: HttpRequest) -> list:
    return list(ApiToken.objects.filter(agent=agent_of(request)).order_by("-created_at"))


@router.post("/tokens", response={201: TokenCreated}, summary="Issue an API token for yourself")
def tokens_issue(request: HttpRequest, payload: TokenIn) -> Reply:
    expires_at = payload.expires_at
    if expires_at is not None:
        # In UTC (none given means UTC): +20:00 is valid ISO but not valid PostgreSQL.
        expires_at = (
            expires_at.astimezone(UTC) if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
        )
    token, clear = token_issue(agent=agent_of(request), name=payload.name, expires_at=expires_at)
    return Reply(201, {**TokenOut.from_orm(token).model_dump(), "token": clear})


@router.delete("/tokens/{token_id}", response=TokenOut, summary="Revoke one of your tokens")
def tokens_revoke(request: HttpRequest, token_id: uuid.UUID) -> object:
    return token_revoke(token=token_get(agent=agent_of(request), token_id=str(token_id)))
