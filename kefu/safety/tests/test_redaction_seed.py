"""Seed-phrase detection: every word list, the layouts customers paste, and prose that must pass."""

from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path

import pytest
from mnemonic import Mnemonic

from kefu.safety.redaction import (
    SecretKind,
    bip39_checksum_ok,
    redact,
    seed_word_key,
    seed_wordlist_keys,
)

LANGUAGES = sorted(Mnemonic.list_languages())
rng = random.Random(7)


def phrase(language: str, words: int = 12) -> list[str]:
    # mnemonic ships some lists in NFD; customers type NFC.
    text = Mnemonic(language).to_mnemonic(rng.randbytes(words * 4 // 3))
    return unicodedata.normalize("NFC", text).replace("\u3000", " ").split(" ")


def seed_kinds(text: str) -> set[SecretKind]:
    return {f.kind for f in redact(text).findings}


def test_every_shipped_word_list_is_covered() -> None:
    # The package ships more than the BIP-39 official ten (Russian, Turkish): all are used.
    assert {"english", "japanese", "korean", "chinese_simplified", "czech"} <= set(LANGUAGES)
    for language in LANGUAGES:
        assert len(seed_wordlist_keys(language)) == 2048, language


def test_normalised_words_stay_unique_within_each_list() -> None:
    # Accents are folded ("ábaco" == "abaco"); that must not merge two words of one list.
    for language in LANGUAGES:
        keys = {seed_word_key(w) for w in Mnemonic(language).wordlist}
        assert len(keys) == 2048, language


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("words", [12, 15, 18, 21, 24])
def test_valid_phrase_in_every_list_and_length_is_redacted(language: str, words: int) -> None:
    ws = phrase(language, words)
    sep = "\u3000" if language == "japanese" else " "
    text = f"please help {sep.join(ws)} thanks"
    result = redact(text)
    assert result.kinds == {SecretKind.SEED_PHRASE}
    assert sep.join(ws) not in result.text
    assert "[redacted: seed phrase]" in result.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_valid_checksum_is_reported_with_top_confidence(language: str) -> None:
    ws = phrase(language)
    finding = redact(" ".join(ws)).findings[0]
    assert finding.confidence == pytest.approx(0.99)
    assert "checksum" in finding.reason
    assert not any(w in finding.reason for w in ws if len(w) > 1)  # never the words


def test_checksum_matches_the_mnemonic_package() -> None:
    # The checksum depends only on word indices, so the English list is the oracle for all
    # (mnemonic's own check() fails on Russian and Turkish words that are not NFKD-stable).
    english = Mnemonic("english")
    for language in LANGUAGES:
        keys = seed_wordlist_keys(language)
        for _ in range(20):
            indices = [keys[seed_word_key(w)] for w in phrase(language)]
            assert bip39_checksum_ok(indices)
            indices[0] = (indices[0] + 1) % 2048
            assert bip39_checksum_ok(indices) == english.check(
                " ".join(english.wordlist[i] for i in indices)
            )


def test_invalid_checksum_phrase_is_still_redacted() -> None:
    wordlist = Mnemonic("english").wordlist
    ws = [wordlist[i] for i in range(0, 2048, 171)][:12]
    assert not Mnemonic("english").check(" ".join(ws))
    assert seed_kinds(" ".join(ws)) == {SecretKind.SEED_PHRASE}


@pytest.mark.parametrize(
    "layout",
    [
        lambda ws: " ".join(f"{i}. {w}" for i, w in enumerate(ws, 1)),
        lambda ws: "\n".join(f"{i}) {w}" for i, w in enumerate(ws, 1)),
        lambda ws: ", ".join(ws) + ".",
        lambda ws: " ".join(w.upper() for w in ws),
        lambda ws: " ".join(w.title() for w in ws),
        lambda ws: "\n".join(" ".join(ws[i : i + 4]) for i in range(0, 12, 4)),
        lambda ws: " - ".join(ws),
        lambda ws: "**" + "**  **".join(ws) + "**",
    ],
    ids=["numbered", "numbered-lines", "commas", "upper", "title", "rows", "dashes", "markdown"],
)
def test_layouts_customers_paste(layout) -> None:  # type: ignore[no-untyped-def]
    ws = phrase("english")
    body = layout(ws)
    result = redact(f"hi support, {body}\nwhat now?")
    assert result.kinds == {SecretKind.SEED_PHRASE}
    for w in ws:
        assert not re.search(rf"\b{w}\b", result.text, re.I) or w in ("hi", "what", "now")


def test_eleven_of_twelve_words_are_redacted() -> None:
    ws = phrase("english")
    del ws[4]
    result = redact("my words: " + " ".join(ws))
    assert result.kinds == {SecretKind.SEED_PHRASE}
    assert " ".join(ws[1:]) not in result.text


@pytest.mark.parametrize("language", ["english", "spanish", "french", "italian", "russian"])
def test_one_misspelled_word_is_redacted(language: str) -> None:
    ws = phrase(language)
    j = max(range(12), key=lambda k: len(ws[k]))
    ws[j] = ws[j][:2] + ws[j][3:]  # drop the third letter
    result = redact(" ".join(ws))
    assert result.kinds == {SecretKind.SEED_PHRASE}
    assert "misspelled" in result.findings[0].reason or "unknown" in result.findings[0].reason
    assert ws[j] not in result.text


def test_spanish_and_french_words_match_without_accents_and_in_nfd() -> None:
    ws = phrase("spanish")
    stripped = " ".join(
        "".join(c for c in unicodedata.normalize("NFD", w) if unicodedata.category(c) != "Mn")
        for w in ws
    )
    assert seed_kinds(stripped) == {SecretKind.SEED_PHRASE}
    nfd = unicodedata.normalize("NFD", " ".join(phrase("french")))
    result = redact(nfd)
    assert result.kinds == {SecretKind.SEED_PHRASE}
    assert result.text == "[redacted: seed phrase]"


def test_japanese_with_ideographic_and_ascii_spaces() -> None:
    ws = phrase("japanese")
    for sep in ("\u3000", " ", "、"):
        text = "シードフレーズ：" + sep.join(ws) + " です"
        result = redact(text)
        assert result.kinds == {SecretKind.SEED_PHRASE}, sep
        assert sep.join(ws) not in result.text


@pytest.mark.parametrize("language", ["chinese_simplified", "chinese_traditional"])
def test_chinese_spaced_and_unspaced(language: str) -> None:
    for sep in (" ", "", "，", "\n"):
        ws = phrase(language)
        body = sep.join(ws)
        result = redact(f"我的助记词是{body}请帮我")
        assert result.kinds == {SecretKind.SEED_PHRASE}, repr(sep)
        assert body not in result.text


def test_chinese_numbered_phrase() -> None:
    ws = phrase("chinese_simplified", 24)
    body = " ".join(f"{i}.{w}" for i, w in enumerate(ws, 1))
    result = redact(body)
    assert result.kinds == {SecretKind.SEED_PHRASE}
    assert not any(w in result.text for w in ws)


def test_two_phrases_in_one_message_are_both_redacted() -> None:
    a, b = phrase("english"), phrase("korean")
    result = redact(f"old wallet: {' '.join(a)}\n\nnew wallet (Korean app):\n{' '.join(b)}")
    assert len(result.findings) == 2
    assert " ".join(a) not in result.text and " ".join(b) not in result.text


ENGLISH_PROSE = [
    "I want to withdraw my bitcoin but the network is busy",
    "Please help, my account balance is wrong after the last update and the support team did not answer",
    "I want to know what you can do about this because I have been waiting all day for my money",
    "You said last week that the issue would be fixed in two days but nothing has changed",
    "When I open the wallet tab the total balance is zero but the history still shows every deposit",
    "Every time I try to buy, the system gives an error and the whole page goes blank, what now?",
    # Dense on purpose: 9 of the 12 tokens in the middle are list words; the rule needs 11.
    "please help again: account balance wrong, every deposit gone, what happened to the money? I need it",
]


@pytest.mark.parametrize("text", ENGLISH_PROSE)
def test_english_prose_full_of_list_words_is_left_alone(text: str) -> None:
    assert redact(text).findings == []


@pytest.mark.parametrize(
    "text",
    [
        "您好，我两个小时前提现了0.5个比特币，现在还显示处理中，请帮我查一下。",
        "昨天晚上我用银行卡买了一些币，但是订单显示失败，钱已经扣了，请尽快处理。",
        "我在现货交易的时候下了一个限价单，结果成交价格和我设置的不一样，这是什么原因？",
        "客服你好我想问一下理财产品的收益是怎么计算的每天几点发放到账户里面",
        "请问为什么我的帐号被限制交易昨天还可以正常使用今天就不行了",
        "哈萨克斯坦阿根廷俄罗斯乌兹别克斯坦的用户可以注册吗",
        "有人在电报上问我要助记词，这是官方的吗？",
    ],
)
def test_ordinary_chinese_is_left_alone(text: str) -> None:
    assert redact(text).findings == []


def test_repeated_list_words_do_not_count_twice() -> None:
    # Twelve list words, but only six distinct ones: prose repeats itself, phrases rarely do.
    text = "ignore space change ignore space at end ignore all space change ignore space"
    assert redact(text).findings == []


def _po_strings() -> list[str]:
    import django

    root = Path(django.__file__).parent
    out = []
    for lang in ("en", "es", "fr", "it", "pt", "cs", "ru", "tr", "ja", "ko", "zh_Hans", "zh_Hant"):
        for po in root.glob(f"**/locale/{lang}/LC_MESSAGES/django.po"):
            text = po.read_text(encoding="utf-8")
            for m in re.finditer(r'^msg(?:id|str) ((?:".*"\n?)+)', text, re.M):
                s = "".join(re.findall(r'"(.*)"', m.group(1))).replace("\\n", "\n")
                if s:
                    out.append(s)
    return out


def test_no_seed_phrase_in_djangos_translations() -> None:
    # Thousands of real sentences in the supported languages (Django's own catalogues, shipped
    # with the installed package): none of them is a seed phrase.
    strings = _po_strings()
    assert len(strings) > 5000
    flagged = [s for s in strings if SecretKind.SEED_PHRASE in redact(s).kinds]
    assert flagged == []
