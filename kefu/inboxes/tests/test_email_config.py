"""Email inbox settings through the API and the admin: validated, passwords never shown."""

from __future__ import annotations

import pytest

from kefu.inboxes.models import ChannelType, Inbox

SETTINGS = {
    "address": "help@lumen.exchange",
    "brand": "Lumen Exchange",
    "imap": {
        "host": "imap.example.net",
        "security": "ssl",
        "username": "help@lumen.exchange",
        "password": "imap-s3cret-value",
        "folders": ["INBOX", "Escalations"],
    },
    "smtp": {
        "host": "smtp.example.net",
        "port": 587,
        "security": "starttls",
        "username": "help@lumen.exchange",
        "password": "smtp-s3cret-value",
    },
}


@pytest.fixture
def email_inbox(demo):
    return demo.inboxes["email"]


def test_settings_round_trip_without_passwords(api_as, email_inbox):
    api = api_as("ava")
    response = api.client.put(
        f"/api/v1/inboxes/{email_inbox.pk}/email",
        __import__("json").dumps(SETTINGS),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert b"s3cret" not in response.content
    body = response.json()
    assert body["imap"]["password_set"] is True and body["imap"]["port"] == 993
    assert body["smtp"]["password_set"] is True
    stored = Inbox.objects.get(pk=email_inbox.pk).config
    assert "s3cret" not in str(stored)  # sealed, not merely hidden
    got = api.get(f"/api/v1/inboxes/{email_inbox.pk}/email")
    assert got.status_code == 200 and b"s3cret" not in got.content

    from kefu.inboxes.adapters.email.config import email_settings

    settings = email_settings(stored)
    assert settings.imap.password() == "imap-s3cret-value"
    assert settings.smtp.password() == "smtp-s3cret-value"
    assert settings.imap.folders == ("INBOX", "Escalations")


def test_leaving_the_password_out_keeps_it_for_the_same_account(api_as, email_inbox):
    import json

    api = api_as("ava")
    url = f"/api/v1/inboxes/{email_inbox.pk}/email"
    api.client.put(url, json.dumps(SETTINGS), content_type="application/json")
    changed = json.loads(json.dumps(SETTINGS))
    del changed["imap"]["password"]
    changed["brand"] = "Lumen"
    assert (
        api.client.put(url, json.dumps(changed), content_type="application/json").status_code == 200
    )
    from kefu.inboxes.adapters.email.config import email_settings

    assert (
        email_settings(Inbox.objects.get(pk=email_inbox.pk).config).imap.password()
        == "imap-s3cret-value"
    )
    # Another server without a password: refused, the old password does not follow it.
    changed["imap"]["host"] = "imap.other.example"
    response = api.client.put(url, json.dumps(changed), content_type="application/json")
    assert response.status_code == 422


@pytest.mark.parametrize(
    "change",
    [
        {"address": "not-an-address"},
        {"address": "support+x@lumen.exchange"},
        {"imap": {**SETTINGS["imap"], "security": "tls1.0"}},
        {"imap": {**SETTINGS["imap"], "port": 70000}},
        {"imap": {**SETTINGS["imap"], "after_import": "move"}},
        {"smtp": {**SETTINGS["smtp"], "auth": "cram-md5"}},
    ],
)
def test_bad_settings_are_refused_and_change_nothing(api_as, email_inbox, change):
    import json

    before = Inbox.objects.get(pk=email_inbox.pk).config
    response = api_as("ava").client.put(
        f"/api/v1/inboxes/{email_inbox.pk}/email",
        json.dumps({**SETTINGS, **change}),
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    assert Inbox.objects.get(pk=email_inbox.pk).config == before


def test_only_admins_see_mail_server_settings(api_as, email_inbox):
    assert api_as("mei").get(f"/api/v1/inboxes/{email_inbox.pk}/email").status_code == 403


def test_creating_an_email_inbox_seals_its_passwords(api_as):
    response = api_as("ava").post(
        "/api/v1/inboxes",
        {
            "name": "Compliance mail",
            "channel_type": ChannelType.EMAIL,
            "config": {"email": SETTINGS},
        },
    )
    assert response.status_code == 201, response.content
    assert "s3cret" not in str(Inbox.objects.get(name="Compliance mail").config)


def test_admin_form_never_shows_the_password(client, demo, email_inbox):
    import json

    from kefu.inboxes.adapters.email.actions import email_inbox_configure

    email_inbox_configure(inbox=email_inbox, data=json.loads(json.dumps(SETTINGS)))
    client.force_login(demo.agents["ava"])
    page = client.get(f"/admin/inboxes/inbox/{email_inbox.pk}/change/")
    assert page.status_code == 200
    assert b"imap.example.net" in page.content
    assert b"s3cret" not in page.content
    sealed = Inbox.objects.get(pk=email_inbox.pk).config["email"]["imap"]["secret"]
    assert sealed.encode() not in page.content


def test_admin_form_saves_settings_and_keeps_the_password(client, demo, email_inbox):
    import json

    from kefu.inboxes.adapters.email.actions import email_inbox_configure
    from kefu.inboxes.adapters.email.config import email_settings

    email_inbox_configure(inbox=email_inbox, data=json.loads(json.dumps(SETTINGS)))
    client.force_login(demo.agents["ava"])
    form = {
        "name": email_inbox.name,
        "channel_type": "email",
        "config": json.dumps({"address": "support@lumen.exchange"}),
        "teams": [str(t.pk) for t in email_inbox.teams.all()],
        "enabled": "on",
        "email_address": "help@lumen.exchange",
        "email_brand": "Lumen Exchange",
        "email_acknowledge": "on",
        "imap_host": "imap.example.net",
        "imap_port": "993",
        "imap_security": "ssl",
        "imap_username": "help@lumen.exchange",
        "imap_auth": "password",
        "imap_password": "",
        "imap_verify_tls": "on",
        "imap_folders": "INBOX, Escalations, VIP",
        "imap_after_import": "flag",
        "smtp_host": "smtp.example.net",
        "smtp_port": "587",
        "smtp_security": "starttls",
        "smtp_username": "help@lumen.exchange",
        "smtp_auth": "password",
        "smtp_password": "new-smtp-s3cret",
    }
    response = client.post(f"/admin/inboxes/inbox/{email_inbox.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    settings = email_settings(Inbox.objects.get(pk=email_inbox.pk).config)
    assert settings.imap.folders == ("INBOX", "Escalations", "VIP")
    assert settings.imap.password() == "imap-s3cret-value"
    assert settings.smtp.password() == "new-smtp-s3cret"
