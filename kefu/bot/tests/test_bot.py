"""Every handoff rule and every guided flow, against the demo help center and demo exchange."""

from __future__ import annotations

import socket

import pytest

from kefu.exchange import connector, demo_backend

WANG, MARIA, JAMES, YUKI, CHEN = "100284731", "100519002", "100077215", "100933410", "100440987"


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _exchange_down() -> None:
    connector.connector_override(
        connector.HttpExchangeConnector(
            base_url=f"http://127.0.0.1:{_closed_port()}/api", secret="x", timeout=0.5
        )
    )


# --- handoff rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I want to talk to a human", "en"),
        ("agent please", "en"),
        ("转人工", "zh-Hans"),
        ("我要找客服", "zh-Hans"),
        ("quiero hablar con un agente", "es"),
        ("necesito un humano", "es"),
        ("オペレーターと話したい", "ja"),
    ],
)
def test_asking_for_a_person_hands_off_in_any_language(chat, text, language):
    c = chat(language=language)
    turn = c.say(text)
    assert turn.handoff == "asked_for_human"
    assert "bot-handoff" in {t.name for t in c.fresh().tags.all()}
    (note,) = c.notes()
    assert "the customer asked for a person" in note and text in note


def test_after_a_handoff_the_bot_stays_silent(chat):
    c = chat()
    assert c.say("agent").handoff
    assert c.say("how do I deposit crypto?") is None
    assert c.say("hello?") is None


def test_two_misses_hand_off_with_what_the_bot_tried(chat):
    c = chat(language="en")
    first = c.say("my cat ate the banana")
    assert not first.handoff and "other words" in first.replies[0]
    second = c.say("purple elephants on the moon")
    assert second.handoff == "bot_failed_twice"
    note = c.notes()[0]
    assert "could not answer twice" in note and "no confident answer" in note


def test_anger_hands_off_with_the_sentiment_reasons(chat):
    c = chat(language="en")
    turn = c.say("This is RIDICULOUS!!! Worst exchange ever, I'm calling my lawyer")
    assert turn.handoff == "anger"
    note = c.notes()[0]
    assert "ANGER" in note and "Sentiment:" in note


def test_scam_goes_to_security_as_urgent(chat):
    c = chat(language="en")
    turn = c.say("I think I got scammed by someone pretending to be Lumen support on Telegram")
    assert turn.handoff == "high_risk_scam"
    fresh = c.fresh()
    assert fresh.priority == "urgent" and fresh.team.slug == "security"
    assert "never ask for your password" in turn.replies[0]


def test_vip_above_the_tier_goes_to_the_vip_desk(chat):
    c = chat(uid=JAMES, language="en")  # VIP 7, the demo inbox hands off above 4
    turn = c.say("how do I withdraw USDT?")
    assert turn.handoff == "vip"
    assert c.fresh().team.slug == "vip-desk"
    note = c.notes()[0]
    assert f"UID {JAMES}" in note


def test_vip_at_or_below_the_tier_is_served_by_the_bot(chat):
    c = chat(uid=WANG, language="en")  # VIP 2
    turn = c.say("how many confirmations does a btc deposit need")
    assert not turn.handoff and turn.article == "deposit-confirmations"


# --- help center -----------------------------------------------------------------------------


def test_faq_answer_has_title_excerpt_and_link_in_the_customers_language(chat):
    c = chat(language="es")
    turn = c.say("¿cuáles son las comisiones de retiro?")
    assert turn.article == "withdrawal-fees" and not turn.handoff
    reply = turn.replies[0]
    assert "/help/es/" in reply and "withdrawal-fees" in reply
    assert "Más información" in reply


def test_faq_answer_in_chinese(chat):
    c = chat(language="zh-Hans")
    turn = c.say("丢了手机，谷歌验证器没了怎么办")
    assert turn.article == "reset-2fa-lost-phone"
    assert "详情" in turn.replies[0]


def test_close_answers_get_a_clarifying_question_then_the_chosen_article(chat):
    c = chat(language="en")
    turn = c.say("what are the withdrawal fees")
    assert turn.intent == "faq" and not turn.article and "Reply 1 or 2" in turn.replies[0]
    session = c.fresh().bot_session
    assert session.awaiting == "clarify" and len(session.options) == 2
    chosen = c.say("2")
    assert chosen.article == session.options[1]


