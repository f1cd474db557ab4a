"""The optional generative model: a client for any OpenAI-compatible chat-completions server.

Off while `KEFU_LLM_BASE_URL` is unset. One call is `POST {base}/chat/completions` with
`model`, `messages`, `temperature` and `max_tokens`, answered by one `chat.completion` object;
no streaming (a support answer is short, and kefu checks the whole text before anyone sees it).

Every failure is an `LlmError` with a short, loggable reason: the server is unreachable or too
slow, answers 4xx/5xx, sends something that is not a chat completion, no choice, an empty
text, a truncated one (`finish_reason: length`) or a filtered one (`content_filter`). Callers
fall back to what kefu does without a model; nothing a customer sent depends on this call.

What goes out is the caller's business (kefu/intelligence/grounding.py builds it from redacted,
scrubbed text); this module never logs message contents or the API key.

The sync client serves the bot, which runs in a background worker; the async one serves the
console's draft endpoint, so a slow model never holds the web process's shared sync thread.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings

log = logging.getLogger(__name__)

# A chat completion of a few hundred tokens is a few kB; anything this large is not one.
MAX_RESPONSE_BYTES = 256 * 1024
# Reasons a choice may end with that still mean "here is the whole answer". Local servers
# differ: llama.cpp and vLLM say "stop", some say "eos" or leave it empty.
_FINISHED = {"stop", "eos", "end_turn", "", None}


@dataclass(frozen=True)
class LlmConfig:
    base_url: str
    model: str
    api_key: str = ""
    timeout_s: float = 8.0
    max_tokens: int = 400
    temperature: float = 0.2

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/chat/completions"


def llm_config() -> LlmConfig | None:
    """The configured model server, or None when kefu runs without one (the default)."""
    if not settings.LLM_BASE_URL:
        return None
    return LlmConfig(
        base_url=settings.LLM_BASE_URL.rstrip("/"),
        model=settings.LLM_MODEL,
        api_key=settings.LLM_API_KEY,
        timeout_s=settings.LLM_TIMEOUT_MS / 1000,
        max_tokens=settings.LLM_MAX_TOKENS,
        temperature=settings.LLM_TEMPERATURE,
    )


def llm_enabled() -> bool:
    return bool(settings.LLM_BASE_URL)


class LlmError(Exception):
    """The model gave no usable answer. `reason` is short and safe to log and store."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Completion:
    text: str
    model: str  # as the server names it (it may resolve an alias)
    finish_reason: str
    latency_ms: float
    id: str = ""
    usage: dict[str, Any] = field(default_factory=dict)


def chat_complete(messages: list[dict[str, str]], *, config: LlmConfig | None = None) -> Completion:
    """One chat completion, blocking. Raises LlmError on anything but a whole answer."""
    config = config or llm_config()
    if config is None:
        raise LlmError("off")
    started = time.perf_counter()
    deadline = started + config.timeout_s
    with (
        _call_errors(config),
        httpx.Client(timeout=_timeout(config), verify=_tls(), follow_redirects=False) as client,
        client.stream(
            "POST",
            config.endpoint,
            json=_request_body(messages, config),
            headers=_headers(config),
        ) as response,
    ):
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            _check_progress(body, deadline)
        status = response.status_code
    return _completion(status, bytes(body), config, started)


async def chat_complete_async(
    messages: list[dict[str, str]], *, config: LlmConfig | None = None
) -> Completion:
    """The same call for async views: the event loop keeps serving while the model thinks."""
    config = config or llm_config()
    if config is None:
        raise LlmError("off")
    started = time.perf_counter()
    deadline = started + config.timeout_s
    with _call_errors(config):
        async with (
            httpx.AsyncClient(
                timeout=_timeout(config), verify=_tls(), follow_redirects=False
            ) as client,
            client.stream(
                "POST",
                config.endpoint,
                json=_request_body(messages, config),
                headers=_headers(config),
            ) as response,
        ):
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                _check_progress(body, deadline)
            status = response.status_code
    return _completion(status, bytes(body), config, started)


