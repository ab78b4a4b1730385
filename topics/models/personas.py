"""Kinds of reader: rows, not code."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from topics import rendering
from topics.invalidation import InvalidatingQuerySet
from topics.models.common import InvalidatesPages


def _split_kinds(value: str) -> list[str]:
    return [part.strip().lower() for part in value.split(",") if part.strip()]


def health_topic_kinds() -> list[str]:
    """The kinds of topic listed on the home page, in the usual order (about pages are not listed)."""
    from topics.models.topics import Topic  # topics name their readers' pages, so the import goes this way

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
            from topics.models.references import Reference  # references name pages, which name readers

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
