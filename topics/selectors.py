"""Cross-model reads used by the views: small, typed, keyword-only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import groupby
from typing import NamedTuple

from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, Value, When, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from topics import rendering
from topics.caching import per_content_version
from topics.models import (
    Disclaimer,
    GlossaryTerm,
    Persona,
    Reference,
    Topic,
    Variant,
    about_topic_slug,
    ordered_topic_kinds,
)

# What Django's SlugField allows, bounded: anything else is not worth a query.
SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,50}")


@dataclass
class PageChoice:
    """The variant to show for a requested topic and persona."""

    variant: Variant
    requested: Persona
    available: list[Persona]  # personas with a published variant of this topic
    personas: list[Persona]  # every persona, for the switcher
    preview: bool = False  # staff reading the working text, not the live one
    # The requested reader's page, if a reviewer took it down: it answers 410, never a fallback.
    withdrawn: Variant | None = None

    @property
    def is_fallback(self) -> bool:
        return self.variant.persona_id != self.requested.pk

    @property
    def handout(self) -> Persona | None:
        """On a page for clinicians, the default reader's page to print for a patient, if published.

        Read from the personas' data (schema.org's "Clinician" audience, the default flag),
        so renaming or adding a reader needs no code.
        """
        if self.variant.persona.audience_type != "Clinician":
            return None
        return next((persona for persona in self.available if persona.is_default), None)


def persona_from_slug(*, slug: str | None) -> Persona | None:
    """A persona for an untrusted slug (cookie, form, URL); None when it names no persona."""
    if not slug or not SLUG_RE.fullmatch(slug):
        return None
    return next((persona for persona in all_personas() if persona.slug == slug), None)


def remembered_persona(*, slug: str | None) -> Persona:
    """The visitor's remembered persona, or the default one."""
    persona = persona_from_slug(slug=slug)
    if persona is None:
        # As Persona.objects.default(): the one marked default, else the first.
        personas = all_personas()
        persona = next((p for p in personas if p.is_default), personas[0] if personas else None)
    if persona is None:
        raise Http404("No personas are set up.")
    return persona


def choose_variant(*, topic_slug: str, persona_slug: str, preview: bool = False) -> PageChoice:
    """The published variant for this persona, or the nearest published one.

    “Nearest” is by the personas' order (patient, caregiver, student,
    professional), and on a tie the plainer one, so a reader is never sent to
    something harder than needed. Raises Http404 for an unknown topic or persona,
    or a topic with nothing published. With ``preview`` (staff only), every
    variant counts, published or not, and the page shows its working text.
    """
    personas = all_personas()
    requested = next((p for p in personas if p.slug == persona_slug), None)
    if requested is None:
        raise Http404("No such reader.")
    candidates = Variant.objects.health_pages()
    if not preview:
        # In the same query: the requested reader's page if it was taken down.
        withdrawn = Variant.objects.withdrawn().filter(persona=requested)
        candidates = candidates.filter(Q(published_at__isnull=False) | Q(pk__in=withdrawn.values("pk")))
    found = list(
        candidates.filter(topic__slug=topic_slug)
        .select_related("topic", "persona", "reviewer")
        .order_by("persona__order")
    )
    gone = next((v for v in found if not preview and v.is_withdrawn), None)
    variants = [v for v in found if v is not gone]
    if gone is not None:
        return PageChoice(variant=gone, requested=requested, available=[], personas=personas, withdrawn=gone)
    if not variants:
        raise Http404("No such topic.")
    variant = min(variants, key=lambda v: (abs(v.persona.order - requested.order), v.persona.order))
    for candidate in variants:
        if candidate.persona_id == requested.pk:
            variant = candidate
    return PageChoice(
        variant=variant,
        requested=requested,
        available=[v.persona for v in variants],
        personas=personas,
        preview=preview,
    )


def about_page(*, page: str, preview: bool = False) -> Variant:
    """The about page at /about/<page>/ (page "" is /about/ itself); Http404 if there is none.

    An about page is written once, for the default reader; should an editor add another
    reader's version, the default one is still the one shown.
    """
    if page and not SLUG_RE.fullmatch(page):
        raise Http404("No such page.")
    candidates = Variant.objects.about_pages()
    if not preview:
        candidates = candidates.published()
    variant = (
        candidates.filter(topic__slug=about_topic_slug(page))
        .select_related("topic", "persona", "reviewer")
        .order_by("-persona__is_default", "persona__order")
        .first()
    )
    if variant is None:
        raise Http404("No such page.")
    return variant


@per_content_version
def all_personas() -> list[Persona]:
    """Every persona, in picker order: a few rows, read once per content version in each process."""
    return list(Persona.objects.all())


