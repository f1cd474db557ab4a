"""Help-center content, its search index, feedback and search logs.

An Article has one ArticleTranslation per language. Every edit of a translation is an
ArticleRevision (immutable once published); the translation points at its live revision and
at the newer draft, if any, and keeps a rendered copy of the live one so that a page view is
a single row read. Categories, sections and glossary terms are small and carry their
localized labels as {language: text} maps.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from kefu.core.clock import now
from kefu.core.models import BaseModel


class Icon(models.TextChoices):
    # Drawn in templates/knowledge/icons.html; no icon font.
    DOWNLOAD = "download", "Download"
    UPLOAD = "upload", "Upload"
    USER = "user", "User"
    CHART = "chart", "Chart"
    PERCENT = "percent", "Percent"
    SHIELD = "shield", "Shield"
    BOOK = "book", "Book"
    CARD = "card", "Card"
    SWAP = "swap", "Swap"
    KEY = "key", "Key"
    GIFT = "gift", "Gift"
    HELP = "help", "Help"


class Category(BaseModel):
    slug = models.SlugField(max_length=80, unique=True)
    icon = models.CharField(max_length=16, choices=Icon.choices, default=Icon.HELP)
    position = models.IntegerField(default=0)
    internal = models.BooleanField(default=False)  # agent-only: never in the public help center
    title = models.JSONField(default=dict)  # {language: text}
    description = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.title.get("en") or self.slug


class Section(BaseModel):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="sections")
    slug = models.SlugField(max_length=80)
    position = models.IntegerField(default=0)
    title = models.JSONField(default=dict)

    class Meta:
        ordering = ["category", "position", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["category", "slug"], name="knowledge_section_slug_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.category.slug}/{self.slug}"


class Article(BaseModel):
    slug = models.SlugField(max_length=120, unique=True)  # the SEO slug, the same in every language
    category = models.ForeignKey(Category, on_delete=models.PROTECT, null=True, blank=True, related_name="articles")
    section = models.ForeignKey(Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="articles")
    internal = models.BooleanField(default=False)  # agent-only: procedures, macros' source of truth
    position = models.IntegerField(default=0)
    fallback_language = models.CharField(max_length=16, default="en")
    # "Applies to": what the article is about, for filters and the bot.
    products = models.JSONField(default=list, blank=True)
    networks = models.JSONField(default=list, blank=True)
    coins = models.JSONField(default=list, blank=True)
    related = models.ManyToManyField(
        "self", through="ArticleRelation", symmetrical=False, related_name="related_from", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    view_count = models.PositiveIntegerField(default=0)
    helpful_count = models.PositiveIntegerField(default=0)
    unhelpful_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]
        indexes = [models.Index(fields=["internal", "-view_count"], name="knowledge_article_popular")]

    def __str__(self) -> str:
        return self.slug


class ArticleRelation(models.Model):
    """'Related articles', in the order the writer listed them."""

    from_article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="relations")
    to_article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["from_article", "to_article"], name="knowledge_relation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.from_article_id} -> {self.to_article_id}"


class ArticleTranslation(BaseModel):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=16)  # BCP 47: en, zh-Hans, es
    published_revision = models.ForeignKey(
        "ArticleRevision", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    draft_revision = models.ForeignKey(  # newer than the published one, not live yet
        "ArticleRevision", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The live revision, rendered at publish time: what a page view reads.
    title = models.CharField(max_length=300, blank=True)
    body_html = models.TextField(blank=True)
    body_text = models.TextField(blank=True)
    excerpt = models.CharField(max_length=400, blank=True)
    toc = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)  # the live revision's publication

    class Meta:
        ordering = ["article", "language"]
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="knowledge_translation_unique"),
        ]
        indexes = [models.Index(fields=["language", "published_at"], name="knowledge_tr_lang_pub")]

    def __str__(self) -> str:
        return f"{self.article.slug} [{self.language}]"

    @property
    def is_published(self) -> bool:
        return self.published_revision_id is not None


class ArticleRevision(BaseModel):
    """One saved version of a translation. Published revisions are never edited."""

    translation = models.ForeignKey(ArticleTranslation, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    body = models.TextField()  # Markdown
    tags = models.JSONField(default=list, blank=True)
    questions = models.JSONField(default=list, blank=True)  # how customers ask it; helps search
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_label = models.CharField(max_length=120, blank=True)
    note = models.CharField(max_length=300, blank=True)
    content_hash = models.CharField(max_length=64)
    restored_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)  # first went live

    class Meta:
        ordering = ["translation", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["translation", "number"], name="knowledge_revision_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.translation} r{self.number}"


class GlossaryTerm(BaseModel):
    slug = models.SlugField(max_length=80, unique=True)
    term = models.JSONField(default=dict)  # {language: display name}
    definition = models.JSONField(default=dict)  # {language: text}
    aliases = models.JSONField(default=list, blank=True)
    related = models.ManyToManyField(Article, blank=True, related_name="glossary_terms")
    position = models.IntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.term.get("en") or self.slug


class ArticleFeedback(BaseModel):
    """'Was this helpful?' from a reader."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    language = models.CharField(max_length=16)
    revision = models.ForeignKey(ArticleRevision, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    helpful = models.BooleanField()
    comment = models.TextField(blank=True)
    search = models.ForeignKey("SearchLog", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["article", "-created_at"], name="knowledge_feedback_article")]

    def __str__(self) -> str:
        return f"{self.article_id} {'yes' if self.helpful else 'no'}"


