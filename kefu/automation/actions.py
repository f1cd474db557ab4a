"""Writes of outbound webhooks: endpoints (audited), fan-out of events to deliveries, attempts
with retries, auto-disable. Integrators' view: docs/webhooks.md.

What must hold:
- Deliveries are created after the event's transaction committed (the event subscriber), in
  one insert with the task that sends them, so a delivery row always has a task or the sweep.
- An attempt is claimed with a lease before any HTTP and never made inside a transaction
  (SQLite has one writer; a slow receiver must not stall the product). Two workers never send
  the same attempt: the claim is a locked compare-and-set.
- An attempt that fails is retried after BACKOFF[attempt-1]; after the last one the delivery
  fails. WEBHOOK_DISABLE_AFTER failed deliveries in a row switch the endpoint off (audited);
  its pending deliveries wait, and go out when an admin switches it back on.
- The body carries the event's payload as the registry defines it (ids and states, message
  bodies as stored: already redacted), never a secret.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from kefu.automation.models import ALL_EVENTS, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from kefu.automation.transport import Outcome, Outgoing, url_clean, webhook_post
from kefu.core.actors import Actor
from kefu.core.clock import now
from kefu.core.errors import Conflict, KefuError, ValidationFailed
from kefu.core.events import REGISTRY, Event
from kefu.core.ids import uuid7
from kefu.safety.actions import audit_record
from kefu.safety.crypto import secret_encrypt
from kefu.safety.signing import HEADER, signature_make

log = logging.getLogger(__name__)

# Attempt n failed: the next one waits BACKOFF[n-1]. 7 attempts over about 33 hours.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=24),
)
LEASE = timedelta(minutes=2)  # far longer than one attempt (transport.TOTAL_TIMEOUT)
# A pending delivery overdue by this much lost its task (or its worker): the sweep re-queues it.
SWEEP_GRACE = timedelta(minutes=2)
TEST_EVENT = "webhook.test"  # sent by "send test event"; not a registry event, never subscribed
SECRET_PREFIX = "whsec_"  # noqa: S105 - a public marker that helps secret scanners, not a secret
MAX_NAME = 120
MAX_EVENT_TYPES = 100


# --- endpoints -------------------------------------------------------------------------------


def _name_clean(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationFailed(f"name must be 1 to {MAX_NAME} characters", field="name")
    return name


def event_types_clean(values: Iterable[str]) -> list[str]:
    """Registry names (or "*"), deduplicated and sorted. Raises ValidationFailed."""
    names = sorted({str(v).strip() for v in values})
    if not names or len(names) > MAX_EVENT_TYPES:
        raise ValidationFailed("subscribe to at least one event type", field="event_types")
    unknown = [n for n in names if n != ALL_EVENTS and n not in REGISTRY]
    if unknown:
        raise ValidationFailed(
            f"unknown event type {unknown[0]!r}; GET /api/v1/webhooks/event-types lists them",
            field="event_types",
        )
    return [ALL_EVENTS] if ALL_EVENTS in names else names


def _secret_new() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _audit(actor: Actor, action: str, endpoint: WebhookEndpoint, data: dict[str, Any]) -> None:
    audit_record(
        actor=actor, action=action, object_type="webhook", object_id=str(endpoint.pk), data=data
    )


@transaction.atomic
def webhook_endpoint_create(
    *, name: str, url: str, event_types: Iterable[str], actor: Actor, enabled: bool = True
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret, in clear: the only time it is shown."""
    clear = _secret_new()
    endpoint = WebhookEndpoint.objects.create(
        name=_name_clean(name),
        url=url_clean(url),
        event_types=event_types_clean(event_types),
        secret_sealed=secret_encrypt(clear),
        enabled=enabled,
    )
    _audit(
        actor,
        "webhook.created",
        endpoint,
        {"name": endpoint.name, "url": endpoint.url, "event_types": endpoint.event_types},
    )
    return endpoint, clear


