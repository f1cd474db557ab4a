"""Outbound webhooks against real HTTP receivers on 127.0.0.1: fan-out, the signature as
docs/webhooks.md verifies it, retries, the address check, auto switch-off, redelivery."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kefu.automation import transport
from kefu.automation.actions import (
    BACKOFF,
    webhook_deliveries_attempt,
    webhook_deliveries_sweep,
    webhook_endpoint_create,
    webhook_endpoint_test_now,
    webhook_endpoint_update,
    webhook_redeliver,
    webhook_secret_rotate,
)
from kefu.automation.models import WebhookDelivery, WebhookEndpoint
from kefu.automation.tests.conftest import docs_example, run_queued_tasks
from kefu.conversations.actions import message_receive
from kefu.core.actors import Actor
from kefu.core.errors import Conflict, ValidationFailed
from kefu.core.models import AuditRecord
from kefu.inboxes.actions import inbox_create
from kefu.inboxes.adapters.base import InboundMessage

pytestmark = pytest.mark.django_db

ADMIN = Actor.system("test")
signature_valid = docs_example()["signature_valid"]


class Clock:
    def __init__(self) -> None:
        self.at = timezone.now()

    def advance(self, delta: timedelta) -> None:
        self.at += delta


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """kefu's clock as the webhook actions see it (kefu.core.clock is the one place for time)."""
    c = Clock()
    monkeypatch.setattr("kefu.automation.actions.now", lambda: c.at)
    return c


@pytest.fixture
def inbox(db, settings):
    settings.ENRICHMENT_ENABLED = False  # language/sentiment labels are not what is tested
    return inbox_create(name="Website chat", channel_type="web_widget")


