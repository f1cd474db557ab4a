"""Announcements in the Django admin, for admins and supervisors.

The form has a title and a text per language (English required); saving goes through the
actions, so the link check, the guard, the live push and the audit record happen as for the
API. Announcements are withdrawn, never deleted.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from kefu.accounts.permissions import Perm, agent_can
from kefu.core.actors import Actor
from kefu.core.errors import KefuError
from kefu.knowledge.languages import lang_tag
from kefu.status import actions
from kefu.status.models import Announcement, Surface
from kefu.status.selectors import announcement_status


def _languages() -> list[tuple[str, str]]:
    """(tag, name) of every interface language, English first."""
    out = []
    for code, name in settings.LANGUAGES:
        tag = lang_tag(code) or code
        out.append((tag, str(name)))
    return out


def _key(tag: str) -> str:
    return tag.replace("-", "_")


class _AnnouncementForm(forms.ModelForm):
    surfaces = forms.MultipleChoiceField(
        choices=Surface.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Where it shows. The widget and the console update live.",
    )
    publish = forms.BooleanField(
        required=False,
        initial=True,
        help_text="Untick to keep it as a draft. Use “Withdraw” in the list to take it down.",
    )

    class Meta:
        model = Announcement
        fields = ("kind", "severity", "starts_at", "ends_at", "url")
        help_texts = {
            "starts_at": "UTC. Leave as is to show it now.",
            "ends_at": "UTC. Empty: until withdrawn.",
            "url": "Optional “Details” link; it must be on an official domain (admin → Official channels).",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].required = False
        # A new row already has its id (uuid7 default): "adding" tells them apart.
        adding = self.instance._state.adding
        texts = {} if adding else self.instance.translations
        for tag, _ in _languages():
            text = texts.get(tag) or {}
            self.fields[f"title_{_key(tag)}"].initial = text.get("title", "")
            self.fields[f"body_{_key(tag)}"].initial = text.get("body", "")
        if not adding:
            self.fields["surfaces"].initial = self.instance.surfaces
            self.fields["publish"].initial = self.instance.published
        else:
            self.fields["surfaces"].initial = [Surface.WIDGET, Surface.HELP_CENTER, Surface.CONSOLE]

    def clean(self) -> dict[str, Any]:
        """The actions' own checks, so a refusal shows on its field and keeps what was typed."""
        data = super().clean()
        try:
            texts = actions.translations_clean(self.translations())
            actions.texts_guard(texts)
        except KefuError as exc:
            tag = (exc.field or "").split(".")[1:2]
            field = (
                f"title_{_key(tag[0])}" if tag and f"title_{_key(tag[0])}" in self.fields else None
            )
            self.add_error(field, exc.message)
        try:
            data["url"] = actions.url_clean(data.get("url") or "")
        except KefuError as exc:
            self.add_error("url", exc.message)
        return data

    def translations(self) -> dict[str, dict[str, str]]:
        d = self.cleaned_data
        return {
            tag: {"title": d.get(f"title_{_key(tag)}", ""), "body": d.get(f"body_{_key(tag)}", "")}
            for tag, _ in _languages()
        }


def _language_fields() -> dict[str, forms.Field]:
    # Declared on the class (not added in __init__) so the admin's fieldsets may name them.
    fields: dict[str, forms.Field] = {}
    for tag, name in _languages():
        fields[f"title_{_key(tag)}"] = forms.CharField(
            label=f"Title ({name})",
            required=tag == "en",
            max_length=actions.MAX_TITLE_CHARS,
            widget=forms.TextInput(attrs={"size": 80}),
        )
        fields[f"body_{_key(tag)}"] = forms.CharField(
            label=f"Text ({name})",
            required=False,
            max_length=actions.MAX_BODY_CHARS,
            widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        )
    return fields


AnnouncementForm = type("AnnouncementForm", (_AnnouncementForm,), _language_fields())


def _can(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and agent_can(user, Perm.ANNOUNCEMENT_MANAGE))  # type: ignore[arg-type]


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    form = AnnouncementForm
    list_display = ("title", "kind", "severity", "where", "state", "starts_at", "ends_at")
    list_filter = ("kind", "severity", "published", "on_widget", "on_help_center", "on_console")
    readonly_fields = ("published_at", "withdrawn_at", "created_by")
    actions = ["withdraw"]
    date_hierarchy = "starts_at"

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        others = [
            f
            for tag, _ in _languages()
            if tag != "en"
            for f in (f"title_{_key(tag)}", f"body_{_key(tag)}")
        ]
        sets: list[Any] = [
            (None, {"fields": ("kind", "severity", "surfaces", "publish")}),
            (
                "English (required; other languages fall back to it)",
                {"fields": ("title_en", "body_en")},
            ),
            ("Other languages", {"fields": others, "classes": ("collapse",)}),
            ("When and where to read more", {"fields": ("starts_at", "ends_at", "url")}),
        ]
        if obj is not None:
            sets.append(("History", {"fields": self.readonly_fields}))
        return sets

    @admin.display(description="title")
    def title(self, obj: Announcement) -> str:
        return (obj.translations.get("en") or {}).get("title", "")

    @admin.display(description="shows in")
    def where(self, obj: Announcement) -> str:
        return ", ".join(Surface(s).label for s in obj.surfaces)

    @admin.display(description="state")
    def state(self, obj: Announcement) -> str:
        return announcement_status(obj)

    def save_model(self, request: HttpRequest, obj: Announcement, form: Any, change: bool) -> None:
        d = form.cleaned_data
        actor = Actor.of_agent(request.user)  # type: ignore[arg-type]
        fields = {
            "kind": d["kind"],
            "severity": d["severity"],
            "translations": form.translations(),
            "surfaces": d["surfaces"],
            "starts_at": d.get("starts_at"),
            "ends_at": d.get("ends_at"),
            "url": d.get("url") or "",
        }
        # KefuError from here is turned into a form error by _changeform_view below.
        if change:
            saved = actions.announcement_update(
                announcement=obj, actor=actor, **fields, published=bool(d.get("publish"))
            )
        else:
            saved = actions.announcement_publish(actor=actor, draft=not d.get("publish"), **fields)
        obj.pk, obj.created_at = saved.pk, saved.created_at

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: Any = None,
        form_url: str = "",
        extra_context: Any = None,
    ) -> Any:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except KefuError as exc:
            # The action refused (unofficial link, a text the guard blocks): nothing was saved.
            self.message_user(request, f"Not saved: {exc.message}", level=messages.ERROR)
            from django.http import HttpResponseRedirect

            return HttpResponseRedirect(request.get_full_path())

    @admin.action(description="Withdraw (stop showing everywhere now)")
    def withdraw(self, request: HttpRequest, queryset: QuerySet[Announcement]) -> None:
        actor = Actor.of_agent(request.user)  # type: ignore[arg-type]
        for a in queryset:
            actions.announcement_withdraw(announcement=a, actor=actor)
        self.message_user(request, f"Withdrawn: {queryset.count()}.")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _can(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _can(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _can(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _can(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
