"""Real receivers for webhook tests: HTTP servers on 127.0.0.1 in a thread.

`docs_receiver` is the receiver published in docs/webhooks.md, executed as written, so the
documented verification recipe is what the tests check kefu against.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

DOCS = Path(__file__).resolve().parents[3] / "docs" / "webhooks.md"


def run_queued_tasks() -> int:
    """Run the queued tasks that are due, one by one, as `kefu worker` does: the task row is
    claimed, its function called with the stored arguments, its result recorded. (The worker
    command itself recycles database connections, which a test's transaction forbids.)"""
    from django_tasks_db.models import DBTaskResult

    ran = 0
    while (row := DBTaskResult.objects.ready().order_by("enqueued_at").first()) is not None:
        row.claim("test")
        args = row.args_kwargs
        row.set_successful(row.task.call(*args["args"], **args["kwargs"]))
        ran += 1
    return ran


def docs_example() -> dict[str, Any]:
    """The Python receiver of docs/webhooks.md, executed: its names in a namespace."""
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.S)
    assert len(blocks) == 1, "docs/webhooks.md has one Python receiver"
    namespace: dict[str, Any] = {"__name__": "docs_webhooks_example"}
    exec(compile(blocks[0], str(DOCS), "exec"), namespace)  # noqa: S102 - our own docs
    return namespace


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next scripted (status, delay seconds, headers), then 204."""

    url: str
    requests: list[Received] = field(default_factory=list)
    script: list[tuple[int, float, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, *replies: int | tuple[int, float] | tuple[int, float, dict[str, str]]) -> None:
        for r in replies:
            status, delay, headers = (r, 0.0, {}) if isinstance(r, int) else (*r, {})[:3]
            self.script.append((status, delay, headers))


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with receiver.lock:
                receiver.requests.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status, delay, headers = (
                    receiver.script.pop(0) if receiver.script else (204, 0.0, {})
                )
            time.sleep(delay)
            try:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                text = b"" if status < 300 else b"upstream exploded\n  details here"
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)
            except OSError:
                pass  # kefu gave up waiting and closed the connection

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def local_webhooks(settings):
    """Receivers on 127.0.0.1 over http: the development switch is on."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    return settings


@pytest.fixture
def receiver(local_webhooks) -> Iterator[Receiver]:
    r = Receiver(url="")
    for server in _serve(_handler(r)):
        r.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/kefu"
        yield r


@dataclass
class DocsReceiver:
    url: str
    namespace: dict[str, Any]
    events: list[dict[str, Any]]
    statuses: list[int]

    def use_secret(self, secret: str) -> None:
        self.namespace["SECRET"] = secret


@pytest.fixture
def docs_receiver(local_webhooks) -> Iterator[DocsReceiver]:
    namespace = docs_example()
    events: list[dict[str, Any]] = []
    statuses: list[int] = []
    namespace["handle"] = events.append  # the example prints; the test collects
    base = namespace["Receiver"]

    class Recording(base):  # type: ignore[misc, valid-type]
        def send_response(self, code: int, message: str | None = None) -> None:
            statuses.append(code)
            super().send_response(code, message)

        def log_message(self, *args: Any) -> None:
            pass

    for server in _serve(Recording):
        yield DocsReceiver(
            url=f"http://127.0.0.1:{server.server_address[1]}/kefu/hooks",
            namespace=namespace,
            events=events,
            statuses=statuses,
        )
