from __future__ import annotations

import pytest

from kefu.contacts.actions import contact_merge, contact_merge_revert
from kefu.contacts.models import Contact, ContactEmail, Identity
from kefu.conversations.actions import message_receive
from kefu.conversations.models import Conversation
from kefu.core.actors import Actor
from kefu.core.errors import Conflict
from kefu.core.models import AuditRecord
from kefu.inboxes.adapters.base import InboundMessage

pytestmark = pytest.mark.django_db


def _snapshot(*contacts):
    return {
        str(c.pk): {
            "identities": sorted(
                str(i) for i in Identity.objects.filter(contact=c).values_list("pk", flat=True)
            ),
            "conversations": sorted(
                str(i) for i in Conversation.objects.filter(contact=c).values_list("pk", flat=True)
            ),
            "emails": sorted(
                ContactEmail.objects.filter(contact=c).values_list("email", "verified")
            ),
            "profile": Contact.objects.filter(pk=c.pk)
            .values(
                "name", "email", "exchange_uid", "vip_tier", "kyc_level", "country", "merged_into"
            )
            .get(),
        }
        for c in contacts
    }


def test_verified_exchange_uid_merges_an_email_contact_into_the_chat_contact(demo):
    wang = demo.contacts["wang"]  # chat contact with exchange UID 100284731
    email = demo.inboxes["email"]
    # Wang writes from a new email address first: a separate contact.
    r1 = message_receive(
        inbox=email,
        inbound=InboundMessage(
            identity="hao.w@mail.example", body="hello", email="hao.w@mail.example", thread="new"
        ),
    )
    stranger = r1.conversation.contact
    assert stranger.pk != wang.pk
    # Then the same identity arrives verified (e.g. the widget proved the UID): one customer.
    r2 = message_receive(
        inbox=email,
        inbound=InboundMessage(
            identity="hao.w@mail.example", body="it's me", exchange_uid="100284731"
        ),
    )
    assert r2.conversation.contact_id == wang.pk
    stranger.refresh_from_db()
    assert stranger.merged_into_id == wang.pk
    assert Conversation.objects.filter(pk=r1.conversation.pk, contact=wang).exists()
    assert AuditRecord.objects.filter(
        action="contact.merge", object_id=str(wang.pk), data__reason="verified exchange UID"
    ).exists()


def test_verified_email_merges(demo):
    fatima = demo.contacts["fatima"]
    ContactEmail.objects.filter(contact=fatima, email="fatima.k@example.ae").update(verified=True)
    api = demo.inboxes["api"]
    r = message_receive(
        inbox=api,
        inbound=InboundMessage(
            identity="app-fk",
            body="hi from the app",
            email="fatima.k@example.ae",
            verified_email=True,
        ),
    )
    assert r.conversation.contact_id == fatima.pk


def test_unverified_email_never_merges(demo):
    fatima = demo.contacts["fatima"]
    r = message_receive(
        inbox=demo.inboxes["api"],
        inbound=InboundMessage(
            identity="app-imposter", body="send me her data", email="fatima.k@example.ae"
        ),
    )
    assert r.conversation.contact_id != fatima.pk


def test_manual_merge_is_reversible_from_its_audit_record(demo):
    yuki, alex = demo.contacts["yuki"], demo.contacts["alex"]
    Contact.objects.filter(pk=yuki.pk).update(exchange_uid=None, country="")
    yuki.refresh_from_db()
    before = _snapshot(yuki, alex)
    audit = contact_merge(primary=yuki, secondary=alex, actor=Actor.of_agent(demo.agents["priya"]))
    yuki.refresh_from_db()
    assert yuki.exchange_uid == "100361554" and yuki.country == "RU"  # filled from the secondary
    assert not Conversation.objects.filter(contact=alex).exists()
    contact_merge_revert(audit=audit, actor=Actor.of_agent(demo.agents["priya"]))
    assert _snapshot(yuki, alex) == before
    with pytest.raises(Conflict, match="already reverted"):
        contact_merge_revert(audit=audit, actor=Actor.of_agent(demo.agents["priya"]))


def test_contacts_with_different_exchange_uids_do_not_merge(demo):
    with pytest.raises(Conflict, match="different exchange UIDs"):
        contact_merge(
            primary=demo.contacts["wang"], secondary=demo.contacts["james"], actor=Actor.system()
        )


def test_merge_and_revert_through_the_api(api_as, demo):
    api = api_as("priya")
    fatima, lucas = demo.contacts["fatima"], demo.contacts["lucas"]
    res = api.post(f"/api/v1/contacts/{fatima.pk}/merge", {"secondary_id": str(lucas.pk)})
    assert res.status_code == 200, res.content
    assert "lucas.s@example.br" in res.json()["contact"]["emails"]
    audit_id = res.json()["audit_id"]
    assert api_as("mei").post(f"/api/v1/contacts/merges/{audit_id}/revert").status_code == 403
    res = api.post(f"/api/v1/contacts/merges/{audit_id}/revert")
    assert res.status_code == 200
    assert {c["id"] for c in res.json()} == {str(fatima.pk), str(lucas.pk)}


def test_contact_profile_validation(api_as, demo):
    res = api_as("mei").patch(f"/api/v1/contacts/{demo.contacts['wang'].pk}", {"vip_tier": 12})
    assert res.status_code == 422 and res.json()["error"]["fields"][0]["field"] == "vip_tier"
