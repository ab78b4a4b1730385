"""The trust panel under a page's title: where its medical review stands, in words and in steps.

Plain data from a variant, no HTTP: the same for every visitor of a URL, so pages
that show it can be cached whole.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from topics.models import Reviewer, Revision, Variant

DONE, NOW, NOT_YET = "done", "now", "not yet"


@dataclass(frozen=True)
class Step:
    name: str
    state: str  # DONE, NOW or NOT_YET, shown in words (never by colour alone)
    current: bool = False  # where the page stands: aria-current="step"


@dataclass(frozen=True)
class TrustPanel:
    # data-review-status: "reviewed", "in-review", "not-reviewed" or, in a staff preview
    # of a text never sent, "draft".
    status: str
    steps: tuple[Step, ...]
    written: datetime.date | None  # the day the text shown was written or last changed
    reviewer: Reviewer | None = None  # only when a named reviewer approved the text shown
    last_reviewed: datetime.date | None = None
    next_review_due: datetime.date | None = None
    newer_in_review: bool = False  # a newer text than the one shown is with a reviewer
    # The reviewer also wrote the text shown (four eyes off): "Written and reviewed by", never
    # "Medically reviewed by" over her own words.
    own_text: bool = False

    @property
    def reviewed(self) -> bool:
        return self.reviewer is not None


STEPS = ("Submitted", "Under review", "Approved")


def _steps(states: tuple[str, str, str], current: int | None) -> tuple[Step, ...]:
    named = enumerate(zip(STEPS, states, strict=True))
    return tuple(Step(name, state, index == current) for index, (name, state) in named)


def trust_panel(variant: Variant, page: Revision, *, preview: bool = False) -> TrustPanel:
    """Where the text shown stands in the three steps of the seed page: Submitted, Under review, Approved.

    The honest mapping onto the workflow (Variant.status, reviewer, workflow.publish):

    - Approved: done only when a named reviewer approved exactly the text shown
      (publish() by a reviewer sets ``reviewer`` and ``last_reviewed``; any other
      publish, the release's included, clears them). Then all three steps are done.
    - Under review: "now" while a text of this page has been sent for review and no
      reviewer has decided yet (status "review"). If the text shown is already
      approved, that newer text is mentioned in words instead.
    - Submitted: done for every live page that no reviewer has approved: live pages
      never reviewed are on the reviewers' desk ("Never reviewed" backlog), which is
      what waiting for review means here. Shipped content (published by the release,
      never reviewed) therefore stands at "Submitted": not under review, not approved.
    - A staff preview describes the working text: a draft not yet sent has done no step.
    """
    shows_live = not preview or variant.working_matches_live
    in_review = variant.status == Variant.Status.REVIEW
    written = page.updated
    if shows_live and variant.reviewer_id and variant.last_reviewed:
        return TrustPanel(
            status="reviewed",
            steps=_steps((DONE, DONE, DONE), current=2),
            written=written,
            reviewer=variant.reviewer,
            last_reviewed=variant.last_reviewed,
            next_review_due=variant.next_review_due,
            newer_in_review=in_review and not preview,
            own_text=variant.reviewed_own_text,
        )
    if in_review:
        return TrustPanel(status="in-review", steps=_steps((DONE, NOW, NOT_YET), current=1), written=written)
    if shows_live and variant.is_live:
        return TrustPanel(status="not-reviewed", steps=_steps((DONE, NOT_YET, NOT_YET), current=0), written=written)
    return TrustPanel(status="draft", steps=_steps((NOT_YET, NOT_YET, NOT_YET), current=None), written=written)
