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
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from topics import readability, rendering
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


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


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

    objects = PersonaQuerySet.as_manager()

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.name


class TopicQuerySet(InvalidatingQuerySet):
    def published(self) -> TopicQuerySet:
        """Topics with at least one published variant: the ones public pages list.

        EXISTS, not a join, so the cost stays that of an index lookup per topic.
        """
        return self.filter(models.Exists(Variant.objects.published().filter(topic=models.OuterRef("pk"))))


class Topic(InvalidatesPages):
    class Kind(models.TextChoices):
        CONCEPT = "concept", "Understanding insulin resistance"
        CONDITION = "condition", "Conditions"
        SYMPTOM = "symptom", "Signs and symptoms"
        TREATMENT = "treatment", "Treatment and self-care"
        GENE = "gene", "Genes"

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

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        # A topic's title and other names are part of how its pages are found.
        for variant in self.variants.published():
            variant.topic = self
            variant.refresh_search_vector()

    def get_absolute_url(self) -> str:
        return reverse("topics:topic", kwargs={"topic": self.slug})

    @property
    def other_names_list(self) -> list[str]:
        return split_lines(self.other_names)


class VariantQuerySet(InvalidatingQuerySet):
    def published(self) -> VariantQuerySet:
        """What the public may see: the one definition of “published”.

        A variant is public once it has live text, which only ``Variant.publish``
        sets. Its working text may meanwhile be a newer draft or in review.
        """
        return self.filter(published_at__isnull=False)

    def needing_review(self) -> VariantQuerySet:
        """Submitted for review, overdue for review, or live and never medically reviewed."""
        today = timezone.localdate()
        return self.filter(
            Q(status=Variant.Status.REVIEW)
            | Q(next_review_due__lt=today)
            | Q(published_at__isnull=False, last_reviewed__isnull=True)
        )


@dataclass(frozen=True)
class Revision:
    """What a page shows: a variant's live text, or its working text in a preview."""

    heading: str
    summary: str
    html: str
    citation_keys: list
    reading_grade: Decimal
    updated: datetime.datetime | None


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
    # The live revision: what the public page shows. Only publish() writes these.
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
        self.refresh_rendering()
        # "Published" means the working text is the live text. Once the working text
        # changes, it is a new draft until a reviewer publishes it; the live text stays.
        if self.status == self.Status.PUBLISHED and not self.working_matches_live:
            self.status = self.Status.DRAFT
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("topics:variant", kwargs={"topic": self.topic.slug, "persona": self.persona.slug})

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
            updated=self.published_at,
        )

    def working_revision(self) -> Revision:
        return Revision(
            heading=self.heading,
            summary=self.summary,
            html=self.html,
            citation_keys=self.citation_keys,
            reading_grade=self.reading_grade,
            updated=self.updated_at,
        )

    def submit_for_review(self, *, by) -> None:
        if self.working_matches_live:
            raise ValidationError("This text is already published; change it before sending it for review.")
        self.status = self.Status.REVIEW
        self.submitted_at = timezone.now()
        self.submitted_by = by
        self.save()

    def return_to_draft(self, *, by) -> None:
        self.status = self.Status.DRAFT
        self.save()

    def publish(self, *, by, notes: str = "", override_reason: str = "") -> None:
        """Make the working text live: the one way anything is published.

        ``by`` is the user publishing; they need the publish_variant permission
        (medical reviewers and operators). ``by=None`` is the release process loading
        the shipped content from the command line. A reviewer's approval is recorded
        as a medical review. Above the reader's reading-grade target, an
        ``override_reason`` is required and recorded.
        """
        if by is not None and not by.has_perm("topics.publish_variant"):
            raise PermissionDenied("Only medical reviewers can publish.")
        self.refresh_rendering()
        self.clean()
        if self.over_target and not override_reason.strip():
            raise ValidationError(
                f"Reading grade {self.reading_grade} is above the target of {self.persona.max_grade} for "
                f"{self.persona.name}. Simplify the text, or give a reason for publishing it anyway."
            )
        now = timezone.now()
        self.live_title, self.live_summary, self.live_body = self.title, self.summary, self.body
        self.live_html, self.live_citation_keys = self.html, self.citation_keys
        self.live_reading_grade = self.reading_grade
        self.search_text = readability.prose_text(self.live_html)
        self.published_at, self.published_by = now, by
        self.grade_override_reason = override_reason.strip()
        self.status = self.Status.PUBLISHED
        reviewer = getattr(by, "reviewer", None) if by is not None else None
        if reviewer is not None:
            self.reviewer = reviewer
            self.last_reviewed = timezone.localdate(now)
            self.next_review_due = self.last_reviewed + datetime.timedelta(days=settings.REVIEW_INTERVAL_DAYS)
            self.review_notes = notes
        self.save()
        self.refresh_search_vector()

    def refresh_search_vector(self) -> None:
        """Store the weighted search document of the live text (PostgreSQL full-text search only)."""
        if connection.vendor == "postgresql" and self.is_live:
            from topics.search import search_vector_for

            Variant.objects.filter(pk=self.pk).update(search_vector=search_vector_for(self))

    def clean(self) -> None:
        errors = []
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

    def render(self) -> rendering.Rendered:
        """Render the body against the current references; unknown keys are reported, not raised."""
        keys = set(Reference.objects.filter(key__in=rendering.citation_keys(self.body)).values_list("key", flat=True))
        return rendering.render_body(self.body, keys)

    def refresh_rendering(self) -> None:
        """Store the rendered HTML, citations and reading grade, so pages never render per request."""
        rendered = self.render()
        self.html = rendering.link_glossary(
            rendered.html,
            GlossaryTerm.objects.link_forms(),
            url_for=lambda slug: reverse("topics:glossary-term", kwargs={"term": slug}),
        )
        self.citation_keys = rendered.citations
        self.reading_grade = readability.reading_grade(rendered.html)

    @property
    def over_target(self) -> bool:
        return self.reading_grade > self.persona.max_grade

    def references(self, revision: Revision | None = None) -> list[Reference]:
        """The references a revision cites, numbered in order of first use (one query)."""
        keys = (revision or self.working_revision()).citation_keys
        by_key = Reference.objects.in_bulk(keys, field_name="key")
        return [by_key[key] for key in keys if key in by_key]


