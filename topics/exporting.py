"""Writing the content back to files, the reverse of topics.importing.

Each file is written by topics.content_files, the one definition of the format that
loading reads, so exporting what was just imported gives the same bytes. This module
decides which rows go to which files, and leaves untouched files as they are.

Everything goes out, so nothing is lost on the way to another database: the live
text of every page with its medical review and review record, a pending draft
beside it (``<persona>.draft.md``), pages never published, and the review board.
The format is described in topics/content/README.md.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.text import slugify

from topics.content_files import (
    VariantRecord,
    disclaimer_file,
    glossary_file,
    reference_file,
    reviewer_file,
    topic_file,
    variant_files,
)
from topics.models import Disclaimer, GlossaryTerm, Reference, Reviewer, Topic, Variant

# ---------------------------------------------------------------------------


def _write(path: Path, text: str, written: set[Path]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Untouched files keep their modification time, so tools see only what changed.
    if not path.exists() or path.read_bytes() != text.encode():
        with path.open("w", encoding="utf-8", newline="\n") as file:
            file.write(text)
    written.add(path)


def _stale_files(root: Path, written: set[Path]) -> list[Path]:
    """Files of rows no longer in the database (a draft since published, a deleted term)."""
    managed = [*(root / folder for folder in ("references", "glossary", "disclaimers", "reviewers"))]
    managed += [d for d in (root / "topics").iterdir() if d.is_dir()] if (root / "topics").is_dir() else []
    return sorted(path for folder in managed for path in folder.glob("*.md") if path not in written)


def export_content(root: Path) -> tuple[int, int]:
    """Write every row the files hold under ``root``; returns (files written, stale files removed)."""
    written: set[Path] = set()
    for ref in Reference.objects.all():
        _write(root / "references" / f"{ref.key}.md", reference_file(ref), written)
    for term in GlossaryTerm.objects.all():
        _write(root / "glossary" / f"{term.slug}.md", glossary_file(term), written)
    for disclaimer in Disclaimer.objects.prefetch_related("personas"):
        _write(root / "disclaimers" / f"{disclaimer.slug}.md", disclaimer_file(disclaimer), written)
    for slug, reviewer in reviewer_slugs(Reviewer.objects.all()).items():
        _write(root / "reviewers" / f"{slug}.md", reviewer_file(reviewer), written)
    for topic in Topic.objects.prefetch_related("related"):
        _write(root / "topics" / topic.slug / "topic.md", topic_file(topic), written)
    variants = Variant.objects.select_related("topic", "persona", "reviewer", "submitted_by").prefetch_related(
        "review_events__reviewer", "review_events__user"
    )
    for variant in variants:
        folder = root / "topics" / variant.topic.slug
        page, draft = variant_files(VariantRecord.from_variant(variant))
        _write(folder / f"{variant.persona.slug}.md", page, written)
        if draft is not None:
            _write(folder / f"{variant.persona.slug}.draft.md", draft, written)
    stale = _stale_files(root, written)
    for path in stale:
        path.unlink()
    return len(written), len(stale)


def reviewer_slugs(reviewers) -> dict[str, Reviewer]:
    """A file name for each reviewer: the name, with the credentials added if two share it."""
    slugs: dict[str, Reviewer] = {}
    for reviewer in sorted(reviewers, key=lambda r: (r.name, r.credentials, r.pk)):
        for candidate in _slug_candidates(reviewer.name, reviewer.credentials):
            if candidate not in slugs:
                slugs[candidate] = reviewer
                break
    return slugs


def _slug_candidates(name: str, credentials: str):
    base = slugify(name, allow_unicode=True) or "reviewer"
    yield base
    yield slugify(f"{name} {credentials}", allow_unicode=True) or base
    number = 2
    while True:
        yield f"{base}-{number}"
        number += 1
