"""The email reply box in a real browser: Cc/Bcc go with the reply and show on it."""

from __future__ import annotations

import pytest

from kefu.console.tests.test_browser import server, sign_in  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def test_email_reply_box_sends_cc_and_bcc(browser, server):  # noqa: F811 - fixtures
    context, page = sign_in(browser, server, "ava", "/console/?view=all")
    try:
        row = page.locator("#rows li.row", has_text="Depósito na rede errada")
        row.wait_for(timeout=10000)
        row.locator(".row-link").click()
        page.locator("#thread", has_text="BEP20").wait_for()
        page.fill("#composer-cc", "lucas.partner@example.com")
        page.fill("#composer-bcc", "audit@lumen.exchange")
        page.fill("#composer-body", "Sim, podemos recuperar (e2e-email).")
        page.click("#composer-send")
        reply = page.locator("#thread .msg-agent", has_text="e2e-email")
        reply.wait_for()
        assert "lucas.partner@example.com" in reply.inner_text()
        assert "audit@lumen.exchange" in reply.inner_text()
        assert page.input_value("#composer-cc") == ""
        # A bad address is refused with the server's message and nothing is sent.
        page.fill("#composer-cc", "not an address")
        page.fill("#composer-body", "should not go (e2e-email-2)")
        page.click("#composer-send")
        page.locator(".toast", has_text="not an email address").wait_for()
        assert page.locator("#thread", has_text="e2e-email-2").count() == 0
        assert page.errors == []
    finally:
        context.close()
