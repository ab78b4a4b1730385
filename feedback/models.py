"""What visitors tell us: page feedback, readers' experiences, and the prompts that ask for them.

Nothing here knows about HTTP. A visitor's address is never stored: the rate limit
keeps only a keyed one-way hash of it, for an hour (see feedback.throttle).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from topics import invalidation
from topics.models import Persona, Topic, check_markdown

# How long what visitors send is kept (the privacy page says the same, from these names).
FEEDBACK_KEPT_DAYS = 365
REJECTED_STORY_KEPT_DAYS = 30
UNMODERATED_STORY_KEPT_DAYS = 90
RATE_LIMIT_WINDOW = timedelta(hours=1)

COMMENT_MAX_LENGTH = 500
STORY_MAX_LENGTH = 2000
NAME_MAX_LENGTH = 40

# Shown when a topic has no prompts of its own and editors have set no site-wide ones.
DEFAULT_PROMPTS = ["Describe your experience", "What changes to your diet have helped?"]


class FeedbackPage(models.Model):
    """One page (a topic read as one persona) that visitors have said something about."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+", help_text="The topic of the page.")
    persona = models.ForeignKey(
        Persona, on_delete=models.CASCADE, related_name="+", help_text="The reader the page was written for."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "persona"], name="one_feedback_page_per_variant")]
        verbose_name = "page feedback summary"
        verbose_name_plural = "page feedback summaries"

    def __str__(self) -> str:
        return f"{self.topic.title} ({self.persona.name})"


class PageFeedback(models.Model):
    """One answer to "Was this page helpful?", with the optional comment that may follow."""

    page = models.ForeignKey(
        FeedbackPage, on_delete=models.CASCADE, related_name="responses", help_text="The page the answer is about."
    )
    helpful = models.BooleanField(help_text="The visitor's answer: Yes (ticked) or No.")
    comment = models.TextField(
        blank=True, max_length=COMMENT_MAX_LENGTH, help_text="What the visitor said was missing or hard (optional)."
    )
    created = models.DateTimeField(
        default=timezone.now, db_index=True, help_text=f"When it was sent. Deleted after {FEEDBACK_KEPT_DAYS} days."
    )

    class Meta:
        ordering = ["-created"]
        verbose_name = "page feedback response"

    def __str__(self) -> str:
        return f"{'Yes' if self.helpful else 'No'} on {self.page}"


class StoryPromptQuerySet(models.QuerySet):
    def for_topic(self, topic: Topic) -> list[str]:
        """The topic's own prompts, else the site-wide ones, else the built-in defaults."""
        own = [p.text for p in self.filter(topic=topic)]
        if own:
            return own
        return [p.text for p in self.filter(topic__isnull=True)] or list(DEFAULT_PROMPTS)


class StoryPrompt(models.Model):
    """A question the "Share your experience" form asks, for one topic or for all."""

    topic = models.ForeignKey(
        Topic,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Leave empty for a prompt used on every topic that has none of its own.",
    )
    text = models.CharField(max_length=200, help_text="The question, e.g. “Describe your experience”.")
    order = models.PositiveSmallIntegerField(default=0, help_text="Position among the topic's prompts.")

    objects = StoryPromptQuerySet.as_manager()

    class Meta:
        ordering = ["topic__title", "order", "pk"]

    def __str__(self) -> str:
        return self.text

    def save(self, *args, **kwargs) -> None:
        # The share page is cached like any page: a new question must show at once.
        with transaction.atomic():
            super().save(*args, **kwargs)
            invalidation.bump()

    def clean(self) -> None:
        # Editors write it, so it meets the limits every editor's text meets, though it is shown as plain text.
        check_markdown("text", self.text)

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            invalidation.bump()
        return result


# What a moderator puts in place of the words they hide: the only change anyone makes to a reader's words.
MASK = "[hidden]"


def is_masking(before: str, after: str) -> bool:
    """True when ``after`` is ``before`` with some stretches of it replaced by MASK (or unchanged).

    Each MASK in ``after`` stands for at least one character of ``before``; the text
    between them must be ``before``'s own, in order. Placing each stretch as early as it
    can go leaves the most room for the rest, so one pass decides.
    """
    if MASK not in after:
        return after == before
    first, *middle, last = after.split(MASK)
    if not before.startswith(first):
        return False
    position = len(first)
    for part in middle:
        found = before.find(part, position + 1)
        if found == -1:
            return False
        position = found + len(part)
    return before.endswith(last) and len(before) - len(last) >= position + 1


def mask(text: str, phrases: list[str]) -> str:
    """``text`` with every occurrence of each phrase replaced by MASK."""
    for phrase in phrases:
        text = text.replace(phrase, MASK)
    return text


class StoryQuerySet(models.QuerySet):
    def approved(self) -> StoryQuerySet:
        """The stories visitors may read: approved by a moderator, newest approval first."""
        return self.filter(status=Story.Status.APPROVED).order_by("-approved_at", "-pk")


