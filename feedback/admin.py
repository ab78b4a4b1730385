"""Editors see which pages fail their readers; moderators approve or reject readers' experiences."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Case, Count, ExpressionWrapper, F, FloatField, IntegerField, Max, Q, Value, When
from django.db.models.functions import Cast, Greatest
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from feedback.models import MASK, FeedbackPage, PageFeedback, Story, StoryPrompt, mask
from topics.admin import SafeChangeListAdmin


def csv_safe(value) -> str:
    """A cell a spreadsheet will not run: visitors' text may start with "=", "+", "-" or "@"."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return response


class ResponseInline(admin.TabularInline):
    model = PageFeedback
    fields = ["created", "helpful", "comment"]
    readonly_fields = fields
    extra = 0
    can_delete = True
    verbose_name_plural = "answers and comments (newest first)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FeedbackPage)
class FeedbackPageAdmin(SafeChangeListAdmin):
    """One row per page: the pages readers found least helpful come first."""

    list_display = ["page", "persona", "yes_count", "no_count", "share_no", "comment_count", "last_answer"]
    list_filter = ["persona", "topic__kind"]
    search_fields = ["topic__title", "topic__slug"]
    list_select_related = ["topic", "persona"]
    fields = ["topic", "persona"]
    readonly_fields = fields
    inlines = [ResponseInline]
    actions = ["export_csv"]

    def get_queryset(self, request: HttpRequest):
        total = Count("responses")
        no = Count("responses", filter=Q(responses__helpful=False))
        # Not super(): it sorts by get_ordering() before these annotations exist.
        return FeedbackPage.objects.select_related("topic", "persona").annotate(
            yes=Count("responses", filter=Q(responses__helpful=True)),
            no=no,
            answers=total,
            comments=Count("responses", filter=~Q(responses__comment="")),
            last=Max("responses__created"),
            # Share of "No" answers, 0 to 1; worst pages first by default.
            no_share=ExpressionWrapper(
                Cast(no, FloatField()) / Greatest(total, Value(1), output_field=IntegerField()),
                output_field=FloatField(),
            ),
        )

    def get_ordering(self, request: HttpRequest):
        return ["-no_share", "-no", "topic__title"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="page", ordering="topic__title")
    def page(self, obj: FeedbackPage) -> str:
        return obj.topic.title

    @admin.display(description="Yes", ordering="yes")
    def yes_count(self, obj: FeedbackPage) -> int:
        return obj.yes

    @admin.display(description="No", ordering="no")
    def no_count(self, obj: FeedbackPage) -> int:
        return obj.no

    @admin.display(description="share of “No”", ordering="no_share")
    def share_no(self, obj: FeedbackPage) -> str:
        return f"{obj.no_share:.0%}"

    @admin.display(description="comments", ordering="comments")
    def comment_count(self, obj: FeedbackPage) -> int:
        return obj.comments

    @admin.display(description="last answer", ordering="last")
    def last_answer(self, obj: FeedbackPage):
        return obj.last

    @admin.action(description="Download the selected pages' counts and comments as CSV")
    def export_csv(self, request: HttpRequest, queryset) -> HttpResponse:
        header = ["topic", "persona", "yes", "no", "share_no", "answered_at", "helpful", "comment"]
        rows = []
        for page in queryset:
            summary = [page.topic.slug, page.persona.slug, page.yes, page.no, f"{page.no_share:.3f}"]
            answers = page.responses.exclude(comment="")
            rows.append([*summary, "", "", ""])
            rows += [[*summary, a.created.isoformat(), "yes" if a.helpful else "no", a.comment] for a in answers]
        return csv_response("page-feedback.csv", header, rows)


@admin.register(PageFeedback)
class PageFeedbackAdmin(SafeChangeListAdmin):
    """Every answer, to read the comments across pages."""

    list_display = ["created", "page", "helpful", "comment"]
    list_filter = ["helpful", "page__persona", ("comment", admin.EmptyFieldListFilter)]
    search_fields = ["comment", "page__topic__title"]
    list_select_related = ["page__topic", "page__persona"]
    date_hierarchy = "created"
    fields = ["page", "helpful", "comment", "created"]
    readonly_fields = fields
    actions = ["export_csv"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description="Download the selected answers as CSV")
    def export_csv(self, request: HttpRequest, queryset) -> HttpResponse:
        rows = (
            [a.created.isoformat(), a.page.topic.slug, a.page.persona.slug, "yes" if a.helpful else "no", a.comment]
            for a in queryset.select_related("page__topic", "page__persona")
        )
        return csv_response(
            "page-feedback-answers.csv", ["answered_at", "topic", "persona", "helpful", "comment"], rows
        )


@admin.register(StoryPrompt)
class StoryPromptAdmin(SafeChangeListAdmin):
    list_display = ["text", "topic_or_all", "order"]
    list_filter = [("topic", admin.RelatedOnlyFieldListFilter)]
    list_editable = ["order"]
    search_fields = ["text", "topic__title"]
    autocomplete_fields = []

    @admin.display(description="topic", ordering="topic__title")
    def topic_or_all(self, obj: StoryPrompt) -> str:
        return obj.topic.title if obj.topic else "Every topic without its own prompts"


# Once approved, the page shows these under the reader's name: from then on they are only masked.
READERS_WORDS = ["name", "text"]


