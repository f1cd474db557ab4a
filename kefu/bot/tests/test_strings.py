"""The bot never asks for a secret: every template, in every language, through the outbound guard."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.bot.strings import LANGUAGES, STRINGS, bot_language, t
from kefu.safety.guard import outbound_check

_SAMPLE = {
    "title": "How to reset 2FA",
    "excerpt": "Open the app and follow the steps.",
    "url": "https://lumen.exchange/help/en/reset-2fa-lost-phone",
    "first": "Withdrawal fees",
    "second": "Withdrawal limits",
    "amount": "2500.00",
    "coin": "USDT",
    "network": "TRC20",
    "date": "2026-11-22 13:00 UTC",
    "status": "completed",
    "note": " (risk review)",
    "confirmations": 7,
    "required": 12,
    "level": 2,
    "reason": " (too many failed 2FA attempts)",
    "answer": "Deposits need 2 network confirmations before they are credited [1].",
    "sources": "[1] My deposit hasn't arrived: https://lumen.exchange/help/en/articles/deposit-not-credited",
}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_every_key_exists_in_every_language_with_the_same_placeholders(key):
    table = STRINGS[key]
    assert set(LANGUAGES) <= set(table), f"{key} misses {set(LANGUAGES) - set(table)}"
    assert len({frozenset(_fields(table[lang])) for lang in LANGUAGES}) == 1


@pytest.mark.parametrize("key", sorted(STRINGS))
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_template_asks_for_a_password_seed_key_or_code(key, language):
    text = t(key, language, **_SAMPLE)
    result = outbound_check(text, official_domains=["lumen.exchange"])
    assert not result.blocked, (key, language, result.violations)


@settings(max_examples=60, deadline=None)
@given(
    key=st.sampled_from(sorted(STRINGS)),
    language=st.sampled_from([*LANGUAGES, "ja", "zh-Hant", "pt", ""]),
    title=st.text(alphabet=st.characters(categories=["L", "N", "Zs"]), max_size=40),
)
def test_templates_filled_with_any_article_title_still_ask_for_nothing(key, language, title):
    text = t(key, language, **{**_SAMPLE, "title": title, "first": title, "second": title})
    assert not outbound_check(text, official_domains=["lumen.exchange"]).blocked


def test_the_guard_would_catch_a_bad_template():
    # The check above can fail: a template that asks for a code is blocked.
    assert outbound_check("Please send us your 2FA code to continue.", official_domains=[]).blocked


def test_languages_fall_back_sensibly():
    assert bot_language("zh-Hant") == "zh-Hans"
    assert bot_language("ja") == "en"
    assert bot_language("es") == "es"
    assert bot_language("") == "en"