class Story(models.Model):
    """A reader's experience. Pending until a moderator approves it; only approved ones are shown."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a moderator"
        APPROVED = "approved", "Approved (shown on the page)"
        REJECTED = "rejected", "Rejected (never shown)"

    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="+", help_text="The topic whose pages show the story."
    )
    persona = models.ForeignKey(
        Persona, on_delete=models.CASCADE, related_name="+", help_text="The page version it was sent from."
    )
    prompt = models.CharField(max_length=200, help_text="The question the visitor chose to answer.")
    name = models.CharField(
        max_length=NAME_MAX_LENGTH,
        blank=True,
        help_text="First name or initials, as the visitor gave them. Empty: shown as “A reader”.",
    )
    text = models.TextField(
        max_length=STORY_MAX_LENGTH,
        help_text="What the visitor wrote. E-mail addresses and phone numbers were masked before it was stored. "
        f"These are the reader's words: a moderator may hide parts of them (each becomes “{MASK}”) and change "
        "nothing else. It is always shown as plain text.",
    )
    contact_details_masked = models.BooleanField(
        default=False, help_text="Ticked when the visitor's text held an e-mail address or phone number (now masked)."
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
        help_text="Only approved stories appear on the site.",
    )
    moderation_note = models.CharField(
        max_length=300, blank=True, help_text="For moderators only: why it was approved, changed or rejected."
    )
    created = models.DateTimeField(
        default=timezone.now, db_index=True, help_text="When the visitor sent it; its month is shown with the story."
    )
    moderated_at = models.DateTimeField(null=True, blank=True, help_text="When a moderator last decided.")
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who last approved, rejected or masked it.",
    )
    approved_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was approved: the page lists the newest approvals first."
    )

    objects = StoryQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name_plural = "stories"
        permissions = [("moderate_story", "Can approve, reject, take down and mask readers' stories")]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._loaded_status = self.status if self.pk else None

    def __str__(self) -> str:
        return f"{self.display_name}: {self.text[:60]}"

    def save(self, *args, **kwargs) -> None:
        # The model's own guard, whatever the path (a form, an action, the shell): a reader's
        # words are only ever masked, never rewritten under their name.
        self.check_only_masked()
        if self.status == self.Status.APPROVED and self.approved_at is None:
            self.approved_at = timezone.now()
        elif self.status != self.Status.APPROVED:
            self.approved_at = None
        shows = self.Status.APPROVED in (self.status, self._loaded_status)
        with transaction.atomic():
            super().save(*args, **kwargs)
            # Approving, withdrawing or editing an approved story changes a public page:
            # bump the content version in the same transaction, so it shows at once.
            if shows:
                invalidation.bump()
        self._loaded_status = self.status

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            if self.Status.APPROVED in (self.status, self._loaded_status):
                invalidation.bump()
        return result

    def clean(self) -> None:
        self.check_only_masked()

    def check_only_masked(self) -> None:
        """Refuse any change to the stored text or name other than hiding parts of it."""
        stored = Story.objects.filter(pk=self.pk).values("text", "name").first() if self.pk else None
        if stored is None:
            return
        errors = {}
        if not is_masking(stored["text"], self.text):
            errors["text"] = (
                f"These are the reader's words: you can hide parts of them (replace them with {MASK}), "
                "and change nothing else."
            )
        if self.name and not is_masking(stored["name"], self.name):
            errors["name"] = f"The reader's name can be hidden ({MASK}) or left out, never changed."
        if errors:
            raise ValidationError(errors)

    def moderate(self, status: str, *, by) -> None:
        """Approve or reject (or send back to pending), recording who decided and when."""
        self.status = status
        self.moderated_by = by if by is not None and by.pk else None
        self.moderated_at = timezone.now()
        self.save()

    @property
    def display_name(self) -> str:
        return self.name or "A reader"


class RateLimitHit(models.Model):
    """One form sent by one visitor, known only by a keyed hash of their address; kept an hour."""

    bucket = models.CharField(max_length=20, help_text="Which form: feedback, comment or story.")
    visitor = models.CharField(max_length=64, help_text="HMAC of the visitor's address with the secret key.")
    created = models.DateTimeField(default=timezone.now, db_index=True, help_text="Deleted after an hour.")

    class Meta:
        indexes = [models.Index(fields=["bucket", "visitor", "created"])]

    def __str__(self) -> str:
        return f"{self.bucket} at {self.created:%Y-%m-%d %H:%M}"


def purge_expired(now=None) -> dict[str, int]:
    """Delete what the privacy page promises not to keep. Cheap: indexed deletes."""
    now = now or timezone.now()
    deleted = {
        "rate limit entries": RateLimitHit.objects.filter(created__lt=now - RATE_LIMIT_WINDOW).delete()[0],
        "page feedback": PageFeedback.objects.filter(created__lt=now - timedelta(days=FEEDBACK_KEPT_DAYS)).delete()[0],
        "rejected stories": Story.objects.filter(
            status=Story.Status.REJECTED, moderated_at__lt=now - timedelta(days=REJECTED_STORY_KEPT_DAYS)
        ).delete()[0],
        "unmoderated stories": Story.objects.filter(
            status=Story.Status.PENDING, created__lt=now - timedelta(days=UNMODERATED_STORY_KEPT_DAYS)
        ).delete()[0],
    }
    FeedbackPage.objects.filter(responses__isnull=True).delete()
    return deleted
