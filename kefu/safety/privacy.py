"""Contact data export and erasure (GDPR articles 15, 17 and 20), and retention.

Export is everything kefu holds about one customer, as JSON. Erasure keeps the support record
(conversations, their numbers, statuses and the agents' side) but removes what identifies the
customer: profile, addresses, channel identities, the customer's own words and files. What
was erased is audited by counts, never by content.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from kefu.contacts.models import Contact
from kefu.conversations.models import Attachment, Conversation, Message
from kefu.core.actors import Actor
from kefu.core.clock import now
from kefu.core.errors import Conflict
from kefu.safety.actions import audit_record
from kefu.safety.models import AntiPhishingCode

ERASED = "[erased]"


def contact_export(*, contact: Contact, actor: Actor) -> dict[str, Any]:
    """Everything about the contact a customer may ask for (notes and audit stay internal)."""
    conversations = []
    for c in Conversation.objects.filter(contact=contact).order_by("created_at"):
        messages = [
            {
                "at": m.created_at.isoformat(),
                "direction": m.direction,
                "from": "you" if m.author_contact_id else "support",
                "body": m.body,
                "attachments": [a.filename for a in m.attachments.all()],
            }
            for m in c.messages.filter(private=False)
            .exclude(direction="activity")
            .prefetch_related("attachments")
        ]
        conversations.append(
            {
                "number": c.number,
                "channel": c.inbox.channel_type,
                "subject": c.subject,
                "status": c.status,
                "opened_at": c.created_at.isoformat(),
                "messages": messages,
            }
        )
    data = {
        "contact": {
            "id": str(contact.pk),
            "name": contact.name,
            "email": contact.email,
            "emails": list(contact.emails.values_list("email", flat=True)),
            "phone": contact.phone,
            "preferred_language": contact.preferred_language,
            "timezone": contact.timezone,
            "exchange_uid": contact.exchange_uid,
            "vip_tier": contact.vip_tier,
            "kyc_level": contact.kyc_level,
            "country": contact.country,
            "custom_attributes": contact.custom_attributes,
            "identities": [
                {"channel": i.inbox.channel_type, "id": i.external_id}
                for i in contact.identities.select_related("inbox")
            ],
            "anti_phishing_code_set": AntiPhishingCode.objects.filter(contact=contact).exists(),
            "created_at": contact.created_at.isoformat(),
        },
        "conversations": conversations,
        "exported_at": now().isoformat(),
    }
    audit_record(
        actor=actor,
        action="contact.exported",
        object_type="contact",
        object_id=str(contact.pk),
        data={"conversations": len(conversations)},
    )
    return data


@transaction.atomic
def contact_erase(*, contact: Contact, actor: Actor, reason: str) -> dict[str, int]:
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if not reason.strip():
        from kefu.core.errors import ValidationFailed

        raise ValidationFailed(
            "say why (the request reference or the retention rule)", field="reason"
        )
    if contact.merged_into_id is not None:
        raise Conflict("this contact was merged; erase the contact it was merged into")
    conversation_ids = list(
        Conversation.objects.filter(contact=contact).values_list("pk", flat=True)
    )
    attachments = Attachment.objects.filter(
        message__conversation_id__in=conversation_ids, message__author_contact=contact
    )
    files = 0
    for att in attachments:
        att.file.delete(save=False)
        files += 1
    attachments.delete()
    moment = now()
    words = Message.objects.filter(
        conversation_id__in=conversation_ids, author_contact=contact
    ).update(body=ERASED, metadata={}, updated_at=moment)
    Conversation.objects.filter(pk__in=conversation_ids).update(
        subject="", custom_attributes={}, updated_at=moment
    )
    identities, _ = contact.identities.all().delete()
    emails, _ = contact.emails.all().delete()
    AntiPhishingCode.objects.filter(contact=contact).delete()
    contact.name, contact.email, contact.phone = "", "", ""
    contact.exchange_uid, contact.custom_attributes, contact.timezone = None, {}, ""
    contact.country = ""
    contact.save(
        update_fields=contact.touch_fields(
            "name", "email", "phone", "exchange_uid", "custom_attributes", "timezone", "country"
        )
    )
    counts = {
        "conversations": len(conversation_ids),
        "messages": words,
        "attachments": files,
        "identities": identities,
        "emails": emails,
    }
    audit_record(
        actor=actor,
        action="contact.erased",
        object_type="contact",
        object_id=str(contact.pk),
        data={"reason": reason.strip()[:300], **counts},
    )
    return counts


def retention_apply(*, actor: Actor | None = None) -> int:
    """Erase contacts with no conversation activity for KEFU_CONTACT_RETENTION_DAYS (0: keep
    forever). Returns how many were erased. Run daily (`kefu safety retention`)."""
    days = settings.CONTACT_RETENTION_DAYS
    if days <= 0:
        return 0
    cutoff = now() - timedelta(days=days)
    stale = (
        Contact.objects.filter(merged_into__isnull=True, created_at__lt=cutoff)
        .annotate(last=Max("conversations__last_activity_at"))
        .filter(last__lt=cutoff)
        .exclude(name="", email="", phone="", exchange_uid__isnull=True)
    )
    actor = actor or Actor.system("retention")
    erased = 0
    for contact in stale.iterator():
        contact_erase(contact=contact, actor=actor, reason=f"retention: inactive {days} days")
        erased += 1
    return erased
