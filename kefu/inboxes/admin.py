from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from kefu.core.errors import KefuError, ValidationFailed
from kefu.inboxes.adapters.email.config import AFTER_IMPORT, AUTH_MODES, SECURITY_MODES
from kefu.inboxes.models import ChannelType, EmailImportFailure, Inbox

_SECURITY = [(m, m) for m in SECURITY_MODES]
_AUTH = [(m, m) for m in AUTH_MODES]


def _server_fields(kind: str) -> dict[str, forms.Field]:
    return {
        f"{kind}_host": forms.CharField(required=False, label=f"{kind.upper()} host"),
        f"{kind}_port": forms.IntegerField(required=False, min_value=1, max_value=65535),
        f"{kind}_security": forms.ChoiceField(choices=_SECURITY, required=False),
        f"{kind}_username": forms.CharField(required=False),
        f"{kind}_auth": forms.ChoiceField(choices=_AUTH, required=False),
        # Never rendered back: leaving it empty keeps the stored one.
        f"{kind}_password": forms.CharField(
            required=False,
            widget=forms.PasswordInput(render_value=False),
            help_text="Password or OAuth2 token. Leave empty to keep the stored one.",
        ),
        f"{kind}_verify_tls": forms.BooleanField(required=False, initial=True),
    }


class InboxForm(forms.ModelForm):
    email_address = forms.CharField(required=False, help_text="Email inboxes: the support address")
    email_from_name = forms.CharField(required=False)
    email_brand = forms.CharField(required=False)
    email_acknowledge = forms.BooleanField(required=False, initial=True)
    locals().update(_server_fields("imap"))
    imap_folders = forms.CharField(required=False, initial="INBOX", help_text="comma-separated")
    imap_after_import = forms.ChoiceField(choices=[(m, m) for m in AFTER_IMPORT], required=False)
    imap_move_to = forms.CharField(required=False)
    locals().update(_server_fields("smtp"))

    class Meta:
        model = Inbox
        fields = ["name", "channel_type", "config", "teams", "enabled"]
        help_texts = {"config": "Channel settings. Email server settings are edited below."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        email = (self.instance.config or {}).get("email") or {} if self.instance.pk else {}
        initial = {
            "email_address": email.get("address", ""),
            "email_from_name": email.get("from_name", ""),
            "email_brand": email.get("brand", ""),
            "email_acknowledge": email.get("acknowledge", True),
        }
        for kind in ("imap", "smtp"):
            for key, value in (email.get(kind) or {}).items():
                if key == "secret":
                    continue
                initial[f"{kind}_{key}"] = ", ".join(value) if key == "folders" else value
        for key, value in initial.items():
            self.fields[key].initial = value
        # The email part (with its sealed passwords) is edited through the fields above only.
        self.initial["config"] = {
            k: v for k, v in (self.instance.config or {}).items() if k != "email"
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("channel_type") != ChannelType.EMAIL or not data.get("email_address"):
            return data
        from kefu.inboxes.adapters.email.config import email_config_clean

        email: dict[str, Any] = {
            "address": data["email_address"],
            "from_name": data.get("email_from_name", ""),
            "brand": data.get("email_brand", ""),
            "acknowledge": data.get("email_acknowledge", False),
        }
        for kind in ("imap", "smtp"):
            if not data.get(f"{kind}_host"):
                continue
            server = {
                key: data.get(f"{kind}_{key}")
                for key in (
                    "host",
                    "port",
                    "security",
                    "username",
                    "auth",
                    "password",
                    "verify_tls",
                )
            }
            if kind == "imap":
                folders = [f.strip() for f in (data.get("imap_folders") or "").split(",")]
                server |= {
                    "folders": [f for f in folders if f] or ["INBOX"],
                    "after_import": data.get("imap_after_import") or "flag",
                    "move_to": data.get("imap_move_to") or "",
                }
            email[kind] = server
        previous = (self.instance.config or {}).get("email") if self.instance.pk else None
        try:
            self.cleaned_email = email_config_clean(email, previous=previous)
        except ValidationFailed as exc:
            raise ValidationError(exc.message) from exc
        return data

    def save(self, commit: bool = True) -> Inbox:
        inbox = super().save(commit=False)
        config = {k: v for k, v in (inbox.config or {}).items() if k != "email"}
        previous = Inbox.objects.filter(pk=inbox.pk).values_list("config", flat=True).first() or {}
        email = getattr(self, "cleaned_email", None) or previous.get("email")
        inbox.config = {**config, "email": email} if email else config
        if commit:
            inbox.save()
            self.save_m2m()
        return inbox


@admin.register(Inbox)
class InboxAdmin(admin.ModelAdmin):
    form = InboxForm
    list_display = ("name", "channel_type", "enabled")
    list_filter = ("channel_type", "enabled")
    filter_horizontal = ("teams",)
    readonly_fields = ("signing_secret",)
    actions = ("rotate_secret",)

    @admin.display(description="Secret (HMAC key for user_hash and signed API calls)")
    def signing_secret(self, obj: Inbox) -> str:
        # Admins configure the exchange's servers with it; stored encrypted, shown here only.
        if not obj.pk:
            return "(generated when saved)"
        try:
            return obj.signing_secret()
        except KefuError as exc:  # a changed key: say so rather than fail the page
            return f"({exc.message})"

    @admin.action(description="Rotate the secret (the old one stops working at once)")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Inbox]) -> None:
        from kefu.core.actors import Actor
        from kefu.inboxes.actions import inbox_secret_rotate

        for inbox in queryset:
            inbox_secret_rotate(inbox=inbox, actor=Actor.of_agent(request.user))
        self.message_user(
            request, f"New secrets for {queryset.count()} inbox(es): open each to copy it."
        )


@admin.register(EmailImportFailure)
class EmailImportFailureAdmin(admin.ModelAdmin):
    """Mail that could not become a message: what arrived, and why it was refused."""

    list_display = ("created_at", "inbox", "sender", "subject", "reason", "resolved_at")
    list_filter = ("inbox", "resolved_at")
    search_fields = ("sender", "subject", "message_id", "reason")
    readonly_fields = (
        "inbox", "folder", "uid", "message_id", "sender", "subject", "reason", "size",
        "excerpt_text", "created_at",
    )  # fmt: skip
    fields = (*readonly_fields, "resolved_at")

    @admin.display(description="first bytes")
    def excerpt_text(self, obj: EmailImportFailure) -> str:
        return bytes(obj.excerpt).decode("utf-8", "replace")

    def has_add_permission(self, request: Any) -> bool:
        return False
