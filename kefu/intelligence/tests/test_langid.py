from __future__ import annotations

import pytest

from kefu.intelligence.langid import SUPPORTED, conversation_language_decide, detect

SHORT_MESSAGES = [
    ("en", "Where is my withdrawal? It has been three hours"),
    ("en", "my account is locked"),
    ("zh-Hans", "我的提币还没到账"),
    ("zh-Hans", "账户被冻结了怎么办"),
    ("zh-Hant", "我的提幣還沒到帳"),
    ("zh-Hant", "帳戶被凍結了怎麼辦"),
    ("es", "¿Dónde está mi retiro?"),
    ("es", "gracias"),
    ("ja", "出金がまだ届きません"),
    ("ja", "ありがとう"),
    ("ko", "출금이 아직 도착하지 않았어요"),
    ("ko", "감사합니다"),
    ("ru", "Мой вывод ещё не пришёл"),
    ("ru", "спасибо"),
    ("tr", "Merhaba, para çekme işlemim henüz gelmedi"),
    ("tr", "teşekkürler"),
    ("fr", "Bonjour, mon retrait n'est pas arrivé"),
    ("fr", "merci beaucoup"),
    ("de", "Meine Auszahlung ist noch nicht angekommen"),
    ("de", "danke"),
    ("pt", "Olá, meu saque ainda não chegou"),
    ("pt", "obrigado"),
    ("it", "Ciao, il mio prelievo non è ancora arrivato"),
    ("it", "grazie mille"),
    ("vi", "Tôi chưa nhận được tiền rút"),
    ("id", "Penarikan saya belum sampai"),
    ("ar", "سحبي لم يصل بعد"),
    ("th", "การถอนเงินของฉันยังไม่ได้รับ"),
]


@pytest.mark.parametrize(("expected", "text"), SHORT_MESSAGES)
def test_short_messages_in_every_supported_language(expected, text):
    assert detect(text).language == expected


def test_every_supported_language_is_covered_by_the_cases():
    assert {lang for lang, _ in SHORT_MESSAGES} == set(SUPPORTED)


@pytest.mark.parametrize(
    "text",
    [
        "👍",
        "🙏🙏",
        "0x3f5CE5FBFe3E9af3971dD833D26bA9b5C936f0bE",
        "TXID: 7c4b9e1f0a2d3c5b6e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d",
        "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh",
        "1500.25",
        "https://lumen.exchange/help",
        "???",
    ],
)
def test_what_carries_no_language_names_none(text):
    assert detect(text).language is None


@pytest.mark.parametrize("text", ["hi", "ok", "thanks!!", "OK", "thx", "yes", "hello", "Hola"])
def test_greetings_and_acknowledgements_are_never_decisive(text):
    assert not detect(text).decisive


def test_a_chinese_message_with_a_ticker_and_txid_stays_chinese():
    d = detect("我的USDT提币没到账 TxID 0xabc123def4567890abc123")
    assert d.language == "zh-Hans"
    assert d.mixed == ()


def test_code_switching_reports_the_other_language():
    d = detect("我的提币 still not arrived after two hours")
    assert d.language == "en"
    assert "zh-Hans" in d.mixed


def test_all_caps_is_still_english():
    assert detect("MY ACCOUNT WAS HACKED").language == "en"


@pytest.mark.parametrize(
    "follow_up",
    [
        "ok",
        "thanks",
        "hi",
        "👍",
        "0x3f5CE5FBFe3E9af3971dD833D26bA9b5C936f0bE",
        "12345",
        "USDT",
        "hello?",
    ],
)
def test_conversation_language_is_sticky(follow_up):
    assert conversation_language_decide("zh-Hans", detect(follow_up)) == "zh-Hans"


def test_a_decisive_message_does_change_the_conversation_language():
    d = detect("Sorry, can we continue in English please? My withdrawal is still missing")
    assert conversation_language_decide("zh-Hans", d) == "en"
    assert conversation_language_decide("en", detect("我的提币已经两个小时了还没到账")) == "zh-Hans"


def test_a_new_conversation_takes_even_a_weak_first_guess():
    assert conversation_language_decide("", detect("hi")) == "en"
    assert conversation_language_decide("", detect("👍")) == ""


def test_chinese_variant_flips_only_on_telling_characters():
    assert conversation_language_decide("zh-Hant", detect("你好")) == "zh-Hant"
    assert conversation_language_decide("zh-Hant", detect("我的提币还没到账")) == "zh-Hans"
    assert conversation_language_decide("zh-Hans", detect("我的提幣還沒到帳")) == "zh-Hant"


def test_empty_text_is_nothing():
    d = detect("")
    assert d.language is None and not d.decisive
