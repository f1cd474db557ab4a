"""Labelled secrets: API secrets and passwords stated in the twelve supported languages."""

from __future__ import annotations

import pytest

from kefu.safety.redaction import SecretKind, redact

SECRET = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"


@pytest.mark.parametrize(
    "template",
    [
        "api secret: {}",
        "API Secret = {}",
        'config {{"apiKey": "abc", "apiSecret": "{}"}}',
        "BINANCE_API_SECRET={}",
        "Secret Key {}",
        "client_secret={}&grant_type=x",
        "API 密钥：{}",
        "API密鑰 {}",
        "APIシークレット：{}",
        "시크릿 키: {}",
        "секретный ключ: {}",
        "gizli anahtar: {}",
        "clave secreta: {}",
        "clé secrète : {}",
        "geheimer Schlüssel: {}",
        "chave secreta {}",
        "chiave segreta: {}",
    ],
)
def test_labelled_api_secret_is_redacted(template: str) -> None:
    result = redact(template.format(SECRET))
    assert result.kinds == {SecretKind.API_SECRET}
    assert SECRET not in result.text


def test_api_key_label_alone_is_not_a_secret_label() -> None:
    assert redact(f"api key: {SECRET}").findings == []


def test_secret_label_needs_a_random_looking_value() -> None:
    for text in ("the secret is patience", "secret recovery phrase", "secret key feature"):
        assert redact(text).findings == [], text


PASSWORDS = [
    ("en", "my password is {}", "my password is [redacted: password]"),
    ("en", "Password: {}", "Password: [redacted: password]"),
    ("en", "login bob, pass: {}", "login bob, pass: [redacted: password]"),
    ("en", "my password is {}.", "my password is [redacted: password]."),
    ("zh-Hans", "密码是{}，谢谢", "密码是[redacted: password]，谢谢"),
    ("zh-Hans", "我的密码：{}", "我的密码：[redacted: password]"),
    ("zh-Hant", "我的密碼是 {} 請幫忙", "我的密碼是 [redacted: password] 請幫忙"),
    ("es", "mi contraseña es {}", "mi contraseña es [redacted: password]"),
    ("ja", "パスワードは{}です", "パスワードは[redacted: password]です"),
    ("ko", "비밀번호는 {} 입니다", "비밀번호는 [redacted: password] 입니다"),
    ("ko", "비밀번호는 {}입니다", "비밀번호는 [redacted: password]입니다"),
    ("ru", "мой пароль {}", "мой пароль [redacted: password]"),
    ("tr", "şifrem {}", "şifrem [redacted: password]"),
    ("fr", "mon mot de passe est {}", "mon mot de passe est [redacted: password]"),
    ("de", "mein Passwort ist {}", "mein Passwort ist [redacted: password]"),
    ("pt", "minha senha é {}", "minha senha é [redacted: password]"),
    ("it", "la mia password è {}", "la mia password è [redacted: password]"),
]


@pytest.mark.parametrize(("lang", "template", "expected"), PASSWORDS)
def test_password_token_is_redacted_and_sentence_kept(
    lang: str, template: str, expected: str
) -> None:
    result = redact(template.format("Kx7#pLm2q"))
    assert result.text == expected, lang
    assert result.kinds == {SecretKind.PASSWORD}


def test_quoted_password_with_spaces() -> None:
    result = redact('my password is "blue sky 77" I think')
    assert result.text == 'my password is "[redacted: password]" I think'


def test_plain_word_password_at_the_end_of_a_clause() -> None:
    assert redact("my password is dragon").text == "my password is [redacted: password]"


@pytest.mark.parametrize(
    "text",
    [
        "my password is incorrect",
        "my password is not working since the update",
        "my password is entirely numeric, is that a problem?",
        "Your old password was entered incorrectly.",
        "password: ********",
        "mi contraseña es incorrecta",
        "la clave es importante, no la pierdas",
        "mon mot de passe est incorrect",
        "Le mot de passe est peut-être incorrect",
        "mein Passwort ist falsch",
        "minha senha é inválida",
        "la mia password è stata cambiata",
        "мой пароль не работает",
        "пароль (минимальная длина 8 символов)",
        "şifrem yanlış",
        "Kullanıcı adı ya da parola SOCKSv5 için",
        "密码错误",
        "我的密码是什么？",
        "パスワードを忘れました",
        "비밀번호를 잊어버렸어요",
    ],
)
def test_talking_about_a_password_is_not_stating_one(text: str) -> None:
    assert redact(text).findings == []


def test_offsets_point_at_the_password_only() -> None:
    text = "hi, my password is Kx7#pLm2q and my email is a@b.c"
    finding = redact(text).findings[0]
    assert text[finding.start : finding.end] == "Kx7#pLm2q"
