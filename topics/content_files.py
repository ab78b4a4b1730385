"""The content-file format, in one place: how topics/content/ files are read and written.

Loading (topics.importing) and exporting (topics.exporting) both go through this module,
so the two can never disagree about a key, a date or a quote. The files are the site's
record in version control: exporting what was just loaded gives the same bytes, and a
one-sentence change in admin is a one-line diff. The format is described for people in
topics/content/README.md.

Reading is PyYAML's safe loader (through python-frontmatter's handler, which finds the
front matter); writing is PyYAML's dumper, told the few styles the files keep: keys and
identifiers bare, text double-quoted on one line, lists one item per line except the
one-line lists (``Flow``).
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from frontmatter.default_handlers import YAMLHandler

from topics.models import Disclaimer, GlossaryTerm, Reference, Reviewer, ReviewEvent, Topic, Variant, normalise_line
from topics.rendering import TooComplex, check_complexity, normalise_text

CONTENT_DIR = Path(__file__).resolve().parent / "content"

REFERENCE_FIELDS = ["kind", "authors", "title", "source", "year", "details", "doi", "pmid", "url"]
DRAFT_SUFFIX = ".draft.md"


class ContentError(Exception):
    """A content file that cannot be loaded; the message names the file."""


# Values added to the files after rows were first loaded: left out of a fingerprint while
# empty, so that a row loaded before they existed is still recognised as unchanged.
ADDED_LATER = {"resources"}


def fingerprint(values: dict) -> str:
    """What a row held as loaded from its file (``imported_hash``): a change in admin changes it."""
    values = {key: value for key, value in values.items() if value or key not in ADDED_LATER}
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


# ---------------------------------------------------------------------------
# Reading. What the files say about one variant, whether read from them or from the database:
# the exporter writes it, the importer compares and applies it.


@dataclass(frozen=True)
class Text:
    title: str
    summary: str
    body: str


@dataclass(frozen=True)
class EventRecord:
    """One step of the review record. ``reviewer`` is (name, credentials); ``by`` the username otherwise."""

    action: str
    revision: int
    at: datetime.datetime
    reviewer: tuple[str, str] | None = None
    by: str = ""
    note: str = ""
    override_reason: str = ""

    @classmethod
    def from_event(cls, event: ReviewEvent) -> EventRecord:
        reviewer = (event.reviewer.name, event.reviewer.credentials) if event.reviewer else None
        by = "" if reviewer or event.user is None else event.user.get_username()
        return cls(event.action, event.revision, event.at, reviewer, by, event.note, event.override_reason)

    @property
    def key(self) -> tuple[str, int, datetime.datetime]:
        """What identifies a step across databases (as loading matches them)."""
        return (self.action, self.revision, self.at)

    def describe(self) -> str:
        who = self.reviewer[0] if self.reviewer else self.by
        return f"{self.action} (revision {self.revision}, {self.at:%Y-%m-%d %H:%M} UTC{', ' + who if who else ''})"

    @property
    def is_release(self) -> bool:
        """The release loading a page from the files: what a file without a review record implies."""
        return self.action == ReviewEvent.Action.RELEASED and not (
            self.reviewer or self.by or self.note or self.override_reason
        )


@dataclass(frozen=True)
class VariantRecord:
    """A variant as its files describe it.

    ``detailed`` is false for a page that only the release has published (what the
    shipped files hold): then nothing but its texts and status goes out. Otherwise
    the review fields, the working text's bookkeeping and the whole review record do.
    """

    status: str
    working: Text
    live: Text | None = None
    # The day the live text was written or last changed (`updated` in the page's file).
    updated: datetime.date | None = None
    detailed: bool = False
    reviewer: tuple[str, str] | None = None
    last_reviewed: datetime.date | None = None
    next_review_due: datetime.date | None = None
    review_notes: str = ""
    override_reason: str = ""
    published_at: datetime.datetime | None = None
    published_revision: int | None = None
    revision: int | None = None
    submitted_revision: int | None = None
    submitted_at: datetime.datetime | None = None
    submitted_by: str = ""
    events: tuple[EventRecord, ...] = ()

    @property
    def has_draft(self) -> bool:
        """A pending working text beside the live one: written to ``<persona>.draft.md``."""
        return self.live is not None and (self.working != self.live or self.status != Variant.Status.PUBLISHED)

    def fingerprint(self) -> str:
        # The review record only grows, and is merged rather than compared. The submitter
        # is an account that another database may not have, so it is not compared either.
        values = dataclasses.asdict(self)
        del values["events"], values["submitted_by"]
        if values["updated"] is None:
            # Left out rather than None, so rows loaded before pages carried a date keep
            # their fingerprint: the next load then adds the date instead of taking the
            # row for an editor's change.
            del values["updated"]
        return fingerprint(values)

    @classmethod
    def from_variant(cls, variant: Variant) -> VariantRecord:
        live = Text(variant.live_title, variant.live_summary, variant.live_body) if variant.is_live else None
        working = Text(variant.title, variant.summary, variant.body)
        ordered = sorted(variant.review_events.all(), key=lambda event: (event.at, event.pk))
        events = tuple(EventRecord.from_event(event) for event in ordered)
        detailed = bool(
            variant.reviewer_id
            or variant.last_reviewed
            or variant.next_review_due
            or variant.review_notes
            or variant.grade_override_reason
            or not all(event.is_release for event in events)
        )
        updated = variant.written_on if live else None
        if not detailed:
            return cls(status=variant.status, working=working, live=live, updated=updated)
        reviewer = variant.reviewer
        return cls(
            status=variant.status,
            working=working,
            live=live,
            updated=updated,
            detailed=True,
            reviewer=(reviewer.name, reviewer.credentials) if reviewer else None,
            last_reviewed=variant.last_reviewed,
            next_review_due=variant.next_review_due,
            review_notes=variant.review_notes,
            override_reason=variant.grade_override_reason,
            published_at=variant.published_at,
            published_revision=variant.published_revision if live else None,
            revision=variant.revision,
            submitted_revision=variant.submitted_revision,
            submitted_at=variant.submitted_at,
            submitted_by=variant.submitted_by.get_username() if variant.submitted_by else "",
            events=events,
        )

    @classmethod
    def from_files(cls, path: Path, draft_path: Path | None) -> VariantRecord:
        meta, body = read_document(path)
        status = _status(meta, path)
        text = _text(meta, body, path)
        if status == Variant.Status.PUBLISHED:
            live = text
            if draft_path is not None:
                working_meta, draft_body = read_document(draft_path)
                working, working_status = _text(working_meta, draft_body, draft_path), _status(working_meta, draft_path)
                if working_status == Variant.Status.PUBLISHED:
                    raise ContentError(f"{draft_path}: a draft's status is draft or review; the live text is {path}")
            else:
                working_meta, working, working_status = meta, text, status
        else:
            if draft_path is not None:
                raise ContentError(f"{draft_path}: {path.name} is not published, so it holds the working text itself")
            live, working_meta, working, working_status = None, meta, text, status
        updated = _date(meta.get("updated"), "updated", path)
        if updated is not None and live is None:
            raise ContentError(f"{path}: updated is the day the published text was written; this page is not published")
        review = _mapping(meta.get("review"), "review", path)
        events = meta.get("review_record")
        if not review and events is None:
            return cls(status=working_status, working=working, live=live, updated=updated)
        if events is not None and not isinstance(events, list):
            raise ContentError(f"{path}: review_record must be a list of steps")
        working_path = draft_path or path
        reviewer = review.get("reviewer")
        if live is None and ("published_at" in review or "revision" in review):
            raise ContentError(f"{path}: a page that is not published has no published_at or revision in review")
        return cls(
            status=working_status,
            working=working,
            live=live,
            updated=updated,
            detailed=True,
            reviewer=(str(reviewer), str(review.get("credentials") or "")) if reviewer else None,
            last_reviewed=_date(review.get("last_reviewed"), "review: last_reviewed", path),
            next_review_due=_date(review.get("next_review_due"), "review: next_review_due", path),
            review_notes=str(review.get("notes") or ""),
            override_reason=str(review.get("grade_override_reason") or ""),
            published_at=_moment(review.get("published_at"), "review: published_at", path),
            published_revision=_number(review.get("revision"), "review: revision", path),
            revision=_number(working_meta.get("revision"), "revision", working_path),
            submitted_revision=_number(working_meta.get("submitted_revision"), "submitted_revision", working_path),
            submitted_at=_moment(working_meta.get("submitted_at"), "submitted_at", working_path),
            submitted_by=str(working_meta.get("submitted_by") or ""),
            events=tuple(_event(step, path) for step in events or []),
        )


STATUSES = {status for status, _ in Variant.Status.choices}
ACTIONS = {action for action, _ in ReviewEvent.Action.choices}


def _status(meta: dict, path: Path) -> str:
    status = str(meta.get("status") or Variant.Status.DRAFT)
    if status not in STATUSES:
        raise ContentError(f"{path}: status must be one of {', '.join(sorted(STATUSES))}")
    return status


def _text(meta: dict, body: str, path: Path) -> Text:
    # Stored as the model stores text, so the fingerprint matches what a save keeps.
    text = Text(
        normalise_line(str(meta.get("title") or "")),
        normalise_line(str(meta.get("summary") or "")),
        normalise_text(body),
    )
    if len(text.summary) > 160:
        raise ContentError(f"{path}: summary is longer than 160 characters")
    return text


def _mapping(value, name: str, path: Path) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ContentError(f"{path}: {name} must be keys and values")
    return value


def _date(value, name: str, path: Path) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ContentError(f"{path}: {name} must be a date such as 2026-12-01") from None


def _moment(value, name: str, path: Path) -> datetime.datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = value if isinstance(value, datetime.datetime) else datetime.datetime.fromisoformat(str(value))
    except ValueError:
        raise ContentError(f"{path}: {name} must be a time such as 2026-12-01T09:30:00+00:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC)


def _number(value, name: str, path: Path) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ContentError(f"{path}: {name} must be a whole number")
    return value


def _event(step, path: Path) -> EventRecord:
    step = _mapping(step, "each step of review_record", path)
    action = str(step.get("action") or "")
    if action not in ACTIONS:
        raise ContentError(f"{path}: review_record action must be one of {', '.join(sorted(ACTIONS))}")
    revision = _number(step.get("revision"), "review_record revision", path)
    at = _moment(step.get("at"), "review_record at", path)
    if revision is None or at is None:
        raise ContentError(f"{path}: every step of review_record has a revision and a time (at)")
    reviewer = step.get("reviewer")
    return EventRecord(
        action=action,
        revision=revision,
        at=at,
        reviewer=(str(reviewer), str(step.get("credentials") or "")) if reviewer else None,
        by=str(step.get("by") or ""),
        note=str(step.get("note") or ""),
        override_reason=str(step.get("override_reason") or ""),
    )


def read_document(path: Path) -> tuple[dict, str]:
    """A file's front matter and its body, exactly as written (only line endings normalised).

    python-frontmatter's own loader strips the body, which would lose the indentation
    of a first line; its YAML handler (safe loading) still reads the front matter.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ContentError(f"{path}: cannot read the file ({error})") from error
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    handler = YAMLHandler()
    if not handler.detect(text):
        return {}, text
    try:
        front, body = handler.split(text)
        metadata = handler.load(front)
    except Exception as error:  # YAML errors come in several types; all mean the same to an editor
        raise ContentError(f"{path}: cannot read front matter ({error})") from error
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise ContentError(f"{path}: the front matter must be keys and values")
    return metadata, body