class SearchSource(models.TextChoices):
    HELP_CENTER = "help_center", "Help center"
    SUGGEST = "suggest", "Suggest API (widget, portal, email)"
    AGENT = "agent", "Agent search"


class SearchLog(BaseModel):
    """One search, what it found, and what the searcher opened: the content-gap report's source."""

    query = models.CharField(max_length=500)
    normalized = models.CharField(max_length=500, db_index=True)  # for grouping the same question
    language = models.CharField(max_length=16, blank=True)
    source = models.CharField(max_length=16, choices=SearchSource.choices)
    result_count = models.PositiveSmallIntegerField(default=0)
    top_article = models.ForeignKey(Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    top_confidence = models.FloatField(default=0.0)
    no_good_result = models.BooleanField(default=False)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    clicked_article = models.ForeignKey(Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    clicked_position = models.PositiveSmallIntegerField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["no_good_result", "-created_at"], name="knowledge_search_gaps")]

    def __str__(self) -> str:
        return self.query


class ContentGap(SearchLog):
    """The content-gap report in the admin: searches grouped by question, worst first."""

    class Meta:
        proxy = True
        verbose_name = "content gap"


class SearchDocument(models.Model):
    """The search index entry of one published translation.

    Terms are pre-tokenized by kefu.knowledge.text, one column per field; each search process
    builds its inverted index (BM25F) from them, see kefu.knowledge.search. Vectors are float16 bytes: `vector` is the
    translation's mean embedding, `passages` the (k, 512) matrix of its title, customer
    questions and lead. `token` changes on every write so search processes notice changes.
    """

    id = models.BigAutoField(primary_key=True)
    translation = models.OneToOneField(ArticleTranslation, on_delete=models.CASCADE, related_name="search_document")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=16)
    internal = models.BooleanField(default=False)
    title_terms = models.TextField(blank=True)
    keyword_terms = models.TextField(blank=True)
    body_terms = models.TextField(blank=True)
    vector = models.BinaryField(null=True, blank=True)
    passages = models.BinaryField(null=True, blank=True)
    embedding_model = models.CharField(max_length=64, blank=True)
    # Change detection for the in-process indexes: `seq` comes from a counter taken in the
    # writing transaction, `token` is random per write (a rolled-back write may reuse a seq).
    seq = models.BigIntegerField(default=0, db_index=True)
    token = models.UUIDField(default=uuid.uuid4)
    updated_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return f"search doc {self.pk} ({self.language})"
