"""A secret a customer pastes never reaches the database or the logs, on any channel."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from django.apps import apps
from django.test import Client
from mnemonic import Mnemonic

from kefu.conversations.actions import message_receive
from kefu.conversations.models import Conversation, Message
from kefu.inboxes.adapters.base import InboundMessage
from kefu.safety.signing import signature_make

pytestmark = pytest.mark.django_db(transaction=True)

PRIVATE_KEY = "e9873d79c6d87dc0fb6a5778633389f4453213303da61f20bd67fc233aa33262"


def _phrase(language: str, strength: int = 128) -> str:
    return Mnemonic(language).generate(strength=strength)


def _everything_stored() -> str:
    """Every row of every table, as text."""
    chunks = []
    for model in apps.get_models():
        for row in model.objects.all().values():
            chunks.append(json.dumps(row, default=str, ensure_ascii=False))
    return "\n".join(chunks)


def _assert_absent(secret_words: list[str], haystack: str) -> None:
    # Any 4 consecutive words of the phrase would be a leak; so would the key.
    for i in range(len(secret_words) - 3):
        window = " ".join(secret_words[i : i + 4])
        assert window not in haystack, f"seed words leaked: {window!r}"
    assert PRIVATE_KEY not in haystack


@pytest.mark.parametrize(
    ("language", "lang_code", "warning_word"),
    [
        ("english", "en", "seed phrase"),
        ("chinese_simplified", "zh-Hans", "助记词"),
        ("spanish", "es", "frase semilla"),
    ],
)
def test_api_channel_and_action_never_store_the_secret(
    demo, caplog, language, lang_code, warning_word
):
    caplog.set_level(logging.DEBUG)
    phrase = _phrase(language)
    words = phrase.split("\u3000" if language == "japanese" else " ")
    inbox = demo.inboxes["api"]
    text = f"my wallet words are: {phrase}. and key {PRIVATE_KEY} please help, funds gone"
    body = json.dumps(
        {
            "identity": f"leaky-{language}",
            "body": text,
            "source_id": f"leak-{language}",
            "language": lang_code,
        }
    ).encode()
    res = Client().post(
        f"/api/v1/inboxes/{inbox.pk}/messages",
        body,
        content_type="application/json",
        HTTP_X_KEFU_SIGNATURE=signature_make(secret=inbox.signing_secret(), body=body),
    )
    assert res.status_code == 201, res.content
    assert phrase not in res.content.decode() and PRIVATE_KEY not in res.content.decode()
    message = Message.objects.get(pk=res.json()["message"]["id"])
    assert set(message.redactions) == {"seed_phrase", "private_key"}
    assert "[redacted" in message.body

    # direct action too (what email and other adapters call)
    message_receive(
        inbox=demo.inboxes["chat"],
        inbound=InboundMessage(identity=f"chat-{language}", body=text, subject=phrase),
    )

    _assert_absent(words, _everything_stored())
    _assert_absent(words, caplog.text)

    conversation = Conversation.objects.get(pk=res.json()["conversation"]["id"])
    assert conversation.priority == "urgent" and conversation.team.slug == "security"
    assert "secret-shared" in set(conversation.tags.values_list("name", flat=True))
    warning = conversation.messages.get(metadata__notice="secret_shared")
    assert warning.direction == "outgoing" and warning_word in warning.body


def test_widget_socket_never_stores_the_secret(demo, caplog):
    from channels.testing.websocket import WebsocketCommunicator

    from kefu.asgi import application
    from kefu.realtime.publisher import publisher_detach

    caplog.set_level(logging.DEBUG)
    phrase = _phrase("japanese", 256)
    inbox = demo.inboxes["chat"]
    state = (
        Client()
        .post(
            "/api/v1/widget/sessions",
            json.dumps({"inbox_id": str(inbox.pk)}),
            content_type="application/json",
        )
        .json()
    )

    async def scenario():
        widget = WebsocketCommunicator(application, f"/ws/widget/?session={state['session']}")
        await widget.connect()
        await widget.receive_json_from()
        await widget.send_json_to(
            {"type": "message", "client_id": "leak-000001", "body": f"助けて {phrase}"}
        )
        seen = []
        while True:
            msg = await widget.receive_json_from(timeout=5)
            seen.append(msg)
            if (
                msg.get("event") == "message.created"
                and msg["payload"]["message"]["author"]["kind"] == "system"
            ):
                break
        await widget.disconnect()
        return seen

    try:
        seen = asyncio.run(scenario())
    finally:
        publisher_detach()
    assert phrase not in json.dumps(seen, ensure_ascii=False)
    stored = _everything_stored()
    _assert_absent(phrase.split("\u3000"), stored)
    _assert_absent(phrase.split("\u3000"), caplog.text)
