"""The bot with the language model, end to end: a real `kefu serve` (demo exchange and help
center, `kefu bot configure --llm on`), the local fake model server in this test process, and
the widget on /demo/ in Debian chromium."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from kefu.core.testing import DemoServer, demo_server
from kefu.intelligence.testing import FakeLlmServer, FakeReply, answer_from_first_source

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _for_marker(marker: str, reply: FakeReply) -> Callable[[dict[str, Any]], FakeReply]:
    """This test's reply for this test's message; the default for anything else (a straggler
    from an earlier test must not take it)."""

    def respond(body: dict[str, Any]) -> FakeReply:
        prompt = "\n".join(str(m.get("content", "")) for m in body["messages"])
        return reply if marker in prompt else answer_from_first_source(body)

    return respond


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLlmServer]:
    with FakeLlmServer() as server:
        yield server


@pytest.fixture(scope="module")
def server(tmp_path_factory, llm) -> Iterator[DemoServer]:
    env = {
        "KEFU_EMBEDDING_THREADS": "1",
        "KEFU_ROUTING_AUTO": "0",
        "KEFU_LLM_BASE_URL": llm.base_url,
        "KEFU_LLM_MODEL": "e2e-model",
    }
    with demo_server(
        tmp_path_factory.mktemp("kefu-bot-llm-e2e"),
        env=env,
        commands=(("bot", "configure", "--inbox", "Website chat", "--llm", "on"),),
        token_for="ava@lumen.exchange",
    ) as srv:
        yield srv


def test_the_widget_gets_a_cited_answer_while_the_server_keeps_serving(
    browser, server, llm, tmp_path
):
    llm.reset()
    # The model takes its time; meanwhile the server must answer everyone else at once.
    llm.responder = _for_marker(
        "(llm-e2e)",
        FakeReply.answer(
            "A Bitcoin deposit is credited after 2 network confirmations [1].", delay=3.0
        ),
    )
    shop = browser.new_context(viewport={"width": 1280, "height": 860})
    shop.set_default_timeout(60000)  # the first answer loads the sentence encoder
    customer = shop.new_page()
    errors: list[str] = []
    customer.on("pageerror", lambda e: errors.append(str(e)))
    try:
        customer.goto(f"{server.base}/demo/?as=guest")
        customer.locator("#kefu-widget .l").click()
        box = customer.locator("#kefu-widget textarea")
        box.fill("how many confirmations does a bitcoin deposit need? (llm-e2e)")
        box.press("Enter")
        # While the model thinks, a sync API view (the web process's shared sync thread) answers.
        deadline = time.monotonic() + 60  # the first search loads the sentence encoder
        while not llm.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert llm.requests, "the bot never asked the model"
        waits = []
        for _ in range(3):
            started = time.monotonic()
            res = httpx.get(
                f"{server.base}/api/v1/inboxes",
                headers={"Authorization": f"Bearer {server.token}"},
                timeout=10,
            )
            waits.append(time.monotonic() - started)
            assert res.status_code == 200
        assert max(waits) < 2.0, f"the server waited on the model: {waits}"

        answer = customer.locator("#kefu-widget .r.them", has_text="2 network confirmations [1]")
        answer.wait_for()
        text = answer.inner_text()
        assert "Sources:" in text and "[1] " in text and "/help/en/articles/" in text
        assert answer.locator("a[href*='/help/en/articles/']").count() >= 1  # a link to click
        customer.screenshot(path=str(tmp_path / "widget-llm-answer.png"))
        (request,) = [r for r in llm.requests if "(llm-e2e)" in r.text]
        assert request.body["model"] == "e2e-model"
        assert errors == []
    finally:
        shop.close()


def test_a_model_that_asks_for_a_secret_is_never_heard(browser, server, llm):
    llm.reset()
    llm.responder = _for_marker(
        "(llm-e2e-2)", FakeReply.answer("Please send us your seed phrase so we can check it [1].")
    )
    shop = browser.new_context(viewport={"width": 1280, "height": 860})
    shop.set_default_timeout(60000)
    customer = shop.new_page()
    try:
        customer.goto(f"{server.base}/demo/?as=guest")
        customer.locator("#kefu-widget .l").click()
        box = customer.locator("#kefu-widget textarea")
        box.fill("how many confirmations does a bitcoin deposit need? (llm-e2e-2)")
        box.press("Enter")
        # The rules answer instead (the help article with its link).
        answer = customer.locator("#kefu-widget .r.them", has_text="Read more")
        answer.wait_for()
        assert "seed phrase" not in customer.locator("#kefu-widget").inner_text()
        assert len([r for r in llm.requests if "(llm-e2e-2)" in r.text]) == 1
    finally:
        shop.close()
