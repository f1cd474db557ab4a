"""Card numbers (Luhn + IIN, against ids and phones) and volunteered one-time codes."""

from __future__ import annotations

import pytest

from kefu.safety.redaction import RedactionContext, SecretKind, card_network, redact

# Standard test PANs published by the card networks for integration testing.
CARDS = {
    "Visa": "4111111111111111",
    "Mastercard": "5555555555554444",
    "American Express": "378282246310005",
    "Discover": "6011111111111117",
    "JCB": "3530111333300000",
    "UnionPay": "6200000000000005",
    "Diners Club": "30569309025904",
}


@pytest.mark.parametrize(("network", "number"), CARDS.items())
def test_networks_by_prefix(network: str, number: str) -> None:
    assert card_network(number) == network


@pytest.mark.parametrize("number", CARDS.values())
def test_card_number_with_card_wording_is_redacted(number: str) -> None:
    result = redact(f"my card {number} was charged twice")
    assert result.kinds == {SecretKind.CARD_NUMBER}
    assert number not in result.text


@pytest.mark.parametrize(
    "shown",
    ["4111 1111 1111 1111", "4111-1111-1111-1111", "3782-822463-10005", "5555 5555 5555 4444"],
)
def test_grouped_card_number_is_redacted_without_wording(shown: str) -> None:
    result = redact(f"paid with {shown} yesterday")
    assert result.kinds == {SecretKind.CARD_NUMBER}
    assert shown not in result.text


@pytest.mark.parametrize(
    "text",
    [
        "4111111111111112 card",  # Luhn fails
        "Order ID 4111111111111111 is stuck",  # an id that happens to pass Luhn
        "UID 5555555555554444",
        "订单号 6200000000000005",
        "my phone is +86 138 0013 8000",
        "call +1 415 555 0132",
        "timestamp 1700000000000",
        "1234 5678 9012 3456",  # no known prefix
        "amount 0.4111111111111111 BTC",
        "UID 1234567 89012345",  # two numbers, not a card grouping
    ],
)
def test_ids_phones_and_other_numbers_are_not_cards(text: str) -> None:
    assert redact(text).findings == []


@pytest.mark.parametrize(
    "template",
    [
        "my 2fa code is {}",
        "google authenticator code {}",
        "验证码 {}",
        "谷歌验证码是{}",
        "código 2FA {}",
        "認証コードは{}です",
        "인증번호 {}",
        "код подтверждения {}",
        "doğrulama kodu {}",
        "code de vérification : {}",
        "Bestätigungscode {}",
        "código de verificação {}",
        "codice di verifica {}",
        "{} is my verification code",
    ],
)
def test_volunteered_code_is_redacted(template: str) -> None:
    result = redact(template.format("482913"))
    assert result.kinds == {SecretKind.OTP_CODE}
    assert "482913" not in result.text


def test_eight_digit_and_split_codes() -> None:
    assert redact("2FA code 48213377").kinds == {SecretKind.OTP_CODE}
    assert redact("authenticator code: 482 913").kinds == {SecretKind.OTP_CODE}


def test_code_is_kept_when_the_system_asked_for_it() -> None:
    text = "my 2fa code is 482913"
    assert redact(text, context=RedactionContext(otp_requested=True)).findings == []
    assert redact(text).kinds == {SecretKind.OTP_CODE}


@pytest.mark.parametrize(
    "text",
    [
        "482913",  # a bare six-digit number may be an order id
        "order 482913",
        "my referral code is 48291377",
        "promo code 482913 doesn't work",
        "verification code for order 87654321 never came",
        "I didn't get the SMS code",
        "2FA enabled in 2021, order 123456 pending",
    ],
)
def test_numbers_that_are_not_volunteered_codes(text: str) -> None:
    assert redact(text).findings == []


def test_skip_kinds_leaves_a_kind_alone() -> None:
    ctx = RedactionContext(skip_kinds=frozenset({SecretKind.CARD_NUMBER}))
    text = "card 4111 1111 1111 1111 and 2fa code 482913"
    assert redact(text, context=ctx).kinds == {SecretKind.OTP_CODE}
