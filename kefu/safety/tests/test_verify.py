"""Official-channel verification: /verify/ and GET /api/v1/verify."""

from __future__ import annotations

import pytest
from django.test import Client

from kefu.safety.actions import official_channel_add

pytestmark = pytest.mark.django_db


def check(kind: str, value: str) -> dict:
    res = Client().get("/api/v1/verify", {"kind": kind, "value": value})
    assert res.status_code == 200, res.content
    return res.json()


@pytest.mark.parametrize(
    ("kind", "value", "normalized"),
    [
        ("website", "https://www.lumen.exchange/login?next=/", "lumen.exchange"),
        ("website", "app.lumen.exchange", "app.lumen.exchange"),
        ("website", "LUMENEX.COM.", "lumenex.com"),
        ("email", "Support@Lumen.Exchange", "support@lumen.exchange"),
        ("email", "kyc-team@lumen.exchange", "kyc-team@lumen.exchange"),  # via *@lumen.exchange
        ("telegram", "https://t.me/LumenExchange", "lumenexchange"),
        ("telegram", "@lumensupportbot", "lumensupportbot"),
        ("x", "https://x.com/LumenSupport", "lumensupport"),
        ("x", "@LumenExchange", "lumenexchange"),
        ("phone", "+44 (20) 7946-0321", "+442079460321"),
        ("phone", "0065 6800 1234", "+6568001234"),
    ],
)
def test_official_channels_are_confirmed(demo, kind, value, normalized):
    out = check(kind, value)
    assert out["official"] is True and out["value"] == normalized


@pytest.mark.parametrize(
    ("kind", "value", "imitates"),
    [
        ("website", "https://lumen-exchange-support.com/", "lumen.exchange"),
        ("website", "lumen.exchange.account-verify.net", "lumen.exchange"),
        ("website", "https://xn--lmen-exchange-wob.com", "lumen.exchange"),
        ("email", "support@lumen-exchange.help", "lumen.exchange"),
        ("website", "example.org", None),
        ("telegram", "@LumenExchange_Support", None),
        ("x", "@LumenSupport1", None),
        ("phone", "+44 20 7946 0999", None),
    ],
)
def test_everything_else_is_not_official_and_lookalikes_say_what_they_imitate(
    demo, kind, value, imitates
):
    out = check(kind, value)
    assert out["official"] is False
    assert out["lookalike_of"] == imitates


def test_agent_support_ids(demo):
    mei = demo.agents["mei"]
    out = check("agent", mei.support_id.lower().replace("-", ""))
    assert out == {
        "kind": "agent",
        "value": mei.support_id,
        "official": True,
        "label": "Mei Lin",
        "lookalike_of": None,
        "reasons": [],
    }
    assert check("agent", "LS-99999")["official"] is False
    from kefu.accounts.models import Agent

    Agent.objects.filter(pk=mei.pk).update(is_active=False)
    assert check("agent", mei.support_id)["official"] is False


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("email", "not-an-email"),
        ("phone", "call me"),
        ("telegram", "@a b"),
        ("nope", "x"),
        ("agent", "hello"),
    ],
)
def test_bad_input_gets_a_clear_error(demo, kind, value):
    res = Client().get("/api/v1/verify", {"kind": kind, "value": value})
    assert res.status_code == 422
    assert res.json()["error"]["code"] == "validation_error"


def test_inactive_entries_are_not_official(demo):
    from kefu.safety.models import OfficialChannel

    OfficialChannel.objects.filter(kind="x", value="lumensupport").update(active=False)
    assert check("x", "@LumenSupport")["official"] is False
    official_channel_add(kind="x", value="@LumenSupport", label="Support")
    assert check("x", "@LumenSupport")["official"] is True


@pytest.mark.parametrize(
    ("lang", "ok", "bad"),
    [
        ("en", "Official", "Not official"),
        ("zh-hans", "官方渠道", "非官方"),
        ("es", "Oficial", "No es oficial"),
    ],
)
def test_page_is_localized_and_answers(demo, lang, ok, bad):
    c = Client()
    page = c.get("/verify/", {"lang": lang, "kind": "website", "value": "lumen.exchange"})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<html lang="{lang}"' in html and ok in html and 'class="result result-ok"' in html
    html = c.get(
        "/verify/", {"lang": lang, "kind": "website", "value": "lumen-exchange-support.com"}
    ).content.decode()
    assert bad in html and 'class="result result-bad"' in html and "lumen.exchange" in html


def test_page_without_a_question_lists_official_sites(demo):
    html = Client().get("/verify/").content.decode()
    assert (
        "lumenex.com" in html
        and "result" not in html.split('<section class="cards">')[0].split("</form>")[1]
    )


def test_page_explains_bad_input_in_the_visitors_language(demo):
    html = Client().get("/verify/", {"lang": "es", "kind": "phone", "value": "llámame"}).content
    assert "formato internacional" in html.decode()
    res = Client().get("/api/v1/verify", {"kind": "phone", "value": "x"})
    assert "international format" in res.json()["error"]["message"]
