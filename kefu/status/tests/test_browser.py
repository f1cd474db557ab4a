"""Announcements in a real browser (Playwright + Debian's chromium) against a real `kefu serve`:
a supervisor publishes over the API, an open widget shows the banner at once, the customer
dismisses it for good, a change brings it back, withdrawing takes it away; the console shows it
live too."""

from __future__ import annotations

import os
import time

import httpx
import pytest

from kefu.core.testing import demo_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHISHING = {
    "kind": "phishing_wave",
    "severity": "critical",
    "surfaces": ["widget", "console", "help_center"],
    "translations": {
        "en": {"title": "Fake Lumen support sites", "body": "lumen-help.support is not ours."},
        "zh-Hans": {
            "title": "谨防假冒 Lumen 客服网站",
            "body": "lumen-help.support 不是我们的网站。",
        },
    },
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {"KEFU_BOT": "0"}
    with demo_server(
        tmp_path_factory.mktemp("kefu-status-e2e"), env=env,
        demo_args=("--no-help-center", "--no-announcements"), token_for="priya@lumen.exchange",
    ) as srv:  # fmt: skip
        api = httpx.Client(
            base_url=srv.base, headers={"Authorization": f"Bearer {srv.token}"}, timeout=10
        )
        yield srv.base, api


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    ctx.set_default_timeout(15000)  # generous: CI shares two cores
    yield ctx
    ctx.close()


def _open_widget(page, base, query):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None
    )
    page.goto(f"{base}/demo/{query}")
    page.locator("#kefu-widget .l").click()
    page.locator("#kefu-widget textarea").wait_for()
    return errors


def _live(page):
    """The widget's socket is up (its websocket answered hello): pushes reach it now."""
    end = time.monotonic() + 15
    while time.monotonic() < end:
        if page.locator("#kefu-widget .cn").is_hidden() and page.evaluate(
            "Object.keys(localStorage).some(k => k.startsWith('kefu:') && (JSON.parse(localStorage[k]).cursors || {})['announcements:widget'] !== undefined)"
        ):
            time.sleep(0.5)  # hello -> resume: the server follows the stream after the resume frame
            return
        time.sleep(0.1)
    raise AssertionError("the widget did not connect")


def _wait_js(page, expression, timeout=10.0):
    # Polled: page.wait_for_function evals its string, which the demo page's CSP refuses.
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if page.evaluate(expression):
            return
        time.sleep(0.1)
    raise AssertionError(f"not true within {timeout}s: {expression[:80]}")


def _publish(api, **extra):
    res = api.post("/api/v1/announcements", json={**PHISHING, **extra})
    assert res.status_code == 201, res.text
    return res.json()["id"]


def test_the_widget_shows_a_pushed_banner_and_remembers_its_dismissal(server, context, request):
    base, api = server
    page = context.new_page()
    errors = _open_widget(page, base, "?as=guest")
    _live(page)
    banner = page.locator("#kefu-widget .an")
    assert banner.count() == 0

    aid = _publish(api)
    request.addfinalizer(lambda: api.post(f"/api/v1/announcements/{aid}/withdraw"))
    banner.wait_for()  # pushed over the open socket: no reload
    assert "critical" in banner.get_attribute("class")
    assert banner.locator("b").inner_text() == "Fake Lumen support sites"
    assert banner.locator("p").inner_text() == "lumen-help.support is not ours."
    assert banner.locator("a").count() == 0  # no link given; the body is text, never a link
    page.screenshot(path=str(context_dir(page) / "widget-banner.png"))

    banner.locator("button").click()
    banner.wait_for(state="detached")
    _wait_js(
        page,
        "Object.keys(localStorage).some(k => k.startsWith('kefu:') && Object.keys(JSON.parse(localStorage[k]).dis || {}).length)",
    )
    page.reload()
    page.locator("#kefu-widget textarea").wait_for()  # it was open: it opens itself again
    _live(page)
    assert page.locator("#kefu-widget .an").count() == 0  # dismissed stays dismissed

    # A changed announcement is news again.
    res = api.patch(
        f"/api/v1/announcements/{aid}",
        json={
            "translations": {
                "en": {
                    "title": "Fake Lumen support sites — now also by SMS",
                    "body": "Delete those messages.",
                }
            }
        },
    )
    assert res.status_code == 200, res.text
    page.locator("#kefu-widget .an b", has_text="now also by SMS").wait_for()

    assert api.post(f"/api/v1/announcements/{aid}/withdraw").status_code == 200
    page.locator("#kefu-widget .an").wait_for(state="detached")
    assert errors == []


