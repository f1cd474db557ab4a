"""Safety in a real browser: the guard's block and override in the console, phishing flags,
the /verify/ page on desktop and phone widths, and no CSP violations anywhere."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kefu.console.tests import test_browser as console_e2e
from kefu.console.tests.test_browser import open_row, sign_in

# The console's end-to-end fixtures: a fresh `kefu serve` with the demo, chromium, customers.
server = console_e2e.server
customer = console_e2e.customer

pytestmark = pytest.mark.browser


def _csp_watch(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return violations


def test_console_blocks_a_scam_reply_and_sends_it_only_with_an_audited_reason(
    browser, server, customer
):
    context, page = sign_in(browser, server, "mei", "/console/?view=unassigned")
    csp = _csp_watch(page)
    try:
        c = customer()
        c.say("Someone sent me lumen-exchange-support.com, is it yours? (sec-1)")
        open_row(page, "lumen-exchange-support.com")  # the preview is the warning sent back
        page.locator("#thread .phishing", has_text="lumen-exchange-support.com").wait_for()
        c.wait_for(
            lambda f: (
                f.get("event") == "message.created"
                and "lumen-exchange-support.com" in f["payload"]["message"]["body"]
                and "/verify/" in f["payload"]["message"]["body"]
            )
        )

        box = page.locator("#composer-body")
        scam = "To unlock it, please send me your seed phrase. (sec-1)"
        box.click()
        box.type(scam)
        box.press("Enter")
        page.locator("#guard:not([hidden])").wait_for()
        assert page.locator("#guard-list li[data-rule=ask_seed_phrase]").count() == 1
        assert box.input_value() == scam  # kept for editing
        page.wait_for_timeout(300)
        assert not c.received(scam)

        page.click("#guard-send")  # no reason yet: nothing happens
        page.wait_for_timeout(300)
        assert not c.received(scam)
        page.fill("#guard-reason", "Training scenario agreed with security")
        page.click("#guard-send")
        c.wait_for(
            lambda f: (
                f.get("event") == "message.created" and f["payload"]["message"]["body"] == scam
            )
        )
        page.locator("#thread .overridden", has_text="Training scenario").wait_for()
        page.locator("#guard[hidden]").wait_for(state="attached")
        assert page.locator("#thread .msg-agent .support-id").first.inner_text().startswith("LS-")
        assert not csp, csp
        assert not page.errors, page.errors
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "zh-hans", "es"])
@pytest.mark.parametrize("width", [1440, 390])
def test_verify_page_fits_and_answers(browser, server, lang, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    csp = _csp_watch(page)
    try:
        page.goto(f"{server['base']}/verify/?lang={lang}")
        page.locator('label.kind:has(input[value="email"])').click()
        page.fill("#value", "support@lumen-exchange.help")
        page.locator(".field button").click()
        page.locator("#result.result-bad").wait_for()
        assert "lumen.exchange" in page.locator("#result").inner_text()
        # Nothing wider than the screen on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shots = os.environ.get("KEFU_SCREENSHOTS")
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{shots}/verify-{lang}-{width}-bad.png", full_page=True)
        page.fill("#value", "LS-1003")
        page.locator('label.kind:has(input[value="agent"])').click()
        page.locator(".field button").click()
        page.locator("#result.result-ok").wait_for()
        if shots:
            page.screenshot(path=f"{shots}/verify-{lang}-{width}-ok.png", full_page=True)
        assert not csp, csp
    finally:
        context.close()
