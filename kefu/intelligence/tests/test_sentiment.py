from __future__ import annotations

import pytest

from kefu.intelligence.sentiment import LEXICON, analyze

SUPPORTED = {"en", "zh-Hans", "zh-Hant", "es", "ja", "ko", "ru", "tr", "fr", "de", "pt", "it"}

SECURITY = [
    ("en", "My account was hacked and my BTC was stolen", "hacked"),
    ("zh-Hans", "我的账户被盗了，币都被转走了", "被盗"),
    ("zh-Hant", "我的帳戶被盜了", "被盜"),
    ("es", "Me hackearon la cuenta y me robaron los fondos", "robaron"),
    ("ja", "アカウントが乗っ取られました", "乗っ取"),
    ("ko", "계정이 해킹당했어요", "해킹"),
    ("ru", "Мой аккаунт взломали", "взлом"),
    ("tr", "Hesabım hacklendi", "hacklen"),
    ("fr", "Mon compte a été piraté", "piraté"),
    ("de", "Mein Konto wurde gehackt", "gehackt"),
    ("pt", "Minha conta foi invadida", "invadi"),
    ("it", "Il mio account è stato violato", "violato"),
]


@pytest.mark.parametrize(("lang", "text", "cue"), SECURITY)
def test_security_cues_are_urgent_in_every_language(lang, text, cue):
    s = analyze(text)
    assert s.urgency == "urgent", (lang, s)
    assert s.score < -0.5
    assert any(cue.lower() in r.lower() for r in s.reasons), s.reasons


def test_every_supported_language_has_every_kind_of_cue():
    for kind, by_lang in LEXICON.items():
        assert set(by_lang) == SUPPORTED, kind


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("I will call my lawyer if this is not fixed today", "lawyer"),
        ("我要报警，还要找律师", "报警"),
        ("Voy a denunciar esto a la policía", "policía"),
        ("Ich schalte meinen Anwalt ein", "Anwalt"),
        ("Je vais contacter un avocat", "avocat"),
    ],
)
def test_legal_threats_are_angry_and_high(text, reason):
    s = analyze(text)
    assert s.anger
    assert s.urgency in ("high", "urgent")
    assert f"says '{reason}'" in s.reasons


def test_all_my_money_is_high_stakes():
    s = analyze("That was all my money, please")
    assert s.urgency == "high"
    assert "says 'all my money'" in s.reasons


def test_all_caps_and_repeated_punctuation_are_reasons():
    s = analyze("WHY IS MY WITHDRAWAL STILL PENDING AFTER THREE DAYS")
    assert "all caps" in s.reasons
    assert s.anger
    s = analyze("where is my deposit???")
    assert "repeated punctuation ('???')" in s.reasons


def test_a_ticker_is_not_shouting():
    s = analyze("Can I deposit USDT on TRC20 to my BTC account?")
    assert "all caps" not in s.reasons
    assert not s.anger


def test_threat_to_leave_or_go_public():
    s = analyze("This is ridiculous. I will close my account and post this on twitter")
    assert s.anger
    assert "says 'close my account'" in s.reasons


@pytest.mark.parametrize(
    "text",
    [
        "Thank you so much, it works now!",
        "谢谢，问题解决了",
        "¡Muchas gracias, perfecto!",
        "Danke, super!",
    ],
)
def test_thanks_are_positive(text):
    s = analyze(text)
    assert s.score > 0.3
    assert not s.anger
    assert s.urgency == "normal"


def test_negated_praise_is_negative():
    assert analyze("this is not great").score < 0


@pytest.mark.parametrize(
    "text", ["ok", "hi", "How do I deposit ETH?", "", "👍", "0xabc123def4567890"]
)
def test_neutral_messages_are_neutral(text):
    s = analyze(text)
    assert s.score == 0
    assert not s.anger and s.urgency == "normal" and s.reasons == []


def test_scores_stay_in_range():
    s = analyze("HACKED!!! STOLEN!!! SCAM!!! LAWYER POLICE ALL MY MONEY WORST USELESS THIEVES")
    assert -1.0 <= s.score <= -0.9
    assert s.urgency == "urgent" and s.anger