@pytest.fixture
def customer_writes(inbox, django_capture_on_commit_callbacks):
    """A customer message, committed: its events reach subscribers (webhooks among them)."""

    def write(body: str = "Where is my withdrawal?", identity: str | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            return message_receive(
                inbox=inbox,
                inbound=InboundMessage(identity=identity or f"v-{uuid.uuid4().hex[:8]}", body=body),
            )

    return write


def _endpoint(url: str, types: list[str], **kw) -> tuple[WebhookEndpoint, str]:
    return webhook_endpoint_create(
        name=kw.pop("name", f"hook-{uuid.uuid4().hex[:6]}"),
        url=url,
        event_types=types,
        actor=ADMIN,
        **kw,
    )


def _worker() -> None:
    run_queued_tasks()


def _only(endpoint: WebhookEndpoint) -> WebhookDelivery:
    (delivery,) = WebhookDelivery.objects.filter(endpoint=endpoint)
    return delivery


# --- fan-out and the wire format -------------------------------------------------------------


def test_a_committed_event_reaches_the_documented_receiver_signed(docs_receiver, customer_writes):
    endpoint, secret = _endpoint(docs_receiver.url, ["message.created"])
    assert secret.startswith("whsec_")
    docs_receiver.use_secret(secret)
    result = customer_writes("My deposit has not arrived")

    _worker()

    assert docs_receiver.statuses == [204]  # the docs' receiver verified the signature
    (event,) = docs_receiver.events
    assert event["type"] == "message.created"
    assert event["data"]["message"]["id"] == str(result.message.pk)
    assert event["data"]["message"]["body"] == "My deposit has not arrived"
    assert event["data"]["conversation"]["number"] == result.conversation.number
    delivery = _only(endpoint)
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert delivery.last_status_code == 204 and delivery.response_ms is not None
    assert event["id"] == str(delivery.event_id)
    assert set(event) == {"id", "type", "created_at", "data"}


def test_a_wrong_secret_is_refused_by_the_documented_receiver(docs_receiver, customer_writes):
    endpoint, _ = _endpoint(docs_receiver.url, ["message.created"])
    docs_receiver.use_secret("whsec_not-the-one")
    customer_writes()
    _worker()
    assert docs_receiver.statuses == [401] and docs_receiver.events == []
    assert _only(endpoint).status == "pending"  # refused: retried later


def test_headers_body_and_signature(receiver, customer_writes):
    endpoint, secret = _endpoint(receiver.url, ["message.created"])
    customer_writes()
    _worker()
    (req,) = receiver.requests
    delivery = _only(endpoint)
    assert req.path == "/hooks/kefu"
    assert req.headers["content-type"] == "application/json"
    assert req.headers["kefu-webhook-id"] == str(delivery.pk)
    assert req.headers["kefu-event-type"] == "message.created"
    assert req.headers["kefu-webhook-attempt"] == "1"
    header = req.headers["x-kefu-signature"]
    assert signature_valid(secret, req.body, header)
    assert not signature_valid(secret, req.body + b" ", header)
    timestamp = int(header.split(",")[0].removeprefix("t="))
    # The replay window: the same request presented 5 minutes later is refused.
    assert not signature_valid(secret, req.body, header, now=timestamp + 301)
    assert json.loads(req.body) == delivery.payload
    assert secret.encode() not in req.body


def test_only_subscribed_enabled_endpoints_get_an_event(receiver, customer_writes):
    created, _ = _endpoint(receiver.url + "?who=created", ["conversation.created"])
    everything, _ = _endpoint(receiver.url + "?who=all", ["*"])
    status, _ = _endpoint(receiver.url + "?who=status", ["conversation.status_changed"])
    off, _ = _endpoint(receiver.url + "?who=off", ["*"], enabled=False)

    customer_writes()  # a new conversation: conversation.created + message.created
    _worker()

    seen = sorted((r.path.split("=")[1], r.headers["kefu-event-type"]) for r in receiver.requests)
    assert seen == [
        ("all", "conversation.created"),
        ("all", "message.created"),
        ("created", "conversation.created"),
    ]
    assert not WebhookDelivery.objects.filter(endpoint__in=[status, off]).exists()
    assert WebhookDelivery.objects.filter(endpoint=everything).count() == 2
    assert WebhookDelivery.objects.get(endpoint=created).event_type == "conversation.created"


def test_event_types_are_checked_against_the_registry(local_webhooks):
    with pytest.raises(ValidationFailed) as exc:
        _endpoint("https://hooks.example.com/", ["message.created", "message.exploded"])
    assert exc.value.field == "event_types" and "message.exploded" in exc.value.message
    with pytest.raises(ValidationFailed):
        _endpoint("https://hooks.example.com/", [])
    endpoint, _ = _endpoint("https://hooks.example.com/", ["*", "message.created"])
    assert endpoint.event_types == ["*"]


def test_message_bodies_go_out_as_stored_with_secrets_redacted(receiver, customer_writes):
    _endpoint(receiver.url, ["message.created"])
    phrase = "abandon ability able about above absent absorb abstract absurd abuse access accident"
    customer_writes(f"my seed is {phrase} please help")
    _worker()
    sent = [json.loads(r.body)["data"]["message"] for r in receiver.requests]
    (incoming,) = [m for m in sent if m["direction"] == "incoming"]
    assert incoming["redactions"] and "abandon" not in incoming["body"]
    assert all("abandon ability" not in r.body.decode() for r in receiver.requests)


# --- retries ---------------------------------------------------------------------------------


def test_server_errors_are_retried_with_backoff_then_delivered(receiver, customer_writes, clock):
    endpoint, secret = _endpoint(receiver.url, ["message.created"])
    receiver.answer(500, 503)
    customer_writes()
    delivery = _only(endpoint)

    assert webhook_deliveries_attempt(delivery_ids=[delivery.pk]) == {str(delivery.pk): "retry"}
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.last_status_code == 500
    assert delivery.last_error == "HTTP 500: upstream exploded details here"
    assert delivery.next_attempt_at == clock.at + BACKOFF[0]
    # The retry is queued for when it is due, not before.
    assert DBTaskResult.objects.filter(run_after=delivery.next_attempt_at).count() == 1
    assert webhook_deliveries_attempt(delivery_ids=[delivery.pk]) == {}  # not due yet
    assert len(receiver.requests) == 1

    clock.advance(BACKOFF[0])
    assert webhook_deliveries_attempt(delivery_ids=[delivery.pk]) == {str(delivery.pk): "retry"}
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == clock.at + BACKOFF[1]

    clock.advance(BACKOFF[1])
    assert webhook_deliveries_attempt(delivery_ids=[delivery.pk]) == {str(delivery.pk): "delivered"}
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 3
    assert delivery.delivered_at == clock.at and delivery.last_error == ""
    assert [r.headers["kefu-webhook-attempt"] for r in receiver.requests] == ["1", "2", "3"]
    assert {r.headers["kefu-webhook-id"] for r in receiver.requests} == {str(delivery.pk)}
    assert all(
        signature_valid(secret, r.body, r.headers["x-kefu-signature"]) for r in receiver.requests
    )


def test_a_receiver_that_does_not_answer_in_time_is_a_failed_attempt(
    receiver, customer_writes, monkeypatch
):
    monkeypatch.setattr(transport, "TOTAL_TIMEOUT", 1.0)  # the 10 s deadline, shortened
    endpoint, _ = _endpoint(receiver.url, ["message.created"])
    receiver.answer((200, 3.0))
    customer_writes()
    delivery = _only(endpoint)
    assert webhook_deliveries_attempt(delivery_ids=[delivery.pk]) == {str(delivery.pk): "retry"}
    delivery.refresh_from_db()
    assert delivery.last_error == "no answer within 1 s" and delivery.last_status_code is None
    assert 900 <= delivery.response_ms < 2500


def test_redirects_are_not_followed(receiver, customer_writes):
    endpoint, _ = _endpoint(receiver.url, ["message.created"])
    receiver.answer((302, 0.0, {"Location": "http://169.254.169.254/latest/meta-data/"}))
    customer_writes()
    _worker()
    delivery = _only(endpoint)
    assert delivery.status == "pending" and delivery.last_status_code == 302
    assert "redirects are not followed" in delivery.last_error
    assert len(receiver.requests) == 1


def test_a_connection_refused_is_retried(local_webhooks, customer_writes):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    endpoint, _ = _endpoint(f"http://127.0.0.1:{port}/", ["message.created"])
    customer_writes()
    _worker()
    delivery = _only(endpoint)
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_error.startswith("cannot connect to 127.0.0.1")


def test_the_last_retry_fails_the_delivery(receiver, customer_writes, clock):
    endpoint, _ = _endpoint(receiver.url, ["message.created"])
    receiver.answer(*[500] * (len(BACKOFF) + 1))
    customer_writes()
    delivery = _only(endpoint)
    outcomes = []
    for wait in (timedelta(0), *BACKOFF):
        clock.advance(wait)
        outcomes += webhook_deliveries_attempt(delivery_ids=[delivery.pk]).values()
    assert outcomes == ["retry"] * len(BACKOFF) + ["failed"]
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == len(BACKOFF) + 1
    assert delivery.next_attempt_at is None
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1 and endpoint.enabled


# --- switch-off after failed deliveries ------------------------------------------------------


def _fail_completely(delivery: WebhookDelivery, clock: Clock) -> None:
    for wait in (timedelta(0), *BACKOFF):
        clock.advance(wait)
        webhook_deliveries_attempt(delivery_ids=[delivery.pk])


def test_consecutive_failed_deliveries_switch_the_endpoint_off(
    receiver, customer_writes, clock, settings
):
    settings.WEBHOOK_DISABLE_AFTER = 2
    endpoint, _ = _endpoint(receiver.url, ["message.created"])
    receiver.answer(*[500] * 100)
    for _ in range(2):
        customer_writes()
    first, second = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id")

    _fail_completely(first, clock)
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.consecutive_failures == 1
    _fail_completely(second, clock)
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert endpoint.disabled_reason == (
        "2 deliveries in a row failed; the last: HTTP 500: upstream exploded details here"
    )
    audit = AuditRecord.objects.get(action="webhook.disabled", object_id=str(endpoint.pk))
    assert audit.actor_type == "system" and audit.data["consecutive_failures"] == 2

    # Switched off: new events queue nothing for it.
    customer_writes()
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 2


def test_a_delivered_event_resets_the_failure_count(receiver, customer_writes, clock, settings):
    settings.WEBHOOK_DISABLE_AFTER = 2
    endpoint, _ = _endpoint(receiver.url, ["message.created"])
    receiver.answer(*[500] * (len(BACKOFF) + 1))
    customer_writes()
    _fail_completely(_only(endpoint), clock)
    customer_writes()
    _worker()  # this one is answered 204
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.consecutive_failures == 0


def test_switching_back_on_sends_what_waited(receiver, customer_writes):
    endpoint, _ = _endpoint(receiver.url, ["message.created"])
    customer_writes()
    webhook_endpoint_update(endpoint=endpoint, actor=ADMIN, enabled=False)
    _worker()
    assert receiver.requests == []  # waits while the endpoint is off
    endpoint.refresh_from_db()
    assert endpoint.disabled_reason == "switched off by test"

    webhook_endpoint_update(endpoint=endpoint, actor=ADMIN, enabled=True)
    _worker()
    assert len(receiver.requests) == 1 and _only(endpoint).status == "delivered"
    endpoint.refresh_from_db()
    assert endpoint.disabled_reason == "" and endpoint.consecutive_failures == 0


# --- where kefu may send ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/",  # not https
        "ftp://hooks.example.com/",
        "https://10.0.0.5/hook",
        "https://192.168.1.10/",
        "https://127.0.0.1/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata
        "https://100.64.0.1/",  # carrier-grade NAT
        "https://0.0.0.0/",
        "https://localhost/",
        "https://hooks.localhost/",
        "https://user:pass@hooks.example.com/",
        "https:///nohost",
        "not a url",
        "htt\x04p://hooks.example.com/",  # found by the API fuzz test: a 500 once
    ],
)
def test_destinations_refused_when_created(db, url):
    with pytest.raises(ValidationFailed) as exc:
        _endpoint(url, ["message.created"])
    assert exc.value.field == "url"


