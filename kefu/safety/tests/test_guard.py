"""Outbound guard: asks are blocked, warnings pass, in the twelve supported languages."""

from __future__ import annotations

import random

import pytest

from kefu.safety.guard import (
    GuardPattern,
    GuardRule,
    GuardRules,
    outbound_check,
    wallet_addresses_find,
)
from kefu.safety.redaction import base58_encode, base58check_encode

OFFICIAL = ["binance.com", "binance.us"]
rng = random.Random(5)


def rules_hit(text: str, rules: GuardRules | None = None) -> set[str]:
    return {v.rule for v in outbound_check(text, official_domains=OFFICIAL, rules=rules).violations}


ASKS = [
    (
        "en",
        "Please send us your seed phrase so we can verify your wallet.",
        GuardRule.ASK_SEED_PHRASE,
    ),
    (
        "en",
        "To unlock the account, reply with your 12-word recovery phrase.",
        GuardRule.ASK_SEED_PHRASE,
    ),
    ("en", "Please enter your recovery phrase on the validation page.", GuardRule.ASK_SEED_PHRASE),
    ("en", "What is your password?", GuardRule.ASK_PASSWORD),
    ("en", "If you did not receive the SMS, send us your 2FA code.", GuardRule.ASK_OTP),
    (
        "en",
        "No problem, just tell me the 6-digit code from Google Authenticator.",
        GuardRule.ASK_OTP,
    ),
    ("en", "Kindly share your private key to complete the migration.", GuardRule.ASK_PRIVATE_KEY),
    ("zh-Hans", "请提供您的助记词以便我们核实。", GuardRule.ASK_SEED_PHRASE),
    ("zh-Hans", "为了验证，请把谷歌验证码发给我。", GuardRule.ASK_OTP),
    ("zh-Hans", "您的登录密码是多少？", GuardRule.ASK_PASSWORD),
    ("zh-Hant", "請提供您的助記詞，我們幫您恢復。", GuardRule.ASK_SEED_PHRASE),
    ("es", "Por favor, envíenos su frase semilla.", GuardRule.ASK_SEED_PHRASE),
    ("es", "¿Cuál es tu contraseña?", GuardRule.ASK_PASSWORD),
    ("fr", "Envoyez-nous votre code de vérification.", GuardRule.ASK_OTP),
    ("de", "Bitte senden Sie uns Ihren Bestätigungscode.", GuardRule.ASK_OTP),
    ("ja", "パスワードを教えてください。", GuardRule.ASK_PASSWORD),
    ("ja", "シードフレーズを送ってください。", GuardRule.ASK_SEED_PHRASE),
    ("ko", "비밀번호를 알려주세요.", GuardRule.ASK_PASSWORD),
    ("ko", "인증번호를 보내주세요.", GuardRule.ASK_OTP),
    ("ru", "Пришлите, пожалуйста, код подтверждения из СМС.", GuardRule.ASK_OTP),
    ("ru", "Сообщите вашу сид-фразу для проверки.", GuardRule.ASK_SEED_PHRASE),
    ("ru", "Пришлите фразу восстановления, чтобы мы проверили кошелёк.", GuardRule.ASK_SEED_PHRASE),
    ("tr", "Lütfen doğrulama kodunu bize gönderin.", GuardRule.ASK_OTP),
    ("pt", "Por favor, envie-nos a sua frase de recuperação.", GuardRule.ASK_SEED_PHRASE),
    ("it", "Per favore inviaci il codice di verifica.", GuardRule.ASK_OTP),
]


@pytest.mark.parametrize(("lang", "text", "rule"), ASKS)
def test_asking_for_a_secret_is_blocked(lang: str, text: str, rule: GuardRule) -> None:
    result = outbound_check(text, official_domains=OFFICIAL)
    assert result.blocked, lang
    assert rule in {v.rule for v in result.violations}
    violation = next(v for v in result.violations if v.rule == rule)
    assert violation.message  # a sentence for the agent, not a code
    start, end = violation.span
    assert text[start:end].strip() == text[start:end] and end > start


WARNINGS = [
    ("en", "We will never ask for your seed phrase."),
    ("en", "Never share your 2FA code with anyone, including our staff."),
    ("en", "Do not, under any circumstances, share your seed phrase."),
    ("en", "Sorry, we never ask for your password."),
    ("en", "Regarding your request, never share your password."),
    ("en", "Kefu staff will not request your private key or recovery phrase."),
    ("en", "Please enter the 2FA code in the app to confirm the withdrawal."),
    ("en", "To reset your password, use the link on the login page."),
    ("en", "Did someone ask you for your verification code? That is a scam."),
    ("zh-Hans", "请勿向任何人透露您的助记词。"),
    ("zh-Hans", "我们永远不会向您索要密码或验证码。"),
    ("zh-Hans", "请在App内输入验证码完成提币。"),
    ("zh-Hant", "請勿向任何人透露您的助記詞。"),
    ("es", "Nunca comparta su frase semilla con nadie."),
    ("fr", "Ne partagez jamais votre mot de passe."),
    ("fr", "Votre mot de passe ne doit jamais être partagé."),
    ("de", "Teilen Sie niemals Ihre Seed-Phrase."),
    ("de", "Wir werden Sie niemals nach Ihrem Passwort fragen."),
    ("ja", "パスワードは誰にも教えないでください。"),
    ("ja", "当社がシードフレーズをお伺いすることはありません。"),
    ("ko", "비밀번호를 절대 공유하지 마세요."),
    ("ko", "저희는 인증번호를 요청하지 않습니다."),
    ("ru", "Никогда не сообщайте никому код подтверждения."),
    ("ru", "Мы никогда не попросим ваш пароль, коды 2FA или фразу восстановления."),
    ("tr", "Doğrulama kodunuzu asla paylaşmayın."),
    ("tr", "Şifrenizi kimseyle paylaşmayınız."),
    ("pt", "Nunca compartilhe sua senha."),
    ("it", "Non condividere mai la tua password."),
]


