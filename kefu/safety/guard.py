"""Outbound guard: text from agents, the bot and macros, checked before a customer sees it.

The guard blocks text that ASKS the customer for a password, seed phrase, private key or
one-time code, or to install a remote-access tool, and text that links outside the official
domains or carries a wallet address. Those are the moves of an impersonation scam, and a real
agent never needs them. What the guard must not block is the opposite message, which agents
send all day: "we will never ask for your seed phrase", "请勿向任何人透露您的助记词".

How a sentence is read, in all twelve supported languages:

* an object (seed phrase, password, 2FA code …) and a request verb (send, tell, 发给, 教えて …)
  in the same sentence make an ask;
* a negation before that verb in the same clause ("never share", "no compartas", "请勿透露")
  makes it a warning; a negated subordinate clause does not ("If you did not get the SMS,
  send us the code" is still an ask);
* in German, Japanese, Korean and Turkish the negation sits after the verb or on it
  ("teilen Sie niemals", "教えないで", "공유하지 마세요", "paylaşmayın"), so there any negation
  in the sentence makes it a warning, as do words that only occur in warnings everywhere
  (scam, phishing, anyone, 任何人, 詐欺 …).

"Enter your 2FA code in the app" is an instruction, not an ask: entering is only an ask for
seed phrases and private keys, which belong in no form at all.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Final

from kefu.safety.phishing import url_check
from kefu.safety.redaction import base58_decode, base58check_decode


class GuardRule(enum.StrEnum):
    ASK_PASSWORD = "ask_password"  # noqa: S105 (a rule name, not a secret)
    ASK_SEED_PHRASE = "ask_seed_phrase"
    ASK_PRIVATE_KEY = "ask_private_key"
    ASK_OTP = "ask_otp"
    REMOTE_ACCESS = "remote_access"
    FOREIGN_LINK = "foreign_link"
    WALLET_ADDRESS = "wallet_address"
    CUSTOM = "custom"


@dataclass(frozen=True, slots=True)
class GuardPattern:
    """An extra, deployment-specific thing to block (a regex, matched case-insensitively)."""

    name: str
    pattern: str
    message: str


@dataclass(frozen=True, slots=True)
class GuardRules:
    ask_password: bool = True
    ask_seed_phrase: bool = True
    ask_private_key: bool = True
    ask_otp: bool = True
    remote_access: bool = True
    foreign_link: bool = True
    wallet_address: bool = True
    brand_names: tuple[str, ...] = ()  # helps name the target of a look-alike link
    extra_remote_tools: tuple[str, ...] = ()
    extra_patterns: tuple[GuardPattern, ...] = ()


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    message: str  # for the agent: what is wrong and what to do instead
    span: tuple[int, int]


@dataclass(frozen=True, slots=True)
class GuardResult:
    violations: list[Violation] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return bool(self.violations)


_DEFAULT_RULES: Final = GuardRules()


def outbound_check(
    text: str, *, official_domains: list[str], rules: GuardRules | None = None
) -> GuardResult:
    rules = rules or _DEFAULT_RULES
    violations: list[Violation] = []
    asks = [
        (GuardRule.ASK_SEED_PHRASE, rules.ask_seed_phrase, _SEED_RE, True),
        (GuardRule.ASK_PRIVATE_KEY, rules.ask_private_key, _PRIVATE_KEY_RE, True),
        (GuardRule.ASK_PASSWORD, rules.ask_password, _PASSWORD_RE, False),
        (GuardRule.ASK_OTP, rules.ask_otp, _OTP_RE, False),
    ]
    remote_re = _remote_tools_re(rules.extra_remote_tools)
    for start, end in _sentences(text):
        sentence = text[start:end]
        warning = _WARNING_RE.search(sentence) is not None
        for rule, enabled, object_re, entry_counts in asks:
            if not enabled or warning:
                continue
            objects = list(object_re.finditer(sentence))
            if objects and _asks(sentence, objects, entry_counts=entry_counts):
                violations.append(Violation(rule, _MESSAGES[rule], _trim(text, start, end)))
        if rules.remote_access and not warning:
            tool = remote_re.search(sentence)
            if tool and not _negated(sentence, tool.start()):
                message = _MESSAGES[GuardRule.REMOTE_ACCESS].format(tool=tool.group().strip())
                violations.append(
                    Violation(GuardRule.REMOTE_ACCESS, message, _trim(text, start, end))
                )
    if rules.foreign_link:
        for link in url_check(
            text, official_domains=official_domains, brand_names=list(rules.brand_names)
        ):
            if link.verdict == "official":
                continue
            message = f"Links to {link.host}, which is not an official domain."
            if link.verdict == "lookalike":
                message += (
                    f" It imitates {link.target or 'an official site'}"
                    f" ({', '.join(link.reasons)}): a phishing pattern."
                )
            message += " Link only to official pages."
            violations.append(Violation(GuardRule.FOREIGN_LINK, message, link.span))
    if rules.wallet_address:
        for chain, span in wallet_addresses_find(text):
            message = _MESSAGES[GuardRule.WALLET_ADDRESS].format(chain=chain)
            violations.append(Violation(GuardRule.WALLET_ADDRESS, message, span))
    for extra in rules.extra_patterns:
        for m in re.finditer(extra.pattern, text, re.I):
            violations.append(Violation(f"custom:{extra.name}", extra.message, m.span()))
    violations.sort(key=lambda v: v.span)
    return GuardResult(violations=violations)


_MESSAGES: Final = {
    GuardRule.ASK_SEED_PHRASE: (
        "Asks the customer for their seed (recovery) phrase. Nobody at the exchange ever needs "
        "it, and whoever has it owns the wallet. Remove the request."
    ),
    GuardRule.ASK_PRIVATE_KEY: (
        "Asks the customer for a private key. Staff never need it; whoever has it controls the "
        "funds. Remove the request."
    ),
    GuardRule.ASK_PASSWORD: (
        "Asks the customer for their password. Agents never need it: send the password-reset "
        "link instead."
    ),
    GuardRule.ASK_OTP: (
        "Asks the customer for a 2FA / SMS / verification code. Codes are entered in the app "
        "only, never sent to support; with one, a scammer passes the customer's own checks."
    ),
    GuardRule.REMOTE_ACCESS: (
        "Asks the customer to use a remote-access tool ({tool}). Support never takes control "
        "of a customer's device; this is how account-takeover scams start."
    ),
    GuardRule.WALLET_ADDRESS: (
        "Contains a {chain} address. Agents never give customers an address to send funds to; "
        "point them to the deposit page in the app, which shows their own address."
    ),
}


# --- sentences and clauses -------------------------------------------------------------------

_SENTENCE_END_RE: Final = re.compile(r"[.!?](?=\s|$)|[。！？\n;；]+")
_CLAUSE_SEP: Final = ",，、:：;；"
# Between a verb and its object: a clause break, except an ASCII colon ("send us: …").
_OBJECT_SEP: Final = ",，、：;；"


_PLEASE_RE: Final = re.compile(
    r"\b(?:please|kindly|пожалуйста|por\s+favor|s'il\s+vous\s+pla[iî]t|bitte|per\s+favore"
    r"|lütfen|por\s+gentileza)\b|请|請",
    re.I,
)


def _sentences(text: str) -> list[tuple[int, int]]:
    out = []
    start = 0
    for m in _SENTENCE_END_RE.finditer(text):
        if m.end() > start:
            out.append((start, m.end()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _asks(sentence: str, objects: list[re.Match[str]], *, entry_counts: bool) -> bool:
    """A request verb, not negated, in the same clause as the object and close to it."""
    verbs = list(_REQUEST_RE.finditer(sentence))
    if entry_counts:
        verbs.extend(_ENTRY_RE.finditer(sentence))
    # A verb inside the object's own name is no request: "фразу восстановления" (recovery
    # phrase) holds "восстанов-" (restore).
    verbs = [v for v in verbs if not any(o.start() <= v.start() < o.end() for o in objects)]
    for verb in verbs:
        if _negated(sentence, verb.start()):
            continue
        for obj in objects:
            lo, hi = sorted((verb, obj), key=lambda m: m.start())
            between = sentence[lo.end() : hi.start()]
            reach = 25 if _is_cjk(verb.group()[0]) or _is_cjk(obj.group()[0]) else 80
            # "Пришлите, пожалуйста, код …": a "please" set off by commas is no clause break.
            bare = _PLEASE_RE.sub("", between)
            bare = re.sub(r"(?:\s*[,，、]\s*){2,}", " ", bare)
            if len(between) <= reach and not any(ch in _OBJECT_SEP for ch in bare):
                return True
    return False


def _negated(sentence: str, at: int) -> bool:
    """Whether a negation governs the word at `at`: before it, in reach, in its clause.

    A clause break between the two ends the negation's reach ("If you did not get the SMS,
    send us the code"), unless the negation dangles right before it ("Never, under any
    circumstances, share …").
    """
    for neg in _NEGATION_RE.finditer(sentence, 0, at):
        between = sentence[neg.end() : at]
        reach = 15 if _is_cjk(sentence[neg.start()]) else 60
        if len(between) > reach:
            continue
        if any(ch in _CLAUSE_SEP for ch in between) and between.lstrip()[:1] not in _CLAUSE_SEP:
            continue
        return True
    return False


def _is_cjk(ch: str) -> bool:
    return "\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"


# --- vocabulary --------------------------------------------------------------------------------


def _words(*alternatives: str) -> str:
    return "|".join(alternatives)


_SEED_RE: Final = re.compile(
    _words(
        r"seed\s*(?:phrase|words?)",
        r"recovery\s*(?:phrase|words?|seed|key)",
        r"secret\s+(?:recovery\s+)?phrase",
        r"mnemonic(?:\s+phrase)?",
        r"backup\s+(?:phrase|words)",
        r"wallet\s+(?:phrase|words)",
        r"\b(?:12|24|twelve|twenty[\s-]four)[\s-]*words?\b",
        r"passphrase",
        r"助记词|助記詞|恢复短语|恢復短語|种子短语|種子短語|助记码|助記碼|备份短语|備份短語",
        r"シードフレーズ|リカバリーフレーズ|ニーモニック|復元フレーズ|バックアップフレーズ",
        r"시드\s*(?:문구|구문)|복구\s*(?:문구|구문)|니모닉|백업\s*문구",
        r"сид[\s-]*фраз\w*|seed[\s-]*фраз\w*|мнемони\w*|фраз\w*\s+восстановлени\w*"
        r"|секретн\w*\s+фраз\w*",
        r"kurtarma\s+ifade\w*|gizli\s+kurtarma|seed\s+ifade\w*|tohum\s+ifade\w*|anımsatıcı"
        r"|(?:12|24)\s+kelime\w*",
        r"frase\s+(?:semilla|de\s+recuperaci[oó]n|secreta|de\s+respaldo|mnem[oó]nica)"
        r"|palabras\s+(?:semilla|de\s+recuperaci[oó]n)|mnem[oó]nico",
        r"phrase\s+(?:de\s+r[ée]cup[ée]ration|secr[èe]te|mn[ée]monique|de\s+sauvegarde)"
        r"|mots\s+de\s+r[ée]cup[ée]ration",
        r"seed[\s-]*phrase|wiederherstellungs(?:phrase|wörter|satz)|geheime\s+phrase"
        r"|(?:12|24)\s+wörter",
        r"frase\s+(?:semente|de\s+recupera[cç][aã]o|secreta|mnem[oô]nica)"
        r"|palavras\s+(?:de\s+recupera[cç][aã]o|semente)",
        r"frase\s+(?:seed|di\s+recupero|segreta|mnemonica)|parole\s+di\s+recupero"
        r"|(?:12|24)\s+parole",
    ),
    re.I,
)
_PRIVATE_KEY_RE: Final = re.compile(
    r"private\s*key|priv\s*key|privkey|私钥|私鑰|秘密鍵|プライベートキー|개인\s*키|프라이빗\s*키"
    r"|приватн\w*\s+ключ\w*|закрыт\w*\s+ключ\w*|özel\s+anahtar\w*|clave\s+privada"
    r"|cl[ée]\s+priv[ée]e|privat\w*\s+schlüssel\w*|chave\s+privada|chiave\s+privata",
    re.I,
)
_PASSWORD_RE: Final = re.compile(
    r"pass\s?word|passcode|passwd|login\s+credentials|密码|密碼|パスワード|暗証番号|비밀번호"
    r"|비번|패스워드|парол\w*|şifre\w*|parolan\w+|contraseña|contrasena|clave\s+de\s+acceso"
    r"|mot\s+de\s+passe|passwort\w*|kennwort\w*|senha\w*",
    re.I,
)
_OTP_RE: Final = re.compile(
    _words(
        r"\b2fa\b|two[\s-]*factor|\b2[\s-]*step|\bmfa\b|\botp\b|one[\s-]*time\s+(?:code|password|pin)",
        r"verification\s+code|auth(?:entication|enticator)?\s+code|google\s+authenticator",
        r"sms\s+code|text\s+code|e-?mail\s+code|security\s+code|confirmation\s+code|login\s+code",
        r"\b6[\s-]*digit\s+code|the\s+code\s+(?:you|we)\s+(?:received|sent|got)",
        r"验证码|驗證碼|动态码|動態碼|谷歌验证|谷歌驗證|短信码|簡訊碼|校验码|校驗碼|安全码|安全碼",
        r"認証コード|確認コード|ワンタイムパスワード|ワンタイムコード|2段階認証|セキュリティコード",
        r"인증\s*번호|인증\s*코드|보안\s*코드|확인\s*코드|2단계\s*인증",
        r"код\w*\s+(?:подтвержден\w*|из\s+смс|из\s+sms|2fa|аутентиф\w*|google|безопасности"
        r"|верификац\w*)|одноразов\w+\s+(?:код|пароль)|смс[\s-]*код|sms[\s-]*код",
        r"doğrulama\s+kod\w*|onay\s+kod\w*|sms\s+kod\w*|2fa\s+kod\w*|güvenlik\s+kod\w*"
        r"|tek\s+kullanımlık",
        r"c[oó]digo\s+(?:de\s+)?(?:verificaci[oó]n|verifica[cç][aã]o|seguridad|seguran[cç]a|2fa"
        r"|sms|autenticaci[oó]n|autentica[cç][aã]o|otp|google|confirmaci[oó]n|confirma[cç][aã]o)",
        r"code\s+(?:de\s+)?(?:v[ée]rification|s[ée]curit[ée]|2fa|sms|otp|google|confirmation)",
        r"(?:best[äa]tigungs|verifizierungs|sicherheits|einmal|2fa-?|sms-?|authenticator-?)code"
        r"|einmalpasswort",
        r"codice\s+(?:di\s+)?(?:verifica|sicurezza|2fa|sms|otp|google|conferma)",
    ),
    re.I,
)

# Verbs that ask for something to be handed over, by message, call or form.
_REQUEST_RE: Final = re.compile(
    _words(
        r"\b(?:send|sending|share|sharing|shared|provide|providing|tell|give|forward|dm|write"
        r"|paste|post|submit|disclose|reveal|ask(?:ing)?\s+for|request(?:ing)?\s+(?:your|the)|require"
        r"|read\s+(?:it\s+)?(?:out|to)|reply\s+with|respond\s+with|message\s+(?:me|us)"
        r"|let\s+(?:me|us)\s+know|hand\s+over|confirm\s+your|verify\s+your)\b",
        r"\bwhat(?:'s|\s+is|\s+are)\s+(?:your|the)\b|\bneed\s+(?:your|the|you\s+to)\b",
        r"发送|發送|发给|發給|发我|發我|提供|告诉|告訴|给我|給我|回复|回覆|分享|私信|报给|報給"
        r"|说一下|說一下|是多少|是什么|是什麼|需要您的|需要你的|透露|索要|索取|要求您|要求你"
        r"|请将|請將|请把|請把|截图给|截圖給|泄露|洩露",
        r"送って|送信して|送付して|教えて|お知らせ|知らせて|共有して|提供して|お送り|ご提供|ご共有"
        r"|伺|返信|記載して|書いて|貼り付け|必要です|お尋ね|求め",
        r"보내|알려|공유|제공|전달|말씀|적어|기재|회신|필요합니다|요청|붙여|요구",
        r"\b(?:отправ\w*|пришл\w*|присла\w*|сообщите|сообщи|сообщить|скаж\w*|назов\w*|укаж\w*"
        r"|поделит\w*"
        r"|предостав\w*|нужн\w*|напиш\w*|продиктуй\w*|перешл\w*|дайте|вышлите|запрашива\w*"
        r"|спрашива\w*|попрос\w*|какой\s+у\s+вас|какая\s+у\s+вас)",
        r"\b(?:gönder\w*|paylaş\w*|verin|veriniz|verir\s+misiniz|bildir\w*|söyle\w*|ilet\w*"
        r"|sağla\w*|yazın|yazınız|lazım|gerek\w*|ihtiyac\w*|istiyoruz|istiyorum|nedir)\b",
        r"\b(?:env[ií]a\w*|env[ií]e\w*|env[ií]ar\w*|compart\w*|proporcion\w*|d[ií]ganos|dime"
        r"|d[ií]game|ind[ií]que\w*|ind[ií]ca\w*|facilit\w*|escrib\w*|necesit\w*|m[aá]nda\w*"
        r"|p[aá]same|p[aá]sanos|requer\w*|solicitamos|solicita|pedimos|pedir"
        r"|cu[aá]l\s+es\s+(?:tu|su))\b",
        r"\b(?:envoy\w*|partag\w*|donne[sz]?|donner|fourni\w*|communiqu\w*|indiqu\w*"
        r"|dites|transmet\w*|[ée]cri\w*|besoin\s+de|demand(?:ons|er|ez|erons|erait)"
        r"|quel(?:le)?\s+est\s+(?:ton|ta|votre))\b",
        r"\b(?:senden|sende|schick\w*|teilen|teile|teilt|geben\s+sie|gib|nennen|nenne|mitteil\w*"
        r"|übermittel\w*|schreib\w*|benötig\w*|brauch\w*|wie\s+lautet|verrat\w*|frag\w*"
        r"|fordern?)\b",
        r"\b(?:envie\w*|enviar|envia\w*|compartilh\w*|partilh\w*|forne[cç]a\w*|fornecer|informe\w*"
        r"|informar|diga\w*|passe-me|passe-nos|escrev\w*|precis\w*|solicitamos|pedimos|pedir"
        r"|qual\s+(?:[ée]\s+)?(?:a\s+)?(?:sua|tua))\b",
        r"\b(?:invia\w*|inviare|condivid\w*|fornisc\w*|fornire|comunica\w*|dimmi|dicci|scriv\w*"
        r"|bisogno|serve|chied\w*|richied\w*|qual\s+[èe]\s+(?:la\s+)?(?:tua|sua))\b",
    ),
    re.I,
)
# Verbs that put a secret into a form or a wallet app: an ask only for seeds and keys.
_ENTRY_RE: Final = re.compile(
    r"\b(?:enter|input|type(?:\s+in)?|import|restore|sync|synchroni[sz]e|validate|fill\s+in"
    r"|connect\s+your\s+wallet)\b|输入|輸入|填写|填寫|导入|導入|填入|同步|粘贴|貼上|入力|インポート"
    r"|복원|입력|가져오|\b(?:введ\w*|вставь\w*|импорт\w*|восстанов\w*|girin|giriniz|girmeniz"
    r"|introduc\w*|ingres\w*|import\w*|saisi\w*|entre[rz]|eingeb\w*|digit\w*|insir\w*|inser\w*"
    r"|inserisc\w*|inserire)\b",
    re.I,
)
# Negations that stand before the verb they negate (English, Romance, Russian, Chinese).
_NEGATION_RE: Final = re.compile(
    r"\b(?:never|not|no|nobody|cannot|avoid|without|nunca|jam[aá]s|nadie|evite|ne|jamais|non"
    r"|mai|n[aã]o|ningu[eé]m|не|никогда|никому|ни)\b|n'[tT]\b|n't\b|\bn'|\bdon'?t\b|\bwon'?t\b"
    r"|不|勿|别|別|禁止|无需|無需|从不|從不",
    re.I,
)
# Words that only warnings use, and negations that follow the verb (German, Japanese, Korean,
# Turkish): any of them anywhere in the sentence makes it a warning.
_WARNING_RE: Final = re.compile(
    _words(
        r"\b(?:scam\w*|fraud\w*|phishing|impersonat\w*|beware|anyone|anybody|someone|somebody"
        r"|third[\s-]part\w*|no\s+one|did\s+you|have\s+you|has\s+anyone)\b",
        r"\b(?:nicht|nie|niemals|niemand\w*|kein\w*|betrug\w*|warnung)\b",
        r"ないで|ません|しない|禁止|決して|絶対に|詐欺|誰にも|第三者|ないように",
        r"마세요|마십시오|않습니다|않아요|않을|말아|금지|절대|사기|누구에게도|아무에게도|제3자|않으며",
        r"\b(?:asla|hiçbir\s+zaman|kimseyle|kimseye|dolandırıc\w*|\w+m[ae]y[ıi]n\w*|\w+m[ae]y[ıi]z"
        r"|\w+m[ae]z|\w+m[ae]y[ae]c[ae][ğk]\w*)\b",
        r"\b(?:estafa\w*|fraude\w*|arnaque\w*|escroqu\w*|hame[cç]onnage|truffa\w*|golpe\w*"
        r"|мошенни\w*|фишинг\w*|alguien|quelqu'un|qualcuno|algu[eé]m|кто-то|кому-либо|birisi"
        r"|jemand\w*|personne|nessuno)\b",
        r"诈骗|詐騙|骗子|騙子|钓鱼|釣魚|冒充|假冒|任何人|他人|别人|別人|第三方",
    ),
    re.I,
)

_REMOTE_TOOLS: Final = (
    r"any\s?desk|team\s?viewer|rust\s?desk|ultra\s?viewer|quick\s?support|quick\s+assist"
    r"|chrome\s+remote\s+desktop|remote\s+desktop|supremo|splashtop|ammyy|logmein|gotoassist"
    r"|zoho\s+assist|screenconnect|connectwise|airdroid|aweray|todesk|向日葵|sunlogin"
    r"|share\s+(?:your|the)\s+screen|screen\s+shar\w*|远程控制|遠端控制|远程协助|遠端協助"
    r"|リモートデスクトップ|원격\s*(?:제어|지원)|удал[её]нн\w+\s+доступ|uzaktan\s+erişim"
    r"|acceso\s+remoto|acc[eè]s\s+[àa]\s+distance|fernzugriff|acesso\s+remoto|accesso\s+remoto"
)


def _remote_tools_re(extra: tuple[str, ...]) -> re.Pattern[str]:
    if not extra:
        return _REMOTE_TOOLS_RE
    return re.compile(_REMOTE_TOOLS + "|" + "|".join(re.escape(t) for t in extra), re.I)


_REMOTE_TOOLS_RE: Final = re.compile(_REMOTE_TOOLS, re.I)


# --- wallet addresses --------------------------------------------------------------------------

_B58: Final = "1-9A-HJ-NP-Za-km-z"
_ETH_RE: Final = re.compile(r"(?<![0-9A-Za-z])0x[0-9a-fA-F]{40}(?![0-9A-Za-z])")
_BECH32_RE: Final = re.compile(
    r"(?<![0-9A-Za-z])(?:bc1|tb1|ltc1|BC1|TB1|LTC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{8,87}(?![0-9A-Za-z])"
)
_BASE58_RE: Final = re.compile(rf"(?<![0-9A-Za-z/=?&#.])[{_B58}]{{25,44}}(?![0-9A-Za-z])")
_BECH32_CHARSET: Final = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32_ok(address: str) -> bool:
    if address != address.lower() and address != address.upper():
        return False
    hrp, _, data = address.lower().rpartition("1")
    if not hrp or len(data) < 6:
        return False
    values = [_BECH32_CHARSET.index(c) for c in data]
    check = 1
    generators = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    for v in [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ v
        for i, g in enumerate(generators):
            if (top >> i) & 1:
                check ^= g
    return check in (1, 0x2BC830A3)  # bech32 (segwit v0) or bech32m (taproot)


def wallet_addresses_find(text: str) -> list[tuple[str, tuple[int, int]]]:
    """(chain, span) for each wallet address: checksummed where the format has a checksum."""
    found: list[tuple[str, tuple[int, int]]] = []
    for m in _ETH_RE.finditer(text):
        found.append(("Ethereum/EVM", m.span()))
    for m in _BECH32_RE.finditer(text):
        if _bech32_ok(m.group()):
            chain = "Litecoin" if m.group().lower().startswith("ltc") else "Bitcoin"
            found.append((chain, m.span()))
    for m in _BASE58_RE.finditer(text):
        if any(a <= m.start() < b for _, (a, b) in found):
            continue
        payload = base58check_decode(m.group())
        if payload is not None and len(payload) == 21:
            found.append((_base58_chain(payload[0], m.group()), m.span()))
            continue
        # Solana addresses are bare 32-byte public keys with no checksum. Without one, only a
        # string of the right length that decodes to exactly 32 bytes and mixes digits, upper
        # and lower case counts, so ordinary words and ids do not.
        raw = base58_decode(m.group())
        word = m.group()
        if (
            raw is not None
            and len(raw) == 32
            and len(word) >= 32
            and any(c.isdigit() for c in word)
            and any(c.isupper() for c in word)
            and any(c.islower() for c in word)
        ):
            found.append(("Solana", m.span()))
    found.sort(key=lambda f: f[1])
    return found


def _base58_chain(version: int, address: str) -> str:
    if version == 0x41 and address.startswith("T"):
        return "TRON"
    return {
        0x00: "Bitcoin",
        0x05: "Bitcoin",
        0x6F: "Bitcoin testnet",
        0xC4: "Bitcoin testnet",
        0x30: "Litecoin",
        0x32: "Litecoin",
        0x1E: "Dogecoin",
        0x16: "Dogecoin",
    }.get(version, "base58check")
