"""The bot with the optional language model, against a local server speaking the real
chat-completions format (kefu.intelligence.testing): grounded answers with citation links,
NO_ANSWER as a miss, and every bad or failed model answer replaced by the rules' answer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from kefu.intelligence.testing import FakeReply

WANG = "100284731"
DEPOSIT = "how many confirmations for a btc deposit"
SLUG = "deposit-confirmations"


@pytest.fixture
def llm(world, db, fake_llm) -> Iterator[Any]:
    """The demo chat inbox with the model on (its bot's `llm` setting)."""
    from kefu.bot.actions import bot_configure

    original = world.inboxes["chat"]
    world.inboxes["chat"] = bot_configure(inbox=original, llm=True)
    yield fake_llm
    world.inboxes["chat"] = original


def _url(slug: str, language: str = "en") -> str:
    from kefu.knowledge.selectors import article_url

    return settings.PUBLIC_URL + article_url(slug, language)


def _sent(c: Any) -> list[Any]:
    from kefu.conversations.models import Message

    return list(
        Message.objects.filter(
            conversation=c.conversation, direction="outgoing", private=False
        ).order_by("created_at")
    )


def _rules_reply(chat: Any, text: str, **kw: Any) -> list[str]:
    """What the bot says to `text` without the model, in a conversation of its own."""
    from kefu.bot.actions import bot_handle
    from kefu.conversations.actions import message_receive
    from kefu.inboxes.adapters.base import InboundMessage

    c = chat(**kw)
    result = message_receive(
        inbox=c.world.inboxes["chat"],
        inbound=InboundMessage(identity=c.identity, body=text, language=c.language, thread="new"),
    )
    turn = bot_handle(message=result.message, llm=False)
    return turn.replies


def test_the_model_answers_from_the_help_center_with_citation_links(chat, llm):
    c = chat(language="en")
    turn = c.say(DEPOSIT)
    assert turn.llm and not turn.handoff and turn.article == SLUG
    (reply,) = turn.replies
    answer, sources = reply.split("\n\nSources:\n")
    assert answer.endswith("[1]")
    assert sources.startswith("[1] ") and f": {_url(SLUG)}\n" in sources
    assert 'write "agent"' in sources
    (message,) = _sent(c)
    meta = message.metadata["llm"]
    assert meta["model"] == "kefu-test-model" and meta["cited"] == [SLUG]
    assert SLUG in meta["sources"] and isinstance(meta["latency_ms"], int)
    assert meta["completion_id"].startswith("chatcmpl-")
    # What the model was given: the numbered articles, the language and the question.
    (request,) = llm.requests
    system, user = request.body["messages"]
    assert system["role"] == "system" and "NO_ANSWER" in system["content"]
    assert "English" in system["content"]
    assert "\n\n[1] " in user["content"] and "\n\n[2] " in user["content"]
    assert user["content"].endswith(f"Customer's question:\n{DEPOSIT}")


def test_it_cites_only_what_it_used_and_answers_in_the_customers_language(chat, llm):
    llm.script(FakeReply.answer("Los depósitos necesitan confirmaciones de la red [2]."))
    c = chat(language="es")
    turn = c.say("¿cuántas confirmaciones necesita un depósito de BTC?")
    assert turn.llm
    (reply,) = turn.replies
    assert reply.startswith(
        "Los depósitos necesitan confirmaciones de la red [2].\n\nFuentes:\n[2] "
    )
    assert "[1]" not in reply
    assert "Spanish" in llm.requests[0].body["messages"][0]["content"]


def test_no_answer_is_a_miss_and_the_second_hands_off(chat, llm):
    llm.script(FakeReply.no_answer(), FakeReply.no_answer())
    c = chat(language="en")
    first = c.say("can I deposit USDT from a wallet my company owns?")
    assert not first.llm and not first.handoff
    assert "other words" in first.replies[0]
    second = c.say("deposit from a corporate wallet, is that allowed?")
    assert second.handoff == "bot_failed_twice"
    assert len(llm.requests) == 2
    note = c.notes()[0]
    assert "the model found no answer in the help center" in note


BAD = [
    "To restore access, please send us your 12-word seed phrase here [1].",
    "Reply with the 6-digit 2FA code you just received so I can verify you [1].",
    "Please tell me your account password so we can check the deposit [1].",
    "Send your private key to our security team for verification [1].",
    "请把您的助记词发给我们，以便核实您的充值 [1]。",
    "Por favor envíanos tu frase semilla para verificar tu depósito [1].",
    "Install AnyDesk and share the code so an agent can fix your deposit [1].",
    "Send the deposit again to 0x52908400098527886E0F7030069857D2E4169EE7 [1].",
    "Check your deposit at lumen-exchange-support.com/verify first [1].",
    "Check your deposit at https://lumen-exchange.support/verify first [1].",
]


@hsettings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    bad=st.sampled_from(BAD),
    before=st.sampled_from(["", "Deposits usually arrive within minutes [1]. "]),
    after=st.sampled_from(["", " Most deposits need network confirmations [1]."]),
)
def test_a_model_answer_the_guard_blocks_never_reaches_the_customer(chat, llm, bad, before, after):
    llm.reset()
    llm.script(FakeReply.answer(before + bad + after))
    c = chat(language="en")
    turn = c.say(DEPOSIT)
    assert not turn.llm
    sent = _sent(c)
    assert sent, "the bot still answers, by its rules"
    for message in sent:
        assert bad not in message.body and "llm" not in message.metadata
    assert turn.replies == _rules_reply(chat, DEPOSIT, language="en")


