"""Admin for outbound webhooks: endpoints (written through the actions, audited) and the
delivery log (read-only, with redeliver)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from kefu.automation import actions
from kefu.automation.models import WebhookDelivery, WebhookEndpoint
from kefu.core.actors import Actor
from kefu.core.errors import KefuError


def _actor(request: HttpRequest) -> Actor:
    return Actor.of_agent(request.user)  # type: ignore[arg-type]


class WebhookEndpointForm(forms.ModelForm):
    event_types_text = forms.CharField(
        label="Event types",
        help_text="Comma-separated, e.g. conversation.created, message.created; * for all.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "enabled"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["event_types_text"].initial = ", ".join(self.instance.event_types)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        from kefu.automation.transport import url_clean

        try:
            if data.get("url"):
                data["url"] = url_clean(data["url"])
            data["event_types"] = actions.event_types_clean(
                t for t in (data.get("event_types_text") or "").split(",") if t.strip()
            )
        except KefuError as exc:
            raise ValidationError(exc.message) from exc
        return data


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("name", "url", "enabled", "consecutive_failures", "disabled_reason")
    list_filter = ("enabled",)
    search_fields = ("name", "url")
    readonly_fields = ("consecutive_failures", "disabled_reason", "disabled_at")
    actions = ("send_test_event", "rotate_secret")

    def save_model(
        self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        if change:
            actions.webhook_endpoint_update(
                endpoint=obj,
                actor=_actor(request),
                name=data["name"],
                url=data["url"],
                event_types=data["event_types"],
                enabled=data["enabled"],
            )
            return
        endpoint, secret = actions.webhook_endpoint_create(
            name=data["name"],
            url=data["url"],
            event_types=data["event_types"],
            enabled=data["enabled"],
            actor=_actor(request),
        )
        obj.pk = endpoint.pk  # the admin's redirect and log entry name the created endpoint
        self.message_user(
            request,
            f"Signing secret of {endpoint.name}: {secret}  — shown this once; store it now.",
            messages.WARNING,
        )

    def delete_model(self, request: HttpRequest, obj: WebhookEndpoint) -> None:
        actions.webhook_endpoint_delete(endpoint=obj, actor=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            actions.webhook_endpoint_delete(endpoint=endpoint, actor=_actor(request))

    @admin.action(description="Send a test event (waits for the answer)")
    def send_test_event(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            d = actions.webhook_endpoint_test_now(endpoint=endpoint, actor=_actor(request))
            if d.status == "delivered":
                self.message_user(
                    request,
                    f"{endpoint.name}: delivered ({d.last_status_code}, {d.response_ms} ms)",
                )
            else:
                self.message_user(request, f"{endpoint.name}: {d.last_error}", messages.ERROR)

    @admin.action(description="Rotate the secret (the old one signs too for 24 hours)")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            _, secret = actions.webhook_secret_rotate(endpoint=endpoint, actor=_actor(request))
            self.message_user(
                request,
                f"New signing secret of {endpoint.name}: {secret}  — shown this once.",
                messages.WARNING,
            )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: what was sent where, how each attempt went."""

    list_display = (
        "created_at",
        "endpoint",
        "event_type",
        "status",
        "attempts",
        "last_status_code",
        "response_ms",
        "last_error",
    )
    list_filter = ("status", "event_type", "endpoint")
    search_fields = ("event_id", "id")
    list_select_related = ("endpoint",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ("redeliver",)

    def has_add_permission(self, request: HttpRequest) -> bool:  # written by actions only
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Redeliver (as a new delivery)")
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        done = 0
        for delivery in queryset.select_related("endpoint"):
            try:
                actions.webhook_redeliver(delivery=delivery, actor=_actor(request))
                done += 1
            except KefuError as exc:
                self.message_user(request, f"{delivery.pk}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} deliver{'y' if done == 1 else 'ies'} queued again.")