def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    actor: Actor,
    name: str | None = None,
    url: str | None = None,
    event_types: Iterable[str] | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change what is given. Switching an endpoint back on clears its failures and sends its
    waiting deliveries now."""
    resumed: list[UUID] = []
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        changed: dict[str, Any] = {}
        if name is not None and _name_clean(name) != endpoint.name:
            changed["name"] = endpoint.name = _name_clean(name)
        if url is not None and url_clean(url) != endpoint.url:
            changed["url"] = endpoint.url = url_clean(url)
        if event_types is not None:
            types = event_types_clean(event_types)
            if types != endpoint.event_types:
                changed["event_types"] = endpoint.event_types = types
        fields = list(changed)
        if enabled is not None and enabled != endpoint.enabled:
            changed["enabled"] = endpoint.enabled = enabled
            fields += ["enabled", "disabled_reason", "disabled_at", "consecutive_failures"]
            if enabled:
                endpoint.disabled_reason, endpoint.disabled_at = "", None
                endpoint.consecutive_failures = 0
                resumed = _resume(endpoint)
            else:
                endpoint.disabled_reason = f"switched off by {actor.label or actor.kind}"[:500]
                endpoint.disabled_at = now()
        if not changed:
            return endpoint
        endpoint.save(update_fields=endpoint.touch_fields(*dict.fromkeys(fields)))
        _audit(actor, "webhook.updated", endpoint, {"changed": changed})
        if resumed:
            _enqueue(resumed)
    return endpoint


def _resume(endpoint: WebhookEndpoint) -> list[UUID]:
    pending = WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING)
    ids = list(pending.values_list("pk", flat=True))
    pending.update(next_attempt_at=now(), updated_at=now())
    return ids


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor: Actor) -> None:
    """Remove an endpoint with its delivery log; its pending deliveries are never sent."""
    _audit(actor, "webhook.deleted", endpoint, {"name": endpoint.name, "url": endpoint.url})
    endpoint.delete()


@transaction.atomic
def webhook_secret_rotate(
    *, endpoint: WebhookEndpoint, actor: Actor, keep_previous: timedelta = timedelta(hours=24)
) -> tuple[WebhookEndpoint, str]:
    """A new secret, returned in clear once. For `keep_previous`, requests carry a signature
    with the old secret too, so the receiver can switch without dropping a delivery."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    clear = _secret_new()
    if keep_previous > timedelta(0):
        endpoint.previous_secret_sealed = endpoint.secret_sealed
        endpoint.previous_secret_until = now() + keep_previous
    else:
        endpoint.previous_secret_sealed, endpoint.previous_secret_until = "", None
    endpoint.secret_sealed = secret_encrypt(clear)
    endpoint.save(
        update_fields=endpoint.touch_fields(
            "secret_sealed", "previous_secret_sealed", "previous_secret_until"
        )
    )
    until = endpoint.previous_secret_until
    _audit(
        actor,
        "webhook.secret_rotated",
        endpoint,
        {"previous_valid_until": until.isoformat() if until else None},
    )
    return endpoint, clear


# --- deliveries ------------------------------------------------------------------------------


def _envelope(*, event_id: UUID, type: str, created_at: datetime, data: dict[str, Any]) -> dict:
    return {"id": str(event_id), "type": type, "created_at": created_at.isoformat(), "data": data}


_endpoints_cache: tuple[float, list[tuple[Any, list[str]]]] | None = None


def _enabled_endpoints() -> list[tuple[Any, list[str]]]:
    """(pk, event types) of enabled endpoints. Every event asks, in the committing thread, so
    a process keeps them KEFU_SAFETY_CACHE_SECONDS; saving or deleting an endpoint clears this
    process's copy at once (apps.py)."""
    global _endpoints_cache
    ttl = settings.SAFETY_CACHE_SECONDS
    moment = time.monotonic()
    if ttl > 0 and _endpoints_cache is not None and moment - _endpoints_cache[0] < ttl:
        return _endpoints_cache[1]
    rows = list(WebhookEndpoint.objects.filter(enabled=True).values_list("pk", "event_types"))
    _endpoints_cache = (moment, rows)
    return rows


def webhook_endpoints_cache_clear(**_: Any) -> None:
    global _endpoints_cache
    _endpoints_cache = None


