"""Template helpers for the help center: inline SVG icons (drawn here, no icon font or CDN)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# 24x24 stroke icons. Each value is the inner SVG (paths only).
ICONS = {
    "download": '<path d="M12 3v12"/><path d="M7 10l5 5 5-5"/><path d="M4 16v3a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-3"/>',
    "upload": '<path d="M12 16V4"/><path d="M7 9l5-5 5 5"/><path d="M4 16v3a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-3"/>',
    "user": '<path d="M12 12a4.2 4.2 0 1 0 0-8.4 4.2 4.2 0 0 0 0 8.4z"/><path d="M4 21a8 8 0 0 1 16 0"/>',
    "chart": '<path d="M6 3v3M6 15v6M4.5 6h3v9h-3zM12 5v4M12 17v3M10.5 9h3v8h-3zM18 3v5M18 14v4M16.5 8h3v6h-3z"/>',
    "percent": '<path d="M19 5L5 19"/><path d="M7 9.5a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5zM17 19.5a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5z"/>',
    "shield": '<path d="M12 3l7.5 3v5.5c0 4.8-3.2 8.3-7.5 9.5-4.3-1.2-7.5-4.7-7.5-9.5V6z"/><path d="M8.8 12.2l2.2 2.2 4.2-4.4"/>',
    "book": '<path d="M5 4.5A1.5 1.5 0 0 1 6.5 3H19v15H6.5A1.5 1.5 0 0 0 5 19.5z"/><path d="M5 19.5A1.5 1.5 0 0 0 6.5 21H19v-3"/><path d="M9 7.5h6M9 11h4"/>',
    "card": '<path d="M5 5h14a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2z"/><path d="M3 10h18M7 15h4"/>',
    "swap": '<path d="M7 4L3 8l4 4"/><path d="M3 8h13"/><path d="M17 12l4 4-4 4"/><path d="M21 16H8"/>',
    "key": '<path d="M8 16a4 4 0 1 0 0-8 4 4 0 0 0 0 8z"/><path d="M12 12h9M17.5 12v3M20.5 12v2"/>',
    "gift": '<path d="M4 11h16v10H4zM3 7h18v4H3zM12 7v14"/><path d="M12 7c-1.5-3-5-3.5-5-1.5S10 7 12 7zm0 0c1.5-3 5-3.5 5-1.5S14 7 12 7z"/>',
    "help": '<path d="M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z"/><path d="M9.6 9.2a2.5 2.5 0 1 1 3.6 2.2c-.7.4-1.2.9-1.2 1.7v.6"/><path d="M12 16.8v.1"/>',
    "search": '<path d="M10.5 18a7.5 7.5 0 1 0 0-15 7.5 7.5 0 0 0 0 15z"/><path d="M21 21l-5.2-5.2"/>',
    "globe": '<path d="M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z"/><path d="M3.5 9h17M3.5 15h17"/><path d="M12 3c2.4 2.6 3.5 5.6 3.5 9s-1.1 6.4-3.5 9c-2.4-2.6-3.5-5.6-3.5-9s1.1-6.4 3.5-9z"/>',
    "chevron": '<path d="M9 6l6 6-6 6"/>',
    "chevron-down": '<path d="M6 9l6 6 6-6"/>',
    "arrow-left": '<path d="M19 12H5M11 6l-6 6 6 6"/>',
    "thumb-up": '<path d="M7 11v9H4.5a1 1 0 0 1-1-1v-7a1 1 0 0 1 1-1z"/><path d="M7 11l3.6-6.6A1.8 1.8 0 0 1 14 5.3V9h4.8a2 2 0 0 1 2 2.3l-1.1 6.9A2 2 0 0 1 17.7 20H7"/>',
    "thumb-down": '<path d="M17 13V4h2.5a1 1 0 0 1 1 1v7a1 1 0 0 1-1 1z"/><path d="M17 13l-3.6 6.6A1.8 1.8 0 0 1 10 18.7V15H5.2a2 2 0 0 1-2-2.3l1.1-6.9A2 2 0 0 1 6.3 4H17"/>',
    "clock": '<path d="M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z"/><path d="M12 7v5l3.5 2"/>',
    "chat": '<path d="M20.5 11.5a8 8 0 0 1-11.7 7.1L4 20l1.3-4.3a8 8 0 1 1 15.2-4.2z"/><path d="M8.5 11.5h.01M12.5 11.5h.01M16.5 11.5h.01"/>',
    "lock": '<path d="M6 11h12a1 1 0 0 1 1 1v8a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1v-8a1 1 0 0 1 1-1z"/><path d="M8 11V8a4 4 0 0 1 8 0v3"/>',
    "alert": '<path d="M12 4l9 16H3z"/><path d="M12 10v4.5M12 17.3v.1"/>',
    "info": '<path d="M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z"/><path d="M12 11v6M12 7.5v.1"/>',
    "check": '<path d="M5 12.5l4.5 4.5L19 7.5"/>',
    "list": '<path d="M9 6h11M9 12h11M9 18h11M4.5 6h.01M4.5 12h.01M4.5 18h.01"/>',
    "mail": '<path d="M4 5h16a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1z"/><path d="M3.5 6.5l8.5 6.5 8.5-6.5"/>',
}
LOGO = (
    '<svg class="logo-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">'
    '<rect width="32" height="32" rx="9" fill="currentColor"/>'
    '<path d="M16 6.5l2.6 6.9 6.9 2.6-6.9 2.6L16 25.5l-2.6-6.9L6.5 16l6.9-2.6z" fill="#0b1426"/></svg>'
)


@register.simple_tag
def icon(name: str, css: str = "icon") -> SafeString:
    inner = ICONS.get(name, ICONS["help"])
    return format_html(
        '<svg class="{}" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" '
        'stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">{}</svg>',
        css, mark_safe(inner),  # noqa: S308 - constant markup from ICONS
    )


@register.simple_tag
def logo() -> SafeString:
    return mark_safe(LOGO)  # noqa: S308 - constant markup


@register.filter
def langname(tag: str) -> str:
    from kefu.knowledge.languages import language_name

    return language_name(tag)
