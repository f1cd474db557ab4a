"""Link extraction, host normalisation and look-alike classification."""

from __future__ import annotations

import pytest

from kefu.safety.phishing import url_check

OFFICIAL = ["binance.com", "binance.us", "okx.com", "kefu-exchange.co.uk"]
BRANDS = ["Binance", "OKX", "Kefu Exchange"]


def check(text: str):  # type: ignore[no-untyped-def]
    return url_check(text, official_domains=OFFICIAL, brand_names=BRANDS)


def only(text: str):  # type: ignore[no-untyped-def]
    found = check(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    "text",
    [
        "https://www.binance.com/en/login",
        "binance.com",
        "accounts.binance.com/reset",
        "HTTPS://WWW.BINANCE.COM/",
        "binance.com.",
        "http://binance.us:443/path?x=1",
        "请访问binance.com登录",
        "binance。com",  # ideographic full stop
        "ｂｉｎａｎｃｅ.com",  # full-width letters
        "www.okx.com/account",
        "support.kefu-exchange.co.uk",
    ],
)
def test_official_links(text: str) -> None:
    finding = only(text)
    assert finding.verdict == "official"
    assert finding.reasons == []


LOOKALIKES = [
    # (text, a reason that must be among the reasons, target)
    ("https://bіnance.com/login", "homoglyph", "binance.com"),  # Cyrillic і
    ("https://binаnce.com", "homoglyph", "binance.com"),  # Cyrillic а
    ("https://βinance.com", "homoglyph", "binance.com"),  # Greek β
    ("b1nance.com", "homoglyph", "binance.com"),
    ("binance-c0m.net", "brand-in-domain", "binance.com"),
    ("blnance.com", "homoglyph", "binance.com"),
    ("blnance.co", "homoglyph", "binance.com"),
    ("xn--bnance-bwe.com", "punycode", "binance.com"),
    ("bіnance.com", "homoglyph", "binance.com"),
    ("binnance.com", "typosquat", "binance.com"),
    ("binanse.com", "typosquat", "binance.com"),
    ("bianance.com", "typosquat", "binance.com"),
    ("bniance.com", "typosquat", "binance.com"),
    ("binace.com", "typosquat", "binance.com"),
    ("binancee.com", "typosquat", "binance.com"),
    ("binance.co", "tld-swap", "binance.com"),
    ("binance.net", "tld-swap", "binance.com"),
    ("binance.com.co", "tld-swap", "binance.com"),
    ("bin-ance.com", "hyphenation", "binance.com"),
    ("binance-support.com/login", "brand-in-domain", "binance.com"),
    ("login-binance.xyz", "brand-in-domain", "binance.com"),
    ("binancesecurity.io", "brand-in-domain", "binance.com"),
    ("https://binance.com.security-check.io/verify", "brand-in-subdomain", "binance.com"),
    ("https://binance.verify-account.top", "brand-in-subdomain", "binance.com"),
    ("https://evil.io/binance/login", "brand-in-path", "binance.com"),
    ("http://binance.com@evil.io/x", "brand-in-userinfo", "binance.com"),
    ("https://binance-login.pages.dev", "brand-in-domain", "binance.com"),
    ("https://okx-airdrop.xyz", "brand-in-domain", "okx.com"),
    ("okx.co", "tld-swap", "okx.com"),
    ("0kx.com", "homoglyph", "okx.com"),
    ("kefu-exchange.com", "tld-swap", "kefu-exchange.co.uk"),
    ("kefuexchange.co.uk", "hyphenation", "kefu-exchange.co.uk"),
    ("rnybinance.com", "brand-in-domain", "binance.com"),
    ("binancе.com", "homoglyph", "binance.com"),  # Cyrillic е
]


@pytest.mark.parametrize(("text", "reason", "target"), LOOKALIKES)
def test_lookalikes(text: str, reason: str, target: str) -> None:
    finding = only(text)
    assert finding.verdict == "lookalike", finding
    assert reason in finding.reasons, finding
    assert finding.target == target


def test_enough_lookalike_cases() -> None:
    assert len(LOOKALIKES) >= 30


@pytest.mark.parametrize(
    "text",
    ["google.com", "https://github.com/owner/repo", "coinmarketcap.com", "https://1.2.3.4/x"],
)
def test_unrelated_domains_are_unknown(text: str) -> None:
    assert only(text).verdict == "unknown"


def test_punycode_is_decoded_for_the_host() -> None:
    finding = only("http://xn--bnance-bwe.com/")
    assert finding.host != "xn--bnance-bwe.com"
    assert not finding.host.isascii()


def test_confusable_script_without_a_target() -> None:
    finding = only("https://аррӏе.com")  # all Cyrillic, looks like "apple"
    assert finding.verdict == "lookalike"
    assert "confusable-script" in finding.reasons


@pytest.mark.parametrize(
    "text",
    [
        "see file.py and notes.md",
        "version 1.2.3 is out",
        "e.g. this",
        "Done.It works now",
        "my email is john@gmail.com",
        "amount 0.5.btc",
        "3.14159",
    ],
)
def test_not_links(text: str) -> None:
    assert check(text) == []


def test_several_links_in_order_with_spans() -> None:
    text = "Official: https://binance.com/x. Fake: binance-help.com, then google.com."
    found = check(text)
    assert [f.verdict for f in found] == ["official", "lookalike", "unknown"]
    for f in found:
        assert text[f.span[0] : f.span[1]] == f.url
    assert found[0].url == "https://binance.com/x"  # trailing full stop is not part of it
