"""What the safety layer keeps: the registry of official channels, extra guard rules, and
customers' anti-phishing codes. The checks themselves (guard.py, phishing.py, redaction.py)
are pure functions; these tables only feed them."""

from __future__ import annotations

from django.db import models

from kefu.contacts.models import Contact
from kefu.core.models import BaseModel


class ChannelKind(models.TextChoices):
    WEBSITE = "website", "Website (domain)"
    EMAIL = "email", "Email address"
    TELEGRAM = "telegram", "Telegram account"
    X = "x", "X (Twitter) account"
    PHONE = "phone", "Phone number"


class OfficialChannel(BaseModel):
    """One official way the exchange talks to customers.

    `value` is stored normalized (see kefu.safety.verify.channel_normalize) so a lookup is an
    exact match: a domain without scheme or `www.`, an email address in lower case (or
    `*@domain` for every address at that domain), a handle without `@`, a phone number in
    E.164 digits with its `+`. Website entries are also the official domains the outbound
    guard and the phishing checks compare links against.
    """

    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    value = models.CharField(max_length=255)
    label = models.CharField(max_length=120, blank=True)  # "Support email", "Announcements"
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="official_channel_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


class GuardPatternRule(BaseModel):
    """A deployment-specific phrase the outbound guard blocks (a regex, case-insensitive)."""

    name = models.SlugField(max_length=64, unique=True)
    pattern = models.CharField(max_length=500)
    message = models.CharField(max_length=300, help_text="What the agent is told when it matches.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CodeSource(models.TextChoices):
    CUSTOMER = "customer", "Set by the customer"
    EXCHANGE = "exchange", "Supplied by the exchange"


class AntiPhishingCode(BaseModel):
    """A customer's personal code, put in every email and widget message kefu sends them, so a
    fake "support" message without it stands out."""

    contact = models.OneToOneField(
        Contact, on_delete=models.CASCADE, related_name="anti_phishing_code"
    )
    code = models.CharField(max_length=32)
    source = models.CharField(max_length=10, choices=CodeSource.choices)

    def __str__(self) -> str:
        return f"anti-phishing code of {self.contact_id}"
