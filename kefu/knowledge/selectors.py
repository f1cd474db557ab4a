"""Reads for the help center, the APIs and the console, with visibility built in.

A `Reader` says who is reading: the public (customers, the widget, the suggest API) never sees
internal articles or internal categories; an active agent sees everything. Every selector that
returns articles takes one, so no caller can forget the filter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.html import escape

from kefu.accounts.models import Agent
from kefu.core.clock import now
from kefu.core.errors import NotFound
from kefu.core.events import ArticleState, ArticleTranslationState
from kefu.knowledge import search as engine
from kefu.knowledge.languages import FALLBACK, fallback_chain, url_code
from kefu.knowledge.models import (
    Article,
    ArticleRevision,
    ArticleTranslation,
    Category,
    GlossaryTerm,
    SearchLog,
    Section,
)
from kefu.knowledge.permissions import kb_can_read_internal


@dataclass(frozen=True)
class Reader:
    agent: Agent | None = None

    @property
    def sees_internal(self) -> bool:
        return kb_can_read_internal(self.agent)


PUBLIC = Reader()


def label(mapping: dict[str, str] | None, language: str) -> str:
    """A localized label from a {language: text} map, falling back like articles do."""
    if not mapping:
        return ""
    for lang in fallback_chain(language):
        if mapping.get(lang):
            return mapping[lang]
    return next(iter(mapping.values()), "")


def article_url(slug: str, language: str) -> str:
    return reverse("knowledge:article", kwargs={"lang": url_code(language), "slug": slug})


def category_url(slug: str, language: str) -> str:
    return reverse("knowledge:category", kwargs={"lang": url_code(language), "slug": slug})


# --- visibility ---------------------------------------------------------------------------------


def articles_visible_to(reader: Reader) -> QuerySet[Article]:
    qs = Article.objects.all()
    if not reader.sees_internal:
        qs = qs.filter(internal=False).exclude(category__internal=True)
    return qs


def articles_live_for(reader: Reader) -> QuerySet[Article]:
    """Visible articles with at least one published translation."""
    live = ArticleTranslation.objects.filter(article=OuterRef("pk"), published_revision__isnull=False)
    return articles_visible_to(reader).filter(Exists(live))


def categories_visible_to(reader: Reader) -> QuerySet[Category]:
    qs = Category.objects.all()
    if not reader.sees_internal:
        qs = qs.filter(internal=False)
    return qs


# --- cards: what lists show ------------------------------------------------------------------


@dataclass
class ArticleCard:
    id: UUID
    slug: str
    title: str
    excerpt: str
    language: str  # of the translation shown
    url: str
    internal: bool
    category: str | None
    body_text: str = ""
    published_at: datetime | None = None


def display_translations(article_ids: list[Any], language: str) -> dict[Any, ArticleTranslation]:
    """The published translation to show each article in, best language first. One query."""
    if not article_ids:
        return {}
    rows = ArticleTranslation.objects.filter(article_id__in=article_ids, published_revision__isnull=False).only(
        "id", "article_id", "language", "title", "excerpt", "published_at", "body_text"
    )
    chain = fallback_chain(language)
    best: dict[Any, tuple[int, ArticleTranslation]] = {}
    for t in rows:
        rank = chain.index(t.language) if t.language in chain else len(chain)
        if t.article_id not in best or rank < best[t.article_id][0]:
            best[t.article_id] = (rank, t)
    return {k: v for k, (_, v) in best.items()}


def _cards(articles: list[Article], language: str, *, with_text: bool = False) -> list[ArticleCard]:
    shown = display_translations([a.pk for a in articles], language)
    cards = []
    for a in articles:
        t = shown.get(a.pk)
        if t is None:
            continue
        cards.append(ArticleCard(
            id=a.pk, slug=a.slug, title=t.title, excerpt=t.excerpt, language=t.language,
            url=article_url(a.slug, language), internal=a.internal,
            category=a.category.slug if a.category_id and a.category else None,
            body_text=t.body_text if with_text else "", published_at=t.published_at,
        ))
    return cards


@dataclass
class CategoryCard:
    slug: str
    icon: str
    title: str
    description: str
    url: str
    internal: bool
    article_count: int = 0


def help_categories(*, reader: Reader, language: str) -> list[CategoryCard]:
    live = articles_live_for(reader).filter(category=OuterRef("pk"))
    counts = dict(
        articles_live_for(reader).filter(category__isnull=False).values_list("category_id").annotate(n=Count("id"))
    )
    out = []
    for c in categories_visible_to(reader).filter(Exists(live)).order_by("position", "slug"):
        out.append(CategoryCard(
            slug=c.slug, icon=c.icon, title=label(c.title, language), description=label(c.description, language),
            url=category_url(c.slug, language), internal=c.internal, article_count=counts.get(c.pk, 0),
        ))
    return out


def articles_popular(*, reader: Reader, language: str, limit: int = 6) -> list[ArticleCard]:
    """Most read first, at most two per category so one busy topic does not fill the list.

    Until there are views, the writers' order (category, then position) decides.
    """
    qs = (
        articles_live_for(reader).select_related("category")
        .order_by("-view_count", "-helpful_count", "position", "slug")[: limit * 6]
    )
    picked: list[Article] = []
    per_category: dict[Any, int] = {}
    rest: list[Article] = []
    for a in sorted(qs, key=lambda a: (-a.view_count, -a.helpful_count, a.category.position if a.category else 0, a.position)):
        if per_category.get(a.category_id, 0) < 2 and len(picked) < limit:
            picked.append(a)
            per_category[a.category_id] = per_category.get(a.category_id, 0) + 1
        else:
            rest.append(a)
    if len(picked) < limit:
        picked += rest[: limit - len(picked)]
    if not any(a.view_count for a in picked):
        # No reading history yet: one per category in turn reads better than two of each.
        turn: dict[Any, int] = {}
        keyed = []
        for a in picked:
            turn[a.category_id] = turn.get(a.category_id, -1) + 1
            keyed.append(((turn[a.category_id], a.category.position if a.category else 0), a))
        picked = [a for _, a in sorted(keyed, key=lambda x: x[0])]
    return _cards(picked, language)


@dataclass
class SectionView:
    slug: str
    title: str
    articles: list[ArticleCard] = field(default_factory=list)


@dataclass
class CategoryPage:
    category: CategoryCard
    sections: list[SectionView]
    others: list[CategoryCard]


def category_page(*, reader: Reader, language: str, slug: str) -> CategoryPage:
    category = categories_visible_to(reader).filter(slug=slug).first()
    if category is None:
        raise NotFound("no such category")
    articles = list(
        articles_live_for(reader).filter(category=category).select_related("category", "section")
        .order_by("section__position", "position", "slug")
    )
    cards = {c.id: c for c in _cards(articles, language)}
    sections: dict[Any, SectionView] = {}
    for s in Section.objects.filter(category=category).order_by("position", "slug"):
        sections[s.pk] = SectionView(slug=s.slug, title=label(s.title, language))
    loose = SectionView(slug="", title="")
    for a in articles:
        card = cards.get(a.pk)
        if card is not None:
            (sections.get(a.section_id) or loose).articles.append(card)
    views = [v for v in sections.values() if v.articles] + ([loose] if loose.articles else [])
    all_cards = help_categories(reader=reader, language=language)
    this = next((c for c in all_cards if c.slug == slug), None) or CategoryCard(
        slug=category.slug, icon=category.icon, title=label(category.title, language),
        description=label(category.description, language), url=category_url(category.slug, language),
        internal=category.internal,
    )
    return CategoryPage(category=this, sections=views, others=[c for c in all_cards if c.slug != slug])


@dataclass
class ArticlePage:
    article: Article
    translation: ArticleTranslation
    requested_language: str
    is_fallback: bool  # shown in another language than requested
    alternates: list[tuple[str, str]]  # (language, url) of every published translation
    category: CategoryCard | None
    section_title: str
    related: list[ArticleCard]
    in_section: list[ArticleCard]


def article_page(*, reader: Reader, language: str, slug: str) -> ArticlePage:
    article = articles_visible_to(reader).select_related("category", "section").filter(slug=slug).first()
    if article is None:
        raise NotFound("no such article")
    live = [t for t in article.translations.all() if t.published_revision_id]
    if not live:
        raise NotFound("no such article")
    chain = fallback_chain(language, fallback=article.fallback_language)
    by_lang = {t.language: t for t in live}
    shown = next((by_lang[lang] for lang in chain if lang in by_lang), live[0])
    related_ids = list(article.relations.values_list("to_article_id", flat=True))
    related_articles = {a.pk: a for a in articles_live_for(reader).filter(pk__in=related_ids).select_related("category")}
    related = _cards([related_articles[i] for i in related_ids if i in related_articles], language)
    in_section: list[ArticleCard] = []
    if article.section_id:
        siblings = list(
            articles_live_for(reader).filter(section_id=article.section_id).select_related("category")
            .order_by("position", "slug")[:12]
        )
        in_section = _cards(siblings, language)
    category = None
    if article.category:
        c = article.category
        category = CategoryCard(
            slug=c.slug, icon=c.icon, title=label(c.title, language), description=label(c.description, language),
            url=category_url(c.slug, language), internal=c.internal,
        )
    return ArticlePage(
        article=article, translation=shown, requested_language=language, is_fallback=shown.language != language,
        alternates=sorted(((t.language, article_url(slug, t.language)) for t in live), key=lambda x: x[0] != FALLBACK),
        category=category, section_title=label(article.section.title, language) if article.section else "",
        related=related, in_section=in_section,
    )


# --- search -----------------------------------------------------------------------------------


@dataclass
class SearchResult:
    card: ArticleCard
    snippet: str  # HTML: escaped text with <mark>
    confidence: float
    score: float
    matched_language: str  # the translation that matched the query best


@dataclass
class SearchResults:
    query: str
    language: str
    items: list[SearchResult]
    outcome: engine.SearchOutcome

    @property
    def confidence(self) -> float:
        return self.items[0].confidence if self.items else 0.0

    @property
    def no_good_result(self) -> bool:
        return not self.items or self.confidence < engine.GOOD_CONFIDENCE


def articles_search(
    *, reader: Reader, query: str, language: str, limit: int = 10, complete_last: bool = False
) -> SearchResults:
    """Hybrid search, each hit shown in the reader's language when it has that translation."""
    outcome = engine.search(query, language=language, include_internal=reader.sees_internal, limit=limit * 2,
                            complete_last=complete_last)
    ids = [h.article_id for h in outcome.hits]
    # One query for what to show. It re-checks visibility and liveness: the in-process index
    # can trail the database by a publish. Visibility is checked here rather than in SQL: with
    # `internal = false` in the WHERE clause, SQLite without fresh statistics walks every public
    # article instead of looking up the twenty ids (20 ms instead of 1 at 10,000 articles).
    rows = (
        ArticleTranslation.objects.filter(article_id__in=ids, published_revision__isnull=False)
        .select_related("article__category").order_by()
        .only(
            "article_id", "language", "title", "excerpt", "published_at", "body_text",
            "article__slug", "article__internal", "article__category__slug", "article__category__internal",
        )
    )
    chain = fallback_chain(language)
    shown: dict[Any, tuple[int, ArticleTranslation]] = {}
    for t in rows:
        category = t.article.category
        if not reader.sees_internal and (t.article.internal or (category is not None and category.internal)):
            continue
        rank = chain.index(t.language) if t.language in chain else len(chain)
        if t.article_id not in shown or rank < shown[t.article_id][0]:
            shown[t.article_id] = (rank, t)
    items = []
    for hit in outcome.hits:
        if hit.article_id not in shown or len(items) == limit:
            continue
        t = shown[hit.article_id][1]
        a = t.article
        card = ArticleCard(
            id=a.pk, slug=a.slug, title=t.title, excerpt=t.excerpt, language=t.language, url=article_url(a.slug, language),
            internal=a.internal, category=a.category.slug if a.category else None, published_at=t.published_at,
        )
        snip = engine.snippet(t.body_text, query, t.language) if t.body_text else ""
        items.append(SearchResult(card=card, snippet=snip or escape(card.excerpt), confidence=hit.confidence,
                                  score=hit.score, matched_language=hit.language))
    return SearchResults(query=query, language=language, items=items, outcome=outcome)


