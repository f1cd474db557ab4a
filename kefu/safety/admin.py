from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from kefu.core.errors import ValidationFailed
from kefu.safety.models import AntiPhishingCode, GuardPatternRule, OfficialChannel
from kefu.safety.verify import channel_normalize


class OfficialChannelForm(forms.ModelForm):
    class Meta:
        model = OfficialChannel
        fields = ["kind", "value", "label", "active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") and data.get("value"):
            try:
                data["value"] = channel_normalize(data["kind"], data["value"])
            except ValidationFailed as exc:
                self.add_error("value", exc.message)
        return data


@admin.register(OfficialChannel)
class OfficialChannelAdmin(admin.ModelAdmin):
    form = OfficialChannelForm
    list_display = ["kind", "value", "label", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["value", "label"]


class GuardPatternRuleForm(forms.ModelForm):
    class Meta:
        model = GuardPatternRule
        fields = ["name", "pattern", "message", "active"]

    def clean_pattern(self) -> str:
        import re

        pattern = self.cleaned_data["pattern"]
        try:
            re.compile(pattern)
        except re.error as exc:
            raise forms.ValidationError(f"not a valid regular expression: {exc}") from None
        return pattern


@admin.register(GuardPatternRule)
class GuardPatternRuleAdmin(admin.ModelAdmin):
    form = GuardPatternRuleForm
    list_display = ["name", "pattern", "active"]
    list_filter = ["active"]


@admin.register(AntiPhishingCode)
class AntiPhishingCodeAdmin(admin.ModelAdmin):
    # The code itself is not listed: whoever reads it can pose as the exchange.
    list_display = ["contact", "source", "updated_at"]
    readonly_fields = ["contact", "source"]
    exclude = ["code"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
