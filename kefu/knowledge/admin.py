"""The knowledge base in the Django admin: a working editor until the console has one.

Every save goes through the actions (drafts, publish, restore), so revisions, the search
index and events stay right; deleting articles is not offered (unpublish instead).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from kefu.core.actors import Actor
from kefu.core.errors import KefuError
from kefu.knowledge import actions
from kefu.knowledge.models import (
    Article,
    ArticleFeedback,
    ArticleRevision,
    ArticleTranslation,
    Category,
    ContentGap,
    GlossaryTerm,
    Icon,
    SearchDocument,
    SearchLog,
    Section,
)
from kefu.knowledge.selectors import article_url, search_gaps, search_stats


def _actor(request: HttpRequest) -> Actor:
    return Actor.of_agent(request.user)  # type: ignore[arg-type]


def _csv(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _fail(modeladmin: admin.ModelAdmin, request: HttpRequest, exc: KefuError) -> None:
    modeladmin.message_user(request, exc.message, level=messages.ERROR)


class LabelsField(forms.CharField):
    """A {language: text} map edited as `lang: text` lines."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 80})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return "\n".join(f"{k}: {v}" for k, v in value.items())
        return value

    def to_python(self, value: Any) -> dict[str, str]:
        if isinstance(value, dict):
            return value
        out = {}
        for line in (value or "").splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                if k.strip() and v.strip():
                    out[k.strip()] = v.strip()
        return out


# --- categories -----------------------------------------------------------------------------------


class CategoryForm(forms.ModelForm):
    title = LabelsField(help_text="one `language: text` per line, e.g. `en: Deposits`")
    description = LabelsField(required=False)

    class Meta:
        model = Category
        fields = ("slug", "icon", "position", "internal", "title", "description")


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = ("slug", "position", "title")
    readonly_fields = ("slug", "position", "title")
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryForm
    list_display = ("slug", "label", "icon", "position", "internal")
    list_editable = ()
    inlines = [SectionInline]

    @admin.display(description="title")
    def label(self, obj: Category) -> str:
        return obj.title.get("en") or next(iter(obj.title.values()), "")

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        d = form.cleaned_data
        saved = actions.category_save(
            slug=d["slug"], title=d["title"], description=d["description"], icon=d["icon"] or Icon.HELP,
            position=d["position"], internal=d["internal"], actor=_actor(request),
        )
        obj.pk, obj.created_at = saved.pk, saved.created_at

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SectionForm(forms.ModelForm):
    title = LabelsField()

    class Meta:
        model = Section
        fields = ("category", "slug", "position", "title")


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    form = SectionForm
    list_display = ("__str__", "position")
    list_filter = ("category",)

    def save_model(self, request: HttpRequest, obj: Section, form: Any, change: bool) -> None:
        d = form.cleaned_data
        saved = actions.section_save(category=d["category"], slug=d["slug"], title=d["title"], position=d["position"], actor=_actor(request))
        obj.pk, obj.created_at = saved.pk, saved.created_at

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- articles -------------------------------------------------------------------------------------


class ArticleForm(forms.ModelForm):
    products_csv = forms.CharField(label="Products", required=False, help_text="comma-separated, e.g. spot, futures")
    networks_csv = forms.CharField(label="Networks", required=False, help_text="comma-separated, e.g. TRX, ETH")
    coins_csv = forms.CharField(label="Coins", required=False, help_text="comma-separated, e.g. USDT, BTC")
    related_csv = forms.CharField(label="Related articles", required=False, help_text="comma-separated slugs, in order")

    class Meta:
        model = Article
        fields = ("slug", "category", "section", "internal", "position", "fallback_language")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        a = self.instance
        if a.pk:
            self.fields["slug"].disabled = True
            self.initial.update({
                "products_csv": ", ".join(a.products), "networks_csv": ", ".join(a.networks), "coins_csv": ", ".join(a.coins),
                "related_csv": ", ".join(a.relations.order_by("position").values_list("to_article__slug", flat=True)),
            })