def glossary_matches(*, query: str, language: str) -> list[dict[str, str]]:
    """Glossary terms the query names (by term or alias), for a definition box above results."""
    from kefu.knowledge.text import normalize

    q = f" {normalize(query)} "
    out = []
    for term in GlossaryTerm.objects.all():
        names = [*term.term.values(), *term.aliases]
        for name in names:
            n = normalize(name).strip()
            plain = n.split("(")[0].strip()
            if plain and (f" {plain} " in q or (len(plain) >= 2 and not plain.isascii() and plain in q)):
                out.append({"slug": term.slug, "term": label(term.term, language), "definition": label(term.definition, language)})
                break
    return out[:2]


def glossary_for(*, language: str) -> list[dict[str, Any]]:
    terms = GlossaryTerm.objects.prefetch_related("related").order_by("position", "slug")
    out = []
    for t in terms:
        out.append({
            "slug": t.slug, "term": label(t.term, language), "definition": label(t.definition, language),
            "related": [(a.slug, article_url(a.slug, language)) for a in t.related.all() if not a.internal],
        })
    out.sort(key=lambda x: x["term"].casefold())
    return out


# --- agent side -------------------------------------------------------------------------------


def article_state(article: Article) -> ArticleState:
    """The KB list row for an article (event payloads and the agent API). Two queries."""
    translations = []
    rows = (
        ArticleTranslation.objects.filter(article_id=article.pk).order_by("language")
        .select_related("published_revision", "draft_revision")
        .only("language", "title", "published_at", "published_revision__number", "draft_revision__number", "draft_revision__title")
    )
    for t in rows:
        draft, live = t.draft_revision, t.published_revision
        translations.append(ArticleTranslationState(
            language=t.language, title=t.title or (draft.title if draft else ""),
            published_revision=live.number if live else None, draft_revision=draft.number if draft else None,
            published_at=t.published_at,
        ))
    slugs = (
        Article.objects.filter(pk=article.pk).values_list("category__slug", "section__slug", "internal", "updated_at").first()
        or (None, None, article.internal, article.updated_at)
    )
    return ArticleState(
        id=article.pk, slug=article.slug, category=slugs[0], section=slugs[1], internal=slugs[2],
        translations=translations, updated_at=slugs[3],
    )


