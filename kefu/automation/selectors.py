"""Reads of outbound webhooks, with the permission check built in (admins: WEBHOOK_MANAGE)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from kefu.accounts.models import Agent
from kefu.accounts.permissions import Perm, agent_can
from kefu.automation.models import WebhookDelivery, WebhookEndpoint
from kefu.core.errors import NotFound, PermissionDenied
from kefu.core.events import REGISTRY


def _check(agent: Agent) -> None:
    if not agent_can(agent, Perm.WEBHOOK_MANAGE):
        raise PermissionDenied("only admins manage webhooks")


def webhook_endpoints_visible_to(agent: Agent) -> QuerySet[WebhookEndpoint]:
    _check(agent)
    return WebhookEndpoint.objects.order_by("name", "pk")


def access_webhook_endpoint(*, agent: Agent, endpoint_id: Any) -> WebhookEndpoint:
    _check(agent)
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound("no such webhook endpoint")
    return endpoint


def access_webhook_delivery(*, agent: Agent, endpoint_id: Any, delivery_id: Any) -> WebhookDelivery:
    endpoint = access_webhook_endpoint(agent=agent, endpoint_id=endpoint_id)
    delivery = (
        WebhookDelivery.objects.select_related("endpoint")
        .filter(pk=delivery_id, endpoint=endpoint)
        .first()
    )
    if delivery is None:
        raise NotFound("no such delivery of this endpoint")
    return delivery


def webhook_deliveries_of(
    endpoint: WebhookEndpoint, *, status: str | None = None
) -> QuerySet[WebhookDelivery]:
    """Newest first (ids are time-ordered), for keyset pages on `id`."""
    qs = WebhookDelivery.objects.filter(endpoint=endpoint)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-id")


def webhook_event_types(*, agent: Agent) -> list[dict[str, str]]:
    """What an endpoint may subscribe to: every registry event type ("*" is all of them)."""
    _check(agent)
    return [
        {"name": name, "description": spec.description} for name, spec in sorted(REGISTRY.items())
    ]
