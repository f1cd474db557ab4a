"""Reads the bot needs from other apps, through their selectors."""

from __future__ import annotations

from typing import Any

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


def bot_holds(conversation: Any) -> bool:
    """The bot answers this conversation first: routing leaves it alone until the bot lets go.

    True while the bot is on for the inbox, no agent has replied and the bot has not handed off.
    """
    from django.conf import settings

    from kefu.bot.actions import BOT_CHANNELS, bot_settings
    from kefu.bot.models import BotSession
    from kefu.conversations.models import Direction, Message

    inbox = conversation.inbox
    if (
        not settings.BOT_ENABLED
        or inbox.channel_type not in BOT_CHANNELS
        or not bot_settings(inbox).enabled
    ):
        return False
    # One plain statement: routing asks this inside every assignment decision.
    from django.db import connection

    cid = Message._meta.get_field("conversation").target_field.get_db_prep_value(
        conversation.pk, connection
    )
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT EXISTS (SELECT 1 FROM {BotSession._meta.db_table} "  # noqa: S608 - names from model meta, values as parameters
            "WHERE conversation_id = %s AND handed_off_at IS NOT NULL), "
            f"EXISTS (SELECT 1 FROM {Message._meta.db_table} WHERE conversation_id = %s "
            "AND direction = %s AND author_agent_id IS NOT NULL)",
            [cid, cid, Direction.OUTGOING],
        )
        handed_off, agent_replied = cur.fetchone()
    return not handed_off and not agent_replied
