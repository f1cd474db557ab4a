"""Announcements: what the exchange tells every customer and agent at once (a phishing wave,
planned maintenance), on the surfaces it picks, for a window of time.

The status page, incidents, surge mode and queue ETAs will live here too (DESIGN.md).
"""

from __future__ import annotations

from django.db import models

from kefu.accounts.models import Agent
from kefu.core.clock import now
from kefu.core.models import BaseModel


class AnnouncementKind(models.TextChoices):
    PHISHING_WAVE = "phishing_wave", "Phishing wave"
    MAINTENANCE = "maintenance", "Maintenance"
    SECURITY = "security", "Security"
    INCIDENT = "incident", "Incident"
    GENERAL = "general", "General"


class Severity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class Surface(models.TextChoices):
    WIDGET = "widget", "Chat widget"
    HELP_CENTER = "help_center", "Help center"
    CONSOLE = "console", "Agent console"


SURFACE_FIELDS = {
    Surface.WIDGET: "on_widget",
    Surface.HELP_CENTER: "on_help_center",
    Surface.CONSOLE: "on_console",
}


class Announcement(BaseModel):
    """One notice, its texts per language and where and when it shows.

    Shown on a surface while `published` and `starts_at <= now < ends_at` (no end: until
    withdrawn). Withdrawing keeps the row (and its audit trail); it stops showing at once.
    """

    kind = models.CharField(max_length=20, choices=AnnouncementKind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.INFO)
    # {"en": {"title": "…", "body": "…"}, "zh-Hans": {…}}; English is required and is what a
    # reader of a language without its own text gets.
    translations = models.JSONField(default=dict)
    on_widget = models.BooleanField("chat widget", default=False)
    on_help_center = models.BooleanField("help center", default=False)
    on_console = models.BooleanField("agent console", default=False)
    starts_at = models.DateTimeField(default=now)
    ends_at = models.DateTimeField(null=True, blank=True)
    published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    url = models.URLField("link", max_length=500, blank=True)  # on an official domain only
    created_by = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["published", "starts_at"], name="announcement_live_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="announcement_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        title = (self.translations.get("en") or {}).get("title", "")
        return f"{self.get_kind_display()}: {title}"

    @property
    def surfaces(self) -> list[str]:
        return [s.value for s, field in SURFACE_FIELDS.items() if getattr(self, field)]
