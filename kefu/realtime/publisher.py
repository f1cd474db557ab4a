"""From committed events to websocket groups.

Events commit in worker threads (HTTP pool, database_sync_to_async); the channel layer lives on
the server's event loop. Each process runs one sender task on that loop fed by a thread-safe
hand-off, so pushes leave in commit order. Pushes are hints: consumers deliver by seq and fill
any gap from the event log, so a dropped or reordered push never loses or doubles an event.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from kefu.core.events import Event

log = logging.getLogger(__name__)

_loop: asyncio.AbstractEventLoop | None = None
_queue: asyncio.Queue[tuple[str, dict[str, Any]]] | None = None
_lock = threading.Lock()


def group_name(stream: str) -> str:
    # Channels group names: ASCII letters, digits, hyphens, periods, underscores; < 100 chars.
    return "s." + stream.replace(":", ".")


def publisher_attach(loop: asyncio.AbstractEventLoop) -> None:
    """Bind publishing to the server's loop (called by the ASGI app on its first scope)."""
    global _loop, _queue
    with _lock:
        if _loop is loop:
            return
        _loop = loop
        _queue = asyncio.Queue()
        loop.create_task(_sender(_queue))


def server_loop() -> asyncio.AbstractEventLoop | None:
    """This process's ASGI server loop while it runs; None in the CLI, workers and tests.

    For work that waits on the network after a commit (the bot's model call): awaited there,
    it holds no thread, and what it commits is pushed by this process's own websockets.
    """
    loop = _loop
    return loop if loop is not None and loop.is_running() and not loop.is_closed() else None


def publisher_detach() -> None:
    global _loop, _queue
    with _lock:
        _loop, _queue = None, None


async def _sender(queue: asyncio.Queue[tuple[str, dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    while True:
        group, message = await queue.get()
        try:
            await layer.group_send(group, message)
        except Exception:
            log.exception("realtime push to %s failed; clients catch up from the event log", group)


def _messages(event: Event) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for stream, seq in event.seqs.items():
        public = stream.startswith("conversation:")
        payload = event.public_payload if public else event.payload
        out.append((group_name(stream), {"type": "kefu.event", "stream": stream, "seq": seq,
                                         "event": event.type, "payload": payload}))
    return out


def realtime_publish(event: Event) -> None:
    """Subscriber for committed events: queue a push to every stream's group."""
    messages = _messages(event)
    loop, queue = _loop, _queue
    if loop is not None and queue is not None and not loop.is_closed():
        for item in messages:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        return
    if settings.REDIS_URL:
        # A process without a websocket server (CLI, worker): other processes' clients
        # listen on Redis, so publish straight there.
        layer = get_channel_layer()
        for group, message in messages:
            async_to_sync(layer.group_send)(group, message)
    # In-memory layer and no server loop: no websocket in this process can be listening.


def ephemeral_send(stream: str, message: dict[str, Any]) -> None:
    """Typing and viewing signals: pushed, never logged, fine to lose."""
    loop, queue = _loop, _queue
    item = (group_name(stream), {"type": "kefu.ephemeral", "stream": stream, **message})
    if loop is not None and queue is not None:
        loop.call_soon_threadsafe(queue.put_nowait, item)
