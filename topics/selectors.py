"""Cross-model reads used by the views: small, typed, keyword-only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import groupby

from django.http import Http404

from topics.models import Persona, Topic, Variant

# What Django's SlugField allows, bounded: anything else is not worth a query.
SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,50}")


@dataclass
class PageChoice:
    """The variant to show for a requested topic and persona."""

    variant: Variant
    requested: Persona
    available: list[Persona]  # personas with a published variant of this topic
    personas: list[Persona]  # every persona, for the switcher

    @property
    def is_fallback(self) -> bool:
        return self.variant.persona_id != self.requested.pk


def persona_from_slug(*, slug: str | None) -> Persona | None:
    """A persona for an untrusted slug (cookie, form, URL); None when it names no persona."""
    if not slug or not SLUG_RE.fullmatch(slug):
        return None
    return Persona.objects.filter(slug=slug).first()


def remembered_persona(*, slug: str | None) -> Persona:
    """The visitor's remembered persona, or the default one."""
    persona = persona_from_slug(slug=slug)
    if persona is None:
        persona = Persona.objects.default()
    if persona is None:
        raise Http404("No personas are set up.")
    return persona


def choose_variant(*, topic_slug: str, persona_slug: str) -> PageChoice:
    """The published variant for this persona, or the nearest published one.

    “Nearest” is by the personas' order (patient, caregiver, student,
    professional), and on a tie the plainer one, so a reader is never sent to
    something harder than needed. Raises Http404 for an unknown topic or persona,
    or a topic with nothing published.
    """
    personas = list(Persona.objects.all())
    requested = next((p for p in personas if p.slug == persona_slug), None)
    if requested is None:
        raise Http404("No such reader.")
    variants = list(
        Variant.objects.published()
        .filter(topic__slug=topic_slug)
        .select_related("topic", "persona", "reviewer")
        .order_by("persona__order")
    )
    if not variants:
        raise Http404("No such topic.")
    variant = min(variants, key=lambda v: (abs(v.persona.order - requested.order), v.persona.order))
    for candidate in variants:
        if candidate.persona_id == requested.pk:
            variant = candidate
    return PageChoice(variant=variant, requested=requested, available=[v.persona for v in variants], personas=personas)


def topics_by_kind() -> list[tuple[str, list[Topic]]]:
    """Topics with at least one published variant, grouped by kind in a fixed order."""
    kind_order = [kind for kind, _label in Topic.Kind.choices]
    labels = dict(Topic.Kind.choices)
    topics = sorted(
        Topic.objects.filter(variants__status=Variant.Status.PUBLISHED).distinct(),
        key=lambda t: (kind_order.index(t.kind) if t.kind in kind_order else len(kind_order), t.order, t.title),
    )
    return [(labels.get(kind, kind), list(group)) for kind, group in groupby(topics, key=lambda t: t.kind)]


def related_topics(*, topic: Topic) -> list[Topic]:
    return list(topic.related.filter(variants__status=Variant.Status.PUBLISHED).distinct().order_by("title"))