def test_below_the_threshold_the_bot_does_not_guess(chat, world, monkeypatch):
    from kefu.bot.actions import bot_configure

    c = chat(language="en")
    assert c.say("forgot destination tag xrp").article == "deposit-memo-tag"
    monkeypatch.setitem(
        world.inboxes, "chat", bot_configure(inbox=world.inboxes["chat"], threshold=1.01)
    )
    c = chat(language="en")
    turn = c.say("forgot destination tag xrp")
    assert not turn.article and "other words" in turn.replies[0]


def test_bad_bot_settings_are_refused(world, db):
    from kefu.bot.actions import bot_configure
    from kefu.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        bot_configure(inbox=world.inboxes["chat"], threshold=3)
    world.inboxes["chat"].refresh_from_db()
    assert world.inboxes["chat"].config["bot"]["threshold"] == 0.5


# --- flows with the exchange ------------------------------------------------------------------


def test_withdrawal_by_txid_explains_confirmations_with_an_explorer_link(chat):
    c = chat(uid=WANG, language="en")
    turn = c.say(f"where is my withdrawal? txid {demo_backend.TX_WANG_ETH}")
    reply = turn.replies[0]
    assert "I found it" in reply and "7 of 12 confirmations" in reply
    assert f"https://etherscan.io/tx/{demo_backend.TX_WANG_ETH}" in reply


def test_withdrawal_without_txid_lists_recent_ones(chat):
    c = chat(uid=WANG, language="zh-Hans")
    turn = c.say("我的提现还没到账")
    reply = turn.replies[0]
    assert "最近的提现记录" in reply and "2500.00 USDT" in reply and "处理中" in reply
    assert "risk review" in reply


def test_withdrawal_when_the_exchange_is_down_hands_off(chat):
    _exchange_down()
    c = chat(uid=WANG, language="en")
    turn = c.say("my withdrawal is still pending")
    assert turn.handoff == "exchange_unavailable"
    assert "can't see your account right now" in turn.replies[0]
    assert "exchange unavailable" in c.notes()[0]


def test_withdrawal_for_an_anonymous_visitor_points_to_the_article(chat):
    c = chat(language="en")
    turn = c.say("where is my withdrawal, it hasn't arrived")
    assert turn.article == "withdrawal-pending" and "signed in" in turn.replies[0]


def test_deposit_without_memo_explains_and_hands_off_for_manual_matching(chat):
    c = chat(uid=MARIA, language="es")
    turn = c.say("mi depósito de XRP no ha llegado")
    assert "memo/tag" in turn.replies[0]
    assert turn.handoff == "needs_manual_action"
    assert "no destination tag" in c.notes()[0]


def test_deposit_confirming_shows_network_and_confirmations(chat):
    c = chat(uid=YUKI, language="en")
    turn = c.say("my ETH deposit is not credited yet")
    reply = turn.replies[0]
    assert "ARBITRUM" in reply and "9 of 20 confirmations" in reply and "arbiscan.io" in reply
    assert not turn.handoff


def test_deposit_when_the_exchange_is_down_hands_off(chat):
    _exchange_down()
    c = chat(uid=YUKI, language="en")
    assert c.say("deposit still not credited").handoff == "exchange_unavailable"


def test_hacked_offers_a_freeze_and_freezes_after_yes(chat):
    c = chat(uid=WANG, language="en")
    offer = c.say("I think my account was hacked, someone logged in")
    assert "Reply YES" in offer.replies[0] and not offer.handoff
    assert demo_backend.account_data(WANG)["account_status"] == "active"
    done = c.say("yes")
    assert done.handoff == "high_risk_hacked"
    assert demo_backend.account_data(WANG)["account_status"] == "frozen"
    fresh = c.fresh()
    assert fresh.priority == "urgent" and fresh.team.slug == "security"
    note = c.notes()[0]
    assert "account frozen at the customer's request" in note and "account frozen" in note


