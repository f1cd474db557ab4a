from __future__ import annotations

from pathlib import Path

import pytest

from kefu.conversations.actions import message_receive
from kefu.conversations.models import Message
from kefu.inboxes.adapters.base import InboundMessage
from kefu.intelligence import enrichment as enrichment_module
from kefu.intelligence.actions import triage_model_train
from kefu.intelligence.triage import examples_from_help_center

pytestmark = pytest.mark.django_db

HELP = Path(__file__).parent / "fixtures" / "helpcenter"


def _say(inbox, identity, body, **kw):
    return message_receive(inbox=inbox, inbound=InboundMessage(identity=identity, body=body, **kw))


@pytest.fixture
def trained(db):
    return triage_model_train(examples=examples_from_help_center(HELP), source="help-center")


def test_every_inbound_message_carries_language_and_sentiment(
    demo, events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        r = _say(
            demo.inboxes["chat"], "angry-1", "My account was HACKED and all my money is gone!!!"
        )
    nlp = Message.objects.get(pk=r.message.pk).metadata["nlp"]
    assert nlp["language"] == "en"
    assert nlp["anger"] is True
    assert nlp["urgency"] == "urgent"
    assert "says 'HACKED'" in nlp["reasons"] and "says 'all my money'" in nlp["reasons"]
    assert nlp["score"] < -0.8
    assert r.conversation.language == "en"
    created = [e for e in events if e.type == "message.created"][-1]
    assert created.payload["nlp"]["urgency"] == "urgent"
    assert created.payload["conversation"]["language"] == "en"
    # The customer's own stream never sees how they were scored.
    assert created.public_payload["nlp"] is None


def test_conversation_language_is_sticky_through_message_receive(demo):
    chat = demo.inboxes["chat"]
    r = _say(chat, "wang-2", "我的提币三个小时了还没到账")
    assert r.conversation.language == "zh-Hans"
    for short in ["ok", "thanks", "👍", "0x3f5CE5FBFe3E9af3971dD833D26bA9b5C936f0bE"]:
        r = _say(chat, "wang-2", short)
        r.conversation.refresh_from_db()
        assert r.conversation.language == "zh-Hans", short
    r = _say(chat, "wang-2", "Sorry, can we continue in English please? I cannot read Chinese well")
    r.conversation.refresh_from_db()
    assert r.conversation.language == "en"


def test_a_new_conversation_gets_a_confident_topic(demo, trained):
    r = _say(demo.inboxes["chat"], "topic-1", "Someone stole my coins, my account was hacked")
    r.conversation.refresh_from_db()
    assert r.conversation.topic == "security"
    nlp = Message.objects.get(pk=r.message.pk).metadata["nlp"]
    assert nlp["topic"]["topic"] == "security"
    assert nlp["topic"]["team"] == "security"


def test_no_topic_when_the_classifier_does_not_know(demo, trained):
    r = _say(demo.inboxes["chat"], "topic-2", "hello")
    r.conversation.refresh_from_db()
    assert r.conversation.topic == ""
    # The real question, a moment later, still names the topic of the young conversation.
    r = _say(demo.inboxes["chat"], "topic-2", "my withdrawal is still pending after hours")
    r.conversation.refresh_from_db()
    assert r.conversation.topic == "withdrawals"
    # Once set, later messages leave it alone.
    r = _say(demo.inboxes["chat"], "topic-2", "also how do I place a limit order?")
    r.conversation.refresh_from_db()
    assert r.conversation.topic == "withdrawals"


def test_without_a_model_messages_are_still_enriched(demo):
    r = _say(demo.inboxes["chat"], "nomodel", "¿Dónde está mi retiro? Es urgente")
    nlp = Message.objects.get(pk=r.message.pk).metadata["nlp"]
    assert nlp["language"] == "es" and nlp["topic"] is None and nlp["urgency"] == "high"
    assert r.conversation.topic == ""


def test_an_nlp_failure_never_loses_the_message(demo, monkeypatch, caplog):
    def broken(text):
        raise RuntimeError("lexicon exploded")

    monkeypatch.setattr(enrichment_module, "analyze", broken)
    r = _say(demo.inboxes["chat"], "unlucky", "my deposit is missing", source_id="m-1")
    stored = Message.objects.get(pk=r.message.pk)
    assert stored.body == "my deposit is missing"
    assert "nlp" not in stored.metadata
    assert "enrichment failed" in caplog.text


def test_enrichment_runs_on_the_redacted_body(demo):
    seed = "abandon ability able about above absent absorb abstract absurd abuse access accident"
    r = _say(demo.inboxes["chat"], "seedy", f"HELP my seed is {seed} I was scammed")
    stored = Message.objects.get(pk=r.message.pk)
    assert "abandon" not in str(stored.metadata)
    assert stored.metadata["nlp"]["urgency"] == "urgent"


def test_email_messages_are_enriched_too(demo):
    r = _say(
        demo.inboxes["email"],
        "kunde@example.de",
        "Meine Auszahlung ist seit gestern nicht angekommen. Ich schalte meinen Anwalt ein.",
        subject="Auszahlung",
        thread="new",
    )
    nlp = Message.objects.get(pk=r.message.pk).metadata["nlp"]
    assert nlp["language"] == "de"
    assert nlp["anger"] is True
    assert "says 'Anwalt'" in nlp["reasons"]
    r.conversation.refresh_from_db()
    assert r.conversation.language == "de"


def test_enrichment_can_be_switched_off(demo, settings):
    settings.ENRICHMENT_ENABLED = False
    r = _say(demo.inboxes["chat"], "off-1", "my account was hacked")
    assert "nlp" not in Message.objects.get(pk=r.message.pk).metadata


def test_the_console_shows_language_sentiment_urgency_and_reasons(demo, trained):
    from django.test import Client

    r = _say(demo.inboxes["chat"], "console-1", "My account was hacked, this is ridiculous!!!")
    client = Client()
    assert client.login(username=demo.agents["ava"].email, password="lumen-demo-2026")
    page = client.get(f"/console/conversations/{r.conversation.pk}/").content.decode()
    badge = page[page.index('<div class="nlp"') :]
    badge = badge[: badge.index("</div>")]
    assert 'data-nlp-urgency="urgent"' in badge
    assert ">en<" in badge and "Angry" in badge and "Urgent" in badge
    assert "says &#x27;hacked&#x27;" in badge and "says &#x27;ridiculous&#x27;" in badge
    # The header names the topic the classifier chose for the new conversation.
    assert "· security" in page


@pytest.mark.django_db(transaction=True)
def test_warm_up_caches_the_encoder_pieces_of_the_topic_models_words():
    from kefu.intelligence import embeddings

    model = triage_model_train(examples=examples_from_help_center(HELP), source="help-center")
    embeddings.encoder()
    embeddings.piece_cache_clear()
    enrichment_module.enrichment_warm_up()
    classifier = enrichment_module.enrichment_model()
    assert classifier is not None and model.active
    tokenize = embeddings.encoder()._tokenizer.encode
    common = {p for word in classifier.common_words()[:20] for p in tokenize(word, out_type=int)}
    assert common <= set(embeddings._one_text._slots)