def access_article(*, agent: Agent, article_id: Any) -> Article:
    article = articles_visible_to(Reader(agent)).filter(pk=article_id).select_related("category", "section").first()
    if article is None:
        raise NotFound("no such article")
    return article


def articles_for_agent(*, agent: Agent, category: str | None = None, status: str | None = None) -> QuerySet[Article]:
    qs = articles_visible_to(Reader(agent)).select_related("category", "section")
    if category:
        qs = qs.filter(category__slug=category)
    live = ArticleTranslation.objects.filter(article=OuterRef("pk"), published_revision__isnull=False)
    drafts = ArticleTranslation.objects.filter(article=OuterRef("pk"), draft_revision__isnull=False)
    if status == "published":
        qs = qs.filter(Exists(live))
    elif status == "draft":
        qs = qs.filter(Exists(drafts))
    elif status == "unpublished":
        qs = qs.exclude(Exists(live))
    return qs.order_by("-updated_at", "-id")


def translation_of(*, article: Article, language: str) -> ArticleTranslation:
    t = ArticleTranslation.objects.filter(article=article, language=language).first()
    if t is None:
        raise NotFound(f"the article has no {language} translation")
    return t


def revisions_of(*, translation: ArticleTranslation) -> QuerySet[ArticleRevision]:
    return translation.revisions.select_related("author").order_by("-number")