def test_allowed_destinations(db, settings):
    endpoint, _ = _endpoint("https://Hooks.Example.com:8443/kefu?x=1", ["message.created"])
    assert endpoint.url == "https://hooks.example.com:8443/kefu?x=1"
    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    _endpoint("https://10.20.3.4/hook", ["message.created"])
    with pytest.raises(ValidationFailed):
        _endpoint("https://10.21.3.4/hook", ["message.created"])
    with pytest.raises(ValidationFailed):  # http stays for localhost in development only
        _endpoint("http://10.20.3.4/hook", ["message.created"])


def test_a_name_that_resolves_to_a_private_address_is_refused_at_delivery(
    receiver, customer_writes, settings
):
    # 2130706433 is 127.0.0.1 as one number: not an address literal when the URL is checked,
    # but the resolver turns it into loopback. The check at delivery is the one that counts.
    port = receiver.url.split(":")[2].split("/")[0]
    settings.WEBHOOK_ALLOW_PRIVATE = False
    endpoint, _ = _endpoint(f"https://2130706433:{port}/hooks", ["message.created"])
    customer_writes()
    _worker()
    delivery = _only(endpoint)
    assert delivery.status == "failed" and delivery.attempts == 1  # refused: never retried
    assert delivery.last_error == (
        "refused: 2130706433 resolves to 127.0.0.1, a private or reserved address"
    )
    assert receiver.requests == []


