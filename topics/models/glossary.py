"""The glossary: plain meanings of hard words, linked from every page that uses them."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from simple_history.models import HistoricalRecords

from topics import rendering
from topics.invalidation import InvalidatingQuerySet
from topics.models.common import InvalidatesPages, check_markdown, imported_hash_field, split_lines


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
