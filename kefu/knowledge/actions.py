"""Every write to the knowledge base. Events go to the `knowledge` stream, on commit.

Publishing is where the work happens: the revision's Markdown is rendered and sanitized once,
copied onto the translation (a page view then reads one row), and indexed — terms for the
database's full-text index and passage vectors from the sentence encoder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

from django.db import transaction
from django.db.models import F
from django.utils import translation as i18n
from django.utils.text import slugify
from django.utils.translation import gettext

from kefu.accounts.models import Agent
from kefu.core.actors import Actor, ActorKind
from kefu.core.clock import now
from kefu.core.db import counter_next
from kefu.core.errors import Conflict, NotFound, ValidationFailed
from kefu.core.events import event_emit
from kefu.core.ids import uuid7
from kefu.knowledge import content as fmt
from kefu.knowledge import search as engine
from kefu.knowledge.languages import lang_tag
from kefu.knowledge.markdown import SLUG_LINK, excerpt, render
from kefu.knowledge.models import (
    Article,
    ArticleFeedback,
    ArticleRelation,
    ArticleRevision,
    ArticleTranslation,
    Category,
    GlossaryTerm,
    Icon,
    SearchDocument,
    SearchLog,
    Section,
)
from kefu.knowledge.permissions import kb_require
from kefu.knowledge.selectors import SearchResults, article_state, article_url

log = logging.getLogger(__name__)

STREAM = "knowledge"
MAX_TITLE = 300
MAX_BODY = 100_000
MAX_COMMENT = 2000
MAX_LIST = 50
CONTENT_DIR = Path(__file__).resolve().parent / "content"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,118}[a-z0-9]$|^[a-z0-9]$")


def _emit(type: str, article: Article, actor: Actor, *, language: str | None = None, revision: ArticleRevision | None = None) -> None:
    event_emit(
        type=type,
        payload={
            "article": article_state(article).model_dump(), "language": language,
            "revision_id": revision.pk if revision else None, "actor": actor.as_payload(),
        },
        streams=[STREAM],
    )


def _language(value: str) -> str:
    tag = lang_tag(value)
    if tag is None:
        raise ValidationFailed(f"{value!r} is not a language kefu knows (see LANGUAGES)", field="language")
    return tag


def _clean_list(values: Iterable[Any], name: str, *, max_chars: int = 300) -> list[str]:
    out = []
    for v in values or []:
        s = str(v).strip()
        if not s:
            continue
        if len(s) > max_chars:
            raise ValidationFailed(f"{name}: an item is longer than {max_chars} characters", field=name)
        out.append(s)
    if len(out) > MAX_LIST:
        raise ValidationFailed(f"{name}: at most {MAX_LIST} items", field=name)
    return out


def _check_slug(slug: str) -> str:
    slug = (slug or "").strip()
    if not _SLUG.match(slug):
        raise ValidationFailed("slug must be lowercase letters, digits and hyphens (at most 120)", field="slug")
    return slug


def _labels(value: dict[str, str] | None, name: str, *, required: bool) -> dict[str, str]:
    out = {}
    for k, v in (value or {}).items():
        out[_language(k)] = str(v).strip()
    if required and not any(out.values()):
        raise ValidationFailed(f"{name} needs at least one language", field=name)
    return out


# --- categories, sections, glossary -------------------------------------------------------------


@transaction.atomic
def category_save(
    *, slug: str, title: dict[str, str], actor: Actor, description: dict[str, str] | None = None,
    icon: str = Icon.HELP, position: int = 0, internal: bool = False,
) -> Category:
    """Create or update a category by slug."""
    kb_require(actor, publish=True)
    slug = _check_slug(slug)
    if icon not in Icon.values:
        raise ValidationFailed(f"icon must be one of {', '.join(Icon.values)}", field="icon")
    values = {"title": _labels(title, "title", required=True), "description": _labels(description, "description", required=False),
              "icon": icon, "position": int(position), "internal": bool(internal)}
    category = Category.objects.select_for_update().filter(slug=slug).first()
    if category is None:
        return Category.objects.create(slug=slug, **values)
    changed = [k for k, v in values.items() if getattr(category, k) != v]
    if changed:
        for k in changed:
            setattr(category, k, values[k])
        category.save(update_fields=category.touch_fields(*changed))
        if "internal" in changed:
            _reindex_visibility(Article.objects.filter(category=category))
    return category


@transaction.atomic
def section_save(*, category: Category, slug: str, title: dict[str, str], actor: Actor, position: int = 0) -> Section:
    kb_require(actor, publish=True)
    slug = _check_slug(slug)
    values = {"title": _labels(title, "title", required=True), "position": int(position)}
    section = Section.objects.filter(category=category, slug=slug).first()
    if section is None:
        return Section.objects.create(category=category, slug=slug, **values)
    changed = [k for k, v in values.items() if getattr(section, k) != v]
    if changed:
        for k in changed:
            setattr(section, k, values[k])
        section.save(update_fields=section.touch_fields(*changed))
    return section


@transaction.atomic
def glossary_term_save(
    *, slug: str, term: dict[str, str], definition: dict[str, str], actor: Actor,
    aliases: Iterable[str] = (), related: Iterable[Article] = (), position: int = 0,
) -> GlossaryTerm:
    kb_require(actor, publish=True)
    slug = _check_slug(slug)
    values = {"term": _labels(term, "term", required=True), "definition": _labels(definition, "definition", required=True),
              "aliases": _clean_list(aliases, "aliases", max_chars=80), "position": int(position)}
    obj = GlossaryTerm.objects.filter(slug=slug).first()
    if obj is None:
        obj = GlossaryTerm.objects.create(slug=slug, **values)
    else:
        changed = [k for k, v in values.items() if getattr(obj, k) != v]
        if changed:
            for k in changed:
                setattr(obj, k, values[k])
            obj.save(update_fields=obj.touch_fields(*changed))
    wanted = {a.pk for a in related}
    if set(obj.related.values_list("pk", flat=True)) != wanted:
        obj.related.set(list(wanted))
    return obj


# --- articles -------------------------------------------------------------------------------------

ARTICLE_FIELDS = {"category", "section", "internal", "position", "products", "networks", "coins", "fallback_language"}


def _article_values(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - ARTICLE_FIELDS
    if unknown:
        raise ValidationFailed(f"cannot set {', '.join(sorted(unknown))}")
    out = dict(fields)
    for name in ("products", "networks", "coins"):
        if name in out:
            out[name] = _clean_list(out[name], name, max_chars=40)
    if "fallback_language" in out:
        out["fallback_language"] = _language(out["fallback_language"])
    if "position" in out:
        out["position"] = int(out["position"])
    if "internal" in out:
        out["internal"] = bool(out["internal"])
    section, category = out.get("section"), out.get("category")
    if section is not None and category is not None and section.category_id != category.pk:
        raise ValidationFailed(f"section {section.slug} is not in category {category.slug}", field="section")
    return out


@transaction.atomic
def article_create(
    *, slug: str, actor: Actor, category: Category | None = None, section: Section | None = None,
    internal: bool = False, position: int = 0, products: Iterable[str] = (), networks: Iterable[str] = (),
    coins: Iterable[str] = (), fallback_language: str = "en", source_conversation: Any = None,
) -> Article:
    kb_require(actor)
    slug = _check_slug(slug)
    if Article.objects.filter(slug=slug).exists():
        raise Conflict(f"an article with slug {slug!r} exists", field="slug")
    values = _article_values({
        "category": category, "section": section, "internal": internal, "position": position,
        "products": products, "networks": networks, "coins": coins, "fallback_language": fallback_language,
    })
    article = Article.objects.create(
        slug=slug, created_by=actor.agent, source_conversation=source_conversation, **values
    )
    _emit("article.updated", article, actor)
    return article


@transaction.atomic
def article_update(*, article: Article, actor: Actor, **fields: Any) -> Article:
    """Category, section, visibility, order, applies-to, fallback language."""
    values = _article_values(fields)
    article = Article.objects.select_for_update().get(pk=article.pk)
    section = values.get("section")
    if section is not None and "category" not in values and section.category_id != article.category_id:
        raise ValidationFailed("the section is not in the article's category", field="section")
    changed = [k for k, v in values.items() if getattr(article, k) != v]
    if not changed:
        return article
    live = article.translations.filter(published_revision__isnull=False).exists()
    # Changing where a live article sits, or who may read it, changes what customers see.
    kb_require(actor, publish=live)
    for k in changed:
        setattr(article, k, values[k])
    article.save(update_fields=article.touch_fields(*changed))
    if live and {"internal", "category"} & set(changed):
        _reindex_visibility(Article.objects.filter(pk=article.pk))
    if live and {"products", "networks", "coins", "internal"} & set(changed):
        for t in article.translations.filter(published_revision__isnull=False).select_related("published_revision"):
            _index_translation(t, embed=True)
    _emit("article.updated", article, actor)
    return article


@transaction.atomic
def article_related_set(*, article: Article, related: list[Article], actor: Actor) -> Article:
    kb_require(actor)
    wanted = [a.pk for a in related if a.pk != article.pk]
    wanted = list(dict.fromkeys(wanted))
    current = list(article.relations.order_by("position").values_list("to_article_id", flat=True))
    if current == wanted:
        return article
    article.relations.all().delete()
    ArticleRelation.objects.bulk_create(
        [ArticleRelation(from_article=article, to_article_id=pk, position=i) for i, pk in enumerate(wanted)]
    )
    article.save(update_fields=article.touch_fields())
    _emit("article.updated", article, actor)
    return article


def content_hash(*, title: str, body: str, tags: list[str], questions: list[str]) -> str:
    data = json.dumps([title, body, tags, questions], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


@transaction.atomic
def article_draft_save(
    *, article: Article, language: str, title: str, body: str, actor: Actor,
    tags: Iterable[str] = (), questions: Iterable[str] = (), note: str = "", author: Agent | None = None,
    restored_from: ArticleRevision | None = None,
) -> ArticleRevision:
    """Save a new revision of a translation (creating the translation if needed). Not live yet.

    Saving the same content as the latest revision creates nothing and returns that revision.
    """
    kb_require(actor)
    language = _language(language)
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("title is empty", field="title")
    if len(title) > MAX_TITLE:
        raise ValidationFailed(f"title is longer than {MAX_TITLE} characters", field="title")
    if not isinstance(body, str):
        raise ValidationFailed("body must be text", field="body")
    body = body.replace("\r\n", "\n").replace("\x00", "")
    if not body.strip():
        raise ValidationFailed("body is empty", field="body")
    if len(body) > MAX_BODY:
        raise ValidationFailed(f"body is longer than {MAX_BODY} characters", field="body")
    tags_l = _clean_list(tags, "tags", max_chars=80)
    questions_l = _clean_list(questions, "questions", max_chars=300)
    digest = content_hash(title=title, body=body, tags=tags_l, questions=questions_l)

    translation = ArticleTranslation.objects.select_for_update().filter(article=article, language=language).first()
    if translation is None:
        translation = ArticleTranslation.objects.create(article=article, language=language)
    latest = translation.revisions.order_by("-number").first()
    if latest is not None and latest.content_hash == digest and restored_from is None:
        return latest
    revision = ArticleRevision.objects.create(
        translation=translation, number=(latest.number + 1) if latest else 1, title=title, body=body,
        tags=tags_l, questions=questions_l, author=author or actor.agent, author_label=actor.label,
        note=note[:300], content_hash=digest, restored_from=restored_from,
    )
    translation.draft_revision = revision
    translation.save(update_fields=translation.touch_fields("draft_revision"))
    _emit("article.drafted", article, actor, language=language, revision=revision)
    return revision


def _link_resolver(article: Article, language: str) -> Callable[[str], str | None]:
    """Bare-slug links -> URLs. A public article never links to an internal one."""
    cache: dict[str, str | None] = {}

    def resolve(slug: str) -> str | None:
        if slug not in cache:
            target = Article.objects.filter(slug=slug).values_list("internal", "category__internal").first()
            hidden = target is not None and (target[0] or bool(target[1]))
            if target is None or (hidden and not article.internal):
                cache[slug] = None
            else:
                cache[slug] = article_url(slug, language)
        return cache[slug]

    return resolve


def _render_revision(article: Article, translation: ArticleTranslation, revision: ArticleRevision) -> Any:
    with i18n.override(translation.language):
        return render(revision.body, resolve=_link_resolver(article, translation.language), video_label=gettext("Play video"))


@transaction.atomic
def article_publish(
    *, article: Article, language: str, actor: Actor, revision: ArticleRevision | None = None, embed: bool = True
) -> ArticleTranslation:
    """Make a revision (by default the draft) the live version of its translation."""
    translation, _, _ = _publish(article=article, language=language, actor=actor, revision=revision, embed=embed)
    return translation


def _publish(
    *, article: Article, language: str, actor: Actor, revision: ArticleRevision | None, embed: bool
) -> tuple[ArticleTranslation, SearchDocument, list[str]]:
    kb_require(actor, publish=True)
    language = _language(language)
    translation = ArticleTranslation.objects.select_for_update().filter(article=article, language=language).first()
    if translation is None:
        raise NotFound(f"the article has no {language} translation")
    article = Article.objects.select_related("category").get(pk=article.pk)
    if revision is None:
        if translation.draft_revision_id is None:
            raise Conflict("there is no draft to publish", code="nothing_to_publish")
        revision = ArticleRevision.objects.get(pk=translation.draft_revision_id)
    elif revision.translation_id != translation.pk:
        raise ValidationFailed("the revision belongs to another translation", field="revision")
    if article.category_id is None:
        raise ValidationFailed("choose a category before publishing", field="category")
    rendered = _render_revision(article, translation, revision)
    moment = now()
    translation.published_revision = revision
    if translation.draft_revision_id is not None:
        draft_number = ArticleRevision.objects.filter(pk=translation.draft_revision_id).values_list("number", flat=True).first() or 0
        if draft_number <= revision.number:
            translation.draft_revision = None
    translation.title = revision.title
    translation.body_html = rendered.html
    translation.body_text = rendered.text
    translation.excerpt = excerpt(rendered.lead or rendered.text, 300)
    translation.toc = rendered.toc
    translation.tags = revision.tags
    translation.published_at = moment
    translation.save(update_fields=translation.touch_fields(
        "published_revision", "draft_revision", "title", "body_html", "body_text", "excerpt", "toc", "tags", "published_at"
    ))
    if revision.published_at is None:
        revision.published_at = moment
        revision.save(update_fields=["published_at"])
    document, texts = _index_translation(translation, embed=embed, rendered=rendered, revision=revision, article=article)
    _emit("article.published", article, actor, language=language, revision=revision)
    return translation, document, texts


@transaction.atomic
def article_unpublish(*, article: Article, actor: Actor, language: str | None = None) -> Article:
    """Take one translation (or all) off the help center. Revisions are kept."""
    kb_require(actor, publish=True)
    qs = ArticleTranslation.objects.select_for_update().filter(article=article, published_revision__isnull=False)
    if language:
        qs = qs.filter(language=_language(language))
    done = []
    for t in qs:
        # The unpublished revision becomes the draft again, so nothing written is lost from view.
        if t.draft_revision_id is None:
            t.draft_revision_id = t.published_revision_id
        t.published_revision = None
        t.title = t.body_html = t.body_text = t.excerpt = ""
        t.toc, t.tags, t.published_at = [], [], None
        t.save(update_fields=t.touch_fields(
            "draft_revision", "published_revision", "title", "body_html", "body_text", "excerpt", "toc", "tags", "published_at"
        ))
        SearchDocument.objects.filter(translation=t).delete()
        done.append(t.language)
    if done:
        _bump_index()
    for lang in done:
        _emit("article.unpublished", article, actor, language=lang)
    return article


@transaction.atomic
def article_revision_restore(*, revision: ArticleRevision, actor: Actor, publish: bool = False) -> ArticleRevision:
    """Bring back an old revision as the newest one (history is never rewritten)."""
    kb_require(actor, publish=publish)
    translation = revision.translation
    article = translation.article
    restored = article_draft_save(
        article=article, language=translation.language, title=revision.title, body=revision.body, actor=actor,
        tags=revision.tags, questions=revision.questions, note=f"Restored from revision {revision.number}",
        restored_from=revision,
    )
    if publish:
        article_publish(article=article, language=translation.language, actor=actor, revision=restored)
    return restored


def article_view_record(*, article: Article) -> None:
    """Count a page view (popular articles). One UPDATE; no event: nobody watches counters live."""
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


@transaction.atomic
def article_feedback_submit(
    *, article: Article, language: str, helpful: bool, comment: str = "", search: SearchLog | None = None
) -> ArticleFeedback:
    comment = (comment or "").replace("\x00", "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed(f"comment is longer than {MAX_COMMENT} characters", field="comment")
    tag = lang_tag(language) or article.fallback_language
    translation = article.translations.filter(language=tag).only("published_revision_id").first()
    feedback = ArticleFeedback.objects.create(
        article=article, language=tag, helpful=bool(helpful), comment=comment, search=search,
        revision_id=translation.published_revision_id if translation else None,
    )
    counter = "helpful_count" if helpful else "unhelpful_count"
    Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
    _emit_rated(article, feedback)
    return feedback


@transaction.atomic
def article_feedback_comment(*, feedback: ArticleFeedback, comment: str) -> ArticleFeedback:
    """The optional comment a reader adds after voting. It can be given once."""
    comment = (comment or "").replace("\x00", "").strip()
    if not comment:
        raise ValidationFailed("comment is empty", field="comment")
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed(f"comment is longer than {MAX_COMMENT} characters", field="comment")
    feedback = ArticleFeedback.objects.select_for_update().get(pk=feedback.pk)
    if feedback.comment:
        raise Conflict("this feedback already has a comment")
    feedback.comment = comment
    feedback.save(update_fields=feedback.touch_fields("comment"))
    _emit_rated(feedback.article, feedback)
    return feedback


def _emit_rated(article: Article, feedback: ArticleFeedback) -> None:
    counts = Article.objects.filter(pk=article.pk).values("helpful_count", "unhelpful_count").get()
    event_emit(
        type="article.rated",
        payload={
            "article_id": article.pk, "feedback_id": feedback.pk, "language": feedback.language,
            "helpful": feedback.helpful, "has_comment": bool(feedback.comment), **counts,
        },
        streams=[STREAM],
    )


# --- drafting from a conversation ---------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_HEX = re.compile(r"\b(0x)?[0-9a-fA-F]{24,}\b")
_ADDRESS = re.compile(r"\b(bc1|tb1|T|0x|r|U|EQ)[A-HJ-NP-Za-km-z1-9_-]{24,}\b")
_LONG_NUMBER = re.compile(r"(?<![\d.])\+?\d[\d -]{6,}\d(?![\d.])")


def _scrub(text: str, names: list[str]) -> str:
    """Remove what identifies this customer: an article is for everyone."""
    text = _EMAIL.sub("[email]", text)
    text = _HEX.sub("[transaction id]", text)
    text = _ADDRESS.sub("[address]", text)
    text = _LONG_NUMBER.sub("[number]", text)
    for name in names:
        if name and len(name) >= 2:
            text = re.sub(re.escape(name), "[customer]", text, flags=re.I)
    return text


def _unique_slug(base: str) -> str:
    base = (slugify(base)[:100].strip("-")) or f"article-{uuid7().hex[-8:]}"
    slug, n = base, 2
    while Article.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def article_draft_from_conversation(
    *, conversation: Any, actor: Actor, language: str | None = None, title: str | None = None,
    category: Category | None = None, section: Section | None = None, internal: bool = False,
) -> ArticleRevision:
    """Start an article from a resolved conversation: the question and the answer that worked."""
    from kefu.conversations.models import Direction, Status
    from kefu.conversations.selectors import conversations_visible_to, messages_of

    kb_require(actor)
    if actor.kind == ActorKind.AGENT:
        assert actor.agent is not None
        if not conversations_visible_to(actor.agent).filter(pk=conversation.pk).exists():
            raise NotFound("no such conversation")
    if conversation.status not in (Status.RESOLVED, Status.CLOSED):
        raise Conflict("only a resolved conversation can become an article", code="conversation_not_resolved")
    messages = [m for m in messages_of(conversation, include_private=False) if m.body.strip()]
    asked = [m.body.strip() for m in messages if m.direction == Direction.INCOMING]
    answered = [m.body.strip() for m in messages if m.direction == Direction.OUTGOING and m.author_agent_id]
    if not asked or not answered:
        raise Conflict("the conversation needs a customer question and an agent answer", code="nothing_to_draft")
    contact = conversation.contact
    names = [n for n in (contact.name, *(contact.name or "").split()) if n and len(n) >= 3]
    question = _scrub(asked[0], names)
    title = (title or conversation.subject or question.split("\n")[0]).strip()
    title = re.split(r"(?<=[.?!。？！])\s", title)[0][:120].strip() or f"Conversation #{conversation.number}"
    lang = _language(language or conversation.language or "en")
    body = "\n\n".join([
        f"# {title}",
        f"> **Note:** Drafted from conversation #{conversation.number}. Rewrite it for every customer and "
        "remove anything specific to this one before publishing.",
        "## The question",
        "\n\n".join(_scrub(a, names) for a in asked[:3]),
        "## The answer",
        "\n\n".join(_scrub(a, names) for a in answered),
    ]) + "\n"
    article = article_create(
        slug=_unique_slug(title), actor=actor, category=category, section=section, internal=internal,
        source_conversation=conversation,
    )
    return article_draft_save(
        article=article, language=lang, title=title, body=body, actor=actor,
        questions=[question[:300]], note=f"Drafted from conversation #{conversation.number}",
    )


# --- search index and logs ----------------------------------------------------------------------


def _bump_index() -> int:
    transaction.on_commit(engine.INDEX.expire)
    return counter_next(key="knowledge_search_seq")


def _index_translation(
    translation: ArticleTranslation, *, embed: bool, rendered: Any = None, revision: ArticleRevision | None = None,
    article: Article | None = None,
) -> tuple[SearchDocument, list[str]]:
    """Write the search document of a live translation. Returns it and its passages to embed."""
    article = article or Article.objects.select_related("category").get(pk=translation.article_id)
    revision = revision or ArticleRevision.objects.get(pk=translation.published_revision_id)
    if rendered is None:
        rendered = _render_revision(article, translation, revision)
    doc = engine.DocumentText(
        title=revision.title, language=translation.language, body_text=rendered.text, lead=rendered.lead,
        tags=revision.tags, questions=revision.questions,
        applies_to=[*article.products, *article.networks, *article.coins],
    )
    fields = engine.document_terms(doc)
    texts = engine.passages(doc)
    values: dict[str, Any] = {
        "article": article, "language": translation.language,
        "internal": article.internal or bool(article.category and article.category.internal),
        "title_terms": " ".join(fields[0]), "keyword_terms": " ".join(fields[1]), "body_terms": " ".join(fields[2]),
        "vector": None, "passages": None, "embedding_model": "",
        "seq": _bump_index(), "token": uuid4(), "updated_at": now(),
    }
    if embed:
        vectors = engine.embed_texts(texts)
        if vectors is not None:
            values["vector"], values["passages"] = engine.vectors_pack(vectors)
            values["embedding_model"] = engine.EMBEDDING_MODEL
    document, _ = SearchDocument.objects.update_or_create(translation=translation, defaults=values)
    return document, texts


def _reindex_visibility(articles: Any) -> None:
    for article in articles.select_related("category"):
        internal = article.internal or bool(article.category and article.category.internal)
        for doc in SearchDocument.objects.filter(article=article).exclude(internal=internal):
            doc.internal = internal
            doc.seq, doc.token, doc.updated_at = _bump_index(), uuid4(), now()
            doc.save(update_fields=["internal", "seq", "token", "updated_at"])


def _embed_documents(pending: list[tuple[SearchDocument, list[str]]], *, batch: int = 256) -> int:
    """Embed many documents' passages in few encoder calls; returns how many got vectors."""
    texts = [t for _, ts in pending for t in ts]
    if not texts:
        return 0
    chunks = []
    for start in range(0, len(texts), batch):
        vectors = engine.embed_texts(texts[start : start + batch])
        if vectors is None:
            return 0
        chunks.append(vectors)
    import numpy as np

    all_vectors = np.vstack(chunks)
    pos = 0
    for doc, ts in pending:
        vec, pas = engine.vectors_pack(all_vectors[pos : pos + len(ts)])
        pos += len(ts)
        doc.vector, doc.passages, doc.embedding_model = vec, pas, engine.EMBEDDING_MODEL
        doc.seq, doc.token, doc.updated_at = _bump_index(), uuid4(), now()
        doc.save(update_fields=["vector", "passages", "embedding_model", "seq", "token", "updated_at"])
    return len(pending)