def webhook_deliveries_create(*, event: Event) -> list[UUID]:
    """Fan an event out to the endpoints subscribed to it (the event subscriber, after commit).

    Queries: the enabled endpoints (a handful: filtered here, since SQLite's JSON has no
    containment lookup); when any matches, one insert of the deliveries and one of their task.
    """
    matching = [
        pk for pk, types in _enabled_endpoints() if ALL_EVENTS in types or event.type in types
    ]
    if not matching:
        return []
    payload = _envelope(
        event_id=event.id, type=event.type, created_at=event.occurred_at, data=event.payload
    )
    moment = now()
    rows = [
        WebhookDelivery(
            endpoint_id=pk,
            event_id=event.id,
            event_type=event.type,
            payload=payload,
            next_attempt_at=moment,
            created_at=moment,
            updated_at=moment,
        )
        for pk in matching
    ]
    with transaction.atomic():
        # ignore_conflicts: an event handed over twice still reaches each endpoint once.
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        ids = [r.pk for r in rows]
        _enqueue(ids)
    return ids


def webhook_endpoint_test(*, endpoint: WebhookEndpoint, actor: Actor) -> WebhookDelivery:
    """Queue a `webhook.test` event to the endpoint (even a switched-off one, to check a fix).
    Sent once, never retried, and it does not count towards switching the endpoint off."""
    delivery = _test_delivery_create(endpoint=endpoint, actor=actor)
    _enqueue([delivery.pk])
    return delivery


def webhook_endpoint_test_now(*, endpoint: WebhookEndpoint, actor: Actor) -> WebhookDelivery:
    """The same, sent right away by the caller (the CLI and the admin wait for the answer)."""
    delivery = _test_delivery_create(endpoint=endpoint, actor=actor)
    webhook_deliveries_attempt(delivery_ids=[delivery.pk])
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def _test_delivery_create(*, endpoint: WebhookEndpoint, actor: Actor) -> WebhookDelivery:
    moment = now()
    event_id = uuid7()
    data = {
        "endpoint_id": str(endpoint.pk),
        "message": "A test event from kefu: your endpoint receives and verifies webhooks.",
    }
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id=event_id,
        event_type=TEST_EVENT,
        payload=_envelope(event_id=event_id, type=TEST_EVENT, created_at=moment, data=data),
        next_attempt_at=moment,
    )
    _audit(actor, "webhook.tested", endpoint, {"delivery_id": str(delivery.pk)})
    return delivery


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
    """Send a delivery's event again, as a new delivery (same event id, new delivery id)."""
    endpoint = delivery.endpoint
    if not endpoint.enabled:
        raise Conflict("the endpoint is switched off; switch it on first", code="webhook_disabled")
    copy = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        payload=delivery.payload,
        next_attempt_at=now(),
        redelivery_of=delivery.pk,
    )
    _audit(
        actor,
        "webhook.redelivered",
        endpoint,
        {"delivery_id": str(delivery.pk), "new_delivery_id": str(copy.pk)},
    )
    _enqueue([copy.pk])
    return copy


def _enqueue(ids: list[Any], *, run_after: datetime | None = None) -> None:
    """Queue the task that sends these deliveries. A failure here is logged, not raised: the
    sweep finds overdue deliveries."""
    from kefu.automation.tasks import webhook_deliver

    try:
        with transaction.atomic():  # a savepoint: a failed insert leaves the caller's work
            task = webhook_deliver.using(run_after=run_after) if run_after else webhook_deliver
            task.enqueue([str(i) for i in ids])
    except Exception:
        log.exception("could not queue webhook deliveries %s", ids)


def _claim(ids: Iterable[Any]) -> list[WebhookDelivery]:
    """Take the due ones among these deliveries for one attempt each (a lease, attempts + 1)."""
    moment = now()
    with transaction.atomic():
        rows = list(
            WebhookDelivery.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("endpoint")
            .filter(pk__in=list(ids), status=DeliveryStatus.PENDING, next_attempt_at__lte=moment)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=moment))
            .order_by("pk")
        )
        # A switched-off endpoint's deliveries wait for it; a test is sent regardless.
        rows = [d for d in rows if d.endpoint.enabled or d.event_type == TEST_EVENT]
        if rows:
            WebhookDelivery.objects.filter(pk__in=[d.pk for d in rows]).update(
                attempts=F("attempts") + 1, lease_until=moment + LEASE, updated_at=moment
            )
        for d in rows:
            d.attempts += 1
    return rows


def _request(delivery: WebhookDelivery) -> Outgoing:
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    keys = delivery.endpoint.signing_secrets(at=now())
    return Outgoing(
        url=delivery.endpoint.url,
        body=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": "kefu-webhooks/1",
            "Kefu-Webhook-Id": str(delivery.pk),
            "Kefu-Event-Type": delivery.event_type,
            "Kefu-Webhook-Attempt": str(delivery.attempts),
            HEADER: signature_make(secret=keys[0], body=body, also=keys[1:]),
        },
    )


