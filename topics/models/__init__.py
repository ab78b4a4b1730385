"""The domain: topics written in reading-level variants for each kind of reader.

One module per concept; everything is importable from here (``from topics.models import Variant``).

- ``personas``: the kinds of reader, as rows.
- ``topics``: what a page is about, and the site's about pages.
- ``variants``: one topic written for one reader: its working and its live text.
- ``references``, ``glossary``, ``disclaimers``: what pages cite, explain and show beside the text.
- ``review``: the medical review board and the record of each review step.
- ``search_terms``: visitors' own words, for search.
- ``common``: what they share.

Changing what a page says goes through topics.workflow; the content version that cached
pages are keyed by is topics.versioning, outside the domain.
"""

from topics.models.common import (
    GLOSSARY_LINK_RE,
    InvalidatesPages,
    check_markdown,
    imported_hash_field,
    may_change_public_content,
    normalise_line,
    recorded_user_field,
    split_lines,
)
from topics.models.disclaimers import Disclaimer, DisclaimerQuerySet
from topics.models.glossary import GlossaryTerm, GlossaryTermQuerySet
from topics.models.personas import (
    Persona,
    PersonaQuerySet,
    health_topic_kinds,
    ordered_topic_kinds,
    validate_topic_kind_order,
)
from topics.models.references import Reference, describe, reference_key_validator, refuse_deleting_cited_reference
from topics.models.review import Reviewer, ReviewerQuerySet, ReviewEvent
from topics.models.search_terms import SearchTerm
from topics.models.topics import (
    ABOUT_SLUG,
    Topic,
    TopicQuerySet,
    about_page_name,
    about_topic_slug,
    distinct_names,
)
from topics.models.variants import Revision, StaleRevision, Variant, VariantNeedingReview, VariantQuerySet

__all__ = [
    "ABOUT_SLUG",
    "GLOSSARY_LINK_RE",
    "Disclaimer",
    "DisclaimerQuerySet",
    "GlossaryTerm",
    "GlossaryTermQuerySet",
    "InvalidatesPages",
    "Persona",
    "PersonaQuerySet",
    "Reference",
    "Revision",
    "ReviewEvent",
    "Reviewer",
    "ReviewerQuerySet",
    "SearchTerm",
    "StaleRevision",
    "Topic",
    "TopicQuerySet",
    "Variant",
    "VariantNeedingReview",
    "VariantQuerySet",
    "about_page_name",
    "about_topic_slug",
    "check_markdown",
    "describe",
    "distinct_names",
    "health_topic_kinds",
    "imported_hash_field",
    "may_change_public_content",
    "normalise_line",
    "ordered_topic_kinds",
    "recorded_user_field",
    "reference_key_validator",
    "refuse_deleting_cited_reference",
    "split_lines",
    "validate_topic_kind_order",
]
