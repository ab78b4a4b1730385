"""The domain: topics written in reading-level variants for each kind of reader."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import RegexValidator
from django.db import DatabaseError, connection, models
from django.db.models import Q
from django.db.models.deletion import ProtectedError
from django.db.models.functions import Lower
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from topics import readability, rendering
from topics import resources as outside_resources
from topics.invalidation import InvalidatingQuerySet

reference_key_validator = RegexValidator(
    rf"^{rendering.KEY_PATTERN}$",
    "Use lower-case letters, digits and hyphens, starting with a letter or digit.",
)


def imported_hash_field() -> models.CharField:
    """Fingerprint of the row as last loaded from topics/content/ (see topics.importing)."""
    return models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="Fingerprint of the text as last loaded from the shipped files; differs once an editor changes it.",
    )


def recorded_user_field(help_text: str) -> models.ForeignKey:
    """Who did something: set by the workflow, never typed in, kept if the account goes."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=help_text,
    )


# A Markdown link an editor wrote by hand to a glossary term: [word](/glossary/slug/)
GLOSSARY_LINK_RE = re.compile(r"\]\(\s*/glossary/([^/)\s]+)/?\s*\)")


def normalise_line(text: str) -> str:
    return " ".join(text.split())


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def check_markdown(field_name: str, text: str) -> None:
    """The complexity limits every editor-written Markdown meets (see rendering.check_complexity)."""
    try:
        rendering.check_complexity(rendering.normalise_text(text))
    except rendering.TooComplex as error:
        raise ValidationError({field_name: str(error)}) from None


def may_change_public_content(user) -> bool:
    """Medical reviewers (and operators) may change what visitors already see; editors may not.

    Topics that are live, references cited by live pages, glossary definitions and
    disclaimers are short factual records without a draft of their own, so a change to
    them is public at once: only the people accountable for medical review make it.
    """
    return user is not None and user.has_perm("topics.publish_variant")


class SiteVersion(models.Model):
    """One row: the content version that cached pages are keyed by (see topics.caching).

    Every change to what public pages show bumps it, inside the same transaction as
    the change, so every process sees the new version exactly when it sees the new text.
    """

    value = models.PositiveBigIntegerField(default=0, help_text="Bumped by every content change.")

    def __str__(self) -> str:
        return f"content version {self.value}"

    @classmethod
    def current(cls) -> int:
        """The content version, read on every page request, cached or not."""
        if connection.health_check_enabled and not connection.health_check_done and not connection.in_atomic_block:
            # This query doubles as Django's per-request connection health check (a
            # "SELECT 1"), saving a round trip on every cached page: if the connection
            # has gone stale, it fails, and one retry on a new connection decides.
            connection.health_check_done = True
            try:
                return cls._read()
            except DatabaseError:
                connection.close()
        return cls._read()

    @classmethod
    def _read(cls) -> int:
        # Plain SQL: building the same ORM query each time would cost more than
        # everything else a cached page does.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT value FROM {connection.ops.quote_name(cls._meta.db_table)} WHERE id = 1")
            row = cursor.fetchone()
        return row[0] if row else 0

    # PostgreSQL tells every listening process the new version when the change commits
    # (topics.caching.VersionListener), so cached pages need no query at all.
    CHANNEL = "insr_content_version"

    @classmethod
    def bump(cls) -> None:
        if not cls.objects.filter(pk=1).update(value=models.F("value") + 1):
            cls.objects.get_or_create(pk=1, defaults={"value": 1})
        if connection.vendor == "postgresql":
            # Delivered at commit, in commit order; never if the change rolls back.
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(cls._meta.db_table)
                cursor.execute(f"SELECT pg_notify(%s, (SELECT value::text FROM {table} WHERE id = 1))", [cls.CHANNEL])


