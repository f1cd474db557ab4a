"""Staff sign-in security: TOTP (RFC 6238), 2FA gate, lockout, audit, headers."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client

from kefu.accounts.models import TwoFactor
from kefu.accounts.totp import hotp, otpauth_uri, totp_at, totp_match
from kefu.core.models import AuditRecord
from kefu.exchange.demo import DEMO_PASSWORD
from kefu.safety.crypto import SecretUnreadable, secret_decrypt, secret_encrypt

RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # b"12345678901234567890" in base32


@pytest.mark.parametrize(
    ("t", "code"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
    ],
)
def test_rfc6238_sha1_vectors(t, code):
    import base64

    assert hotp(base64.b32decode(RFC_SECRET), t // 30, digits=8) == code


def test_match_accepts_one_step_of_drift_and_refuses_replay():
    now = 1_700_000_000.0
    code = totp_at(RFC_SECRET, now - 30)
    step = totp_match(RFC_SECRET, code, at=now, after_step=None)
    assert step == int(now) // 30 - 1
    assert totp_match(RFC_SECRET, code, at=now, after_step=step) is None  # replay
    assert totp_match(RFC_SECRET, totp_at(RFC_SECRET, now - 90), at=now, after_step=None) is None
    assert totp_match(RFC_SECRET, "12345", at=now, after_step=None) is None
    uri = otpauth_uri(RFC_SECRET, account="mei@lumen.exchange", issuer="Lumen Exchange")
    assert uri.startswith("otpauth://totp/Lumen%20Exchange:mei@lumen.exchange?secret=")


def test_secrets_at_rest_round_trip_and_rotate(settings):
    from kefu.safety.crypto import encryption_key_new, secret_rotate

    stored = secret_encrypt("imap-password-1")
    assert "imap-password-1" not in stored and secret_decrypt(stored) == "imap-password-1"
    old, new = encryption_key_new(), encryption_key_new()
    settings.ENCRYPTION_KEYS = [old]
    under_old = secret_encrypt("k")
    settings.ENCRYPTION_KEYS = [new, old]
    rotated = secret_rotate(under_old)
    settings.ENCRYPTION_KEYS = [new]
    assert secret_decrypt(rotated) == "k"
    with pytest.raises(SecretUnreadable):
        secret_decrypt(under_old)


def _shown_seed(page: str) -> str:
    match = re.search(r'id="totp-secret">([A-Z2-7]+)<', page)
    assert match, "the enrolment page shows the key"
    return match.group(1)


def _login(client: Client, who: str, password: str = DEMO_PASSWORD):
    return client.post("/login/", {"username": f"{who}@lumen.exchange", "password": password})


@pytest.mark.django_db
def test_required_2fa_enrols_then_asks_for_codes(demo, settings):
    settings.REQUIRE_2FA = True
    c = Client()
    assert _login(c, "mei").status_code == 302
    res = c.get("/console/")
    assert res.status_code == 302 and res["Location"].startswith("/login/2fa/")
    assert c.get("/api/v1/conversations").status_code == 401
    page = c.get("/login/2fa/").content.decode()
    assert "Set up two-factor" in page
    secret = _shown_seed(page)
    row = TwoFactor.objects.get(agent=demo.agents["mei"])
    assert secret not in row.secret  # encrypted at rest
    # Nor in the session, which the database keeps in clear.
    from django.contrib.sessions.models import Session

    assert not any(secret in str(s.get_decoded()) for s in Session.objects.all())
    bad = c.post("/login/2fa/", {"code": "000000"})
    assert bad.status_code == 200 and "not right" in bad.content.decode()
    assert _shown_seed(bad.content.decode()) == secret  # a wrong code shows the same seed
    ok = c.post("/login/2fa/", {"code": totp_at(secret, time.time()), "next": "/console/"})
    assert ok.status_code == 302 and ok["Location"] == "/console/"
    assert c.get("/console/").status_code == 200
    assert c.get("/api/v1/conversations").status_code == 200
    assert AuditRecord.objects.filter(
        action="2fa.enabled", object_id=str(demo.agents["mei"].pk)
    ).exists()

    # Next sign-in: a code, not enrolment; the same code cannot be used twice.
    c2 = Client()
    _login(c2, "mei")
    assert "Enter your 2FA code" in c2.get("/login/2fa/").content.decode()
    reused = c2.post("/login/2fa/", {"code": totp_at(secret, time.time())})
    assert reused.status_code == 200
    assert c2.get("/console/").status_code == 302


@pytest.mark.django_db
def test_enrolled_agent_needs_code_even_when_not_required(demo, settings):
    from kefu.accounts.security import two_factor_check, two_factor_enrol_start

    enrolment = two_factor_enrol_start(agent=demo.agents["sam"])
    assert two_factor_check(agent=demo.agents["sam"], code=totp_at(enrolment.secret, time.time()))
    c = Client()
    _login(c, "sam")
    assert c.get("/console/").status_code == 302
    c2 = Client()
    _login(c2, "lucia")  # not enrolled, not required
    assert c2.get("/console/").status_code == 200


@pytest.mark.django_db
def test_lockout_after_repeated_failures_even_with_the_right_password(demo, settings):
    settings.LOGIN_MAX_FAILURES = 3
    c = Client()
    for _ in range(3):
        res = _login(c, "mei", "wrong-password")
        assert res.status_code == 200 and "match an active agent" in res.content.decode()
    res = _login(c, "mei")
    assert res.status_code == 200
    assert "Too many failed sign-ins" in res.content.decode()
    assert "_auth_user_id" not in c.session
    assert AuditRecord.objects.filter(action="login.locked").exists()
    # Another account from elsewhere is unaffected.
    assert _login(Client(REMOTE_ADDR="10.0.0.9"), "sam").status_code == 302


@pytest.mark.django_db
def test_lockout_ends_after_the_window(demo, settings):
    from datetime import timedelta

    from kefu.accounts.models import LoginThrottle

    settings.LOGIN_MAX_FAILURES = 2
    c = Client()
    _login(c, "mei", "nope")
    _login(c, "mei", "nope")
    assert "Too many" in _login(c, "mei").content.decode()
    LoginThrottle.objects.update(
        locked_until=None,
        window_started_at=LoginThrottle.objects.first().window_started_at - timedelta(hours=1),
    )
    assert _login(c, "mei").status_code == 302
    assert not LoginThrottle.objects.filter(key="email:mei@lumen.exchange").exists()


@pytest.mark.django_db
def test_admin_login_is_throttled_too(demo, settings):
    settings.LOGIN_MAX_FAILURES = 2
    c = Client()
    for _ in range(2):
        c.post("/admin/login/", {"username": "ava@lumen.exchange", "password": "x"})
    res = c.post("/admin/login/", {"username": "ava@lumen.exchange", "password": DEMO_PASSWORD})
    assert res.status_code == 200 and "Too many failed sign-ins" in res.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/verify/", "/console/"])
def test_secure_headers_and_csp(demo, path):
    c = Client()
    if path != "/login/":
        c.force_login(demo.agents["ava"])
    res = c.get(path)
    assert res.status_code == 200
    csp = res["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert res["X-Frame-Options"] == "DENY"
    assert res["X-Content-Type-Options"] == "nosniff"
    assert res["Referrer-Policy"] == "same-origin"
    assert res["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_session_cookie_is_httponly_and_samesite(demo):
    c = Client()
    _login(c, "mei")
    cookie = c.cookies["kefu_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


@pytest.mark.django_db(transaction=True)
def test_console_websocket_needs_the_2fa_step_too(demo, settings):
    import asyncio

    from channels.testing.websocket import WebsocketCommunicator

    from kefu.asgi import application
    from kefu.realtime.publisher import publisher_detach

    settings.REQUIRE_2FA = True
    c = Client()
    _login(c, "mei")
    cookie = f"kefu_session={c.cookies['kefu_session'].value}"

    async def connect() -> bool:
        ws = WebsocketCommunicator(
            application,
            "/ws/console/",
            headers=[(b"cookie", cookie.encode()), (b"origin", b"http://testserver")],
        )
        ok, _ = await ws.connect()
        if not ok:
            return False
        msg = await ws.receive_output(timeout=2)
        await ws.disconnect()
        return msg.get("type") == "websocket.send" and '"hello"' in msg.get("text", "")

    try:
        assert asyncio.run(connect()) is False
        page = c.get("/login/2fa/")  # starts enrolment
        assert page.status_code == 200
        secret = _shown_seed(page.content.decode())
        assert c.post("/login/2fa/", {"code": totp_at(secret, time.time())}).status_code == 302
        cookie = f"kefu_session={c.cookies['kefu_session'].value}"
        assert asyncio.run(connect()) is True
    finally:
        publisher_detach()


@pytest.mark.django_db
def test_admin_resets_a_lost_device_and_it_is_audited(demo):
    from kefu.accounts.security import two_factor_check, two_factor_enrol_start

    sam = demo.agents["sam"]
    enrolment = two_factor_enrol_start(agent=sam)
    assert two_factor_check(agent=sam, code=totp_at(enrolment.secret, time.time()))
    c = Client()
    c.force_login(demo.agents["ava"])
    c.session.save()
    res = c.post(
        "/admin/accounts/agent/",
        {"action": "two_factor_reset", "_selected_action": [str(sam.pk)]},
    )
    assert res.status_code == 302
    assert not TwoFactor.objects.filter(agent=sam).exists()
    assert AuditRecord.objects.filter(action="2fa.disabled", object_id=str(sam.pk)).exists()