def test_every_blocked_output_is_caught_by_the_guard_or_the_grounding_check():
    """The property above holds for a reason: each bad answer is refused by one of the two."""
    from kefu.intelligence.grounding import Source, Ungrounded, grounded_parse
    from kefu.safety.guard import outbound_check

    sources = [Source(1, "a", "deposit-not-credited", "t", "https://x/help", "…")]
    for bad in BAD:
        try:
            grounded_parse(bad, sources)
        except Ungrounded:
            continue
        assert outbound_check(bad, official_domains=["127.0.0.1"]).blocked, bad


@pytest.mark.parametrize(
    "reply",
    [
        FakeReply.error(500),
        FakeReply.error(429),
        FakeReply.malformed(),
        FakeReply.no_choices(),
        FakeReply.truncated(),
        FakeReply.filtered(),
        FakeReply.answer("Deposits usually arrive within minutes [7]."),  # not a given source
        FakeReply.answer("Deposits usually arrive within minutes."),  # no citation
    ],
    ids=["500", "429", "malformed", "no-choices", "length", "filtered", "bad-cite", "uncited"],
)
def test_a_failed_or_ungrounded_model_answer_falls_back_to_the_rules(chat, llm, reply):
    llm.script(reply)
    c = chat(language="en")
    turn = c.say(DEPOSIT)
    assert not turn.llm and len(llm.requests) == 1
    assert turn.replies == _rules_reply(chat, DEPOSIT, language="en")
    assert turn.article == SLUG  # the rules answered with the article


def test_a_slow_model_times_out_and_the_rules_answer(chat, llm, settings):
    settings.LLM_TIMEOUT_MS = 300
    llm.script(FakeReply.slow(2.0, "Late but cited [1]."))
    c = chat(language="en")
    turn = c.say(DEPOSIT)
    assert not turn.llm and turn.article == SLUG
    assert turn.ms < 1500
    assert c.say("agent").handoff == "asked_for_human"
    assert "no usable answer from the model (timeout)" in c.notes()[0]


def test_with_the_model_off_nothing_changes_and_nothing_is_sent(chat, world, fake_llm):
    """The inbox's `llm` is off (the default): the server is configured but never called."""
    from kefu.bot.actions import bot_llm_on

    assert not bot_llm_on(world.inboxes["chat"])
    c = chat(language="en")
    turn = c.say(DEPOSIT)
    assert not turn.llm and fake_llm.requests == []
    assert turn.replies == _rules_reply(chat, DEPOSIT, language="en")


def test_the_inbox_setting_alone_does_not_call_anything_without_a_server(chat, world, settings):
    from kefu.bot.actions import bot_configure, bot_llm_on

    settings.LLM_BASE_URL = ""
    inbox = bot_configure(inbox=world.inboxes["chat"], llm=True)
    assert not bot_llm_on(inbox)


def test_what_is_sent_holds_no_personal_data_and_only_redacted_text(chat, llm):
    c = chat(uid=WANG, language="en")
    text = (
        "Hi, I'm Wang Hao, UID 100284731, wang.hao@example.cn, +86 138 0013 8000. "
        "How many confirmations for a btc deposit?"
    )
    turn = c.say(text)
    assert turn.llm
    (request,) = llm.requests
    sent = request.text
    for leaked in ("Wang", "Hao", WANG, "wang.hao@example.cn", "138 0013 8000", "+86"):
        assert leaked not in sent, leaked
    # Besides the public articles, only the language and the scrubbed question: nothing from
    # the account (VIP tier, KYC, transfers) and nothing from the handoff note.
    user = request.body["messages"][1]["content"]
    assert user.split("\n\nCustomer's language: ")[1] == (
        "English (en)\nCustomer's question:\n"
        "Hi, I'm [customer], UID [number], [email], [number]. "
        "How many confirmations for a btc deposit?"
    )


def test_a_message_with_a_secret_never_reaches_the_model(chat, llm):
    phrase = "abandon ability able about above absent absorb abstract absurd abuse access accident"
    c = chat(language="en")
    turn = c.say(f"my deposit is missing, my seed is {phrase}")
    assert turn.handoff == "secret_shared"
    assert llm.requests == []


