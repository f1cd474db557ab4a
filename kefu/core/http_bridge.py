"""HTTP for the ASGI server: Django's WSGI handler on a bounded thread pool.

Django's own ASGI handler runs each sync middleware method through `sync_to_async` and gives
every request a fresh executor thread: about 34 thread hand-offs and new database connections
per request (12 ms for /healthz on this project's 2-core machine). kefu's HTTP side is sync
(the ORM is), so one hand-off per request to a pool thread that keeps its connection is both
simpler and several times faster. Websockets stay native ASGI (Channels).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from tempfile import SpooledTemporaryFile
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]

_BODY_IN_MEMORY = 1024 * 1024  # larger bodies (attachments) spill to a temporary file


class HttpBridge:
    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], *, threads: int) -> None:
        self.app = wsgi_app
        self.threads = threads
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="kefu-http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"HttpBridge serves http, not {scope['type']}")
        body = SpooledTemporaryFile(max_size=_BODY_IN_MEMORY)  # noqa: SIM115 - closed below
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return  # the client left before sending its body; nothing to do
                body.write(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            body.seek(0)
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self.executor, self._run, scope, body, send, loop)
        finally:
            body.close()

    def _run(self, scope: Scope, body: Any, send: Send, loop: asyncio.AbstractEventLoop) -> None:
        def emit(message: dict[str, Any]) -> None:
            asyncio.run_coroutine_threadsafe(send(message), loop).result()

        started: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = [
                (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers
            ]
            return lambda data: None  # the legacy write() callable; Django never uses it

        result = self.app(_environ(scope, body), start_response)
        try:
            head_sent = False
            pending: bytes | None = None
            for chunk in result:
                if not head_sent:
                    emit(
                        {
                            "type": "http.response.start",
                            "status": started["status"],
                            "headers": started["headers"],
                        }
                    )
                    head_sent = True
                if pending is not None:
                    emit({"type": "http.response.body", "body": pending, "more_body": True})
                pending = bytes(chunk)
            if not head_sent:
                emit(
                    {
                        "type": "http.response.start",
                        "status": started["status"],
                        "headers": started["headers"],
                    }
                )
            emit({"type": "http.response.body", "body": pending or b"", "more_body": False})
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()  # fires request_finished: connections are returned or closed here


def _environ(scope: Scope, body: Any) -> dict[str, Any]:
    server = scope.get("server") or ("127.0.0.1", 80)
    client = scope.get("client") or ("127.0.0.1", 0)
    path = scope.get("path", "/")
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root.encode("utf-8").decode("latin-1"),
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1] if server[1] is not None else 80),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": str(client[0]),
        "REMOTE_PORT": str(client[1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        if name == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif name == "CONTENT_LENGTH":
            environ["CONTENT_LENGTH"] = value
        else:
            key = f"HTTP_{name}"
            environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ
