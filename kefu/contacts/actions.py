from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connection, transaction

from kefu.contacts.models import Contact, ContactEmail, Identity
from kefu.core.actors import Actor
from kefu.core.clock import now
from kefu.core.errors import Conflict, ValidationFailed
from kefu.core.events import event_emit
from kefu.core.models import AuditRecord
from kefu.inboxes.adapters.base import InboundMessage
from kefu.inboxes.models import Inbox

EDITABLE_FIELDS = {
    "name",
    "email",
    "phone",
    "preferred_language",
    "timezone",
    "vip_tier",
    "kyc_level",
    "country",
    "custom_attributes",
}
# Profile fields a merge fills on the primary contact when the primary has none.
_FILL_FIELDS = ["name", "email", "phone", "preferred_language", "timezone", "country"]


def _validate_profile(fields: dict[str, Any]) -> None:
    if "vip_tier" in fields and not (
        isinstance(fields["vip_tier"], int) and 0 <= fields["vip_tier"] <= 9
    ):
        raise ValidationFailed("vip_tier must be an integer from 0 to 9", field="vip_tier")
    if "kyc_level" in fields and not (
        isinstance(fields["kyc_level"], int) and 0 <= fields["kyc_level"] <= 3
    ):
        raise ValidationFailed("kyc_level must be an integer from 0 to 3", field="kyc_level")
    if "country" in fields and fields["country"] and len(fields["country"]) != 2:
        raise ValidationFailed("country must be an ISO 3166-1 alpha-2 code", field="country")
    if "custom_attributes" in fields and not isinstance(fields["custom_attributes"], dict):
        raise ValidationFailed("custom_attributes must be an object", field="custom_attributes")


@transaction.atomic
def contact_create(
    *, name: str = "", email: str = "", exchange_uid: str | None = None, **profile: Any
) -> Contact:
    unknown = set(profile) - EDITABLE_FIELDS
    if unknown:
        raise ValidationFailed(f"unknown contact fields: {', '.join(sorted(unknown))}")
    _validate_profile(profile)
    if exchange_uid and Contact.objects.filter(exchange_uid=exchange_uid).exists():
        raise Conflict(f"a contact with exchange UID {exchange_uid} exists", field="exchange_uid")
    contact = Contact.objects.create(
        name=name, email=email.lower(), exchange_uid=exchange_uid or None, **profile
    )
    if email:
        ContactEmail.objects.create(contact=contact, email=email.lower())
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, actor: Actor, **fields: Any) -> Contact:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValidationFailed(f"unknown contact fields: {', '.join(sorted(unknown))}")
    _validate_profile(fields)
    changed = [name for name, value in fields.items() if getattr(contact, name) != value]
    if not changed:
        return contact
    for name in changed:
        setattr(contact, name, fields[name])
    contact.save(update_fields=contact.touch_fields(*changed))
    if "email" in changed and contact.email:
        ContactEmail.objects.get_or_create(contact=contact, email=contact.email.lower())
    event_emit(
        type="contact.updated",
        payload={"contact_id": contact.pk, "actor": actor.as_payload(), "changed": changed},
        streams=[f"contact:{contact.pk}"],
    )
    return contact


def contact_canonical(contact: Contact) -> Contact:
    seen = set()
    while contact.merged_into_id is not None and contact.pk not in seen:
        seen.add(contact.pk)
        contact = Contact.objects.get(pk=contact.merged_into_id)
    return contact


def _contact_by_identity(inbox: Inbox, external_id: str) -> Contact | None:
    """The contact holding this identity in the inbox. Every inbound message asks: one plain
    statement, since building the ORM join (two wide tables) cost more than running it."""
    pk = Contact._meta.pk
    rows = list(
        Contact.objects.raw(
            f"SELECT c.* FROM {Contact._meta.db_table} c "  # noqa: S608 - table names from model meta, values as parameters
            f"JOIN {Identity._meta.db_table} i ON i.contact_id = c.id "
            "WHERE i.inbox_id = %s AND i.external_id = %s LIMIT 1",
            [pk.get_db_prep_value(inbox.pk, connection), external_id],
        )
    )
    return rows[0] if rows else None


