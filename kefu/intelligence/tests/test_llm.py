"""The chat-completions client against a local server speaking the real wire format."""

from __future__ import annotations

import asyncio
import socket

import pytest

from kefu.intelligence.llm import (
    LlmConfig,
    LlmError,
    chat_complete,
    chat_complete_async,
    llm_config,
)
from kefu.intelligence.testing import FakeReply

ASK = [{"role": "system", "content": "Answer from the sources."}, {"role": "user", "content": "hi"}]


def test_off_without_a_base_url(settings):
    settings.LLM_BASE_URL = ""
    assert llm_config() is None
    with pytest.raises(LlmError) as err:
        chat_complete(ASK)
    assert err.value.reason == "off"


def test_a_completion_round_trip_in_the_real_format(fake_llm):
    fake_llm.script(FakeReply.answer("  Deposits need 2 confirmations [1].  "))
    done = chat_complete(ASK)
    assert done.text == "Deposits need 2 confirmations [1]."
    assert done.model == "kefu-test-model" and done.finish_reason == "stop"
    assert done.id.startswith("chatcmpl-") and done.usage["total_tokens"] > 0
    assert done.latency_ms > 0
    (seen,) = fake_llm.requests
    assert seen.path == "/v1/chat/completions"
    assert seen.headers["Authorization"] == "Bearer sk-test-kefu"
    assert seen.body == {
        "model": "kefu-test-model",
        "messages": ASK,
        "temperature": 0.2,
        "max_tokens": 400,
        "n": 1,
        "stream": False,
    }


def test_the_async_client_gives_the_same_answer(fake_llm):
    fake_llm.script(FakeReply.answer("Same [1]."))
    done = asyncio.run(chat_complete_async(ASK))
    assert done.text == "Same [1]." and len(fake_llm.requests) == 1


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (FakeReply.error(500), "http_500"),
        (FakeReply.error(429), "http_429"),
        (FakeReply.error(400), "http_400"),
        (FakeReply.malformed(), "malformed"),
        (FakeReply(raw=b"[1, 2, 3]"), "malformed"),
        (FakeReply.no_choices(), "no_choices"),
        (FakeReply.truncated(), "truncated"),
        (FakeReply.filtered(), "content_filter"),
        (FakeReply.answer("   "), "empty"),
        (FakeReply(content="", finish_reason="tool_calls"), "malformed"),
        (
            FakeReply(
                body={
                    "choices": [
                        {
                            "index": 0,
                            "message": {
                                "role": "assistant",
                                "content": None,
                                "refusal": "I can't help with that.",
                            },
                            "finish_reason": "stop",
                        }
                    ]
                }
            ),
            "refused",
        ),
    ],
)
def test_every_unusable_answer_is_an_error_with_a_reason(fake_llm, reply, reason):
    fake_llm.script(reply)
    with pytest.raises(LlmError) as err:
        chat_complete(ASK)
    assert err.value.reason == reason


def test_a_slow_server_times_out_at_the_configured_deadline(fake_llm, settings):
    settings.LLM_TIMEOUT_MS = 300
    fake_llm.script(FakeReply.slow(1.5))
    with pytest.raises(LlmError) as err:
        chat_complete(ASK)
    assert err.value.reason == "timeout"
    fake_llm.script(FakeReply.slow(1.5))
    with pytest.raises(LlmError) as err:
        asyncio.run(chat_complete_async(ASK))
    assert err.value.reason == "timeout"


def test_a_wrong_key_is_an_http_error(fake_llm, settings):
    settings.LLM_API_KEY = "sk-wrong"
    with pytest.raises(LlmError) as err:
        chat_complete(ASK)
    assert err.value.reason == "http_401"


def test_nobody_listening_is_unreachable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = LlmConfig(base_url=f"http://127.0.0.1:{port}/v1", model="m", timeout_s=1)
    with pytest.raises(LlmError) as err:
        chat_complete(ASK, config=config)
    assert err.value.reason == "unreachable"


def test_the_fake_refuses_what_the_real_api_refuses(fake_llm):
    """The fake is only worth testing against if it rejects malformed requests too."""
    config = llm_config()
    assert config is not None
    bad = LlmConfig(base_url=config.base_url, model="", api_key=config.api_key)
    with pytest.raises(LlmError) as err:
        chat_complete(ASK, config=bad)
    assert err.value.reason == "http_400"
    with pytest.raises(LlmError) as err:
        chat_complete([{"role": "customer", "content": "hi"}])
    assert err.value.reason == "http_400"


def test_the_fake_answers_requests_concurrently_as_a_real_server_does():
    import threading
    import time

    import httpx

    from kefu.intelligence.testing import FakeLlmServer

    with FakeLlmServer() as fake:
        fake.script(FakeReply.answer("slow [1]", delay=1.0))
        results: list[int] = []

        def call() -> None:
            body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
            results.append(httpx.post(f"{fake.base_url}/chat/completions", json=body).status_code)

        slow = threading.Thread(target=call)
        slow.start()
        time.sleep(0.1)
        started = time.monotonic()
        call()
        assert time.monotonic() - started < 0.8
        slow.join()
        assert results == [200, 200]
