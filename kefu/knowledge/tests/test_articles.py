"""Articles: drafts, publishing, revisions and restore, translations, visibility, feedback, events."""

from __future__ import annotations

import pytest
from django.test import Client

from kefu.core.errors import Conflict, PermissionDenied, ValidationFailed
from kefu.knowledge import actions
from kefu.knowledge.models import ArticleRevision, ArticleTranslation, SearchDocument
from kefu.knowledge.selectors import PUBLIC, Reader, article_page, article_state, articles_search

pytestmark = pytest.mark.django_db

BODY_V1 = "# Cold wallets\n\nA cold wallet keeps keys offline.\n\n## Why\n\nHackers cannot reach it.\n"
BODY_V2 = "# Cold wallets\n\nA cold wallet keeps private keys offline, away from the internet.\n\n## Why\n\nNo remote attack can reach it.\n"


def _article(staff, slug="cold-wallets", *, internal=False, category=None, body=BODY_V1, language="en", title="What is a cold wallet?"):
    a = actions.article_create(slug=slug, actor=staff["admin"], category=category or staff["category"],
                               section=staff["section"] if category is None else None, internal=internal)
    actions.article_draft_save(article=a, language=language, title=title, body=body, actor=staff["admin"],
                               questions=["Is a hardware wallet safe?"], tags=["wallet"])
    return a


def test_draft_is_not_live_until_published(staff):
    a = _article(staff)
    client = Client()
    assert client.get("/help/en/articles/cold-wallets/").status_code == 404
    actions.article_publish(article=a, language="en", actor=staff["admin"])
    res = client.get("/help/en/articles/cold-wallets/")
    assert res.status_code == 200
    assert "keeps keys offline" in res.content.decode()


def test_new_revisions_restore_and_history(staff):
    a = _article(staff)
    actions.article_publish(article=a, language="en", actor=staff["admin"])
    r2 = actions.article_draft_save(article=a, language="en", title="What is a cold wallet?", body=BODY_V2, actor=staff["admin"])
    t = ArticleTranslation.objects.get(article=a, language="en")
    # A pending draft does not change what readers see.
    assert "keeps keys offline" in t.body_html and t.draft_revision_id == r2.pk
    actions.article_publish(article=a, language="en", actor=staff["admin"])
    t.refresh_from_db()
    assert "away from the internet" in t.body_html and t.draft_revision_id is None

    r1 = t.revisions.get(number=1)
    restored = actions.article_revision_restore(revision=r1, actor=staff["admin"], publish=True)
    t.refresh_from_db()
    assert restored.number == 3 and restored.restored_from_id == r1.pk
    assert t.published_revision_id == restored.pk and "keeps keys offline" in t.body_html
    assert [(r.number, r.published_at is not None) for r in t.revisions.order_by("number")] == [
        (1, True), (2, True), (3, True)
    ]
    # History is never rewritten: revision 2 still holds what it held.
    assert ArticleRevision.objects.get(pk=r2.pk).body == BODY_V2


def test_saving_the_same_content_twice_creates_one_revision(staff):
    a = _article(staff)
    again = actions.article_draft_save(article=a, language="en", title="What is a cold wallet?", body=BODY_V1,
                                       actor=staff["admin"], questions=["Is a hardware wallet safe?"], tags=["wallet"])
    assert again.number == 1 and ArticleRevision.objects.filter(translation__article=a).count() == 1


def test_publishing_needs_a_draft_and_a_category(staff):
    a = _article(staff)
    actions.article_publish(article=a, language="en", actor=staff["admin"])
    with pytest.raises(Conflict):
        actions.article_publish(article=a, language="en", actor=staff["admin"])
    loose = actions.article_create(slug="loose", actor=staff["admin"])
    actions.article_draft_save(article=loose, language="en", title="Loose", body="text", actor=staff["admin"])
    with pytest.raises(ValidationFailed, match="category"):
        actions.article_publish(article=loose, language="en", actor=staff["admin"])


