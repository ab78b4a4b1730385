"""The editorial workflow, in one place: every step that changes a page's text or its standing.

save_draft, submit, request_changes, withdraw, add_note, publish, unpublish and revert
each take the variant and the person acting (``by``; ``None`` is the release process,
`import_content`), check permission through the rules below, write the page, record
the step as a ReviewEvent, and send its e-mail once the change has committed
(notifications uses ``transaction.on_commit``). Admin's change view and actions, the
review desk, the history revert form and the importer call these; nothing else makes
text live or takes it down. ``Variant.save()`` only tidies and renders text.

Each step works on the stored row, locked for the transaction, and takes from the
instance it is given only what an editor writes (topic, reader, title, summary,
body): an instance built from an old revision (django-simple-history's revert form)
can never bring back an old status, submission or review with it.

Why several records of a page's past, each for its own job:

- the live_* columns are the text visitors see, kept apart from the working text so an
  edit is never public before a reviewer publishes it;
- django-simple-history keeps every saved working text (with who saved it), for
  "Compare revisions" and for reverting to an older text;
- ReviewEvent is the review record: who submitted, approved, sent back or took down
  which revision, with their notes (history has no place for a note or a decision);
- the revision counter is what forms carry to refuse a stale save, and what review
  events name; a history id cannot do that, since not every step writes history.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from topics import notifications, readability, search
from topics.models import Reviewer, ReviewEvent, StaleRevision, Variant

# What an editor writes; everything else on a variant is the workflow's.
TEXT_FIELDS = ("title", "summary", "body")
WRITTEN_FIELDS = ("topic_id", "persona_id", *TEXT_FIELDS)


# The rules: who may do what, each defined once.


def reviewer_acting_as(user) -> Reviewer | None:
    """The active review-board member ``user`` signs in as, if they may review at all."""
    return Reviewer.objects.acting_as(user)


def may_review(user) -> bool:
    """Publishing, requesting changes and taking down are a medical reviewer's steps."""
    return reviewer_acting_as(user) is not None


def may_write(variant: Variant, user) -> bool:
    """Editors and reviewers write working text; the release (None) loads the shipped files."""
    if user is None:
        return True
    return user.has_perm("topics.change_variant" if variant.pk else "topics.add_variant")


def four_eyes() -> bool:
    return settings.REVIEW_FOUR_EYES


def publishable_by(variant: Variant, user, *, author=None) -> bool:
    """May ``user`` publish this text? A reviewer, and (four eyes) never the text's last author.

    ``author``: who the last author will be once the text being published is saved (the
    form passes the reviewer when they changed the text in it); by default, the stored one.
    The same rule as VariantQuerySet.publishable_by, which lists what a reviewer may publish.
    """
    if not may_review(user):
        return False
    author_id = variant.last_author_id if author is None else author.pk
    return not (four_eyes() and author_id == user.pk)


def publish_problem(variant: Variant, user, *, override_reason: str = "") -> str | None:
    """Why ``user`` cannot publish ``variant`` as it stands (text included), or None if they can.

    One check for the form (before anything is saved) and for publish() itself.
    """
    if user is not None:
        Reviewer.for_user(user)  # raises PermissionDenied, saying why, for anyone else
    variant.refresh_rendering()
    if variant.persona.above_target(variant.reading_grade) and not override_reason.strip():
        return (
            f"Reading grade {variant.reading_grade} is above the target of {variant.persona.max_grade} for "
            f"{variant.persona.name}: simplify the text, or give a reason to publish it anyway."
        )
    if user is not None:
        changed = _text_changed(variant)
        if not publishable_by(variant, user, author=user if changed else None):
            return (
                "You wrote the latest change to this text, so another medical reviewer publishes it: a second "
                "pair of eyes reads every text before it goes live. Press “Save and send for medical review”."
            )
    return None


def check_revision(variant: Variant, expected: int | None) -> None:
    """Refuse to act on a revision other than the stored one (a stale form or a second tab)."""
    if expected is None or variant.pk is None:
        return
    current = Variant.objects.filter(pk=variant.pk).values_list("revision", flat=True).first()
    if current is not None and current != expected:
        raise StaleRevision(variant, expected, current)


# The steps.