@contextlib.contextmanager
def _call_errors(config: LlmConfig) -> Iterator[None]:
    """A failed call, whatever broke, as one LlmError (logged and counted by `_failed`)."""
    try:
        yield
    except httpx.TimeoutException:
        raise _failed(LlmError("timeout", f"no answer within {config.timeout_s:g} s")) from None
    except httpx.HTTPError as exc:
        raise _failed(LlmError("unreachable", type(exc).__name__)) from None
    except LlmError as exc:
        raise _failed(exc) from None


@functools.cache
def _tls() -> ssl.SSLContext:
    # Loading the CA bundle costs ~10 ms (100 ms on a busy machine): once per process, not
    # once per answer. A client per call keeps the sync and async paths free of shared state.
    return httpx.create_ssl_context()


def _timeout(config: LlmConfig) -> httpx.Timeout:
    # httpx applies these per phase (connect, each read); the deadline in _check_progress
    # bounds the whole answer, so a server trickling bytes cannot hold a turn past it.
    return httpx.Timeout(config.timeout_s, connect=min(config.timeout_s, 3.0))


def _check_progress(body: bytearray, deadline: float) -> None:
    if len(body) > MAX_RESPONSE_BYTES:
        raise LlmError("malformed", "response larger than a chat completion")
    if time.perf_counter() > deadline:
        raise LlmError("timeout", "answer still arriving at the deadline")


def _request_body(messages: list[dict[str, str]], config: LlmConfig) -> dict[str, Any]:
    # No `user` field and no metadata: nothing that identifies the customer leaves kefu.
    return {
        "model": config.model,
        "messages": messages,
        "temperature": config.temperature,
        "max_tokens": config.max_tokens,
        "n": 1,
        "stream": False,
    }


def _headers(config: LlmConfig) -> dict[str, str]:
    headers = {"Accept": "application/json", "User-Agent": "kefu"}
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    return headers


def _failed(exc: LlmError) -> LlmError:
    log.warning("language model call failed: %s", exc)
    return exc


def _completion(status: int, body: bytes, config: LlmConfig, started: float) -> Completion:
    latency_ms = (time.perf_counter() - started) * 1000
    if status >= 400:
        # The body may echo the prompt back: only the status is kept.
        raise _failed(LlmError(f"http_{status}"))
    if status != 200:
        raise _failed(LlmError("malformed", f"status {status}"))
    try:
        data = json.loads(body)
    except ValueError:
        raise _failed(LlmError("malformed", "not JSON")) from None
    if not isinstance(data, dict):
        raise _failed(LlmError("malformed", "not a JSON object"))
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices:
        raise _failed(LlmError("no_choices"))
    first = choices[0]
    message = first.get("message") if isinstance(first, dict) else None
    if not isinstance(message, dict):
        raise _failed(LlmError("malformed", "choice without a message"))
    finish = first.get("finish_reason")
    if finish == "length":
        raise _failed(LlmError("truncated", "the answer hit max_tokens"))
    if finish == "content_filter":
        raise _failed(LlmError("content_filter"))
    if finish not in _FINISHED:
        # tool_calls, function_call: kefu offers no tools, so this is not an answer.
        raise _failed(LlmError("malformed", f"finish_reason {str(finish)[:40]}"))
    if message.get("refusal"):
        raise _failed(LlmError("refused"))
    content = message.get("content")
    if not isinstance(content, str) or not content.strip():
        raise _failed(LlmError("empty"))
    usage = data.get("usage")
    return Completion(
        text=content.strip(),
        model=str(data.get("model") or config.model)[:100],
        finish_reason=str(finish or "stop"),
        latency_ms=round(latency_ms, 1),
        id=str(data.get("id") or "")[:100],
        usage=usage if isinstance(usage, dict) else {},
    )
