"""The help-center folder format (kefu/knowledge/content/README.md): reading and writing it.

Parsing and formatting only; `kefu.knowledge.actions.knowledge_import` does the writes. The
writer reproduces the front-matter style of the shipped content (flow lists, block list of
questions, quotes only where YAML needs them), so an export of an unchanged import is
byte-identical file by file, and a re-import of it changes nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kefu.core.errors import ValidationFailed

FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)
FILE_NAME = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9-]*)\.(?P<lang>[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\.md$")
FIELD_ORDER = ("slug", "lang", "title", "category", "section", "tags", "applies_to", "related", "questions", "internal", "order")
APPLIES_TO = ("products", "networks", "coins")


@dataclass
class TranslationFile:
    slug: str
    lang: str
    title: str
    category: str
    section: str
    body: str
    tags: list[str] = field(default_factory=list)
    applies_to: dict[str, list[str]] = field(default_factory=dict)
    related: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    internal: bool = False
    order: int = 0
    path: str = ""


@dataclass
class ContentFolder:
    categories: list[dict[str, Any]]
    glossary: list[dict[str, Any]]
    translations: list[TranslationFile]


def _strings(value: Any, name: str, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise ValidationFailed(f"{where}: `{name}` must be a list of strings", field=name)
    return [str(v) for v in value]


def translation_parse(text: str, *, where: str = "") -> TranslationFile:
    text = text.replace("\r\n", "\n")
    m = FRONT_MATTER.match(text)
    if not m:
        raise ValidationFailed(f"{where}: no front matter between --- lines")
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise ValidationFailed(f"{where}: front matter is not valid YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise ValidationFailed(f"{where}: front matter must be a mapping")
    for key in ("slug", "lang", "title", "category"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise ValidationFailed(f"{where}: `{key}` is required", field=key)
    applies = meta.get("applies_to") or {}
    if not isinstance(applies, dict) or set(applies) - set(APPLIES_TO):
        raise ValidationFailed(f"{where}: `applies_to` takes {', '.join(APPLIES_TO)}", field="applies_to")
    return TranslationFile(
        slug=meta["slug"].strip(), lang=meta["lang"].strip(), title=str(meta["title"]).strip(),
        category=meta["category"].strip(), section=str(meta.get("section") or "").strip(), body=m.group(2),
        tags=_strings(meta.get("tags"), "tags", where),
        applies_to={k: _strings(applies[k], f"applies_to.{k}", where) for k in APPLIES_TO if k in applies},
        related=_strings(meta.get("related"), "related", where),
        questions=_strings(meta.get("questions"), "questions", where),
        internal=bool(meta.get("internal", False)), order=int(meta.get("order") or 0), path=where,
    )


def folder_read(directory: Path) -> ContentFolder:
    directory = Path(directory)
    if not directory.is_dir():
        raise ValidationFailed(f"{directory} is not a directory")
    categories = _yaml_file(directory / "categories.yaml").get("categories", [])
    glossary_path = directory / "glossary.yaml"
    glossary = _yaml_file(glossary_path).get("terms", []) if glossary_path.exists() else []
    translations = []
    for path in sorted(directory.glob("*/*.md")):
        m = FILE_NAME.match(path.name)
        if not m:
            continue
        rel = str(path.relative_to(directory))
        tf = translation_parse(path.read_text(encoding="utf-8"), where=rel)
        if tf.slug != m.group("slug") or tf.lang != m.group("lang"):
            raise ValidationFailed(f"{rel}: slug/lang in the front matter ({tf.slug}.{tf.lang}) differ from the file name")
        translations.append(tf)
    return ContentFolder(categories=categories, glossary=glossary, translations=translations)


def _yaml_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ValidationFailed(f"{path.name} is missing from the content folder")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ValidationFailed(f"{path.name} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ValidationFailed(f"{path.name} must be a mapping")
    return data


# --- writing -----------------------------------------------------------------------------------


def _scalar(value: str, *, flow: bool) -> str:
    if _plain_ok(value, flow=flow):
        return value
    return json.dumps(value, ensure_ascii=False)  # a YAML double-quoted scalar


def _plain_ok(value: str, *, flow: bool) -> bool:
    if not value or value != value.strip() or "\n" in value:
        return False
    if flow and any(c in value for c in ",[]{}"):
        return False
    probe = f"k: [{value}]" if flow else f"k: {value}"
    try:
        return yaml.safe_load(probe) == {"k": [value] if flow else value}
    except yaml.YAMLError:
        return False


def _flow_list(values: list[str]) -> str:
    return "[" + ", ".join(_scalar(v, flow=True) for v in values) + "]"


def translation_format(tf: TranslationFile) -> str:
    lines = [
        f"slug: {tf.slug}",
        f"lang: {tf.lang}",
        f"title: {_scalar(tf.title, flow=False)}",
        f"category: {tf.category}",
        f"section: {tf.section}",
        f"tags: {_flow_list(tf.tags)}",
        "applies_to: {" + ", ".join(f"{k}: {_flow_list(tf.applies_to[k])}" for k in APPLIES_TO if tf.applies_to.get(k)) + "}",
        f"related: {_flow_list(tf.related)}",
        "questions:" + ("" if tf.questions else " []"),
        *(f"  - {_scalar(q, flow=False)}" for q in tf.questions),
        f"internal: {'true' if tf.internal else 'false'}",
        f"order: {tf.order}",
    ]
    return "---\n" + "\n".join(lines) + "\n---\n" + tf.body


def categories_format(categories: list[dict[str, Any]]) -> str:
    header = (
        "# Help-center categories and their sections.\n"
        "# Every article's `category` and `section` front-matter fields must match a slug below.\n"
        "# `internal: true` categories hold agent-only articles and are never shown in the public help center.\n"
    )
    return header + yaml.safe_dump({"categories": categories}, allow_unicode=True, sort_keys=False, width=120)


def glossary_format(terms: list[dict[str, Any]]) -> str:
    header = (
        "# Glossary of terms used in the help center.\n"
        "# Each term: slug, term (display name per language), definition (per language), optional aliases and related article slugs.\n"
    )
    return header + yaml.safe_dump({"terms": terms}, allow_unicode=True, sort_keys=False, width=120)


def folder_write(directory: Path, *, drafts: bool = False) -> int:
    """Write the knowledge base as a content folder; returns the number of article files.

    Published revisions by default; with `drafts`, each translation's newest revision.
    """
    from kefu.knowledge.models import ArticleRevision, ArticleTranslation, Category, GlossaryTerm

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    categories = []
    for c in Category.objects.prefetch_related("sections").order_by("position", "slug"):
        item: dict[str, Any] = {"slug": c.slug, "icon": c.icon, "order": c.position}
        if c.internal:
            item["internal"] = True
        item["title"] = dict(c.title)
        item["description"] = dict(c.description)
        item["sections"] = [
            {"slug": s.slug, "order": s.position, "title": dict(s.title)}
            for s in sorted(c.sections.all(), key=lambda s: (s.position, s.slug))
        ]
        categories.append(item)
    (directory / "categories.yaml").write_text(categories_format(categories), encoding="utf-8")

    terms = []
    for g in GlossaryTerm.objects.prefetch_related("related").order_by("position", "slug"):
        item = {"slug": g.slug, "term": dict(g.term)}
        if g.aliases:
            item["aliases"] = list(g.aliases)
        item["definition"] = dict(g.definition)
        related = sorted(g.related.all(), key=lambda a: a.slug)
        if related:
            item["related"] = [a.slug for a in related]
        terms.append(item)
    (directory / "glossary.yaml").write_text(glossary_format(terms), encoding="utf-8")

    written = 0
    translations = ArticleTranslation.objects.select_related("article__category", "article__section").order_by(
        "article__slug", "language"
    )
    for t in translations:
        a = t.article
        if drafts:
            revision = t.revisions.order_by("-number").first()
        else:
            revision = ArticleRevision.objects.filter(pk=t.published_revision_id).first() if t.published_revision_id else None
        if revision is None or a.category is None:
            continue
        related = list(a.relations.order_by("position").values_list("to_article__slug", flat=True))
        tf = TranslationFile(
            slug=a.slug, lang=t.language, title=revision.title, category=a.category.slug,
            section=a.section.slug if a.section else "", body=revision.body, tags=list(revision.tags),
            applies_to={k: list(v) for k, v in (("products", a.products), ("networks", a.networks), ("coins", a.coins)) if v},
            related=related, questions=list(revision.questions), internal=a.internal, order=a.position,
        )
        path = directory / a.category.slug / f"{a.slug}.{t.language}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(translation_format(tf), encoding="utf-8")
        written += 1
    return written
