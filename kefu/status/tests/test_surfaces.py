"""Announcements where customers and agents see them: the widget's bootstrap and live stream,
every help-center page, and the console (page, fragment and websocket)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from django.test import Client

from kefu.core.actors import Actor
from kefu.core.clock import now
from kefu.status.actions import announcement_publish, announcement_update, announcement_withdraw

TEXTS = {
    "en": {"title": "Fake support sites", "body": "lumen-support.help is not ours."},
    "zh-Hans": {"title": "谨防假冒客服网站", "body": "lumen-support.help 不是我们的网站。"},
}
SYSTEM = Actor.system("test")


def _publish(**kw):
    args = {"kind": "phishing_wave", "severity": "critical", "translations": TEXTS,
            "surfaces": ["widget", "help_center", "console"], **kw}  # fmt: skip
    return announcement_publish(actor=SYSTEM, **args)


def _session(inbox, **extra):
    res = Client().post(
        "/api/v1/widget/sessions", json.dumps({"inbox_id": str(inbox.pk), **extra}),
        content_type="application/json",
    )  # fmt: skip
    assert res.status_code == 200, res.content
    return res.json()


# --- widget ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_widget_bootstrap_carries_its_announcements_in_the_widgets_language(demo):
    inbox = demo.inboxes["chat"]
    shown = _publish()
    later = _publish(kind="maintenance", severity="info", starts_at=now() + timedelta(hours=2),
                     translations={"en": {"title": "Maintenance at 02:00 UTC", "body": ""}})  # fmt: skip
    _publish(kind="general", surfaces=["console", "help_center"])  # not for customers' chat
    _publish(kind="security", draft=True)

    state = _session(inbox, lang="zh-Hans")
    items = {a["id"]: a for a in state["announcements"]}
    assert set(items) == {str(shown.pk), str(later.pk)}  # scheduled too: the widget waits for it
    assert items[str(shown.pk)]["translations"] == {"zh-Hans": TEXTS["zh-Hans"]}
    assert items[str(later.pk)]["translations"] == {
        "zh-Hans": {"title": "Maintenance at 02:00 UTC", "body": ""}
    }
    assert (
        items[str(shown.pk)]["severity"] == "critical"
        and items[str(shown.pk)]["kind"] == "phishing_wave"
    )
    assert "announcements:widget" in state["cursors"]

    res = Client().get("/api/v1/widget/state", {"lang": "es"}, HTTP_X_KEFU_SESSION=state["session"])
    assert [a["translations"] for a in res.json()["announcements"] if a["id"] == str(shown.pk)] == [
        {"es": TEXTS["en"]}
    ]
    announcement_withdraw(announcement=shown, actor=SYSTEM)
    res = Client().get("/api/v1/widget/state", HTTP_X_KEFU_SESSION=state["session"])
    assert [a["id"] for a in res.json()["announcements"]] == [str(later.pk)]


@pytest.mark.django_db(transaction=True)
def test_an_open_widget_gets_announcements_pushed_and_withdrawn_live(demo):
    from channels.testing.websocket import WebsocketCommunicator

    from kefu.asgi import application
    from kefu.realtime.publisher import publisher_detach
    from kefu.status.selectors import announcements_cache_drop

    state = _session(demo.inboxes["chat"], lang="en")

    async def scenario():
        from channels.db import database_sync_to_async

        ws = WebsocketCommunicator(application, f"/ws/widget/?session={state['session']}")
        assert (await ws.connect())[0]
        hello = await ws.receive_json_from()
        assert "announcements:widget" in hello["streams"]
        await ws.send_json_to({"type": "resume", "cursors": state["cursors"]})
        a = await database_sync_to_async(_publish)()
        got = await ws.receive_json_from(timeout=3)
        assert (got["type"], got["event"]) == ("event", "announcement.published")
        assert got["payload"]["announcement"]["translations"]["zh-Hans"] == TEXTS["zh-Hans"]
        await database_sync_to_async(announcement_update)(
            announcement=a, actor=SYSTEM, surfaces=["console"]
        )
        got = await ws.receive_json_from(timeout=3)
        assert got["event"] == "announcement.withdrawn" and got["payload"] == {"id": str(a.pk)}
        await ws.disconnect()

    try:
        asyncio.run(scenario())
    finally:
        publisher_detach()
        announcements_cache_drop()


def test_every_widget_language_pack_has_every_string():
    """widget.js ships English; each pack must name every key it looks up (else English shows
    in the middle of a Chinese chat)."""
    import re
    from pathlib import Path

    static = Path(__file__).resolve().parents[2] / "widget" / "static" / "widget"
    source = (static / "widget.js").read_text()
    keys = re.search(r'var K = "([^"]+)"\.split', source).group(1).split()
    english = re.search(r"var EN = (\[.*?\]);", source).group(1)
    assert len(json.loads(english)) == len(keys)
    packs = json.loads((static / "i18n.json").read_text())
    assert len(packs) == 11 and {"more", "hide"} <= set(keys)
    for lang, pack in packs.items():
        assert set(pack) == set(keys), (lang, set(keys) ^ set(pack))


# --- help center ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/help/en/",
        "/help/en/glossary/",
        "/help/en/search/?q=deposit",
        "/help/en/articles/no-such-article/",
    ],
)
def test_every_help_center_page_shows_the_banner(path):
    _publish(url="")
    res = Client().get(path)
    html = res.content.decode()
    assert 'class="announcement announcement-critical"' in html, res.status_code
    assert "Fake support sites" in html and "Phishing alert" in html
    assert 'href="/verify/?lang=en"' in html  # a phishing wave offers the checker


@pytest.mark.django_db
def test_the_help_center_banner_is_in_the_page_language_and_escaped():
    from kefu.safety.actions import official_channel_add

    official_channel_add(kind="website", value="lumen.exchange")
    _publish(
        translations={**TEXTS, "en": {"title": "<script>alert(1)</script>", "body": "x"}},
        url="https://lumen.exchange/security",
    )
    zh = Client().get("/help/zh-hans/").content.decode()
    assert (
        "谨防假冒客服网站" in zh
        and "防钓鱼警示" in zh
        and 'href="https://lumen.exchange/security"' in zh
    )
    es = Client().get("/help/es/").content.decode()
    assert (
        '<div class="announcement announcement-critical" data-kind="phishing_wave" lang="en">' in es
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in es and "<script>alert(1)" not in es
    assert "Alerta de phishing" in es


@pytest.mark.django_db
def test_no_banner_without_a_help_center_announcement():
    _publish(surfaces=["widget", "console"])
    html = Client().get("/help/en/").content.decode()
    assert 'role="region" aria-label="Announcements"' not in html


# --- console ------------------------------------------------------------------------------------------


def _agent_client(demo, who="mei"):
    c = Client()
    c.force_login(demo.agents[who])
    return c


@pytest.mark.django_db
def test_the_console_shows_console_announcements_in_the_agents_language(demo):
    _publish()
    _publish(kind="maintenance", severity="info", surfaces=["help_center"],
             translations={"en": {"title": "Customers only", "body": ""}})  # fmt: skip
    mei = _agent_client(demo)
    html = mei.get("/console/").content.decode()
    assert 'class="announcement a-critical"' in html and "Fake support sites" in html
    assert "Customers only" not in html
    mei.post("/console/language/", {"language": "zh-hans", "next": "/console/"})
    html = mei.get("/console/announcements/").content.decode()
    assert "谨防假冒客服网站" in html and "防钓鱼警示" in html
    assert "kefu-boot" not in html  # the fragment is only the banner


@pytest.mark.django_db
def test_the_console_page_follows_the_announcement_stream_and_knows_the_next_change(demo):
    start = now() + timedelta(minutes=30)
    _publish(starts_at=start)
    html = _agent_client(demo).get("/console/").content.decode()
    assert "Fake support sites" not in html  # not yet
    assert f'data-next-change="{start.isoformat()}"' in html
    boot = json.loads(
        html.split('id="kefu-boot" type="application/json">')[1].split("</script>")[0]
    )
    assert "announcements:console" in boot["cursors"]


@pytest.mark.django_db
def test_the_announcement_fragment_needs_a_signed_in_agent(demo):
    assert Client().get("/console/announcements/").status_code == 302
    assert _agent_client(demo, "noor").get("/console/announcements/").status_code == 200
