"""Django admin is the editors' product: every field explained, grades beside their targets."""

from __future__ import annotations

import difflib
import json
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from simple_history.admin import SimpleHistoryAdmin

from topics import readability, rendering, workflow
from topics.models import (
    Disclaimer,
    GlossaryTerm,
    Persona,
    Reference,
    Reviewer,
    ReviewEvent,
    SearchTerm,
    Topic,
    Variant,
    VariantNeedingReview,
    normalise_line,
)


@admin.display(description="Reading grade (target)", ordering="reading_grade")
def grade_against_target(variant: Variant) -> str:
    # Every page, live ones too: the target is the reader's, whatever the page's status.
    above = variant.over_target
    return format_html(
        '<span class="grade grade-{}">{} (target ≤ {}, {})</span>',
        "over-target" if above else "ok",
        variant.reading_grade,
        variant.persona.max_grade,
        "Above target" if above else "ok",
    )


@admin.display(description="Public page")
def public_link(variant: Variant) -> str:
    if not variant.pk:
        return "—"
    label = "View the live page" if variant.is_live else "Public address (not published yet)"
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', variant.get_absolute_url(), label)


@admin.display(description="Live page")
def live_state(variant: Variant) -> str:
    if variant.is_withdrawn:
        return f"Taken down on {variant.withdrawn_at:%-d %b %Y}; publish it to bring it back"
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


class SafeChangeListAdmin(admin.ModelAdmin):
    """A hand-edited filter such as ?updated_at__year=99999999999999999999 gets a 400 page, not a crash."""

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        message = "That filter is not one this list understands. Please go back and choose it again."
        # PostgreSQL refuses NUL in text: say so before asking it.
        if any("\x00" in value for _name, values in request.GET.lists() for value in values):
            return render(request, "400.html", {"message": message}, status=400)
        try:
            return super().changelist_view(request, extra_context)
        except (OverflowError, ValueError, DataError):
            return render(request, "400.html", {"message": message}, status=400)


class HistoryAdmin(SafeChangeListAdmin, SimpleHistoryAdmin):
    """django-simple-history's admin (history, diff, revert), with its URLs checked first.

    Its views pass the ids in the URL straight to the database, so a mistyped address
    would be a server error; here it is a 404 page.
    """

    def history_view(self, request, object_id, extra_context=None):
        pk_or_404(self.model, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        pk = pk_or_404(self.model, unquote(object_id))
        history_model = getattr(self.model, self.model._meta.simple_history_manager_attribute).model
        pk_or_404(history_model, version_id)
        if request.method == "POST":
            # django-simple-history saves a revert after checking only that the user may
            # view the history: reverting is a change, so it needs the same permission as
            # the change form, on the object as it is now (reviewer-only rules included).
            current = get_object_or_404(self.model, pk=pk)
            if not self.has_change_permission(request, current):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        current = self.model._default_manager.filter(pk=obj.pk).first() if obj is not None else None
        return super().revert_disabled(request, obj) or (
            current is not None and not self.has_change_permission(request, current)
        )


WORD_RE = re.compile(r"\s+|[\w'’-]+|[^\w\s]")


def word_diff(before: str, after: str, *, context: int | None = None) -> str:
    """Two texts as one, words taken out struck through and words put in underlined.

    By word, not by line, so a changed comma in a long paragraph shows as a comma;
    shown wrapped (CSS white-space: pre-wrap), as the text reads. With ``context``,
    unchanged stretches keep only that many characters on each side of a change.
    """
    a, b = WORD_RE.findall(before), WORD_RE.findall(after)
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            parts.append(format_html("<del>{}</del>", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            parts.append(format_html("<ins>{}</ins>", "".join(b[j1:j2])))
        if op == "equal":
            same = "".join(a[i1:i2])
            if context is not None and len(same) > 2 * context + 20:
                head = same[:context] if i1 > 0 else ""
                tail = same[-context:] if i2 < len(a) else ""
                same = f"{head} […] {tail}"
            parts.append(format_html("{}", same))
    return mark_safe("".join(parts))  # every part went through format_html


def diff_fields(before: dict[str, str], after: dict[str, str], *, context: int | None = None) -> str:
    """A word-level diff of each field that differs, or a plain sentence when none does."""
    changed = [
        (name, word_diff(before[name], after[name], context=context)) for name in before if before[name] != after[name]
    ]
    if not changed:
        return "No differences."
    return format_html_join(
        "",
        '<div class="word-diff"><h4>{}</h4><div class="word-diff-text">{}</div></div>',
        ((name.capitalize(), diff) for name, diff in changed),
    )


class ReturnedToMeFilter(admin.SimpleListFilter):
    """Editors' view of their work: pages they sent that a reviewer sent back."""

    title = "my work"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("returned", "Returned to me"), ("waiting", "Sent by me, in review")]

    def queryset(self, request, queryset):
        mine = queryset.filter(submitted_by=request.user)
        if self.value() == "waiting":
            return mine.filter(status=Variant.Status.REVIEW)
        if self.value() == "returned":
            return queryset.returned_to(request.user)
        return queryset


# Editors write long Markdown: give them room.
WIDE_FIELDS = {
    models.TextField: {"widget": forms.Textarea(attrs={"rows": 24, "cols": 90})},
    models.CharField: {"widget": forms.TextInput(attrs={"size": 80})},
}


@admin.register(Persona)
class PersonaAdmin(SafeChangeListAdmin):
    list_display = ["name", "slug", "max_grade", "plain_language", "order", "is_default", "audience_type"]
    list_editable = ["order"]
    prepopulated_fields = {"slug": ["name"]}


class VariantInline(admin.TabularInline):
    """The topic's pages, for finding them: each is edited on its own form, where the
    workflow (revisions, review, the grade panel) applies."""

    model = Variant
    extra = 0
    fields = ["persona", "status", live_state, grade_against_target, public_link]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


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
        return ", ".join(v.persona.slug for v in topic.variants.all() if v.is_live) or "nobody yet"

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.editable_by(request.user))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.editable_by(request.user))


