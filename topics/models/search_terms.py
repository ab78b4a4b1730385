"""The search vocabulary: visitors' words for what the pages call otherwise."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from topics.models.common import InvalidatesPages
from topics.models.topics import Topic


class SearchTerm(InvalidatesPages):
    """A visitor's word for something the pages call otherwise ("hirsutism" -> "extra hair").

    Data, not code, so editors can teach search a new word in admin; topics.search_vocabulary
    uses it. A change bumps the content version, so cached search pages follow it.
    """

    phrase = models.CharField(
        max_length=100,
        unique=True,
        help_text="Words a visitor may type, in lower case (e.g. “hirsutism” or “always thirsty”). "
        "Matched as whole words anywhere in a search.",
    )
    means = models.CharField(
        max_length=200,
        blank=True,
        help_text="Words our pages use for the same thing (e.g. “extra hair”), searched as well.",
    )
    # A slug rather than a foreign key: the shipped terms are loaded by the migration,
    # before the shipped topics exist, and a topic that is not (yet) published is skipped.
    topic = models.SlugField(
        blank=True,
        help_text="The slug of the page a clinician would send someone who types this (e.g. "
        "“polycystic-ovary-syndrome”), if there is one: it comes first. Leave empty to only add the words.",
    )

    class Meta:
        ordering = ["phrase"]

    def __str__(self) -> str:
        return self.phrase

    def save(self, *args, **kwargs):
        # Searches are compared in lower case, words separated by single spaces.
        self.phrase = " ".join(self.phrase.lower().split())
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.topic and not Topic.objects.filter(slug=self.topic).exists():
            raise ValidationError({"topic": f"There is no topic with the slug “{self.topic}”."})
