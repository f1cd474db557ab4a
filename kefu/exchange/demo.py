"""The demo exchange, "Lumen Exchange": a small named world built with the product's actions.

`kefu demo` seeds it; tests reuse it through the `demo` fixture. Everything here goes through
actions, so the demo also exercises the code paths a real installation uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction

from kefu.accounts.actions import agent_create, agent_set_presence, team_add_member, team_create
from kefu.accounts.models import Agent, Role, Team
from kefu.contacts.actions import contact_update
from kefu.contacts.models import Contact
from kefu.conversations import actions as conv
from kefu.conversations.models import Conversation
from kefu.core.actors import Actor
from kefu.core.clock import now
from kefu.inboxes.actions import inbox_create
from kefu.inboxes.adapters.base import InboundMessage
from kefu.inboxes.models import ChannelType, Inbox
from kefu.routing.demo import routing_demo_seed
from kefu.safety.actions import official_channels_seed_demo

DEMO_PASSWORD = "lumen-demo-2026"  # noqa: S105 - printed by `kefu demo`; a demo, not a deployment
BRAND = "Lumen Exchange"
OFFICIAL_DOMAINS = ["lumen.exchange", "lumenex.com"]


@dataclass
class DemoWorld:
    agents: dict[str, Agent] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    inboxes: dict[str, Inbox] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)


_AGENTS = [
    # key, name, email, role, languages, timezone
    ("ava", "Ava Chen", "ava@lumen.exchange", Role.ADMIN, ["en", "zh-Hans"], "Asia/Singapore"),
    ("priya", "Priya Nair", "priya@lumen.exchange", Role.SUPERVISOR, ["en"], "Asia/Kolkata"),
    (
        "mei",
        "Mei Lin",
        "mei@lumen.exchange",
        Role.AGENT,
        ["zh-Hans", "zh-Hant", "en"],
        "Asia/Shanghai",
    ),
    ("sam", "Sam Carter", "sam@lumen.exchange", Role.AGENT, ["en"], "Europe/London"),
    (
        "lucia",
        "Lucía Gómez",
        "lucia@lumen.exchange",
        Role.AGENT,
        ["es", "en", "pt"],
        "America/Mexico_City",
    ),
    ("dmitri", "Dmitri Volkov", "dmitri@lumen.exchange", Role.AGENT, ["en", "ru"], "Europe/Berlin"),
    ("noor", "Noor Haddad", "noor@lumen.exchange", Role.ANALYST, ["en", "ar"], "Asia/Dubai"),
]
_TEAMS = [
    (
        "l1",
        "L1 Support",
        "Generalists on chat and email, all hours.",
        ["mei", "sam", "lucia", "priya"],
    ),
    (
        "security",
        "Security",
        "L2: hacked accounts, stolen funds, phishing, account freezes.",
        ["dmitri", "priya"],
    ),
    ("vip", "VIP Desk", "Dedicated desk for VIP 5 and above.", ["priya", "mei"]),
]
_CONTACTS = [
    # key, identity, name, email, exchange uid, vip, kyc, country, language
    ("wang", "visitor-wang", "Wang Hao", "wang.hao@example.cn", "100284731", 2, 2, "CN", "zh-Hans"),
    (
        "maria",
        "visitor-maria",
        "María Fernández",
        "maria.f@example.es",
        "100519002",
        0,
        1,
        "ES",
        "es",
    ),
    (
        "james",
        "visitor-james",
        "James O'Connor",
        "james.oc@example.co.uk",
        "100077215",
        7,
        3,
        "GB",
        "en",
    ),
    ("yuki", "visitor-yuki", "Yuki Tanaka", "yuki.t@example.jp", "100933410", 1, 2, "JP", "ja"),
    ("chen", "visitor-chen", "陳志明", "chen.zm@example.tw", "100440987", 4, 2, "TW", "zh-Hant"),
    ("alex", "visitor-alex", "Alex Petrov", "alex.p@example.ru", "100361554", 0, 1, "RU", "ru"),
    ("fatima", "fatima.k@example.ae", "Fatima Khan", "fatima.k@example.ae", None, 0, 0, "AE", "en"),
    ("lucas", "lucas.s@example.br", "Lucas Souza", "lucas.s@example.br", None, 1, 1, "BR", "pt"),
]


def demo_world_build() -> DemoWorld:
    from kefu.bot.actions import bot_paused

    # The seeded customers' messages are history: the bot must not answer them on commit.
    with bot_paused(), transaction.atomic():
        return _build()


def _build() -> DemoWorld:
    w = DemoWorld()
    for key, name, email, role, langs, tz in _AGENTS:
        w.agents[key] = agent_create(
            email=email,
            display_name=name,
            role=role,
            languages=langs,
            timezone=tz,
            password=DEMO_PASSWORD,
        )
    for key, name, description, members in _TEAMS:
        team = team_create(name=name, description=description)
        for m in members:
            team_add_member(team=team, agent=w.agents[m])
        w.teams[key] = team
    for key in ("mei", "sam", "lucia"):
        agent_set_presence(agent=w.agents[key], presence="online")
    agent_set_presence(agent=w.agents["dmitri"], presence="away")

    l1, sec, vip = w.teams["l1"], w.teams["security"], w.teams["vip"]
    w.inboxes["chat"] = inbox_create(
        name="Website chat",
        channel_type=ChannelType.WEB_WIDGET,
        teams=[l1, sec, vip],
        config={
            "greeting": "Hi! How can we help you today?",
            "site": "https://lumen.exchange",
            # The support bot (kefu/bot, docs/bot.md): `kefu demo` switches it on once the help
            # center is loaded; tests that build this world get a bot-free inbox.
            "bot": {"enabled": False, "threshold": 0.5, "handoff_vip_tier": 4},
        },
    )
    w.inboxes["email"] = inbox_create(
        name="Email support",
        channel_type=ChannelType.EMAIL,
        teams=[l1, sec, vip],
        config={"address": "support@lumen.exchange"},
    )
    w.inboxes["api"] = inbox_create(
        name="Mobile app (API)",
        channel_type=ChannelType.API,
        teams=[l1],
        config={"description": "In-app help from the Lumen mobile app"},
    )
    system = Actor.system("demo")
    for key, identity, name, email, uid, vip_tier, kyc, country, lang in _CONTACTS:
        inbox = w.inboxes["email"] if "@" in identity else w.inboxes["chat"]
        # The contact is created by its first message, as in production; profile comes after.
        w.contacts[key] = _first_contact(inbox, identity, name, email, uid)
        w.contacts[key] = contact_update(
            contact=w.contacts[key],
            actor=system,
            vip_tier=vip_tier,
            kyc_level=kyc,
            country=country,
            preferred_language=lang,
        )
    official_channels_seed_demo()  # before the replies: the outbound guard reads the registry
    _conversations(w)
    routing_demo_seed(w)
    return w


def _first_contact(inbox: Inbox, identity: str, name: str, email: str, uid: str | None) -> Contact:
    from kefu.contacts.actions import contact_resolve

    return contact_resolve(
        inbox=inbox,
        inbound=InboundMessage(
            identity=identity, body="", name=name, email=email, exchange_uid=uid or ""
        ),
    )


def _say(
    w: DemoWorld,
    key: str,
    contact: str,
    body: str,
    *,
    inbox: str = "chat",
    subject: str = "",
    lang: str = "",
    ago: int = 0,
) -> Conversation:
    c = w.contacts[contact]
    identity = (
        c.identities.filter(inbox=w.inboxes[inbox]).values_list("external_id", flat=True).first()
    )
    if identity is None:
        identity = (
            c.email
            if inbox == "email"
            else f"app-{contact}"
            if inbox == "api"
            else f"visitor-{contact}"
        )
    result = conv.message_receive(
        inbox=w.inboxes[inbox],
        inbound=InboundMessage(
            identity=identity,
            body=body,
            subject=subject,
            language=lang or c.preferred_language,
            source_id=f"demo-{key}-{ago}-{len(body)}",
            name=c.name,
            email=c.email,
            # The exchange's app signs its calls for a logged-in customer: a verified UID.
            exchange_uid=(c.exchange_uid or "") if inbox == "api" else "",
            thread="new" if inbox == "email" and key not in w.conversations else "latest",
            conversation_id=str(w.conversations[key].pk) if key in w.conversations else None,
        ),
    )
    w.conversations[key] = result.conversation
    return result.conversation


def _conversations(w: DemoWorld) -> None:
    a = {k: Actor.of_agent(v) for k, v in w.agents.items()}

    c = _say(
        w,
        "withdrawal_zh",
        "wang",
        "你好，我昨天提现的 2,500 USDT（TRC20）到现在还没到账，状态一直显示处理中。",
        lang="zh-Hans",
    )
    conv.conversation_assign(
        conversation=c, actor=a["mei"], assignee=w.agents["mei"], team=w.teams["l1"]
    )
    conv.message_send(
        conversation=c,
        actor=a["mei"],
        body="您好，王先生！我来帮您查询。请问提现记录里能看到 TxID 吗？",
    )
    _say(w, "withdrawal_zh", "wang", "看不到 TxID，只写着“处理中”。", lang="zh-Hans")
    conv.tag_add(conversation=c, actor=a["mei"], names=["withdrawal", "trc20"])
    conv.conversation_update(
        conversation=c, actor=a["mei"], topic="withdrawal_pending", priority="high"
    )

    c = _say(
        w,
        "hacked_en",
        "james",
        "URGENT: I got an email about a login from Lagos and now 3 BTC is gone from my account!!! Freeze it NOW",
        lang="en",
    )
    conv.conversation_update(
        conversation=c, actor=a["priya"], priority="urgent", topic="account_compromised"
    )
    conv.conversation_assign(
        conversation=c, actor=a["priya"], assignee=w.agents["dmitri"], team=w.teams["security"]
    )
    conv.note_add(
        conversation=c,
        actor=a["priya"],
        body="VIP 7. Login from NG at 03:12 UTC, withdrawal of 3 BTC at 03:15. Account frozen by risk at 03:20.",
    )
    conv.message_send(
        conversation=c,
        actor=a["dmitri"],
        body="James, your account is frozen now, so nothing more can leave it. I'm with the security team and I'm tracing the withdrawal. We will never ask for your password or 2FA codes.",
    )
    conv.tag_add(conversation=c, actor=a["dmitri"], names=["security", "vip"])

    c = _say(
        w,
        "kyc_es",
        "maria",
        "Hola, mi verificación KYC fue rechazada dos veces y no entiendo por qué. Subí mi DNI.",
        lang="es",
    )
    conv.conversation_assign(conversation=c, actor=a["lucia"], assignee=w.agents["lucia"])
    conv.message_send(
        conversation=c,
        actor=a["lucia"],
        body="¡Hola María! La foto del reverso del DNI salió recortada. ¿Puedes subirla de nuevo con las cuatro esquinas visibles?",
    )
    conv.conversation_set_status(conversation=c, actor=a["lucia"], status="pending")
    conv.tag_add(conversation=c, actor=a["lucia"], names=["kyc"])

    c = _say(
        w,
        "deposit_ja",
        "yuki",
        "ETHを入金しましたが、まだ反映されていません。ネットワークはArbitrumです。",
        lang="ja",
    )
    conv.conversation_update(conversation=c, actor=a["priya"], topic="deposit_not_credited")

    c = _say(
        w, "2fa_zht", "chen", "我換了新手機，Google 驗證器不見了，沒辦法登入。", lang="zh-Hant"
    )
    conv.conversation_assign(
        conversation=c, actor=a["mei"], assignee=w.agents["mei"], team=w.teams["vip"]
    )
    conv.message_send(
        conversation=c,
        actor=a["mei"],
        body="陳先生您好，我們可以協助您重置 2FA。請在登入頁點「遺失驗證器」，完成人臉驗證即可。",
    )
    _say(w, "2fa_zht", "chen", "好了，已經可以登入，謝謝！", lang="zh-Hant")
    conv.conversation_set_status(conversation=c, actor=a["mei"], status="resolved")

    c = _say(
        w,
        "p2p_ru",
        "alex",
        "Продавец в P2P не отпускает USDT, хотя я уже оплатил 20 минут назад.",
        lang="ru",
    )
    conv.conversation_assign(conversation=c, actor=a["dmitri"], assignee=w.agents["dmitri"])
    conv.tag_add(conversation=c, actor=a["dmitri"], names=["p2p", "dispute"])

    c = _say(
        w,
        "fees_email",
        "fatima",
        "Hello, could you explain the futures funding fee I was charged yesterday? It looks higher than usual.",
        inbox="email",
        subject="Funding fee question",
        lang="en",
    )
    conv.conversation_assign(
        conversation=c, actor=a["sam"], assignee=w.agents["sam"], team=w.teams["l1"]
    )
    conv.message_send(
        conversation=c,
        actor=a["sam"],
        body="Hi Fatima, funding is exchanged every 8 hours between longs and shorts; yesterday's rate on BTCUSDT rose to 0.05% at 16:00 UTC during the rally. Details are in our help center article on funding fees.",
    )
    conv.conversation_set_status(conversation=c, actor=a["sam"], status="resolved")

    c = _say(
        w,
        "address_pt",
        "lucas",
        "Olá, enviei USDT pela rede BEP20 para um endereço TRC20. Consigo recuperar?",
        inbox="email",
        subject="Depósito na rede errada",
        lang="pt",
    )
    conv.conversation_assign(conversation=c, actor=a["lucia"], team=w.teams["l1"])

    c = _say(
        w,
        "api_en",
        "james",
        "Our market-making bot gets error -1021 timestamp outside recvWindow since this morning.",
        inbox="api",
        lang="en",
    )
    conv.conversation_update(conversation=c, actor=a["priya"], topic="api_trading", priority="high")
    conv.tag_add(conversation=c, actor=a["priya"], names=["api", "vip"])

    c = _say(
        w,
        "listing_en",
        "wang",
        "When will you list the new SUI memecoin?",
        inbox="email",
        subject="Listing request",
        lang="en",
    )
    conv.message_send(
        conversation=c,
        actor=a["sam"],
        body="Thanks for the suggestion! Listing decisions are announced on our official channels only; we'll pass it to the listing team.",
    )
    conv.conversation_set_status(conversation=c, actor=a["sam"], status="resolved")
    conv.conversation_set_status(conversation=c, actor=a["sam"], status="closed")

    c = _say(
        w,
        "snoozed_es",
        "maria",
        "¿Cuándo estará de vuelta la red de Solana para retiros?",
        inbox="api",
        lang="es",
    )
    conv.conversation_assign(conversation=c, actor=a["lucia"], assignee=w.agents["lucia"])
    conv.message_send(
        conversation=c,
        actor=a["lucia"],
        body="La red de Solana está en mantenimiento; te escribimos en cuanto vuelva.",
    )
    conv.conversation_set_status(
        conversation=c, actor=a["lucia"], status="snoozed", snoozed_until=now() + timedelta(hours=4)
    )

    c = _say(
        w,
        "phishing_en",
        "fatima",
        "Someone on Telegram claiming to be Lumen support asked for my seed phrase to 'verify' my wallet. Is that you?",
        inbox="email",
        subject="Is this really Lumen support?",
        lang="en",
    )
    conv.conversation_update(
        conversation=c, actor=a["priya"], topic="phishing_report", priority="high"
    )
    conv.conversation_assign(conversation=c, actor=a["priya"], team=w.teams["security"])