class InvalidatesPages(models.Model):
    """Rows of this model are public content: any change to them bumps the content version.

    topics.invalidation does it, for every path (save, delete, bulk queryset changes,
    many-to-many changes); managers must be built on its InvalidatingQuerySet.
    """

    objects = InvalidatingQuerySet.as_manager()

    class Meta:
        abstract = True


def _split_kinds(value: str) -> list[str]:
    return [part.strip().lower() for part in value.split(",") if part.strip()]


def health_topic_kinds() -> list[str]:
    """The kinds of topic listed on the home page, in the usual order (about pages are not listed)."""
    return [kind for kind, _label in Topic.Kind.choices if kind != Topic.Kind.ABOUT]


def validate_topic_kind_order(value: str) -> None:
    """Only real topic kinds, each at most once: a typo must not hide a group."""
    kinds = _split_kinds(value)
    known = set(health_topic_kinds())
    unknown = [kind for kind in kinds if kind not in known]
    if unknown:
        raise ValidationError(
            "Unknown topic kind: %(unknown)s. Use %(known)s.",
            params={"unknown": ", ".join(unknown), "known": ", ".join(health_topic_kinds())},
        )
    if len(set(kinds)) != len(kinds):
        raise ValidationError("Name each topic kind at most once.")


def ordered_topic_kinds(value: str) -> list[str]:
    """The kinds named in ``value`` first (unknown ones ignored), then the rest in the usual order."""
    usual = health_topic_kinds()
    named = list(dict.fromkeys(kind for kind in _split_kinds(value) if kind in usual))
    return named + [kind for kind in usual if kind not in named]


class PersonaQuerySet(InvalidatingQuerySet):
    def default(self) -> Persona | None:
        return self.filter(is_default=True).first() or self.first()


class Persona(InvalidatesPages):
    """A kind of reader. Rows, not code: editors can rename or retarget them."""

    slug = models.SlugField(unique=True, help_text="Used in page addresses, e.g. /topics/insr-gene/patient/.")
    name = models.CharField(max_length=80, help_text="Shown in the picker, e.g. “Parent or caregiver”.")
    description = models.CharField(
        max_length=200, blank=True, help_text="One line under the name in the “Which best describes you?” picker."
    )
    max_grade = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        help_text="Reading-grade target (Flesch-Kincaid). Pages for this reader should score at or below it.",
    )
    order = models.PositiveSmallIntegerField(
        default=0, help_text="Position in the picker; also how “near” personas are when a page falls back."
    )
    is_default = models.BooleanField(
        default=False, help_text="The persona used when a visitor has not chosen one. Exactly one should be set."
    )
    audience_type = models.CharField(
        max_length=40,
        blank=True,
        help_text="schema.org audience for search engines: “Patient”, “Clinician”, or plain text such as “Caregiver”.",
    )
    plain_language = models.BooleanField(
        default=False,
        help_text=(
            "Pages for this reader are in plain language: each section ends with one “Sources” link instead of a "
            "number on each sentence, and references are one list. Off: numbered citations, and references grouped "
            "by kind (guidelines, drug labels, research). Changing it re-renders this reader's pages."
        ),
    )
    topic_kind_order = models.CharField(
        max_length=120,
        blank=True,
        validators=[validate_topic_kind_order],
        help_text=(
            "The order of the topic groups on the home page for this reader: kinds separated by commas, "
            "from concept, condition, symptom, treatment, gene (e.g. “condition, gene, symptom”). "
            "Kinds left out follow in the usual order; empty: the usual order."
        ),
    )

    objects = PersonaQuerySet.as_manager()

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        stored = Persona.objects.filter(pk=self.pk).values_list("plain_language", flat=True).first()
        super().save(*args, **kwargs)
        if stored is not None and stored != self.plain_language:
            # Citations are rendered when a page is saved, in this reader's style.
            keys = set(Reference.objects.values_list("key", flat=True))
            for variant in self.variants.select_related("persona"):
                variant.refresh_stored_html(keys)

    @property
    def citation_style(self) -> str:
        return rendering.SECTIONS if self.plain_language else rendering.INLINE

    def above_target(self, grade) -> bool:
        """The one definition of “above target”: harder to read than this reader's reading-grade target."""
        return grade is not None and grade > self.max_grade

    def topic_kinds(self) -> list[str]:
        """Every topic kind, in the order this reader's home page lists the groups."""
        return ordered_topic_kinds(self.topic_kind_order)


