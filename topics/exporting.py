"""Writing the content back to files, the reverse of topics.importing.

The files are the site's record in version control, so the export writes exactly
the format they are kept in: the same keys in the same order, double-quoted text,
LF line endings and one newline at the end. Exporting what was just imported
gives the same bytes, and a one-sentence change in admin is a one-line diff.

Everything goes out, so nothing is lost on the way to another database: the live
text of every page with its medical review and review record, a pending draft
beside it (``<persona>.draft.md``), pages never published, and the review board.
The format is described in topics/content/README.md.
"""

from __future__ import annotations

import datetime
import functools
import re
from pathlib import Path

from django.utils.text import slugify
from frontmatter.default_handlers import YAMLHandler

from topics.importing import REFERENCE_FIELDS, EventRecord, Text, VariantRecord
from topics.models import Disclaimer, GlossaryTerm, Reference, Reviewer, Topic, Variant
from topics.rendering import normalise_text

# ---------------------------------------------------------------------------
# A small YAML emitter for the few kinds of value the files hold. PyYAML's dumper
# (what python-frontmatter uses) chooses its own quoting, wraps long lines and
# reorders nothing predictably, so every export would rewrite every file.


class Word(str):
    """An identifier (a kind, a status, a slug): written bare when YAML reads it back unchanged."""


class Flow(list):
    """A list written on one line, ``[a, b]``, as glossary forms and disclaimer personas are."""


BARE_WORD_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")

# What YAML treats as line breaks or cannot hold unescaped: written as escapes so that a
# value always stays on one line and reads back exactly.
NAMED_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}


def _escape(char: str) -> str:
    if char in NAMED_ESCAPES:
        return NAMED_ESCAPES[char]
    code = ord(char)
    printable = (
        0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
        or 0x10000 <= code <= 0x10FFFF
    )
    # U+0085, U+2028 and U+2029 are line breaks to YAML, so they are escaped too
    # (they are outside the printable ranges above).
    if printable:
        return char
    if code <= 0xFF:
        return f"\\x{code:02X}"
    if code <= 0xFFFF:
        return f"\\u{code:04X}"
    return f"\\U{code:08X}"


def quote(text: str) -> str:
    """A double-quoted YAML scalar that reads back as exactly ``text``."""
    return '"' + "".join(_escape(char) for char in text) + '"'


@functools.lru_cache(maxsize=1024)
def _reads_back(word: str) -> bool:
    # "yes", "null", "2024" or "2026-12-01" would come back as a bool, None, a number or a date.
    return YAMLHandler().load(f"value: {word}") == {"value": word}


def scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Word) and BARE_WORD_RE.fullmatch(value) and _reads_back(value):
        return str(value)
    if isinstance(value, str):
        return quote(value)
    raise TypeError(f"cannot write {value!r} to a content file")


def yaml_lines(fields: dict, indent: str = "") -> list[str]:
    """Front matter lines for ``fields``, in their order; None leaves a key out."""
    lines = []
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, Flow):
            lines.append(f"{indent}{key}: [{', '.join(scalar(item) for item in value)}]")
        elif isinstance(value, dict):
            lines.append(f"{indent}{key}:")
            lines.extend(yaml_lines(value, indent + "  "))
        elif isinstance(value, list):
            if not value:
                lines.append(f"{indent}{key}: []")
                continue
            lines.append(f"{indent}{key}:")
            for item in value:
                if isinstance(item, dict):
                    first, *rest = yaml_lines(item, indent + "    ")
                    lines.append(f"{indent}  - {first.lstrip()}")
                    lines.extend(rest)
                else:
                    lines.append(f"{indent}  - {scalar(item)}")
        else:
            lines.append(f"{indent}{key}: {scalar(value)}")
    return lines


def document(fields: dict, body: str = "") -> str:
    """A content file: front matter, then a blank line and the Markdown body if there is one."""
    text = "---\n" + "".join(line + "\n" for line in yaml_lines(fields)) + "---\n"
    body = normalise_text(body)
    return text + (f"\n{body}\n" if body else "")


# ---------------------------------------------------------------------------
# One function per kind of file: the keys in the order the files keep them.


