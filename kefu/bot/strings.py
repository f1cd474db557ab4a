"""Everything the bot says, per language (en, zh-Hans, es; others fall back to English).

Every template is checked by kefu/bot/tests/test_strings.py: no template asks for a password,
seed phrase, private key or 2FA code (through the outbound guard), and every language has
every key with the same placeholders.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "zh-Hans", "es")
_FALLBACK = {"zh-Hant": "zh-Hans", "zh": "zh-Hans"}

STRINGS: dict[str, dict[str, str]] = {
    "greeting": {
        "en": 'Hi! I\'m the Lumen assistant. Tell me what you need help with; write "agent" at any time to talk to a person.',
        "zh-Hans": "您好！我是 Lumen 智能助手。请告诉我您需要什么帮助；随时输入“人工”即可转接客服。",
        "es": '¡Hola! Soy el asistente de Lumen. Cuéntame en qué te puedo ayudar; escribe "agente" en cualquier momento para hablar con una persona.',
    },
    "faq_answer": {
        "en": '{title}\n{excerpt}\nRead more: {url}\nDid that answer your question? If not, tell me more or write "agent".',
        "zh-Hans": "{title}\n{excerpt}\n详情：{url}\n这解决您的问题了吗？如果没有，请补充说明，或输入“人工”。",
        "es": '{title}\n{excerpt}\nMás información: {url}\n¿Esto responde a tu pregunta? Si no, cuéntame más o escribe "agente".',
    },
    # An answer the language model wrote from help-center articles ({answer} cites them as
    # [1], [2]; {sources} lists those articles with their links). See docs/bot.md.
    "llm_answer": {
        "en": '{answer}\n\nSources:\n{sources}\nDid that answer your question? If not, tell me more or write "agent".',
        "zh-Hans": "{answer}\n\n来源：\n{sources}\n这解决您的问题了吗？如果没有，请补充说明，或输入“人工”。",
        "es": '{answer}\n\nFuentes:\n{sources}\n¿Esto responde a tu pregunta? Si no, cuéntame más o escribe "agente".',
    },
    "clarify": {
        "en": "Just to be sure, do you mean:\n1. {first}\n2. {second}\nReply 1 or 2.",
        "zh-Hans": "为了确认，您指的是：\n1. {first}\n2. {second}\n请回复 1 或 2。",
        "es": "Para asegurarme, ¿te refieres a:\n1. {first}\n2. {second}\nResponde 1 o 2.",
    },
    "not_sure": {
        "en": "I'm not sure I understood. Could you say it in other words, for example with the coin and network involved?",
        "zh-Hans": "抱歉，我没有完全理解。能换一种说法吗？例如说明涉及的币种和网络。",
        "es": "No estoy seguro de haberte entendido. ¿Puedes decirlo de otra forma, por ejemplo con la moneda y la red?",
    },
    "handoff": {
        "en": "I'm passing you to a member of our support team now. They can see this whole conversation, so you don't need to repeat anything.",
        "zh-Hans": "我现在为您转接人工客服。客服可以看到完整的对话记录，您无需重复说明。",
        "es": "Te paso ahora con una persona de nuestro equipo de soporte. Podrá ver toda esta conversación, así que no necesitas repetir nada.",
    },
    "handoff_vip": {
        "en": "As a VIP customer you have a dedicated desk: I'm passing you to them now. They can see this whole conversation.",
        "zh-Hans": "作为 VIP 客户，您有专属客服团队，我现在为您转接。他们可以看到完整的对话记录。",
        "es": "Como cliente VIP tienes un equipo dedicado: te paso con ellos ahora. Podrán ver toda esta conversación.",
    },
    "handoff_security": {
        "en": "I've marked this as urgent for our security team; an agent will be with you shortly. We will never ask for your password, seed phrase, private key or 2FA codes.",
        "zh-Hans": "我已将此事标记为紧急并转交安全团队，客服很快会联系您。我们绝不会向您索要密码、助记词、私钥或二次验证码。",
        "es": "He marcado esto como urgente para nuestro equipo de seguridad; un agente te atenderá en breve. Nunca te pediremos tu contraseña, frase semilla, clave privada ni códigos 2FA.",
    },
    "exchange_down": {
        "en": "I can't see your account right now: our account systems are not answering. I'm passing you to an agent who will check it for you.",
        "zh-Hans": "目前无法查看您的账户：账户系统暂时没有响应。我为您转接人工客服帮您核实。",
        "es": "Ahora mismo no puedo ver tu cuenta: nuestros sistemas de cuentas no responden. Te paso con un agente que lo revisará.",
    },
    "login_needed": {
        "en": "To check your account I need you to be signed in: please open this chat from the Lumen app or website while logged in. Meanwhile, this may help:\n{title}: {url}",
        "zh-Hans": "查询账户需要您先登录：请在登录 Lumen App 或网站后打开本对话。您也可以先参考：\n{title}：{url}",
        "es": "Para revisar tu cuenta necesito que hayas iniciado sesión: abre este chat desde la app o la web de Lumen con tu sesión iniciada. Mientras tanto, esto puede ayudarte:\n{title}: {url}",
    },
    "withdrawals_intro": {
        "en": "Here are your recent withdrawals:",
        "zh-Hans": "这是您最近的提现记录：",
        "es": "Estos son tus retiros recientes:",
    },
    "deposits_intro": {
        "en": "Here are your recent deposits:",
        "zh-Hans": "这是您最近的充值记录：",
        "es": "Estos son tus depósitos recientes:",
    },
    "transfer_line": {
        "en": "• {amount} {coin} via {network}, {date}: {status}",
        "zh-Hans": "• {amount} {coin}（{network}），{date}：{status}",
        "es": "• {amount} {coin} por {network}, {date}: {status}",
    },
    "transfer_found": {
        "en": "I found it: {amount} {coin} via {network}, {date}: {status}",
        "zh-Hans": "已找到该笔记录：{amount} {coin}（{network}），{date}：{status}",
        "es": "Lo encontré: {amount} {coin} por {network}, {date}: {status}",
    },
    "txid_unknown": {
        "en": "I couldn't find a transfer with that TxID on your account.",
        "zh-Hans": "在您的账户中没有找到该 TxID 对应的记录。",
        "es": "No encontré ninguna transferencia con ese TxID en tu cuenta.",
    },
    "no_withdrawals": {
        "en": "I can't see any recent withdrawal on your account.",
        "zh-Hans": "您的账户最近没有提现记录。",
        "es": "No veo ningún retiro reciente en tu cuenta.",
    },
    "no_deposits": {
        "en": "I can't see any recent deposit on your account yet. Deposits appear after the first network confirmation.",
        "zh-Hans": "您的账户暂时没有最近的充值记录。充值在获得第一个网络确认后才会显示。",
        "es": "Todavía no veo ningún depósito reciente en tu cuenta. Los depósitos aparecen tras la primera confirmación de la red.",
    },
    "explorer": {
        "en": "  Track it on the block explorer: {url}",
        "zh-Hans": "  可在区块浏览器查看：{url}",
        "es": "  Síguelo en el explorador de bloques: {url}",
    },
    "status_pending": {
        "en": "requested, waiting to be processed",
        "zh-Hans": "已提交，等待处理",
        "es": "solicitado, pendiente de procesar",
    },
    "status_processing": {
        "en": "being processed by our team{note}; it has not been sent to the blockchain yet, so there is no TxID",
        "zh-Hans": "正在处理中{note}；尚未广播到区块链，因此还没有 TxID",
        "es": "en proceso por nuestro equipo{note}; aún no se ha enviado a la blockchain, por eso no hay TxID",
    },
    "status_confirming": {
        "en": "on the blockchain with {confirmations} of {required} confirmations; it completes by itself once all are reached",
        "zh-Hans": "已上链，当前 {confirmations}/{required} 个确认，达到所需确认数后会自动完成",
        "es": "en la blockchain con {confirmations} de {required} confirmaciones; se completa solo al alcanzarlas",
    },
    "status_completed": {
        "en": "completed ({confirmations} confirmations)",
        "zh-Hans": "已完成（{confirmations} 个确认）",
        "es": "completado ({confirmations} confirmaciones)",
    },
    "status_failed": {
        "en": "failed; the amount was returned to your balance",
        "zh-Hans": "失败，金额已退回您的余额",
        "es": "fallido; el importe volvió a tu saldo",
    },
    "status_cancelled": {
        "en": "cancelled",
        "zh-Hans": "已取消",
        "es": "cancelado",
    },
    "withdrawal_completed_hint": {
        "en": "A completed withdrawal has left Lumen: if it is not in the receiving wallet, give the receiving platform the TxID and check it uses the same network.",
        "zh-Hans": "已完成的提现已从 Lumen 转出：如果接收方尚未到账，请向接收平台提供 TxID，并确认其使用相同网络。",
        "es": "Un retiro completado ya salió de Lumen: si no aparece en la billetera de destino, da el TxID a la plataforma receptora y comprueba que usa la misma red.",
    },
    "memo_missing": {
        "en": "  This {coin} deposit arrived without the memo/tag it needs, so it is held for manual matching. An agent will finish it; keep the TxID.",
        "zh-Hans": "  这笔 {coin} 充值缺少所需的 Memo/标签，已暂停等待人工匹配。客服会为您处理，请保留 TxID。",
        "es": "  Este depósito de {coin} llegó sin el memo/tag que necesita, así que está retenido para asignarlo a mano. Un agente lo terminará; guarda el TxID.",
    },
    "deposit_hint": {
        "en": "If a deposit is missing here, check you sent it on a network we support for that coin, with the memo/tag if the coin needs one.",
        "zh-Hans": "如果这里没有您的充值，请确认使用的是该币种支持的网络，并在需要时填写了 Memo/标签。",
        "es": "Si falta un depósito, comprueba que lo enviaste por una red que admitimos para esa moneda y con el memo/tag si la moneda lo requiere.",
    },
    "freeze_offer": {
        "en": "I'm sorry this happened. I can freeze your account right now: nobody, including you, will be able to log in, trade or withdraw until our security team has checked it with you. Reply YES to freeze it now, or NO.",
        "zh-Hans": "很抱歉发生这种情况。我可以立即冻结您的账户：冻结后任何人（包括您本人）都无法登录、交易或提现，直到安全团队与您核实。回复“是”立即冻结，或回复“否”。",
        "es": "Siento lo ocurrido. Puedo congelar tu cuenta ahora mismo: nadie, ni siquiera tú, podrá entrar, operar ni retirar hasta que nuestro equipo de seguridad lo revise contigo. Responde SÍ para congelarla ahora, o NO.",
    },
    "freeze_done": {
        "en": "Your account is frozen: nothing can leave it now.",
        "zh-Hans": "您的账户已冻结，资金无法再被转出。",
        "es": "Tu cuenta está congelada: ya no puede salir nada de ella.",
    },
    "freeze_already": {
        "en": "Your account is already frozen, so nothing can leave it.",
        "zh-Hans": "您的账户已处于冻结状态，资金无法被转出。",
        "es": "Tu cuenta ya está congelada, así que no puede salir nada de ella.",
    },
    "freeze_declined": {
        "en": "OK, I haven't frozen your account.",
        "zh-Hans": "好的，我没有冻结您的账户。",
        "es": "De acuerdo, no he congelado tu cuenta.",
    },
    "freeze_failed": {
        "en": "I couldn't reach our systems to freeze the account.",
        "zh-Hans": "目前无法连接系统来冻结账户。",
        "es": "No pude conectar con nuestros sistemas para congelar la cuenta.",
    },
    "account_status": {
        "en": "Your account is {status}{reason}.",
        "zh-Hans": "您的账户当前状态：{status}{reason}。",
        "es": "Tu cuenta está {status}{reason}.",
    },
    "account_active": {"en": "active", "zh-Hans": "正常", "es": "activa"},
    "account_locked": {"en": "locked", "zh-Hans": "已锁定", "es": "bloqueada"},
    "account_frozen": {"en": "frozen", "zh-Hans": "已冻结", "es": "congelada"},
    "kyc_status": {
        "en": "Your identity verification is at level {level}; status: {status}.",
        "zh-Hans": "您的身份认证等级为 {level}，状态：{status}。",
        "es": "Tu verificación de identidad está en el nivel {level}; estado: {status}.",
    },
    "kyc_approved": {"en": "approved", "zh-Hans": "已通过", "es": "aprobada"},
    "kyc_pending": {
        "en": "under review (usually within 24 hours)",
        "zh-Hans": "审核中（通常 24 小时内完成）",
        "es": "en revisión (normalmente en 24 horas)",
    },
    "kyc_rejected": {"en": "rejected", "zh-Hans": "未通过", "es": "rechazada"},
    "kyc_none": {"en": "not started", "zh-Hans": "未开始", "es": "sin iniciar"},
    "see_also": {
        "en": "More: {title}: {url}",
        "zh-Hans": "更多信息：{title}：{url}",
        "es": "Más: {title}: {url}",
    },
    "anything_else": {
        "en": 'Is there anything else I can help with? Write "agent" to talk to a person.',
        "zh-Hans": "还有其他可以帮您的吗？输入“人工”可转接客服。",
        "es": '¿Te puedo ayudar en algo más? Escribe "agente" para hablar con una persona.',
    },
}


def bot_language(language: str | None) -> str:
    """The language the bot writes in for a conversation in `language`."""
    if not language:
        return "en"
    if language in LANGUAGES:
        return language
    return _FALLBACK.get(language, _FALLBACK.get(language.split("-")[0], "en"))


def t(key: str, language: str, **values: Any) -> str:
    table = STRINGS[key]
    return table.get(bot_language(language), table["en"]).format(**values)
