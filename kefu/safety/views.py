"""The public /verify/ page: is this email, website, handle, phone number or agent official?"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kefu.core.errors import ValidationFailed
from kefu.safety.models import ChannelKind, OfficialChannel
from kefu.safety.selectors import channel_verify
from kefu.safety.verify import VERIFY_KINDS

_PAGE_LANGUAGES = ("en", "zh-hans", "es")


def _kinds() -> list[tuple[str, str, str]]:
    # (value, label, placeholder)
    return [
        ("website", _("Website"), "https://lumen.exchange/login"),
        ("email", _("Email"), "support@example.com"),
        ("telegram", _("Telegram"), "@handle"),
        ("x", _("X (Twitter)"), "@handle"),
        ("phone", _("Phone"), "+44 20 7946 0321"),
        ("agent", _("Support ID"), "LS-1042"),
    ]


@require_GET
def verify_page(request: HttpRequest) -> HttpResponse:
    lang = request.GET.get("lang", "").lower()
    if lang in _PAGE_LANGUAGES:
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
    kind = request.GET.get("kind", "website")
    if kind not in VERIFY_KINDS:
        kind = "website"
    value = request.GET.get("value", "")[:255]
    context: dict[str, Any] = {
        "kinds": _kinds(),
        "kind": kind,
        "value": value,
        "brand": settings.SAFETY_BRAND,
        "websites": OfficialChannel.objects.filter(kind=ChannelKind.WEBSITE, active=True),
        "page_languages": [
            (code, name) for code, name in settings.LANGUAGES if code in _PAGE_LANGUAGES
        ],
    }
    if value.strip():
        try:
            context["result"] = channel_verify(kind=kind, value=value)
        except ValidationFailed as exc:
            context["error"] = exc.message
    response = render(request, "safety/verify.html", context)
    response["Cache-Control"] = "no-store"
    return response