class Reference(InvalidatesPages):
    class Kind(models.TextChoices):
        RESEARCH = "research", "Research"
        GUIDELINE = "guideline", "Guideline"
        DRUG_LABEL = "drug-label", "Drug label"
        GENE_DATABASE = "gene-database", "Gene database"
        HEALTH_INFORMATION = "health-information", "Health information"

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

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def pubmed_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""


class DisclaimerQuerySet(InvalidatingQuerySet):
    def for_persona(self, persona: Persona) -> DisclaimerQuerySet:
        """Disclaimers meant for this persona, plus those meant for everyone (no personas chosen)."""
        return self.filter(Q(personas=persona) | Q(personas__isnull=True)).distinct()


class Disclaimer(InvalidatesPages):
    slug = models.SlugField(unique=True, help_text="A short name for this disclaimer.")
    title = models.CharField(max_length=120, help_text="Heading shown above the text.")
    text = models.TextField(help_text="Markdown. Keep it short and plain.")
    personas = models.ManyToManyField(
        Persona, blank=True, related_name="disclaimers", help_text="Readers who see it. None chosen: every reader."
    )
    order = models.PositiveSmallIntegerField(default=0, help_text="Order when a page shows several.")
    imported_hash = imported_hash_field()

    history = HistoricalRecords()
    objects = DisclaimerQuerySet.as_manager()

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.title

    @property
    def html(self) -> str:
        return rendering.render_plain(self.text)


class GlossaryTermQuerySet(InvalidatingQuerySet):
    def link_forms(self) -> list[tuple[str, list[str]]]:
        """Each term's slug with every name that should link to it (one query)."""
        return [
            (slug, [term, *split_lines(forms)]) for slug, term, forms in self.values_list("slug", "term", "other_forms")
        ]


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

    @property
    def other_forms_list(self) -> list[str]:
        return split_lines(self.other_forms)


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

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.credentials}"


class VariantNeedingReview(Variant):
    """The medical reviewers' queue in admin (“Needs review”); the same rows as Variant."""

    class Meta:
        proxy = True
        verbose_name = "page needing review"
        verbose_name_plural = "Needs review"
