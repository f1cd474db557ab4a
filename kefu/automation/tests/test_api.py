"""The webhooks API as an admin uses it (who may call what: kefu/safety/tests/
test_authorization_matrix.py)."""

from __future__ import annotations

import pytest

from kefu.automation.models import WebhookDelivery, WebhookEndpoint
from kefu.automation.tests.conftest import run_queued_tasks
from kefu.core.events import REGISTRY
from kefu.core.models import AuditRecord

pytestmark = pytest.mark.django_db


def _worker() -> None:
    run_queued_tasks()


def test_create_shows_the_secret_once_and_the_log_follows(api_as, receiver):
    from kefu.automation.tests.conftest import docs_example

    ava = api_as("ava")
    res = ava.post(
        "/api/v1/webhooks",
        {"name": "CRM", "url": receiver.url, "event_types": ["conversation.created"]},
    )
    assert res.status_code == 201, res.content
    created = res.json()
    secret, endpoint_id = created["secret"], created["id"]
    assert secret.startswith("whsec_") and created["enabled"] is True
    assert AuditRecord.objects.filter(action="webhook.created", object_id=endpoint_id).exists()

    got = ava.get(f"/api/v1/webhooks/{endpoint_id}").json()
    listed = ava.get("/api/v1/webhooks").json()
    assert "secret" not in got and all("secret" not in e for e in listed)
    assert secret not in str(got) + str(listed)
    assert [e["id"] for e in listed] == [endpoint_id]

    # Send test event: queued (202), sent by the worker, visible in the log.
    res = ava.post(f"/api/v1/webhooks/{endpoint_id}/test")
    assert res.status_code == 202 and res.json()["status"] == "pending"
    _worker()
    (req,) = receiver.requests
    assert docs_example()["signature_valid"](secret, req.body, req.headers["x-kefu-signature"])
    log = ava.get(f"/api/v1/webhooks/{endpoint_id}/deliveries").json()
    (entry,) = log["items"]
    assert entry["event_type"] == "webhook.test" and entry["status"] == "delivered"
    assert entry["last_status_code"] == 204 and entry["payload"]["type"] == "webhook.test"

    # Redeliver it: a new delivery of the same event.
    res = ava.post(f"/api/v1/webhooks/{endpoint_id}/deliveries/{entry['id']}/redeliver")
    assert res.status_code == 202
    copy = res.json()
    assert copy["redelivery_of"] == entry["id"] and copy["event_id"] == entry["event_id"]
    _worker()
    assert len(receiver.requests) == 2

    # Rotate: the new secret once, the old one signs for the window asked.
    res = ava.post(f"/api/v1/webhooks/{endpoint_id}/rotate-secret", {"previous_valid_hours": 2})
    assert res.status_code == 200
    assert res.json()["secret"] != secret and res.json()["previous_valid_until"]
    assert ava.get(f"/api/v1/webhooks/{endpoint_id}").json()["previous_secret_valid_until"]

    # Delete: gone with its log, audited.
    assert ava.delete(f"/api/v1/webhooks/{endpoint_id}").status_code == 204
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()
    assert AuditRecord.objects.filter(action="webhook.deleted", object_id=endpoint_id).exists()
    assert ava.get(f"/api/v1/webhooks/{endpoint_id}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://hooks.example.com/"}, "url"),
        ({"url": "https://169.254.169.254/"}, "url"),
        ({"event_types": ["message.exploded"]}, "event_types"),
        ({"event_types": []}, "event_types"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_input_is_a_clear_error_and_creates_nothing(api_as, body, field):
    payload = {"name": "CRM", "url": "https://hooks.example.com/", "event_types": ["*"]} | body
    res = api_as("ava").post("/api/v1/webhooks", payload)
    assert res.status_code == 422
    assert field in {f["field"] for f in res.json()["error"]["fields"]}
    assert not WebhookEndpoint.objects.exists()


def test_patch_changes_only_what_is_given_and_is_audited(api_as, receiver):
    ava = api_as("ava")
    endpoint_id = ava.post(
        "/api/v1/webhooks",
        {"name": "CRM", "url": receiver.url, "event_types": ["*"], "enabled": False},
    ).json()["id"]
    res = ava.patch(f"/api/v1/webhooks/{endpoint_id}", {"event_types": ["message.created"]})
    assert res.status_code == 200 and res.json()["event_types"] == ["message.created"]
    assert res.json()["name"] == "CRM" and res.json()["enabled"] is False
    bad = ava.patch(f"/api/v1/webhooks/{endpoint_id}", {"url": "http://hooks.example.com/"})
    assert bad.status_code == 422
    assert ava.get(f"/api/v1/webhooks/{endpoint_id}").json()["url"] == receiver.url
    on = ava.patch(f"/api/v1/webhooks/{endpoint_id}", {"enabled": True}).json()
    assert on["enabled"] is True and on["disabled_reason"] == ""
    audit = AuditRecord.objects.filter(action="webhook.updated", object_id=endpoint_id)
    assert [a.data["changed"] for a in audit.order_by("created_at")] == [
        {"event_types": ["message.created"]},
        {"enabled": True},
    ]


def test_redelivering_to_a_switched_off_endpoint_is_a_conflict(api_as, receiver):
    ava = api_as("ava")
    endpoint_id = ava.post(
        "/api/v1/webhooks", {"name": "CRM", "url": receiver.url, "event_types": ["*"]}
    ).json()["id"]
    delivery_id = ava.post(f"/api/v1/webhooks/{endpoint_id}/test").json()["id"]
    ava.patch(f"/api/v1/webhooks/{endpoint_id}", {"enabled": False})
    res = ava.post(f"/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver")
    assert res.status_code == 409 and res.json()["error"]["code"] == "webhook_disabled"


def test_delivery_log_pages_newest_first_and_filters(api_as, receiver):
    ava = api_as("ava")
    endpoint_id = ava.post(
        "/api/v1/webhooks", {"name": "CRM", "url": receiver.url, "event_types": ["*"]}
    ).json()["id"]
    ids = [ava.post(f"/api/v1/webhooks/{endpoint_id}/test").json()["id"] for _ in range(5)]
    first = ava.get(f"/api/v1/webhooks/{endpoint_id}/deliveries", {"limit": 3}).json()
    second = ava.get(
        f"/api/v1/webhooks/{endpoint_id}/deliveries", {"limit": 3, "cursor": first["next_cursor"]}
    ).json()
    assert [d["id"] for d in first["items"] + second["items"]] == ids[::-1]
    assert second["next_cursor"] is None
    failed = ava.get(f"/api/v1/webhooks/{endpoint_id}/deliveries", {"status": "failed"}).json()
    assert failed["items"] == []
    bad = ava.get(f"/api/v1/webhooks/{endpoint_id}/deliveries", {"cursor": "nonsense"})
    assert bad.status_code == 422


def test_event_types_are_the_registry(api_as):
    names = [t["name"] for t in api_as("ava").get("/api/v1/webhooks/event-types").json()]
    assert names == sorted(REGISTRY)