def webhook_deliveries_attempt(*, delivery_ids: Iterable[Any]) -> dict[str, str]:
    """One attempt for each due delivery among these, in parallel. Returns id -> delivered /
    retry / failed (deliveries not due, taken by another worker or waiting for their endpoint
    are left out)."""
    claimed = _claim(delivery_ids)
    requests: list[Outgoing | None] = []
    early: dict[Any, Outcome] = {}
    for d in claimed:
        try:
            requests.append(_request(d))
        except KefuError as exc:  # the secret cannot be opened: a server configuration error
            requests.append(None)
            early[d.pk] = Outcome(None, exc.message, 0)
    sent = iter(webhook_post([r for r in requests if r is not None]))
    outcomes = [
        early[d.pk] if r is None else next(sent) for d, r in zip(claimed, requests, strict=True)
    ]
    return {str(d.pk): _record(d, o) for d, o in zip(claimed, outcomes, strict=True)}


def _record(delivery: WebhookDelivery, outcome: Outcome) -> str:
    moment = now()
    test = delivery.event_type == TEST_EVENT
    fields: dict[str, Any] = {
        "lease_until": None,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error[:1000],
        "response_ms": outcome.duration_ms,
        "updated_at": moment,
    }
    if outcome.ok:
        fields |= {"status": DeliveryStatus.DELIVERED, "delivered_at": moment}
        result = "delivered"
    elif test or outcome.refused or delivery.attempts > len(BACKOFF):
        fields |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
        result = "failed"
    else:
        fields["next_attempt_at"] = moment + BACKOFF[delivery.attempts - 1]
        result = "retry"
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
        if not test and result == "delivered":
            WebhookEndpoint.objects.filter(
                pk=delivery.endpoint_id, consecutive_failures__gt=0
            ).update(consecutive_failures=0)
        elif not test and result == "failed":
            _failure_count(delivery, outcome, moment)
    if result == "retry":
        _enqueue([delivery.pk], run_after=fields["next_attempt_at"])
    return result


def _failure_count(delivery: WebhookDelivery, outcome: Outcome, moment: datetime) -> None:
    WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    limit = max(1, settings.WEBHOOK_DISABLE_AFTER)
    reason = f"{limit} deliveries in a row failed; the last: {outcome.error}"[:500]
    # One conditional update: of two workers failing at once, exactly one switches it off.
    switched_off = WebhookEndpoint.objects.filter(
        pk=delivery.endpoint_id, enabled=True, consecutive_failures__gte=limit
    ).update(enabled=False, disabled_reason=reason, disabled_at=moment, updated_at=moment)
    if switched_off:
        endpoint = WebhookEndpoint.objects.get(pk=delivery.endpoint_id)
        _audit(
            Actor.system("webhooks"),
            "webhook.disabled",
            endpoint,
            {"reason": reason, "consecutive_failures": endpoint.consecutive_failures},
        )
        log.warning("webhook endpoint %s switched off: %s", endpoint.pk, reason)


def webhook_deliveries_sweep(*, limit: int = 500) -> int:
    """Re-queue pending deliveries overdue by SWEEP_GRACE: their task was lost, or their worker
    died holding the lease. Queues only (the worker sends), so the scheduler never waits on a
    receiver. Returns how many were queued."""
    moment = now()
    overdue = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=moment - SWEEP_GRACE
        )
        .filter(Q(endpoint__enabled=True) | Q(event_type=TEST_EVENT))
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=moment))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not overdue:
        return 0
    with transaction.atomic():
        # Due again from now: the next sweep leaves them to this task for SWEEP_GRACE.
        WebhookDelivery.objects.filter(pk__in=overdue).update(next_attempt_at=moment)
        for start in range(0, len(overdue), 50):
            _enqueue(overdue[start : start + 50])
    return len(overdue)


def webhook_log_prune(*, older_than: datetime) -> int:
    """Drop finished deliveries older than the retention window, and rotated-out secrets."""
    WebhookEndpoint.objects.filter(previous_secret_until__lte=now()).update(
        previous_secret_sealed="", previous_secret_until=None
    )
    deleted, _ = WebhookDelivery.objects.filter(
        created_at__lt=older_than, status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.FAILED]
    ).delete()
    return deleted
