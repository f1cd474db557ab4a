"""SLA API: policies, calendars, a conversation's clocks, and service metrics."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema

from kefu.accounts.permissions import Perm, agent_can
from kefu.api import agent_of
from kefu.conversations.selectors import access_conversation
from kefu.core.clock import now
from kefu.core.errors import PermissionDenied, ValidationFailed
from kefu.routing.api import ClockOut
from kefu.sla import metrics
from kefu.sla.models import Calendar, SlaPolicy
from kefu.sla.selectors import clocks_of

router = Router(tags=["sla"])


@router.get(
    "/conversations/{conversation_id}/clocks",
    response=list[ClockOut],
    summary="A conversation's SLA clocks, running ones first",
)
def get_clocks(request: HttpRequest, conversation_id: uuid.UUID) -> list[dict[str, Any]]:
    c = access_conversation(agent=agent_of(request), conversation_id=conversation_id)
    return clocks_of(c)


class PolicyOut(Schema):
    id: uuid.UUID
    name: str
    position: int
    active: bool
    conditions: dict[str, Any]
    calendar: str | None
    first_response_seconds: int | None
    next_response_seconds: int | None
    resolution_seconds: int | None
    warn_share: float
    on_warn: list[str]
    on_breach: list[str]


@router.get("/policies", response=list[PolicyOut], summary="SLA policies in match order")
def list_policies(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            **{f: getattr(p, f) for f in PolicyOut.model_fields if f not in ("calendar",)},
            "id": p.pk,
            "calendar": p.calendar.name if p.calendar else None,
        }
        for p in SlaPolicy.objects.select_related("calendar")
    ]


class CalendarOut(Schema):
    id: uuid.UUID
    name: str
    timezone: str
    always_open: bool
    weekly_hours: dict[str, list[list[str]]]
    holiday_country: str
    holiday_subdivision: str
    extra_holidays: list[str]


@router.get("/calendars", response=list[CalendarOut], summary="Business-hours calendars")
def list_calendars(request: HttpRequest) -> list[Calendar]:
    return list(Calendar.objects.order_by("name"))


def _reports(request: HttpRequest) -> None:
    if not agent_can(agent_of(request), Perm.REPORT_VIEW):
        raise PermissionDenied("reports are for supervisors, analysts and admins")


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _window(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    # In UTC (no offset given means UTC): a valid ISO offset such as +20:00 is more than
    # PostgreSQL accepts.
    since, until = _utc(since), _utc(until)
    until = until or now()
    since = since or until - timedelta(days=7)
    if since >= until:
        raise ValidationFailed("since must be before until", field="since")
    if until - since > timedelta(days=366):
        raise ValidationFailed("a window is at most a year", field="since")
    return since, until


class Stats(Schema):
    count: int
    mean: float | None
    p50: float | None
    p90: float | None


class ResponseTimesOut(Schema):
    group: str | None
    first_response: Stats
    resolution: Stats


@router.get(
    "/metrics/response-times",
    response=list[ResponseTimesOut],
    summary="First response and resolution times (seconds) of conversations opened in a window",
)
def response_times(
    request: HttpRequest,
    since: datetime | None = None,
    until: datetime | None = None,
    group_by: Literal["team", "agent", "channel"] | None = None,
) -> list[dict[str, Any]]:
    _reports(request)
    a, b = _window(since, until)
    return [
        {**r, "group": None if r["group"] is None else str(r["group"])}
        for r in metrics.response_times(since=a, until=b, group_by=group_by)
    ]


class AttainmentOut(Schema):
    group: str | None
    kind: str
    met: int
    breached: int
    attainment: float | None


@router.get(
    "/metrics/attainment",
    response=list[AttainmentOut],
    summary="SLA attainment per policy, team, agent or channel",
)
def attainment(
    request: HttpRequest,
    since: datetime | None = None,
    until: datetime | None = None,
    group_by: Literal["policy", "team", "agent", "channel"] = "policy",
) -> list[dict[str, Any]]:
    _reports(request)
    a, b = _window(since, until)
    return [
        {**r, "group": None if r["group"] is None else str(r["group"])}
        for r in metrics.sla_attainment(since=a, until=b, group_by=group_by)
    ]


class BacklogOut(Schema):
    by_status: dict[str, int]
    waiting_by_age: dict[str, int]
    unassigned: int
    oldest_waiting_seconds: float | None
    breached_open: int
    groups: dict[str, int]


@router.get("/metrics/backlog", response=BacklogOut, summary="Open work now, by status and age")
def backlog(
    request: HttpRequest, group_by: Literal["team", "agent", "channel"] | None = None
) -> dict[str, Any]:
    _reports(request)
    return metrics.backlog(group_by=group_by)