def contact_resolve(*, inbox: Inbox, inbound: InboundMessage) -> Contact:
    """The contact behind an inbound message: found by identity, created, or merged.

    Runs inside the caller's transaction. A verified exchange UID or verified email that
    already belongs to another contact folds this one into it (reversibly, with an audit).
    """
    contact = _contact_by_identity(inbox, inbound.identity)
    if contact is None:
        try:
            with transaction.atomic():  # savepoint: a concurrent first message may win the race
                contact = Contact.objects.create(name=inbound.name, email=inbound.email.lower())
                Identity.objects.create(
                    contact=contact,
                    inbox=inbox,
                    external_id=inbound.identity,
                    verified=bool(inbound.exchange_uid),
                )
        except IntegrityError:
            contact = _contact_by_identity(inbox, inbound.identity)
            assert contact is not None, "the identity that won the race is committed"
    contact = contact_canonical(contact)
    system = Actor.system("identity")

    if inbound.exchange_uid:
        holder = Contact.objects.filter(exchange_uid=inbound.exchange_uid).first()
        if holder is None:
            contact.exchange_uid = inbound.exchange_uid
            contact.save(update_fields=contact.touch_fields("exchange_uid"))
        elif holder.pk != contact.pk:
            contact_merge(
                primary=holder, secondary=contact, actor=system, reason="verified exchange UID"
            )
            contact = holder
    if inbound.email:
        address = inbound.email.strip().lower()
        if inbound.verified_email:
            holder_row = (
                ContactEmail.objects.filter(email=address, verified=True)
                .select_related("contact")
                .first()
            )
            if holder_row is None:
                ContactEmail.objects.update_or_create(
                    contact=contact, email=address, defaults={"verified": True}
                )
            elif holder_row.contact_id != contact.pk:
                primary = contact_canonical(holder_row.contact)
                if primary.pk != contact.pk:
                    contact_merge(
                        primary=primary, secondary=contact, actor=system, reason="verified email"
                    )
                    contact = primary
        else:
            ContactEmail.objects.get_or_create(contact=contact, email=address)
        if not contact.email:
            contact.email = address
            contact.save(update_fields=contact.touch_fields("email"))
    if inbound.name and not contact.name:
        contact.name = inbound.name
        contact.save(update_fields=contact.touch_fields("name"))
    return contact


@transaction.atomic
def contact_merge(
    *, primary: Contact, secondary: Contact, actor: Actor, reason: str = "manual"
) -> AuditRecord:
    """Fold `secondary` into `primary`: identities, emails, conversations and missing profile.

    Everything moved is written to the audit record so `contact_merge_revert` can undo it.
    """
    from kefu.conversations.actions import conversations_move_contact

    if primary.pk == secondary.pk:
        raise ValidationFailed("cannot merge a contact into itself")
    # Lock both rows in a stable order so two merges of the same pair cannot interleave.
    locked = {
        c.pk: c
        for c in Contact.objects.select_for_update()
        .filter(pk__in=[primary.pk, secondary.pk])
        .order_by("pk")
    }
    primary, secondary = locked[primary.pk], locked[secondary.pk]
    if primary.merged_into_id or secondary.merged_into_id:
        raise Conflict("one of these contacts was already merged into another")
    if (
        primary.exchange_uid
        and secondary.exchange_uid
        and primary.exchange_uid != secondary.exchange_uid
    ):
        raise Conflict("the contacts have different exchange UIDs; they are different customers")

    before = {
        f: getattr(primary, f)
        for f in [*_FILL_FIELDS, "exchange_uid", "vip_tier", "kyc_level", "custom_attributes"]
    }
    identity_ids = [str(i) for i in secondary.identities.values_list("pk", flat=True)]
    secondary.identities.update(contact=primary)

    moved_emails, dropped_emails = [], []
    primary_addresses = set(primary.emails.values_list("email", flat=True))
    for row in list(secondary.emails.all()):
        if row.email in primary_addresses:
            dropped_emails.append({"email": row.email, "verified": row.verified})
            if row.verified:
                primary.emails.filter(email=row.email).update(verified=True)
            row.delete()
        else:
            moved_emails.append(str(row.pk))
    ContactEmail.objects.filter(pk__in=moved_emails).update(contact=primary)
    conversation_ids = conversations_move_contact(source=secondary, target=primary)

    secondary_uid = secondary.exchange_uid
    if secondary_uid:
        secondary.exchange_uid = None
        secondary.save(update_fields=secondary.touch_fields("exchange_uid"))
    filled = []
    for name in _FILL_FIELDS:
        if not getattr(primary, name) and getattr(secondary, name):
            setattr(primary, name, getattr(secondary, name))
            filled.append(name)
    if secondary_uid and not primary.exchange_uid:
        primary.exchange_uid = secondary_uid
        filled.append("exchange_uid")
    for name in ("vip_tier", "kyc_level"):
        if getattr(secondary, name) > getattr(primary, name):
            setattr(primary, name, getattr(secondary, name))
            filled.append(name)
    if secondary.custom_attributes:
        primary.custom_attributes = {**secondary.custom_attributes, **primary.custom_attributes}
        filled.append("custom_attributes")
    if filled:
        primary.save(update_fields=primary.touch_fields(*filled))
    secondary.merged_into = primary
    secondary.save(update_fields=secondary.touch_fields("merged_into"))

    audit = AuditRecord.objects.create(
        actor_type=str(actor.kind),
        actor_id=actor.id,
        action="contact.merge",
        object_type="contact",
        object_id=str(primary.pk),
        data={
            "reason": reason,
            "primary": str(primary.pk),
            "secondary": str(secondary.pk),
            "identities": identity_ids,
            "emails": moved_emails,
            "dropped_emails": dropped_emails,
            "conversations": conversation_ids,
            "secondary_exchange_uid": secondary_uid,
            "primary_before": {k: before[k] for k in filled},
        },
    )
    event_emit(
        type="contact.merged",
        payload={
            "primary_id": primary.pk,
            "secondary_id": secondary.pk,
            "audit_id": audit.pk,
            "actor": actor.as_payload(),
        },
        streams=[f"contact:{primary.pk}", f"contact:{secondary.pk}"],
    )
    return audit