@dataclass
class Gap:
    query: str
    count: int
    languages: list[str]
    last_seen: datetime
    best_confidence: float
    clicked: int


def search_gaps(*, since: datetime | None = None, limit: int = 50) -> list[Gap]:
    """Questions people searched that found nothing good, most asked first."""
    since = since or now() - timedelta(days=30)
    rows = (
        SearchLog.objects.filter(created_at__gte=since, no_good_result=True)
        .values("normalized")
        .annotate(
            count=Count("id"), last_seen=Max("created_at"), best=Max("top_confidence"),
            clicked=Count("id", filter=Q(clicked_article__isnull=False)), query=Max("query"),
        )
        .order_by("-count", "-last_seen")[:limit]
    )
    out = []
    for r in rows:
        langs = sorted(set(
            SearchLog.objects.filter(normalized=r["normalized"], created_at__gte=since, no_good_result=True)
            .exclude(language="").values_list("language", flat=True)
        ))
        out.append(Gap(query=r["query"], count=r["count"], languages=langs, last_seen=r["last_seen"],
                       best_confidence=round(r["best"] or 0.0, 3), clicked=r["clicked"]))
    return out


def search_stats(*, since: datetime | None = None) -> dict[str, Any]:
    since = since or now() - timedelta(days=30)
    qs = SearchLog.objects.filter(created_at__gte=since)
    total = qs.count()
    no_good = qs.filter(no_good_result=True).count()
    clicked = qs.filter(clicked_article__isnull=False).count()
    return {
        "since": since, "searches": total, "no_good_result": no_good, "clicked": clicked,
        "no_good_result_rate": round(no_good / total, 4) if total else 0.0,
        "click_rate": round(clicked / total, 4) if total else 0.0,
    }


def feedback_summary(*, article: Article) -> dict[str, Any]:
    comments = list(
        article.feedback.exclude(comment="").order_by("-created_at").values("helpful", "comment", "language", "created_at")[:20]
    )
    return {"helpful": article.helpful_count, "unhelpful": article.unhelpful_count, "comments": comments}

