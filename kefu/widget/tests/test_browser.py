"""The widget in a real browser against a real `kefu serve`: Playwright driving Debian's chromium.

One server (fresh SQLite data dir, the demo exchange seeded) serves the whole module; each test
gets its own browser context, so its own localStorage and so its own visitor.
"""

from __future__ import annotations

import contextlib
import json
import os
import time

import httpx
import pytest
from websockets.sync.client import connect

from kefu.core.testing import demo_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MAX_BYTES = 1024 * 1024  # the server's attachment limit here, so "too large" is cheap to make
# Remembers every socket the page opens, so a test can cut the connection under the widget.
# Chromium's offline emulation does not stop WebSockets, so while `__offline` is set a new socket
# goes to a path the server refuses and fails the way it does when the network is down.
TRACK_SOCKETS = """
(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.__offline = false;
  function Tracked(url, protocols) {
    if (window.__offline) url = url.replace("/ws/widget/", "/ws/offline/");
    const s = protocols ? new Native(url, protocols) : new Native(url);
    window.__sockets.push(s);
    return s;
  }
  Tracked.prototype = Native.prototype;
  Object.assign(Tracked, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  window.WebSocket = Tracked;
})();
"""
# A 1x1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e5273a8a0000000049454e44ae426082"
)


class Server:
    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        self.token = token

    def reply(self, conversation_id: str, body: str) -> dict:
        res = self.api.post(f"/api/v1/conversations/{conversation_id}/messages", json={"body": body})
        assert res.status_code == 201, res.text
        return res.json()

    def messages(self, conversation_id: str) -> list[dict]:
        res = self.api.get(f"/api/v1/conversations/{conversation_id}/messages", params={"limit": 100})
        assert res.status_code == 200, res.text
        return [m for m in res.json()["items"] if not m["private"] and m["direction"] != "activity"]

    @contextlib.contextmanager
    def console(self):
        with connect(f"{self.base.replace('http', 'ws')}/ws/console/?token={self.token}", open_timeout=5) as ws:
            hello = json.loads(ws.recv(timeout=5))
            ws.send(json.dumps({"type": "resume", "cursors": hello["streams"]}))
            yield ws


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {"KEFU_ATTACHMENT_MAX_BYTES": str(MAX_BYTES),
           "KEFU_BOT": "0"}  # these tests are about agents and customers; kefu/bot/tests covers the bot
    with demo_server(tmp_path_factory.mktemp("kefu-widget-e2e"), env=env, demo_args=("--no-help-center",),
                     token_for="mei@lumen.exchange") as srv:  # fmt: skip
        yield Server(srv.base, srv.token)


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 860})
    ctx.add_init_script(TRACK_SOCKETS)
    ctx.set_default_timeout(15000)  # generous: CI shares two cores
    yield ctx
    ctx.close()


def _open_widget(page, server, query="?as=guest"):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # The widget must work under a strict Content-Security-Policy (kefu's own, or the exchange's).
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    if os.environ.get("KEFU_DEBUG_WS"):
        page.on("console", lambda m: print("console:", m.type, m.text))
        page.on("websocket", lambda ws: (print("ws open", ws.url[:60]), ws.on("framesent", lambda f: print(">>", f[:160])), ws.on("framereceived", lambda f: print("<<", f[:160])), ws.on("close", lambda w: print("ws closed"))))
    page.goto(f"{server.base}/demo/{query}")
    page.locator("#kefu-widget .l").click()
    page.locator("#kefu-widget textarea").wait_for()
    return errors


def _send(page, text):
    box = page.locator("#kefu-widget textarea")
    box.fill(text)
    box.press("Enter")


def _conversation_id(page) -> str:
    """The conversation the widget follows, from what it keeps in localStorage."""
    _wait_js(page, "Object.keys(localStorage).some(k => k.startsWith('kefu:') && JSON.parse(localStorage[k]).cursors && Object.keys(JSON.parse(localStorage[k]).cursors).some(s => s.startsWith('conversation:')))")
    state = page.evaluate("JSON.parse(localStorage[Object.keys(localStorage).find(k => k.startsWith('kefu:'))])")
    (stream,) = [s for s in state["cursors"] if s.startswith("conversation:")]
    return stream.split(":", 1)[1]


