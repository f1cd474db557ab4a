"""Outbound webhooks API (admins): endpoints, secrets, test events, the delivery log.

How receivers verify what kefu sends: docs/webhooks.md.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja import Status as Reply

from kefu.api import agent_of
from kefu.automation import actions
from kefu.automation.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from kefu.automation.selectors import (
    access_webhook_delivery,
    access_webhook_endpoint,
    webhook_deliveries_of,
    webhook_endpoints_visible_to,
    webhook_event_types,
)
from kefu.core.actors import Actor
from kefu.core.errors import ValidationFailed
from kefu.core.pagination import cursor_decode, cursor_encode

router = Router(tags=["webhooks"])
MAX_PAGE = 100


class EndpointOut(Schema):
    id: uuid.UUID
    name: str
    url: str
    event_types: list[str]
    enabled: bool
    consecutive_failures: int
    disabled_reason: str = Field(description="why it is switched off (empty when enabled)")
    disabled_at: datetime | None
    previous_secret_valid_until: datetime | None = Field(
        description="until then requests are also signed with the secret before the last rotation"
    )
    created_at: datetime
    updated_at: datetime


class EndpointCreated(EndpointOut):
    secret: str = Field(description="the signing secret; shown this once, store it now")


def _out(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.pk,
        "name": endpoint.name,
        "url": endpoint.url,
        "event_types": endpoint.event_types,
        "enabled": endpoint.enabled,
        "consecutive_failures": endpoint.consecutive_failures,
        "disabled_reason": endpoint.disabled_reason,
        "disabled_at": endpoint.disabled_at,
        "previous_secret_valid_until": endpoint.previous_secret_until,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
    }


class EventTypeOut(Schema):
    name: str
    description: str


@router.get(
    "/event-types",
    response=list[EventTypeOut],
    summary="Event types an endpoint may subscribe to (admins); `*` subscribes to all",
)
def webhook_event_type_list(request: HttpRequest) -> list[dict[str, str]]:
    return webhook_event_types(agent=agent_of(request))


@router.get("", response=list[EndpointOut], summary="Webhook endpoints (admins)")
def webhook_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_out(e) for e in webhook_endpoints_visible_to(agent_of(request))]


class EndpointIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    url: str = Field(..., min_length=1, max_length=2000, description="https:// only")
    event_types: list[str] = Field(..., min_length=1, max_length=100)
    enabled: bool = True


@router.post(
    "",
    response={201: EndpointCreated},
    summary="Add a webhook endpoint (admins); the answer holds its secret, shown once",
)
def webhook_create(request: HttpRequest, payload: EndpointIn) -> Reply:
    agent = agent_of(request)
    webhook_endpoints_visible_to(agent)  # the permission check, before any validation
    endpoint, secret = actions.webhook_endpoint_create(
        name=payload.name,
        url=payload.url,
        event_types=payload.event_types,
        enabled=payload.enabled,
        actor=Actor.of_agent(agent),
    )
    return Reply(201, {**_out(endpoint), "secret": secret})


@router.get("/{endpoint_id}", response=EndpointOut, summary="A webhook endpoint (admins)")
def webhook_get(request: HttpRequest, endpoint_id: uuid.UUID) -> dict[str, Any]:
    return _out(access_webhook_endpoint(agent=agent_of(request), endpoint_id=endpoint_id))


class EndpointPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    url: str | None = Field(None, min_length=1, max_length=2000)
    event_types: list[str] | None = Field(None, min_length=1, max_length=100)
    enabled: bool | None = Field(
        None, description="true switches it back on and sends what waited for it"
    )


@router.patch("/{endpoint_id}", response=EndpointOut, summary="Change a webhook endpoint (admins)")
def webhook_update(
    request: HttpRequest, endpoint_id: uuid.UUID, payload: EndpointPatch
) -> dict[str, Any]:
    agent = agent_of(request)
    endpoint = actions.webhook_endpoint_update(
        endpoint=access_webhook_endpoint(agent=agent, endpoint_id=endpoint_id),
        actor=Actor.of_agent(agent),
        name=payload.name,
        url=payload.url,
        event_types=payload.event_types,
        enabled=payload.enabled,
    )
    return _out(endpoint)


@router.delete(
    "/{endpoint_id}", response={204: None}, summary="Remove a webhook endpoint and its log (admins)"
)
def webhook_delete(request: HttpRequest, endpoint_id: uuid.UUID) -> Reply:
    agent = agent_of(request)
    actions.webhook_endpoint_delete(
        endpoint=access_webhook_endpoint(agent=agent, endpoint_id=endpoint_id),
        actor=Actor.of_agent(agent),
    )
    return Reply(204, None)


class RotateIn(Schema):
    previous_valid_hours: int = Field(
        24,
        ge=0,
        le=168,
        description="keep signing with the old secret too for this long (0: stop at once)",
    )


class RotateOut(Schema):
    secret: str = Field(description="the new signing secret; shown this once")
    previous_valid_until: datetime | None


@router.post(
    "/{endpoint_id}/rotate-secret",
    response=RotateOut,
    summary="Give a webhook endpoint a new secret (admins); returned once",
)
def webhook_rotate_secret(
    request: HttpRequest, endpoint_id: uuid.UUID, payload: RotateIn
) -> dict[str, Any]:
    agent = agent_of(request)
    endpoint, secret = actions.webhook_secret_rotate(
        endpoint=access_webhook_endpoint(agent=agent, endpoint_id=endpoint_id),
        actor=Actor.of_agent(agent),
        keep_previous=timedelta(hours=payload.previous_valid_hours),
    )
    return {"secret": secret, "previous_valid_until": endpoint.previous_secret_until}


class DeliveryOut(Schema):
    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    response_ms: int | None
    delivered_at: datetime | None
    redelivery_of: uuid.UUID | None
    created_at: datetime
    payload: dict[str, Any] = Field(description="the request body sent")


def _delivery_out(d: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": d.pk,
        "endpoint_id": d.endpoint_id,
        "event_id": d.event_id,
        "event_type": d.event_type,
        "status": d.status,
        "attempts": d.attempts,
        # Only meaningful while pending.
        "next_attempt_at": d.next_attempt_at if d.status == DeliveryStatus.PENDING else None,
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "response_ms": d.response_ms,
        "delivered_at": d.delivered_at,
        "redelivery_of": d.redelivery_of,
        "created_at": d.created_at,
        "payload": d.payload,
    }


@router.post(
    "/{endpoint_id}/test",
    response={202: DeliveryOut},
    summary="Send a `webhook.test` event to the endpoint (admins); see the result in its log",
)
def webhook_test(request: HttpRequest, endpoint_id: uuid.UUID) -> Reply:
    agent = agent_of(request)
    delivery = actions.webhook_endpoint_test(
        endpoint=access_webhook_endpoint(agent=agent, endpoint_id=endpoint_id),
        actor=Actor.of_agent(agent),
    )
    return Reply(202, _delivery_out(delivery))


class DeliveryFilters(Schema):
    status: DeliveryStatus | None = None
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=MAX_PAGE)


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None


@router.get(
    "/{endpoint_id}/deliveries",
    response=DeliveryPage,
    summary="An endpoint's delivery log, newest first (admins)",
)
def webhook_delivery_list(
    request: HttpRequest, endpoint_id: uuid.UUID, filters: Query[DeliveryFilters]
) -> dict[str, Any]:
    endpoint = access_webhook_endpoint(agent=agent_of(request), endpoint_id=endpoint_id)
    qs = webhook_deliveries_of(endpoint, status=filters.status)
    if filters.cursor:
        (last_id,) = cursor_decode(filters.cursor, size=1)
        try:
            qs = qs.filter(id__lt=uuid.UUID(last_id))
        except ValueError:
            raise ValidationFailed("cursor is not one this API returned", field="cursor") from None
    rows = list(qs[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {
        "items": [_delivery_out(d) for d in rows],
        "next_cursor": cursor_encode(rows[-1].pk) if more else None,
    }


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    response={202: DeliveryOut},
    summary="Send a delivery's event again, as a new delivery (admins)",
)
def webhook_redeliver(
    request: HttpRequest, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> Reply:
    agent = agent_of(request)
    delivery = access_webhook_delivery(
        agent=agent, endpoint_id=endpoint_id, delivery_id=delivery_id
    )
    copy = actions.webhook_redeliver(delivery=delivery, actor=Actor.of_agent(agent))
    return Reply(202, _delivery_out(copy))
