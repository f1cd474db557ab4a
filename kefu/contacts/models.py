from __future__ import annotations

from django.db import models
from django.db.models import Q

from kefu.core.models import BaseModel
from kefu.inboxes.models import Inbox


class Contact(BaseModel):
    """One customer, across every channel they use."""

    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True, db_index=True)  # primary address, shown first
    phone = models.CharField(max_length=32, blank=True)
    preferred_language = models.CharField(max_length=16, blank=True)
    timezone = models.CharField(max_length=64, blank=True)
    # Exchange profile, from the exchange backend or a verified widget identity.
    # NULL, not "", for contacts without one: the unique constraint must ignore them.
    exchange_uid = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    vip_tier = models.PositiveSmallIntegerField(default=0)
    kyc_level = models.PositiveSmallIntegerField(default=0)
    country = models.CharField(max_length=2, blank=True)  # ISO 3166-1 alpha-2
    custom_attributes = models.JSONField(default=dict, blank=True)
    # Set on the contact that was folded into another; its rows moved to merged_into.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["exchange_uid"],
                condition=Q(exchange_uid__isnull=False),
                name="contact_exchange_uid_unique",
            ),
            models.CheckConstraint(condition=Q(vip_tier__lte=9), name="contact_vip_tier_0_9"),
            models.CheckConstraint(condition=Q(kyc_level__lte=3), name="contact_kyc_level_0_3"),
        ]

    def __str__(self) -> str:
        return self.name or self.email or str(self.pk)


class ContactEmail(BaseModel):
    """Every address a contact wrote from. A verified address belongs to one contact only."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    email = models.EmailField()
    verified = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "email"], name="contact_email_unique"),
            models.UniqueConstraint(
                fields=["email"], condition=Q(verified=True), name="verified_email_one_contact"
            ),
        ]

    def __str__(self) -> str:
        return self.email


class Identity(BaseModel):
    """A contact's handle on one inbox (visitor id, email address, chat id)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="identities")
    external_id = models.CharField(max_length=255)
    verified = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "identities"
        constraints = [
            models.UniqueConstraint(
                fields=["inbox", "external_id"], name="identity_unique_per_inbox"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} @ {self.inbox_id}"
