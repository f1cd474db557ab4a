"""What a customer's message asks for: a person, a flow (withdrawal, deposit, security, KYC),
a yes/no, or a question for the help center. Rules, not a model: every handoff trigger must be
explainable in the agent's note, and a customer asking for a human must never be misread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_I = re.IGNORECASE


def _re(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(parts), _I)


# A customer asking for a person, in the supported languages (and a few more).
HUMAN_RE = _re(
    r"\b(?:human|agent|real person|live (?:agent|person|support|chat)|operator|representative"
    r"|speak to (?:a |an |some)?(?:one|body|person|staff)|talk to (?:a |an |some)?(?:one|body|person|staff)"
    r"|(?:need|want) (?:a |an |some)?(?:person|human|someone|one) (?:to|who))s?\b",
    r"人工|客服|真人|转接|接线员|人類|真人客服",
    r"\b(?:humano|agente|persona real|operador[a]?|asesor[a]?|hablar con (?:alguien|una persona))\b",
    r"オペレーター|担当者|人間",
    r"\b(?:оператор\w*|человек\w*)\b",
    r"\b(?:atendente|mensch|mitarbeiter|opérateur|conseiller)\b",
)
GREETING_RE = re.compile(
    r"^\s*(?:hi+|hello|hey|good (?:morning|afternoon|evening)|yo|你好|您好|hola|buenas(?: tardes| noches)?"
    r"|buenos d[ií]as|こんにちは|привет|olá|ola)(?:\s+(?:there|lumen|team))?[\s!.,，。！~]*$",
    _I,
)
THANKS_RE = re.compile(
    r"^\s*(?:thanks?(?: you)?|thx|ok(?:ay)?|great|perfect|got it|谢谢|多谢|好的|明白了|gracias|vale|perfecto|entendido)"
    r"[\s!.,，。！]*$",
    _I,
)
YES_RE = re.compile(
    r"^\s*(?:y|yes|yeah|yep|sure|ok(?:ay)?|confirm(?:ed)?|do it|freeze(?: it)?(?: now)?|please do|是|是的|好|好的|确认|冻结|请冻结"
    r"|s[ií]|claro|confirmo|congela(?:la)?|hazlo)[\s!.,，。！]*$",
    _I,
)
NO_RE = re.compile(
    r"^\s*(?:n|no|nope|not now|don'?t|不|不用|不要|否|先不要|todav[ií]a no|no gracias)[\s!.,，。！]*$",
    _I,
)

WITHDRAWAL_RE = _re(r"withdr[ae]w\w*", r"提现|提币|提款|取款|出金", r"retir\w+", r"\bsaque\b")
DEPOSIT_RE = _re(r"\bdeposit\w*", r"充值|充币|入金|存入|转入", r"dep[oó]sit\w*", r"ingres\w*")
# "it has not arrived", "where is", "stuck" …: a flow, not a how-to question.
PROBLEM_RE = _re(
    r"\b(?:not (?:yet )?(?:arrived|received|credited|showing|there|reflected)|hasn'?t|haven'?t|didn'?t|isn'?t|never"
    r"|still|where|stuck|pending|processing|missing|delayed|late|status|how long|yet)\b",
    r"没到|未到|还没|没有到|到账|没收到|卡住|处理中|一直|多久|在哪|状态|未入账|没入账|没显示",
    r"\b(?:no (?:me )?(?:ha )?(?:llegado|llega|aparece|acreditado|reflejad[oa])|todav[ií]a|a[uú]n|d[oó]nde"
    r"|pendiente|atascad[oa]|estado|cu[aá]nto tarda)\b",
)
# Account takeover and theft: a security emergency (freeze offer, then the security team).
HACKED_RE = _re(
    r"\bhack(?:ed|er|ing)?\b|\bcompromised\b|\bunauthori[sz]ed\b|\bstolen\b|\bstole\b|\bnot me\b"
    r"|someone (?:logged|accessed|took|withdrew)|\bgone from my account\b|\bdrained\b",
    r"被盗|盗号|被黑|黑客|被人登录|不是我操作|资金被转走|币被转走|钱被转走|被转走",
    r"hacke(?:ad[oa]|aron|o)|\brobad[oa]s?\b|me (?:han )?robado|\brobo\b|no fui yo|vaciaron",
    r"乗っ取|不正アクセス|盗まれ",
)
# Fraud the customer fell for: no freeze helps by itself, a person must look now.
SCAM_RE = _re(
    r"\bscam(?:med|mer)?\b|\bfraud\w*\b|\bfake (?:support|site|app|agent)\b"
    r"|\b(?:a|this|the) phishing (?:site|link|email|page|message)\b|\bphished\b",
    r"被骗|骗子|诈骗|被钓鱼|假客服|假网站",
    r"\bestafa\w*\b|\bfraude\b|\bsuplantaci[oó]n\b|\bme estafaron\b",
    r"詐欺",
)
LOCKED_RE = _re(
    r"\b(?:locked|frozen|suspended|disabled|blocked|restricted)\b|can'?t (?:log ?in|sign in|access)"
    r"|cannot (?:log ?in|sign in|access)|unable to (?:log ?in|sign in)",
    r"锁定|被锁|冻结|登录不了|无法登录|登不上|限制",
    r"bloquead[oa]|congelad[oa]|suspendid[oa]|no puedo (?:entrar|iniciar sesi[oó]n|acceder)",
)
# Getting back into the account: a forgotten password, a lost phone or authenticator. The bot
# answers from the help center, then adds a security tip.
CREDENTIALS_RE = _re(
    r"\b(?:forg[oe]t\w*|reset\w*|recover\w*|lost)\b[^.?!]{0,30}\b(?:password|passcode|2fa|two[- ]factor|authenticator|google auth\w*)",
    r"\b(?:password|2fa|authenticator)\b[^.?!]{0,20}\b(?:reset|forgot(?:ten)?|lost|recover\w*)\b",
    r"忘记密码|重置密码|找回密码|密码忘了|重置(?:谷歌|双重|二次)验证|(?:丢失|丢了|换了|更换)[^。？！]{0,6}(?:手机|验证器)",
    r"olvid\w* (?:mi |la )?contraseña|(?:restablecer|recuperar) (?:mi |la )?contraseña|restablecer (?:el |mi )?2fa"
    r"|perd\w* (?:mi |el )?(?:tel[eé]fono|m[oó]vil|autenticador)",
)
KYC_RE = _re(
    r"\bkyc\b|identity verification|verify (?:my )?identity|\bverification (?:status|level)\b",
    r"实名|身份认证|身份验证|认证状态|KYC",
    r"verificaci[oó]n(?: de identidad)?|verificar (?:mi )?identidad",
)
TXID_RE = re.compile(r"(?<![0-9A-Za-z])(?:0x)?[0-9A-Fa-f]{64}(?![0-9A-Za-z])")
CHOICE_RE = re.compile(
    r"^\s*(?:#|no\.?\s*)?([12])\s*[.)]?\s*$|^\s*(first|second|第一个|第二个|el primero|el segundo|primero|segundo)\b",
    _I,
)


@dataclass(frozen=True)
class Intent:
    human: bool = False
    greeting_only: bool = False
    thanks_only: bool = False
    hacked: bool = False
    scam: bool = False
    locked: bool = False
    withdrawal_problem: bool = False
    deposit_problem: bool = False
    kyc: bool = False
    credentials_reset: bool = False
    txid: str = ""


def intent_detect(text: str) -> Intent:
    txid_match = TXID_RE.search(text)
    txid = txid_match.group() if txid_match else ""
    problem = bool(PROBLEM_RE.search(text)) or bool(txid)
    withdrawal = bool(WITHDRAWAL_RE.search(text))
    deposit = bool(DEPOSIT_RE.search(text))
    return Intent(
        human=bool(HUMAN_RE.search(text)),
        greeting_only=bool(GREETING_RE.match(text)),
        thanks_only=bool(THANKS_RE.match(text)),
        hacked=bool(HACKED_RE.search(text)),
        scam=bool(SCAM_RE.search(text)),
        locked=bool(LOCKED_RE.search(text)),
        withdrawal_problem=withdrawal and problem and not (deposit and not withdrawal),
        deposit_problem=deposit and problem and not withdrawal,
        kyc=bool(KYC_RE.search(text)),
        credentials_reset=bool(CREDENTIALS_RE.search(text)),
        txid=txid,
    )


def choice_parse(text: str) -> int | None:
    """1 or 2 from a reply to a clarifying question, else None."""
    m = CHOICE_RE.match(text)
    if not m:
        return None
    if m.group(1):
        return int(m.group(1))
    word = m.group(2).lower()
    return 1 if word in {"first", "第一个", "el primero", "primero"} else 2
