"""Formatting for the console's templates. Relative times are re-rendered live by the page's
script from the same `datetime` attributes, with the same words."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def iso(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat() if value else ""


@register.filter
def sortstamp(value: datetime | None) -> str:
    """Fixed-width UTC, comparable as a string (the page inserts live rows and messages by it)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") if value else ""


def span(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return _("now")
    if minutes < 60:
        return _("%(n)d min") % {"n": minutes}
    hours = minutes // 60
    if hours < 48:
        return _("%(n)d h") % {"n": hours}
    return _("%(n)d d") % {"n": hours // 24}


@register.filter
def ago(value: datetime | None) -> str:
    if not value:
        return ""
    return span((timezone.now() - value).total_seconds())


@register.filter
def waited(value: datetime | None) -> str:
    if not value:
        return ""
    return _("waiting %(t)s") % {"t": span((timezone.now() - value).total_seconds())}


@register.filter
def wait_level(value: datetime | None) -> str:
    """calm under 5 minutes, warn under 30, late after: the colour of the waiting time."""
    if not value:
        return ""
    minutes = (timezone.now() - value).total_seconds() / 60
    return "calm" if minutes < 5 else "warn" if minutes < 30 else "late"


@register.filter
def msgtime(value: datetime | None) -> str:
    if not value:
        return ""
    local = timezone.localtime(value)
    today = timezone.localtime(timezone.now()).date()
    if local.date() == today:
        return local.strftime("%H:%M")
    if local.year == today.year:
        return f"{local:%b} {local.day}, {local:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"


@register.filter
def initials(name: str | None) -> str:
    parts = [p for p in (name or "").replace("'", "").split() if p]
    if not parts:
        return "?"
    if len(parts) == 1:
        return parts[0][:2].upper() if parts[0].isascii() else parts[0][:1]
    return (parts[0][0] + parts[-1][0]).upper()


@register.filter
def filesize(n: int | None) -> str:
    n = n or 0
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


@register.filter
def message_kind(message: Any) -> str:
    if message.direction == "activity":
        return "activity"
    if message.private:
        return "note"
    if message.direction == "incoming":
        return "customer"
    if message.author_agent_id:
        return "agent"
    return "bot" if message.author_label == "bot" else "system"


@register.filter
def author_name(message: Any) -> str:
    if message.author_agent_id and message.author_agent:
        return message.author_agent.display_name
    if message.author_contact_id and message.author_contact:
        c = message.author_contact
        return c.name or c.email or _("Customer")
    if message.author_label == "bot":
        return _("Bot")
    return message.author_label or _("System")


@register.filter
def is_image(content_type: str) -> bool:
    return content_type in {"image/png", "image/jpeg", "image/gif", "image/webp"}


@register.filter
def get(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, "") if mapping else ""
