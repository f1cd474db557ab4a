"""Fixed-window counters against abuse.

One window per (name, key): the first hit starts it, every hit counts, and a hit past the
limit is refused until the window ends. With KEFU_REDIS_URL the count lives in Redis, so every
process shares it; without, in Django's default cache (per process: the embedded default runs
one). A broken Redis lets traffic through rather than take chat down with it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

_PREFIX = "kefu:rl"
_redis_lock = threading.Lock()
_redis_client: object | None = None


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    retry_after: int  # seconds until the window ends


def _redis():
    global _redis_client
    with _redis_lock:
        if _redis_client is None:
            import redis

            _redis_client = redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
            )
        return _redis_client


def _prefix() -> str:
    if settings.TESTING:
        # Each test counts from zero: pytest names the running test in the environment.
        return f"{_PREFIX}:{os.environ.get('PYTEST_CURRENT_TEST', '').split(' ')[0]}"
    return _PREFIX


def rate_hit(*, name: str, key: str, limit: int, window: int) -> Verdict:
    """Count one hit of `key` against `limit` per `window` seconds."""
    moment = time.time()
    bucket = int(moment // window)
    retry_after = max(1, int((bucket + 1) * window - moment) + 1)
    full_key = f"{_prefix()}:{name}:{key}:{bucket}"
    if settings.REDIS_URL:
        try:
            pipe = _redis().pipeline()
            pipe.incr(full_key)
            pipe.expire(full_key, window + 1)
            count = int(pipe.execute()[0])
        except Exception:  # any client error: fail open, loudly
            log.warning("rate limit %s not enforced: Redis unreachable", name, exc_info=True)
            return Verdict(True, 0, 0)
    else:
        cache.add(full_key, 0, timeout=window + 1)
        try:
            count = cache.incr(full_key)
        except ValueError:  # expired between add and incr
            cache.set(full_key, 1, timeout=window + 1)
            count = 1
    return Verdict(count <= limit, count, retry_after)


def rate_reset() -> None:
    """Forget every counter (tests; an operator lifting a block)."""
    if settings.REDIS_URL:
        client = _redis()
        for k in client.scan_iter(f"{_PREFIX}:*"):
            client.delete(k)
    else:
        cache.clear()
