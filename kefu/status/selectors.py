"""Reads for announcements: what shows on a surface, in a reader's language, at a moment.

Surfaces read through a short cache (`CACHE_SECONDS`) of the published, not yet ended
announcements of each surface, and filter by time and pick the language on every read: a
help-center page or a widget session costs no query while the cache is warm, and an
announcement still starts and ends on the second. Actions drop the cache when they write;
other processes see a change within CACHE_SECONDS (open widgets and consoles get it pushed).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import Q, QuerySet

from kefu.core.clock import now
from kefu.core.errors import ValidationFailed
from kefu.core.events import AnnouncementState
from kefu.knowledge.languages import fallback_chain, lang_tag
from kefu.status.models import SURFACE_FIELDS, Announcement, Surface

CACHE_SECONDS = 15
MAX_SHOWN = 3  # banners per surface at once; more would push the page (or the chat) away
SEVERITY_RANK = {"critical": 0, "warning": 1, "info": 2}
# Surfaces with a live stream: open widgets and consoles get changes pushed.
STREAMED = (Surface.WIDGET, Surface.CONSOLE)
# Surfaces the public API answers for; console notices are for staff only.
PUBLIC_SURFACES = (Surface.WIDGET, Surface.HELP_CENTER)


def announcement_stream(surface: str) -> str:
    return f"announcements:{surface}"


def _cache_key(surface: str) -> str:
    return f"kefu:announcements:v1:{surface}"


def announcements_cache_drop() -> None:
    cache.delete_many([_cache_key(s) for s in Surface.values])


def announcement_state(a: Announcement) -> AnnouncementState:
    return AnnouncementState(
        id=a.pk,
        kind=a.kind,  # type: ignore[arg-type]
        severity=a.severity,  # type: ignore[arg-type]
        surfaces=a.surfaces,  # type: ignore[arg-type]
        translations=a.translations,
        url=a.url,
        starts_at=a.starts_at,
        ends_at=a.ends_at,
        updated_at=a.updated_at,
    )


def _published(surface: str, *, fresh: bool = False) -> list[dict[str, Any]]:
    """Published, not ended announcements of a surface (scheduled ones included), cached
    unless `fresh`."""
    key = _cache_key(surface)
    rows = None if fresh else cache.get(key)
    if rows is None:
        moment = now()
        qs = Announcement.objects.filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=moment),
            published=True,
            **{SURFACE_FIELDS[Surface(surface)]: True},
        ).order_by("starts_at")[:50]
        rows = [announcement_state(a).model_dump() for a in qs]
        cache.set(key, rows, CACHE_SECONDS)
    return rows


def text_for(translations: dict[str, Any], language: str | None) -> tuple[str, dict[str, str]]:
    """The text a reader of `language` gets: theirs, else its fallback (zh-Hant reads
    zh-Hans), else English."""
    tag = lang_tag(language) or "en"
    for candidate in fallback_chain(tag):
        if candidate in translations:
            return candidate, translations[candidate]
    first = next(iter(translations))
    return first, translations[first]


@dataclass(frozen=True)
class ShownAnnouncement:
    id: uuid.UUID
    kind: str
    severity: str
    title: str
    body: str
    language: str  # of the text shown
    url: str
    starts_at: datetime
    ends_at: datetime | None
    updated_at: datetime


def _live(row: dict[str, Any], moment: datetime) -> bool:
    return row["starts_at"] <= moment and (row["ends_at"] is None or row["ends_at"] > moment)


def _order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Most severe first, then the newest: a phishing wave outranks a maintenance window.
    rows = sorted(rows, key=lambda r: r["starts_at"], reverse=True)
    return sorted(rows, key=lambda r: SEVERITY_RANK[r["severity"]])


def announcements_active(
    *, surface: str, language: str | None, at: datetime | None = None, fresh: bool = False
) -> list[ShownAnnouncement]:
    moment = at or now()
    shown = []
    rows = _published(surface, fresh=fresh)
    for row in _order([r for r in rows if _live(r, moment)])[:MAX_SHOWN]:
        lang, text = text_for(row["translations"], language)
        shown.append(
            ShownAnnouncement(
                id=row["id"],
                kind=row["kind"],
                severity=row["severity"],
                title=text["title"],
                body=text["body"],
                language=lang,
                url=row["url"],
                starts_at=row["starts_at"],
                ends_at=row["ends_at"],
                updated_at=row["updated_at"],
            )
        )
    return shown


def announcements_for_help_center(*, language: str) -> list[dict[str, Any]]:
    """The help center's banner slot (kefu.knowledge.views.announcements)."""
    return [
        {
            "id": a.id,
            "kind": a.kind,
            "level": a.severity,
            "title": a.title,
            "body": a.body,
            "url": a.url,
            "language": a.language,
        }
        for a in announcements_active(surface=Surface.HELP_CENTER, language=language)
    ]


