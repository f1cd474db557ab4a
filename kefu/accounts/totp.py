"""TOTP (RFC 6238, HMAC-SHA1, 30-second steps, 6 digits): what every authenticator app speaks.

Built on hmac/hashlib; the RFC's own test vectors are in the tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
# One step either side: phone clocks drift and people type slowly.
WINDOW = 1


def totp_secret_new() -> str:
    """160 random bits, base32 without padding (what apps expect to be typed in)."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    clean = secret.replace(" ", "").upper()
    return base64.b32decode(clean + "=" * (-len(clean) % 8))


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    mac = hmac.new(key, struct.pack(">Q", counter), getattr(hashlib, digest)).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def totp_at(secret: str, at: float) -> str:
    return hotp(_key(secret), int(at) // STEP_SECONDS)


def totp_match(secret: str, code: str, *, at: float, after_step: int | None) -> int | None:
    """The time step `code` belongs to, or None. A step at or before `after_step` (the last one
    accepted) is refused, so a code seen over someone's shoulder cannot be replayed."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    key = _key(secret)
    now_step = int(at) // STEP_SECONDS
    for step in range(now_step - WINDOW, now_step + WINDOW + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(hotp(key, step), code):
            return step
    return None


def otpauth_uri(secret: str, *, account: str, issuer: str) -> str:
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"
