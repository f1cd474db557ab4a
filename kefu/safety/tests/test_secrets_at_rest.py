"""Secrets kefu keeps (inbox HMAC keys, webhook secrets, mail server passwords, 2FA seeds) are
encrypted at rest, stay usable, and follow a key rotation."""

from __future__ import annotations

import json
import re
import time

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from kefu.core.actors import Actor
from kefu.core.models import AuditRecord
from kefu.safety.crypto import encryption_key_new


def _everything_stored() -> str:
    """Every row of every table (sessions and queued tasks included), as text."""
    from django.contrib.sessions.models import Session

    chunks = []
    for model in apps.get_models():
        for row in model.objects.all().values():
            chunks.append(json.dumps(row, default=str, ensure_ascii=False))
    # Session data is signed base64, not encrypted: anyone with the database reads it.
    chunks += [json.dumps(s.get_decoded(), default=str) for s in Session.objects.all()]
    return "\n".join(chunks)


@pytest.mark.django_db
def test_no_secret_is_stored_in_clear(demo):
    from kefu.accounts.totp import totp_at
    from kefu.automation.actions import webhook_endpoint_create, webhook_secret_rotate
    from kefu.exchange.demo import DEMO_PASSWORD
    from kefu.inboxes.adapters.email.actions import email_inbox_configure
    from kefu.inboxes.models import Inbox

    clear = [i.signing_secret() for i in Inbox.objects.all()]
    endpoint, first = webhook_endpoint_create(
        name="CRM", url="https://hooks.example.com/", event_types=["*"], actor=Actor.system("t")
    )
    _, second = webhook_secret_rotate(endpoint=endpoint, actor=Actor.system("t"))
    password = "smtp-Pa55word-that-must-not-leak"
    email_inbox_configure(
        inbox=demo.inboxes["email"],
        data={
            "address": "support@lumen.exchange",
            "smtp": {"host": "smtp.lumen.exchange", "username": "kefu", "password": password},
        },
    )
    # 2FA enrolment through the sign-in page: the seed must not sit in the session either.
    c = Client()
    c.post("/login/", {"username": "mei@lumen.exchange", "password": DEMO_PASSWORD})
    from django.conf import settings

    settings.REQUIRE_2FA = True
    page = c.get("/login/2fa/").content.decode()
    seed = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    c.post("/login/2fa/", {"code": "000000"})  # a wrong code: still enrolling

    stored = _everything_stored()
    for secret in [*clear, first, second, password, seed]:
        assert secret not in stored
    assert len(clear) == 3 and totp_at(seed, time.time())  # a real seed was looked for

    with connection.cursor() as cur:
        cur.execute("SELECT secret_sealed FROM inboxes_inbox")
        assert all(value.startswith("enc1:") for (value,) in cur.fetchall())


