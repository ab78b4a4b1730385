"""Medical review: the board of real reviewers, and the record of every review step."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone

from topics.invalidation import InvalidatingQuerySet
from topics.models.common import InvalidatesPages, recorded_user_field


class ReviewerQuerySet(InvalidatingQuerySet):
    def acting_as(self, user) -> Reviewer | None:
        """The active board member signing in as ``user``, if ``user`` may review: the one “who may publish”."""
        if user is None or not user.is_active or not user.has_perm("topics.publish_variant"):
            return None
        return self.filter(user=user, active=True).first()


class Reviewer(InvalidatesPages):
    """A member of the medical review board. Only real people, with their real credentials."""

    name = models.CharField(max_length=120, help_text="Full name as it appears on pages.")
    credentials = models.CharField(max_length=120, help_text="E.g. “MD, endocrinologist”. Shown after the name.")
    user = models.OneToOneField(
        "auth.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewer",
        help_text="The admin account this reviewer signs in with.",
    )
    active = models.BooleanField(
        default=True, help_text="Untick when someone leaves the board; their past reviews stay."
    )

    objects = ReviewerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.credentials}"

    @classmethod
    def for_user(cls, user) -> Reviewer:
        """The active board member acting as ``user``, or PermissionDenied: only they approve."""
        if user is None or not user.has_perm("topics.publish_variant"):
            raise PermissionDenied("Only medical reviewers can publish.")
        reviewer = cls.objects.acting_as(user)
        if reviewer is None:
            raise PermissionDenied(
                "Your account has no active entry on the medical review board, so a page cannot name you as its "
                "reviewer. Ask an operator to add one (Reviewers in admin) before publishing."
            )
        return reviewer


class ReviewEvent(models.Model):
    """One step of a page's medical review, kept for good: who did what to which revision, and their note."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "Sent for review"
        RESUBMITTED = "resubmitted", "Changed after it was sent, so sent for review again"
        CHANGES_REQUESTED = "changes-requested", "Changes requested"
        WITHDRAWN = "withdrawn", "Taken back to draft"
        NOTE = "note", "Note"
        APPROVED = "approved", "Approved and published"
        RELEASED = "released", "Published by the release, not medically reviewed"
        UNPUBLISHED = "unpublished", "Taken down by a reviewer"

    variant = models.ForeignKey(
        "Variant", on_delete=models.CASCADE, related_name="review_events", help_text="The page reviewed."
    )
    action = models.CharField(max_length=30, choices=Action.choices, help_text="What happened.")
    revision = models.PositiveIntegerField(help_text="The revision of the working text it happened to.")
    at = models.DateTimeField(default=timezone.now, help_text="When it happened.")
    user = recorded_user_field("The account that did it (empty for the release process).")
    reviewer = models.ForeignKey(
        Reviewer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="review_events",
        help_text="The medical reviewer, for approvals and requests for changes.",
    )
    note = models.TextField(blank=True, help_text="The note written with it: what to change, or the approval notes.")
    override_reason = models.TextField(
        blank=True, help_text="Why it was published above its reading-grade target, if it was."
    )

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.variant} (revision {self.revision})"
