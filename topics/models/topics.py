"""Topics: what a page is about, whoever reads it, and the site's own about pages."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from topics import resources as outside_resources
from topics.invalidation import InvalidatingQuerySet
from topics.models.common import InvalidatesPages, imported_hash_field, may_change_public_content, split_lines

if TYPE_CHECKING:
    from topics.models.glossary import GlossaryTerm


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
        from topics.models.variants import Variant  # variants belong to topics: the import goes this way

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