@pytest.mark.django_db
def test_key_rotation_re_encrypts_every_secret(settings, capsys):
    from kefu.accounts.actions import agent_create
    from kefu.accounts.models import TwoFactor
    from kefu.accounts.security import two_factor_enrol_start
    from kefu.automation.actions import webhook_endpoint_create, webhook_secret_rotate
    from kefu.automation.models import WebhookEndpoint
    from kefu.inboxes.actions import inbox_create
    from kefu.inboxes.adapters.email.config import email_settings
    from kefu.inboxes.models import Inbox
    from kefu.safety.crypto import secret_decrypt

    old, new = encryption_key_new(), encryption_key_new()
    settings.ENCRYPTION_KEYS = [old]
    system = Actor.system("t")
    api_inbox = inbox_create(name="App", channel_type="api")
    inbox_secret = api_inbox.signing_secret()
    mail = inbox_create(
        name="Mail",
        channel_type="email",
        config={
            "email": {
                "address": "support@lumen.exchange",
                "smtp": {"host": "smtp.lumen.exchange", "username": "k", "password": "pw-1"},
            }
        },
    )
    agent = agent_create(email="rota@lumen.exchange", display_name="Rota")
    seed = two_factor_enrol_start(agent=agent).secret
    endpoint, before = webhook_endpoint_create(
        name="CRM", url="https://hooks.example.com/", event_types=["*"], actor=system
    )
    endpoint, current = webhook_secret_rotate(endpoint=endpoint, actor=system)

    settings.ENCRYPTION_KEYS = [new, old]
    call_command("safety", "rotate-keys")
    out = capsys.readouterr().out
    assert "inbox secrets: 2 re-encrypted, 0 unreadable" in out  # the API and mail inboxes
    assert "mail server passwords: 1 re-encrypted" in out
    assert "2FA seeds: 1 re-encrypted" in out
    assert "webhook secrets: 1 re-encrypted" in out
    assert "webhook previous secrets: 1 re-encrypted" in out
    audit = AuditRecord.objects.get(action="secrets.rotated")
    assert audit.data["inbox secrets"] == {"rotated": 2, "unreadable": 0}

    settings.ENCRYPTION_KEYS = [new]  # the old key is gone: everything still opens
    from django.utils import timezone

    assert Inbox.objects.get(pk=api_inbox.pk).signing_secret() == inbox_secret
    assert email_settings(Inbox.objects.get(pk=mail.pk).config).smtp.password() == "pw-1"
    assert secret_decrypt(TwoFactor.objects.get(agent=agent).secret) == seed
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).signing_secrets(at=timezone.now()) == [
        current,
        before,
    ]

    settings.ENCRYPTION_KEYS = [encryption_key_new()]  # a key that opens none of them
    with pytest.raises(CommandError, match="keep the old key"):
        call_command("safety", "rotate-keys")
    assert "inbox secrets: 0 re-encrypted, 2 unreadable" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_migration_encrypts_existing_inbox_secrets_and_they_keep_working():
    """Rows written in clear before 0003 are sealed by it; the exchange's user_hash and signed
    calls made with the secret it already has keep working."""
    from kefu.inboxes.adapters.widget import check_widget_session_open, user_hash_make
    from kefu.inboxes.models import Inbox
    from kefu.safety.signing import signature_make

    before, after = ("inboxes", "0002_email_transport"), ("inboxes", "0003_inbox_secret_sealed")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        old_apps = executor.loader.project_state([before]).apps
        OldInbox = old_apps.get_model("inboxes", "Inbox")
        widget = OldInbox.objects.create(name="Chat", channel_type="web_widget", secret="a" * 64)
        api = OldInbox.objects.create(name="App", channel_type="api", secret="b" * 64)

        executor = MigrationExecutor(connection)
        executor.migrate([after])
        with connection.cursor() as cur:
            cur.execute("SELECT secret_sealed FROM inboxes_inbox ORDER BY name")
            rows = [value for (value,) in cur.fetchall()]
        assert all(v.startswith("enc1:") and "aaaa" not in v and "bbbb" not in v for v in rows)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    inbox = Inbox.objects.get(pk=widget.pk)
    assert inbox.signing_secret() == "a" * 64
    session, _ = check_widget_session_open(
        inbox=inbox, uid="LM-100200", user_hash=user_hash_make(secret="a" * 64, uid="LM-100200")
    )
    assert session.exchange_uid == "LM-100200"

    body = json.dumps({"identity": "app-user-1", "body": "hello"}).encode()
    res = Client().post(
        f"/api/v1/inboxes/{api.pk}/messages",
        body,
        content_type="application/json",
        HTTP_X_KEFU_SIGNATURE=signature_make(secret="b" * 64, body=body),
    )
    assert res.status_code == 201, res.content


@pytest.mark.django_db(transaction=True)
def test_the_migration_can_be_reversed():
    from kefu.inboxes.actions import inbox_create

    inbox = inbox_create(name="Chat", channel_type="web_widget")
    clear = inbox.signing_secret()
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("inboxes", "0002_email_transport")])
        with connection.cursor() as cur:
            cur.execute("SELECT secret FROM inboxes_inbox")
            assert cur.fetchall() == [(clear,)]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_an_install_without_a_configured_key_can_move_to_one(settings):
    """Secrets sealed with the key derived from KEFU_SECRET_KEY open after KEFU_ENCRYPTION_KEY
    is set, and after rotate-keys they no longer depend on the secret key at all."""
    from kefu.inboxes.actions import inbox_create
    from kefu.inboxes.models import Inbox

    settings.ENCRYPTION_KEYS = []
    inbox = inbox_create(name="Chat", channel_type="web_widget")
    clear = inbox.signing_secret()
    settings.ENCRYPTION_KEYS = [encryption_key_new()]
    assert Inbox.objects.get(pk=inbox.pk).signing_secret() == clear
    call_command("safety", "rotate-keys")
    settings.SECRET_KEY = "a-different-secret-key-entirely"
    assert Inbox.objects.get(pk=inbox.pk).signing_secret() == clear
