"""What every content model shares: recorded fields, text tidying, the Markdown limits, who may
change what is already public, and the base that bumps the content version on every change."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from topics import rendering
from topics.invalidation import InvalidatingQuerySet


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


class InvalidatesPages(models.Model):
    """Rows of this model are public content: any change to them bumps the content version.

    topics.invalidation does it, for every path (save, delete, bulk queryset changes,
    many-to-many changes); managers must be built on its InvalidatingQuerySet.
    """

    objects = InvalidatingQuerySet.as_manager()

    class Meta:
        abstract = True