# The buttons of the variant form: each is one step of the workflow (topics.workflow).
PUBLISH, SUBMIT, TO_DRAFT, REQUEST_CHANGES = "_publish", "_submit_review", "_return_to_draft", "_request_changes"
UNPUBLISH = "_unpublish"
WORKFLOW_BUTTONS = (PUBLISH, UNPUBLISH, REQUEST_CHANGES, SUBMIT, TO_DRAFT)


class VariantForm(forms.ModelForm):
    """The variant form. Publishing is a button, not a status an editor can type in.

    Every form carries the revision it was opened at; a save, submission or approval
    from a form whose revision is no longer the stored one is refused, and the text
    typed stays in the form.
    """

    base_revision = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    note = forms.CharField(
        required=False,
        label="Note",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 90}),
        help_text=(
            "Kept in the review record with what you do. Reviewers: your approval notes, or (required) what "
            "should change when you press “Request changes”. Editors: a note for the reviewer."
        ),
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
        self.stale: workflow.StaleRevision | None = None
        if self.instance.pk is not None:
            # The stored revision, not the instance's: a revert form's instance is an old revision.
            stored = Variant.objects.filter(pk=self.instance.pk).values_list("revision", flat=True).first()
            self.fields["base_revision"].initial = stored
        if "body" in self.fields:
            # The live grade panel: htmx posts the form as the editor types (see grade_panel_view).
            attrs = {
                "rows": 24,
                "cols": 90,
                "hx-post": reverse("admin:topics_variant_grade"),
                "hx-trigger": "input changed delay:600ms, load",
                "hx-target": "#grade-panel",
                "hx-swap": "innerHTML",
            }
            if "persona" not in self.fields and self.instance.persona_id:
                # A live page's reader is read-only, so the form does not post it: send it
                # anyway, or the panel would show no target (and no "Above target").
                attrs["hx-vals"] = json.dumps({"persona": self.instance.persona_id})
            self.fields["body"].widget = forms.Textarea(attrs=attrs)

    def clean_body(self):
        body = rendering.normalise_text(self.cleaned_data.get("body", ""))
        try:
            rendering.check_complexity(body)
        except rendering.TooComplex as error:
            raise forms.ValidationError(str(error)) from None
        return body

    def clean(self):
        cleaned = super().clean()
        variant, action = self.instance, self.action
        if variant.pk is not None:
            base = cleaned.get("base_revision")
            try:
                workflow.check_revision(variant, base if base is not None else -1)
            except workflow.StaleRevision as stale:
                self.stale = stale
                raise forms.ValidationError(stale.message) from None
        if self.errors or action is None:
            return cleaned
        user, note = self.request.user, cleaned.get("note", "")
        if action in (PUBLISH, REQUEST_CHANGES, UNPUBLISH):
            try:
                Reviewer.for_user(user)
            except PermissionDenied as denied:
                raise forms.ValidationError(str(denied)) from None
        if action == REQUEST_CHANGES and not note.strip():
            self.add_error("note", "Say what should change: the editor sees this note.")
        if action == UNPUBLISH and not variant.is_live:
            raise forms.ValidationError("This page is not live, so there is nothing to take down.")
        new_text = (cleaned.get("title", ""), cleaned.get("summary", ""), cleaned.get("body", ""))
        live_text = (variant.live_title, variant.live_summary, variant.live_body)
        if action == SUBMIT and variant.is_live and new_text == live_text:
            raise forms.ValidationError("This text is already published; change it before sending it for review.")
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        if self.errors or self.action != PUBLISH:
            return
        # The instance now carries the form's text: the workflow's own check, before anything is saved.
        try:
            problem = workflow.publish_problem(
                self.instance, self.request.user, override_reason=self.cleaned_data.get("grade_override", "")
            )
        except (PermissionDenied, ValidationError) as error:
            problem = " ".join(getattr(error, "messages", [str(error)]))
        if problem:
            field = "grade_override" if "Reading grade" in problem else None
            self.add_error(field, problem)

    @property
    def action(self) -> str | None:
        """The workflow button pressed, if any. Enter in a text field presses the plain Save (first in the form)."""
        if self.request is None:
            return None
        return next((name for name in WORKFLOW_BUTTONS if name in self.request.POST), None)


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
    list_filter = ["persona", "status", "topic__kind", "reviewer", ReturnedToMeFilter]
    # The slug too: an editor often starts from a page address such as /topics/insr-gene/patient/.
    search_fields = ["topic__title", "topic__slug", "topic__other_names", "title", "body"]
    list_select_related = ["topic", "persona", "reviewer"]
    autocomplete_fields = ["topic"]
    actions = ["submit_for_review", "take_down_selected"]
    readonly_fields = [
        "status", live_state, grade_against_target, "grade_panel", public_link, preview_link, "compare_link",
        "pending_changes", "review_record", "rendered_preview", "reviewer", "last_reviewed", "next_review_due",
        "review_notes", "grade_override_reason", "submitted_at", "submitted_by", "published_at", "published_by",
        "created_at", "updated_at",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["topic", "persona", "status", live_state, "title", "summary"]}),
        ("Changes waiting to be published (live text → this text)", {"fields": ["pending_changes"]}),
        ("Text", {"fields": ["body", "grade_panel", "rendered_preview", "base_revision"]}),
        (
            "Review and publishing",
            {
                "fields": [
                    "note",
                    "grade_override",
                    "review_record",
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

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.is_live:
            # Its reviewed text belongs to this topic and reader (the model refuses a move too).
            fields += ["topic", "persona"]
        return fields

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            # A new page: nothing to compare, no record yet.
            return [
                (None, {"fields": ["topic", "persona", "title", "summary"]}),
                ("Text", {"fields": ["body", "grade_panel", "base_revision"]}),
                ("Review and publishing", {"fields": ["note", "grade_override"]}),
            ]
        return super().get_fieldsets(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class RequestForm(form_class):
            def __init__(self, *args, **inner):
                super().__init__(*args, request=request, **inner)

        return RequestForm

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and request.method == "POST":
            # Hold the row until this save commits, so two saves cannot both pass the
            # revision check (admin runs the whole change view in one transaction).
            obj = self.get_queryset(request).select_for_update(of=("self",)).get(pk=obj.pk)
        return obj

    def get_urls(self):
        urls = [
            # Not wrapped in admin_view: that would answer a signed-out editor's keystrokes
            # with the sign-in page, swapped into the panel. The view checks for itself.
            path("grade/", never_cache(self.grade_panel_view), name="topics_variant_grade"),
            path("<int:pk>/compare/", self.admin_site.admin_view(self.compare_view), name="topics_variant_compare"),
            path("review-desk/", self.admin_site.admin_view(self.review_desk_view), name="topics_variant_review_desk"),
        ]
        return urls + super().get_urls()

    @admin.display(description="Reading grade as you type")
    def grade_panel(self, variant: Variant) -> str:
        # Always the same target element, on the Add page too, for the htmx panel to fill.
        current = grade_against_target(variant) if variant.pk else "Start typing to see the reading grade."
        return format_html('<div id="grade-panel" aria-live="polite">{}</div>', current)

    @admin.display(description="How the body renders (as last saved)")
    def rendered_preview(self, variant: Variant) -> str:
        if not variant.html:
            return "—"
        # Sanitized with nh3 when saved; the glossary links added here are the site's own.
        return format_html('<div class="rendered-preview">{}</div>', mark_safe(GlossaryTerm.objects.link(variant.html)))

    @admin.display(description="What would change")
    def pending_changes(self, variant: Variant) -> str:
        if not variant.pk:
            return "—"
        if not variant.is_live:
            return "Not published yet: all of this text is new."
        if variant.working_matches_live:
            return "Nothing: the working text is the live text."
        # The changes with some text around them; "Compare revisions" shows the whole text.
        diff = diff_fields(
            {"title": variant.live_title, "summary": variant.live_summary, "body": variant.live_body},
            {"title": variant.title, "summary": variant.summary, "body": variant.body},
            context=300,
        )
        whole = reverse("admin:topics_variant_compare", args=[variant.pk])
        return format_html('{}<p><a href="{}">The whole text with the changes marked</a></p>', diff, whole)

    @admin.display(description="Review record")
    def review_record(self, variant: Variant) -> str:
        if not variant.pk:
            return "—"
        events = variant.review_events.select_related("user", "reviewer")[:20]
        if not events:
            return "Nothing yet."
        return format_html(
            '<ol class="review-record">{}</ol>',
            format_html_join(
                "",
                "<li><strong>{}</strong>, revision {}, {} by {}{}</li>",
                (
                    (
                        event.get_action_display(),
                        event.revision,
                        timezone.localtime(event.at).strftime("%-d %b %Y %H:%M"),
                        event.reviewer or (event.user.get_username() if event.user else "the release process"),
                        format_html(": “{}”", event.note) if event.note else "",
                    )
                    for event in events
                ),
            ),
        )

    @admin.display(description="History")
    def compare_link(self, variant: Variant) -> str:
        if not variant.pk:
            return "—"
        return format_html(
            '<a href="{}">Compare revisions</a>', reverse("admin:topics_variant_compare", args=[variant.pk])
        )

    def grade_panel_view(self, request: HttpRequest) -> HttpResponse:
        """htmx: the grade of the text being typed, against the chosen reader's target.

        Graded by readability.body_grade, exactly as saving and publishing grade it.
        """
        if request.method != "POST":
            return HttpResponse(status=405)
        if not self.admin_site.has_permission(request):
            if request.htmx:
                # The session ended while they typed: say so where they are looking,
                # before they press Save and meet the sign-in page.
                return TemplateResponse(request, "admin/topics/variant/grade_panel.html", {"signed_out": True})
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        body = rendering.normalise_text(request.POST.get("body", ""))
        persona_id = request.POST.get("persona", "")
        # No reader chosen yet (or a malformed value): the panel shows the grade without a target.
        persona = Persona.objects.filter(pk=persona_id).first() if persona_id.isdecimal() else None
        context = {"persona": persona}
        try:
            context["analysis"] = analysis = readability.analyse_body(
                body, glossary_forms=GlossaryTerm.objects.all_forms()
            )
            context["above_target"] = persona is not None and persona.above_target(analysis.grade)
        except rendering.TooComplex as error:
            context["too_complex"] = str(error)
        return TemplateResponse(request, "admin/topics/variant/grade_panel.html", context)

    def compare_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """A word-level diff: by default the live text against the working text (what a reviewer approves)."""
        variant = get_object_or_404(Variant, pk=pk)
        if not self.has_view_or_change_permission(request, variant):
            raise PermissionDenied
        records = list(variant.history.select_related("history_user").order_by("-history_date"))
        by_id = {str(r.history_id): r for r in records}
        older = by_id.get(request.GET.get("from", ""))
        newer = by_id.get(request.GET.get("to", ""))
        live = {"title": variant.live_title, "summary": variant.live_summary, "body": variant.live_body}
        working = {"title": variant.title, "summary": variant.summary, "body": variant.body}
        before = {f: getattr(older, f) for f in live} if older else live
        after = {f: getattr(newer, f) for f in working} if newer else working
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": variant,
            "records": records,
            "older": older,
            "newer": newer,
            "diff": diff_fields(before, after),
            "title": f"Compare revisions: {variant}",
        }
        return TemplateResponse(request, "admin/topics/variant/compare.html", context)

    def review_desk_view(self, request: HttpRequest) -> HttpResponse:
        """Reviewers' and editors' work in one place: pending first, the never-reviewed backlog apart."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        pages = Variant.objects.select_related("topic", "persona", "submitted_by")
        user = request.user
        # One query per section: the rules live on VariantQuerySet (in_review, publishable_by, ...).
        returned = pages.returned_to(user).order_by("-updated_at")
        reviewing = workflow.may_review(user)
        # A reviewer's queue is what they may publish: never their own last change (four eyes).
        awaiting = pages.in_review().publishable_by(user) if reviewing else pages.in_review().exclude(submitted_by=user)
        sections = [
            ("awaiting", "Awaiting my review", "Sent for review, oldest first.", awaiting.order_by("submitted_at")),
            ("returned", "Returned to me", "Changes requested by a reviewer, on pages you sent.", returned),
            ("mine", "Sent by me, waiting", "Your pages waiting for a reviewer.",
             pages.in_review().filter(submitted_by=user).order_by("submitted_at")),
            ("overdue", "Review overdue", "Live pages past their next review date.",
             pages.review_overdue().order_by("next_review_due")),
            ("backlog", "Live, never medically reviewed", "The backlog: live text that no reviewer has approved.",
             pages.never_reviewed().order_by("topic__title")),
        ]  # fmt: skip
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Review desk",
            "sections": [(key, label, help, list(rows)) for key, label, help, rows in sections],
            "can_publish": reviewing,
        }
        return TemplateResponse(request, "admin/topics/variant/review_desk.html", context)

    def save_model(self, request, obj, form, change):
        """Take the step the pressed button asked for, through topics.workflow.

        form.clean() has checked everything each step needs (revision, reviewer,
        note, grade, four eyes), so none of these raises for a valid form. The
        history revert form comes here too: a revert is a new draft, never live.
        """
        note = form.cleaned_data.get("note", "")
        action, user = form.action, request.user
        if action == PUBLISH:
            override = form.cleaned_data.get("grade_override", "")
            workflow.publish(obj, by=user, notes=note, override_reason=override)
            messages.success(request, f"Published: {obj}. The public page shows it now, with your name as reviewer.")
            return
        was_submitted = obj.submitted_revision if obj.pk else None
        workflow.save_draft(obj, by=user)
        if action == REQUEST_CHANGES:
            workflow.request_changes(obj, by=user, note=note)
            messages.success(request, f"Sent back to its editor with your note: {obj}.")
        elif action == SUBMIT:
            workflow.submit(obj, by=user, note=note)
            messages.success(request, f"Sent for medical review: {obj}.")
        elif action == TO_DRAFT:
            workflow.withdraw(obj, by=user, note=note)
            messages.success(request, f"Taken back to draft: {obj}.")
        elif action == UNPUBLISH:
            workflow.unpublish(obj, by=user, note=note)
            messages.success(request, f"Taken down: {obj}. Its address now says the page was withdrawn.")
        else:
            workflow.add_note(obj, by=user, note=note)
            if obj.status == Variant.Status.REVIEW and obj.submitted_revision != was_submitted:
                messages.warning(request, f"{obj} was waiting for review: your change has been sent for review again.")

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["can_review"] = workflow.may_review(request.user)
        # Four eyes: a reviewer who wrote the latest change sees why there is no Publish button.
        context["can_publish"] = workflow.publishable_by(obj, request.user) if obj else context["can_review"]
        context["own_change"] = bool(obj and context["can_review"] and not context["can_publish"])
        form = context.get("adminform") and context["adminform"].form
        stale = getattr(form, "stale", None)
        if stale is not None:
            current = Variant.objects.get(pk=stale.variant.pk)
            mine = {
                "title": normalise_line(form.data.get("title", "")),
                "summary": normalise_line(form.data.get("summary", "")),
                "body": rendering.normalise_text(form.data.get("body", "")),
            }
            theirs = {"title": current.title, "summary": current.summary, "body": current.body}
            context["conflict"] = {"error": stale, "diff": diff_fields(theirs, mine, context=80)}
        if obj is not None:
            last = obj.review_events.first()
            if obj.status == Variant.Status.DRAFT and last and last.action == ReviewEvent.Action.CHANGES_REQUESTED:
                context["changes_requested"] = last
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    @admin.action(description="Send selected variants for medical review")
    def submit_for_review(self, request, queryset):
        sent = 0
        for variant in queryset.select_related("topic", "persona"):
            if not variant.working_matches_live and variant.status != Variant.Status.REVIEW:
                workflow.submit(variant, by=request.user)
                sent += 1
        messages.success(request, f"{sent} variant(s) sent for review.")

    @admin.action(description="Take selected live pages down (they say “withdrawn”)", permissions=["review"])
    def take_down_selected(self, request, queryset):
        taken = 0
        for variant in queryset.select_related("topic", "persona"):
            if variant.is_live:
                workflow.unpublish(variant, by=request.user)
                taken += 1
        messages.success(request, f"{taken} page(s) taken down. Publish a page again to bring it back.")

    def has_review_permission(self, request) -> bool:
        return workflow.may_review(request.user)


class NeedsReviewFilter(admin.SimpleListFilter):
    title = "why"
    parameter_name = "why"

    def lookups(self, request, model_admin):
        return [("pending", "Sent for review"), ("overdue", "Review overdue"), ("never", "Live, never reviewed")]

    def queryset(self, request, queryset):
        return {
            "pending": queryset.in_review,
            "overdue": queryset.review_overdue,
            "never": queryset.never_reviewed,
        }.get(self.value(), queryset.all)()


@admin.register(VariantNeedingReview)
class NeedsReviewAdmin(SafeChangeListAdmin):
    """The medical reviewers' queue: pending, overdue and never-reviewed pages."""

    list_display = ["variant_link", "persona", "why", "submitted_at", "next_review_due", grade_against_target]
    list_filter = [NeedsReviewFilter, "persona"]
    list_select_related = ["topic", "persona"]
    search_fields = ["topic__title"]

    def get_queryset(self, request):
        return super().get_queryset(request).needing_review().with_review_reasons()

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
        # Annotated by VariantQuerySet.with_review_reasons, from the same rules as the queue.
        reasons = [
            ("sent for review", variant.is_in_review),
            ("review overdue", variant.is_overdue),
            ("live, never medically reviewed", variant.is_never_reviewed),
        ]
        return "; ".join(reason for reason, applies in reasons if applies)


@admin.register(Reference)
class ReferenceAdmin(HistoryAdmin):
    list_display = ["key", "kind", "title", "source", "year", "doi"]
    list_filter = ["kind", "year"]
    search_fields = ["key", "title", "authors", "source", "doi", "pmid"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.editable_by(request.user))

    def get_deleted_objects(self, objs, request):
        # Admin's delete page and "Delete selected" both ask this: a cited reference is
        # listed as protected, so neither deletes it (the model refuses too).
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        for reference in objs:
            for variant in reference.citing_variants():
                protected.append(f"{variant} cites [@{reference.key}]: remove the citation from that page first")
        return deleted, model_count, perms_needed, protected


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
class ReviewerAdmin(SafeChangeListAdmin):
    list_display = ["name", "credentials", "user", "active"]
    list_filter = ["active"]
    search_fields = ["name", "credentials"]


# Imported here, beside its admin, so this block stands alone at the end of the file.
@admin.register(SearchTerm)
class SearchTermAdmin(admin.ModelAdmin):
    list_display = ["phrase", "means", "topic"]
    list_filter = ["topic"]
    search_fields = ["phrase", "means"]