class TranslationInline(admin.TabularInline):
    model = ArticleTranslation
    extra = 0
    fields = ("language", "title", "published_at", "state")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    @admin.display(description="state")
    def state(self, obj: ArticleTranslation) -> str:
        live = "live" if obj.published_revision_id else "not published"
        return live + (" · draft pending" if obj.draft_revision_id else "")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    list_display = ("slug", "category", "section", "internal", "languages", "view_count", "helpful_count", "unhelpful_count", "updated_at")
    list_filter = ("category", "internal")
    search_fields = ("slug", "translations__title")
    inlines = [TranslationInline]
    readonly_fields = ("view_count", "helpful_count", "unhelpful_count", "source_conversation", "created_by")
    actions = ["unpublish"]

    @admin.display(description="languages")
    def languages(self, obj: Article) -> str:
        return ", ".join(
            t.language + ("" if t.published_revision_id else " (draft)") for t in obj.translations.all()
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return super().get_queryset(request).select_related("category", "section").prefetch_related("translations")

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        d = form.cleaned_data
        fields = {
            "category": d["category"], "section": d["section"], "internal": d["internal"], "position": d["position"],
            "fallback_language": d["fallback_language"], "products": _csv(d["products_csv"]),
            "networks": _csv(d["networks_csv"]), "coins": _csv(d["coins_csv"]),
        }
        actor = _actor(request)
        if change:
            saved = actions.article_update(article=Article.objects.get(pk=obj.pk), actor=actor, **fields)
        else:
            saved = actions.article_create(slug=d["slug"], actor=actor, **fields)
        related = list(Article.objects.filter(slug__in=_csv(d["related_csv"])))
        order = {s: i for i, s in enumerate(_csv(d["related_csv"]))}
        actions.article_related_set(article=saved, related=sorted(related, key=lambda a: order[a.slug]), actor=actor)
        obj.pk, obj.created_at = saved.pk, saved.created_at

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Unpublish (every language)")
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        for article in queryset:
            try:
                actions.article_unpublish(article=article, actor=_actor(request))
            except KefuError as exc:
                _fail(self, request, exc)
                return
        self.message_user(request, f"unpublished {queryset.count()} article(s)")


class TranslationForm(forms.ModelForm):
    """Edits the newest revision: saving creates a draft revision; publishing is an action."""

    draft_title = forms.CharField(label="Title", max_length=300)
    draft_body = forms.CharField(label="Body (Markdown)", widget=forms.Textarea(attrs={"rows": 28, "cols": 100, "style": "font-family: monospace"}))
    draft_tags = forms.CharField(label="Tags", required=False, help_text="comma-separated")
    draft_questions = forms.CharField(label="Customer questions", required=False, widget=forms.Textarea(attrs={"rows": 4, "cols": 100}),
                                      help_text="one per line: how customers ask it (improves search)")
    note = forms.CharField(required=False, max_length=300, help_text="what changed (shown in the history)")
    publish_now = forms.BooleanField(required=False, help_text="publish this revision when saving")

    class Meta:
        model = ArticleTranslation
        fields = ("article", "language")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        t = self.instance
        if t.pk:
            self.fields["article"].disabled = True
            self.fields["language"].disabled = True
            latest = t.revisions.order_by("-number").first()
            if latest:
                self.initial.update({
                    "draft_title": latest.title, "draft_body": latest.body, "draft_tags": ", ".join(latest.tags),
                    "draft_questions": "\n".join(latest.questions),
                })


class RevisionInline(admin.TabularInline):
    model = ArticleRevision
    extra = 0
    fields = ("number", "title", "author", "author_label", "note", "created_at", "published_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    ordering = ("-number",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ArticleTranslation)
class ArticleTranslationAdmin(admin.ModelAdmin):
    form = TranslationForm
    list_display = ("__str__", "title", "live", "draft_pending", "published_at")
    list_filter = ("language",)
    search_fields = ("article__slug", "title")
    readonly_fields = ("live_link",)
    inlines = [RevisionInline]
    actions = ["publish_drafts", "unpublish"]

    @admin.display(boolean=True)
    def live(self, obj: ArticleTranslation) -> bool:
        return obj.published_revision_id is not None

    @admin.display(boolean=True, description="draft pending")
    def draft_pending(self, obj: ArticleTranslation) -> bool:
        return obj.draft_revision_id is not None

    @admin.display(description="help center")
    def live_link(self, obj: ArticleTranslation) -> str:
        if not obj.pk or not obj.published_revision_id:
            return "not published"
        url = article_url(obj.article.slug, obj.language)
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    def save_model(self, request: HttpRequest, obj: ArticleTranslation, form: Any, change: bool) -> None:
        d = form.cleaned_data
        article = d["article"] if not change else obj.article
        language = d["language"] if not change else obj.language
        actor = _actor(request)
        revision = actions.article_draft_save(
            article=article, language=language, title=d["draft_title"], body=d["draft_body"], actor=actor,
            tags=_csv(d["draft_tags"]), questions=[q.strip() for q in d["draft_questions"].splitlines() if q.strip()],
            note=d["note"],
        )
        if d["publish_now"]:
            actions.article_publish(article=article, language=language, actor=actor, revision=revision)
        obj.pk = revision.translation_id
        obj.created_at = revision.translation.created_at

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        return  # revisions are read-only here

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Publish the pending draft")
    def publish_drafts(self, request: HttpRequest, queryset: QuerySet[ArticleTranslation]) -> None:
        n = 0
        for t in queryset.filter(draft_revision__isnull=False).select_related("article"):
            try:
                actions.article_publish(article=t.article, language=t.language, actor=_actor(request))
                n += 1
            except KefuError as exc:
                _fail(self, request, exc)
                return
        self.message_user(request, f"published {n} translation(s)")

    @admin.action(description="Unpublish")
    def unpublish(self, request: HttpRequest, queryset: QuerySet[ArticleTranslation]) -> None:
        for t in queryset.select_related("article"):
            try:
                actions.article_unpublish(article=t.article, language=t.language, actor=_actor(request))
            except KefuError as exc:
                _fail(self, request, exc)
                return
        self.message_user(request, "unpublished")


@admin.register(ArticleRevision)
class ArticleRevisionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "title", "author", "note", "created_at", "published_at")
    list_filter = ("translation__language",)
    search_fields = ("translation__article__slug", "title")
    readonly_fields = [f.name for f in ArticleRevision._meta.fields]
    actions = ["restore", "restore_and_publish"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _restore(self, request: HttpRequest, queryset: QuerySet[ArticleRevision], publish: bool) -> None:
        for revision in queryset.select_related("translation__article"):
            try:
                actions.article_revision_restore(revision=revision, actor=_actor(request), publish=publish)
            except KefuError as exc:
                _fail(self, request, exc)
                return
        self.message_user(request, "restored as the newest revision" + (" and published" if publish else ""))

    @admin.action(description="Restore as a new draft")
    def restore(self, request: HttpRequest, queryset: QuerySet[ArticleRevision]) -> None:
        self._restore(request, queryset, publish=False)

    @admin.action(description="Restore and publish")
    def restore_and_publish(self, request: HttpRequest, queryset: QuerySet[ArticleRevision]) -> None:
        self._restore(request, queryset, publish=True)


class GlossaryForm(forms.ModelForm):
    term = LabelsField()
    definition = LabelsField(widget=forms.Textarea(attrs={"rows": 5, "cols": 100}))
    aliases_csv = forms.CharField(label="Aliases", required=False, help_text="comma-separated")

    class Meta:
        model = GlossaryTerm
        fields = ("slug", "position", "term", "definition", "related")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["aliases_csv"] = ", ".join(self.instance.aliases)


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(admin.ModelAdmin):
    form = GlossaryForm
    list_display = ("slug", "__str__", "position")
    search_fields = ("slug",)
    filter_horizontal = ("related",)

    def save_model(self, request: HttpRequest, obj: GlossaryTerm, form: Any, change: bool) -> None:
        d = form.cleaned_data
        saved = actions.glossary_term_save(
            slug=d["slug"], term=d["term"], definition=d["definition"], aliases=_csv(d["aliases_csv"]),
            related=list(d["related"]), position=d["position"], actor=_actor(request),
        )
        obj.pk, obj.created_at = saved.pk, saved.created_at

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        return  # glossary_term_save set the related articles

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- what readers did -----------------------------------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ArticleFeedback)
class ArticleFeedbackAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "article", "language", "helpful", "comment")
    list_filter = ("helpful", "language")
    search_fields = ("article__slug", "comment")