def test_hacked_and_no_leaves_the_account_open_but_still_goes_to_security(chat):
    c = chat(uid=WANG, language="zh-Hans")
    offer = c.say("我的账号被盗了")
    assert "回复“是”立即冻结" in offer.replies[0]
    declined = c.say("不")
    assert declined.handoff == "high_risk_hacked"
    assert demo_backend.account_data(WANG)["account_status"] == "active"
    assert c.fresh().team.slug == "security"


def test_hacked_when_the_exchange_is_down_goes_straight_to_security(chat):
    _exchange_down()
    c = chat(uid=WANG, language="en")
    turn = c.say("my account was hacked")
    assert turn.handoff == "high_risk_hacked" and c.fresh().priority == "urgent"


def test_freeze_confirmed_while_exchange_goes_down_says_so(chat):
    c = chat(uid=WANG, language="es")
    c.say("me hackearon la cuenta")
    _exchange_down()
    turn = c.say("sí")
    assert "No pude conectar" in turn.replies[0] and turn.handoff == "high_risk_hacked"
    assert "freeze FAILED" in c.notes()[0]


def test_locked_account_explains_the_reason(chat):
    c = chat(uid=CHEN, language="en")
    turn = c.say("my account is locked, I can't log in")
    assert "locked (too many failed 2FA attempts)" in turn.replies[0]
    assert not turn.handoff


def test_kyc_status_from_the_exchange(chat):
    c = chat(uid=MARIA, language="es")
    turn = c.say("¿cuál es el estado de mi verificación de identidad?")
    assert "rechazada" in turn.replies[0] and turn.article == "kyc-rejected"


def test_a_pasted_secret_leaves_the_case_to_security_without_a_bot_reply(chat):
    c = chat(uid=WANG, language="en")
    turn = c.say(
        "my seed phrase is abandon ability able about above absent absorb abstract absurd abuse access accident"
    )
    assert turn.handoff == "secret_shared" and turn.replies == []
    assert c.fresh().team.slug == "security"


# --- wiring ----------------------------------------------------------------------------------


def test_the_bot_answers_on_commit_as_bot(world, db, django_capture_on_commit_callbacks):
    from kefu.conversations.actions import message_receive
    from kefu.conversations.models import Message
    from kefu.inboxes.adapters.base import InboundMessage

    with django_capture_on_commit_callbacks(execute=True):
        result = message_receive(
            inbox=world.inboxes["chat"],
            inbound=InboundMessage(
                identity="v_commit1", body="how many confirmations for a btc deposit", thread="new"
            ),
        )
    reply = Message.objects.filter(
        conversation=result.conversation, direction="outgoing", private=False
    ).get()
    assert reply.author_label == "bot" and reply.author_agent is None
    assert "deposit-confirmations" in reply.body


def test_the_bot_is_silent_when_an_agent_has_the_conversation(chat, world):
    from kefu.conversations.actions import conversation_assign
    from kefu.core.actors import Actor

    c = chat()
    c.say("hi")
    conversation_assign(
        conversation=c.conversation, actor=Actor.system(), assignee=world.agents["mei"]
    )
    assert c.say("how do I deposit?") is None


def test_the_bot_is_silent_once_an_agent_has_replied(chat, world):
    from kefu.conversations.actions import message_send
    from kefu.core.actors import Actor

    c = chat()
    assert c.say("hi") is not None
    message_send(
        conversation=c.conversation, actor=Actor.of_agent(world.agents["sam"]), body="Hi, Sam here."
    )
    assert c.say("how do I deposit crypto?") is None


def test_the_kill_switch_silences_the_bot(chat, settings):
    settings.BOT_ENABLED = False
    assert chat().say("how do I deposit crypto?") is None


def test_the_bot_is_silent_where_it_is_off(world, db):
    from kefu.bot.actions import bot_handle
    from kefu.conversations.actions import message_receive
    from kefu.inboxes.adapters.base import InboundMessage

    result = message_receive(
        inbox=world.inboxes["api"],
        inbound=InboundMessage(identity="app-x", body="how do I deposit?", thread="new"),
    )
    assert bot_handle(message=result.message) is None