def search_reindex(*, embed: bool = True, only_missing: bool = False, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the search documents of every live translation (after a tokenizer or model change).

    Runs in batches of 200 translations, each in its own transaction, so a large help center
    does not hold the write lock for minutes.
    """
    ids = list(
        ArticleTranslation.objects.filter(published_revision__isnull=False).order_by("pk").values_list("pk", flat=True)
    )
    if only_missing:
        have = set(
            SearchDocument.objects.filter(embedding_model=engine.EMBEDDING_MODEL).values_list("translation_id", flat=True)
        )
        ids = [i for i in ids if i not in have]
    done = 0
    for start in range(0, len(ids), 200):
        with transaction.atomic():
            pending = []
            for t in ArticleTranslation.objects.filter(pk__in=ids[start : start + 200]).select_related("article__category"):
                doc, texts = _index_translation(t, embed=False, article=t.article)
                pending.append((doc, texts))
            if embed:
                _embed_documents(pending)
        done += len(pending)
        if progress:
            progress(done, len(ids))
    return done


def search_log_record(
    *, results: SearchResults, source: str, agent: Agent | None = None
) -> SearchLog:
    from kefu.knowledge.text import normalize

    top = results.items[0] if results.items else None
    return SearchLog.objects.create(
        query=results.query[:500], normalized=" ".join(normalize(results.query).split())[:500],
        language=results.language, source=source, result_count=len(results.items),
        top_article_id=top.card.id if top else None, top_confidence=round(results.confidence, 4),
        no_good_result=results.no_good_result, agent=agent,
    )


def search_click_record(*, search_id: Any, article: Article, position: int | None = None) -> bool:
    """The searcher opened a result. Only the first click of a search counts."""
    updated = SearchLog.objects.filter(pk=search_id, clicked_article__isnull=True).update(
        clicked_article=article, clicked_position=position, clicked_at=now()
    )
    return bool(updated)


# --- import ---------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    categories: int = 0
    glossary_terms: int = 0
    articles_created: int = 0
    revisions_created: int = 0
    published: int = 0
    unchanged: int = 0
    embedded: int = 0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.categories} categories, {self.glossary_terms} glossary terms, "
            f"{self.articles_created} new articles, {self.revisions_created} new revisions, "
            f"{self.published} published, {self.unchanged} unchanged translations, {self.embedded} embedded"
        )


@transaction.atomic
def knowledge_import(
    *, directory: Path, actor: Actor, author: Agent | None = None, publish: bool = True, embed: bool = True
) -> ImportReport:
    """Import a content folder. Idempotent: unchanged files create nothing and publish nothing."""
    kb_require(actor, publish=True)
    folder = fmt.folder_read(Path(directory))
    report = ImportReport()
    _check_folder(folder)

    categories: dict[str, Category] = {}
    sections: dict[tuple[str, str], Section] = {}
    for c in folder.categories:
        cat = category_save(
            slug=c["slug"], title=c.get("title") or {}, description=c.get("description") or {}, actor=actor,
            icon=c.get("icon") or Icon.HELP, position=int(c.get("order") or 0), internal=bool(c.get("internal", False)),
        )
        categories[cat.slug] = cat
        for s in c.get("sections") or []:
            sections[(cat.slug, s["slug"])] = section_save(
                category=cat, slug=s["slug"], title=s.get("title") or {}, actor=actor, position=int(s.get("order") or 0)
            )
        report.categories += 1

    by_slug: dict[str, list[fmt.TranslationFile]] = {}
    for tf in folder.translations:
        by_slug.setdefault(tf.slug, []).append(tf)
    articles: dict[str, Article] = {a.slug: a for a in Article.objects.filter(slug__in=list(by_slug))}
    for slug, files in by_slug.items():
        lead = next((f for f in files if f.lang == "en"), files[0])
        values = {
            "category": categories[lead.category], "section": sections.get((lead.category, lead.section)),
            "internal": lead.internal, "position": lead.order,
            "products": lead.applies_to.get("products", []), "networks": lead.applies_to.get("networks", []),
            "coins": lead.applies_to.get("coins", []),
        }
        if slug not in articles:
            articles[slug] = article_create(slug=slug, actor=actor, **values)
            report.articles_created += 1
        else:
            articles[slug] = article_update(article=articles[slug], actor=actor, **values)
    for slug, files in by_slug.items():
        lead = next((f for f in files if f.lang == "en"), files[0])
        related = [articles[s] if s in articles else Article.objects.get(slug=s) for s in lead.related]
        article_related_set(article=articles[slug], related=related, actor=actor)

    for i, term in enumerate(folder.glossary):
        related_terms = [a for a in (articles.get(s) or Article.objects.filter(slug=s).first() for s in term.get("related") or []) if a]
        glossary_term_save(
            slug=term["slug"], term=term.get("term") or {}, definition=term.get("definition") or {}, actor=actor,
            aliases=term.get("aliases") or [], related=related_terms, position=(i + 1) * 10,
        )
        report.glossary_terms += 1

    pending: list[tuple[SearchDocument, list[str]]] = []
    # What each translation holds now: its live revision's hash and its newest revision's hash.
    live_hash: dict[tuple[Any, str], str] = {}
    latest_hash: dict[tuple[Any, str], str] = {}
    for t in ArticleTranslation.objects.filter(article__slug__in=list(by_slug)).select_related("published_revision"):
        if t.published_revision is not None:
            live_hash[(t.article_id, t.language)] = t.published_revision.content_hash
        newest = t.revisions.order_by("-number").values_list("content_hash", flat=True).first()
        if newest:
            latest_hash[(t.article_id, t.language)] = newest
    for tf in folder.translations:
        article = articles[tf.slug]
        key = (article.pk, _language(tf.lang))
        digest = content_hash(title=tf.title.strip(), body=tf.body, tags=_clean_list(tf.tags, "tags"),
                              questions=_clean_list(tf.questions, "questions"))
        if live_hash.get(key) == digest or (not publish and latest_hash.get(key) == digest):
            report.unchanged += 1
            continue
        revision = article_draft_save(
            article=article, language=tf.lang, title=tf.title, body=tf.body, actor=actor, tags=tf.tags,
            questions=tf.questions, note=f"Imported from {tf.path}" if tf.path else "Imported", author=author,
        )
        if latest_hash.get(key) != digest:
            report.revisions_created += 1
        if publish:
            _, doc, texts = _publish(article=article, language=tf.lang, actor=actor, revision=revision, embed=False)
            pending.append((doc, texts))
            report.published += 1
    if embed and pending:
        report.embedded = _embed_documents(pending)
    return report


def _check_folder(folder: fmt.ContentFolder) -> None:
    cats = {c.get("slug"): {s.get("slug") for s in c.get("sections") or []} for c in folder.categories}
    seen: set[tuple[str, str]] = set()
    slugs = {tf.slug for tf in folder.translations}
    problems = []
    for tf in folder.translations:
        if (tf.slug, tf.lang) in seen:
            problems.append(f"{tf.path}: {tf.slug} has two {tf.lang} files")
        seen.add((tf.slug, tf.lang))
        if lang_tag(tf.lang) is None:
            problems.append(f"{tf.path}: unknown language {tf.lang}")
        if tf.category not in cats:
            problems.append(f"{tf.path}: unknown category {tf.category}")
        elif tf.section and tf.section not in cats[tf.category]:
            problems.append(f"{tf.path}: unknown section {tf.category}/{tf.section}")
        if not _SLUG.match(tf.slug):
            problems.append(f"{tf.path}: bad slug {tf.slug}")
        for r in tf.related:
            if r not in slugs and not Article.objects.filter(slug=r).exists():
                problems.append(f"{tf.path}: related article {r} does not exist")
        for target in re.findall(r"\]\(([^)\s]+)\)", tf.body):
            m = SLUG_LINK.match(target)
            if m and m.group(1) not in slugs and not Article.objects.filter(slug=m.group(1)).exists():
                problems.append(f"{tf.path}: links to unknown article {m.group(1)}")
    if problems:
        raise ValidationFailed("the content folder has problems:\n  " + "\n  ".join(problems[:50]))


def knowledge_demo_load(*, author: Agent | None) -> ImportReport:
    """The demo exchange's help center (kefu/knowledge/content). Safe to run again."""
    return knowledge_import(directory=CONTENT_DIR, actor=Actor.system("demo"), author=author)

