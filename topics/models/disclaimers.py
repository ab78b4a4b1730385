"""Disclaimers: short notes shown on the pages of the readers they are meant for."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from topics import rendering
from topics.invalidation import InvalidatingQuerySet
from topics.models.common import InvalidatesPages, check_markdown, imported_hash_field
from topics.models.personas import Persona


class DisclaimerQuerySet(InvalidatingQuerySet):
    def for_persona(self, persona: Persona) -> DisclaimerQuerySet:
        """Disclaimers meant for this persona, plus those meant for everyone (no personas chosen)."""
        return self.filter(Q(personas=persona) | Q(personas__isnull=True)).distinct()


class Disclaimer(InvalidatesPages):
    slug = models.SlugField(unique=True, help_text="A short name for this disclaimer.")
    title = models.CharField(max_length=120, help_text="Heading shown above the text.")
    text = models.TextField(help_text="Markdown. Keep it short and plain.")
    html = models.TextField(editable=False, blank=True, help_text="The text rendered and sanitized when saved.")
    personas = models.ManyToManyField(
        Persona, blank=True, related_name="disclaimers", help_text="Readers who see it. None chosen: every reader."
    )
    order = models.PositiveSmallIntegerField(default=0, help_text="Order when a page shows several.")
    imported_hash = imported_hash_field()

    # The rendering follows from the text, so history keeps the text only.
    history = HistoricalRecords(excluded_fields=["html"])
    objects = DisclaimerQuerySet.as_manager()

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.refresh_rendering()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        check_markdown("text", self.text)

    def refresh_rendering(self) -> None:
        """Store the rendered HTML: every topic page shows it, so it is never rendered per request."""
        check_markdown("text", self.text)
        self.html = rendering.render_plain(self.text)
