"""The bot on /demo/ in a real browser against a real `kefu serve` (demo exchange + help center
seeded): a customer asks a FAQ and gets the bot's answer, asks for a human, and an agent sees
the bot's handoff note in the console."""

from __future__ import annotations

import pytest

from kefu.core.testing import demo_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "lumen-demo-2026"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("kefu-bot-e2e"), env={"KEFU_EMBEDDING_THREADS": "1"}) as srv:
        yield srv.base


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
            "Object.keys(JSON.parse(localStorage[Object.keys(localStorage).find(k => k.startsWith('kefu:'))]).cursors)"
            ".find(s => s.startsWith('conversation:'))"
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
