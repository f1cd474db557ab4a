"""Deferred event subscribers: the work an event causes, run after the sender has its answer.

Realtime pushes run as soon as a transaction commits: the customer's ack and the agent's
screen wait for them. Routing, SLA clocks and the bot are work the event *causes*; nobody
should wait for them to be acknowledged. They subscribe with
`event_subscribe(handler, deferred=True, types={...})` and run here.

In a server process (`kefu serve`) `dispatcher_start()` runs worker threads. Each event is
keyed by its conversation: one conversation's events run in commit order on one thread,
different conversations side by side. The hand-off is durable (an outbox): `event_emit` writes
one `core_pendingdispatch` row, in the action's own transaction, for each event a deferred
subscriber wants. A worker claims the row (deletes it) before running the handlers, so two
processes never run one event twice. A row a crashed process left behind is claimed and run by
the `dispatch_recover` job once it is `DISPATCH_RECOVER_AFTER` seconds old.

Outside a server (tests, CLI commands, the task worker) nothing is started: no row is written
and deferred handlers run inline right after commit, as the plain subscribers do.
"""

from __future__ import annotations

import atexit
import json
import logging
import queue
import threading
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction

from kefu.core.clock import now

if TYPE_CHECKING:
    from kefu.core.events import Event

log = logging.getLogger(__name__)

Handler = Callable[["Event"], None]

_lock = threading.Lock()
_queues: list[queue.SimpleQueue[tuple[int, Event] | None]] = []
_threads: list[threading.Thread] = []
_pending = 0  # events handed to this process's workers and not finished yet


def dispatcher_running() -> bool:
    return bool(_queues)


def dispatcher_start(threads: int | None = None) -> None:
    """Start this process's workers (idempotent). Called by the ASGI app on its first scope."""
    global _queues, _threads
    if _queues:
        return
    n = settings.DISPATCH_THREADS if threads is None else threads
    if n <= 0:
        return  # deferred subscribers run inline after commit
    with _lock:
        if _queues:
            return
        _queues = [queue.SimpleQueue() for _ in range(n)]
        _threads = [
            threading.Thread(target=_work, args=(q,), name=f"kefu-dispatch-{i}", daemon=True)
            for i, q in enumerate(_queues)
        ]
        for t in _threads:
            t.start()
    atexit.register(dispatcher_stop)


def dispatcher_stop(timeout: float = 10.0) -> None:
    """Finish what is queued, then stop the workers. What is left stays in the outbox."""
    global _queues, _threads
    with _lock:
        queues, threads = _queues, _threads
        _queues, _threads = [], []
    for q in queues:
        q.put(None)
    for t in threads:
        t.join(timeout)


def dispatcher_backlog() -> int:
    """Events committed and not yet handled by this process's workers (for /metrics, tests)."""
    return _pending


def conversation_key(event: Event) -> str:
    """The conversation an event is about ("" when none): the unit of ordering."""
    p = event.payload
    conversation = p.get("conversation")
    if isinstance(conversation, dict) and "id" in conversation:
        return str(conversation["id"])
    message = p.get("message")
    if isinstance(message, dict) and "conversation_id" in message:
        return str(message["conversation_id"])
    if "conversation_id" in p:
        return str(p["conversation_id"])
    return ""


def outbox_write(event: Event) -> int:
    """Inside the emitting transaction: record the event for the deferred subscribers."""
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO core_pendingdispatch (event_id, type, conversation_key, payload, occurred_at) "
            "VALUES (%s, %s, %s, %s, %s) RETURNING id",
            [
                _field("event_id").get_db_prep_value(event.id, connection),
                event.type,
                conversation_key(event),
                json.dumps(event.payload),
                connection.ops.adapt_datetimefield_value(event.occurred_at),
            ],
        )
        row = cur.fetchone()
    assert row is not None
    return int(row[0])


def hand_off(row_id: int, event: Event) -> None:
    """After commit: queue the event on the thread that owns its conversation."""
    global _pending
    queues = _queues
    if not queues:
        return  # stopped meanwhile: the row stays and dispatch_recover runs it
    with _lock:
        _pending += 1
    queues[hash(conversation_key(event)) % len(queues)].put((row_id, event))


def _work(q: queue.SimpleQueue[tuple[int, Event] | None]) -> None:
    global _pending
    while True:
        item = q.get()
        if item is None:
            return
        row_id, event = item
        try:
            if _claim(row_id):
                run_deferred(event)
        except Exception:
            log.exception("deferred dispatch of %s failed", event.type)
        finally:
            with _lock:
                _pending -= 1
            if q.empty():
                close_old_connections()


def _claim(row_id: int) -> bool:
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM core_pendingdispatch WHERE id = %s", [row_id])
        return cur.rowcount == 1


def run_deferred(event: Event) -> None:
    from kefu.core.events import deferred_subscribers

    for handler in deferred_subscribers(event.type):
        try:
            handler(event)
        except Exception:
            # One broken subscriber must not stop the others, nor undo a committed change.
            log.exception("deferred subscriber %r failed on %s", handler, event.type)


def dispatch_recover(*, older_than_seconds: float | None = None, limit: int = 500) -> int:
    """Run events whose process died before handling them. Returns how many ran."""
    from kefu.core.events import Event

    age = settings.DISPATCH_RECOVER_AFTER if older_than_seconds is None else older_than_seconds
    cutoff = now() - timedelta(seconds=age)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id, event_id, type, payload, occurred_at FROM core_pendingdispatch "
            "WHERE occurred_at <= %s ORDER BY id LIMIT %s",
            [connection.ops.adapt_datetimefield_value(cutoff), limit],
        )
        rows = cur.fetchall()
    ran = 0
    for row_id, event_id, type_, payload, occurred_at in _decoded(rows):
        if not _claim(row_id):
            continue  # another process took it
        event = Event(id=event_id, type=type_, payload=payload, occurred_at=occurred_at)
        log.warning("recovered deferred event %s %s from the outbox", type_, event_id)
        run_deferred(event)
        ran += 1
    return ran


def _field(name: str) -> Any:
    from kefu.core.models import PendingDispatch

    return PendingDispatch._meta.get_field(name)


def _decoded(rows: Iterable[tuple[Any, ...]]) -> Iterable[tuple[int, Any, str, dict[str, Any], Any]]:
    import uuid
    from datetime import UTC, datetime

    for row_id, event_id, type_, payload, occurred_at in rows:
        if not isinstance(event_id, uuid.UUID):
            event_id = uuid.UUID(str(event_id))
        if isinstance(payload, str):
            payload = json.loads(payload)
        if isinstance(occurred_at, str):
            occurred_at = datetime.fromisoformat(occurred_at)
        if occurred_at.tzinfo is None:
            occurred_at = occurred_at.replace(tzinfo=UTC)
        yield row_id, event_id, type_, payload, occurred_at
