"""Language of short customer messages, and a conversation language that does not flip-flop.

Support messages are short ("hi", "ok", "提币没到账", a TxID), so a character n-gram model
alone guesses wildly. Three layers:

1. Noise out: URLs, e-mail addresses, @handles, TxIDs and wallet addresses, numbers,
   tickers in capitals ("USDT") and emoji carry no language and are removed first.
2. Script first: kana means Japanese, Hangul Korean, Cyrillic Russian, Arabic script
   Arabic, Thai script Thai; Han without kana is Chinese, Simplified or Traditional by the
   characters that only one of them uses. Only Latin-script text goes to py3langid,
   restricted to the supported Latin-script languages, with a small lexicon of greetings and
   thanks that the n-gram model cannot get from two words.
3. The conversation decides slowly: `conversation_language_decide` changes a conversation's
   language only on a *decisive* detection (enough letters, confident), so "ok", "thanks",
   an emoji or a pasted address never flip a Chinese conversation to English.

Language codes are kefu's: en, zh-Hans, zh-Hant, es, ja, ko, ru, tr, fr, de, pt, it (the
console and help-center languages), plus vi, id, ar and th, which are detected so that a
message in them is labelled rather than mislabelled.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import Any

SUPPORTED = (
    "en",
    "zh-Hans",
    "zh-Hant",
    "es",
    "ja",
    "ko",
    "ru",
    "tr",
    "fr",
    "de",
    "pt",
    "it",
    "vi",
    "id",
    "ar",
    "th",
)
LATIN = ("en", "es", "tr", "fr", "de", "pt", "it", "vi", "id")

# A detection changes a conversation's language only with this much evidence: letters of a
# Latin-script text (after noise is removed) and the model's probability; non-Latin scripts
# are unambiguous, so fewer characters are enough.
DECISIVE_LATIN_LETTERS = 12
DECISIVE_CONFIDENCE = 0.80
DECISIVE_SCRIPT_CHARS = 2

# Simplified / Traditional pairs of common characters whose other form is not used in the
# other script (so 台, 后, 里, 干, 面 are left out: Traditional text uses them too).
_ZH_PAIRS = (
    "这這们們个個为為来來时時说說国國过過没沒还還对對发發会會现現钱錢币幣账賬号號户戶码碼"
    "请請问問题題认認证證实實际際转轉帐帳网網络絡链鏈区區块塊买買卖賣单單价價费費额額资資"
    "产產冻凍结結锁鎖录錄验驗设設绑綁机機邮郵显顯务務员員样樣么麼吗嗎谢謝帮幫给給让讓应應"
    "该該经經点點钟鐘开開关關长長种種东東车車门門见見觉覺听聽写寫读讀书書学學语語话話边邊"
    "头頭万萬与與业業专專两兩严嚴丢丟乐樂习習亏虧亲親仅僅从從众眾优優传傳伤傷体體债債偿償"
    "储儲儿兒兴興养養决決况況净淨减減处處击擊则則刚剛创創删刪别別办辦动動劳勞势勢华華协協"
    "卫衛却卻厂廠历歷压壓参參双雙变變吓嚇启啟响響团團园園围圍图圖圆圓场場坏壞声聲备備复復"
    "够夠夺奪奖獎妈媽宝寶审審宽寬将將导導层層岁歲师師带帶广廣废廢库庫异異弃棄张張归歸当當"
    "彻徹态態怀懷总總恶惡惊驚惯慣愿願战戰扩擴扫掃执執扰擾抢搶护護报報担擔择擇挂掛损損换換"
    "据據无無旧舊晓曉暂暫术術杀殺杂雜权權条條极極构構标標检檢欢歡气氣汇匯测測涨漲满滿灭滅"
    "烦煩热熱爱愛状狀独獨环環电電画畫疗療盖蓋盘盤确確礼禮离離积積称稱稳穩类類纪紀约約级級"
    "纯純纳納纸紙线線练練组組细細终終绝絕统統继繼续續维維罚罰联聯胜勝脑腦脸臉节節获獲营營"
    "虑慮补補装裝观觀规規视視览覽计計订訂议議记記讲講许許论論访訪评評识識诉訴诈詐词詞译譯"
    "试試诚誠详詳误誤调調谁誰谈談负負财財责責败敗货貨质質贵貴贸貿赔賠赚賺购購贷貸赶趕轮輪"
    "软軟载載输輸达達运運进進远遠违違连連选選释釋针針钥鑰铁鐵银銀销銷错錯键鍵闭閉间間闻聞"
    "阅閱队隊阶階陆陸险險随隨隐隱难難页頁项項顺順须須预預领領频頻风風飞飛饭飯马馬骗騙龙龍"
    "尽盡帐帳户戶码碼扣扣"
)
SIMPLIFIED_ONLY = frozenset(_ZH_PAIRS[0::2]) - frozenset(_ZH_PAIRS[1::2])
TRADITIONAL_ONLY = frozenset(_ZH_PAIRS[1::2]) - frozenset(_ZH_PAIRS[0::2])

# Words the n-gram model cannot place from a short message, and that do place it. Neutral
# words ("ok", "hi", "thanks", "bitcoin") name a language weakly at best: they never make a
# detection decisive on their own.
_LEXICON: dict[str, str] = {}
for _lang, _words in {
    "es": "hola gracias buenas buenos días ayuda retiro depósito cuenta dinero por favor "
    "dónde está mi tengo no ha llegado todavía señor bloqueada contraseña",
    "fr": "bonjour bonsoir merci salut retrait dépôt compte argent aide mon ma je suis "
    "pas encore arrivé s'il vous plaît bloqué",
    "de": "hallo danke guten tag morgen abend auszahlung einzahlung konto geld hilfe mein "
    "meine ich bitte noch nicht angekommen gesperrt",
    "pt": "olá obrigado obrigada oi bom dia boa tarde saque depósito conta dinheiro ajuda "
    "meu minha não chegou ainda bloqueada senha você",
    "it": "ciao grazie buongiorno buonasera prelievo deposito conto soldi aiuto mio mia "
    "non è ancora arrivato bloccato per favore",
    "tr": "merhaba teşekkürler teşekkür ederim selam para çekme yatırma hesap hesabım yardım "
    "paramı henüz gelmedi kilitlendi lütfen",
    "en": "hello please withdrawal deposit account money help my still hasn't arrived "
    "locked where is the",
    "vi": "xin chào cảm ơn tài khoản rút tiền nạp giúp tôi chưa",
    "id": "halo terima kasih tolong penarikan setoran akun saya belum sampai dana",
}.items():
    for _w in _words.split():
        _LEXICON.setdefault(_w, _lang)


# Greetings, acknowledgements and crypto jargon every language borrows.
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


GREETING_WORDS = _words(
    "hi hey ok okay k kk thx thanks thank you ty yes no yep nope lol pls plz hello bye"
)
JARGON_WORDS = _words(
    "bitcoin btc eth usdt usdc trx sol bnb xrp ton kyc 2fa otp api p2p vip nft defi "
    "wallet binance metamask trust txid txhash hash memo tag id"
)
NEUTRAL_WORDS = GREETING_WORDS | JARGON_WORDS

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"\S+@\S+\.\S+")
_HANDLE = re.compile(r"[@#]\w+")
# TxIDs, addresses and other long mixed tokens: 16+ chars of letters and digits with at least
# one digit, or 0x-hex.
_HASHLIKE = re.compile(
    r"(?<![A-Za-z0-9])(?:0x[0-9a-fA-F]{6,}|(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{16,})(?![A-Za-z0-9])"
)
_NUMBER = re.compile(r"[+-]?\d[\d.,:/-]*%?")
_TICKER = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2,6}\d?(?![A-Za-z0-9])")
_LATIN_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ɏḀ-ỿ]+(?:'[A-Za-zÀ-ÖØ-öø-ɏḀ-ỿ]+)?")


@dataclass(frozen=True)
class Detection:
    language: str | None  # None: nothing in the text names a language
    confidence: float  # 0..1
    evidence: int  # letters (Latin) or characters (other scripts) that carried the decision
    decisive: bool  # enough to change a conversation's established language
    mixed: tuple[str, ...] = ()  # other languages present (code-switching)
    scripts: dict[str, int] = field(default_factory=dict)
    variant_told: bool = True  # for Chinese: a character showed Simplified vs Traditional

    def as_payload(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "confidence": round(self.confidence, 3),
            "decisive": self.decisive,
            "mixed": list(self.mixed),
        }


def _script(ch: str) -> str | None:
    o = ord(ch)
    if 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF or 0xFF66 <= o <= 0xFF9D:
        return "kana"
    if 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
        return "hangul"
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF:
        return "han"
    if 0x0400 <= o <= 0x04FF:
        return "cyrillic"
    if 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F:
        return "arabic"
    if 0x0E00 <= o <= 0x0E7F:
        return "thai"
    if ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN"):
        return "latin"
    return None


def strip_noise(text: str) -> str:
    """The text without what carries no language: links, addresses, TxIDs, numbers, tickers,
    emoji and punctuation runs."""
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = _HASHLIKE.sub(" ", text)
    text = _NUMBER.sub(" ", text)
    # Capitalised tickers ("USDT", "BTC") only when the rest is not shouting in capitals.
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) < 0.6 * len(letters):
        text = _TICKER.sub(" ", text)
    return text


class _LatinModel:
    """py3langid restricted to kefu's Latin-script languages, loaded on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._identifier: Any = None

    def rank(self, text: str) -> list[tuple[str, float]]:
        if self._identifier is None:
            with self._lock:
                if self._identifier is None:
                    from py3langid.langid import MODEL_FILE, LanguageIdentifier

                    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                    ident.set_languages(list(LATIN))
                    self._identifier = ident
        return self._identifier.rank(text)