@per_content_version
def _disclaimers() -> list[tuple[Disclaimer, frozenset[int]]]:
    """Each disclaimer with the personas it is meant for (none: everyone), in one query."""
    rows = Disclaimer.objects.annotate(persona_pk=F("personas__pk")).order_by(*Disclaimer._meta.ordering, "pk")
    by_pk: dict[int, tuple[Disclaimer, set[int]]] = {}
    for row in rows:
        disclaimer, personas = by_pk.setdefault(row.pk, (row, set()))
        if row.persona_pk is not None:
            personas.add(row.persona_pk)
    return [(disclaimer, frozenset(personas)) for disclaimer, personas in by_pk.values()]


@per_content_version
def glossary_link_forms() -> list[tuple[str, list[str]]]:
    """What the glossary links (GlossaryTerm.objects.link_forms), read once per content version."""
    return GlossaryTerm.objects.link_forms()


class PageUse(NamedTuple):
    """A published page whose live text uses a glossary word."""

    topic_slug: str
    topic_title: str
    persona_slug: str


@per_content_version
def glossary_usage() -> dict[str, list[PageUse]]:
    """For each glossary term, the published pages that use it (as their glossary links find it).

    Read once per content version: one query, and one pass of the glossary pattern per page.
    """
    terms_in = rendering.glossary_finder(glossary_link_forms())
    usage: dict[str, list[PageUse]] = {}
    rows = (
        Variant.objects.published()
        .health_pages()
        .order_by("topic__title", "persona__order")
        .values_list("topic__slug", "topic__title", "persona__slug", "search_text")
    )
    for topic_slug, topic_title, persona_slug, text in rows:
        for slug in terms_in(text):
            usage.setdefault(slug, []).append(PageUse(topic_slug, topic_title, persona_slug))
    return usage


@dataclass(frozen=True)
class TermPages:
    """Where a glossary word's page sends a reader on: its topic, and the pages that use it."""

    about: Topic | None
    uses: list[PageUse]  # one per topic without a persona; that persona's pages with one


def term_pages(*, term: GlossaryTerm, persona: Persona | None) -> TermPages:
    """The topic about ``term`` and the other published pages using it, for ``persona`` if given.

    Without a persona the page is the same for every visitor: one entry per topic, whose
    link (/topics/<topic>/) leads each reader to their own version.
    """
    about = Topic.objects.published().about(term)
    uses = [use for use in glossary_usage().get(term.slug, []) if not about or use.topic_slug != about.slug]
    if persona is not None:
        uses = [use for use in uses if use.persona_slug == persona.slug]
    else:
        uses = list({use.topic_slug: use._replace(persona_slug="") for use in uses}.values())
    return TermPages(about=about, uses=uses)


def disclaimers_for(*, persona: Persona) -> list[Disclaimer]:
    """Disclaimers meant for this persona, plus those meant for everyone (no personas chosen).

    The same rows as Disclaimer.objects.for_persona, read once per content version.
    """
    return [d for d, personas in _disclaimers() if not personas or persona.pk in personas]


# The order of topics within a group, everywhere they are listed or paged through;
# pk breaks ties so that it is a total order (the index topic_group_order follows it).
GROUP_ORDER = ("order", "title", "pk")


class TopicGroup(NamedTuple):
    kind: str  # also the group's anchor on the topic list (#group-<kind>), whatever the order
    label: str
    topics: list[Topic]
    total: int  # topics in the whole group, when `topics` holds only its first few


def topics_by_kind(*, per_group: int | None = None, persona: Persona | None = None) -> list[TopicGroup]:
    """Topics with at least one published variant, grouped by kind.

    ``per_group`` keeps each group's first few (the home page): one query whose cost
    does not grow with the number of topics on the site. With ``persona``, the groups
    come in that reader's order (``Persona.topic_kinds``) and each topic's ``list_summary``
    is the one written for that reader (its published variant's), when it has one;
    otherwise, and without ``persona``, the topic's own summary.
    """
    kind_order = persona.topic_kinds() if persona is not None else ordered_topic_kinds("")
    labels = dict(Topic.Kind.choices)
    topics = Topic.objects.published()
    if per_group is not None:
        in_group = {"partition_by": F("kind"), "order_by": [F(field) for field in GROUP_ORDER]}
        topics = topics.annotate(
            position=Window(RowNumber(), **in_group), group_total=Window(Count("pk"), partition_by=F("kind"))
        ).filter(position__lte=per_group)
    if persona is not None:
        # A correlated subquery in the same query: one row per topic, no second query.
        written_for = Variant.objects.published().filter(topic=OuterRef("pk"), persona=persona)
        topics = topics.annotate(persona_summary=Subquery(written_for.values("live_summary")[:1]))
    # The database orders within a group (its collation, as everywhere else); a stable sort
    # then puts the groups in their fixed order.
    topics = sorted(
        topics.order_by(*GROUP_ORDER),
        key=lambda t: kind_order.index(t.kind) if t.kind in kind_order else len(kind_order),
    )
    groups = []
    for kind, members in groupby(topics, key=lambda t: t.kind):
        members = list(members)
        for topic in members:
            # What a list shows under the title: the reader's own summary, else the topic's.
            topic.list_summary = getattr(topic, "persona_summary", None) or topic.summary
        total = members[0].group_total if per_group is not None else len(members)
        groups.append(TopicGroup(kind=kind, label=labels.get(kind, kind), topics=members, total=total))
    return groups


