from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kefu.accounts.permissions import Perm, agent_can
from kefu.api import agent_of
from kefu.contacts.actions import contact_merge, contact_merge_revert, contact_update
from kefu.contacts.models import Contact
from kefu.contacts.selectors import access_contact, contacts_visible_to
from kefu.core.actors import Actor
from kefu.core.errors import NotFound, PermissionDenied, ValidationFailed
from kefu.core.models import AuditRecord
from kefu.core.pagination import cursor_decode, cursor_encode
from kefu.safety.actions import contact_view_audit

router = Router(tags=["contacts"])


class IdentityOut(Schema):
    id: uuid.UUID
    inbox_id: uuid.UUID
    external_id: str
    verified: bool


class ContactOut(Schema):
    id: uuid.UUID
    name: str
    email: str
    emails: list[str]
    phone: str
    preferred_language: str
    timezone: str
    exchange_uid: str | None
    vip_tier: int
    kyc_level: int
    country: str
    custom_attributes: dict[str, Any]
    identities: list[IdentityOut]
    created_at: datetime


def _out(contact: Contact) -> dict[str, Any]:
    data = {
        f: getattr(contact, f) for f in ContactOut.model_fields if f not in {"emails", "identities"}
    }
    data["emails"] = [e.email for e in contact.emails.all()]
    data["identities"] = list(contact.identities.all())
    return data


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None


class ContactFilters(Schema):
    q: str | None = Field(None, max_length=200)
    exchange_uid: str | None = Field(None, max_length=64)
    email: str | None = Field(None, max_length=254)
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(25, ge=1, le=100)


@router.get("", response=ContactPage, summary="Search contacts")
def contact_list(request: HttpRequest, filters: Query[ContactFilters]) -> dict[str, Any]:
    qs = contacts_visible_to(agent_of(request)).prefetch_related("emails", "identities")
    if filters.q:
        qs = qs.filter(
            Q(name__icontains=filters.q)
            | Q(email__icontains=filters.q)
            | Q(phone__icontains=filters.q)
        )
    if filters.exchange_uid:
        qs = qs.filter(exchange_uid=filters.exchange_uid)
    if filters.email:
        qs = qs.filter(emails__email=filters.email.strip().lower())
    if filters.cursor:
        (last,) = cursor_decode(filters.cursor, size=1)
        try:
            qs = qs.filter(id__lt=uuid.UUID(last))
        except ValueError:
            raise ValidationFailed("cursor is not one this API returned", field="cursor") from None
    rows = list(qs.order_by("-id")[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {
        "items": [_out(c) for c in rows],
        "next_cursor": cursor_encode(rows[-1].pk) if more else None,
    }


@router.get("/{contact_id}", response=ContactOut, summary="Get a contact")
def contact_get(request: HttpRequest, contact_id: uuid.UUID) -> dict[str, Any]:
    agent = agent_of(request)
    contact = access_contact(agent=agent, contact_id=contact_id)
    contact_view_audit(agent=agent, contact=contact, via="api")
    return _out(contact)


class ContactPatch(Schema):
    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=32)
    preferred_language: str | None = Field(None, max_length=16)
    timezone: str | None = Field(None, max_length=64)
    vip_tier: int | None = Field(None, ge=0, le=9)
    kyc_level: int | None = Field(None, ge=0, le=3)
    country: str | None = Field(None, min_length=2, max_length=2)
    custom_attributes: dict[str, Any] | None = None


@router.patch("/{contact_id}", response=ContactOut, summary="Update a contact's profile")
def contact_patch(
    request: HttpRequest, contact_id: uuid.UUID, payload: ContactPatch
) -> dict[str, Any]:
    agent = agent_of(request)
    if not agent_can(agent, Perm.CONTACT_EDIT):
        raise PermissionDenied("your role may not edit contacts")
    contact = access_contact(agent=agent, contact_id=contact_id)
    contact = contact_update(
        contact=contact,
        actor=Actor.of_agent(agent),
        **payload.model_dump(exclude_unset=True, exclude_none=True),
    )
    return _out(contact)


class MergeIn(Schema):
    secondary_id: uuid.UUID = Field(..., description="the contact folded into this one")


class MergeOut(Schema):
    audit_id: uuid.UUID
    contact: ContactOut


@router.post(
    "/{contact_id}/merge", response=MergeOut, summary="Merge another contact into this one"
)
def contact_merge_endpoint(
    request: HttpRequest, contact_id: uuid.UUID, payload: MergeIn
) -> dict[str, Any]:
    agent = agent_of(request)
    if not agent_can(agent, Perm.CONTACT_MERGE):
        raise PermissionDenied("your role may not merge contacts")
    primary = access_contact(agent=agent, contact_id=contact_id)
    secondary = access_contact(agent=agent, contact_id=payload.secondary_id)
    audit = contact_merge(primary=primary, secondary=secondary, actor=Actor.of_agent(agent))
    return {"audit_id": audit.pk, "contact": _out(Contact.objects.get(pk=primary.pk))}


@router.post("/merges/{audit_id}/revert", response=list[ContactOut], summary="Undo a merge")
def contact_merge_revert_endpoint(
    request: HttpRequest, audit_id: uuid.UUID
) -> list[dict[str, Any]]:
    agent = agent_of(request)
    if not agent_can(agent, Perm.CONTACT_MERGE):
        raise PermissionDenied("your role may not merge contacts")
    audit = AuditRecord.objects.filter(pk=audit_id, action="contact.merge").first()
    if audit is None:
        raise NotFound("no such merge")
    access_contact(agent=agent, contact_id=audit.data["primary"])
    primary, secondary = contact_merge_revert(audit=audit, actor=Actor.of_agent(agent))
    return [_out(primary), _out(secondary)]