@pytest.mark.parametrize(("lang", "text"), WARNINGS)
def test_warning_about_a_secret_passes(lang: str, text: str) -> None:
    assert outbound_check(text, official_domains=OFFICIAL).violations == [], lang


def test_an_ask_next_to_a_warning_is_still_blocked() -> None:
    text = "Never share your password with strangers. Please send us your seed phrase now."
    assert rules_hit(text) == {GuardRule.ASK_SEED_PHRASE}


def test_ordinary_replies_pass() -> None:
    for text in [
        "Your withdrawal is being processed and should arrive within 2 hours.",
        "您的提现正在处理中，预计两小时内到账。",
        "Hemos recibido su solicitud y la estamos revisando.",
        "Please update the app to the latest version and try again.",
    ]:
        assert rules_hit(text) == set(), text


@pytest.mark.parametrize(
    "text",
    [
        "Please install AnyDesk so I can check your screen.",
        "Download TeamViewer and send me the ID.",
        "Open RustDesk and give me the code shown.",
        "请下载向日葵远程控制软件",
        "Use Chrome Remote Desktop for this session.",
    ],
)
def test_remote_access_tools_are_blocked(text: str) -> None:
    assert GuardRule.REMOTE_ACCESS in rules_hit(text)


def test_warning_about_remote_tools_passes() -> None:
    assert rules_hit("We will never ask you to install AnyDesk or TeamViewer.") == set()


def test_extra_remote_tool_from_rules() -> None:
    rules = GuardRules(extra_remote_tools=("HelpWire",))
    assert GuardRule.REMOTE_ACCESS in rules_hit("Install HelpWire please.", rules)
    assert rules_hit("Install HelpWire please.") == set()


def test_links_official_and_foreign() -> None:
    assert rules_hit("See https://www.binance.com/en/support/faq for the steps.") == set()
    assert rules_hit("Log in at accounts.binance.us to continue.") == set()
    result = outbound_check("Verify here: binance-support.com/login", official_domains=OFFICIAL)
    (violation,) = result.violations
    assert violation.rule == GuardRule.FOREIGN_LINK
    assert "binance-support.com" in violation.message and "imitates" in violation.message
    assert GuardRule.FOREIGN_LINK in rules_hit("More at https://example.org/guide")


def bech32_address() -> str:
    # A known valid bech32 segwit address (BIP-173 test vector).
    return "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"


@pytest.mark.parametrize(
    ("address", "chain"),
    [
        ("0x52908400098527886E0F7030069857D2E4169EE7", "Ethereum/EVM"),
        (bech32_address(), "Bitcoin"),
        (base58check_encode(b"\x00" + bytes(range(20))), "Bitcoin"),
        (base58check_encode(b"\x05" + bytes(range(1, 21))), "Bitcoin"),
        (base58check_encode(b"\x41" + bytes(range(2, 22))), "TRON"),
        (base58_encode(bytes(range(7, 39))), "Solana"),
    ],
)
def test_wallet_addresses_are_found(address: str, chain: str) -> None:
    found = wallet_addresses_find(f"send the USDT to {address} today")
    assert [c for c, _ in found] == [chain]
    assert GuardRule.WALLET_ADDRESS in rules_hit(f"Deposit to {address}")


@pytest.mark.parametrize(
    "text",
    [
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",  # bech32 checksum broken
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3",  # base58check broken
        "Order ABCDEFGHJKLMNPQRSTUVWXYZabcdefghij",  # no digits
        "ticket reference 2024031512345678901234567",
        "https://www.binance.com/en/support/faq/360042817732c0fdb4f7e2d5a7",
    ],
)
def test_things_that_are_not_addresses(text: str) -> None:
    assert wallet_addresses_find(text) == []


def test_rules_switch_each_check_off() -> None:
    text = "Send your seed phrase to https://evil.example and pay 0x52908400098527886E0F7030069857D2E4169EE7"
    assert rules_hit(text) == {
        GuardRule.ASK_SEED_PHRASE,
        GuardRule.FOREIGN_LINK,
        GuardRule.WALLET_ADDRESS,
    }
    off = GuardRules(ask_seed_phrase=False, foreign_link=False, wallet_address=False)
    assert rules_hit(text, off) == set()


def test_extra_patterns() -> None:
    rules = GuardRules(
        extra_patterns=(GuardPattern("gift-card", r"gift\s*cards?", "No gift cards."),)
    )
    result = outbound_check(
        "Pay the fee with Apple gift cards", official_domains=OFFICIAL, rules=rules
    )
    assert [(v.rule, v.message) for v in result.violations] == [
        ("custom:gift-card", "No gift cards.")
    ]


def test_solana_lookalike_tokens_are_not_addresses() -> None:
    # 32 random bytes in base58 is a valid Solana address by construction; a word of the same
    # length without digits or mixed case is not.
    assert wallet_addresses_find(base58_encode(rng.randbytes(32)))
    assert wallet_addresses_find("abcdefghijkmnopqrstuvwxyzabcdefghijk") == []
