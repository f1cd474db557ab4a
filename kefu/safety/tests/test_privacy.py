"""Contact data export and erasure (GDPR), retention, and the API and command around them."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command

from kefu.conversations.actions import message_receive
from kefu.conversations.models import Attachment, Message
from kefu.core.actors import Actor
from kefu.core.models import AuditRecord
from kefu.inboxes.adapters.base import InboundAttachment, InboundMessage
from kefu.safety.actions import anti_phishing_code_set
from kefu.safety.models import AntiPhishingCode

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_export_has_the_customers_data_and_not_internal_notes(api_as, demo):
    wang = demo.contacts["wang"]
    res = api_as("ava").get(f"/api/v1/contacts/{wang.pk}/export")
    assert res.status_code == 200
    data = res.json()
    assert data["contact"]["name"] == "Wang Hao" and data["contact"]["exchange_uid"] == "100284731"
    bodies = [m["body"] for c in data["conversations"] for m in c["messages"]]
    assert any("2,500 USDT" in b for b in bodies)
    notes = Message.objects.filter(conversation__contact=wang, private=True)
    assert all(n.body not in bodies for n in notes)
    assert AuditRecord.objects.filter(action="contact.exported", object_id=str(wang.pk)).exists()


def test_erase_removes_what_identifies_the_customer_and_keeps_the_case(api_as, demo):
    r = message_receive(
        inbox=demo.inboxes["chat"],
        inbound=InboundMessage(
            identity="visitor-erase",
            name="Erin Example",
            email="erin@example.org",
            body="My passport scan attached, call me on +44 7700 900123",
            attachments=(InboundAttachment(filename="passport.png", content=PNG),),
        ),
    )
    contact = r.conversation.contact
    anti_phishing_code_set(contact=contact, code="Owl2026", source="customer", actor=Actor.system())
    files = [a.file.path for a in Attachment.objects.filter(message__conversation=r.conversation)]
    api = api_as("ava")
    assert api.post(f"/api/v1/contacts/{contact.pk}/erase", {"reason": ""}).status_code == 422
    res = api.post(f"/api/v1/contacts/{contact.pk}/erase", {"reason": "DSR-2026-11-0042"})
    assert res.status_code == 200
    assert res.json()["messages"] == 1 and res.json()["attachments"] == 1
    contact.refresh_from_db()
    assert (contact.name, contact.email, contact.phone) == ("", "", "")
    assert not contact.identities.exists() and not contact.emails.exists()
    assert not AntiPhishingCode.objects.filter(contact=contact).exists()
    msg = Message.objects.get(pk=r.message.pk)
    assert msg.body == "[erased]" and not msg.attachments.exists()
    import os

    assert not any(os.path.exists(p) for p in files)
    r.conversation.refresh_from_db()
    assert r.conversation.number  # the case itself stays, for the exchange's records
    audit = AuditRecord.objects.get(action="contact.erased", object_id=str(contact.pk))
    assert audit.data["reason"] == "DSR-2026-11-0042"
    assert "Erin" not in json.dumps(audit.data) and "+44" not in json.dumps(audit.data)


@pytest.mark.parametrize("who", ["priya", "mei", "noor"])
def test_only_admins_export_erase_and_set_codes(api_as, demo, who):
    wang = demo.contacts["wang"]
    api = api_as(who)
    assert api.get(f"/api/v1/contacts/{wang.pk}/export").status_code == 403
    assert api.post(f"/api/v1/contacts/{wang.pk}/erase", {"reason": "x"}).status_code == 403
    res = api.client.put(
        f"/api/v1/contacts/{wang.pk}/anti-phishing-code",
        json.dumps({"code": "Abcd1234"}),
        content_type="application/json",
    )
    assert res.status_code == 403


def test_exchange_sets_a_code_without_it_being_echoed(api_as, demo):
    wang = demo.contacts["wang"]
    res = api_as("ava").client.put(
        f"/api/v1/contacts/{wang.pk}/anti-phishing-code",
        json.dumps({"code": "Lotus88"}),
        content_type="application/json",
    )
    assert res.status_code == 200 and "Lotus88" not in res.content.decode()
    assert AntiPhishingCode.objects.get(contact=wang).code == "Lotus88"


def test_retention_erases_only_inactive_contacts(demo, settings):
    from kefu.contacts.models import Contact
    from kefu.conversations.models import Conversation

    settings.CONTACT_RETENTION_DAYS = 0
    out = io.StringIO()
    call_command("safety", "retention", stdout=out)
    assert "erased 0" in out.getvalue()
    settings.CONTACT_RETENTION_DAYS = 365
    yuki = demo.contacts["yuki"]
    old = yuki.created_at - timedelta(days=400)
    Contact.objects.filter(pk=yuki.pk).update(created_at=old)
    Conversation.objects.filter(contact=yuki).update(last_activity_at=old)
    call_command("safety", "retention", stdout=out)
    assert "erased 1" in out.getvalue()
    yuki.refresh_from_db()
    assert yuki.name == "" and demo.contacts["wang"].name == "Wang Hao"


def test_command_exports_and_erases(demo):
    alex = demo.contacts["alex"]
    out = io.StringIO()
    call_command("safety", "export", str(alex.pk), stdout=out)
    assert json.loads(out.getvalue())["contact"]["name"] == "Alex Petrov"
    out = io.StringIO()
    call_command("safety", "erase", str(alex.pk), "--reason", "ticket 7", stdout=out)
    assert json.loads(out.getvalue())["messages"] >= 1
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no contact"):
        call_command("safety", "export", "not-a-uuid")
