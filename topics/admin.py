"""Django admin is the editors' product: every field explained, grades beside their targets."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from topics.models import Disclaimer, GlossaryTerm, Persona, Reference, Reviewer, Topic, Variant


@admin.display(description="Reading grade (target)", ordering="reading_grade")
def grade_against_target(variant: Variant) -> str:
    marker = "over target" if variant.over_target else "ok"
    return format_html(
        '<span class="grade grade-{}">{} (target ≤ {}, {})</span>',
        marker.replace(" ", "-"),
        variant.reading_grade,
        variant.persona.max_grade,
        marker,
    )


@admin.display(description="Public page")
def public_link(variant: Variant) -> str:
    if not variant.pk:
        return "—"
    label = "View page" if variant.status == Variant.Status.PUBLISHED else "Public address (not published yet)"
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', variant.get_absolute_url(), label)


# Editors write long Markdown: give them room.
WIDE_FIELDS = {
    models.TextField: {"widget": forms.Textarea(attrs={"rows": 24, "cols": 90})},
    models.CharField: {"widget": forms.TextInput(attrs={"size": 80})},
}


@admin.register(Persona)
class PersonaAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "max_grade", "order", "is_default", "audience_type"]
    list_editable = ["order"]
    prepopulated_fields = {"slug": ["name"]}


class VariantInline(admin.StackedInline):
    model = Variant
    formfield_overrides = WIDE_FIELDS
    extra = 0
    fields = ["persona", "status", "title", "summary", "body", grade_against_target, public_link]
    readonly_fields = [grade_against_target, public_link]
    show_change_link = True


@admin.register(Topic)
class TopicAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "slug", "published_variants", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["title", "slug", "other_names", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["related"]
    inlines = [VariantInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("variants__persona")

    @admin.display(description="Published for")
    def published_variants(self, topic: Topic) -> str:
        published = [v for v in topic.variants.all() if v.status == Variant.Status.PUBLISHED]
        return ", ".join(v.persona.slug for v in published) or "nobody yet"


@admin.register(Variant)
class VariantAdmin(SimpleHistoryAdmin):
    formfield_overrides = WIDE_FIELDS
    list_display = [
        "topic",
        "persona",
        "status",
        grade_against_target,
        "reviewer",
        "last_reviewed",
        "updated_at",
        public_link,
    ]
    list_filter = ["persona", "status", "topic__kind", "reviewer"]
    search_fields = ["topic__title", "title", "body"]
    list_select_related = ["topic", "persona", "reviewer"]
    autocomplete_fields = ["topic"]
    readonly_fields = [grade_against_target, public_link, "rendered_preview", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["topic", "persona", "status", "title", "summary"]}),
        ("Text", {"fields": ["body", grade_against_target, "rendered_preview"]}),
        ("Medical review", {"fields": ["reviewer", "last_reviewed", "next_review_due"]}),
        ("Record", {"fields": [public_link, "created_at", "updated_at"]}),
    ]

    @admin.display(description="How the body renders (as last saved)")
    def rendered_preview(self, variant: Variant) -> str:
        if not variant.html:
            return "—"
        # variant.html was sanitized with nh3 when it was saved, so it is safe to show as HTML.
        return format_html('<div class="rendered-preview">{}</div>', mark_safe(variant.html))


@admin.register(Reference)
class ReferenceAdmin(SimpleHistoryAdmin):
    list_display = ["key", "kind", "title", "source", "year", "doi"]
    list_filter = ["kind", "year"]
    search_fields = ["key", "title", "authors", "source", "doi", "pmid"]


@admin.register(Disclaimer)
class DisclaimerAdmin(SimpleHistoryAdmin):
    list_display = ["title", "slug", "shown_to", "order"]
    list_filter = ["personas"]
    search_fields = ["title", "text"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["personas"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("personas")

    @admin.display(description="Shown to")
    def shown_to(self, disclaimer: Disclaimer) -> str:
        return ", ".join(p.name for p in disclaimer.personas.all()) or "Every reader"


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(SimpleHistoryAdmin):
    list_display = ["term", "slug", "definition"]
    search_fields = ["term", "other_forms", "definition"]
    prepopulated_fields = {"slug": ["term"]}


@admin.register(Reviewer)
class ReviewerAdmin(admin.ModelAdmin):
    list_display = ["name", "credentials", "user", "active"]
    list_filter = ["active"]
    search_fields = ["name", "credentials"]
