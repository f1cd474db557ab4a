"""The console in a real browser (Debian chromium through Playwright) against a real `kefu serve`.

The customer side speaks the widget's protocol from Python: POST /api/v1/widget/sessions, then
/ws/widget/ with the `websockets` client, so each test sees exactly what reaches the customer.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from kefu.core.testing import demo_server

pytestmark = pytest.mark.browser

PASSWORD = "lumen-demo-2026"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[dict[str, str]]:
    """A fresh install: migrate, seed the demo, serve on a free port."""
    env = {
        "KEFU_ROUTING_AUTO": "0",  # these flows need conversations that stay unassigned (kefu/routing tests it)
        "KEFU_BOT": "0",  # these tests are about agents and customers; kefu/bot/tests covers the bot
    }
    with demo_server(tmp_path_factory.mktemp("console-e2e"), env=env, demo_args=("--no-triage",),
                     token_for="ava@lumen.exchange") as srv:  # fmt: skip
        inboxes = httpx.get(
            f"{srv.base}/api/v1/inboxes", headers={"Authorization": f"Bearer {srv.token}"}
        ).json()
        chat = next(i for i in inboxes if i["channel_type"] == "web_widget")
        yield {"base": srv.base, "chat_inbox": chat["id"]}


class Customer:
    """A chat-widget customer: one session, one websocket, every frame kept."""

    def __init__(self, server: dict[str, str]) -> None:
        from websockets.sync.client import connect

        res = httpx.post(
            f"{server['base']}/api/v1/widget/sessions", json={"inbox_id": server["chat_inbox"]}
        )
        assert res.status_code == 200, res.text
        ws_url = (
            server["base"].replace("http://", "ws://")
            + f"/ws/widget/?session={res.json()['session']}"
        )
        # Entered by hand (not `with`): the socket lives across the test's steps.
        self._connection = connect(ws_url, origin="https://lumen.exchange")
        self.ws = self._connection.__enter__()
        self.frames: list[dict[str, Any]] = []
        self.conversation_id: str | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.wait_for(lambda f: f["type"] == "hello")

    def _read(self) -> None:
        try:
            for raw in self.ws:
                self.frames.append(json.loads(raw))
        except Exception:  # noqa: S110 - the socket closed at the end of the test
            pass

    def send(self, **msg: Any) -> None:
        self.ws.send(json.dumps(msg))

    def wait_for(
        self, pred: Callable[[dict[str, Any]], bool], timeout: float = 10
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            for frame in self.frames[seen:]:
                if pred(frame):
                    return frame
            seen = 0  # frames only grow; re-scan is cheap at this size
            time.sleep(0.05)
        raise AssertionError(f"no such frame within {timeout}s; got {self.frames[-10:]}")

    def say(self, body: str) -> dict[str, Any]:
        client_id = f"c-{uuid.uuid4().hex[:16]}"
        self.send(type="message", client_id=client_id, body=body)
        ack = self.wait_for(lambda f: f["type"] == "ack" and f["client_id"] == client_id)
        self.conversation_id = ack["conversation_id"]
        return ack

    def received(self, body: str) -> list[dict[str, Any]]:
        return [
            f
            for f in self.frames
            if f.get("event") == "message.created" and f["payload"]["message"]["body"] == body
        ]

    def close(self) -> None:
        self._connection.__exit__(None, None, None)


@pytest.fixture
def customer(server) -> Iterator[Callable[[], Customer]]:
    made: list[Customer] = []

    def make() -> Customer:
        made.append(Customer(server))
        return made[-1]

    yield make
    for c in made:
        c.close()


def sign_in(browser, server, who: str, path: str = "/console/"):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server['base']}/login/?next={path}")
    page.fill("#id_username", f"{who}@lumen.exchange")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector('#conn[data-state="live"]')
    page.errors = errors
    return context, page


def open_row(page, text: str) -> None:
    row = page.locator("#rows li.row", has_text=text)
    row.wait_for(timeout=10000)
    row.locator(".row-link").click()
    page.locator("#thread", has_text=text).wait_for()


def test_an_agent_and_a_customer_chat_live(browser, server, customer):
    context, page = sign_in(browser, server, "mei", "/console/?view=unassigned")
    try:
        # The demo conversations are there.
        assert page.locator("#rows li.row").count() >= 3
        assert page.locator("#rows", has_text="Yuki Tanaka").count() == 1

        # A customer writes: the conversation appears in Unassigned without a reload.
        c = customer()
        c.say("My BTC withdrawal is stuck (e2e-1)")
        open_row(page, "My BTC withdrawal is stuck (e2e-1)")

        # The customer types: the agent sees it.
        c.send(type="typing", on=True)
        page.locator("#typing-line", has_text="is typing").wait_for()

        # The agent types: the customer sees it; Enter sends, Shift+Enter is a new line.
        box = page.locator("#composer-body")
        box.click()
        box.type("Checking your withdrawal now.")
        c.wait_for(lambda f: f["type"] == "typing" and f["who"] == "agent" and f["on"])
        box.press("Shift+Enter")
        box.type("One moment please.")
        box.press("Enter")
        reply = "Checking your withdrawal now.\nOne moment please."
        c.wait_for(
            lambda f: (
                f.get("event") == "message.created" and f["payload"]["message"]["body"] == reply
            )
        )
        page.locator("#thread .msg-agent", has_text="One moment please.").wait_for()
        assert box.input_value() == ""

        # The customer's next message appears in the open thread, once.
        c.say("TxID is not shown (e2e-1)")
        page.locator("#thread .msg-customer", has_text="TxID is not shown (e2e-1)").wait_for()
        page.locator("#typing-line:empty").wait_for()  # a message ends "is typing"

        # A private note: agents see it, the customer never does.
        page.keyboard.press("Escape")
        page.keyboard.press("n")
        assert page.locator("#composer").get_attribute("data-mode") == "note"
        box.type("Internal: risk flagged this withdrawal")
        box.press("Enter")
        page.locator("#thread .msg-note", has_text="Internal: risk flagged").wait_for()
        page.keyboard.press("Escape")
        page.keyboard.press("r")
        box.type("Found it: it is in the risk queue.")
        box.press("Enter")
        c.wait_for(
            lambda f: (
                f.get("event") == "message.created"
                and f["payload"]["message"]["body"] == "Found it: it is in the risk queue."
            )
        )
        assert not any("risk flagged" in json.dumps(f) for f in c.frames)

        # Read receipt: the customer read the reply; the agent sees "Read".
        message_id = c.received("Found it: it is in the risk queue.")[0]["payload"]["message"]["id"]
        c.send(type="read", message_id=message_id)
        page.locator(f'#m-{message_id} .delivery[data-delivery="read"]').wait_for()

        # Nothing doubled on either side.
        assert page.locator("#thread .msg", has_text="TxID is not shown (e2e-1)").count() == 1
        assert page.locator("#thread .msg", has_text="One moment please.").count() == 1
        assert len(c.received(reply)) == 1
        assert page.errors == []
    finally:
        context.close()


def test_a_second_agent_sees_collisions_status_and_assignment_live(browser, server, customer):
    c = customer()
    c.say("My ETH deposit is missing (e2e-2)")
    mei_ctx, mei = sign_in(browser, server, "mei", "/console/?view=unassigned")
    priya_ctx, priya = sign_in(browser, server, "priya", "/console/?view=unassigned")
    try:
        open_row(priya, "(e2e-2)")
        open_row(mei, "(e2e-2)")
        # Priya is told Mei is here, then that Mei is writing.
        priya.locator("#collision", has_text="Mei Lin is viewing").wait_for()
        mei.locator("#composer-body").type("Let me look")
        priya.locator("#collision", has_text="Mei Lin is replying").wait_for()
        mei.locator("#composer-body").fill("")

        # Mei takes it (a): Priya's header shows the new assignee, and the row leaves her
        # Unassigned view.
        mei.keyboard.press("Escape")
        mei.keyboard.press("a")
        mei.locator("#conv-header .assignee-name", has_text="Mei Lin").wait_for()
        priya.locator("#conv-header .assignee-name", has_text="Mei Lin").wait_for()
        priya.locator("#rows li.row", has_text="(e2e-2)").wait_for(state="detached")

        # Mei resolves it (e): Priya sees the status change in place.
        mei.keyboard.press("e")
        priya.locator("#status-badge", has_text="Resolved").wait_for()
        mei.locator("#status-badge", has_text="Resolved").wait_for()

        # An illegal change is refused with the server's own words.
        cid = mei.locator("#workspace").get_attribute("data-conversation-id")
        mei.evaluate(
            """cid => htmx.ajax('POST', `/console/conversations/${cid}/status/`,
                   {values: {status: 'pending'}, target: '#conv-header', swap: 'outerHTML'})""",
            cid,
        )
        mei.locator(
            ".toast.error", has_text="a resolved conversation cannot become pending"
        ).wait_for()
        assert mei.errors == [] and priya.errors == []
    finally:
        mei_ctx.close()
        priya_ctx.close()


def test_a_dropped_console_connection_recovers_with_nothing_lost_or_doubled(
    browser, server, customer
):
    c = customer()
    c.say("Hello, anyone there? (e2e-3)")
    context, page = sign_in(browser, server, "sam", "/console/?view=unassigned")
    try:
        open_row(page, "(e2e-3)")
        context.set_offline(True)
        page.wait_for_selector('#conn[data-state="offline"], #conn[data-state="reconnecting"]')
        burst = [f"burst {i} (e2e-3)" for i in range(1, 4)]
        for body in burst:
            c.say(body)
        page.wait_for_timeout(500)
        context.set_offline(False)
        page.wait_for_selector('#conn[data-state="live"]')
        for body in burst:
            page.locator("#thread .msg-customer", has_text=body).wait_for()
        page.wait_for_timeout(500)  # anything doubled would have arrived by now
        for body in burst:
            assert page.locator("#thread .msg", has_text=body).count() == 1
        # The list row caught up too, and the agent can answer at once.
        page.locator("#rows li.row", has_text="burst 3 (e2e-3)").wait_for()
        page.locator("#composer-body").type("Yes, I'm here.")
        page.keyboard.press("Enter")
        c.wait_for(
            lambda f: (
                f.get("event") == "message.created"
                and f["payload"]["message"]["body"] == "Yes, I'm here."
            )
        )
        assert len(c.received("Yes, I'm here.")) == 1
        assert page.errors == []
    finally:
        context.close()


def test_a_customer_on_the_demo_page_and_an_agent_in_the_console(browser, server):
    """The whole product: the widget on /demo/ in one browser context, the console in another."""
    shop = browser.new_context(viewport={"width": 1280, "height": 860})
    customer_page = shop.new_page()
    customer_errors: list[str] = []
    customer_page.on("pageerror", lambda e: customer_errors.append(str(e)))
    context, page = sign_in(browser, server, "lucia", "/console/?view=unassigned")
    try:
        customer_page.goto(f"{server['base']}/demo/?as=guest")
        customer_page.locator("#kefu-widget .l").click()
        widget_box = customer_page.locator("#kefu-widget textarea")
        widget_box.fill("Hola, where is my SOL withdrawal? (e2e-4)")
        widget_box.press("Enter")

        open_row(page, "(e2e-4)")
        # Typing, both ways.
        widget_box.press_sequentially("still wait", delay=30)
        page.locator("#typing-line", has_text="is typing").wait_for()
        page.locator("#composer-body").press_sequentially("Looking", delay=30)
        customer_page.locator("#kefu-widget .ty", has_text="Lucía Gómez").wait_for()
        page.locator("#composer-body").fill("Solana withdrawals resume within the hour.")
        page.locator("#composer-body").press("Enter")
        customer_page.locator(
            "#kefu-widget .r.them", has_text="Solana withdrawals resume"
        ).wait_for()
        # The widget is open on screen: it reports the reply read, and the console shows it.
        message = page.locator("#thread .msg-agent", has_text="Solana withdrawals resume")
        message.locator('.delivery[data-delivery="read"]').wait_for()
        # The customer answers; it arrives once.
        widget_box.fill("Thanks! (e2e-4)")
        widget_box.press("Enter")
        page.locator("#thread .msg-customer", has_text="Thanks! (e2e-4)").wait_for()
        assert page.locator("#thread .msg", has_text="Thanks! (e2e-4)").count() == 1
        assert (
            customer_page.locator(
                "#kefu-widget .r.them", has_text="Solana withdrawals resume"
            ).count()
            == 1
        )
        assert customer_errors == [] and page.errors == []
    finally:
        shop.close()
        context.close()


def test_an_agent_answers_from_the_help_center_and_drafts_an_article(browser, server, customer):
    context, page = sign_in(browser, server, "mei", "/console/?view=unassigned")
    try:
        c = customer()
        c.say("I sent USDT two hours ago and it is not in my account (e2e-kb)")
        open_row(page, "(e2e-kb)")
        page.locator("#kb-toggle").click()
        search = page.locator("#kb-panel .kb-q")
        search.fill("deposit not credited")
        search.press("Enter")  # must not send the (empty) reply
        result = page.locator("#kb-results .kb-result", has_text="My deposit hasn't arrived")
        result.wait_for()
        result.locator('[data-kb-insert="link"]').click()
        box = page.locator("#composer-body")
        assert box.input_value().startswith("My deposit hasn't arrived: http")
        assert "/help/en/" in box.input_value()
        # Agents see internal procedures too, marked, with no link for the customer.
        search.fill("escalate stuck withdrawal")
        internal = page.locator("#kb-results .kb-result", has_text="Internal").first
        internal.wait_for()
        assert internal.locator('[data-kb-insert="link"]').count() == 0
        box.press("Enter")
        page.locator("#thread .msg-agent", has_text="My deposit hasn't arrived: http").wait_for()

        # Resolved, the conversation can seed a help-center article (a draft in the admin).
        page.locator("#resolve-btn").click()
        page.locator("#kb-draft-btn").click()
        page.wait_for_url("**/admin/knowledge/article/*/change/**")
        assert page.errors == []
    finally:
        context.close()