def test_switching_the_development_setting_off_stops_local_deliveries(
    receiver, customer_writes, settings
):
    endpoint, _ = _endpoint(receiver.url, ["message.created"])
    settings.WEBHOOK_ALLOW_PRIVATE = False
    customer_writes()
    _worker()
    assert receiver.requests == [] and _only(endpoint).status == "failed"
    assert "refused: 127.0.0.1" in _only(endpoint).last_error


# --- test events, redelivery, rotation, the sweep --------------------------------------------


def test_send_test_event_works_on_a_switched_off_endpoint_and_counts_nothing(docs_receiver, clock):
    endpoint, secret = _endpoint(docs_receiver.url, ["message.created"], enabled=False)
    docs_receiver.use_secret(secret)
    delivery = webhook_endpoint_test_now(endpoint=endpoint, actor=ADMIN)
    assert delivery.status == "delivered" and delivery.event_type == "webhook.test"
    (event,) = docs_receiver.events
    assert event["type"] == "webhook.test" and event["data"]["endpoint_id"] == str(endpoint.pk)

    docs_receiver.use_secret("whsec_wrong")
    failed = webhook_endpoint_test_now(endpoint=endpoint, actor=ADMIN)
    assert failed.status == "failed" and failed.last_status_code == 401  # never retried
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0
    assert (
        AuditRecord.objects.filter(action="webhook.tested", object_id=str(endpoint.pk)).count() == 2
    )