def test_a_chinese_widget_gets_the_chinese_text_on_open(server, context):
    base, api = server
    aid = _publish(api, url=f"{base}/verify/")
    try:
        page = context.new_page()
        errors = _open_widget(page, base, "?as=guest&lang=zh-Hans")
        banner = page.locator("#kefu-widget .an")
        banner.wait_for()
        assert banner.locator("b").inner_text() == "谨防假冒 Lumen 客服网站"
        link = banner.locator("a")
        assert link.inner_text() == "详情" and link.get_attribute("href") == f"{base}/verify/"
        assert link.get_attribute("target") == "_blank"
        assert errors == []
    finally:
        api.post(f"/api/v1/announcements/{aid}/withdraw")


def test_the_console_banner_appears_and_goes_live(server, browser, request):
    base, api = server
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    ctx.set_default_timeout(15000)
    try:
        page = ctx.new_page()
        page.goto(f"{base}/login/?next=/console/")
        page.fill("#id_username", "mei@lumen.exchange")
        page.fill("#id_password", "lumen-demo-2026")
        page.click("button[type=submit]")
        page.locator("#conn[data-state=live]").wait_for()
        assert page.locator("#announcements .announcement").count() == 0
        aid = _publish(api)
        request.addfinalizer(lambda: api.post(f"/api/v1/announcements/{aid}/withdraw"))
        strip = page.locator("#announcements .announcement.a-critical")
        strip.wait_for()
        assert "Fake Lumen support sites" in strip.inner_text()
        strip.locator(".a-text").click()
        assert strip.get_attribute("class").endswith("expanded")
        api.post(f"/api/v1/announcements/{aid}/withdraw")
        strip.wait_for(state="detached")
    finally:
        ctx.close()


def context_dir(page):
    from pathlib import Path

    out = Path(os.environ.get("KEFU_SCREENSHOTS", "/tmp")) / "kefu-status"
    out.mkdir(parents=True, exist_ok=True)
    return out


def test_a_resolved_hacked_account_case_ends_with_a_security_tip_card(server, context):
    base, api = server
    page = context.new_page()
    errors = _open_widget(page, base, "?as=guest")
    box = page.locator("#kefu-widget textarea")
    box.fill("Someone logged into my account, I think I was hacked")
    box.press("Enter")
    page.locator("#kefu-widget .st[data-status=sent]").wait_for()
    _wait_js(
        page,
        "Object.keys(localStorage).some(k => k.startsWith('kefu:') && Object.keys(JSON.parse(localStorage[k]).cursors || {}).some(s => s.startsWith('conversation:')))",
    )
    state = page.evaluate(
        "JSON.parse(localStorage[Object.keys(localStorage).find(k => k.startsWith('kefu:'))])"
    )
    (stream,) = [s for s in state["cursors"] if s.startswith("conversation:")]
    cid = stream.split(":", 1)[1]
    assert (
        api.post(
            f"/api/v1/conversations/{cid}/messages",
            json={"body": "Your sessions are reset; you're back in."},
        ).status_code
        == 201
    )
    assert (
        api.post(f"/api/v1/conversations/{cid}/status", json={"status": "resolved"}).status_code
        == 200
    )

    tip = page.locator("#kefu-widget .m .tip", has_text="Security tip")
    tip.wait_for()  # kefu's notice, as a card, after the agent's reply
    assert "never ask for your password" in tip.inner_text()
    assert tip.locator("a").get_attribute("href").endswith("/verify/")  # KEFU_PUBLIC_URL's, live
    assert errors == []
