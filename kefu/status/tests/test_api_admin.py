"""The announcements API (public read, supervisors' CRUD) and the admin form."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from kefu.core.clock import now
from kefu.status.models import Announcement

pytestmark = pytest.mark.django_db

NEW = {
    "kind": "maintenance",
    "severity": "warning",
    "surfaces": ["widget", "help_center"],
    "translations": {
        "en": {"title": "Scheduled maintenance", "body": "Deposits pause 02:00–03:00 UTC."},
        "zh-hans": {"title": "系统维护通知", "body": "充值将于 UTC 02:00–03:00 暂停。"},
    },
}


def test_a_supervisor_publishes_changes_and_withdraws_over_the_api(demo, api_as):
    api = api_as("priya")
    res = api.post("/api/v1/announcements", {**NEW, "url": "https://lumen.exchange/status"})
    assert res.status_code == 201, res.content
    body = res.json()
    assert (
        body["state"] == "active"
        and body["created_by"]["display_name"] == demo.agents["priya"].display_name
    )
    assert set(body["translations"]) == {"en", "zh-Hans"}  # tags in their canonical case
    aid = body["id"]

    public = Client().get(
        "/api/v1/announcements/active", {"surface": "help_center", "lang": "zh-Hans"}
    )
    assert [i["title"] for i in public.json()["items"]] == ["系统维护通知"]

    res = api.patch(f"/api/v1/announcements/{aid}", {"severity": "critical", "ends_at": None})
    assert res.status_code == 200 and res.json()["severity"] == "critical"
    assert [
        a["id"] for a in api.get("/api/v1/announcements", {"state": "active"}).json()["items"]
    ] == [aid]

    res = api.post(f"/api/v1/announcements/{aid}/withdraw")
    assert res.status_code == 200 and res.json()["state"] == "withdrawn"
    assert (
        Client().get("/api/v1/announcements/active", {"surface": "help_center"}).json()["items"]
        == []
    )
    assert api.get("/api/v1/announcements", {"state": "active"}).json()["items"] == []
    assert [
        a["id"] for a in api.get("/api/v1/announcements", {"state": "withdrawn"}).json()["items"]
    ] == [aid]

    res = api.patch(f"/api/v1/announcements/{aid}", {"published": True})
    assert res.json()["state"] == "active"


def test_drafts_and_scheduled_ones_are_listed_by_state(demo, api_as):
    api = api_as("ava")
    draft = api.post("/api/v1/announcements", {**NEW, "publish": False}).json()
    later = api.post(
        "/api/v1/announcements", {**NEW, "starts_at": (now() + timedelta(hours=3)).isoformat()}
    ).json()
    assert (draft["state"], later["state"]) == ("draft", "scheduled")
    states = {
        s: [a["id"] for a in api.get("/api/v1/announcements", {"state": s}).json()["items"]]
        for s in ("draft", "scheduled", "active")
    }
    assert states == {"draft": [draft["id"]], "scheduled": [later["id"]], "active": []}
    assert Client().get("/api/v1/announcements/active").json()["items"] == []


def test_the_list_pages_with_a_cursor(demo, api_as):
    api = api_as("ava")
    ids = [api.post("/api/v1/announcements", NEW).json()["id"] for _ in range(5)]
    first = api.get("/api/v1/announcements", {"limit": 2}).json()
    second = api.get("/api/v1/announcements", {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = api.get("/api/v1/announcements", {"limit": 2, "cursor": second["next_cursor"]}).json()
    seen = [a["id"] for page in (first, second, third) for a in page["items"]]
    assert seen == ids[::-1] and third["next_cursor"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"translations": {"de": {"title": "Wartung", "body": ""}}}, "translations.en"),
        ({"url": "https://lumen-exchange-support.com/"}, "url"),
        ({"surfaces": []}, "surfaces"),
        ({"kind": "party"}, "kind"),
    ],
)
def test_bad_input_names_the_field(demo, api_as, change, field):
    res = api_as("ava").post("/api/v1/announcements", {**NEW, **change})
    assert res.status_code == 422
    assert field in {f["field"] for f in res.json()["error"].get("fields", [])} | {
        res.json()["error"].get("field")
    }
    assert not Announcement.objects.exists()


def test_a_text_asking_for_a_secret_is_refused_with_the_guard_verdict(demo, api_as):
    res = api_as("ava").post(
        "/api/v1/announcements",
        {
            **NEW,
            "translations": {
                "en": {
                    "title": "Verify your account",
                    "body": "Reply with your 2FA code so we can verify you.",
                }
            },
        },
    )
    assert res.status_code == 422
    assert res.json()["error"]["code"] == "guard_blocked" and res.json()["error"]["violations"]


def test_the_public_read_is_cacheable_cross_origin_and_never_shows_console_notices(demo, api_as):
    api_as("ava").post("/api/v1/announcements", {**NEW, "surfaces": ["console"]})
    res = Client().get("/api/v1/announcements/active", {"surface": "widget", "lang": "en"})
    assert res.status_code == 200 and res.json() == {"items": []}
    assert (
        res["Cache-Control"] == "public, max-age=15" and res["Access-Control-Allow-Origin"] == "*"
    )
    refused = Client().get("/api/v1/announcements/active", {"surface": "console"})
    assert refused.status_code == 422
    assert Client().get("/api/v1/announcements/active", {"lang": "klingon"}).status_code == 422


# --- admin -------------------------------------------------------------------------------------


def _admin_post(client, **extra):
    data = {
        "kind": "phishing_wave",
        "severity": "critical",
        "surfaces": ["widget", "console"],
        "publish": "on",
        "starts_at_0": "",
        "starts_at_1": "",
        "ends_at_0": "",
        "ends_at_1": "",
        "url": "",
        "title_en": "Fake Lumen apps",
        "body_en": "Only install Lumen from our site.",
        "title_zh_Hans": "谨防假冒 App",
        "body_zh_Hans": "",
        **extra,
    }
    return client.post("/admin/status/announcement/add/", data)


def test_the_admin_form_publishes_through_the_action(demo):
    from kefu.core.models import AuditRecord
    from kefu.status.selectors import announcements_active

    c = Client()
    c.force_login(demo.agents["priya"])  # supervisors manage announcements too
    form = c.get("/admin/status/announcement/add/").content.decode()
    # A new announcement starts published, on every surface.
    assert re.search(r'<input type="checkbox" name="publish"[^>]* checked', form)
    assert len(re.findall(r'<input type="checkbox" name="surfaces"[^>]* checked', form)) == 3
    res = _admin_post(c)
    assert res.status_code == 302, res.content.decode()[:3000]
    a = Announcement.objects.get()
    assert a.translations == {
        "en": {"title": "Fake Lumen apps", "body": "Only install Lumen from our site."},
        "zh-Hans": {"title": "谨防假冒 App", "body": ""},
    }
    assert [x.title for x in announcements_active(surface="console", language="zh-hans")] == [
        "谨防假冒 App"
    ]
    assert AuditRecord.objects.filter(action="announcement.published", object_id=str(a.pk)).exists()
    page = c.get(f"/admin/status/announcement/{a.pk}/change/").content.decode()
    assert "Fake Lumen apps" in page and "谨防假冒 App" in page


def test_the_admin_form_shows_refusals_on_their_fields_and_saves_nothing(demo):
    c = Client()
    c.force_login(demo.agents["ava"])
    res = _admin_post(c, url="https://lumen-exchange-support.com/login")
    assert res.status_code == 200 and "not an official domain" in res.content.decode()
    res = _admin_post(c, body_en="Send us your seed phrase to unlock your account.")
    assert res.status_code == 200 and "seed phrase" in res.content.decode().lower()
    assert not Announcement.objects.exists()


def test_agents_do_not_get_the_admin(demo):
    c = Client()
    c.force_login(demo.agents["mei"])
    assert c.get("/admin/status/announcement/add/").status_code == 302  # to the admin login
