"""The domain: topics written in reading-level variants for each kind of reader."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from topics import readability, rendering

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
        return cls.objects.filter(pk=1).values_list("value", flat=True).first() or 0

    @classmethod
    def bump(cls) -> None:
        if not cls.objects.filter(pk=1).update(value=models.F("value") + 1):
            cls.objects.get_or_create(pk=1, defaults={"value": 1})


class InvalidatesPages(models.Model):
    """Saving or deleting a row of this model changes what public pages show."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        SiteVersion.bump()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        SiteVersion.bump()
        return result


class PersonaQuerySet(models.QuerySet):
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

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("topics:topic", kwargs={"topic": self.slug})

    @property
    def other_names_list(self) -> list[str]:
        return split_lines(self.other_names)


class VariantQuerySet(models.QuerySet):
    def published(self) -> VariantQuerySet:
        """What the public may see: the one definition of “published”."""
        return self.filter(status=Variant.Status.PUBLISHED)


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
        max_length=20, choices=Status.choices, default=Status.DRAFT, help_text="Only published pages are public."
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

    history = HistoricalRecords(excluded_fields=["html", "updated_at"])
    objects = VariantQuerySet.as_manager()

    class Meta:
        ordering = ["topic__order", "topic__title", "persona__order"]
        constraints = [models.UniqueConstraint(fields=["topic", "persona"], name="one_variant_per_topic_persona")]

    def __str__(self) -> str:
        return f"{self.topic} ({self.persona})"

    def save(self, *args, **kwargs) -> None:
        self.refresh_rendering()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("topics:variant", kwargs={"topic": self.topic.slug, "persona": self.persona.slug})

    def clean(self) -> None:
        unknown = self.render().unknown_keys
        if unknown:
            raise ValidationError(
                {"body": f"Unknown reference key(s): {', '.join(unknown)}. Add the reference first, or fix the key."}
            )

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

    def references(self) -> list[Reference]:
        """The cited references, numbered in order of first use (one query)."""
        by_key = Reference.objects.in_bulk(self.citation_keys, field_name="key")
        return [by_key[key] for key in self.citation_keys if key in by_key]


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


class DisclaimerQuerySet(models.QuerySet):
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


class GlossaryTermQuerySet(models.QuerySet):
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
        ordering = ["term"]

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
