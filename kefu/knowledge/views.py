"""The public help center, server-rendered. Each view: parse, one selector or action, render.

URLs carry the language (`/help/zh-hans/…`); the page is rendered in it whatever the browser
sends, so a shared link shows what the sender saw. Internal articles answer 404 to everyone but
signed-in agents.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_from_request
from django.views.decorators.http import require_GET, require_POST

from kefu.accounts.models import Agent
from kefu.core.errors import NotFound, ValidationFailed
from kefu.knowledge import actions
from kefu.knowledge.languages import UI_LANGUAGES, lang_tag, language_name, url_code
from kefu.knowledge.models import ArticleFeedback, SearchLog, SearchSource
from kefu.knowledge.selectors import (
    PUBLIC,
    Reader,
    articles_popular,
    articles_search,
    category_page,
    glossary_for,
    glossary_matches,
    help_categories,
)
from kefu.knowledge.selectors import article_page as article_page_select

log = logging.getLogger(__name__)

FEEDBACK_SALT = "kefu.knowledge.feedback"
FEEDBACK_MAX_AGE = 24 * 3600


def _reader(request: HttpRequest) -> Reader:
    user = getattr(request, "user", None)
    if isinstance(user, Agent) and user.is_active:
        return Reader(agent=user)
    return PUBLIC


def announcements(language: str) -> list[dict[str, Any]]:
    """The banner slot: kefu.status's help-center announcements in the page's language,
    [{"id", "kind", "level", "title", "body", "url", "language"}]."""
    from kefu.status.selectors import announcements_for_help_center

    try:
        return announcements_for_help_center(language=language)
    except Exception:
        # A broken banner must not take the help center down with it.
        log.exception("announcements for the help center failed")
        return []


def localized(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve the URL's language, render in it, and turn NotFound into the help center's 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, lang: str, **kwargs: Any) -> HttpResponse:
        tag = lang_tag(lang)
        if tag is None:
            return _not_found(request, "en")
        if lang != url_code(tag):
            return redirect(request.path.replace(f"/{lang}/", f"/{url_code(tag)}/", 1), permanent=True)
        with translation.override(tag):
            request.LANGUAGE_CODE = tag  # type: ignore[attr-defined]
            try:
                return view(request, tag, **kwargs)
            except NotFound:
                return _not_found(request, tag)

    return wrapper


def _base(request: HttpRequest, lang: str, **extra: Any) -> dict[str, Any]:
    path = request.path
    prefix = f"/help/{url_code(lang)}/"
    rest = path[len(prefix):] if path.startswith(prefix) else ""
    switch = []
    for tag in UI_LANGUAGES:
        switch.append({"tag": tag, "name": language_name(tag), "url": f"/help/{url_code(tag)}/{rest}", "current": tag == lang})
    return {
        "lang": lang, "lang_url": url_code(lang), "languages": switch,
        "brand": getattr(settings, "BRAND_NAME", "") or "",
        "announcements": announcements(lang), "reader": _reader(request),
        "home_url": reverse("knowledge:home", kwargs={"lang": url_code(lang)}),
        "search_url": reverse("knowledge:search", kwargs={"lang": url_code(lang)}),
        "glossary_url": reverse("knowledge:glossary", kwargs={"lang": url_code(lang)}),
        "absolute": request.build_absolute_uri("/")[:-1],
        **extra,
    }


def _not_found(request: HttpRequest, lang: str) -> HttpResponse:
    with translation.override(lang):
        return render(request, "knowledge/not_found.html", _base(request, lang), status=404)


@require_GET
def root(request: HttpRequest) -> HttpResponse:
    """/help/ -> the reader's language, from the language cookie or Accept-Language."""
    tag = lang_tag(get_language_from_request(request)) or "en"
    if tag not in UI_LANGUAGES:
        tag = "en"
    response = HttpResponseRedirect(reverse("knowledge:home", kwargs={"lang": url_code(tag)}))
    response["Vary"] = "Accept-Language, Cookie"
    return response


@require_GET
@localized
def home(request: HttpRequest, lang: str) -> HttpResponse:
    reader = _reader(request)
    context = _base(
        request, lang,
        categories=help_categories(reader=reader, language=lang),
        popular=articles_popular(reader=reader, language=lang, limit=8),
    )
    return render(request, "knowledge/home.html", context)


@require_GET
@localized
def category(request: HttpRequest, lang: str, slug: str) -> HttpResponse:
    page = category_page(reader=_reader(request), language=lang, slug=slug)
    return render(request, "knowledge/category.html", _base(request, lang, page=page))


