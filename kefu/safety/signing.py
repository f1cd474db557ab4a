"""Signed HTTP requests between kefu and other systems, both ways:
`X-Kefu-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`.

v1 = HMAC-SHA256(secret, f"{t}.{raw body}"). The timestamp bounds replay to a window; more than
one v1 is allowed so a sender can sign with a new and an old secret while a rotation settles
(a receiver accepts the request when any v1 matches a secret it holds).

Used for requests into API inboxes (kefu/inboxes/api.py, the inbox secret) and for outbound
webhooks (kefu/automation, the endpoint secret). docs/webhooks.md shows a receiver.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

HEADER = "X-Kefu-Signature"
TOLERANCE_SECONDS = 300


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_make(
    *, secret: str, body: bytes, timestamp: int | None = None, also: Sequence[str] = ()
) -> str:
    """The header value for `body`, signed with `secret` (and each of `also`, in order)."""
    t = int(time.time()) if timestamp is None else timestamp
    return ",".join([f"t={t}", *(f"v1={_mac(s, t, body)}" for s in (secret, *also))])


def signature_verify(
    *,
    secret: str,
    body: bytes,
    header: str,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """Whether `header` signs `body` with `secret` at a time within `tolerance` of now."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    moment = time.time() if now is None else now
    if abs(moment - timestamp) > tolerance:
        return False
    expected = _mac(secret, timestamp, body)
    # Every candidate is compared, so timing does not tell which one (if any) matched.
    matched = [hmac.compare_digest(expected, c) for c in candidates]
    return any(matched)