def test_roles_agents_draft_supervisors_publish_analysts_read(staff):
    a = actions.article_create(slug="by-agent", actor=staff["agent"], category=staff["category"])
    actions.article_draft_save(article=a, language="en", title="By an agent", body="body", actor=staff["agent"])
    with pytest.raises(PermissionDenied):
        actions.article_publish(article=a, language="en", actor=staff["agent"])
    with pytest.raises(PermissionDenied):
        actions.article_draft_save(article=a, language="en", title="x", body="y", actor=staff["analyst"])
    actions.article_publish(article=a, language="en", actor=staff["admin"])
    # Moving a live article is a publishing decision too.
    with pytest.raises(PermissionDenied):
        actions.article_update(article=a, actor=staff["agent"], internal=True)


def test_unpublish_takes_it_off_everything_and_keeps_the_text(staff):
    a = _article(staff)
    actions.article_publish(article=a, language="en", actor=staff["admin"])
    assert SearchDocument.objects.filter(article=a).exists()
    actions.article_unpublish(article=a, actor=staff["admin"])
    t = ArticleTranslation.objects.get(article=a, language="en")
    assert t.published_revision_id is None and t.draft_revision_id is not None
    assert not SearchDocument.objects.filter(article=a).exists()
    assert Client().get("/help/en/articles/cold-wallets/").status_code == 404
    assert "cold-wallets" not in [r.card.slug for r in articles_search(reader=PUBLIC, query="cold wallet", language="en").items]


def test_translation_fallback(staff):
    a = _article(staff)
    actions.article_publish(article=a, language="en", actor=staff["admin"])
    page = article_page(reader=PUBLIC, language="es", slug="cold-wallets")
    assert page.is_fallback and page.translation.language == "en"
    actions.article_draft_save(article=a, language="es", title="¿Qué es una billetera fría?",
                               body="# Billetera fría\n\nGuarda las claves sin conexión.\n", actor=staff["admin"])
    actions.article_publish(article=a, language="es", actor=staff["admin"])
    page = article_page(reader=PUBLIC, language="es", slug="cold-wallets")
    assert not page.is_fallback and page.translation.title == "¿Qué es una billetera fría?"
    res = Client().get("/help/es/articles/cold-wallets/").content.decode()
    assert 'hreflang="es"' in res and 'hreflang="en"' in res and 'hreflang="x-default"' in res
    # Traditional-Chinese readers get simplified Chinese before English.
    actions.article_draft_save(article=a, language="zh-Hans", title="什么是冷钱包？", body="# 冷钱包\n\n离线保存私钥。\n", actor=staff["admin"])
    actions.article_publish(article=a, language="zh-Hans", actor=staff["admin"])
    assert article_page(reader=PUBLIC, language="zh-Hant", slug="cold-wallets").translation.language == "zh-Hans"
    assert article_page(reader=PUBLIC, language="ja", slug="cold-wallets").translation.language == "en"


def test_internal_articles_are_for_agents_only(staff):
    a = _article(staff, "agent-only-steps", internal=True, title="Agent steps for cold storage audits")
    actions.article_publish(article=a, language="en", actor=staff["admin"])
    b = _article(staff, "procedure-in-internal-category", category=staff["internal_category"], title="Cold storage audit procedure")
    actions.article_publish(article=b, language="en", actor=staff["admin"])
    anonymous = Client()
    for slug in ("agent-only-steps", "procedure-in-internal-category"):
        assert anonymous.get(f"/help/en/articles/{slug}/").status_code == 404
        assert anonymous.get(f"/api/v1/help/articles/{slug}").status_code == 404
    assert anonymous.get("/help/en/categories/procedures/").status_code == 404
    public_hits = [r.card.slug for r in articles_search(reader=PUBLIC, query="cold storage audit", language="en").items]
    agent_hits = [r.card.slug for r in articles_search(reader=Reader(staff["people"]["agent"]), query="cold storage audit", language="en").items]
    assert not {"agent-only-steps", "procedure-in-internal-category"} & set(public_hits)
    assert {"agent-only-steps", "procedure-in-internal-category"} <= set(agent_hits)
    signed_in = Client()
    signed_in.force_login(staff["people"]["agent"])
    res = signed_in.get("/help/en/articles/agent-only-steps/")
    assert res.status_code == 200 and "visible to support agents only" in res.content.decode()