def reference_file(ref: Reference) -> str:
    fields = {"key": ref.key, "kind": str(ref.kind)}
    for name in REFERENCE_FIELDS[1:]:
        value = getattr(ref, name)
        fields[name] = None if value in ("", None) else value
    return document(fields)


def glossary_file(term: GlossaryTerm) -> str:
    return document({"term": term.term, "other_forms": Flow(term.other_forms_list)}, term.definition)


def disclaimer_file(disclaimer: Disclaimer) -> str:
    # Personas in the picker's order, as a reader would list them.
    personas = Flow(Word(p.slug) for p in sorted(disclaimer.personas.all(), key=lambda p: (p.order, p.slug)))
    return document({"title": disclaimer.title, "personas": personas, "order": disclaimer.order}, disclaimer.text)


def topic_file(topic: Topic) -> str:
    return document(
        {
            "title": topic.title,
            "kind": Word(topic.kind),
            "summary": topic.summary,
            "other_names": topic.other_names_list,
            # Sorted by slug, so adding one is a one-line diff; pages sort them by title anyway.
            "related": sorted(Word(t.slug) for t in topic.related.all()),
            # Only on the pages that have some (gene and syndrome pages), so other files stay as they were.
            "resources": [_resource_fields(entry) for entry in topic.resources] or None,
            "order": topic.order,
        }
    )


def _resource_fields(entry: dict) -> dict:
    return {"resource": Word(entry["resource"]), "id": entry.get("id"), "search": entry.get("search")}


def reviewer_file(reviewer: Reviewer) -> str:
    # Never the user account or its e-mail address: the board, not who signs in as whom.
    return document({"name": reviewer.name, "credentials": reviewer.credentials, "active": reviewer.active})


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _moment(value: datetime.datetime | None) -> str | None:
    return value.astimezone(datetime.UTC).isoformat() if value else None


def _event_fields(event: EventRecord) -> dict:
    name, credentials = event.reviewer or (None, None)
    return {
        "action": Word(event.action),
        "revision": event.revision,
        "at": _moment(event.at),
        "reviewer": name,
        "credentials": credentials,
        "by": event.by or None,
        "note": event.note or None,
        "override_reason": event.override_reason or None,
    }


def _working_fields(record: VariantRecord, text: Text, updated: datetime.date | None = None) -> dict:
    """The working text's front matter: in the page's file, or in its .draft.md beside a live text.

    ``updated`` (the day the live text was written) only goes in the file holding the live text.
    """
    fields = {"title": text.title, "summary": text.summary, "status": Word(record.status), "updated": _date(updated)}
    if record.detailed:
        fields |= {
            "revision": record.revision,
            "submitted_revision": record.submitted_revision,
            "submitted_at": _moment(record.submitted_at),
            "submitted_by": record.submitted_by or None,
        }
    return fields


def variant_files(record: VariantRecord) -> tuple[str, str | None]:
    """The page's file and, when a pending text differs from the live one, its draft file."""
    if record.has_draft:
        live = record.live
        fields = {
            "title": live.title,
            "summary": live.summary,
            "status": Word(Variant.Status.PUBLISHED.value),
            "updated": _date(record.updated),
        }
        body = live.body
    else:
        # The working text is the live text (or nothing is live): one file holds it all.
        text = record.live or record.working
        fields = _working_fields(record, text, updated=record.updated)
        body = text.body
    if record.detailed:
        name, credentials = record.reviewer or (None, None)
        review = {
            "reviewer": name,
            "credentials": credentials,
            "last_reviewed": _date(record.last_reviewed),
            "next_review_due": _date(record.next_review_due),
            "notes": record.review_notes or None,
            "grade_override_reason": record.override_reason or None,
            "published_at": _moment(record.published_at),
            "revision": record.published_revision,
        }
        fields["review"] = {key: value for key, value in review.items() if value is not None} or None
        fields["review_record"] = [_event_fields(event) for event in record.events] or None
    draft = None
    if record.has_draft:
        draft = document(_working_fields(record, record.working), record.working.body)
    return document(fields, body), draft


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
