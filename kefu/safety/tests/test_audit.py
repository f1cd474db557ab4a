"""The staff audit log: viewing a contact's personal data, overrides (see test_guard_wired)."""

from __future__ import annotations

import pytest

from kefu.core.models import AuditRecord

pytestmark = pytest.mark.django_db


def test_viewing_a_contact_is_audited_once_per_window(api_as, demo, client):
    wang = demo.contacts["wang"]
    mei = demo.agents["mei"]
    api = api_as("mei")
    assert api.get(f"/api/v1/contacts/{wang.pk}").status_code == 200
    assert api.get(f"/api/v1/contacts/{wang.pk}").status_code == 200
    rows = AuditRecord.objects.filter(action="contact.viewed", object_id=str(wang.pk))
    assert [(r.actor_id, r.data) for r in rows] == [(str(mei.pk), {"via": "api"})]

    client.force_login(demo.agents["ava"])
    c = demo.conversations["withdrawal_zh"]
    assert client.get(f"/console/conversations/{c.pk}/").status_code == 200
    assert rows.filter(actor_id=str(demo.agents["ava"].pk), data__via="console").count() == 1


def test_a_contact_list_search_is_not_a_viewing(api_as, demo):
    api_as("mei").get("/api/v1/contacts", {"q": "wang"})
    assert not AuditRecord.objects.filter(action="contact.viewed").exists()