def _finish(pending: Any) -> Any:
    """bot_model_finish without its hop to another thread: ask on an event loop, then apply."""
    import asyncio

    from kefu.bot.actions import bot_model_apply, bot_model_ask

    return bot_model_apply(pending, asyncio.run(bot_model_ask(pending)))


def test_in_the_server_the_turn_stops_for_the_model_and_finishes_with_its_answer(chat, llm):
    """What bot_on_event does in `kefu serve`: the rules run in the committing thread and stop
    where the model is needed; the call is awaited on the event loop; the turn then runs
    again with the answer. (bot_model_finish hops to a sync thread between the two, which
    closes its database connection: the end-to-end test in test_browser_llm.py runs that hop
    in a real server; here both halves run in the test's transaction.)"""
    from kefu.bot.actions import bot_handle
    from kefu.conversations.actions import message_receive
    from kefu.inboxes.adapters.base import InboundMessage

    c = chat(language="en")
    result = message_receive(
        inbox=c.world.inboxes["chat"],
        inbound=InboundMessage(identity=c.identity, body=DEPOSIT, thread="new"),
    )
    c.conversation = result.conversation
    first = bot_handle(message=result.message, defer_model=True)
    assert first is not None and first.pending is not None and first.replies == []
    assert _sent(c) == [] and llm.requests == []  # nothing written, nothing asked yet
    turn = _finish(first.pending)
    assert turn is not None and turn.llm and len(llm.requests) == 1
    (message,) = _sent(c)
    assert message.author_label == "bot" and message.metadata["llm"]["cited"] == [SLUG]


def test_when_an_agent_takes_over_while_the_model_thinks_the_bot_stays_silent(chat, llm, world):
    from kefu.bot.actions import bot_handle
    from kefu.conversations.actions import conversation_assign, message_receive
    from kefu.core.actors import Actor
    from kefu.inboxes.adapters.base import InboundMessage

    c = chat(language="en")
    result = message_receive(
        inbox=c.world.inboxes["chat"],
        inbound=InboundMessage(identity=c.identity, body=DEPOSIT, thread="new"),
    )
    c.conversation = result.conversation
    first = bot_handle(message=result.message, defer_model=True)
    conversation_assign(
        conversation=result.conversation, actor=Actor.system(), assignee=world.agents["mei"]
    )
    assert _finish(first.pending) is None
    assert _sent(c) == []


def test_a_model_failing_after_the_wait_leaves_the_answer_to_the_rules(chat, llm):
    from kefu.bot.actions import bot_handle
    from kefu.conversations.actions import message_receive
    from kefu.inboxes.adapters.base import InboundMessage

    llm.script(FakeReply.error(503))
    c = chat(language="en")
    result = message_receive(
        inbox=c.world.inboxes["chat"],
        inbound=InboundMessage(identity=c.identity, body=DEPOSIT, thread="new"),
    )
    first = bot_handle(message=result.message, defer_model=True)
    turn = _finish(first.pending)
    assert turn is not None and not turn.llm and turn.article == SLUG
    assert turn.replies == _rules_reply(chat, DEPOSIT, language="en")


def test_outside_a_server_the_subscriber_answers_in_place(
    world, llm, django_capture_on_commit_callbacks
):
    """CLI imports, the eval and tests have no event loop to wait on: the call is made there."""
    from kefu.conversations.actions import message_receive
    from kefu.conversations.models import Message
    from kefu.inboxes.adapters.base import InboundMessage

    with django_capture_on_commit_callbacks(execute=True):
        result = message_receive(
            inbox=world.inboxes["chat"],
            inbound=InboundMessage(identity="v_llm_inline", body=DEPOSIT, thread="new"),
        )
    reply = Message.objects.get(
        conversation=result.conversation, direction="outgoing", private=False
    )
    assert reply.author_label == "bot" and reply.metadata["llm"]["cited"] == [SLUG]


def test_kefu_bot_configure_turns_the_model_on_per_inbox(world, db, settings):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from kefu.bot.actions import bot_settings
    from kefu.inboxes.models import Inbox

    settings.LLM_BASE_URL = ""
    out = StringIO()
    call_command("bot", "configure", "--inbox", "Website chat", "--llm", "on", stdout=out)
    inbox = Inbox.objects.get(name="Website chat")
    assert bot_settings(inbox).llm and bot_settings(inbox).enabled
    assert "KEFU_LLM_BASE_URL is unset" in out.getvalue()
    call_command("bot", "configure", "--inbox", str(inbox.pk), "--llm", "off", stdout=StringIO())
    assert not bot_settings(Inbox.objects.get(pk=inbox.pk)).llm
    with pytest.raises(CommandError, match="no inbox"):
        call_command("bot", "configure", "--inbox", "nope")
    with pytest.raises(CommandError, match="threshold"):
        call_command("bot", "configure", "--inbox", "Website chat", "--threshold", "7")