def check_markdown(text: str, path: Path) -> None:
    """The complexity limits admin applies to every editor's Markdown, applied to a file."""
    try:
        check_complexity(normalise_text(text))
    except TooComplex as error:
        raise ContentError(f"{path}: {error}") from None


def as_lines(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    return "\n".join(str(item).strip() for item in value)


# ---------------------------------------------------------------------------
# Writing.


class Word(str):
    """An identifier (a kind, a status, a slug): written bare when YAML reads it back unchanged."""


class Flow(list):
    """A list written on one line, ``[a, b]``, as glossary forms and disclaimer personas are."""


class _Key(str):
    """A front matter key: always bare."""


BARE_WORD_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")


@functools.lru_cache(maxsize=1024)
def _reads_back(word: str) -> bool:
    # "yes", "null", "2024" or "2026-12-01" would come back as a bool, None, a number or a date.
    return YAMLHandler().load(f"value: {word}") == {"value": word}


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False):
        # List items indented under their key ("  - item"), as the files have always been.
        return super().increase_indent(flow, False)


def _quoted(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Double-quoted: one line whatever the text holds (line breaks become escapes).
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"')


def _word(dumper: yaml.SafeDumper, value: Word) -> yaml.ScalarNode:
    if BARE_WORD_RE.fullmatch(value) and _reads_back(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style="")
    return _quoted(dumper, value)


_Dumper.add_representer(str, _quoted)
_Dumper.add_representer(Word, _word)
_Dumper.add_representer(_Key, lambda dumper, key: dumper.represent_scalar("tag:yaml.org,2002:str", str(key)))
_Dumper.add_representer(Flow, lambda dumper, items: dumper.represent_sequence("tag:yaml.org,2002:seq", items, True))


def _prepared(value):
    """Keys marked bare and empty values left out, all the way down."""
    if isinstance(value, dict):
        return {_Key(key): _prepared(item) for key, item in value.items() if item is not None}
    if isinstance(value, list) and not isinstance(value, Flow):
        return [_prepared(item) for item in value]
    return value


def quote(text: str) -> str:
    """A double-quoted YAML scalar, on one line, that reads back as exactly ``text``."""
    return front_matter({"value": text}).removeprefix("value: ").removesuffix("\n")


def front_matter(fields: dict) -> str:
    """Front matter lines for ``fields``, in their order; None leaves a key out."""
    fields = _prepared(fields)
    if not fields:
        return ""
    return yaml.dump(fields, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=float("inf"))


def document(fields: dict, body: str = "") -> str:
    """A content file: front matter, then a blank line and the Markdown body if there is one."""
    body = normalise_text(body)
    return "---\n" + front_matter(fields) + "---\n" + (f"\n{body}\n" if body else "")


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


def _iso_date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _iso_moment(value: datetime.datetime | None) -> str | None:
    return value.astimezone(datetime.UTC).isoformat() if value else None


def _event_fields(event: EventRecord) -> dict:
    name, credentials = event.reviewer or (None, None)
    return {
        "action": Word(event.action),
        "revision": event.revision,
        "at": _iso_moment(event.at),
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
    fields = {
        "title": text.title,
        "summary": text.summary,
        "status": Word(record.status),
        "updated": _iso_date(updated),
    }
    if record.detailed:
        fields |= {
            "revision": record.revision,
            "submitted_revision": record.submitted_revision,
            "submitted_at": _iso_moment(record.submitted_at),
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
            "updated": _iso_date(record.updated),
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
            "last_reviewed": _iso_date(record.last_reviewed),
            "next_review_due": _iso_date(record.next_review_due),
            "notes": record.review_notes or None,
            "grade_override_reason": record.override_reason or None,
            "published_at": _iso_moment(record.published_at),
            "revision": record.published_revision,
        }
        fields["review"] = {key: value for key, value in review.items() if value is not None} or None
        fields["review_record"] = [_event_fields(event) for event in record.events] or None
    draft = None
    if record.has_draft:
        draft = document(_working_fields(record, record.working), record.working.body)
    return document(fields, body), draft