def _wait_js(page, expression: str, timeout: float = 15.0) -> None:
    """Poll a page expression until true. page.wait_for_function evaluates its string with eval
    inside the page, which a strict Content-Security-Policy (the demo page's) refuses."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if page.evaluate(expression):
            return
        time.sleep(0.1)
    raise AssertionError(f"not true within {timeout}s: {expression[:80]}")


def _bubbles(page, side):
    return page.locator(f"#kefu-widget .r.{side} .u").all_inner_texts()


def _wait_for(predicate, timeout=8.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_customer_and_agent_chat_with_typing_and_read_receipts(server, context):
    page = context.new_page()
    errors = _open_widget(page, server)
    page.locator("#kefu-widget .ht", has_text="Online").wait_for()
    assert page.locator("#kefu-widget .ht b").inner_text() == "Lumen Support"

    _send(page, "Hi, my BTC withdrawal has been under review for an hour")
    page.locator("#kefu-widget .r.me .st[data-status=sent]").wait_for()
    conversation = _conversation_id(page)

    with server.console() as console:
        # The agent types: the customer sees who.
        console.send(json.dumps({"type": "typing", "conversation_id": conversation, "on": True}))
        page.locator("#kefu-widget .ty", has_text="Mei Lin is typing").wait_for()
        # The customer types: the console hears it.
        page.locator("#kefu-widget textarea").press_sequentially("one sec", delay=20)
        _wait_for(lambda: any(
            f.get("type") == "typing" and f.get("who") == "customer"
            for f in (json.loads(console.recv(timeout=3)) for _ in range(20))
        ))

    reply = server.reply(conversation, "I'm checking it with the security team now.")
    page.locator("#kefu-widget .r.them .u", has_text="security team").wait_for()
    assert page.locator("#kefu-widget .r.them .n").first.inner_text() == "Mei Lin"
    # The reply replaced the typing indicator, and the customer's message shows as seen.
    page.locator("#kefu-widget .ty span").first.wait_for(state="detached")
    page.locator("#kefu-widget .st[data-status=read]").wait_for()
    # The open, visible widget sent a read receipt for the agent's message.
    _wait_for(lambda: next(m for m in server.messages(conversation) if m["id"] == reply["id"])["delivery_status"] == "read")
    assert errors == []


def test_connection_cut_mid_conversation_loses_and_doubles_nothing(server, context):
    page = context.new_page()
    _open_widget(page, server)
    _send(page, "first: are you there?")
    page.locator("#kefu-widget .st[data-status=sent]").wait_for()
    conversation = _conversation_id(page)

    # Cut the network and the socket under a message that may or may not have been acked.
    _send(page, "second: sent as the line drops")
    # Close first, then go offline: once Chromium emulates offline, the close frame of an open
    # socket may never leave, and the page hears of the close only at the browser's own timeout.
    page.evaluate("window.__offline = true; window.__sockets.forEach(s => s.close())")
    context.set_offline(True)
    _send(page, "third: typed while offline")
    for i in range(3):
        server.reply(conversation, f"agent update {i}")
    page.locator("#kefu-widget .cn", has_text="Reconnecting").wait_for()
    context.set_offline(False)
    page.evaluate("window.__offline = false; window.dispatchEvent(new Event('online'))")

    for i in range(3):
        page.locator("#kefu-widget .r.them .u", has_text=f"agent update {i}").wait_for()
    page.locator("#kefu-widget .r.me .u", has_text="third").wait_for()
    page.locator("#kefu-widget .st[data-status=read]").or_(page.locator("#kefu-widget .st[data-status=sent]")).wait_for()
    page.wait_for_timeout(500)  # anything doubled would have arrived by now

    expected_mine = ["first: are you there?", "second: sent as the line drops", "third: typed while offline"]
    expected_theirs = [f"agent update {i}" for i in range(3)]
    stored = server.messages(conversation)
    assert [m["body"] for m in stored if m["direction"] == "incoming"] == expected_mine
    assert _bubbles(page, "me") == expected_mine
    assert _bubbles(page, "them") == expected_theirs
    assert page.locator("#kefu-widget .st.bad").count() == 0

    # A new page load shows the same conversation, still open, nothing twice.
    page.reload()
    page.locator("#kefu-widget .r.them .u", has_text="agent update 2").wait_for()
    assert _bubbles(page, "me") == expected_mine
    assert _bubbles(page, "them") == expected_theirs


def test_chinese_widget_refuses_an_oversized_file_and_sends_an_image(server, context):
    page = context.new_page()
    _open_widget(page, server, "?as=guest&lang=zh-Hans")
    assert page.locator("#kefu-widget textarea").get_attribute("placeholder") == "输入消息…"
    page.locator("#kefu-widget .ht", has_text="在线").wait_for()
    assert page.locator("#kefu-widget .wel").inner_text().startswith("您好！")

    file_input = page.locator("#kefu-widget input[type=file]")
    file_input.set_input_files({"name": "statement.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" + b"0" * (MAX_BYTES + 10)})
    notice = page.locator("#kefu-widget .nt")
    notice.wait_for()
    assert notice.inner_text() == "statement.pdf太大，文件不能超过1 MB。"
    assert page.locator("#kefu-widget .cp").count() == 0

    file_input.set_input_files({"name": "txid.png", "mimeType": "image/png", "buffer": PNG})
    page.locator("#kefu-widget .cp:not(.busy)").wait_for()
    _send(page, "这是提现记录截图")
    page.locator("#kefu-widget .st[data-status=sent]").wait_for()
    stored = _wait_for(lambda: server.messages(_conversation_id(page)))
    assert stored[-1]["body"] == "这是提现记录截图"
    assert [(a["filename"], a["content_type"]) for a in stored[-1]["attachments"]] == [("txid.png", "image/png")]
    # The image is shown from the server's copy once the stored message replaces the pending one.
    _wait_js(page, """(() => {
      const img = document.querySelector('#kefu-widget').shadowRoot.querySelector('.r.me img.im');
      return img && img.src.startsWith('blob:') && img.complete && img.naturalWidth === 1;
    })()""")
