"""Reachability checks for the services kefu may be configured with."""

from __future__ import annotations


def redis_ping(url: str, timeout: float = 2.0) -> str:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        client.ping()
        client.close()
        return "ok"
    except Exception as exc:  # any client error means unreachable
        return f"error: {type(exc).__name__}: {exc}"
