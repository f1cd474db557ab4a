"""`POST /api/v1/conversations/{id}/reply-draft`: the agent's "Draft reply", against the demo
help center and a local model server speaking the chat-completions format."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from kefu.intelligence.testing import FakeReply

QUESTION = "how many confirmations for a btc deposit?"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[Any]:
    """The demo world with its help center (embedding the articles takes seconds: once)."""
    from kefu.exchange.demo import demo_world_build
    from kefu.knowledge.actions import knowledge_demo_load
    from kefu.knowledge.search import INDEX

    with django_db_blocker.unblock():
        w = demo_world_build()
        knowledge_demo_load(author=w.agents["ava"])
        try:
            yield w
        finally:
            call_command("flush", interactive=False, verbosity=0)
            INDEX.reset()


def _client(world: Any, who: str = "mei") -> Client:
    from kefu.accounts.actions import token_issue

    _, token = token_issue(agent=world.agents[who], name="assist")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _conversation(world: Any, *turns: tuple[str, str], uid: str = "") -> Any:
    """A chat conversation: ("customer", text), ("agent", text) or ("note", text) in order."""
    from kefu.conversations.actions import message_receive, message_send, note_add
    from kefu.core.actors import Actor
    from kefu.inboxes.adapters.base import InboundMessage

    conversation = None
    mei = Actor.of_agent(world.agents["mei"])
    for kind, text in turns:
        if kind == "customer":
            conversation = message_receive(
                inbox=world.inboxes["chat"],
                inbound=InboundMessage(
                    identity=f"uid:{uid}" if uid else "v_assist",
                    body=text,
                    exchange_uid=uid,
                    thread="new" if conversation is None else "latest",
                    conversation_id=str(conversation.pk) if conversation else None,
                ),
            ).conversation
        elif kind == "agent":
            message_send(conversation=conversation, actor=mei, body=text)
        else:
            note_add(conversation=conversation, actor=mei, body=text)
    return conversation


def _draft(client: Client, conversation: Any) -> Any:
    return client.post(f"/api/v1/conversations/{conversation.pk}/reply-draft")


def test_a_draft_cites_the_help_center_and_nothing_is_sent(world, db, fake_llm):
    from kefu.conversations.models import Message

    conversation = _conversation(
        world,
        ("customer", "hi, I moved BTC from my other exchange"),
        ("agent", "Hello! Let me look into it."),
        ("note", "VIP 2 customer, UID 100284731, be quick"),
        ("customer", QUESTION),
    )
    before = Message.objects.filter(conversation=conversation).count()
    res = _draft(_client(world), conversation)
    assert res.status_code == 200, res.content
    draft = res.json()
    assert draft["outcome"] == "drafted" and draft["violations"] == []
    assert draft["model"] == "kefu-test-model" and draft["latency_ms"] >= 0
    (source,) = draft["sources"]
    assert source["number"] == 1 and source["url"].startswith(settings.PUBLIC_URL + "/help/")
    text, listed = draft["body"].split("\n\nSources:\n")
    assert text.endswith("[1]")
    assert listed == f"[1] {source['title']}: {source['url']}"
    # A draft only: nothing stored, nothing sent.
    assert Message.objects.filter(conversation=conversation).count() == before
    # The model read the public conversation, never the private note.
    (request,) = fake_llm.requests
    user = request.body["messages"][1]["content"]
    assert (
        "Customer: hi, I moved BTC from my other exchange\n"
        "Agent: Hello! Let me look into it.\n"
        f"Customer: {QUESTION}\n\nDraft the agent's next reply" in user
    )
    assert "VIP" not in request.text and "100284731" not in request.text


def test_what_is_sent_holds_no_personal_data(world, db, fake_llm):
    conversation = _conversation(
        world,
        (
            "customer",
            "I'm Wang Hao (UID 100284731), mail wang.hao@example.cn, tel +86 138 0013 8000. "
            + QUESTION,
        ),
        uid="100284731",
    )
    assert _draft(_client(world), conversation).status_code == 200
    (request,) = fake_llm.requests
    for leaked in ("Wang", "100284731", "wang.hao@example.cn", "138 0013 8000"):
        assert leaked not in request.text, leaked
    assert "Customer: I'm [customer] (UID [number]), mail [email], tel [number]." in request.text


def test_a_draft_the_guard_would_block_comes_back_with_the_reasons(world, db, fake_llm):
    fake_llm.script(FakeReply.answer("To check the deposit, send us your seed phrase [1]."))
    res = _draft(_client(world), _conversation(world, ("customer", QUESTION)))
    assert res.status_code == 200
    draft = res.json()
    assert draft["outcome"] == "drafted" and "seed phrase" in draft["body"]
    assert [v["rule"] for v in draft["violations"]] == ["ask_seed_phrase"]
    assert draft["violations"][0]["message"]


def test_no_answer_in_the_help_center_drafts_nothing(world, db, fake_llm):
    fake_llm.script(FakeReply.no_answer())
    res = _draft(_client(world), _conversation(world, ("customer", QUESTION)))
    assert res.json() | {"model": ""} == {
        "outcome": "no_answer", "body": "", "sources": [], "model": "", "latency_ms": 0,
        "violations": [],
    }  # fmt: skip
    # Nothing in the help center even comes close: the model is not asked at all.
    fake_llm.reset()
    res = _draft(_client(world), _conversation(world, ("customer", "purple elephants on the moon")))
    assert res.status_code == 200 and res.json()["outcome"] == "no_answer"
    assert fake_llm.requests == []


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        (FakeReply.error(500), "llm_unavailable"),
        (FakeReply.malformed(), "llm_unavailable"),
        (FakeReply.truncated(), "llm_unavailable"),
        (FakeReply.answer("Deposits need two confirmations."), "llm_ungrounded"),
        (FakeReply.answer("Deposits need two confirmations [4]."), "llm_ungrounded"),
    ],
)
def test_a_failed_draft_is_a_clear_error(world, db, fake_llm, reply, code):
    fake_llm.script(reply)
    res = _draft(_client(world), _conversation(world, ("customer", QUESTION)))
    assert res.status_code == 503
    assert res.json()["error"]["code"] == code and res.json()["error"]["message"]


def test_a_slow_model_times_out(world, db, fake_llm, settings):
    settings.LLM_TIMEOUT_MS = 300
    fake_llm.script(FakeReply.slow(1.5))
    res = _draft(_client(world), _conversation(world, ("customer", QUESTION)))
    assert res.status_code == 503 and "(timeout)" in res.json()["error"]["message"]


def test_without_a_model_there_is_no_draft_and_no_button(world, db, settings):
    settings.LLM_BASE_URL = ""
    conversation = _conversation(world, ("customer", QUESTION))
    res = _draft(_client(world), conversation)
    assert res.status_code == 409 and res.json()["error"]["code"] == "llm_off"
    console = Client()
    console.force_login(world.agents["mei"])
    page = console.get(f"/console/conversations/{conversation.pk}/").content.decode()
    assert 'id="composer-body"' in page and 'id="draft-reply"' not in page


def test_the_console_shows_the_button_when_a_model_is_configured(world, db, fake_llm):
    conversation = _conversation(world, ("customer", QUESTION))
    console = Client()
    console.force_login(world.agents["mei"])
    page = console.get(f"/console/conversations/{conversation.pk}/").content.decode()
    assert 'id="draft-reply"' in page and 'id="draft-guard"' in page
    boot = json.loads(
        page.split('id="kefu-boot" type="application/json">')[1].split("</script>")[0]
    )
    assert boot["strings"]["draft_reply"] == "Draft reply"


def test_the_console_session_can_draft_with_its_csrf_token(world, db, fake_llm):
    """What the console's script does: session cookie plus the X-CSRFToken header."""
    conversation = _conversation(world, ("customer", QUESTION))
    console = Client(enforce_csrf_checks=True)
    console.force_login(world.agents["mei"])
    console.get(f"/console/conversations/{conversation.pk}/")
    token = console.cookies[settings.CSRF_COOKIE_NAME].value
    refused = console.post(f"/api/v1/conversations/{conversation.pk}/reply-draft")
    assert refused.status_code in (401, 403)
    res = console.post(
        f"/api/v1/conversations/{conversation.pk}/reply-draft", HTTP_X_CSRFTOKEN=token
    )
    assert res.status_code == 200 and res.json()["outcome"] == "drafted"


def test_only_agents_who_see_the_conversation_may_draft(world, db, fake_llm):
    conversation = _conversation(world, ("customer", QUESTION))
    assert _draft(_client(world, "noor"), conversation).status_code == 404  # analyst
    assert _draft(Client(), conversation).status_code == 401
    assert fake_llm.requests == []


def test_a_message_composed_by_the_model_is_marked_in_the_thread(world, db):
    from kefu.conversations.actions import message_send
    from kefu.core.actors import Actor

    conversation = _conversation(world, ("customer", QUESTION))
    message_send(
        conversation=conversation,
        actor=Actor.bot(),
        body="Two confirmations [1].",
        metadata={"llm": {"model": "qwen2.5-7b", "cited": ["deposit-confirmations"]}},
    )
    console = Client()
    console.force_login(world.agents["mei"])
    page = console.get(f"/console/conversations/{conversation.pk}/").content.decode()
    assert "Written by the language model (qwen2.5-7b) from:" in page
    assert 'data-flag="llm"' in page and "deposit-confirmations" in page
