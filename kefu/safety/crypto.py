"""Secrets at rest (2FA seeds, inbox credentials, connector keys), encrypted with Fernet.

The key comes from KEFU_ENCRYPTION_KEY (comma-separated Fernet keys, newest first, so keys
rotate: new writes use the first, reads try each), else is derived from the secret key with
HKDF, so an embedded install encrypts without extra setup. Losing the key loses the secrets;
that is the point.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "enc1:"  # marks a stored value as ours, so plain legacy values can be told apart


class SecretUnreadable(ValueError):
    """A stored secret that no configured key opens (a rotated-out or wrong key)."""


@functools.cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if keys:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"kefu-secrets-v1", info=b"fernet"
    ).derive(secret_key.encode())
    return MultiFernet([Fernet(base64.urlsafe_b64encode(derived))])


def _box() -> MultiFernet:
    return _fernet(tuple(settings.ENCRYPTION_KEYS), settings.SECRET_KEY)


def secret_encrypt(clear: str) -> str:
    return PREFIX + _box().encrypt(clear.encode()).decode()


def secret_decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise SecretUnreadable("not an encrypted value")
    try:
        return _box().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("no configured key opens this secret") from None


def secret_rotate(stored: str) -> str:
    """Re-encrypt under the newest key (after adding one in front of KEFU_ENCRYPTION_KEY)."""
    return PREFIX + _box().rotate(stored[len(PREFIX) :].encode()).decode()


def encryption_key_new() -> str:
    return Fernet.generate_key().decode()
