"""The bot on /demo/ in a real browser against a real `kefu serve` (demo exchange + help center
seeded): a customer asks a FAQ and gets the bot's answer, asks for a human, and an agent sees
the bot's handoff note in the console."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = os.environ.get("KEFU_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "lumen-demo-2026"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("kefu-bot-e2e")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KEFU_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(KEFU_DATA_DIR=str(data), KEFU_LOG_LEVEL="WARNING", KEFU_EMBEDDING_THREADS="1")
    cli = [sys.executable, "-m", "kefu.cli"]
    subprocess.run([*cli, "migrate", "--no-input", "-v0"], env=env, check=True)
    subprocess.run([*cli, "demo"], env=env, check=True, capture_output=True)
    port = _port()
    proc = subprocess.Popen(
        [
            *cli,
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-worker",
            "--no-scheduler",
        ],
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_customer_gets_a_faq_answer_then_a_human_who_sees_the_bot_note(browser, server):
    shop = browser.new_context(viewport={"width": 1280, "height": 860})
    shop.set_default_timeout(20000)  # the first answer loads the sentence encoder
    customer = shop.new_page()
    errors: list[str] = []
    customer.on("pageerror", lambda e: errors.append(str(e)))
    desk = browser.new_context(viewport={"width": 1440, "height": 900})
    desk.set_default_timeout(20000)
    try:
        customer.goto(f"{server}/demo/?as=guest")
        customer.locator("#kefu-widget .l").click()
        box = customer.locator("#kefu-widget textarea")
        box.fill("how many confirmations does a bitcoin deposit need? (bot-e2e)")
        box.press("Enter")
        answer = customer.locator("#kefu-widget .r.them", has_text="deposit-confirmations")
        answer.wait_for()
        assert "/help/" in answer.inner_text()

        box.fill("I want to talk to a human")
        box.press("Enter")
        customer.locator(
            "#kefu-widget .r.them", has_text="passing you to a member of our support team"
        ).wait_for()
        conversation = customer.evaluate(
            "Object.keys(JSON.parse(localStorage[Object.keys(localStorage).find(k => k.startsWith('kefu:'))]).cursors)[0]"
        ).split(":", 1)[1]

        page = desk.new_page()
        page.goto(f"{server}/login/?next=/console/conversations/{conversation}/")
        page.fill("#id_username", "mei@lumen.exchange")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        note = page.locator("#thread", has_text="Bot handoff: the customer asked for a person")
        note.wait_for()
        thread = page.locator("#thread").inner_text()
        assert "Bot tried:" in thread and "deposit-confirmations" in thread
        assert "(bot-e2e)" in thread
        assert errors == []
    finally:
        shop.close()
        desk.close()
