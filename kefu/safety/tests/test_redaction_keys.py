"""Private keys in hex, WIF, extended keys and base58 keypairs, against TxIDs and addresses."""

from __future__ import annotations

import random

import pytest

from kefu.safety.redaction import (
    SecretKind,
    base58_decode,
    base58_encode,
    base58check_decode,
    base58check_encode,
    ed25519_public_key,
    redact,
)

rng = random.Random(11)


def hex64() -> str:
    return rng.randbytes(32).hex()


def kinds(text: str) -> set[SecretKind]:
    return set(redact(text).kinds)


@pytest.mark.parametrize(
    "template",
    [
        "my private key is {}",
        "privkey: {}",
        "私钥 {}",
        "秘密鍵：{}",
        "개인키 {}",
        "приватный ключ {}",
        "özel anahtar {}",
        "clave privada {}",
        "clé privée {}",
        "privater Schlüssel {}",
        "chave privada {}",
        "chiave privata {}",
        "{}",  # no context at all: a key is the costlier miss
    ],
)
def test_hex_key_with_key_wording_or_none_is_redacted(template: str) -> None:
    key = hex64()
    result = redact(template.format(key))
    assert result.kinds == {SecretKind.PRIVATE_KEY}
    assert key not in result.text


@pytest.mark.parametrize(
    "template",
    [
        "txid: {}",
        "TxID {}",
        "tx hash 0x{}",
        "transaction hash: {}",
        "Transaction ID {} still unconfirmed",
        "交易哈希 {}",
        "交易ID：{}",
        "トランザクションID {}",
        "거래 해시 {}",
        "хэш транзакции {}",
        "işlem hash {}",
        "hash de la transacción {}",
        "https://etherscan.io/tx/0x{}",
        "https://mempool.space/tx/{}",
        "see https://www.blockchain.com/explorer/transactions/btc/{}",
        "sha256 checksum of the file: {}",
        "block hash {}",
        "{} is the txid",
    ],
)
def test_txid_with_transaction_wording_is_kept(template: str) -> None:
    text = template.format(hex64())
    assert redact(text).findings == []


def test_a_list_of_txids_under_one_heading_is_kept() -> None:
    text = f"TxIDs:\n1. {hex64()}\n2. {hex64()}\n3. {hex64()}"
    assert redact(text).findings == []


def test_nearest_wording_decides() -> None:
    key, tx = hex64(), hex64()
    text = f"the txid of my deposit is {tx}\nand here is my private key {key}"
    result = redact(text)
    assert [f.kind for f in result.findings] == [SecretKind.PRIVATE_KEY]
    assert tx in result.text and key not in result.text


def test_addresses_and_other_hex_are_not_keys() -> None:
    eth = "0x" + rng.randbytes(20).hex()
    pubkey = "02" + hex64()  # 66 hex digits: a compressed public key
    long_hex = rng.randbytes(64).hex()
    for text in (f"send to {eth}", f"pubkey {pubkey}", f"signature {long_hex}"):
        assert redact(text).findings == [], text


def test_0x_key_without_context_is_redacted_with_low_confidence() -> None:
    finding = redact("0x" + hex64()).findings[0]
    assert finding.kind == SecretKind.PRIVATE_KEY
    assert finding.confidence < 0.7


def test_base58_round_trip() -> None:
    for n in (0, 1, 20, 32, 64):
        data = b"\x00\x00" + rng.randbytes(n)
        assert base58_decode(base58_encode(data)) == data
        assert base58check_decode(base58check_encode(data)) == data
    assert base58check_decode("1" * 30) is None
    assert base58_decode("0OIl") is None


def wif(compressed: bool = True, testnet: bool = False) -> str:
    payload = (b"\xef" if testnet else b"\x80") + rng.randbytes(32)
    return base58check_encode(payload + (b"\x01" if compressed else b""))


@pytest.mark.parametrize(("compressed", "testnet"), [(True, False), (False, False), (True, True)])
def test_wif_with_valid_checksum_is_redacted_anywhere(compressed: bool, testnet: bool) -> None:
    key = wif(compressed, testnet)
    assert key[0] in ("KL5c9" if not testnet else "c9")
    result = redact(f"imported {key} into electrum")
    assert result.kinds == {SecretKind.WIF_KEY}
    assert key not in result.text


def test_wif_shape_with_broken_checksum_needs_key_wording() -> None:
    key = wif()
    broken = key[:-1] + ("a" if key[-1] != "a" else "b")
    assert base58check_decode(broken) is None
    assert redact(f"random {broken} string").findings == []
    assert kinds(f"my private key {broken}") == {SecretKind.WIF_KEY}


def xkey(version: str) -> str:
    body = bytes.fromhex(version) + bytes([1]) + rng.randbytes(8) + rng.randbytes(32)
    return base58check_encode(body + b"\x00" + rng.randbytes(32))


@pytest.mark.parametrize("version", ["0488ade4", "049d7878", "04b2430c", "04358394"])
def test_extended_private_keys_are_redacted(version: str) -> None:
    key = xkey(version)
    assert key[1:4] == "prv"
    result = redact(f"backup: {key}")
    assert result.kinds == {SecretKind.EXTENDED_PRIVATE_KEY}
    assert result.findings[0].confidence == pytest.approx(0.99)


def test_extended_public_key_is_not_a_secret() -> None:
    body = bytes.fromhex("0488b21e") + rng.randbytes(9) + rng.randbytes(32) + b"\x02"
    xpub = base58check_encode(body + rng.randbytes(32))
    assert xpub.startswith("xpub")
    assert redact(f"watch-only: {xpub}").findings == []


def test_ed25519_matches_rfc8032_test_vector() -> None:
    secret = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    expected = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    assert ed25519_public_key(secret).hex() == expected


def test_base58_keypair_is_redacted_and_signature_is_kept() -> None:
    seed = rng.randbytes(32)
    keypair = base58_encode(seed + ed25519_public_key(seed))
    signature = base58_encode(rng.randbytes(64))
    result = redact(f"phantom export {keypair}\nand the failed tx {signature}")
    assert [f.kind for f in result.findings] == [SecretKind.PRIVATE_KEY]
    assert keypair not in result.text and signature in result.text
    assert redact(signature).findings == []


def test_findings_never_carry_the_secret() -> None:
    key = hex64()
    result = redact(f"private key {key}")
    for f in result.findings:
        assert key not in repr(f)
        assert key[:8] not in f.reason