def test_a_public_article_never_links_to_an_internal_one(staff):
    secret = _article(staff, "secret-procedure", internal=True)
    actions.article_publish(article=secret, language="en", actor=staff["admin"])
    a = _article(staff, "public-one", body="# P\n\nAsk an agent, they follow [the procedure](secret-procedure).\n")
    actions.article_publish(article=a, language="en", actor=staff["admin"])
    html = ArticleTranslation.objects.get(article=a).body_html
    assert "secret-procedure" not in html and "the procedure" in html


def test_feedback_votes_and_a_comment_once(staff):
    a = _article(staff)
    actions.article_publish(article=a, language="en", actor=staff["admin"])
    fb = actions.article_feedback_submit(article=a, language="en", helpful=False)
    actions.article_feedback_submit(article=a, language="en", helpful=True)
    actions.article_feedback_comment(feedback=fb, comment="Which hardware wallets work?")
    with pytest.raises(Conflict):
        actions.article_feedback_comment(feedback=fb, comment="again")
    a.refresh_from_db()
    assert (a.helpful_count, a.unhelpful_count) == (1, 1)


def test_feedback_form_is_csrf_protected(staff):
    a = _article(staff)
    actions.article_publish(article=a, language="en", actor=staff["admin"])
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/help/en/articles/cold-wallets/feedback/", {"helpful": "yes"}).status_code == 403
    page = strict.get("/help/en/articles/cold-wallets/")
    token = page.cookies["csrftoken"].value
    res = strict.post("/help/en/articles/cold-wallets/feedback/", {"helpful": "no", "csrfmiddlewaretoken": token})
    assert res.status_code == 302 and "feedback=" in res["Location"]
    thanks = strict.get(res["Location"]).content.decode()
    assert "Thanks for your feedback" in thanks and "What were you looking for?" in thanks
    signed = res["Location"].split("feedback=")[1].split("#")[0]
    res = strict.post("/help/en/articles/cold-wallets/feedback/", {"feedback": signed, "comment": "Ledger?", "csrfmiddlewaretoken": token})
    assert res.status_code == 302
    a.refresh_from_db()
    assert a.unhelpful_count == 1 and a.feedback.get().comment == "Ledger?"
    # A forged token adds nothing.
    strict.post("/help/en/articles/cold-wallets/feedback/", {"feedback": "forged:abc", "comment": "spam", "csrfmiddlewaretoken": token})
    assert a.feedback.count() == 1


def test_replaying_article_events_equals_a_fresh_fetch(staff, events, django_capture_on_commit_callbacks):
    """A console list kept live by events shows what a refetch would show."""
    events.clear()
    with django_capture_on_commit_callbacks(execute=True):
        a = _article(staff)
        actions.article_publish(article=a, language="en", actor=staff["admin"])
        actions.article_draft_save(article=a, language="es", title="Billetera fría", body="Texto", actor=staff["admin"])
        actions.article_update(article=a, actor=staff["admin"], position=5, coins=["BTC"])
        actions.article_unpublish(article=a, actor=staff["admin"], language="en")
    view: dict = {}
    for e in events:
        if e.type.startswith("article.") and "article" in e.payload:
            view[e.payload["article"]["id"]] = e.payload["article"]
    assert {e.type for e in events} >= {"article.updated", "article.drafted", "article.published", "article.unpublished"}
    assert view[str(a.pk)] == article_state(a).model_dump(mode="json")
