"""`GET /api/v1/verify?kind=&value=`: the /verify/ check for apps, bots and browser extensions.

Public (no auth): it answers only what the public page answers.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from kefu.accounts.models import Agent
from kefu.accounts.permissions import Perm, agent_can
from kefu.api import agent_of
from kefu.contacts.models import Contact
from kefu.core.actors import Actor
from kefu.core.errors import NotFound, PermissionDenied
from kefu.safety.actions import anti_phishing_code_set
from kefu.safety.privacy import contact_erase, contact_export
from kefu.safety.selectors import channel_verify

router = Router(tags=["verify"])


class VerifyQuery(Schema):
    kind: str = Field(..., description="website, email, telegram, x, phone or agent")
    value: str = Field(..., max_length=255)


class VerifyOut(Schema):
    kind: str
    value: str = Field(description="what was checked, normalized")
    official: bool
    label: str = Field("", description="what the official channel is, or the agent's name")
    lookalike_of: str | None = Field(None, description="the official domain this imitates")
    reasons: list[str] = Field(default_factory=list)


@router.get("/verify", response=VerifyOut, auth=None, summary="Is this channel official?")
def verify(request, query: Query[VerifyQuery]) -> VerifyOut:  # type: ignore[no-untyped-def]
    r = channel_verify(kind=query.kind, value=query.value)
    return VerifyOut(
        kind=r.kind,
        value=r.value,
        official=r.official,
        label=r.label,
        lookalike_of=r.lookalike_of,
        reasons=r.reasons,
    )


# --- contact privacy and anti-phishing codes (admins / the exchange's integration token) ------


def _contact_for(request: HttpRequest, contact_id: uuid.UUID, perm: Perm) -> tuple[Agent, Contact]:
    agent = agent_of(request)
    if not agent_can(agent, perm):
        raise PermissionDenied(f"your role ({agent.role}) may not do this")
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        raise NotFound("no such contact")
    return agent, contact


@router.get(
    "/contacts/{contact_id}/export",
    response=dict[str, Any],
    summary="Everything kefu holds about a contact, as JSON (GDPR access / portability)",
)
def contact_export_view(request: HttpRequest, contact_id: uuid.UUID) -> dict[str, Any]:
    agent, contact = _contact_for(request, contact_id, Perm.CONTACT_PRIVACY)
    return contact_export(contact=contact, actor=Actor.of_agent(agent))


class EraseIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300, description="request reference")


@router.post(
    "/contacts/{contact_id}/erase",
    response=dict[str, int],
    summary="Erase a contact's personal data (GDPR erasure); the support record stays",
)
def contact_erase_view(
    request: HttpRequest, contact_id: uuid.UUID, payload: EraseIn
) -> dict[str, int]:
    agent, contact = _contact_for(request, contact_id, Perm.CONTACT_PRIVACY)
    return contact_erase(contact=contact, actor=Actor.of_agent(agent), reason=payload.reason)


class CodeIn(Schema):
    code: str = Field(..., max_length=32)
    source: str = Field("exchange", description="exchange or customer")


class CodeOut(Schema):
    source: str
    updated_at: datetime


@router.put(
    "/contacts/{contact_id}/anti-phishing-code",
    response=CodeOut,
    summary="Set a customer's anti-phishing code (the code is never returned)",
)
def anti_phishing_code_put(request: HttpRequest, contact_id: uuid.UUID, payload: CodeIn) -> Any:
    agent, contact = _contact_for(request, contact_id, Perm.SAFETY_MANAGE)
    return anti_phishing_code_set(
        contact=contact, code=payload.code, source=payload.source, actor=Actor.of_agent(agent)
    )