def save_draft(variant: Variant, *, by, expected_revision: int | None = None, status: str | None = None) -> bool:
    """Store the working text; True if anything was written.

    A changed text gets the next revision and ``by`` as its last author. A published
    page whose text changes is a draft with a pending revision (the live text stays);
    a page in review whose text changes is sent for review again, never approved
    unseen. ``status`` is for the release only: the status its files record.
    """
    if not may_write(variant, by):
        raise PermissionDenied("You cannot change pages.")
    if status is not None and by is not None:
        raise PermissionDenied("Only the release sets a status directly; use the workflow's steps.")
    check_revision(variant, expected_revision)
    with transaction.atomic():
        row, changed = _take_text(variant, by)
        if status is not None:
            row.status = status
        resubmitted = row.pk is not None and changed and row.status == Variant.Status.REVIEW and status is None
        if resubmitted:
            row.submitted_revision = row.revision
            row.submitted_at, row.submitted_by = timezone.now(), by
        if row.pk is not None and not changed and row.status == _stored_status(row):
            _copy_back(row, variant)
            return False
        row.save()
        if resubmitted:
            _record(row, ReviewEvent.Action.RESUBMITTED, by=by)
    _copy_back(row, variant)
    if resubmitted:
        notifications.review_requested(variant, again=True)
    return True


def submit(variant: Variant, *, by, note: str = "", expected_revision: int | None = None) -> None:
    """Send the working text to the medical reviewers, with the editor's note."""
    if not may_write(variant, by):
        raise PermissionDenied("You cannot send pages for review.")
    check_revision(variant, expected_revision)
    with transaction.atomic():
        row, _changed = _take_text(variant, by)
        if row.working_matches_live:
            raise ValidationError("This text is already published; change it before sending it for review.")
        row.status = Variant.Status.REVIEW
        row.submitted_revision = row.revision
        row.submitted_at, row.submitted_by = timezone.now(), by
        row.save()
        event = _record(row, ReviewEvent.Action.SUBMITTED, by=by, note=note)
    _copy_back(row, variant)
    notifications.review_requested(variant, note=event.note)


def request_changes(variant: Variant, *, by, note: str, expected_revision: int | None = None) -> None:
    """A reviewer sends the text back to its editor; the note says what to change."""
    reviewer = Reviewer.for_user(by)
    if not note.strip():
        raise ValidationError("Say what should change: the editor sees this note.")
    check_revision(variant, expected_revision)
    with transaction.atomic():
        row = _locked(variant)
        row.status = Variant.Status.DRAFT
        row.save()
        event = _record(row, ReviewEvent.Action.CHANGES_REQUESTED, by=by, reviewer=reviewer, note=note)
    _copy_back(row, variant)
    notifications.review_decided(variant, event)


def withdraw(variant: Variant, *, by, note: str = "", expected_revision: int | None = None) -> None:
    """Take a page out of review (its editor is still working on it); any note is kept."""
    if not may_write(variant, by):
        raise PermissionDenied("You cannot change pages.")
    check_revision(variant, expected_revision)
    with transaction.atomic():
        row = _locked(variant)
        row.status = Variant.Status.DRAFT
        row.save()
        _record(row, ReviewEvent.Action.WITHDRAWN, by=by, note=note)
    _copy_back(row, variant)


def add_note(variant: Variant, *, by, note: str) -> ReviewEvent | None:
    """A note typed without an action: kept in the review record, never dropped."""
    if by is not None and not by.has_perm("topics.view_variant"):
        raise PermissionDenied("You cannot comment on pages.")
    if note.strip():
        return _record(variant, ReviewEvent.Action.NOTE, by=by, note=note)
    return None


def publish(
    variant: Variant, *, by, notes: str = "", override_reason: str = "", expected_revision: int | None = None
) -> None:
    """Make the variant's text live: the one way anything is published.

    ``by`` is the medical reviewer publishing (publishable_by: an active board member,
    never the text's last author while four eyes is on), whose name the page then
    shows over exactly this text. ``by=None`` is the release loading the shipped
    content: the page then says plainly that it is not yet medically reviewed. Above
    the reader's reading-grade target an ``override_reason`` is required and recorded.
    ``expected_revision`` is the revision the reviewer read; if the text changed since,
    nothing is published. Text set on ``variant`` and not yet saved is saved with it.
    """
    reviewer = None if by is None else Reviewer.for_user(by)
    check_revision(variant, expected_revision)
    with transaction.atomic():
        row, _changed = _take_text(variant, by)
        row.clean()
        if problem := publish_problem(row, by, override_reason=override_reason):
            raise ValidationError(problem)
        now = timezone.now()
        if not row.working_matches_live:
            # A new text goes live today. Approving the same text again (a periodic review)
            # changes its review dates, not the day it was written.
            row.written_on = timezone.localdate(now)
        row.live_title, row.live_summary, row.live_body = row.title, row.summary, row.body
        row.live_html, row.live_citation_keys = row.html, row.citation_keys
        row.live_reading_grade = row.reading_grade
        row.search_text = readability.prose_text(row.live_html)
        row.published_at, row.published_by = now, by
        row.published_revision = row.revision
        row.withdrawn_at = None
        row.grade_override_reason = override_reason.strip()
        row.status = Variant.Status.PUBLISHED
        # The review line always describes the text now live: this reviewer, or nobody.
        row.reviewer = reviewer
        row.reviewed_own_text = reviewer is not None and row.last_author_id == by.pk
        row.last_reviewed = timezone.localdate(now) if reviewer else None
        row.next_review_due = (
            row.last_reviewed + datetime.timedelta(days=settings.REVIEW_INTERVAL_DAYS) if reviewer else None
        )
        row.review_notes = notes.strip() if reviewer else ""
        row.save()
        action = ReviewEvent.Action.APPROVED if reviewer else ReviewEvent.Action.RELEASED
        event = _record(row, action, by=by, reviewer=reviewer, note=notes, override_reason=row.grade_override_reason)
        search.index(row)
    _copy_back(row, variant)
    if reviewer:
        notifications.review_decided(variant, event)