def announcements_for_console(*, language: str) -> list[ShownAnnouncement]:
    # Fresh, like the widget's: the page's stream cursors were read just before.
    return announcements_active(surface=Surface.CONSOLE, language=language, fresh=True)


def announcements_next_change(*, surface: str, at: datetime | None = None) -> datetime | None:
    """When the set shown on a surface next changes by the clock alone (a scheduled start, an
    end), so a live page can refresh itself then."""
    moment = at or now()
    times = []
    for row in _published(surface):
        if row["starts_at"] > moment:
            times.append(row["starts_at"])
        elif row["ends_at"] is not None and row["ends_at"] > moment:
            times.append(row["ends_at"])
    return min(times, default=None)


def announcements_for_widget(*, language: str | None) -> list[dict[str, Any]]:
    """What a widget session starts with: the widget surface's published, not ended
    announcements (scheduled ones too: the widget shows each inside its window), in the same
    shape as the `announcement.*` events of its stream, with only the text the widget's
    language reads, under that language's tag. Read after the stream's cursor."""
    tag = lang_tag(language) or "en"
    # Not from the cache: the session's stream cursor was read just before, and another
    # process's cache could be older than it (an announcement in neither would be missed).
    rows = _order(_published(Surface.WIDGET, fresh=True))[:10]
    return [{**row, "translations": {tag: text_for(row["translations"], tag)[1]}} for row in rows]


# --- management ------------------------------------------------------------------------------

STATES = ("draft", "scheduled", "active", "ended", "withdrawn")


def announcement_status(a: Announcement, at: datetime | None = None) -> str:
    moment = at or now()
    if not a.published:
        return "withdrawn" if a.withdrawn_at else "draft"
    if a.starts_at > moment:
        return "scheduled"
    if a.ends_at is not None and a.ends_at <= moment:
        return "ended"
    return "active"


def announcements_list(
    *, state: str | None = None, surface: str | None = None
) -> QuerySet[Announcement]:
    qs = Announcement.objects.select_related("created_by").order_by("-created_at", "-id")
    moment = now()
    if state:
        if state not in STATES:
            raise ValidationFailed(f"state must be one of {', '.join(STATES)}", field="state")
        qs = qs.filter(
            {
                "draft": Q(published=False, withdrawn_at__isnull=True),
                "withdrawn": Q(published=False, withdrawn_at__isnull=False),
                "scheduled": Q(published=True, starts_at__gt=moment),
                "active": Q(published=True, starts_at__lte=moment)
                & (Q(ends_at__isnull=True) | Q(ends_at__gt=moment)),
                "ended": Q(published=True, ends_at__lte=moment),
            }[state]
        )
    if surface:
        if surface not in Surface.values:
            raise ValidationFailed(
                f"surface must be one of {', '.join(Surface.values)}", field="surface"
            )
        qs = qs.filter(**{SURFACE_FIELDS[Surface(surface)]: True})
    return qs
