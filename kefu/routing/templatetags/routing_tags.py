"""Template filters for routing and SLA badges in the console."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds as "45 s", "12 min", "3 h 05 min", "2 d"; negative values count as overdue."""
    if seconds is None:
        return ""
    s = abs(int(seconds))
    if s < 60:
        return _("%(n)d s") % {"n": s}
    if s < 3600:
        return _("%(n)d min") % {"n": s // 60}
    if s < 48 * 3600:
        return _("%(h)d h %(m)02d min") % {"h": s // 3600, "m": s % 3600 // 60}
    return _("%(n)d d") % {"n": s // 86400}


@register.filter
def clock_level(clock: dict) -> str:
    """ok / warn / breached, for the badge colour."""
    if clock.get("breached_at") or clock["remaining_seconds"] < 0:
        return "breached"
    if clock.get("warned_at"):
        return "warn"
    return "ok"