def unpublish(variant: Variant, *, by, note: str = "") -> None:
    """Take a live page down: it answers 410, leaves the sitemap and search, and can be published again.

    The live text is kept (a reviewer republishing sees what was live); the working
    text is untouched. Saving the row bumps the content version, so cached pages go.
    """
    reviewer = Reviewer.for_user(by)
    with transaction.atomic():
        row = _locked(variant)
        if not row.is_live:
            raise ValidationError("This page is not live, so there is nothing to take down.")
        row.published_at = None
        row.withdrawn_at = timezone.now()
        if row.status == Variant.Status.PUBLISHED:
            row.status = Variant.Status.DRAFT
        # Off the reviewers' overdue list: nothing is public to review.
        row.next_review_due = None
        row.save()
        event = _record(row, ReviewEvent.Action.UNPUBLISHED, by=by, reviewer=reviewer, note=note)
    _copy_back(row, variant)
    notifications.review_decided(variant, event)


def revert(variant: Variant, record, *, by, expected_revision: int | None = None) -> bool:
    """Make an older saved text (a history record) the working text again: a new draft, never live."""
    for name in TEXT_FIELDS:
        setattr(variant, name, getattr(record, name))
    return save_draft(variant, by=by, expected_revision=expected_revision)


# The machinery.


def _locked(variant: Variant) -> Variant:
    """The stored row, held until this transaction ends, so two steps cannot interleave."""
    return Variant.objects.select_for_update(of=("self",)).select_related("topic", "persona").get(pk=variant.pk)


def _text_changed(variant: Variant) -> bool:
    if variant.pk is None:
        return True
    variant.tidy()
    stored = Variant.objects.filter(pk=variant.pk).values(*WRITTEN_FIELDS).first()
    return stored is None or any(stored[name] != getattr(variant, name) for name in WRITTEN_FIELDS)


def _take_text(variant: Variant, by) -> tuple[Variant, bool]:
    """The stored row with the text of ``variant`` on it; True if that text is a change.

    Every change gets the next revision, counted from the stored row so nothing (a
    form, a revert) can move it backwards, and ``by`` becomes its last author.
    """
    variant.tidy()
    if variant.pk is None:
        row = variant
        row.revision, row.last_author = 1, by
        row.status = row.status or Variant.Status.DRAFT
        row.refresh_rendering()
        return row, True
    row = _locked(variant)
    if row.is_live and (variant.topic_id, variant.persona_id) != (row.topic_id, row.persona_id):
        # The reviewed text belongs to that page: moving it would move "Medically reviewed by" too.
        raise ValidationError("A live page cannot be moved to another topic or reader.")
    changed = any(getattr(row, name) != getattr(variant, name) for name in WRITTEN_FIELDS)
    if changed:
        for name in WRITTEN_FIELDS:
            setattr(row, name, getattr(variant, name))
        row.revision += 1
        row.last_author = by
        if row.status == Variant.Status.PUBLISHED:
            # "Published" means the working text is the live text: now it is a new draft.
            row.status = Variant.Status.DRAFT
    # Re-rendered every time: references or the reader's citation style may have changed.
    row.refresh_rendering()
    return row, changed


def _stored_status(row: Variant) -> str | None:
    return Variant.objects.filter(pk=row.pk).values_list("status", flat=True).first()


def _copy_back(row: Variant, variant: Variant) -> None:
    """The caller's instance shows what was stored (admin messages, redirects, tests read it)."""
    if row is variant:
        return
    for field in Variant._meta.concrete_fields:
        setattr(variant, field.attname, getattr(row, field.attname))
    for name in ("topic", "persona"):
        Variant._meta.get_field(name).set_cached_value(variant, getattr(row, name))


def _record(variant: Variant, action: str, *, by=None, reviewer: Reviewer | None = None, note: str = "", **fields):
    return ReviewEvent.objects.create(
        variant=variant,
        action=action,
        revision=variant.revision,
        user=by,
        reviewer=reviewer,
        note=note.strip(),
        **fields,
    )
