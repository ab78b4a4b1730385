"""E-mail about medical review: to reviewers when a page is sent, to its editor when it is decided.

Sent with Django's e-mail (the console locally, SMTP from environment variables in
production; see settings) once the change has committed, so a rolled-back save sends
nothing. A mail server that fails never loses the save: the failure is logged and
the review record in admin is still there.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from topics import site

if TYPE_CHECKING:
    from topics.models import ReviewEvent, Variant

logger = logging.getLogger(__name__)


def _admin_link(variant: Variant) -> str:
    return site.absolute_url(reverse("admin:topics_variant_change", args=[variant.pk]))


def _send(subject: str, message: str, recipients: list[str]) -> None:
    recipients = sorted({address for address in recipients if address})
    if not recipients:
        return

    def send() -> None:
        try:
            send_mail(subject, message, None, recipients)
        except Exception:  # any mail failure (refused, timed out, bad credentials) means the same here
            logger.exception("Could not send review e-mail %r", subject)

    transaction.on_commit(send)


def review_requested(variant: Variant, *, again: bool = False, note: str = "") -> None:
    """Tell every active medical reviewer that a page waits for them, with the editor's note."""
    reviewers = (
        get_user_model()
        .objects.filter(is_active=True, reviewer__active=True, reviewer__isnull=False)
        .values_list("email", flat=True)
    )
    who = variant.submitted_by.get_username() if variant.submitted_by else "An editor"
    what = "changed a page that was waiting for review" if again else "sent a page for medical review"
    said = f"\n\nTheir note:\n{note}" if note else ""
    _send(
        f"For review: {variant}",
        f"{who} {what}: {variant} (revision {variant.revision}).{said}\n\nReview it here: {_admin_link(variant)}\n",
        list(reviewers),
    )


def review_decided(variant: Variant, event: ReviewEvent) -> None:
    """Tell the editor who sent the page what the reviewer decided, with the reviewer's note."""
    editor = variant.submitted_by
    if editor is None or editor == event.user:
        return
    note = f"\n\nThe reviewer's note:\n{event.note}" if event.note else ""
    _send(
        f"{event.get_action_display()}: {variant}",
        f"{event.reviewer or 'A reviewer'}: {event.get_action_display().lower()} for {variant} "
        f"(revision {event.revision}).{note}\n\nOpen it here: {_admin_link(variant)}\n",
        [editor.email],
    )