@admin.register(SearchLog)
class SearchLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "query", "language", "source", "result_count", "top_article", "top_confidence", "no_good_result", "clicked_article")
    list_filter = ("no_good_result", "source", "language")
    search_fields = ("query",)


@admin.register(ContentGap)
class ContentGapAdmin(ReadOnlyAdmin):
    """Searches with no good result, grouped by question: what to write next."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        from datetime import timedelta

        from kefu.core.clock import now

        try:
            days = max(1, min(365, int(request.GET.get("days", "30"))))
        except ValueError:
            days = 30
        since = now() - timedelta(days=days)
        context = {
            **self.admin_site.each_context(request), "title": "Content gaps", "opts": self.model._meta,
            "gaps": search_gaps(since=since, limit=200), "stats": search_stats(since=since), "days": days,
            "log_url": reverse("admin:knowledge_searchlog_changelist") + "?no_good_result__exact=1",
        }
        return TemplateResponse(request, "admin/knowledge/content_gaps.html", context)


@admin.register(SearchDocument)
class SearchDocumentAdmin(ReadOnlyAdmin):
    list_display = ("id", "translation", "language", "internal", "embedding_model", "seq", "updated_at")
    list_filter = ("language", "internal", "embedding_model")
    exclude = ("vector", "passages")
