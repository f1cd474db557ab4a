"""`kefu kb import` / `kefu kb export`: the content folder round trip."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from kefu.core.actors import Actor
from kefu.core.errors import ValidationFailed
from kefu.core.models import EventLogEntry
from kefu.knowledge.actions import CONTENT_DIR, knowledge_import
from kefu.knowledge.models import Article, ArticleRevision, ArticleTranslation, GlossaryTerm

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("test")


def _articles(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): p.read_text(encoding="utf-8") for p in sorted(directory.glob("*/*.md"))}


def test_import_export_round_trip_is_exact_and_idempotent(tmp_path, capsys):
    folder = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, folder)
    call_command("kb", "import", str(folder))
    assert "48 new articles, 113 new revisions, 113 published" in capsys.readouterr().out
    source = _articles(CONTENT_DIR)
    assert Article.objects.count() == 48 and len(source) == ArticleTranslation.objects.count() == 113
    assert set(Article.objects.filter(internal=True).values_list("category__slug", flat=True)) == {"agent-procedures"}
    assert GlossaryTerm.objects.count() == 39

    call_command("kb", "export", str(tmp_path / "out"))
    assert _articles(tmp_path / "out") == source  # file for file, byte for byte
    for name in ("categories.yaml", "glossary.yaml"):
        original = yaml.safe_load((CONTENT_DIR / name).read_text())
        again = yaml.safe_load((tmp_path / "out" / name).read_text())
        if name == "glossary.yaml":
            for term in original["terms"]:
                term["related"] = sorted(term.get("related", []))
        assert again == original

    # Importing the export changes nothing, and says nothing.
    revisions, events = ArticleRevision.objects.count(), EventLogEntry.objects.filter(stream="knowledge").count()
    again = knowledge_import(directory=tmp_path / "out", actor=SYSTEM, embed=False)
    assert (again.revisions_created, again.published, again.articles_created, again.unchanged) == (0, 0, 0, 113)
    assert ArticleRevision.objects.count() == revisions
    assert EventLogEntry.objects.filter(stream="knowledge").count() == events

    # One edited file is one new revision, published.
    path = folder / "deposits" / "deposit-memo-tag.es.md"
    path.write_text(path.read_text().replace("Memo", "MEMO", 1))
    report = knowledge_import(directory=folder, actor=SYSTEM, embed=False)
    assert (report.revisions_created, report.published, report.unchanged) == (1, 1, 112)
    t = ArticleTranslation.objects.get(article__slug="deposit-memo-tag", language="es")
    assert t.revisions.count() == 2 and t.published_revision.number == 2


def test_a_broken_folder_is_refused_whole(tmp_path):
    folder = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, folder)
    bad = folder / "deposits" / "fiat-deposit.en.md"
    bad.write_text(bad.read_text().replace("category: deposits", "category: nowhere").replace("](kyc-levels)", "](no-such-article)"))
    with pytest.raises(ValidationFailed) as exc:
        knowledge_import(directory=folder, actor=SYSTEM, embed=False)
    assert "unknown category nowhere" in exc.value.message
    assert not Article.objects.exists()  # all or nothing
