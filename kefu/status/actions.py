"""Writes for announcements. Each publishes its change on the live streams of the surfaces it
touches (`announcements:widget`, `announcements:console`) and leaves an audit record.

What a stream gets, per surface: `announcement.published` when the announcement starts showing
there (published, or the surface added), `announcement.updated` when it keeps showing with new
text, link or window, `announcement.withdrawn` when it stops (withdrawn, or the surface
removed). Clients filter by the window themselves, so a scheduled announcement is sent once,
when it is published, not again when it starts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction

from kefu.accounts.permissions import Perm, agent_can
from kefu.core.actors import Actor, ActorKind
from kefu.core.clock import now
from kefu.core.errors import PermissionDenied, ValidationFailed
from kefu.core.events import event_emit
from kefu.knowledge.languages import lang_tag
from kefu.safety.actions import GuardBlocked, audit_record
from kefu.status.models import (
    SURFACE_FIELDS,
    Announcement,
    AnnouncementKind,
    Severity,
    Surface,
)
from kefu.status.selectors import (
    STREAMED,
    announcement_state,
    announcement_stream,
    announcements_cache_drop,
)

MAX_TITLE_CHARS = 120
MAX_BODY_CHARS = 600
MAX_URL_CHARS = 500
EDITABLE = {
    "kind",
    "severity",
    "translations",
    "surfaces",
    "starts_at",
    "ends_at",
    "url",
    "published",
}


def _require(actor: Actor) -> None:
    if actor.kind == ActorKind.AGENT:
        assert actor.agent is not None
        if not agent_can(actor.agent, Perm.ANNOUNCEMENT_MANAGE):
            raise PermissionDenied(f"your role ({actor.agent.role}) may not publish announcements")


# --- input checks ------------------------------------------------------------------------------


def translations_clean(raw: Any) -> dict[str, dict[str, str]]:
    """{language: {title, body}} with canonical tags, trimmed, English present."""
    if not isinstance(raw, dict) or not raw:
        raise ValidationFailed(
            "translations is a map of language -> {title, body}", field="translations"
        )
    out: dict[str, dict[str, str]] = {}
    for code, text in raw.items():
        tag = lang_tag(str(code))
        if tag is None:
            raise ValidationFailed(f"unknown language {code!r}", field=f"translations.{code}")
        if tag in out:
            raise ValidationFailed(f"{code!r} repeats {tag}", field=f"translations.{code}")
        if not isinstance(text, dict):
            raise ValidationFailed(
                "each translation is {title, body}", field=f"translations.{code}"
            )
        title = str(text.get("title") or "").strip()
        body = str(text.get("body") or "").strip()
        if not title and not body:
            continue  # an empty language row (the admin form has one per language)
        if not title:
            raise ValidationFailed(
                "a translation needs a title", field=f"translations.{code}.title"
            )
        if len(title) > MAX_TITLE_CHARS:
            raise ValidationFailed(
                f"the title is at most {MAX_TITLE_CHARS} characters",
                field=f"translations.{code}.title",
            )
        if len(body) > MAX_BODY_CHARS:
            raise ValidationFailed(
                f"the text is at most {MAX_BODY_CHARS} characters",
                field=f"translations.{code}.body",
            )
        out[tag] = {"title": title, "body": body}
    if "en" not in out:
        raise ValidationFailed(
            "an English text is required: readers of other languages fall back to it",
            field="translations.en",
        )
    return out


def url_clean(url: str) -> str:
    """An absolute http(s) link on an official domain, or nothing. An announcement is where a
    scam would most like to put its link."""
    from kefu.safety.selectors import official_domains
    from kefu.safety.verify import domain_official

    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > MAX_URL_CHARS:
        raise ValidationFailed(f"the link is at most {MAX_URL_CHARS} characters", field="url")
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise ValidationFailed("the link must be an absolute http(s) URL", field="url")
    try:
        host = (
            host.encode("ascii").decode("idna")
            if host.startswith("xn--") or ".xn--" in host
            else host
        )
    except UnicodeError:
        raise ValidationFailed("the link's host is not a valid domain", field="url") from None
    if domain_official(host, official_domains()) is None:
        raise ValidationFailed(
            f"{host} is not an official domain (admin → Official channels, or KEFU_OFFICIAL_DOMAINS)",
            code="unofficial_link",
            field="url",
        )
    return url


def surfaces_clean(raw: Any) -> list[str]:
    if not isinstance(raw, list | tuple) or not raw:
        raise ValidationFailed(
            "pick at least one surface: widget, help_center, console", field="surfaces"
        )
    out = []
    for s in raw:
        if s not in Surface.values:
            raise ValidationFailed(
                f"surfaces are {', '.join(Surface.values)}, not {s!r}", field="surfaces"
            )
        if s not in out:
            out.append(str(s))
    return out


def texts_guard(translations: dict[str, dict[str, str]]) -> None:
    """The outbound guard's ask rules on every text: a notice never asks for a password, seed
    phrase, key or code, nor to install a remote-access tool. Links in the text are not checked
    (a phishing notice names the fake domains; the banner shows text, never a link from it)."""
    from dataclasses import replace

    from kefu.safety.guard import outbound_check
    from kefu.safety.selectors import guard_rules

    rules = replace(guard_rules(), foreign_link=False, wallet_address=False)
    for tag, text in translations.items():
        result = outbound_check(
            f"{text['title']}.\n{text['body']}", official_domains=[], rules=rules
        )
        if result.blocked:
            exc = GuardBlocked(result, overridable=False)
            exc.field = f"translations.{tag}"
            raise exc


def _window(starts_at: datetime, ends_at: datetime | None) -> None:
    if starts_at.tzinfo is None or (ends_at is not None and ends_at.tzinfo is None):
        raise ValidationFailed("times need a time zone (UTC: …Z)", field="starts_at")
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationFailed("ends_at must be after starts_at", field="ends_at")


# --- events ---------------------------------------------------------------------------------------


def _shown_on(a: Announcement) -> set[str]:
    return set(a.surfaces) & set(STREAMED) if a.published else set()


def _announce(a: Announcement, before: set[str]) -> None:
    """Tell each live stream what changed for it (see the module docstring)."""
    after = _shown_on(a)
    state = announcement_state(a)
    started = sorted(after - before)
    kept = sorted(after & before)
    stopped = sorted(before - after)
    if started:
        event_emit(
            type="announcement.published",
            payload={"announcement": state},
            streams=[announcement_stream(s) for s in started],
        )
    if kept:
        event_emit(
            type="announcement.updated",
            payload={"announcement": state},
            streams=[announcement_stream(s) for s in kept],
        )
    if stopped:
        event_emit(
            type="announcement.withdrawn",
            payload={"id": a.pk},
            streams=[announcement_stream(s) for s in stopped],
        )
    # Now for this transaction's later reads (and the tests), again once it commits.
    announcements_cache_drop()
    transaction.on_commit(announcements_cache_drop)


def _audit(a: Announcement, actor: Actor, action: str, **data: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="announcement",
        object_id=str(a.pk),
        data={"kind": a.kind, "severity": a.severity, "surfaces": a.surfaces, **data},
    )


# --- actions -----------------------------------------------------------------------------------------


@transaction.atomic
def announcement_publish(
    *,
    actor: Actor,
    kind: str,
    translations: dict[str, Any],
    surfaces: list[str],
    severity: str = Severity.INFO,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    url: str = "",
    draft: bool = False,
) -> Announcement:
    """A new announcement, shown from `starts_at` (now) until `ends_at` (withdrawn), unless
    it is a draft (publish it later with announcement_update(published=True))."""
    _require(actor)
    if kind not in AnnouncementKind.values:
        raise ValidationFailed(
            f"kind must be one of {', '.join(AnnouncementKind.values)}", field="kind"
        )
    if severity not in Severity.values:
        raise ValidationFailed(
            f"severity must be one of {', '.join(Severity.values)}", field="severity"
        )
    texts = translations_clean(translations)
    where = surfaces_clean(surfaces)
    moment = now()
    starts_at = starts_at or moment
    _window(starts_at, ends_at)
    if ends_at is not None and ends_at <= moment and not draft:
        raise ValidationFailed("ends_at is in the past: this would never show", field="ends_at")
    link = url_clean(url)
    texts_guard(texts)
    a = Announcement.objects.create(
        kind=kind,
        severity=severity,
        translations=texts,
        **{field: s in where for s, field in SURFACE_FIELDS.items()},
        starts_at=starts_at,
        ends_at=ends_at,
        url=link,
        published=not draft,
        published_at=None if draft else moment,
        created_by=actor.agent,
        created_at=moment,
        updated_at=moment,
    )
    _announce(a, before=set())
    _audit(a, actor, "announcement.drafted" if draft else "announcement.published")
    return a


@transaction.atomic
def announcement_update(*, announcement: Announcement, actor: Actor, **fields: Any) -> Announcement:
    """Change any of EDITABLE. `published=True` publishes a draft (or a withdrawn one again);
    `published=False` is the same as announcement_withdraw."""
    _require(actor)
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ValidationFailed(f"cannot change {', '.join(sorted(unknown))}")
    if fields.get("published") is False:
        extra = {k: v for k, v in fields.items() if k != "published"}
        a = (
            announcement_update(announcement=announcement, actor=actor, **extra)
            if extra
            else announcement
        )
        return announcement_withdraw(announcement=a, actor=actor)
    a = Announcement.objects.select_for_update().get(pk=announcement.pk)
    before = _shown_on(a)
    changed: list[str] = []

    def put(name: str, value: Any) -> None:
        if getattr(a, name) != value:
            setattr(a, name, value)
            changed.append(name)

    if "kind" in fields:
        if fields["kind"] not in AnnouncementKind.values:
            raise ValidationFailed(
                f"kind must be one of {', '.join(AnnouncementKind.values)}", field="kind"
            )
        put("kind", fields["kind"])
    if "severity" in fields:
        if fields["severity"] not in Severity.values:
            raise ValidationFailed(
                f"severity must be one of {', '.join(Severity.values)}", field="severity"
            )
        put("severity", fields["severity"])
    if "translations" in fields:
        texts = translations_clean(fields["translations"])
        texts_guard(texts)
        put("translations", texts)
    if "surfaces" in fields:
        where = surfaces_clean(fields["surfaces"])
        for s, field in SURFACE_FIELDS.items():
            put(field, s in where)
    if "starts_at" in fields:
        put("starts_at", fields["starts_at"] or a.starts_at)
    if "ends_at" in fields:
        put("ends_at", fields["ends_at"])
    _window(a.starts_at, a.ends_at)
    if "url" in fields:
        put("url", url_clean(fields["url"]))
    moment = now()
    if fields.get("published") and not a.published:
        if a.ends_at is not None and a.ends_at <= moment:
            raise ValidationFailed("ends_at is in the past: this would never show", field="ends_at")
        a.published, a.published_at, a.withdrawn_at = True, moment, None
        changed += ["published", "published_at", "withdrawn_at"]
    if not changed:
        return a
    a.save(update_fields=a.touch_fields(*changed))
    _announce(a, before)
    _audit(
        a,
        actor,
        "announcement.published" if "published" in changed else "announcement.updated",
        changed=sorted(
            {"surfaces" if c.startswith("on_") else c for c in changed}
            - {"published_at", "withdrawn_at"}
        ),
    )
    return a


@transaction.atomic
def announcement_withdraw(*, announcement: Announcement, actor: Actor) -> Announcement:
    """Stop showing it everywhere, now. Withdrawing what is not published changes nothing."""
    _require(actor)
    a = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if not a.published:
        return a
    before = _shown_on(a)
    a.published, a.withdrawn_at = False, now()
    a.save(update_fields=a.touch_fields("published", "withdrawn_at"))
    _announce(a, before)
    _audit(a, actor, "announcement.withdrawn")
    return a


# --- demo -------------------------------------------------------------------------------------------

DEMO_PHISHING_WAVE = {
    "en": {
        "title": "Fake “Lumen Support” sites and phone calls",
        "body": "Scammers are sending look-alike links such as lumen-exchange-support.com and calling as “Lumen Security”. We never ask for your password, 2FA codes or recovery phrase, or ask you to move funds.",
    },
    "zh-Hans": {
        "title": "谨防假冒“Lumen 客服”的网站和电话",
        "body": "近期有骗子发送仿冒链接（如 lumen-exchange-support.com），并冒充“Lumen 安全团队”来电。我们绝不会索要您的密码、二次验证码或助记词，也绝不会要求您转移资金。",
    },
    "es": {
        "title": "Sitios y llamadas falsas de “Soporte Lumen”",
        "body": "Hay estafadores enviando enlaces que imitan el nuestro, como lumen-exchange-support.com, y llamando como “Seguridad de Lumen”. Nunca te pediremos tu contraseña, códigos 2FA ni frase de recuperación, ni que muevas tus fondos.",
    },
}


def announcements_seed_demo() -> Announcement:
    """The demo exchange's phishing wave (called by `kefu demo`): on every surface for a week,
    linking to kefu's own /verify/ page."""
    from datetime import timedelta

    from django.conf import settings

    return announcement_publish(
        actor=Actor.system("demo"),
        kind=AnnouncementKind.PHISHING_WAVE,
        severity=Severity.CRITICAL,
        translations=DEMO_PHISHING_WAVE,
        surfaces=list(Surface.values),
        ends_at=now() + timedelta(days=7),
        url=f"{settings.PUBLIC_URL}/verify/",
    )
