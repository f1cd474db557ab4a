"""Look-alike links in customers' messages: flagged for the agent, the customer warned."""

from __future__ import annotations

import pytest

from kefu.conversations.actions import message_receive, message_send
from kefu.conversations.models import Message
from kefu.conversations.selectors import message_state
from kefu.core.actors import Actor
from kefu.inboxes.adapters.base import InboundMessage
from kefu.inboxes.adapters.email.compose import email_compose
from kefu.safety.actions import anti_phishing_code_set
from kefu.safety.notices import anti_phishing_line

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "text", "host", "phrase"),
    [
        (
            "en",
            "Support told me to log in at https://lumen-exchange-verify.com/login",
            "lumen-exchange-verify.com",
            "not an official",
        ),
        (
            "zh-Hans",
            "客服让我去 lumen.exchange.security-check.io 验证账户",
            "lumen.exchange.security-check.io",
            "不是",
        ),
        (
            "es",
            "Me enviaron http://xn--lmen-exchange-wob.com para verificar",
            "lümen-exchange.com",
            "no es un sitio oficial",
        ),
        (
            "ru",
            "Мне прислали ссылку https://lurnen.exchange/withdraw",
            "lurnen.exchange",
            "не официальный",
        ),
    ],
)
def test_lookalike_link_is_flagged_and_customer_warned_in_their_language(
    demo, language, text, host, phrase
):
    r = message_receive(
        inbox=demo.inboxes["chat"],
        inbound=InboundMessage(identity=f"visitor-{language}", body=text, language=language),
    )
    flags = r.message.metadata["phishing_links"]
    assert [f["host"] for f in flags] == [host]
    assert flags[0]["target"] in ("lumen.exchange", "lumenex.com")
    warning = Message.objects.filter(
        conversation=r.conversation, metadata__notice="phishing_link"
    ).get()
    assert warning.direction == "outgoing" and not warning.private
    assert host in warning.body and phrase in warning.body and "/verify/" in warning.body


def test_official_and_unrelated_links_are_not_flagged(demo):
    r = message_receive(
        inbox=demo.inboxes["chat"],
        inbound=InboundMessage(
            identity="visitor-ok",
            body="I followed https://lumen.exchange/help and https://app.lumenex.com, also etherscan.io/tx/0xabc",
        ),
    )
    assert "phishing_links" not in r.message.metadata
    assert not Message.objects.filter(
        conversation=r.conversation, metadata__notice="phishing_link"
    ).exists()


def test_console_shows_the_flag(demo, client):
    r = message_receive(
        inbox=demo.inboxes["chat"],
        inbound=InboundMessage(identity="visitor-x", body="is lumen-exchange-support.com real?"),
    )
    client.force_login(demo.agents["ava"])
    html = client.get(f"/console/conversations/{r.conversation.pk}/").content.decode()
    assert 'data-flag="phishing"' in html and "lumen-exchange-support.com" in html


def test_anti_phishing_code_is_on_replies_and_in_email(demo):
    c = demo.conversations["withdrawal_zh"]
    anti_phishing_code_set(
        contact=c.contact, code="Dragon42", source="customer", actor=Actor.of_contact(c.contact)
    )
    m = message_send(
        conversation=c, actor=Actor.of_agent(demo.agents["mei"]), body="已为您加急处理。"
    )
    state = message_state(m)
    assert state.anti_phishing_code == "Dragon42"
    assert state.author.support_id == demo.agents["mei"].support_id
    incoming = Message.objects.filter(conversation=c, direction="incoming").first()
    assert message_state(incoming).anti_phishing_code == ""
    line = anti_phishing_line(language="zh-Hans", code="Dragon42")
    email = email_compose(
        from_address="support@lumen.exchange",
        to=["wang.hao@example.cn"],
        subject="Re: withdrawal",
        text="已为您加急处理。",
        html="<p>已为您加急处理。</p>",
        message_id="abc@lumen.exchange",
        anti_phishing_line=line,
    )
    assert email.get_body(("plain",)).get_content().startswith("您的防钓鱼码：Dragon42")
    assert "Dragon42" in email.get_body(("html",)).get_content()


def test_anti_phishing_code_must_be_plain(demo):
    from kefu.core.errors import ValidationFailed

    contact = demo.contacts["wang"]
    for bad in ["", "abc", "<b>x</b>", "x" * 21, "Dragon 42"]:
        with pytest.raises(ValidationFailed):
            anti_phishing_code_set(
                contact=contact, code=bad, source="customer", actor=Actor.system()
            )
