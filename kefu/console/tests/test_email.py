"""Email conversations in the console: headers, sender checks and cc/bcc on replies."""

from __future__ import annotations

from kefu.console.tests.test_views import client_for, url
from kefu.conversations.models import Message
from kefu.inboxes.adapters.email.actions import email_import

SPOOFED = (
    b"From: James Carter <james.carter@example.com>\r\nTo: support@lumen.exchange\r\n"
    b"Cc: Lawyer <counsel@example.com>\r\nSubject: Send my BTC to this new address\r\n"
    b"Message-ID: <spoof-1@evil.example>\r\n"
    b"Authentication-Results: mx.lumen.exchange; spf=fail smtp.mailfrom=example.com;"
    b" dkim=none; dmarc=fail header.from=example.com\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nPlease move everything to bc1qattacker.\r\n"
)


def _known_sender(demo) -> str:
    from kefu.contacts.models import Identity

    return (
        Identity.objects.filter(inbox=demo.inboxes["email"])
        .values_list("external_id", flat=True)
        .first()
    )


def test_email_message_shows_headers_sender_checks_and_spoof_warning(demo):
    sender = _known_sender(demo)
    raw = SPOOFED.replace(b"james.carter@example.com", sender.encode())
    outcome = email_import(inbox=demo.inboxes["email"], raw=raw)
    assert outcome.status == "created"
    page = client_for(demo, "ava").get(url(outcome.message.conversation)).content.decode()
    assert "Send my BTC to this new address" in page
    assert "counsel@example.com" in page  # Cc
    assert "DMARC fail" in page and "SPF fail" in page
    assert "Possibly spoofed" in page
    assert 'id="composer-cc"' in page and 'id="composer-bcc"' in page


def test_chat_conversations_have_no_cc_fields(demo):
    page = client_for(demo, "ava").get(url(demo.conversations["hacked_en"])).content.decode()
    assert "composer-cc" not in page


def test_reply_with_cc_and_bcc_from_the_console(demo):
    import json

    outcome = email_import(
        inbox=demo.inboxes["email"],
        raw=SPOOFED.replace(b"Authentication-Results", b"X-Ignored").replace(
            b"james.carter@example.com", b"new.customer@example.org"
        ),
    )
    conversation = outcome.message.conversation
    client = client_for(demo, "ava", enforce_csrf_checks=False)
    response = client.post(
        f"/api/v1/conversations/{conversation.pk}/messages",
        json.dumps({"body": "Copying our compliance team.", "cc": ["counsel@example.com"],
                    "bcc": ["compliance@lumen.exchange"]}),
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    reply = Message.objects.get(pk=response.json()["id"])
    assert reply.metadata["email"] == {
        "cc": ["counsel@example.com"],
        "bcc": ["compliance@lumen.exchange"],
    }
    page = client.get(url(conversation)).content.decode()
    assert "compliance@lumen.exchange" in page  # agents see the Bcc on our own message

    bad = client.post(
        f"/api/v1/conversations/{conversation.pk}/messages",
        json.dumps({"body": "x", "cc": ["not an address"]}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    chat = client.post(
        f"/api/v1/conversations/{demo.conversations['hacked_en'].pk}/messages",
        json.dumps({"body": "x", "cc": ["a@example.com"]}),
        content_type="application/json",
    )
    assert chat.status_code == 422
