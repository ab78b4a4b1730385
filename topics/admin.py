"""Django admin is the editors' product: every field explained, grades beside their targets."""

from __future__ import annotations

import difflib

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from simple_history.admin import SimpleHistoryAdmin

from topics import readability, rendering
from topics.models import Disclaimer, GlossaryTerm, Persona, Reference, Reviewer, Topic, Variant, VariantNeedingReview


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


@admin.display(description="Live page")
def live_state(variant: Variant) -> str:
    if not variant.is_live:
        return "Not live yet"
    when = variant.published_at.strftime("%-d %b %Y")
    if variant.has_pending_revision:
        return f"Live since {when}; a newer revision is pending (not public until published)"
    return f"Live since {when}; matches the working text"


@admin.display(description="Preview")
def preview_link(variant: Variant) -> str:
    if not variant.pk:
        return "—"
    return format_html(
        '<a href="{}?preview=1" target="_blank" rel="noopener">Preview the working text</a>',
        variant.get_absolute_url(),
    )


def pk_or_404(model: type[models.Model], value: str):
    """A primary key taken from an admin URL, or a 404 page: never a crash on a malformed one."""
    field = model._meta.pk
    try:
        pk = field.to_python(value)
        field.run_validators(pk)  # an integer the database can hold
    except (ValidationError, TypeError, ValueError):
        raise Http404("No such record.") from None
    return pk


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin (history, diff, revert), with its URLs checked first.

    Its views pass the ids in the URL straight to the database, so a mistyped address
    would be a server error; here it is a 404 page.
    """

    def history_view(self, request, object_id, extra_context=None):
        pk_or_404(self.model, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        pk_or_404(self.model, unquote(object_id))
        history_model = getattr(self.model, self.model._meta.simple_history_manager_attribute).model
        pk_or_404(history_model, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


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
    fields = ["persona", "status", live_state, "title", "summary", "body", grade_against_target, public_link]
    readonly_fields = ["status", live_state, grade_against_target, public_link]
    show_change_link = True


@admin.register(Topic)
class TopicAdmin(HistoryAdmin):
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


class VariantForm(forms.ModelForm):
    """The variant form. Publishing is a button, not a status an editor can type in."""

    approval_notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 90}),
        help_text="Medical reviewers: notes recorded with this approval when you press “Publish”.",
    )
    grade_override = forms.CharField(
        required=False,
        label="Reason to publish above the reading-grade target",
        widget=forms.Textarea(attrs={"rows": 2, "cols": 90}),
        help_text="Needed only when the text is harder than its reader's target. It is recorded with the publication.",
    )

    class Meta:
        model = Variant
        fields = ["topic", "persona", "title", "summary", "body"]
        widgets = {"title": forms.TextInput(attrs={"size": 80}), "summary": forms.TextInput(attrs={"size": 80})}

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        if "body" in self.fields:
            # The live grade panel: htmx posts the form as the editor types (see grade_panel_view).
            self.fields["body"].widget = forms.Textarea(
                attrs={
                    "rows": 24,
                    "cols": 90,
                    "hx-post": reverse("admin:topics_variant_grade"),
                    "hx-trigger": "input changed delay:600ms, load",
                    "hx-target": "#grade-panel",
                    "hx-swap": "innerHTML",
                }
            )

    def clean(self):
        cleaned = super().clean()
        if self.request is not None and PUBLISH in self.request.POST:
            if not self.request.user.has_perm("topics.publish_variant"):
                raise forms.ValidationError("Only medical reviewers can publish.")
            persona = cleaned.get("persona")
            grade = readability.reading_grade(rendering.render_body(cleaned.get("body", ""), set()).html)
            if persona and grade > persona.max_grade and not cleaned.get("grade_override", "").strip():
                self.add_error(
                    "grade_override",
                    f"Reading grade {grade} is above the target of {persona.max_grade} for {persona.name}: "
                    "simplify the text, or give a reason to publish it anyway.",
                )
        return cleaned


PUBLISH, SUBMIT, TO_DRAFT = "_publish", "_submit_review", "_return_to_draft"


@admin.register(Variant)
class VariantAdmin(HistoryAdmin):
    form = VariantForm
    change_form_template = "admin/topics/variant/change_form.html"
    list_display = [
        "topic",
        "persona",
        "status",
        live_state,
        grade_against_target,
        "reviewer",
        "last_reviewed",
        public_link,
    ]
    list_filter = ["persona", "status", "topic__kind", "reviewer"]
    # The slug too: an editor often starts from a page address such as /topics/insr-gene/patient/.
    search_fields = ["topic__title", "topic__slug", "topic__other_names", "title", "body"]
    list_select_related = ["topic", "persona", "reviewer"]
    autocomplete_fields = ["topic"]
    actions = ["submit_for_review", "publish_selected"]
    readonly_fields = [
        "status", live_state, grade_against_target, "grade_panel", public_link, preview_link, "compare_link",
        "rendered_preview", "reviewer", "last_reviewed", "next_review_due", "review_notes", "grade_override_reason",
        "submitted_at", "submitted_by", "published_at", "published_by", "created_at", "updated_at",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["topic", "persona", "status", live_state, "title", "summary"]}),
        ("Text", {"fields": ["body", "grade_panel", "rendered_preview"]}),
        (
            "Review and publishing",
            {
                "fields": [
                    "approval_notes",
                    "grade_override",
                    "reviewer",
                    "last_reviewed",
                    "next_review_due",
                    "review_notes",
                    "grade_override_reason",
                    "submitted_at",
                    "submitted_by",
                    "published_at",
                    "published_by",
                ]
            },
        ),  # fmt: skip
        ("Links and record", {"fields": [public_link, preview_link, "compare_link", "created_at", "updated_at"]}),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class RequestForm(form_class):
            def __init__(self, *args, **inner):
                super().__init__(*args, request=request, **inner)

        return RequestForm

    def get_urls(self):
        urls = [
            # Not wrapped in admin_view: that would answer a signed-out editor's keystrokes
            # with the sign-in page, swapped into the panel. The view checks for itself.
            path("grade/", never_cache(self.grade_panel_view), name="topics_variant_grade"),
            path("<int:pk>/compare/", self.admin_site.admin_view(self.compare_view), name="topics_variant_compare"),
        ]
        return urls + super().get_urls()

    @admin.display(description="Reading grade as you type")
    def grade_panel(self, variant: Variant) -> str:
        return format_html('<div id="grade-panel" aria-live="polite">{}</div>', grade_against_target(variant))

    @admin.display(description="How the body renders (as last saved)")
    def rendered_preview(self, variant: Variant) -> str:
        if not variant.html:
            return "—"
        # variant.html was sanitized with nh3 when it was saved, so it is safe to show as HTML.
        return format_html('<div class="rendered-preview">{}</div>', mark_safe(variant.html))

    @admin.display(description="History")
    def compare_link(self, variant: Variant) -> str:
        if not variant.pk:
            return "—"
        return format_html(
            '<a href="{}">Compare revisions</a>', reverse("admin:topics_variant_compare", args=[variant.pk])
        )

    def grade_panel_view(self, request: HttpRequest) -> HttpResponse:
        """htmx: the grade of the text being typed, against the chosen reader's target."""
        if request.method != "POST":
            return HttpResponse(status=405)
        if not self.admin_site.has_permission(request):
            if request.htmx:
                # The session ended while they typed: say so where they are looking,
                # before they press Save and meet the sign-in page.
                return TemplateResponse(request, "admin/topics/variant/grade_panel.html", {"signed_out": True})
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        body = request.POST.get("body", "")[:200_000]
        persona_id = request.POST.get("persona", "")
        # No reader chosen yet (or a malformed value): the panel shows the grade without a target.
        persona = Persona.objects.filter(pk=persona_id).first() if persona_id.isdecimal() else None
        analysis = readability.analyse(rendering.render_body(body, set()).html)
        return TemplateResponse(
            request, "admin/topics/variant/grade_panel.html", {"analysis": analysis, "persona": persona}
        )

    def compare_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """A readable diff between two saved revisions of a variant."""
        variant = get_object_or_404(Variant, pk=pk)
        if not self.has_view_or_change_permission(request, variant):
            raise PermissionDenied
        records = list(variant.history.select_related("history_user").order_by("-history_date"))
        by_id = {str(r.history_id): r for r in records}
        newer = by_id.get(request.GET.get("to", "")) or (records[0] if records else None)
        older = by_id.get(request.GET.get("from", "")) or (records[1] if len(records) > 1 else newer)
        diff = []
        if newer and older:
            for field in ["title", "summary", "body", "status"]:
                a, b = str(getattr(older, field)), str(getattr(newer, field))
                if a != b:
                    lines = difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=2)
                    diff.append((field, [line for line in lines if not line.startswith(("---", "+++"))]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": variant,
            "records": records,
            "older": older,
            "newer": newer,
            "diff": diff,
            "title": f"Compare revisions: {variant}",
        }
        return TemplateResponse(request, "admin/topics/variant/compare.html", context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if PUBLISH in request.POST:
            obj.publish(
                by=request.user,
                notes=form.cleaned_data.get("approval_notes", ""),
                override_reason=form.cleaned_data.get("grade_override", ""),
            )
            messages.success(request, f"Published: {obj}. The public page shows it now.")
        elif SUBMIT in request.POST:
            obj.submit_for_review(by=request.user)
            messages.success(request, f"Sent for medical review: {obj}.")
        elif TO_DRAFT in request.POST:
            obj.return_to_draft(by=request.user)

    def render_change_form(self, request, context, *args, **kwargs):
        context["can_publish"] = request.user.has_perm("topics.publish_variant")
        return super().render_change_form(request, context, *args, **kwargs)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("topics.publish_variant"):
            actions.pop("publish_selected", None)
        return actions

    @admin.action(description="Send selected variants for medical review")
    def submit_for_review(self, request, queryset):
        sent = 0
        for variant in queryset.select_related("topic", "persona"):
            if not variant.working_matches_live:
                variant.submit_for_review(by=request.user)
                sent += 1
        messages.success(request, f"{sent} variant(s) sent for review.")

    @admin.action(description="Publish selected variants (medical reviewers)")
    def publish_selected(self, request, queryset):
        if not request.user.has_perm("topics.publish_variant"):
            raise PermissionDenied
        published, skipped = 0, []
        for variant in queryset.select_related("topic", "persona"):
            try:
                variant.publish(by=request.user)
                published += 1
            except ValidationError as error:
                skipped.append(f"{variant}: {' '.join(error.messages)}")
        messages.success(request, f"{published} variant(s) published.")
        for reason in skipped:
            messages.warning(request, f"Not published (open it to give a reason): {reason}")


class NeedsReviewFilter(admin.SimpleListFilter):
    title = "why"
    parameter_name = "why"

    def lookups(self, request, model_admin):
        return [("pending", "Sent for review"), ("overdue", "Review overdue"), ("never", "Live, never reviewed")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        return {
            "pending": queryset.filter(status=Variant.Status.REVIEW),
            "overdue": queryset.filter(next_review_due__lt=today),
            "never": queryset.filter(published_at__isnull=False, last_reviewed__isnull=True),
        }.get(self.value(), queryset)


@admin.register(VariantNeedingReview)
class NeedsReviewAdmin(admin.ModelAdmin):
    """The medical reviewers' queue: pending, overdue and never-reviewed pages."""

    list_display = ["variant_link", "persona", "why", "submitted_at", "next_review_due", grade_against_target]
    list_filter = [NeedsReviewFilter, "persona"]
    list_select_related = ["topic", "persona"]
    search_fields = ["topic__title"]

    def get_queryset(self, request):
        return super().get_queryset(request).needing_review()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("topics.view_variant")

    def has_module_permission(self, request):
        return request.user.has_perm("topics.view_variant")

    @admin.display(description="Page")
    def variant_link(self, variant: Variant) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:topics_variant_change", args=[variant.pk]), variant.topic
        )

    @admin.display(description="Why")
    def why(self, variant: Variant) -> str:
        reasons = []
        if variant.status == Variant.Status.REVIEW:
            reasons.append("sent for review")
        if variant.next_review_due and variant.next_review_due < timezone.localdate():
            reasons.append("review overdue")
        if variant.is_live and variant.last_reviewed is None:
            reasons.append("live, never medically reviewed")
        return "; ".join(reasons)


@admin.register(Reference)
class ReferenceAdmin(HistoryAdmin):
    list_display = ["key", "kind", "title", "source", "year", "doi"]
    list_filter = ["kind", "year"]
    search_fields = ["key", "title", "authors", "source", "doi", "pmid"]


@admin.register(Disclaimer)
class DisclaimerAdmin(HistoryAdmin):
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
class GlossaryTermAdmin(HistoryAdmin):
    list_display = ["term", "slug", "definition"]
    search_fields = ["term", "other_forms", "definition"]
    prepopulated_fields = {"slug": ["term"]}


@admin.register(Reviewer)
class ReviewerAdmin(admin.ModelAdmin):
    list_display = ["name", "credentials", "user", "active"]
    list_filter = ["active"]
    search_fields = ["name", "credentials"]
