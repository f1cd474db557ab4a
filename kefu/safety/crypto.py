"""Secrets at rest (2FA seeds, inbox secrets, mail server passwords, webhook secrets),
encrypted with Fernet.

The key comes from KEFU_ENCRYPTION_KEY (comma-separated Fernet keys, newest first, so keys
rotate: new writes use the first, reads try each), else is derived from the secret key with
HKDF, so an embedded install encrypts without extra setup. Losing the key loses the secrets;
that is the point.

Every app that stores a sealed value registers where (`secret_store_register`), so
`secrets_rotate` (`kefu safety rotate-keys`) re-encrypts all of them under the newest key and
the old key can then be dropped.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from kefu.core.errors import KefuError

PREFIX = "enc1:"  # marks a stored value as ours, so plain legacy values can be told apart


class SecretUnreadable(ValueError):
    """A stored secret that no configured key opens (a rotated-out or wrong key)."""


@functools.cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"kefu-secrets-v1", info=b"fernet"
    ).derive(secret_key.encode())
    # New values are sealed with the first key. The derived key stays last, for reading only,
    # so an install that started without KEFU_ENCRYPTION_KEY can set one and re-encrypt
    # (`kefu safety rotate-keys`) instead of losing every secret it had.
    return MultiFernet(
        [*(Fernet(k.encode()) for k in keys), Fernet(base64.urlsafe_b64encode(derived))]
    )


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


class SecretUnavailable(KefuError):
    """A secret kefu needs right now cannot be opened: a server configuration error."""

    code = "secret_unreadable"
    status = 500


def secret_open(stored: str, *, what: str) -> str:
    """Decrypt a secret kefu is about to use; an unreadable one is a clear error naming it."""
    try:
        return secret_decrypt(stored)
    except SecretUnreadable:
        raise SecretUnavailable(
            f"{what} cannot be decrypted (was KEFU_ENCRYPTION_KEY or KEFU_SECRET_KEY changed?)"
        ) from None


def secret_rotate(stored: str) -> str:
    """Re-encrypt under the newest key (after adding one in front of KEFU_ENCRYPTION_KEY).

    A value stored in clear (written before its column was sealed) is encrypted."""
    if not stored.startswith(PREFIX):
        return secret_encrypt(stored)
    try:
        return PREFIX + _box().rotate(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("no configured key opens this secret") from None


def encryption_key_new() -> str:
    return Fernet.generate_key().decode()


# --- where sealed values live, for key rotation ----------------------------------------------


@dataclass
class RotationCount:
    rotated: int = 0
    unreadable: int = 0  # no configured key opens them: left as they are, reported


SecretStore = Callable[[], RotationCount]
SECRET_STORES: dict[str, SecretStore] = {}


def secret_store_register(name: str, rotate: SecretStore) -> None:
    """`rotate()` re-encrypts every sealed value of one store (an app's column or field)."""
    SECRET_STORES[name] = rotate


def sealed_column(model: Any, field: str) -> SecretStore:
    """A SecretStore for a text column holding one sealed value per row ("" = none)."""

    def rotate() -> RotationCount:
        count = RotationCount()
        rows = model.objects.exclude(**{field: ""}).values_list("pk", field).iterator()
        for pk, stored in rows:
            try:
                fresh = secret_rotate(stored)
            except SecretUnreadable:
                count.unreadable += 1
                continue
            # Compare-and-set: a value changed meanwhile (a new secret) is already current.
            count.rotated += model.objects.filter(pk=pk, **{field: stored}).update(**{field: fresh})
        return count

    return rotate
