"""The bot adds a security tip once a flow about getting back into the account, or about a
withdrawal, is done: once per conversation, in the customer's language."""

from __future__ import annotations

import pytest

from kefu.bot.intents import intent_detect
from kefu.conversations.models import Message

WANG, CHEN, YUKI = "100284731", "100440987", "100933410"


def _tips(c):
    return list(
        Message.objects.filter(conversation=c.conversation, metadata__notice="security_tip")
        .order_by("created_at")
        .values_list("metadata__tip", "body")
    )


def _last_two(c):
    return list(
        Message.objects.filter(conversation=c.conversation, direction="outgoing", private=False)
        .order_by("-created_at")
        .values_list("author_label", flat=True)[:2]
    )


def test_after_the_locked_account_flow_the_customer_gets_the_account_tip(chat):
    c = chat(uid=CHEN, language="en")
    turn = c.say("my account is locked, I can't log in")
    assert "locked (too many failed 2FA attempts)" in turn.replies[0] and turn.tip == "account"
    [(kind, body)] = _tips(c)
    assert (
        kind == "account" and "authenticator app" in body and "never ask for your password" in body
    )
    assert body.rstrip().endswith("/verify/")
    assert _last_two(c) == ["safety", "bot"]  # the tip follows the bot's answer


def test_after_the_withdrawal_flow_the_tip_is_about_whitelisting_in_chinese(chat):
    c = chat(uid=WANG, language="zh-Hans")
    turn = c.say("我的提现还没到账")
    assert "最近的提现记录" in turn.replies[0] and turn.tip == "withdrawal"
    [(kind, body)] = _tips(c)
    assert kind == "withdrawal" and "提现地址白名单" in body and "绝不会" in body


def test_a_2fa_reset_answered_from_the_help_center_gets_the_account_tip(chat):
    c = chat(language="en")
    turn = c.say("How do I reset 2FA after losing my phone?")
    assert turn.article == "reset-2fa-lost-phone" and turn.tip == "account"


def test_a_password_question_gets_the_tip_once_the_customer_has_their_answer(chat):
    c = chat(language="en")
    asked = c.say("I forgot my password, how do I reset it?")
    assert "Reply 1 or 2" in asked.replies[0] and asked.tip == ""  # a question is not an answer
    answered = c.say("1")
    assert answered.article and answered.tip == "account"


def test_one_tip_per_conversation_and_none_after_a_deposit_flow(chat):
    c = chat(uid=WANG, language="en")
    assert c.say("where is my withdrawal? it hasn't arrived").tip == "withdrawal"
    assert c.say("and my withdrawal status again please?").tip == ""
    assert len(_tips(c)) == 1
    d = chat(uid=YUKI, language="en")
    assert d.say("my ETH deposit is not credited yet").tip == ""
    assert _tips(d) == []


def test_the_kill_switch_stops_the_tips(chat, settings):
    settings.SECURITY_TIPS = False
    c = chat(uid=CHEN, language="en")
    assert c.say("my account is locked, I can't log in").tip == ""


@pytest.mark.parametrize(
    ("text", "reset"),
    [
        ("I forgot my password", True),
        ("how do I reset my password?", True),
        ("lost my authenticator app", True),
        ("2FA reset please", True),
        ("忘记密码了怎么办", True),
        ("换了手机，谷歌验证器没了", True),
        ("olvidé mi contraseña", True),
        ("perdí mi teléfono con el autenticador", True),
        ("what is the withdrawal fee for BTC?", False),
        ("my password manager shows the wrong site", False),
    ],
)
def test_getting_back_into_the_account_is_recognised(text, reset):
    assert intent_detect(text).credentials_reset is reset
