"""The outbound guard on every agent send path: the action, the API (which the console uses)."""

from __future__ import annotations

import pytest

from kefu.conversations.actions import message_send
from kefu.conversations.models import Message
from kefu.core.actors import Actor
from kefu.core.models import AuditRecord
from kefu.safety.actions import GuardBlocked

pytestmark = pytest.mark.django_db

ASKS = [
    ("en", "To verify your account, please send us your seed phrase."),
    ("en", "Please install AnyDesk so I can check your account."),
    ("zh-Hans", "请把您的助记词发给我，我们帮您恢复账户。"),
    ("es", "Por favor envíanos tu código de verificación de Google para continuar."),
    ("ru", "Пришлите, пожалуйста, код из SMS, чтобы мы разблокировали аккаунт."),
    ("ja", "本人確認のため、パスワードを教えてください。"),
    ("en", "Log in at https://lumen-exchange-support.com/verify to unlock the withdrawal."),
    ("en", "Check it on https://etherscan-io.app/tx/0x1 and connect your wallet there."),
    ("en", "Send the USDT to 0x52908400098527886E0F7030069857D2E4169EE7 and we will credit it."),
]
SAFE = [
    "We will never ask for your seed phrase or password. Please reset it at https://lumen.exchange/reset.",
    "请勿向任何人透露您的助记词或验证码。",
    "Nunca compartas tu contraseña con nadie, ni siquiera con nosotros.",
    "Your withdrawal TxID is 7f3c9a2b8e1d4f6a0c5b9e8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f.",
    # Block explorers are not official, but showing a customer their transaction is the job.
    "You can follow it here: https://etherscan.io/tx/0x7f3c9a2b8e1d4f6a0c5b9e8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f",
]


@pytest.mark.parametrize(("lang", "text"), ASKS)
def test_asking_for_secrets_or_linking_off_site_is_blocked_and_nothing_is_stored(demo, lang, text):
    c = demo.conversations["withdrawal_zh"]
    before = Message.objects.filter(conversation=c).count()
    with pytest.raises(GuardBlocked) as info:
        message_send(conversation=c, actor=Actor.of_agent(demo.agents["mei"]), body=text)
    assert info.value.violations and info.value.overridable
    assert Message.objects.filter(conversation=c).count() == before


@pytest.mark.parametrize("text", SAFE)
def test_warnings_and_official_links_go_through(demo, text):
    c = demo.conversations["withdrawal_zh"]
    message = message_send(conversation=c, actor=Actor.of_agent(demo.agents["mei"]), body=text)
    assert message.body == text and "guard_override" not in message.metadata


def test_override_with_reason_is_sent_kept_on_the_message_and_audited(demo):
    c = demo.conversations["withdrawal_zh"]
    mei = demo.agents["mei"]
    text = "Our partner's status page is https://status.example-cloud.com/incidents."
    message = message_send(
        conversation=c,
        actor=Actor.of_agent(mei),
        body=text,
        override_reason="  Cloud provider outage page, approved by Priya  ",
    )
    assert message.metadata["guard_override"] == {
        "rules": ["foreign_link"],
        "reason": "Cloud provider outage page, approved by Priya",
    }
    audit = AuditRecord.objects.get(action="guard.override", object_id=str(message.pk))
    assert audit.actor_id == str(mei.pk) and audit.actor_type == "agent"
    assert audit.data["rules"] == ["foreign_link"]
    assert audit.data["conversation_id"] == str(c.pk)


def test_override_can_be_switched_off(demo, settings):
    settings.SAFETY_GUARD_ALLOW_OVERRIDE = False
    c = demo.conversations["withdrawal_zh"]
    with pytest.raises(Exception, match="cannot be overridden"):
        message_send(
            conversation=c,
            actor=Actor.of_agent(demo.agents["mei"]),
            body="Please send us your seed phrase.",
            override_reason="testing",
        )
    assert not AuditRecord.objects.filter(action="guard.override").exists()


def test_bot_cannot_override(demo):
    c = demo.conversations["withdrawal_zh"]
    with pytest.raises(Exception, match="cannot be overridden"):
        message_send(
            conversation=c, actor=Actor.bot(), body="Tell me your 2FA code.", override_reason="x"
        )


def test_rules_are_configurable(demo, settings):
    from kefu.safety.models import GuardPatternRule

    c = demo.conversations["withdrawal_zh"]
    agent = Actor.of_agent(demo.agents["mei"])
    settings.SAFETY_GUARD_RULES_OFF = ["foreign_link"]
    message_send(conversation=c, actor=agent, body="See https://coinmarketcap.com for prices.")
    GuardPatternRule.objects.create(
        name="no-otc-offers", pattern=r"\bOTC\s+deal\b", message="No private OTC deals in chat."
    )
    with pytest.raises(GuardBlocked, match="No private OTC deals"):
        message_send(conversation=c, actor=agent, body="I can offer you an OTC deal today.")


def test_api_reply_blocked_then_overridden(api_as, demo):
    api = api_as("mei")
    c = demo.conversations["withdrawal_zh"]
    url = f"/api/v1/conversations/{c.pk}/messages"
    res = api.post(url, {"body": "Please tell me your password so I can check."})
    assert res.status_code == 422
    err = res.json()["error"]
    assert err["code"] == "guard_blocked" and err["field"] == "body"
    assert err["overridable"] is True
    assert [v["rule"] for v in err["violations"]] == ["ask_password"]
    assert "password-reset" in err["violations"][0]["message"]
    res = api.post(
        url, {"body": "Please tell me your password so I can check.", "override_reason": "test"}
    )
    assert res.status_code == 201
    assert AuditRecord.objects.filter(action="guard.override", object_id=res.json()["id"]).exists()


def test_notes_are_not_guarded(api_as, demo):
    # A private note never reaches the customer: agents discuss the scam link freely.
    api = api_as("mei")
    c = demo.conversations["withdrawal_zh"]
    res = api.post(
        f"/api/v1/conversations/{c.pk}/notes",
        {"body": "Customer was sent to lumen-support-desk.com, asked for the seed phrase."},
    )
    assert res.status_code == 201


def test_a_block_explorer_may_be_linked_but_is_never_called_official(demo, client):
    res = client.get("/api/v1/verify", {"kind": "website", "value": "etherscan.io"})
    assert res.status_code == 200 and res.json()["official"] is False
