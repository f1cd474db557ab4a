"""Security tips: every text passes the outbound guard, and a resolved account-security case
gets one, once, in the customer's language, on chat channels only."""

from __future__ import annotations

import uuid

import pytest

from kefu.conversations.actions import conversation_set_status, message_receive, message_send
from kefu.conversations.models import Message
from kefu.core.actors import Actor
from kefu.inboxes.adapters.base import InboundMessage
from kefu.safety.guard import outbound_check
from kefu.safety.notices import SECURITY_TIPS, security_tip

LANGUAGES = ["en", "zh-Hans", "zh-Hant", "es", "ja", "ko", "ru", "tr", "fr", "de", "pt", "it"]


@pytest.mark.parametrize("kind", sorted(SECURITY_TIPS))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_tip_passes_the_outbound_guard_in_every_language(kind, language):
    assert set(SECURITY_TIPS[kind]) == set(LANGUAGES)
    text = security_tip(language=language, kind=kind, verify_url="https://lumen.exchange/verify/")
    result = outbound_check(text, official_domains=["lumen.exchange"])
    assert result.violations == [], [
        (v.rule, text[v.span[0] : v.span[1]]) for v in result.violations
    ]
    assert "https://lumen.exchange/verify/" in text


def test_a_language_without_its_own_text_gets_english():
    text = security_tip(language="nl", kind="account", verify_url="https://x/verify/")
    assert text.startswith("🔐 Security tip")
    assert security_tip(language="zh-TW", kind="account", verify_url="v").startswith(
        "🔐 安全提示：請"
    )


# --- after a resolved case ------------------------------------------------------------------------


def _case(demo, body, *, inbox="chat", language="en"):
    return message_receive(
        inbox=demo.inboxes[inbox],
        inbound=InboundMessage(
            identity=f"tips-{uuid.uuid4().hex[:8]}"
            if inbox != "email"
            else f"t{uuid.uuid4().hex[:6]}@example.com",
            body=body,
            language=language,
        ),
    ).conversation


def _resolve(demo, conversation, capture):
    mei = Actor.of_agent(demo.agents["mei"])
    message_send(conversation=conversation, actor=mei, body="All sorted now.")
    with capture(execute=True):
        conversation_set_status(conversation=conversation, actor=mei, status="resolved")


def _tips(conversation):
    return list(Message.objects.filter(conversation=conversation, metadata__notice="security_tip"))


def test_resolving_a_hacked_account_case_sends_the_account_tip_in_the_customers_language(
    demo, django_capture_on_commit_callbacks
):
    c = _case(demo, "我的账号被盗了，有人登录了我的账户", language="zh-Hans")
    _resolve(demo, c, django_capture_on_commit_callbacks)
    (tip,) = _tips(c)
    assert tip.body.startswith("🔐 安全提示") and "/verify/" in tip.body
    assert tip.metadata["tip"] == "account" and tip.author_label == "safety"
    assert tip.direction == "outgoing" and not tip.private


@pytest.mark.parametrize(
    "body", ["my account is locked and I cannot log in", "I got scammed by a fake support agent"]
)
def test_locked_and_scam_cases_count_too(demo, django_capture_on_commit_callbacks, body):
    c = _case(demo, body)
    _resolve(demo, c, django_capture_on_commit_callbacks)
    assert [t.metadata["tip"] for t in _tips(c)] == ["account"]


def test_a_case_tagged_or_topical_for_security_counts(demo, django_capture_on_commit_callbacks):
    from kefu.conversations.actions import conversation_update, tag_add

    system = Actor.system("test")
    tagged = _case(demo, "hello, question about my account")
    tag_add(conversation=tagged, actor=system, names=["account-takeover"])
    topical = _case(demo, "a question")
    conversation_update(conversation=topical, actor=system, topic="security")
    for c in (tagged, topical):
        _resolve(demo, c, django_capture_on_commit_callbacks)
        assert len(_tips(c)) == 1


def test_other_cases_get_no_tip(demo, django_capture_on_commit_callbacks):
    c = _case(demo, "how do I change the chart colours on the trading page?")
    _resolve(demo, c, django_capture_on_commit_callbacks)
    assert _tips(c) == []


def test_no_tip_by_email_or_when_switched_off(demo, django_capture_on_commit_callbacks, settings):
    by_mail = _case(demo, "my account was hacked", inbox="email")
    _resolve(demo, by_mail, django_capture_on_commit_callbacks)
    assert _tips(by_mail) == []
    settings.SECURITY_TIPS = False
    chat = _case(demo, "my account was hacked")
    _resolve(demo, chat, django_capture_on_commit_callbacks)
    assert _tips(chat) == []


def test_one_tip_per_conversation_and_per_customer_a_week(demo, django_capture_on_commit_callbacks):
    from kefu.conversations.actions import security_tip_send

    c = _case(demo, "my account was hacked")
    _resolve(demo, c, django_capture_on_commit_callbacks)
    mei = Actor.of_agent(demo.agents["mei"])
    conversation_set_status(conversation=c, actor=mei, status="open")
    _resolve(demo, c, django_capture_on_commit_callbacks)  # resolved again: no second tip
    assert len(_tips(c)) == 1
    # Another conversation of the same customer: the same tip waits a week; another may go.
    again = message_receive(
        inbox=c.inbox,
        inbound=InboundMessage(
            identity=c.contact.identities.get().external_id, body="hacked again?", thread="new"
        ),
    ).conversation
    assert again.pk != c.pk
    assert security_tip_send(conversation=again, kind="account") is None
    assert security_tip_send(conversation=again, kind="withdrawal") is not None
