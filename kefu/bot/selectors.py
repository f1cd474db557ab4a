"""Reads the bot needs from other apps, through their selectors."""

from __future__ import annotations

from kefu.knowledge.selectors import (
    ArticleCard,
    Reader,
    article_url,
    articles_live_for,
    display_translations,
)


def article_card(*, reader: Reader, slug: str, language: str) -> ArticleCard | None:
    """One live article by slug, in the reader's language when that translation exists."""
    article = articles_live_for(reader).select_related("category").filter(slug=slug).first()
    if article is None:
        return None
    shown = display_translations([article.pk], language).get(article.pk)
    if shown is None:
        return None
    return ArticleCard(
        id=article.pk,
        slug=article.slug,
        title=shown.title,
        excerpt=shown.excerpt,
        language=shown.language,
        url=article_url(article.slug, language),
        internal=article.internal,
        category=article.category.slug if article.category else None,
        published_at=shown.published_at,
    )
