"""Variants: one topic written for one reader, with its working text and its live text."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from topics import readability, rendering
from topics.invalidation import InvalidatingQuerySet
from topics.models.common import (
    GLOSSARY_LINK_RE,
    InvalidatesPages,
    check_markdown,
    imported_hash_field,
    normalise_line,
    recorded_user_field,
)
from topics.models.glossary import GlossaryTerm
from topics.models.personas import Persona
from topics.models.references import Reference
from topics.models.review import Reviewer, ReviewEvent
from topics.models.topics import Topic


class VariantQuerySet(InvalidatingQuerySet):
    def published(self) -> VariantQuerySet:
        """What the public may see: the one definition of “published”.

        A variant is public once it has live text, which only ``workflow.publish``
        sets. Its working text may meanwhile be a newer draft or in review.
        """
        return self.filter(published_at__isnull=False)

    def health_pages(self) -> VariantQuerySet:
        """Pages of health topics, not of the about pages (see TopicQuerySet.health_topics)."""
        return self.exclude(topic__kind=Topic.Kind.ABOUT)

    def about_pages(self) -> VariantQuerySet:
        return self.filter(topic__kind=Topic.Kind.ABOUT)

    def returned_to(self, user) -> VariantQuerySet:
        """Pages ``user`` sent for review that a reviewer sent back (their last step: changes requested)."""
        last_action = ReviewEvent.objects.filter(variant=models.OuterRef("pk")).values("action")[:1]
        return (
            self.filter(status=Variant.Status.DRAFT, submitted_by=user)
            .annotate(last_action=models.Subquery(last_action))
            .filter(last_action=ReviewEvent.Action.CHANGES_REQUESTED)
        )

    # What needs a medical reviewer, defined once: the review desk, the "Needs review"
    # queue and its filter all use these.
    IN_REVIEW = Q(status="review")
    NEVER_REVIEWED = Q(published_at__isnull=False, last_reviewed__isnull=True)

    @staticmethod
    def overdue_q() -> Q:
        return Q(next_review_due__lt=timezone.localdate())

    def in_review(self) -> VariantQuerySet:
        """Sent for review, not decided yet."""
        return self.filter(self.IN_REVIEW)

    def review_overdue(self) -> VariantQuerySet:
        """Live pages past their next review date."""
        return self.filter(self.overdue_q())

    def never_reviewed(self) -> VariantQuerySet:
        """Live text that no medical reviewer has approved (shipped content, until reviewed)."""
        return self.filter(self.NEVER_REVIEWED)

    def needing_review(self) -> VariantQuerySet:
        """Submitted for review, overdue for review, or live and never medically reviewed."""
        return self.filter(self.IN_REVIEW | self.overdue_q() | self.NEVER_REVIEWED)

    def with_review_reasons(self) -> VariantQuerySet:
        """Each page annotated with which of the three reasons above apply (for the queue's “Why”)."""
        return self.annotate(
            is_in_review=models.ExpressionWrapper(self.IN_REVIEW, output_field=models.BooleanField()),
            is_overdue=models.ExpressionWrapper(self.overdue_q(), output_field=models.BooleanField()),
            is_never_reviewed=models.ExpressionWrapper(self.NEVER_REVIEWED, output_field=models.BooleanField()),
        )

    def publishable_by(self, user) -> VariantQuerySet:
        """The pages ``user`` may publish: a reviewer's, but (four eyes) never a text they last wrote.

        The same rule as topics.workflow.publishable_by, for one page.
        """
        if Reviewer.objects.acting_as(user) is None:
            return self.none()
        if settings.REVIEW_FOUR_EYES:
            return self.exclude(last_author=user)
        return self

    def above_target(self) -> VariantQuerySet:
        """Working text harder than its reader's target (the same rule as Persona.above_target)."""
        return self.filter(reading_grade__gt=models.F("persona__max_grade"))

    def withdrawn(self) -> VariantQuerySet:
        """Pages a reviewer took down: not live, and answering 410 Gone."""
        return self.filter(published_at__isnull=True, withdrawn_at__isnull=False)


@dataclass(frozen=True)
class Revision:
    """What a page shows: a variant's live text, or its working text in a preview."""

    heading: str
    summary: str
    html: str
    citation_keys: list
    reading_grade: Decimal
    # The day this text was written or last changed (never the day it was loaded); None if unknown.
    updated: datetime.date | None


class Variant(InvalidatesPages):
    """One topic written for one persona: the reading-level variant."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="variants", help_text="The topic.")
    persona = models.ForeignKey(
        Persona, on_delete=models.PROTECT, related_name="variants", help_text="The reader it is written for."
    )
    title = models.CharField(
        max_length=160, blank=True, help_text="Optional heading for this reader; the topic's title when empty."
    )
    summary = models.CharField(
        max_length=160, blank=True, help_text="The page's description for search engines and links; 160 characters."
    )
    body = models.TextField(
        help_text=(
            "Markdown. Start sections with ##. Cite with [@key] or [@key1; @key2]; "
            "every key must be a reference. Numbers are added in order of first use."
        )
    )
    html = models.TextField(editable=False, blank=True, help_text="The body rendered and sanitized when saved.")
    citation_keys = models.JSONField(
        default=list, editable=False, blank=True, help_text="Reference keys cited, in order of first use."
    )
    reading_grade = models.DecimalField(
        max_digits=4, decimal_places=1, default=0, editable=False, help_text="Flesch-Kincaid grade of the prose."
    )
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text=(
            "Where the working text is: a draft, submitted for review, or published (the same as the live text). "
            "Only medical reviewers publish."
        ),
    )
    # The live revision: what the public page shows. Only topics.workflow.publish writes these.
    live_title = models.CharField(max_length=160, blank=True, editable=False, help_text="Published heading.")
    live_summary = models.CharField(max_length=160, blank=True, editable=False, help_text="Published description.")
    live_body = models.TextField(blank=True, editable=False, help_text="Published Markdown.")
    live_html = models.TextField(blank=True, editable=False, help_text="Published body, rendered.")
    live_citation_keys = models.JSONField(default=list, blank=True, editable=False, help_text="Published citations.")
    live_reading_grade = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, editable=False, help_text="Grade of the live text."
    )
    published_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the live text was published."
    )
    published_by = recorded_user_field("Who published the live text (empty for shipped content loaded by the release).")
    written_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text=(
            "The day the live text was written or last changed: for shipped pages the date in their file "
            "(`updated`), never the day they were loaded; set when publishing changes the live text."
        ),
    )
    withdrawn_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When a reviewer took the live page down (it answers “withdrawn” until published again).",
    )
    last_author = recorded_user_field(
        "Who last changed the working text (empty for the release). With four eyes on, another reviewer publishes it."
    )
    reviewed_own_text = models.BooleanField(
        default=False,
        editable=False,
        help_text="The reviewer who published the live text also wrote it (only possible with four eyes off).",
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False, help_text="When last sent for review.")
    submitted_by = recorded_user_field("Who last sent it for review.")
    review_notes = models.TextField(blank=True, help_text="The medical reviewer's notes on the last approval.")
    search_text = models.TextField(blank=True, editable=False, help_text="The live prose as plain text, for search.")
    search_vector = SearchVectorField(
        null=True, editable=False, help_text="Weighted full-text document (PostgreSQL), updated on publishing."
    )
    grade_override_reason = models.TextField(
        blank=True,
        help_text="Why the live text was published above its reader's reading-grade target, if it was.",
    )
    reviewer = models.ForeignKey(
        "Reviewer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="variants",
        help_text="The medical reviewer who last approved this page.",
    )
    last_reviewed = models.DateField(null=True, blank=True, help_text="When the reviewer last approved it.")
    next_review_due = models.DateField(null=True, blank=True, help_text="When it should be reviewed again.")
    revision = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Counts changes of the working text. Forms carry it, so a save from an older form is refused.",
    )
    submitted_revision = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text="The revision last sent for review."
    )
    published_revision = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text="The revision that is live."
    )
    imported_hash = imported_hash_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # History keeps the working text and its status. Live and review fields are left out,
    # so reverting to an old revision can never publish or fake a medical review.
    history = HistoricalRecords(
        excluded_fields=[
            "html", "updated_at", "imported_hash", "live_title", "live_summary", "live_body", "live_html",
            "live_citation_keys", "live_reading_grade", "published_at", "published_by", "reviewer", "last_reviewed",
            "next_review_due", "review_notes", "grade_override_reason", "search_text", "search_vector",
            "published_revision", "written_on", "withdrawn_at", "last_author", "reviewed_own_text",
        ]
    )  # fmt: skip
    objects = VariantQuerySet.as_manager()

    class Meta:
        ordering = ["topic__order", "topic__title", "persona__order"]
        constraints = [models.UniqueConstraint(fields=["topic", "persona"], name="one_variant_per_topic_persona")]
        permissions = [("publish_variant", "Can publish variants and record medical review")]

    def __str__(self) -> str:
        return f"{self.topic} ({self.persona})"

    def save(self, *args, **kwargs) -> None:
        """Store the variant with its text tidied and rendered: nothing else.

        Revisions, status, authorship, review records and e-mail are the workflow's
        (topics.workflow): change a page's text through workflow.save_draft.
        """
        self.tidy()
        self.refresh_rendering()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        if self.topic.kind == Topic.Kind.ABOUT:
            # An about page has one address whoever reads it.
            return self.topic.get_absolute_url()
        return reverse("topics:variant", kwargs={"topic": self.topic.slug, "persona": self.persona.slug})

    def tidy(self) -> None:
        """Store text normalised (one-line title and summary, LF line endings): an unchanged save changes nothing."""
        self.title = normalise_line(self.title)
        self.summary = normalise_line(self.summary)
        self.body = rendering.normalise_text(self.body)

    @property
    def is_live(self) -> bool:
        return self.published_at is not None

    @property
    def working_matches_live(self) -> bool:
        return self.is_live and (self.title, self.summary, self.body) == (
            self.live_title,
            self.live_summary,
            self.live_body,
        )

    @property
    def has_pending_revision(self) -> bool:
        """Live, with a newer working text not yet published."""
        return self.is_live and not self.working_matches_live

    def live_revision(self) -> Revision:
        return Revision(
            heading=self.live_title or self.topic.title,
            summary=self.live_summary,
            html=self.live_html,
            citation_keys=self.live_citation_keys,
            reading_grade=self.live_reading_grade,
            updated=self.written_on,
        )

    def working_revision(self) -> Revision:
        return Revision(
            heading=self.heading,
            summary=self.summary,
            html=self.html,
            citation_keys=self.citation_keys,
            reading_grade=self.reading_grade,
            updated=timezone.localdate(self.updated_at) if self.updated_at else None,
        )

    def clean(self) -> None:
        errors = []
        check_markdown("body", self.body)
        unknown = self.render().unknown_keys
        if unknown:
            errors.append(f"Unknown reference key(s): {', '.join(unknown)}. Add the reference first, or fix the key.")
        linked = set(GLOSSARY_LINK_RE.findall(self.body))
        missing = sorted(linked - set(GlossaryTerm.objects.filter(slug__in=linked).values_list("slug", flat=True)))
        if missing:
            errors.append(f"Link to a glossary term that does not exist: {', '.join(missing)}.")
        if errors:
            raise ValidationError({"body": errors})

    @property
    def heading(self) -> str:
        return self.title or self.topic.title

    @property
    def citation_style(self) -> str:
        # A form can be checked before its reader is chosen; the numbers are the safe default.
        return self.persona.citation_style if self.persona_id else rendering.INLINE

    def render(self) -> rendering.Rendered:
        """Render the body against the current references; unknown keys are reported, not raised.

        Remembered for the same body and references: one save validates, stores and
        grades the same text, and Markdown is the expensive part.
        """
        keys = set(Reference.objects.filter(key__in=rendering.citation_keys(self.body)).values_list("key", flat=True))
        style = self.citation_style
        memo = (self.body, frozenset(keys), style)
        if getattr(self, "_rendered", (None, None))[0] != memo:
            self._rendered = (memo, rendering.render_body(self.body, keys, style=style))
        return self._rendered[1]

    def refresh_stored_html(self, reference_keys: set[str] | None = None) -> bool:
        """Render the working and the live text again from their own Markdown; True if either changed.

        For a change in how pages are rendered (a new citation style, a reader switched to
        plain language): the words stay exactly as they were, so this is no new revision and
        no new history entry, and the live text is rendered from the live Markdown only.
        """
        style = self.citation_style
        keys = set(Reference.objects.values_list("key", flat=True)) if reference_keys is None else reference_keys
        changes = {}
        texts = {"html": self.body, "live_html": self.live_body if self.is_live else None}
        for field_name, markdown_text in texts.items():
            if markdown_text is None:
                continue
            try:
                html = rendering.render_body(markdown_text, keys, style=style).html
            except rendering.TooComplex:
                continue  # stored before the limits existed: its editor meets them at the next save
            if html != getattr(self, field_name):
                changes[field_name] = html
        if changes:
            for name, value in changes.items():
                setattr(self, name, value)
            Variant.objects.filter(pk=self.pk).update(**changes)
        return bool(changes)

    def refresh_rendering(self) -> None:
        """Store the rendered HTML, citations and reading grade, so pages never render per request.

        Glossary links are not stored: they are added when a page is shown
        (GlossaryTerm.objects.link), so a new term links on every live page at once.
        """
        try:
            rendered = self.render()
        except rendering.TooComplex as error:
            raise ValidationError({"body": str(error)}) from None
        self.html = rendered.html
        self.citation_keys = rendered.citations
        # With every key known, the stored HTML is exactly what body_grade grades.
        known = not rendered.unknown_keys
        self.reading_grade = readability.reading_grade(rendered.html) if known else readability.body_grade(self.body)

    @property
    def over_target(self) -> bool:
        return self.persona.above_target(self.reading_grade)

    @property
    def is_withdrawn(self) -> bool:
        return not self.is_live and self.withdrawn_at is not None

    def references(self, revision: Revision | None = None) -> list[Reference]:
        """The references a revision cites, numbered in order of first use (one query)."""
        keys = (revision or self.working_revision()).citation_keys
        by_key = Reference.objects.in_bulk(keys, field_name="key")
        return [by_key[key] for key in keys if key in by_key]


class StaleRevision(ValidationError):
    """A save or publish based on a revision that someone else has since replaced."""

    def __init__(self, variant: Variant, expected: int, current: int) -> None:
        self.variant, self.expected, self.current = variant, expected, current
        latest = variant.history.filter(revision=current).select_related("history_user").order_by("-history_date")
        record = latest.first()
        who = record.history_user.get_username() if record and record.history_user else "someone"
        when = timezone.localtime(record.history_date).strftime("%-d %b %Y at %H:%M") if record else "recently"
        self.changed_by, self.changed_at = who, when
        super().__init__(
            f"This page was changed by {who} on {when}, after you opened it. Nothing was saved: your text is "
            "still in the form. Compare it with the newer text below, copy what you need, then reload the page."
        )


class VariantNeedingReview(Variant):
    """The medical reviewers' queue in admin (“Needs review”); the same rows as Variant."""

    class Meta:
        proxy = True
        verbose_name = "page needing review"
        verbose_name_plural = "Needs review"
