"""Announcements API.

Public (no authentication, CORS open, cached briefly): `GET /announcements/active` — what the
widget or help center shows now, for the exchange's own site or app to show too.

Admins and supervisors (token or session): list, create (publish or draft), read, change and
withdraw announcements. Every write goes through kefu.status.actions.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja import Status as Reply

from kefu.accounts.permissions import Perm, agent_can
from kefu.api import agent_of
from kefu.core.actors import Actor
from kefu.core.errors import NotFound, PermissionDenied, ValidationFailed
from kefu.core.events import AnnouncementText
from kefu.core.pagination import cursor_datetime, cursor_decode, cursor_encode
from kefu.knowledge.languages import lang_tag
from kefu.status import actions
from kefu.status.models import Announcement
from kefu.status.selectors import (
    CACHE_SECONDS,
    PUBLIC_SURFACES,
    announcement_status,
    announcements_active,
    announcements_list,
)

router = Router(tags=["announcements"])

Kind = Literal["phishing_wave", "maintenance", "security", "incident", "general"]
Level = Literal["info", "warning", "critical"]
SurfaceName = Literal["widget", "help_center", "console"]


# --- public ------------------------------------------------------------------------------------


class ActiveQuery(Schema):
    surface: Literal["widget", "help_center"] = Field(
        "widget", description="where it would show (console notices are not public)"
    )
    lang: str = Field("en", max_length=20, description="the reader's language; English when none")


class ActiveItem(Schema):
    id: uuid.UUID
    kind: Kind
    severity: Level
    title: str
    body: str
    language: str = Field(..., description="of title and body: the reader's, else the fallback")
    url: str = Field(..., description="an official link for details, or empty")
    starts_at: datetime
    ends_at: datetime | None


class ActiveOut(Schema):
    items: list[ActiveItem]


@router.get(
    "/active",
    response=ActiveOut,
    auth=None,
    summary="Announcements showing now on a public surface, in a language (public)",
)
def announcements_active_view(
    request: HttpRequest, response: HttpResponse, query: Query[ActiveQuery]
) -> dict[str, Any]:
    language = lang_tag(query.lang)
    if language is None:
        raise ValidationFailed(f"unknown language {query.lang!r}", field="lang")
    assert query.surface in PUBLIC_SURFACES
    items = announcements_active(surface=query.surface, language=language)
    # Cheap to serve many times: no query while the selector's cache is warm, and a CDN or the
    # browser may keep it as long.
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"
    return {"items": [dataclasses.asdict(a) for a in items]}


# --- management ----------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    agent = agent_of(request)
    if not agent_can(agent, Perm.ANNOUNCEMENT_MANAGE):
        raise PermissionDenied(f"your role ({agent.role}) may not manage announcements")
    return Actor.of_agent(agent)


class AgentRef(Schema):
    id: uuid.UUID
    display_name: str


class AnnouncementOut(Schema):
    id: uuid.UUID
    kind: Kind
    severity: Level
    surfaces: list[SurfaceName]
    translations: dict[str, AnnouncementText]
    url: str
    starts_at: datetime
    ends_at: datetime | None
    state: Literal["draft", "scheduled", "active", "ended", "withdrawn"]
    published: bool
    published_at: datetime | None
    withdrawn_at: datetime | None
    created_by: AgentRef | None
    created_at: datetime
    updated_at: datetime


class AnnouncementPage(Schema):
    items: list[AnnouncementOut]
    next_cursor: str | None


def _out(a: Announcement) -> dict[str, Any]:
    by = a.created_by
    return {
        "id": a.pk,
        "kind": a.kind,
        "severity": a.severity,
        "surfaces": a.surfaces,
        "translations": a.translations,
        "url": a.url,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "state": announcement_status(a),
        "published": a.published,
        "published_at": a.published_at,
        "withdrawn_at": a.withdrawn_at,
        "created_by": {"id": by.pk, "display_name": by.display_name} if by else None,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    }


def _get(announcement_id: uuid.UUID) -> Announcement:
    a = Announcement.objects.select_related("created_by").filter(pk=announcement_id).first()
    if a is None:
        raise NotFound("no such announcement")
    return a


class ListQuery(Schema):
    state: Literal["draft", "scheduled", "active", "ended", "withdrawn"] | None = None
    surface: SurfaceName | None = None
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


@router.get("", response=AnnouncementPage, summary="List announcements, newest first")
def announcement_list(request: HttpRequest, query: Query[ListQuery]) -> dict[str, Any]:
    _actor(request)
    qs = announcements_list(state=query.state, surface=query.surface)
    if query.cursor:
        at, pk = cursor_decode(query.cursor, size=2)
        moment = cursor_datetime(at)
        qs = qs.filter(created_at__lte=moment).exclude(created_at=moment, id__gte=pk)
    rows = list(qs[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return {
        "items": [_out(a) for a in rows],
        "next_cursor": cursor_encode(rows[-1].created_at, rows[-1].pk) if more else None,
    }


class AnnouncementIn(Schema):
    kind: Kind
    severity: Level = "info"
    surfaces: list[SurfaceName] = Field(..., min_length=1)
    translations: dict[str, AnnouncementText] = Field(
        ..., description='{"en": {"title", "body"}, "zh-Hans": {…}}; English required'
    )
    url: str = Field("", max_length=500, description="details on an official domain")
    starts_at: datetime | None = Field(None, description="default: now")
    ends_at: datetime | None = Field(None, description="default: until withdrawn")
    publish: bool = Field(True, description="false: save a draft")


@router.post(
    "", response={201: AnnouncementOut}, summary="Publish an announcement (or save a draft)"
)
def announcement_create(request: HttpRequest, payload: AnnouncementIn) -> Reply:
    a = actions.announcement_publish(
        actor=_actor(request),
        kind=payload.kind,
        severity=payload.severity,
        surfaces=list(payload.surfaces),
        translations={k: v.model_dump() for k, v in payload.translations.items()},
        url=payload.url,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        draft=not payload.publish,
    )
    return Reply(201, _out(_get(a.pk)))


@router.get("/{announcement_id}", response=AnnouncementOut, summary="An announcement")
def announcement_detail(request: HttpRequest, announcement_id: uuid.UUID) -> dict[str, Any]:
    _actor(request)
    return _out(_get(announcement_id))


class AnnouncementPatch(Schema):
    kind: Kind | None = None
    severity: Level | None = None
    surfaces: list[SurfaceName] | None = Field(None, min_length=1)
    translations: dict[str, AnnouncementText] | None = None
    url: str | None = Field(None, max_length=500)
    starts_at: datetime | None = None
    ends_at: datetime | None = Field(None, description="null (sent) clears the end")
    published: bool | None = Field(None, description="true publishes a draft; false withdraws")


@router.patch("/{announcement_id}", response=AnnouncementOut, summary="Change an announcement")
def announcement_patch(
    request: HttpRequest, announcement_id: uuid.UUID, payload: AnnouncementPatch
) -> dict[str, Any]:
    actor = _actor(request)
    fields = payload.model_dump(exclude_unset=True)
    for key in ("kind", "severity", "surfaces", "translations", "url", "published"):
        if key in fields and fields[key] is None:
            raise ValidationFailed(f"{key} cannot be null", field=key)
    a = actions.announcement_update(announcement=_get(announcement_id), actor=actor, **fields)
    return _out(_get(a.pk))


@router.post(
    "/{announcement_id}/withdraw",
    response=AnnouncementOut,
    summary="Stop showing an announcement everywhere, now",
)
def announcement_withdraw(request: HttpRequest, announcement_id: uuid.UUID) -> dict[str, Any]:
    a = actions.announcement_withdraw(announcement=_get(announcement_id), actor=_actor(request))
    return _out(_get(a.pk))