@transaction.atomic
def contact_merge_revert(*, audit: AuditRecord, actor: Actor) -> tuple[Contact, Contact]:
    """Undo a merge from its audit record. Conversations opened after the merge stay put."""
    from kefu.conversations.actions import conversations_move_contact_back

    audit = AuditRecord.objects.select_for_update().get(pk=audit.pk)
    if audit.action != "contact.merge":
        raise ValidationFailed("this audit record is not a contact merge")
    if audit.reverted_at is not None:
        raise Conflict("this merge was already reverted")
    data = audit.data
    primary = Contact.objects.select_for_update().get(pk=data["primary"])
    secondary = Contact.objects.select_for_update().get(pk=data["secondary"])

    Identity.objects.filter(pk__in=data["identities"], contact=primary).update(contact=secondary)
    ContactEmail.objects.filter(pk__in=data["emails"], contact=primary).update(contact=secondary)
    for row in data["dropped_emails"]:
        ContactEmail.objects.get_or_create(
            contact=secondary, email=row["email"], defaults={"verified": row["verified"]}
        )
        if row["verified"]:
            primary.emails.filter(email=row["email"]).update(verified=False)
    conversations_move_contact_back(
        conversation_ids=data["conversations"], source=primary, target=secondary
    )

    restored = list(data["primary_before"])
    for name, value in data["primary_before"].items():
        setattr(primary, name, value)
    if restored:
        primary.save(update_fields=primary.touch_fields(*restored))
    secondary.merged_into = None
    secondary.exchange_uid = data["secondary_exchange_uid"]
    secondary.save(update_fields=secondary.touch_fields("merged_into", "exchange_uid"))
    audit.reverted_at = now()
    audit.save(update_fields=audit.touch_fields("reverted_at"))
    AuditRecord.objects.create(
        actor_type=str(actor.kind),
        actor_id=actor.id,
        action="contact.merge_revert",
        object_type="contact",
        object_id=str(primary.pk),
        data={"merge": str(audit.pk)},
    )
    event_emit(
        type="contact.merged",
        payload={
            "primary_id": primary.pk,
            "secondary_id": secondary.pk,
            "audit_id": audit.pk,
            "actor": actor.as_payload(),
            "reverted": True,
        },
        streams=[f"contact:{primary.pk}", f"contact:{secondary.pk}"],
    )
    return primary, secondary