class StoryForm(forms.ModelForm):
    """The moderator's form: decide, note why, and hide words; the reader's words are never rewritten."""

    hide = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        label="Words to hide",
        help_text=f"One word or phrase per line, exactly as written: each is replaced by {MASK} wherever it appears "
        "in the story and the name. Nothing else in a reader's words can be changed.",
    )

    class Meta:
        model = Story
        fields = ["name", "text", "status", "moderation_note"]

    def clean(self):
        cleaned = super().clean()
        story = self.instance
        for name in READERS_WORDS:
            # Read-only once approved: a request that sends them anyway is refused, not ignored.
            sent = self.data.get(name) if name not in self.fields else None
            if sent is not None and sent.replace("\r\n", "\n").strip() != (getattr(story, name) or ""):
                raise forms.ValidationError(
                    "An approved story's text and name are the reader's words and cannot be changed. "
                    "Use “Words to hide” to mask parts of them, or take the story off the page."
                )
        phrases = [line.strip() for line in cleaned.get("hide", "").splitlines() if line.strip()]
        words = {
            name: (cleaned.get(name) if name in self.fields else getattr(story, name)) or "" for name in READERS_WORDS
        }
        missing = [phrase for phrase in phrases if not any(phrase in value for value in words.values())]
        if missing:
            self.add_error(
                "hide",
                f"Not in the story or the name, so nothing was hidden: {', '.join(missing)}. Copy the words exactly.",
            )
            return cleaned
        for name, value in words.items():
            if name in self.fields:
                cleaned[name] = mask(value, phrases)
            else:
                setattr(story, name, mask(value, phrases))
        return cleaned


@admin.register(Story)
class StoryAdmin(SafeChangeListAdmin):
    """The moderation queue: stories waiting for a decision come first, oldest first.

    Only moderators (``feedback.moderate_story``) change stories, and then only their status,
    note and what is hidden: the text and name are the reader's own (see Story.check_only_masked).
    """

    form = StoryForm
    list_display = ["excerpt", "topic", "persona", "status", "contact_details_masked", "created"]
    list_filter = ["status", "contact_details_masked", "persona", ("topic", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["text", "name", "topic__title"]
    list_select_related = ["topic", "persona"]
    actions = ["approve", "reject", "take_down"]
    fields = [
        "topic",
        "persona",
        "prompt",
        "created",
        "contact_details_masked",
        "name",
        "text",
        "hide",
        "status",
        "moderation_note",
        "moderated_by",
        "moderated_at",
    ]
    readonly_fields = [
        "topic",
        "persona",
        "prompt",
        "created",
        "contact_details_masked",
        "moderated_by",
        "moderated_at",
    ]

    def get_queryset(self, request: HttpRequest):
        pending_first = Case(When(status=Story.Status.PENDING, then=Value(0)), default=Value(1))
        # Not super(): it sorts by get_ordering() before the annotation exists.
        return Story.objects.select_related("topic", "persona").annotate(queue=pending_first)

    def get_ordering(self, request: HttpRequest):
        return ["queue", F("moderated_at").desc(nulls_first=True), "created"]

    def get_readonly_fields(self, request: HttpRequest, obj: Story | None = None):
        readonly = list(self.readonly_fields)
        if obj is not None and obj.status == Story.Status.APPROVED:
            readonly += READERS_WORDS
        return readonly

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # stories come from readers only

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("feedback.moderate_story")

    def has_change_permission(self, request: HttpRequest, obj: Story | None = None) -> bool:
        # Editors read stories; only moderators decide on them.
        return super().has_change_permission(request, obj) and self.has_moderate_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Story | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self.has_moderate_permission(request)

    @admin.display(description="story")
    def excerpt(self, obj: Story) -> str:
        return f"{obj.display_name}: {obj.text[:80]}{'…' if len(obj.text) > 80 else ''}"

    def save_model(self, request: HttpRequest, obj: Story, form, change: bool) -> None:
        if "status" in form.changed_data or form.cleaned_data.get("hide"):
            obj.moderated_by = request.user
            obj.moderated_at = timezone.now()
        # Story.save bumps the content version when an approved story changes.
        super().save_model(request, obj, form, change)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        # One by one, so deleting an approved story takes it off the cached pages at once.
        with transaction.atomic():
            for story in queryset:
                story.delete()

    def _moderate(self, request: HttpRequest, queryset, status: str) -> None:
        with transaction.atomic():
            stories = list(Story.objects.select_for_update().filter(pk__in=queryset.values("pk")))
            for story in stories:
                story.moderate(status, by=request.user)
        label = Story.Status(status).label.split(" (")[0].lower()
        self.message_user(
            request, f"{len(stories)} stor{'y' if len(stories) == 1 else 'ies'}: {label}.", messages.SUCCESS
        )

    @admin.action(description="Approve the selected stories (show them on the page)", permissions=["moderate"])
    def approve(self, request: HttpRequest, queryset) -> None:
        self._moderate(request, queryset, Story.Status.APPROVED)

    @admin.action(description="Reject the selected stories (never shown)", permissions=["moderate"])
    def reject(self, request: HttpRequest, queryset) -> None:
        self._moderate(request, queryset, Story.Status.REJECTED)

    @admin.action(description="Take the selected stories off the page (back to waiting)", permissions=["moderate"])
    def take_down(self, request: HttpRequest, queryset) -> None:
        self._moderate(request, queryset, Story.Status.PENDING)
