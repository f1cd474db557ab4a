"""The admin pages and the `kefu webhooks` command go through the same actions."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from kefu.automation.models import WebhookDelivery, WebhookEndpoint
from kefu.core.models import AuditRecord

pytestmark = pytest.mark.django_db


def _cli(*args: str) -> str:
    out = StringIO()
    call_command("webhooks", *args, stdout=out)
    return out.getvalue()


def test_the_command_creates_tests_and_reads_the_log(receiver):
    created = _cli("create", "CRM", receiver.url, "--events", "message.created,sla.breached")
    secret = re.search(r"secret \(shown once\): (whsec_\S+)", created).group(1)
    endpoint = WebhookEndpoint.objects.get(name="CRM")
    assert endpoint.event_types == ["message.created", "sla.breached"]
    assert secret not in endpoint.secret_sealed
    assert "CRM" in _cli("list")

    assert _cli("test", "CRM").startswith("delivered: HTTP 204")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert str(delivery.pk) in _cli("deliveries", "CRM")
    assert _cli("redeliver", str(delivery.pk)).startswith("queued as ")

    assert _cli("disable", "CRM") == "CRM: off\n"
    assert "off (switched off by cli)" in _cli("list")
    with pytest.raises(CommandError, match="switched off"):
        _cli("redeliver", str(delivery.pk))
    assert _cli("enable", str(endpoint.pk)) == "CRM: on\n"
    rotated = _cli("rotate-secret", "CRM", "--keep-hours", "0")
    assert "whsec_" in rotated and "also signs" not in rotated

    receiver.answer(500)
    with pytest.raises(CommandError, match="not delivered"):
        _cli("test", "CRM")
    with pytest.raises(CommandError, match="unknown event type"):
        _cli("create", "Bad", receiver.url, "--events", "nope.never")


def test_the_admin_adds_an_endpoint_through_the_action_and_shows_its_secret_once(demo):
    c = Client()
    c.force_login(demo.agents["ava"])
    res = c.post(
        "/admin/automation/webhookendpoint/add/",
        {
            "name": "CRM",
            "url": "https://hooks.example.com/kefu",
            "enabled": "on",
            "event_types_text": "conversation.created, message.created",
        },
        follow=True,
    )
    assert res.status_code == 200
    endpoint = WebhookEndpoint.objects.get(name="CRM")
    assert endpoint.event_types == ["conversation.created", "message.created"]
    shown = re.search(r"Signing secret of CRM: (whsec_\S+)", res.content.decode()).group(1)
    assert endpoint.signing_secrets(at=endpoint.created_at) == [shown]
    assert AuditRecord.objects.filter(action="webhook.created", object_id=str(endpoint.pk)).exists()
    page = c.get(f"/admin/automation/webhookendpoint/{endpoint.pk}/change/").content.decode()
    assert shown not in page  # never again

    refused = c.post(
        "/admin/automation/webhookendpoint/add/",
        {"name": "Bad", "url": "http://hooks.example.com/", "event_types_text": "*"},
    )
    assert refused.status_code == 200 and "https://" in refused.content.decode()
    assert not WebhookEndpoint.objects.filter(name="Bad").exists()
    assert c.get("/admin/automation/webhookdelivery/").status_code == 200


def test_the_inbox_admin_shows_and_rotates_the_inbox_secret(demo):
    inbox = demo.inboxes["api"]
    before = inbox.signing_secret()
    c = Client()
    c.force_login(demo.agents["ava"])
    assert before in c.get(f"/admin/inboxes/inbox/{inbox.pk}/change/").content.decode()
    c.post(
        "/admin/inboxes/inbox/",
        {"action": "rotate_secret", "_selected_action": [str(inbox.pk)]},
    )
    inbox.refresh_from_db()
    assert inbox.signing_secret() != before
    assert AuditRecord.objects.filter(
        action="inbox.secret_rotated", object_id=str(inbox.pk)
    ).exists()
