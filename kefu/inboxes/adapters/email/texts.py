"""The words kefu itself writes into customer mail, in the customer's language, and the
branded text + HTML bodies built around an agent's reply. Pure functions."""

from __future__ import annotations

from html import escape

ACKNOWLEDGEMENT = {
    "en": "We have received your message and opened ticket #{number}. An agent will answer you "
    "here by email; just reply to this message to add anything.",
    "zh-Hans": "我们已收到您的邮件，并为您创建了工单 #{number}。客服人员会通过邮件回复您；"
    "如需补充信息，请直接回复此邮件。",
    "zh-Hant": "我們已收到您的郵件，並為您建立了工單 #{number}。客服人員會透過郵件回覆您；"
    "如需補充資訊，請直接回覆此郵件。",
    "es": "Hemos recibido su mensaje y abierto el ticket #{number}. Un agente le responderá por "
    "correo; responda a este mensaje para añadir cualquier detalle.",
    "ja": "お問い合わせを受け付け、チケット #{number} を作成しました。担当者よりメールで"
    "ご返信します。追加の情報はこのメールに返信してお送りください。",
    "ko": "문의를 접수하여 티켓 #{number}을(를) 생성했습니다. 상담원이 이메일로 답변드립니다. "
    "추가 내용은 이 메일에 회신해 주세요.",
    "ru": "Мы получили ваше сообщение и открыли обращение #{number}. Специалист ответит вам по "
    "почте; чтобы что-то добавить, просто ответьте на это письмо.",
    "tr": "Mesajınızı aldık ve #{number} numaralı talebi oluşturduk. Bir temsilci size e-postayla "
    "yanıt verecek; eklemek istediğiniz bir şey varsa bu mesajı yanıtlayın.",
    "fr": "Nous avons bien reçu votre message et ouvert le ticket #{number}. Un agent vous "
    "répondra par e-mail ; répondez simplement à ce message pour ajouter des précisions.",
    "de": "Wir haben Ihre Nachricht erhalten und das Ticket #{number} eröffnet. Ein Mitarbeiter "
    "antwortet Ihnen per E-Mail; antworten Sie einfach auf diese Nachricht, um etwas zu ergänzen.",
    "pt": "Recebemos sua mensagem e abrimos o ticket #{number}. Um agente responderá por e-mail; "
    "basta responder a esta mensagem para acrescentar algo.",
    "it": "Abbiamo ricevuto il tuo messaggio e aperto il ticket #{number}. Un operatore ti "
    "risponderà via e-mail; rispondi a questo messaggio per aggiungere dettagli.",
}

# Under every message we send: which ticket it is, and how to continue.
FOOTER = {
    "en": "Ticket #{number} · Reply to this email to continue the conversation.",
    "zh-Hans": "工单 #{number} · 直接回复此邮件即可继续沟通。",
    "zh-Hant": "工單 #{number} · 直接回覆此郵件即可繼續溝通。",
    "es": "Ticket #{number} · Responda a este correo para continuar la conversación.",
    "ja": "チケット #{number} · このメールに返信してやり取りを続けてください。",
    "ko": "티켓 #{number} · 이 메일에 회신하여 대화를 이어가세요.",
    "ru": "Обращение #{number} · Ответьте на это письмо, чтобы продолжить переписку.",
    "tr": "Talep #{number} · Görüşmeye devam etmek için bu e-postayı yanıtlayın.",
    "fr": "Ticket #{number} · Répondez à cet e-mail pour poursuivre la conversation.",
    "de": "Ticket #{number} · Antworten Sie auf diese E-Mail, um das Gespräch fortzusetzen.",
    "pt": "Ticket #{number} · Responda a este e-mail para continuar a conversa.",
    "it": "Ticket #{number} · Rispondi a questa e-mail per continuare la conversazione.",
}

# Never ask for secrets: every mail carries the warning phishers cannot honestly copy.
NEVER_ASK = {
    "en": "{brand} will never ask for your password, 2FA codes, seed phrase or private keys.",
    "zh-Hans": "{brand} 绝不会向您索要密码、两步验证码、助记词或私钥。",
    "zh-Hant": "{brand} 絕不會向您索取密碼、雙重驗證碼、助記詞或私鑰。",
    "es": "{brand} nunca le pedirá su contraseña, códigos 2FA, frase semilla ni claves privadas.",
    "ja": "{brand} がパスワード、二段階認証コード、シードフレーズ、秘密鍵を尋ねることはありません。",
    "ko": "{brand}은(는) 비밀번호, 2FA 코드, 시드 문구, 개인 키를 절대 요청하지 않습니다.",
    "ru": "{brand} никогда не попросит пароль, коды 2FA, сид-фразу или приватные ключи.",
    "tr": "{brand} şifrenizi, 2FA kodlarınızı, kurtarma ifadenizi veya özel anahtarlarınızı asla istemez.",
    "fr": "{brand} ne vous demandera jamais votre mot de passe, vos codes 2FA, votre phrase de "
    "récupération ni vos clés privées.",
    "de": "{brand} fragt niemals nach Ihrem Passwort, 2FA-Codes, Seed-Phrase oder privaten Schlüsseln.",
    "pt": "A {brand} nunca pedirá sua senha, códigos 2FA, frase-semente ou chaves privadas.",
    "it": "{brand} non ti chiederà mai password, codici 2FA, frase seed o chiavi private.",
}


def language_supported(language: str) -> str:
    """The closest language we have words for ("zh-TW" -> "zh-Hant", "pt-BR" -> "pt")."""
    lang = (language or "en").strip()
    if lang in FOOTER:
        return lang
    low = lang.lower().replace("_", "-")
    if low.startswith("zh"):
        return "zh-Hant" if any(t in low for t in ("hant", "tw", "hk", "mo")) else "zh-Hans"
    base = low.split("-")[0]
    return base if base in FOOTER else "en"


def acknowledgement_text(*, number: int, language: str, extras: list[str]) -> str:
    lang = language_supported(language)
    return "\n\n".join([ACKNOWLEDGEMENT[lang].format(number=number), *extras])


def reply_bodies(*, body: str, number: int, language: str, brand: str) -> tuple[str, str]:
    """The plain-text and HTML bodies of one outgoing mail: the reply, then our footer."""
    lang = language_supported(language)
    footer = FOOTER[lang].format(number=number)
    never = NEVER_ASK[lang].format(brand=brand or "We")
    text = f"{body.rstrip()}\n\n-- \n{footer}\n{never}\n"
    paragraphs = "".join(
        f'<p style="margin:0 0 12px">{escape(p).replace(chr(10), "<br>")}</p>'
        for p in body.strip().split("\n\n")
        if p.strip()
    )
    heading = (
        f'<div style="font-weight:600;font-size:16px;margin-bottom:16px;color:#0b5cad">'
        f"{escape(brand)}</div>"
        if brand
        else ""
    )
    html = (
        f'<!DOCTYPE html><html lang="{escape(lang)}"><head><meta charset="utf-8"></head>'
        '<body style="margin:0;padding:24px;background:#f5f7fa;'
        'font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2933">'
        '<div style="max-width:600px;margin:0 auto;background:#fff;border-radius:8px;padding:24px">'
        f'{heading}<div style="font-size:14px;line-height:1.5">{paragraphs}</div>'
        '<hr style="border:none;border-top:1px solid #e4e7eb;margin:24px 0 12px">'
        f'<div style="font-size:12px;color:#616e7c">{escape(footer)}<br>{escape(never)}</div>'
        "</div></body></html>"
    )
    return text, html
