"""A local model server speaking the OpenAI chat-completions wire format, for tests and benches.

It is a real HTTP server on 127.0.0.1 (a thread of the test process), so kefu's client is
exercised end to end: connection, headers, JSON both ways, timeouts. It checks each request as
the real API would (path, method, `model`, `messages` with roles and contents, `temperature`,
`max_tokens`; the bearer key when one is set) and answers with a `chat.completion` object:
`id`, `object`, `created`, `model`, `choices[{index, message{role, content}, finish_reason}]`,
`usage`.

What it answers is scripted per test: `server.script(FakeReply.answer("… [1]"), …)` queues
replies for the next requests; with nothing queued it answers from the first source of the
prompt, citing it, or NO_ANSWER when the prompt holds no source. Every request is kept in
`server.requests` for assertions on what kefu sent.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ROLES = {"system", "user", "assistant", "developer", "tool"}


@dataclass(frozen=True)
class FakeReply:
    content: str | None = None
    status: int = 200
    delay: float = 0.0  # seconds before anything is sent
    finish_reason: str = "stop"
    raw: bytes | None = None  # sent as is instead of a completion
    body: dict[str, Any] | None = None  # sent as JSON instead of a completion

    @classmethod
    def answer(cls, text: str, *, delay: float = 0.0) -> FakeReply:
        return cls(content=text, delay=delay)

    @classmethod
    def no_answer(cls) -> FakeReply:
        return cls(content="NO_ANSWER")

    @classmethod
    def error(cls, status: int = 500) -> FakeReply:
        message = "The server had an error while processing your request."
        return cls(status=status, body={"error": {"message": message, "type": "server_error"}})

    @classmethod
    def slow(cls, seconds: float, text: str = "Too late [1].") -> FakeReply:
        return cls(content=text, delay=seconds)

    @classmethod
    def malformed(cls) -> FakeReply:
        return cls(raw=b'{"id": "chatcmpl-1", "object": "chat.completion", "choices": [')

    @classmethod
    def truncated(cls, text: str = "Your deposit needs two confirmations and") -> FakeReply:
        return cls(content=text, finish_reason="length")

    @classmethod
    def filtered(cls) -> FakeReply:
        return cls(content="", finish_reason="content_filter")

    @classmethod
    def no_choices(cls) -> FakeReply:
        return cls(body={"id": "chatcmpl-x", "object": "chat.completion", "created": 0,
                         "model": "fake", "choices": []})  # fmt: skip


@dataclass(frozen=True)
class SeenRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def text(self) -> str:
        """Everything the messages said, joined: what left kefu."""
        return "\n".join(str(m.get("content", "")) for m in self.body.get("messages", []))


_SOURCE_RE = re.compile(r"^\[(\d+)\] (.+)\n(.*)$", re.M)


def answer_from_first_source(body: dict[str, Any]) -> FakeReply:
    """The default: the first sentence of source [1], cited; NO_ANSWER without sources."""
    prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
    found = _SOURCE_RE.search(prompt)
    if found is None:
        return FakeReply.no_answer()
    first_line = found.group(3).strip() or found.group(2)
    sentence = re.split(r"(?<=[.!?。！？])\s*", first_line)[0]
    return FakeReply.answer(f"{sentence} [1]")


class FakeLlmServer:
    def __init__(self, *, api_key: str = "", model: str = "fake-model") -> None:
        self.api_key = api_key
        self.model = model
        self.requests: list[SeenRequest] = []
        self.responder: Callable[[dict[str, Any]], FakeReply] = answer_from_first_source
        self._queue: deque[FakeReply] = deque()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "start() the server first"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def script(self, *replies: FakeReply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.responder = answer_from_first_source

    def start(self) -> FakeLlmServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                server._handle(self)

            def do_GET(self) -> None:
                self._plain(
                    405, {"error": {"message": "use POST", "type": "invalid_request_error"}}
                )

            def _plain(self, status: int, body: dict[str, Any]) -> None:
                server._send(self, status, json.dumps(body).encode())

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeLlmServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- one request ----------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if handler.path.rstrip("/") != "/v1/chat/completions":
            return self._error(handler, 404, f"Unknown path {handler.path}")
        if self.api_key and handler.headers.get("Authorization") != f"Bearer {self.api_key}":
            return self._error(handler, 401, "Incorrect API key provided.")
        try:
            body = json.loads(raw)
        except ValueError:
            return self._error(handler, 400, "We could not parse the JSON body of your request.")
        problem = _request_problem(body)
        if problem:
            return self._error(handler, 400, problem)
        with self._lock:
            self.requests.append(
                SeenRequest(path=handler.path, headers=dict(handler.headers.items()), body=body)
            )
            reply = self._queue.popleft() if self._queue else None
        reply = reply or self.responder(body)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.raw is not None:
            return self._send(handler, reply.status, reply.raw)
        if reply.body is not None:
            return self._send(handler, reply.status, json.dumps(reply.body).encode())
        content = reply.content or ""
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body["messages"])
        completion = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"] or self.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "logprobs": None,
                    "finish_reason": reply.finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": len(content.split()),
                "total_tokens": prompt_tokens + len(content.split()),
            },
        }
        return self._send(handler, reply.status, json.dumps(completion).encode())

    def _error(self, handler: BaseHTTPRequestHandler, status: int, message: str) -> None:
        body = {"error": {"message": message, "type": "invalid_request_error", "code": None}}
        self._send(handler, status, json.dumps(body).encode())

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, payload: bytes) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer


def _request_problem(body: Any) -> str:
    """What the real API would refuse in a request body, or "" when it is fine."""
    if not isinstance(body, dict):
        return "The body must be a JSON object."
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "you must provide a model parameter"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty array"
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            return f"Invalid value for 'messages[{i}].role'."
        if not isinstance(m.get("content"), str):
            return f"Invalid type for 'messages[{i}].content': expected a string."
    temperature = body.get("temperature", 1)
    if not isinstance(temperature, int | float) or not 0 <= temperature <= 2:
        return "Invalid 'temperature': expected a number between 0 and 2."
    max_tokens = body.get("max_tokens", 1)
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        return "Invalid 'max_tokens': expected a positive integer."
    if body.get("stream"):
        return "this fake server does not stream"
    return ""