_latin = _LatinModel()


def _zh_variant(text: str) -> tuple[str, bool]:
    """zh-Hans or zh-Hant, and whether a character told them apart."""
    simplified = sum(ch in SIMPLIFIED_ONLY for ch in text)
    traditional = sum(ch in TRADITIONAL_ONLY for ch in text)
    if traditional > simplified:
        return "zh-Hant", True
    return "zh-Hans", simplified > traditional


def _detect_latin(text: str) -> tuple[str | None, float, int, bool]:
    words = [w.lower() for w in _LATIN_WORD.findall(text)]
    content = [w for w in words if w not in NEUTRAL_WORDS]
    letters = sum(len(w) for w in content)
    if not words:
        return None, 0.0, 0, False
    if not content:
        # Only "ok", "thanks", "hi": English-ish, never decisive. Only jargon: nothing.
        if any(w in GREETING_WORDS for w in words):
            return "en", 0.5, 0, False
        return None, 0.0, 0, False
    votes: dict[str, int] = {}
    for w in content:
        lang = _LEXICON.get(w)
        if lang:
            votes[lang] = votes.get(lang, 0) + 1
    ranked = _latin.rank(" ".join(content))
    model_lang, model_p = ranked[0]
    if votes:
        lex_lang, lex_n = max(votes.items(), key=lambda kv: kv[1])
        # On few words a lexicon hit beats the n-gram model; on longer text the model rules
        # unless both agree.
        if lex_lang == model_lang:
            return model_lang, max(model_p, 0.9), letters, True
        if len(content) <= 3 or (lex_n >= 2 and lex_n > len(content) / 3):
            p = dict(ranked).get(lex_lang, 0.0)
            return lex_lang, max(0.7, p), letters, True
    return model_lang, model_p, letters, False


def detect(text: str) -> Detection:
    """The language of one message, with how sure it is and whether that is decisive."""
    clean = strip_noise(text or "")
    counts: dict[str, int] = {}
    for ch in clean:
        s = _script(ch)
        if s:
            counts[s] = counts.get(s, 0) + 1
    if not counts:
        return Detection(None, 0.0, 0, False, scripts=counts)

    # Weight: one CJK character carries about a word, i.e. ~3 Latin letters.
    cjk = counts.get("han", 0) + counts.get("kana", 0) + counts.get("hangul", 0)
    weights = {
        "cjk": 3 * cjk,
        "latin": counts.get("latin", 0),
        "cyrillic": counts.get("cyrillic", 0),
        "arabic": counts.get("arabic", 0),
        "thai": 2 * counts.get("thai", 0),
    }
    primary = max(weights, key=lambda k: weights[k])
    total = sum(weights.values())
    share = weights[primary] / total

    mixed: list[str] = []
    if primary != "latin" and counts.get("latin", 0) >= 4:
        lang, _, letters, _ = _detect_latin(clean)
        if lang and letters >= 4:
            mixed.append(lang)

    if primary == "cjk":
        if counts.get("kana", 0) > 0 and counts.get("kana", 0) >= counts.get("hangul", 0):
            lang, n, told = "ja", cjk, True
        elif counts.get("hangul", 0) > 0:
            lang, n, told = "ko", cjk, True
        else:
            variant, told = _zh_variant(clean)
            lang, n = variant, counts["han"]
        confidence = share * (1.0 if told else 0.85)
        return Detection(
            lang,
            confidence,
            n,
            decisive=n >= DECISIVE_SCRIPT_CHARS and share >= 0.5,
            mixed=tuple(mixed),
            scripts=counts,
            variant_told=told,
        )
    if primary in ("cyrillic", "arabic", "thai"):
        lang = {"cyrillic": "ru", "arabic": "ar", "thai": "th"}[primary]
        n = counts[primary]
        return Detection(
            lang,
            share,
            n,
            decisive=n >= DECISIVE_SCRIPT_CHARS * 2 and share >= 0.5,
            mixed=tuple(mixed),
            scripts=counts,
        )

    lang, p, letters, lexical = _detect_latin(clean)
    if cjk:
        variant = "ja" if counts.get("kana") else "ko" if counts.get("hangul") else None
        mixed.append(variant or _zh_variant(clean)[0])
    decisive = bool(
        lang
        and p * share >= DECISIVE_CONFIDENCE
        and (letters >= DECISIVE_LATIN_LETTERS or (lexical and letters >= 4))
    )
    return Detection(lang, p * share, letters, decisive, tuple(mixed), counts)


def conversation_language_decide(current: str, detection: Detection) -> str:
    """A conversation's language after one more customer message.

    Sticky: an established language changes only on a decisive detection; a conversation
    with none yet takes any detection (the first "hi" is better than nothing, and the next
    decisive message corrects it). Chinese variants do not flip on text that does not tell
    them apart ("你好" is both).
    """
    lang = detection.language
    if not lang:
        return current
    if not current:
        return lang
    if lang == current:
        return current
    if current.startswith("zh") and lang.startswith("zh") and not detection.variant_told:
        return current
    if not detection.decisive:
        return current
    return lang