# About pages are topics whose slug is "about" (served at /about/) or "about-<page>"
# (served at /about/<page>/): slugs are unique across topics, so the two never collide.
ABOUT_SLUG = "about"


def about_page_name(slug: str) -> str | None:
    """The <page> of /about/<page>/ for an about topic's slug ("" for /about/ itself); None if it is not one."""
    if slug == ABOUT_SLUG:
        return ""
    page = slug.removeprefix(f"{ABOUT_SLUG}-")
    return page if page != slug and page else None


def about_topic_slug(page: str) -> str:
    """The slug of the about topic served at /about/<page>/ (page "" is /about/)."""
    return f"{ABOUT_SLUG}-{page}" if page else ABOUT_SLUG


class TopicQuerySet(InvalidatingQuerySet):
    def health_topics(self) -> TopicQuerySet:
        """Every topic but the site's own about pages: what /topics/, search and listings may show.

        The about pages (Topic.Kind.ABOUT) go through the same editing and review as
        every page, but they are served at /about/ and never listed as health topics.
        """
        return self.exclude(kind=Topic.Kind.ABOUT)

    def about_pages(self) -> TopicQuerySet:
        return self.filter(kind=Topic.Kind.ABOUT)

    def published(self) -> TopicQuerySet:
        """Health topics with at least one published variant: the ones public pages list.

        EXISTS, not a join, so the cost stays that of an index lookup per topic.
        """
        return self.health_topics().filter(
            models.Exists(Variant.objects.published().filter(topic=models.OuterRef("pk")))
        )

    def about(self, term: GlossaryTerm) -> Topic | None:
        """The topic a glossary word is about: the one with its slug, else one whose title or
        other name is the word or one of its forms (case, punctuation and plurals aside)."""
        topics = list(self)
        for topic in topics:
            if topic.slug == term.slug:
                return topic
        keys = {_name_key(name) for name in [term.term, *term.other_forms_list]} - {()}
        for topic in topics:
            if any(_name_key(name) in keys for name in [topic.title, *topic.other_names_list]):
                return topic
        return None


