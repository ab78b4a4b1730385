"""References: the sources that pages cite, kept accountable to the pages that cite them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.deletion import ProtectedError
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from simple_history.models import HistoricalRecords

from topics import rendering
from topics.models.common import InvalidatesPages, imported_hash_field, may_change_public_content

if TYPE_CHECKING:
    from topics.models.variants import Variant

reference_key_validator = RegexValidator(
    rf"^{rendering.KEY_PATTERN}$",
    "Use lower-case letters, digits and hyphens, starting with a letter or digit.",
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
        from topics.models.variants import Variant  # pages cite references: the import goes this way

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