def test_redeliver_sends_the_same_event_as_a_new_delivery(receiver, customer_writes):
    endpoint, secret = _endpoint(receiver.url, ["message.created"])
    customer_writes()
    _worker()
    original = _only(endpoint)
    copy = webhook_redeliver(delivery=original, actor=ADMIN)
    _worker()
    copy.refresh_from_db()
    assert copy.status == "delivered" and copy.redelivery_of == original.pk
    first, again = receiver.requests
    assert json.loads(first.body)["id"] == json.loads(again.body)["id"] == str(original.event_id)
    assert first.headers["kefu-webhook-id"] != again.headers["kefu-webhook-id"] == str(copy.pk)
    assert signature_valid(secret, again.body, again.headers["x-kefu-signature"])
    assert AuditRecord.objects.filter(action="webhook.redelivered").count() == 1

    webhook_endpoint_update(endpoint=endpoint, actor=ADMIN, enabled=False)
    original.refresh_from_db()
    with pytest.raises(Conflict):
        webhook_redeliver(delivery=original, actor=ADMIN)


def test_rotation_signs_with_both_secrets_until_the_old_one_expires(
    receiver, customer_writes, clock
):
    endpoint, old = _endpoint(receiver.url, ["message.created"])
    endpoint, new = webhook_secret_rotate(
        endpoint=endpoint, actor=ADMIN, keep_previous=timedelta(hours=24)
    )
    assert new != old and new.startswith("whsec_")
    customer_writes()
    _worker()
    req = receiver.requests[-1]
    header = req.headers["x-kefu-signature"]
    assert header.count("v1=") == 2
    assert signature_valid(new, req.body, header) and signature_valid(old, req.body, header)

    clock.advance(timedelta(hours=24, seconds=1))
    customer_writes()
    pending = WebhookDelivery.objects.get(endpoint=endpoint, status="pending")
    webhook_deliveries_attempt(delivery_ids=[pending.pk])
    req = receiver.requests[-1]
    header = req.headers["x-kefu-signature"]
    assert header.count("v1=") == 1
    assert signature_valid(new, req.body, header) and not signature_valid(old, req.body, header)
    assert AuditRecord.objects.filter(action="webhook.secret_rotated").count() == 1


def test_rotation_without_overlap_drops_the_old_secret_at_once(db):
    endpoint, old = _endpoint("https://hooks.example.com/", ["*"])
    endpoint, new = webhook_secret_rotate(
        endpoint=endpoint, actor=ADMIN, keep_previous=timedelta(0)
    )
    assert endpoint.signing_secrets(at=timezone.now()) == [new] != [old]


def test_the_sweep_requeues_deliveries_whose_task_was_lost(receiver, customer_writes, clock):
    endpoint, _ = _endpoint(receiver.url, ["message.created"])
    customer_writes()
    DBTaskResult.objects.all().delete()  # the task row never made it (a crash, a lost insert)
    assert webhook_deliveries_sweep() == 0  # not overdue yet: its task may still be coming
    clock.advance(timedelta(minutes=3))
    assert webhook_deliveries_sweep() == 1
    assert webhook_deliveries_sweep() == 0  # queued once, not on every sweep
    _worker()
    assert _only(endpoint).status == "delivered" and len(receiver.requests) == 1


def test_the_secret_is_stored_encrypted(db):
    endpoint, secret = _endpoint("https://hooks.example.com/", ["*"])
    webhook_secret_rotate(endpoint=endpoint, actor=ADMIN)
    with connection.cursor() as cur:
        cur.execute("SELECT secret_sealed, previous_secret_sealed FROM automation_webhookendpoint")
        ((current, previous),) = cur.fetchall()
    assert current.startswith("enc1:") and previous.startswith("enc1:")
    assert secret not in previous and "whsec_" not in current + previous
