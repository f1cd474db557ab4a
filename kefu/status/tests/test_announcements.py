"""Announcements: who may publish what, where and when they show, in which language, and what
the live streams and the audit log get."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kefu.core.actors import Actor
from kefu.core.clock import now
from kefu.core.errors import PermissionDenied, ValidationFailed
from kefu.core.events import event_log_since
from kefu.core.models import AuditRecord, EventStream
from kefu.safety.actions import GuardBlocked
from kefu.status.actions import announcement_publish, announcement_update, announcement_withdraw
from kefu.status.selectors import (
    MAX_SHOWN,
    _published,
    announcement_stream,
    announcements_active,
    announcements_for_help_center,
    announcements_for_widget,
    announcements_next_change,
)

pytestmark = pytest.mark.django_db

TEXTS = {
    "en": {"title": "Fake support sites", "body": "We never ask for your password."},
    "zh-Hans": {"title": "谨防假冒客服网站", "body": "我们绝不会索要您的密码。"},
    "es": {"title": "Sitios de soporte falsos", "body": "Nunca te pediremos tu contraseña."},
}


def _publish(system, **kw):
    args = {
        "kind": "phishing_wave",
        "severity": "critical",
        "translations": TEXTS,
        "surfaces": ["widget", "help_center", "console"],
        **kw,
    }
    return announcement_publish(actor=system, **args)


def _titles(surface, language="en", at=None):
    return [a.title for a in announcements_active(surface=surface, language=language, at=at)]


def _seq(stream):
    return EventStream.objects.filter(key=stream).values_list("last_seq", flat=True).first() or 0


# --- where and in which language ---------------------------------------------------------------


def test_it_shows_only_on_the_surfaces_chosen(system):
    _publish(system, surfaces=["help_center"])
    assert _titles("help_center") == ["Fake support sites"]
    assert _titles("widget") == [] and _titles("console") == []


@pytest.mark.parametrize(
    ("language", "title", "shown_in"),
    [
        ("zh-Hans", "谨防假冒客服网站", "zh-Hans"),
        ("zh-hans", "谨防假冒客服网站", "zh-Hans"),  # the console's (Django's) lowercase form
        ("zh-Hant", "谨防假冒客服网站", "zh-Hans"),  # traditional readers get simplified first
        ("es-MX", "Sitios de soporte falsos", "es"),
        ("ja", "Fake support sites", "en"),  # no Japanese text: English
        ("", "Fake support sites", "en"),
        ("xx-nonsense", "Fake support sites", "en"),
    ],
)
def test_the_reader_gets_their_language_else_the_fallback(system, language, title, shown_in):
    _publish(system)
    (shown,) = announcements_active(surface="widget", language=language)
    assert (shown.title, shown.language) == (title, shown_in)


def test_the_widget_session_gets_only_its_language_in_the_event_shape(system):
    a = _publish(system)
    (row,) = announcements_for_widget(language="zh-Hant")
    assert row["id"] == a.pk and set(row["surfaces"]) == {"widget", "help_center", "console"}
    assert row["translations"] == {"zh-Hant": TEXTS["zh-Hans"]}


def test_help_center_rows_carry_the_level_for_the_banner(system):
    _publish(system, url="", severity="warning")
    (row,) = announcements_for_help_center(language="es")
    assert row["level"] == "warning" and row["title"] == "Sitios de soporte falsos"
    assert row["kind"] == "phishing_wave" and row["url"] == ""


def test_most_severe_first_and_at_most_a_few(system):
    _publish(
        system,
        severity="info",
        kind="maintenance",
        translations={"en": {"title": "Maintenance", "body": ""}},
    )
    _publish(system, severity="critical")
    for n in range(MAX_SHOWN):
        _publish(
            system,
            severity="warning",
            kind="general",
            translations={"en": {"title": f"Notice {n}", "body": ""}},
        )
    titles = _titles("widget")
    assert titles[0] == "Fake support sites" and len(titles) == MAX_SHOWN
    assert "Maintenance" not in titles


# --- when ------------------------------------------------------------------------------------------


def test_the_window_opens_at_starts_at_and_closes_at_ends_at(system):
    start = now() + timedelta(hours=1)
    end = start + timedelta(hours=2)
    _publish(system, starts_at=start, ends_at=end)
    assert _titles("widget") == []
    assert _titles("widget", at=start - timedelta(seconds=1)) == []
    assert _titles("widget", at=start) == ["Fake support sites"]
    assert _titles("widget", at=end - timedelta(seconds=1)) == ["Fake support sites"]
    assert _titles("widget", at=end) == []
    assert announcements_next_change(surface="widget") == start
    assert announcements_next_change(surface="widget", at=start) == end


def test_a_draft_shows_nowhere_until_published(system):
    a = _publish(system, draft=True)
    assert _titles("widget") == [] and a.published is False
    announcement_update(announcement=a, actor=system, published=True)
    assert _titles("widget") == ["Fake support sites"]


def test_withdraw_stops_it_at_once_everywhere(system):
    a = _publish(system)
    assert _titles("help_center")  # the cache is warm now
    announcement_withdraw(announcement=a, actor=system)
    assert _titles("help_center") == [] and _titles("widget") == [] and _titles("console") == []
    a.refresh_from_db()
    assert a.published is False and a.withdrawn_at is not None
    before = _seq(announcement_stream("widget"))
    announcement_withdraw(announcement=a, actor=system)  # again: nothing happens
    assert _seq(announcement_stream("widget")) == before


def test_a_warm_surface_costs_no_query(system, django_assert_num_queries):
    _publish(system)
    announcements_active(surface="help_center", language="en")
    with django_assert_num_queries(0):
        assert _titles("help_center", "zh-Hans") == ["谨防假冒客服网站"]


# --- what is refused ----------------------------------------------------------------------------


def test_english_is_required(system):
    with pytest.raises(ValidationFailed) as exc:
        _publish(system, translations={"zh-Hans": TEXTS["zh-Hans"]})
    assert exc.value.field == "translations.en"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"translations": {**TEXTS, "klingon": {"title": "x", "body": ""}}},
            "translations.klingon",
        ),
        ({"translations": {"en": {"title": "", "body": "no title"}}}, "translations.en.title"),
        ({"translations": {"en": {"title": "x" * 121, "body": ""}}}, "translations.en.title"),
        ({"surfaces": []}, "surfaces"),
        ({"surfaces": ["billboard"]}, "surfaces"),
        ({"kind": "party"}, "kind"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"ends_at": now() - timedelta(minutes=1)}, "ends_at"),
        ({"starts_at": now() + timedelta(days=2), "ends_at": now() + timedelta(days=1)}, "ends_at"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "https://user:pw@lumen.exchange/"}, "url"),
    ],
)
def test_bad_input_is_refused_and_stores_nothing(system, official, change, field):
    from kefu.status.models import Announcement

    with pytest.raises(ValidationFailed) as exc:
        _publish(system, **change)
    assert exc.value.field == field
    assert not Announcement.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://lumen-exchange.com/security",
        "https://lumen.exchange.evil.io/",
        "https://bit.ly/x",
        "https://xn--lumn-exchange-9hb.com/",
    ],
)
def test_the_link_must_be_official(system, official, url):
    with pytest.raises(ValidationFailed) as exc:
        _publish(system, url=url)
    assert exc.value.code == "unofficial_link"


def test_an_official_link_or_subdomain_is_kept(system, official):
    a = _publish(system, url="https://help.lumen.exchange/security/phishing")
    (row,) = announcements_for_help_center(language="en")
    assert a.url == row["url"] == "https://help.lumen.exchange/security/phishing"


@pytest.mark.parametrize(
    "body",
    [
        "To keep your account safe, please send us your seed phrase here.",
        "请把您的助记词发给我们核实。",
        "Install AnyDesk so our security team can check your wallet.",
    ],
)
def test_a_notice_that_asks_for_a_secret_is_blocked(system, body):
    with pytest.raises(GuardBlocked) as exc:
        _publish(system, translations={"en": {"title": "Account check", "body": body}})
    assert exc.value.violations


def test_naming_the_fake_domains_is_allowed(system):
    a = _publish(
        system,
        translations={
            "en": {
                "title": "Phishing wave",
                "body": "lumen-exchange-support.com and lumen-secure.net are NOT ours. Never share your 2FA code with anyone.",
            }
        },
    )
    assert a.published


def test_agents_and_analysts_may_not_publish_supervisors_may(demo):
    for who in ("mei", "noor"):
        with pytest.raises(PermissionDenied):
            _publish(Actor.of_agent(demo.agents[who]))
    a = _publish(Actor.of_agent(demo.agents["priya"]))
    assert a.created_by == demo.agents["priya"]


# --- events and audit ------------------------------------------------------------------------------


def _events(surface, after):
    return [
        (e["type"], e["payload"])
        for e in event_log_since(stream=announcement_stream(surface), after_seq=after)
    ]


def test_each_live_stream_hears_what_changed_for_it(system):
    widget, console = (_seq(announcement_stream(s)) for s in ("widget", "console"))
    a = _publish(system, surfaces=["widget", "help_center"])
    [(kind, payload)] = _events("widget", widget)
    assert kind == "announcement.published" and payload["announcement"]["id"] == str(a.pk)
    assert "created_by" not in payload["announcement"]  # the stream reaches customers
    assert _events("console", console) == []

    widget = _seq(announcement_stream("widget"))
    announcement_update(
        announcement=a, actor=system, surfaces=["console", "help_center"], severity="warning"
    )
    assert _events("widget", widget) == [("announcement.withdrawn", {"id": str(a.pk)})]
    [(kind, payload)] = _events("console", console)
    assert kind == "announcement.published" and payload["announcement"]["severity"] == "warning"

    console = _seq(announcement_stream("console"))
    announcement_update(
        announcement=a, actor=system, translations={"en": {"title": "New", "body": ""}}
    )
    [(kind, payload)] = _events("console", console)
    assert (
        kind == "announcement.updated"
        and payload["announcement"]["translations"]["en"]["title"] == "New"
    )


def test_a_help_center_only_notice_reaches_no_stream(system):
    before = {s: _seq(announcement_stream(s)) for s in ("widget", "console", "help_center")}
    _publish(system, surfaces=["help_center"])
    assert {s: _seq(announcement_stream(s)) for s in before} == before


def test_replaying_the_widget_stream_equals_fetching_fresh(system):
    """What the widget does with its stream (id -> announcement; withdrawn removes) gives what
    a fresh session would get."""
    kept = _publish(system, surfaces=["widget"])
    old = {r["id"]: r for r in _published("widget")}
    after = _seq(announcement_stream("widget"))
    gone = _publish(system, kind="maintenance", surfaces=["widget"])
    announcement_update(
        announcement=kept, actor=system, translations={"en": {"title": "Changed", "body": "x"}}
    )
    announcement_update(announcement=gone, actor=system, surfaces=["console"])
    third = _publish(system, kind="general", surfaces=["widget", "console"])
    announcement_withdraw(announcement=third, actor=system)
    fourth = _publish(system, kind="security", surfaces=["widget"], draft=True)
    announcement_update(announcement=fourth, actor=system, published=True)

    view = {str(k): {**v, "id": str(v["id"])} for k, v in old.items()}
    for e in event_log_since(stream=announcement_stream("widget"), after_seq=after):
        if e["type"] == "announcement.withdrawn":
            view.pop(e["payload"]["id"], None)
        else:
            view[e["payload"]["announcement"]["id"]] = e["payload"]["announcement"]
    from kefu.core.events import AnnouncementState

    fresh = {
        str(r["id"]): AnnouncementState(**r).model_dump(mode="json") for r in _published("widget")
    }
    assert view == fresh and set(fresh) == {str(kept.pk), str(fourth.pk)}


def test_every_write_is_audited_with_who_did_it(demo):
    priya = Actor.of_agent(demo.agents["priya"])
    a = _publish(priya)
    announcement_update(announcement=a, actor=priya, severity="warning")
    announcement_withdraw(announcement=a, actor=priya)
    rows = list(AuditRecord.objects.filter(object_id=str(a.pk)).order_by("created_at"))
    assert [r.action for r in rows] == [
        "announcement.published",
        "announcement.updated",
        "announcement.withdrawn",
    ]
    assert {r.actor_id for r in rows} == {str(demo.agents["priya"].pk)}
    assert rows[1].data["changed"] == ["severity"]