class Topic(InvalidatesPages):
    class Kind(models.TextChoices):
        CONCEPT = "concept", "Understanding insulin resistance"
        CONDITION = "condition", "Conditions"
        SYMPTOM = "symptom", "Signs and symptoms"
        TREATMENT = "treatment", "Treatment and self-care"
        GENE = "gene", "Genes"
        # The publisher explaining itself (/about/, /about/<page>/): reviewed like every
        # page, kept out of every list of health topics (TopicQuerySet.health_topics).
        ABOUT = "about", "About this site"

    slug = models.SlugField(
        unique=True, help_text="Used in page addresses, e.g. “insr-gene”. Changing it breaks links."
    )
    title = models.CharField(max_length=120, help_text="The topic's name as readers know it.")
    kind = models.CharField(
        max_length=20, choices=Kind.choices, help_text="Groups topics on the home page and topic list."
    )
    summary = models.CharField(max_length=300, help_text="One plain sentence shown in topic lists.")
    other_names = models.TextField(
        blank=True, help_text="Other names and abbreviations, one per line (e.g. CD220, HHF5, IR). Shown on every page."
    )
    # Not symmetrical: each topic chooses its own related list, as each content file does.
    related = models.ManyToManyField(
        "self",
        blank=True,
        symmetrical=False,
        related_name="related_from",
        help_text="Topics listed under “Related topics” on this topic's pages.",
    )
    order = models.PositiveSmallIntegerField(default=0, help_text="Position within its group.")
    resources = models.JSONField(
        default=list,
        blank=True,
        validators=[outside_resources.validate],
        help_text=(
            "Gene and syndrome pages: outside resources shown under “More information and resources”. A list of "
            '{"resource": "omim", "id": "147670"} (an id only where a source shows it) or '
            '{"resource": "pubmed", "search": "Donohue syndrome"}. Resources: gtr, omim, clinvar, gene, pubmed.'
        ),
    )
    imported_hash = imported_hash_field()
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["order", "title"]
        indexes = [
            # Groups in page order: finds a page's previous and next topic without
            # reading the whole group (topics.selectors.neighbourhood).
            models.Index(fields=["kind", "order", "title", "id"], name="topic_group_order"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        if self.kind == self.Kind.ABOUT:
            page = about_page_name(self.slug)
            return reverse("topics:about-page", kwargs={"page": page}) if page else reverse("topics:about")
        return reverse("topics:topic", kwargs={"topic": self.slug})

    def clean(self) -> None:
        if self.kind == self.Kind.ABOUT and about_page_name(self.slug) is None:
            raise ValidationError(
                {
                    "slug": f"An about page's slug is “{ABOUT_SLUG}” (for /about/) or starts with “{ABOUT_SLUG}-” "
                    f"(“{ABOUT_SLUG}-privacy” is /about/privacy/)."
                }
            )

    def is_public(self) -> bool:
        """Shown to visitors: its title, summary, names and links appear on live pages."""
        return self.pk is not None and self.variants.published().exists()

    def editable_by(self, user) -> bool:
        """Editors shape topics until they go live; after that, what visitors see is a reviewer's call."""
        return may_change_public_content(user) or not self.is_public()

    @property
    def other_names_list(self) -> list[str]:
        return split_lines(self.other_names)

    @property
    def distinct_other_names(self) -> list[str]:
        """Other names worth listing beside the title: no repeats, no mere spelling variants."""
        return distinct_names(self.other_names_list, besides=self.title)

    @property
    def resource_links(self) -> list[outside_resources.Link]:
        return outside_resources.links(self.resources)


# Joining words that do not make two names different ("X with Y" is "X and Y").
NAME_FILLER_WORDS = {"and", "with", "the", "of"}


def _name_key(name: str) -> tuple[str, ...]:
    """What two names share when they differ only by case, punctuation, a plural or word order."""
    words = re.findall(r"[a-z0-9]+", re.sub(r"['’]s\b", "", name.lower()))
    stems = {w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words}
    return tuple(sorted(stems - NAME_FILLER_WORDS))


def distinct_names(names: list[str], *, besides: str = "") -> list[str]:
    """``names`` without repeats, in order: case, punctuation and plurals aside, and not ``besides``."""
    seen = {_name_key(besides)} if besides else set()
    kept = []
    for name in names:
        key = _name_key(name)
        if key and key not in seen:
            seen.add(key)
            kept.append(name)
    return kept


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


class Reference(InvalidatesPages):
    class Kind(models.TextChoices):
        RESEARCH = "research", "Research"
        GUIDELINE = "guideline", "Guideline"
        DRUG_LABEL = "drug-label", "Drug label"
        GENE_DATABASE = "gene-database", "Gene database"
        HEALTH_INFORMATION = "health-information", "Health information"

    # Professional and student pages list references under these headings, in this order,
    # as the Dr.Oracle page this site grew from does ("From the guidelines", ...).
    KIND_HEADINGS = {
        Kind.GUIDELINE: "From the guidelines",
        Kind.DRUG_LABEL: "From the FDA drug label",
        Kind.RESEARCH: "From the research",
        Kind.GENE_DATABASE: "From the genetics databases",
        Kind.HEALTH_INFORMATION: "From public health information",
    }

    key = models.CharField(
        max_length=60,
        unique=True,
        validators=[reference_key_validator],
        help_text="Cite it in a body as [@key], e.g. [@semple-2011].",
    )
    kind = models.CharField(max_length=30, choices=Kind.choices, help_text="What sort of source this is.")
    authors = models.CharField(max_length=500, blank=True, help_text="As in the source, e.g. “Semple RK, Savage DB”.")
    title = models.CharField(max_length=400, help_text="Title of the article, page or label.")
    source = models.CharField(max_length=200, blank=True, help_text="Journal or publisher.")
    year = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Year of publication, if known.")
    details = models.CharField(
        max_length=200, blank=True, help_text="Volume, issue and pages, e.g. “2011 Aug;32(4):498-514”."
    )
    doi = models.CharField(
        max_length=200, blank=True, help_text="DOI without the https://doi.org/ prefix. Never guess one."
    )
    pmid = models.CharField(
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^\d+$", "A PubMed ID is digits only.")],
        help_text="PubMed ID (digits), if the source gives one.",
    )
    url = models.URLField(max_length=500, blank=True, help_text="Address of the source, if it has one.")
    imported_hash = imported_hash_field()

    history = HistoricalRecords()

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key

    def save(self, *args, **kwargs) -> None:
        self._check_key_kept()
        super().save(*args, **kwargs)

    def citing_variants(self, key: str | None = None) -> list[Variant]:
        """Pages whose working or live text cites this key (by default, the key as stored)."""
        key = key or self.key
        marker = f"@{key}"
        candidates = Variant.objects.filter(Q(body__contains=marker) | Q(live_body__contains=marker))
        return [
            variant
            for variant in candidates.select_related("topic", "persona")
            if key in rendering.citation_keys(variant.body) or key in rendering.citation_keys(variant.live_body)
        ]

    def is_public(self) -> bool:
        return any(variant.is_live for variant in self.citing_variants())

    def editable_by(self, user) -> bool:
        """Anyone on the team adds references; one that live pages cite is a reviewer's to change."""
        return may_change_public_content(user) or self.pk is None or not self.is_public()

    def clean(self) -> None:
        self._check_key_kept()

    def _check_key_kept(self) -> None:
        if self.pk is None:
            return
        stored_key = Reference.objects.filter(pk=self.pk).values_list("key", flat=True).first()
        if stored_key and stored_key != self.key and (citing := self.citing_variants(stored_key)):
            raise ValidationError(
                {
                    "key": f"[@{stored_key}] is cited by {len(citing)} page(s): {describe(citing)}. Change the key "
                    "in those pages first (they go through review), then rename it here, or add a new reference."
                }
            )

    @property
    def short_name(self) -> str:
        """How a citation link names it, e.g. “MedlinePlus Genetics, INSR gene: insulin receptor”."""
        return rendering.source_name(authors=self.authors, title=self.title, kind=self.kind)

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def pubmed_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""


def describe(variants: list[Variant], limit: int = 5) -> str:
    names = [str(variant) for variant in variants[:limit]]
    more = len(variants) - limit
    return "; ".join(names) + (f" and {more} more" if more > 0 else "")


@receiver(pre_delete, sender=Reference)
def refuse_deleting_cited_reference(sender, instance: Reference, **kwargs) -> None:
    # A guard, not a side effect: it runs for every way of deleting (admin, bulk action,
    # queryset, shell), where an override of delete() would miss the bulk ones.
    if citing := instance.citing_variants():
        raise ProtectedError(
            f"[@{instance.key}] is cited by {len(citing)} page(s): {describe(citing)}. "
            "Remove the citation from those pages first.",
            set(citing),
        )


class DisclaimerQuerySet(InvalidatingQuerySet):
    def for_persona(self, persona: Persona) -> DisclaimerQuerySet:
        """Disclaimers meant for this persona, plus those meant for everyone (no personas chosen)."""
        return self.filter(Q(personas=persona) | Q(personas__isnull=True)).distinct()


class Disclaimer(InvalidatesPages):
    slug = models.SlugField(unique=True, help_text="A short name for this disclaimer.")
    title = models.CharField(max_length=120, help_text="Heading shown above the text.")
    text = models.TextField(help_text="Markdown. Keep it short and plain.")
    html = models.TextField(editable=False, blank=True, help_text="The text rendered and sanitized when saved.")
    personas = models.ManyToManyField(
        Persona, blank=True, related_name="disclaimers", help_text="Readers who see it. None chosen: every reader."
    )
    order = models.PositiveSmallIntegerField(default=0, help_text="Order when a page shows several.")
    imported_hash = imported_hash_field()

    # The rendering follows from the text, so history keeps the text only.
    history = HistoricalRecords(excluded_fields=["html"])
    objects = DisclaimerQuerySet.as_manager()

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.refresh_rendering()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        check_markdown("text", self.text)

    def refresh_rendering(self) -> None:
        """Store the rendered HTML: every topic page shows it, so it is never rendered per request."""
        check_markdown("text", self.text)
        self.html = rendering.render_plain(self.text)


class GlossaryTermQuerySet(InvalidatingQuerySet):
    def link_forms(self) -> list[tuple[str, list[str]]]:
        """Each term's slug with every name that should link to it (one query)."""
        return [
            (slug, [term, *split_lines(forms)]) for slug, term, forms in self.values_list("slug", "term", "other_forms")
        ]

    def all_forms(self) -> list[str]:
        """Every word or phrase the glossary explains."""
        return [form for _slug, forms in self.link_forms() for form in forms]

    def link(self, html: str, forms: list[tuple[str, list[str]]] | None = None) -> str:
        """Link the first use of each glossary term in a page's stored HTML.

        Done when a page is shown rather than when it is published, so a new or renamed
        term links on every live page at once; pages are cached, so this runs once per
        page and content version. ``forms``: link_forms() already read.
        """
        return rendering.link_glossary(
            html,
            self.link_forms() if forms is None else forms,
            url_for=lambda slug: reverse("topics:glossary-term", kwargs={"term": slug}),
        )


class GlossaryTerm(InvalidatesPages):
    slug = models.SlugField(unique=True, help_text="Used in the address /glossary/<slug>/.")
    term = models.CharField(max_length=100, help_text="The word or phrase as readers see it.")
    other_forms = models.TextField(
        blank=True, help_text="Plurals, abbreviations and other spellings, one per line (e.g. “beta cells”)."
    )
    definition = models.TextField(help_text="A plain definition at reading grade 6 or below.")
    imported_hash = imported_hash_field()

    history = HistoricalRecords()
    objects = GlossaryTermQuerySet.as_manager()

    class Meta:
        # A to Z as a reader expects it, whatever the case ("beta cell" before "HDL").
        ordering = [Lower("term")]

    def __str__(self) -> str:
        return self.term

    def clean(self) -> None:
        check_markdown("definition", self.definition)

    @property
    def other_forms_list(self) -> list[str]:
        return split_lines(self.other_forms)


class ReviewerQuerySet(InvalidatingQuerySet):
    def acting_as(self, user) -> Reviewer | None:
        """The active board member signing in as ``user``, if ``user`` may review: the one “who may publish”."""
        if user is None or not user.is_active or not user.has_perm("topics.publish_variant"):
            return None
        return self.filter(user=user, active=True).first()


class Reviewer(InvalidatesPages):
    """A member of the medical review board. Only real people, with their real credentials."""

    name = models.CharField(max_length=120, help_text="Full name as it appears on pages.")
    credentials = models.CharField(max_length=120, help_text="E.g. “MD, endocrinologist”. Shown after the name.")
    user = models.OneToOneField(
        "auth.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewer",
        help_text="The admin account this reviewer signs in with.",
    )
    active = models.BooleanField(
        default=True, help_text="Untick when someone leaves the board; their past reviews stay."
    )

    objects = ReviewerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.credentials}"

    @classmethod
    def for_user(cls, user) -> Reviewer:
        """The active board member acting as ``user``, or PermissionDenied: only they approve."""
        if user is None or not user.has_perm("topics.publish_variant"):
            raise PermissionDenied("Only medical reviewers can publish.")
        reviewer = cls.objects.acting_as(user)
        if reviewer is None:
            raise PermissionDenied(
                "Your account has no active entry on the medical review board, so a page cannot name you as its "
                "reviewer. Ask an operator to add one (Reviewers in admin) before publishing."
            )
        return reviewer


class ReviewEvent(models.Model):
    """One step of a page's medical review, kept for good: who did what to which revision, and their note."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "Sent for review"
        RESUBMITTED = "resubmitted", "Changed after it was sent, so sent for review again"
        CHANGES_REQUESTED = "changes-requested", "Changes requested"
        WITHDRAWN = "withdrawn", "Taken back to draft"
        NOTE = "note", "Note"
        APPROVED = "approved", "Approved and published"
        RELEASED = "released", "Published by the release, not medically reviewed"
        UNPUBLISHED = "unpublished", "Taken down by a reviewer"

    variant = models.ForeignKey(
        Variant, on_delete=models.CASCADE, related_name="review_events", help_text="The page reviewed."
    )
    action = models.CharField(max_length=30, choices=Action.choices, help_text="What happened.")
    revision = models.PositiveIntegerField(help_text="The revision of the working text it happened to.")
    at = models.DateTimeField(default=timezone.now, help_text="When it happened.")
    user = recorded_user_field("The account that did it (empty for the release process).")
    reviewer = models.ForeignKey(
        Reviewer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="review_events",
        help_text="The medical reviewer, for approvals and requests for changes.",
    )
    note = models.TextField(blank=True, help_text="The note written with it: what to change, or the approval notes.")
    override_reason = models.TextField(
        blank=True, help_text="Why it was published above its reading-grade target, if it was."
    )

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.variant} (revision {self.revision})"


class VariantNeedingReview(Variant):
    """The medical reviewers' queue in admin (“Needs review”); the same rows as Variant."""

    class Meta:
        proxy = True
        verbose_name = "page needing review"
        verbose_name_plural = "Needs review"


class SearchTerm(InvalidatesPages):
    """A visitor's word for something the pages call otherwise ("hirsutism" -> "extra hair").

    Data, not code, so editors can teach search a new word in admin; topics.search_vocabulary
    uses it. A change bumps the content version, so cached search pages follow it.
    """

    phrase = models.CharField(
        max_length=100,
        unique=True,
        help_text="Words a visitor may type, in lower case (e.g. “hirsutism” or “always thirsty”). "
        "Matched as whole words anywhere in a search.",
    )
    means = models.CharField(
        max_length=200,
        blank=True,
        help_text="Words our pages use for the same thing (e.g. “extra hair”), searched as well.",
    )
    # A slug rather than a foreign key: the shipped terms are loaded by the migration,
    # before the shipped topics exist, and a topic that is not (yet) published is skipped.
    topic = models.SlugField(
        blank=True,
        help_text="The slug of the page a clinician would send someone who types this (e.g. "
        "“polycystic-ovary-syndrome”), if there is one: it comes first. Leave empty to only add the words.",
    )

    class Meta:
        ordering = ["phrase"]

    def __str__(self) -> str:
        return self.phrase

    def save(self, *args, **kwargs):
        # Searches are compared in lower case, words separated by single spaces.
        self.phrase = " ".join(self.phrase.lower().split())
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.topic and not Topic.objects.filter(slug=self.topic).exists():
            raise ValidationError({"topic": f"There is no topic with the slug “{self.topic}”."})
