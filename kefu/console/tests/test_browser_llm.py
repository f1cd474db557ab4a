""" "Draft reply" in a real browser (Debian chromium) against a real `kefu serve` configured with
a model server: the local fake speaking the chat-completions format, in this test process."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from kefu.console.tests.test_browser import customer, open_row, sign_in  # noqa: F401
from kefu.core.testing import demo_server
from kefu.intelligence.testing import FakeLlmServer, FakeReply

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLlmServer]:
    with FakeLlmServer(api_key="sk-e2e") as server:
        yield server


@pytest.fixture(scope="module")
def server(tmp_path_factory, llm) -> Iterator[dict[str, str]]:
    env = {
        "KEFU_ROUTING_AUTO": "0",
        "KEFU_BOT": "0",  # the agent drafts here; kefu/bot/tests covers the bot with the model
        "KEFU_LLM_BASE_URL": llm.base_url,
        "KEFU_LLM_API_KEY": "sk-e2e",
        "KEFU_LLM_MODEL": "e2e-model",
    }
    with demo_server(tmp_path_factory.mktemp("console-llm-e2e"), env=env, demo_args=("--no-triage",),
                     token_for="ava@lumen.exchange") as srv:  # fmt: skip
        inboxes = httpx.get(
            f"{srv.base}/api/v1/inboxes", headers={"Authorization": f"Bearer {srv.token}"}
        ).json()
        chat = next(i for i in inboxes if i["channel_type"] == "web_widget")
        yield {"base": srv.base, "chat_inbox": chat["id"]}


def test_an_agent_drafts_a_reply_edits_and_sends_it(browser, server, customer, llm, tmp_path):  # noqa: F811
    llm.reset()
    context, page = sign_in(browser, server, "mei", "/console/?view=unassigned")
    try:
        c = customer()
        c.say("How many confirmations does a BTC deposit need? (e2e-llm)")
        open_row(page, "(e2e-llm)")
        box = page.locator("#composer-body")
        page.locator("#draft-reply").click()
        page.locator(".toast", has_text="Draft inserted").wait_for()
        draft = box.input_value()
        assert "[1]" in draft and "\n\nSources:\n[1] " in draft
        assert "/help/en/" in draft
        # The draft is the agent's to edit: nothing reached the customer.
        assert not [f for f in c.frames if f.get("event") == "message.created"
                    and f["payload"]["message"]["direction"] == "outgoing"]  # fmt: skip
        (request,) = llm.requests
        assert request.headers["Authorization"] == "Bearer sk-e2e"
        assert "(e2e-llm)" in request.text and request.body["model"] == "e2e-model"
        page.screenshot(path=str(tmp_path / "console-draft-reply.png"))

        box.press("Control+Home")
        box.type("Hi! ")
        box.press("Enter")
        sent = "Hi! " + draft
        c.wait_for(
            lambda f: (
                f.get("event") == "message.created" and f["payload"]["message"]["body"] == sent
            )
        )
        page.locator("#thread .msg-agent", has_text="Sources:").wait_for()

        # A draft the guard would block comes with its reasons, above the box.
        llm.script(FakeReply.answer("To check it, reply with your seed phrase [1]."))
        page.locator("#draft-reply").click()
        warning = page.locator("#draft-guard")
        warning.wait_for()
        assert "seed" in warning.inner_text().lower()
        assert "reply with your seed phrase [1]" in box.input_value()
        page.screenshot(path=str(tmp_path / "console-draft-guard.png"))
        # Sending it as it is is refused by the guard, as for any reply.
        box.press("Enter")
        page.locator("#guard").wait_for()
        assert not [f for f in c.frames if f.get("event") == "message.created"
                    and "seed phrase" in f["payload"]["message"]["body"]]  # fmt: skip

        # The model failing is a message, not a broken page.
        box.fill("")
        llm.script(FakeReply.error(500))
        page.locator("#draft-reply").click()
        page.locator(".toast.error", has_text="did not answer").wait_for()
        assert box.input_value() == "" and page.errors == []
    finally:
        context.close()
