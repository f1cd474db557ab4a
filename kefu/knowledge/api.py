"""Help-center API.

Public (no authentication), for the widget, the customer portal and the email auto-reply:
`GET /help/suggest`, `GET /help/articles/{slug}`, `POST /help/articles/{slug}/feedback`,
`POST /help/searches/{id}/click`. They never return internal articles.

Agents (token or session): `/help/kb/...` — search including internal articles (what the
console's "insert a link or an excerpt" calls), the article editor's endpoints (drafts,
publish, revisions, restore), drafting from a resolved conversation, and the content-gap report.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja import Status as Reply

from kefu.api import agent_of
from kefu.core.actors import Actor
from kefu.core.clock import now
from kefu.core.errors import NotFound, ValidationFailed
from kefu.core.events import ArticleState
from kefu.knowledge import actions
from kefu.knowledge.languages import lang_tag
from kefu.knowledge.models import (
    Article,
    ArticleRevision,
    Category,
    SearchLog,
    SearchSource,
    Section,
)
from kefu.knowledge.selectors import (
    PUBLIC,
    Reader,
    SearchResults,
    access_article,
    article_page,
    article_state,
    articles_for_agent,
    articles_search,
    feedback_summary,
    revisions_of,
    search_gaps,
    search_stats,
    translation_of,
)

router = Router(tags=["help center"])


def _language(value: str | None, *, default: str = "en") -> str:
    if not value:
        return default
    tag = lang_tag(value)
    if tag is None:
        raise ValidationFailed(f"unknown language {value!r}", field="lang")
    return tag


def _absolute(path: str) -> str:
    return f"{settings.PUBLIC_URL}{path}"


def _detect(query: str) -> str:
    """The query's language when the caller did not say (py3langid over kefu's languages)."""
    import py3langid

    from kefu.knowledge.text import is_cjk

    if is_cjk(query) and not any("\u3040" <= ch <= "\u30ff" or "\uac00" <= ch <= "\ud7af" for ch in query):
        return "zh-Hans"
    code, _ = py3langid.classify(query)
    return lang_tag(code) or "en"


# --- public ---------------------------------------------------------------------------------------


class SuggestItem(Schema):
    article_id: uuid.UUID
    slug: str
    title: str
    excerpt: str
    url: str = Field(..., description="absolute URL of the article in the requested language")
    language: str = Field(..., description="the language the article is shown in (the requested one when it has that translation)")
    confidence: float = Field(..., ge=0, le=1)


class SuggestOut(Schema):
    search_id: uuid.UUID | None = Field(None, description="pass it back to /help/searches/{id}/click when the customer opens a result")
    query: str
    language: str
    confident: bool = Field(..., description="whether the best article is likely to answer the question")
    items: list[SuggestItem]


class SuggestQuery(Schema):
    q: str = Field(..., min_length=1, max_length=500)
    lang: str | None = Field(None, max_length=16, description="BCP 47; detected from the query when absent")
    limit: int = Field(3, ge=1, le=10)
    min_confidence: float = Field(0.0, ge=0, le=1, description="drop articles below this confidence")
    log: bool = Field(True, description="false for type-ahead calls, so only the final question is logged")


@router.get("/suggest", response=SuggestOut, auth=None, summary="Suggest help articles for a customer's question (public)")
def suggest(request: HttpRequest, params: Query[SuggestQuery]) -> dict[str, Any]:
    language = _language(params.lang) if params.lang else _detect(params.q)
    results = articles_search(reader=PUBLIC, query=params.q, language=language, limit=params.limit)
    search_id = None
    if params.log:
        search_id = actions.search_log_record(results=results, source=SearchSource.SUGGEST).pk
    items = [
        {
            "article_id": r.card.id, "slug": r.card.slug, "title": r.card.title, "excerpt": r.card.excerpt,
            "url": _absolute(r.card.url) + (f"?sq={search_id}&pos={i + 1}" if search_id else ""),
            "language": r.card.language, "confidence": round(r.confidence, 3),
        }
        for i, r in enumerate(results.items)
        if r.confidence >= params.min_confidence
    ]
    return {"search_id": search_id, "query": params.q, "language": language, "confident": not results.no_good_result, "items": items}


class PublicArticle(Schema):
    article_id: uuid.UUID
    slug: str
    title: str
    language: str
    html: str = Field(..., description="sanitized HTML of the body")
    excerpt: str
    url: str
    published_at: datetime | None
    translations: list[str]


@router.get("/articles/{slug}", response=PublicArticle, auth=None, summary="A published public article, for showing it in the widget")
def public_article(request: HttpRequest, slug: str, lang: str | None = None) -> dict[str, Any]:
    page = article_page(reader=PUBLIC, language=_language(lang), slug=slug)
    t = page.translation
    return {
        "article_id": page.article.pk, "slug": page.article.slug, "title": t.title, "language": t.language,
        "html": t.body_html, "excerpt": t.excerpt, "url": _absolute(dict(page.alternates)[t.language]),
        "published_at": t.published_at, "translations": [lang for lang, _ in page.alternates],
    }


class FeedbackIn(Schema):
    helpful: bool
    comment: str = Field("", max_length=2000)
    lang: str | None = Field(None, max_length=16)
    search_id: uuid.UUID | None = None


class FeedbackOut(Schema):
    id: uuid.UUID
    helpful_count: int
    unhelpful_count: int


@router.post("/articles/{slug}/feedback", response={201: FeedbackOut}, auth=None, summary="'Was this helpful?' from the widget or portal (public)")
def public_feedback(request: HttpRequest, slug: str, payload: FeedbackIn) -> Reply:
    page = article_page(reader=PUBLIC, language=_language(payload.lang), slug=slug)
    search = SearchLog.objects.filter(pk=payload.search_id).first() if payload.search_id else None
    fb = actions.article_feedback_submit(
        article=page.article, language=page.translation.language, helpful=payload.helpful, comment=payload.comment, search=search
    )
    counts = Article.objects.filter(pk=page.article.pk).values("helpful_count", "unhelpful_count").get()
    return Reply(201, {"id": fb.pk, **counts})


class ClickIn(Schema):
    article_id: uuid.UUID
    position: int | None = Field(None, ge=1, le=100)


@router.post("/searches/{search_id}/click", response={204: None}, auth=None, summary="Record that a suggestion was opened (public)")
def search_click(request: HttpRequest, search_id: uuid.UUID, payload: ClickIn) -> Reply:
    article = Article.objects.filter(pk=payload.article_id, internal=False).first()
    if article is None:
        raise NotFound("no such article")
    actions.search_click_record(search_id=search_id, article=article, position=payload.position)
    return Reply(204, None)


# --- agents: search -----------------------------------------------------------------------------


class KbSearchItem(Schema):
    article_id: uuid.UUID
    slug: str
    title: str
    language: str
    internal: bool
    category: str | None
    excerpt: str
    snippet_html: str = Field(..., description="escaped text with <mark> around matches")
    url: str
    confidence: float
    insert_link: str = Field(..., description="Markdown link to paste into a reply")
    insert_excerpt: str = Field(..., description="plain-text excerpt with the link, to paste into a reply")


class KbSearchOut(Schema):
    search_id: uuid.UUID
    query: str
    language: str
    items: list[KbSearchItem]


class KbSearchQuery(Schema):
    q: str = Field(..., min_length=1, max_length=500)
    lang: str | None = Field(None, max_length=16, description="the language to show articles in (the customer's)")
    limit: int = Field(8, ge=1, le=25)
    include_internal: bool = True


def _kb_items(results: SearchResults) -> list[dict[str, Any]]:
    out = []
    for r in results.items:
        c = r.card
        url = _absolute(c.url)
        out.append({
            "article_id": c.id, "slug": c.slug, "title": c.title, "language": c.language, "internal": c.internal,
            "category": c.category, "excerpt": c.excerpt, "snippet_html": r.snippet, "url": url,
            "confidence": round(r.confidence, 3), "insert_link": f"[{c.title}]({url})",
            "insert_excerpt": f"{c.excerpt}\n{url}" if not c.internal else c.excerpt,
        })
    return out


@router.get("/kb/search", response=KbSearchOut, summary="Search the knowledge base as an agent (internal articles included)")
def kb_search(request: HttpRequest, params: Query[KbSearchQuery]) -> dict[str, Any]:
    agent = agent_of(request)
    language = _language(params.lang) if params.lang else _detect(params.q)
    reader = Reader(agent) if params.include_internal else PUBLIC
    results = articles_search(reader=reader, query=params.q, language=language, limit=params.limit)
    entry = actions.search_log_record(results=results, source=SearchSource.AGENT, agent=agent)
    return {"search_id": entry.pk, "query": params.q, "language": language, "items": _kb_items(results)}


# --- agents: articles -------------------------------------------------------------------------------


class ArticlePage(Schema):
    items: list[ArticleState]


class ArticleFilters(Schema):
    category: str | None = Field(None, max_length=80)
    status: Literal["published", "draft", "unpublished"] | None = None
    limit: int = Field(50, ge=1, le=200)


@router.get("/kb/articles", response=ArticlePage, summary="List articles (newest change first)")
def kb_articles(request: HttpRequest, filters: Query[ArticleFilters]) -> dict[str, Any]:
    qs = articles_for_agent(agent=agent_of(request), category=filters.category, status=filters.status)
    return {"items": [article_state(a) for a in qs[: filters.limit]]}


class RevisionOut(Schema):
    id: uuid.UUID
    number: int
    language: str
    title: str
    body: str
    tags: list[str]
    questions: list[str]
    author: str
    note: str
    created_at: datetime
    published_at: datetime | None
    live: bool
    restored_from: int | None


def _revision_out(r: ArticleRevision, *, live_id: Any = None) -> dict[str, Any]:
    restored = ArticleRevision.objects.filter(pk=r.restored_from_id).values_list("number", flat=True).first() if r.restored_from_id else None
    return {
        "id": r.pk, "number": r.number, "language": r.translation.language, "title": r.title, "body": r.body,
        "tags": r.tags, "questions": r.questions,
        "author": r.author.display_name if r.author else r.author_label, "note": r.note, "created_at": r.created_at,
        "published_at": r.published_at, "live": r.pk == live_id, "restored_from": restored,
    }


class ArticleDetail(Schema):
    article: ArticleState
    products: list[str]
    networks: list[str]
    coins: list[str]
    related: list[str]
    drafts: list[RevisionOut]
    feedback: dict[str, Any]


class FromConversationIn(Schema):
    conversation_id: uuid.UUID
    title: str | None = Field(None, max_length=300)
    language: str | None = Field(None, max_length=16)
    category: str | None = Field(None, max_length=80)
    section: str | None = Field(None, max_length=80)
    internal: bool = False


@router.post("/kb/articles/from-conversation", response={201: ArticleDetail}, summary="Draft an article from a resolved conversation")
def kb_from_conversation(request: HttpRequest, payload: FromConversationIn) -> Reply:
    from kefu.conversations.selectors import access_conversation

    agent = agent_of(request)
    conversation = access_conversation(agent=agent, conversation_id=payload.conversation_id)
    cat, sec = _category_section(payload.category, payload.section)
    revision = actions.article_draft_from_conversation(
        conversation=conversation, actor=Actor.of_agent(agent), language=_language(payload.language) if payload.language else None,
        title=payload.title, category=cat, section=sec, internal=payload.internal,
    )
    article = revision.translation.article
    return Reply(201, _article_detail(article))


@router.get("/kb/articles/{article_id}", response=ArticleDetail, summary="An article with its latest revision per language")
def kb_article(request: HttpRequest, article_id: uuid.UUID) -> dict[str, Any]:
    return _article_detail(access_article(agent=agent_of(request), article_id=article_id))


def _article_detail(article: Article) -> dict[str, Any]:
    latest = []
    for t in article.translations.all().order_by("language"):
        r = t.revisions.select_related("translation", "author").order_by("-number").first()
        if r is not None:
            latest.append(_revision_out(r, live_id=t.published_revision_id))
    return {
        "article": article_state(article), "products": article.products, "networks": article.networks, "coins": article.coins,
        "related": list(article.relations.order_by("position").values_list("to_article__slug", flat=True)),
        "drafts": latest, "feedback": feedback_summary(article=article),
    }


class ArticleIn(Schema):
    slug: str = Field(..., min_length=1, max_length=120)
    category: str | None = Field(None, max_length=80)
    section: str | None = Field(None, max_length=80)
    internal: bool = False
    language: str = Field("en", max_length=16)
    title: str = Field(..., min_length=1, max_length=300)
    body: str = Field(..., min_length=1, max_length=100_000)
    tags: list[str] = Field(default_factory=list, max_length=50)
    questions: list[str] = Field(default_factory=list, max_length=50)
    products: list[str] = Field(default_factory=list, max_length=50)
    networks: list[str] = Field(default_factory=list, max_length=50)
    coins: list[str] = Field(default_factory=list, max_length=50)


def _category_section(category: str | None, section: str | None) -> tuple[Category | None, Section | None]:
    cat = None
    if category:
        cat = Category.objects.filter(slug=category).first()
        if cat is None:
            raise ValidationFailed(f"no category {category!r}", field="category")
    sec = None
    if section:
        if cat is None:
            raise ValidationFailed("a section needs its category", field="section")
        sec = Section.objects.filter(category=cat, slug=section).first()
        if sec is None:
            raise ValidationFailed(f"no section {section!r} in {category}", field="section")
    return cat, sec


@router.post("/kb/articles", response={201: ArticleState}, summary="Create an article with a first draft")
def kb_article_create(request: HttpRequest, payload: ArticleIn) -> Reply:
    agent = agent_of(request)
    actor = Actor.of_agent(agent)
    cat, sec = _category_section(payload.category, payload.section)
    from django.db import transaction

    with transaction.atomic():
        article = actions.article_create(
            slug=payload.slug, actor=actor, category=cat, section=sec, internal=payload.internal,
            products=payload.products, networks=payload.networks, coins=payload.coins,
        )
        actions.article_draft_save(
            article=article, language=_language(payload.language), title=payload.title, body=payload.body, actor=actor,
            tags=payload.tags, questions=payload.questions,
        )
    return Reply(201, article_state(article))


class ArticlePatch(Schema):
    category: str | None = Field(None, max_length=80)
    section: str | None = Field(None, max_length=80)
    internal: bool | None = None
    position: int | None = None
    products: list[str] | None = Field(None, max_length=50)
    networks: list[str] | None = Field(None, max_length=50)
    coins: list[str] | None = Field(None, max_length=50)
    related: list[str] | None = Field(None, max_length=20, description="slugs, in display order")


@router.patch("/kb/articles/{article_id}", response=ArticleState, summary="Change category, visibility, order, applies-to or related articles")
def kb_article_patch(request: HttpRequest, article_id: uuid.UUID, payload: ArticlePatch) -> ArticleState:
    agent = agent_of(request)
    actor = Actor.of_agent(agent)
    article = access_article(agent=agent, article_id=article_id)
    data = payload.model_dump(exclude_unset=True)
    fields: dict[str, Any] = {}
    if "category" in data or "section" in data:
        cat, sec = _category_section(data.get("category") or (article.category.slug if article.category else None), data.get("section"))
        fields["category"], fields["section"] = cat, sec
    for name in ("internal", "position", "products", "networks", "coins"):
        if data.get(name) is not None:
            fields[name] = data[name]
    if fields:
        article = actions.article_update(article=article, actor=actor, **fields)
    if data.get("related") is not None:
        related = list(Article.objects.filter(slug__in=data["related"]))
        missing = set(data["related"]) - {a.slug for a in related}
        if missing:
            raise ValidationFailed(f"no article {sorted(missing)[0]!r}", field="related")
        order = {s: i for i, s in enumerate(data["related"])}
        article = actions.article_related_set(article=article, related=sorted(related, key=lambda a: order[a.slug]), actor=actor)
    return article_state(article)


class DraftIn(Schema):
    title: str = Field(..., min_length=1, max_length=300)
    body: str = Field(..., min_length=1, max_length=100_000)
    tags: list[str] = Field(default_factory=list, max_length=50)
    questions: list[str] = Field(default_factory=list, max_length=50)
    note: str = Field("", max_length=300)


@router.put("/kb/articles/{article_id}/translations/{lang}/draft", response=RevisionOut, summary="Save a draft of a translation (creates the translation if new)")
def kb_draft_save(request: HttpRequest, article_id: uuid.UUID, lang: str, payload: DraftIn) -> dict[str, Any]:
    agent = agent_of(request)
    article = access_article(agent=agent, article_id=article_id)
    revision = actions.article_draft_save(
        article=article, language=_language(lang), title=payload.title, body=payload.body, actor=Actor.of_agent(agent),
        tags=payload.tags, questions=payload.questions, note=payload.note,
    )
    return _revision_out(revision, live_id=revision.translation.published_revision_id)


class PublishIn(Schema):
    revision: int | None = Field(None, ge=1, description="a revision number; the current draft when absent")


@router.post("/kb/articles/{article_id}/translations/{lang}/publish", response=ArticleState, summary="Publish the draft (or a given revision)")
def kb_publish(request: HttpRequest, article_id: uuid.UUID, lang: str, payload: PublishIn) -> ArticleState:
    agent = agent_of(request)
    article = access_article(agent=agent, article_id=article_id)
    translation = translation_of(article=article, language=_language(lang))
    revision = None
    if payload.revision is not None:
        revision = translation.revisions.filter(number=payload.revision).first()
        if revision is None:
            raise NotFound(f"no revision {payload.revision}")
    actions.article_publish(article=article, language=translation.language, actor=Actor.of_agent(agent), revision=revision)
    return article_state(article)


@router.post("/kb/articles/{article_id}/unpublish", response=ArticleState, summary="Take an article (or one translation with ?lang=) off the help center")
def kb_unpublish(request: HttpRequest, article_id: uuid.UUID, lang: str | None = None) -> ArticleState:
    agent = agent_of(request)
    article = access_article(agent=agent, article_id=article_id)
    actions.article_unpublish(article=article, actor=Actor.of_agent(agent), language=_language(lang) if lang else None)
    return article_state(article)


class RevisionPage(Schema):
    items: list[RevisionOut]


@router.get("/kb/articles/{article_id}/translations/{lang}/revisions", response=RevisionPage, summary="Revision history, newest first")
def kb_revisions(request: HttpRequest, article_id: uuid.UUID, lang: str) -> dict[str, Any]:
    article = access_article(agent=agent_of(request), article_id=article_id)
    translation = translation_of(article=article, language=_language(lang))
    revisions = revisions_of(translation=translation).select_related("translation")[:100]
    return {"items": [_revision_out(r, live_id=translation.published_revision_id) for r in revisions]}


class RestoreIn(Schema):
    publish: bool = False


@router.post("/kb/articles/{article_id}/translations/{lang}/revisions/{number}/restore", response={201: RevisionOut},
             summary="Restore an old revision as the newest draft (and publish it with publish=true)")
def kb_restore(request: HttpRequest, article_id: uuid.UUID, lang: str, number: int, payload: RestoreIn) -> Reply:
    agent = agent_of(request)
    article = access_article(agent=agent, article_id=article_id)
    translation = translation_of(article=article, language=_language(lang))
    old = translation.revisions.filter(number=number).first()
    if old is None:
        raise NotFound(f"no revision {number}")
    restored = actions.article_revision_restore(revision=old, actor=Actor.of_agent(agent), publish=payload.publish)
    restored.translation.refresh_from_db()
    return Reply(201, _revision_out(restored, live_id=restored.translation.published_revision_id))


# --- agents: content gaps -------------------------------------------------------------------------


class GapOut(Schema):
    query: str
    count: int
    languages: list[str]
    last_seen: datetime
    best_confidence: float
    clicked: int


class GapReport(Schema):
    since: datetime
    searches: int
    no_good_result: int
    no_good_result_rate: float
    clicked: int
    click_rate: float
    gaps: list[GapOut]


@router.get("/kb/gaps", response=GapReport, summary="Content gaps: searches with no good result, most asked first")
def kb_gaps(request: HttpRequest, days: int = Query(30, ge=1, le=365), limit: int = Query(50, ge=1, le=500)) -> dict[str, Any]:  # type: ignore[type-arg]
    agent_of(request)  # any active agent: writers and agents act on it
    since = now() - timedelta(days=days)
    return {**search_stats(since=since), "gaps": [g.__dict__ for g in search_gaps(since=since, limit=limit)]}