@dataclass
class Neighbourhood:
    """The topics around a topic page: its related topics, and its neighbours in its group."""

    related: list[Topic]
    previous: Topic | None
    next: Topic | None


def neighbourhood(*, topic: Topic) -> Neighbourhood:
    """Related topics and the previous and next topic of the same kind, in one query.

    Only the two neighbours are fetched, never the whole group, so a page costs the same
    in a group of five topics or of two thousand.
    """
    siblings = Topic.objects.published().filter(kind=topic.kind)
    # "Before" and "after" in GROUP_ORDER.
    before = Q(order__lt=topic.order) | Q(order=topic.order, title__lt=topic.title)
    before |= Q(order=topic.order, title=topic.title, pk__lt=topic.pk)
    after = Q(order__gt=topic.order) | Q(order=topic.order, title__gt=topic.title)
    after |= Q(order=topic.order, title=topic.title, pk__gt=topic.pk)
    previous_pk = Subquery(siblings.filter(before).order_by(*(f"-{f}" for f in GROUP_ORDER)).values("pk")[:1])
    next_pk = Subquery(siblings.filter(after).order_by(*GROUP_ORDER).values("pk")[:1])
    related_pks = Topic.related.through.objects.filter(from_topic=topic).values("to_topic")
    rows = list(
        Topic.objects.published()
        .filter(Q(pk__in=related_pks) | Q(pk=previous_pk) | Q(pk=next_pk))
        .annotate(
            is_related=Exists(related_pks.filter(to_topic=OuterRef("pk"))),
            neighbour=Case(
                When(pk=previous_pk, then=Value("previous")),
                When(pk=next_pk, then=Value("next")),
                default=Value(""),
            ),
        )
    )
    return Neighbourhood(
        related=sorted((t for t in rows if t.is_related), key=lambda t: t.title),
        previous=next((t for t in rows if t.neighbour == "previous"), None),
        next=next((t for t in rows if t.neighbour == "next"), None),
    )


# Home's "Start here": the questions most readers arrive with, in the order a newcomer needs them.
START_HERE = ("insulin-resistance", "prediabetes-and-type-2-diabetes", "getting-tested", "low-blood-sugar")


def start_here_topics() -> list[Topic]:
    """The published topics of START_HERE, in its order (a topic not published is left out)."""
    found = {topic.slug: topic for topic in Topic.objects.health_topics().filter(slug__in=START_HERE)}
    return [found[slug] for slug in START_HERE if slug in found]


def suggested_topics(*, limit: int = 5) -> list[Topic]:
    """Where to start when a search finds nothing: the first topics of the first groups."""
    return [topic for group in topics_by_kind(per_group=2) for topic in group.topics][:limit]


# References as a page lists them -------------------------------------------------------


@dataclass(frozen=True)
class BackLink:
    """A link from a reference back to a place that cites it."""

    anchor: str
    text: str  # the section's name, or the number of a further use in that section


@dataclass(frozen=True)
class CitedReference:
    number: int  # as in the text: order of first use
    reference: Reference
    back_links: list[BackLink]


@dataclass(frozen=True)
class ReferenceGroup:
    heading: str  # empty: one list without headings
    entries: list[CitedReference]


def reference_groups(*, references: list[Reference], html: str, by_kind: bool) -> list[ReferenceGroup]:
    """The page's references with links back to where ``html`` cites them.

    Numbered in order of first use, as the citations are. ``by_kind`` (professional and
    student pages) groups them under Reference.KIND_HEADINGS; each keeps its number.
    """
    places = rendering.citation_places(html)
    entries = [
        CitedReference(number, ref, _back_links(places.get(ref.key, [])))
        for number, ref in enumerate(references, start=1)
    ]
    if not by_kind:
        return [ReferenceGroup("", entries)] if entries else []
    return [
        ReferenceGroup(heading, [entry for entry in entries if entry.reference.kind == kind])
        for kind, heading in Reference.KIND_HEADINGS.items()
        if any(entry.reference.kind == kind for entry in entries)
    ]


def _back_links(places: list[rendering.Place]) -> list[BackLink]:
    links: list[BackLink] = []
    uses: dict[str, int] = {}
    for place in places:
        if links and links[-1].anchor == place.anchor:
            continue  # one "Sources" link can cite a reference once only
        uses[place.section] = uses.get(place.section, 0) + 1
        if uses[place.section] == 1:
            links.append(BackLink(place.anchor, place.section))
        else:
            links.append(BackLink(place.anchor, str(uses[place.section])))
    return links