@require_GET
@localized
def article(request: HttpRequest, lang: str, slug: str) -> HttpResponse:
    page = article_page_select(reader=_reader(request), language=lang, slug=slug)
    actions.article_view_record(article=page.article)
    search_id = _uuid(request.GET.get("sq"))
    if search_id is not None:
        position = request.GET.get("pos", "")
        actions.search_click_record(
            search_id=search_id, article=page.article, position=int(position) if position.isdigit() and len(position) < 4 else None
        )
    feedback_state = None
    token = request.GET.get("feedback")
    if token:
        fb = _feedback_from_token(token, page.article.pk)
        if fb is not None:
            feedback_state = {"helpful": fb.helpful, "token": token, "has_comment": bool(fb.comment)}
    t = page.translation
    structured = {
        "@context": "https://schema.org", "@type": "Article", "headline": t.title, "inLanguage": t.language,
        "dateModified": t.published_at.isoformat() if t.published_at else None, "description": t.excerpt,
    }
    context = _base(
        request, lang, page=page, t=t, feedback=feedback_state, search_id=search_id,
        body_html=mark_safe(t.body_html),  # noqa: S308 - sanitized by nh3 at publish (kefu/knowledge/markdown.py)
        structured=mark_safe(json.dumps(structured, ensure_ascii=False).replace("<", "\\u003c")),  # noqa: S308 - JSON with < escaped
        canonical=page.alternates and dict(page.alternates).get(t.language),
    )
    return render(request, "knowledge/article.html", context)


@require_POST
@localized
def feedback(request: HttpRequest, lang: str, slug: str) -> HttpResponse:
    """'Was this helpful?' (CSRF-protected). Vote first; the optional comment comes after."""
    page = article_page_select(reader=_reader(request), language=lang, slug=slug)
    url = reverse("knowledge:article", kwargs={"lang": url_code(lang), "slug": slug})
    token = request.POST.get("feedback", "")
    comment = request.POST.get("comment", "")[:4000]
    try:
        if token:
            fb = _feedback_from_token(token, page.article.pk)
            if fb is None:
                return redirect(f"{url}#feedback")
            if comment.strip() and not fb.comment:
                actions.article_feedback_comment(feedback=fb, comment=comment)
            return redirect(f"{url}?feedback={token}&commented=1#feedback")
        helpful = request.POST.get("helpful")
        if helpful not in ("yes", "no"):
            return redirect(f"{url}#feedback")
        search = None
        search_id = _uuid(request.POST.get("sq"))
        if search_id is not None:
            search = SearchLog.objects.filter(pk=search_id).first()
        fb = actions.article_feedback_submit(
            article=page.article, language=page.translation.language, helpful=helpful == "yes", comment=comment, search=search
        )
    except ValidationFailed:
        return redirect(f"{url}#feedback")
    token = signing.dumps(str(fb.pk), salt=FEEDBACK_SALT)
    return redirect(f"{url}?feedback={token}#feedback")


def _feedback_from_token(token: str, article_id: Any) -> ArticleFeedback | None:
    try:
        pk = signing.loads(token, salt=FEEDBACK_SALT, max_age=FEEDBACK_MAX_AGE)
    except signing.BadSignature:
        return None
    return ArticleFeedback.objects.filter(pk=pk, article_id=article_id).first()


def _uuid(value: str | None) -> UUID | None:
    if not value:
        return None
    try:
        return UUID(value)
    except ValueError:
        return None


@require_GET
@localized
def search(request: HttpRequest, lang: str) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    reader = _reader(request)
    results = None
    log_id = None
    terms: list[dict[str, str]] = []
    if query:
        results = articles_search(reader=reader, query=query, language=lang, limit=15)
        entry = actions.search_log_record(
            results=results, source=SearchSource.AGENT if reader.agent else SearchSource.HELP_CENTER, agent=reader.agent
        )
        log_id = entry.pk
        terms = glossary_matches(query=query, language=lang)
    context = _base(
        request, lang, query=query, results=results, search_id=log_id, glossary_hits=terms,
        popular=[] if results and results.items else articles_popular(reader=reader, language=lang, limit=6),
    )
    response = render(request, "knowledge/search.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
@localized
def glossary(request: HttpRequest, lang: str) -> HttpResponse:
    return render(request, "knowledge/glossary.html", _base(request, lang, terms=glossary_for(language=lang)))
