"""Loading the shipped content files into the database.

The rule that keeps editors' work safe: every imported row remembers a fingerprint
of its editable fields as they were when loaded (``imported_hash``). On the next
import, a row whose fields still match that fingerprint is updated from the files;
a row that differs was changed in admin, and is left exactly as the editor left it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
from django.core.exceptions import ValidationError
from django.db import models, transaction

from topics.models import Disclaimer, GlossaryTerm, Persona, Reference, Topic, Variant, normalise_line
from topics.rendering import normalise_text

CONTENT_DIR = Path(__file__).resolve().parent / "content"

REFERENCE_FIELDS = ["kind", "authors", "title", "source", "year", "details", "doi", "pmid", "url"]


class ContentError(Exception):
    """A content file that cannot be loaded; the message names the file."""


@dataclass
class Report:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # changed in admin, so not overwritten

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.kept)} kept as edited in admin"
        )


def fingerprint(values: dict) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def _load(path: Path) -> frontmatter.Post:
    try:
        return frontmatter.load(path)
    except Exception as error:  # YAML errors come in several types; all mean the same to an editor
        raise ContentError(f"{path}: cannot read front matter ({error})") from error


def _lines(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    return "\n".join(str(item).strip() for item in value)


def _sync(
    report: Report,
    label: str,
    instance: models.Model | None,
    model: type[models.Model],
    lookup: dict,
    values: dict,
    current: callable,
    apply_m2m: callable | None = None,
) -> models.Model:
    """Create, update or keep one row according to the fingerprint rule."""
    wanted = fingerprint(values)
    if instance is None:
        instance = model(**lookup, **{k: v for k, v in values.items() if not k.startswith("m2m_")})
        instance.imported_hash = wanted
        instance.save()
        if apply_m2m:
            apply_m2m(instance)
        report.created.append(label)
        return instance
    as_now = fingerprint(current(instance))
    if as_now != instance.imported_hash:
        report.kept.append(label)
        return instance
    if as_now == wanted:
        report.unchanged.append(label)
        return instance
    for name, value in values.items():
        if not name.startswith("m2m_"):
            setattr(instance, name, value)
    instance.imported_hash = wanted
    instance.save()
    if apply_m2m:
        apply_m2m(instance)
    report.updated.append(label)
    return instance


def _reference_values(instance: Reference) -> dict:
    return {name: getattr(instance, name) for name in REFERENCE_FIELDS}


def _import_references(root: Path, report: Report) -> None:
    existing = Reference.objects.in_bulk(field_name="key")
    for path in sorted((root / "references").glob("*.md")):
        meta = _load(path).metadata
        key = str(meta.get("key") or path.stem)
        values = {name: meta.get(name) or ("" if name != "year" else None) for name in REFERENCE_FIELDS}
        values = {k: (str(v) if v is not None and k != "year" else v) for k, v in values.items()}
        _sync(report, f"reference {key}", existing.get(key), Reference, {"key": key}, values, _reference_values)


def _glossary_values(instance: GlossaryTerm) -> dict:
    return {"term": instance.term, "other_forms": instance.other_forms, "definition": instance.definition}


def _import_glossary(root: Path, report: Report) -> None:
    existing = GlossaryTerm.objects.in_bulk(field_name="slug")
    for path in sorted((root / "glossary").glob("*.md")):
        post = _load(path)
        values = {
            "term": str(post.metadata.get("term") or path.stem),
            "other_forms": _lines(post.metadata.get("other_forms")),
            "definition": post.content.strip(),
        }
        _sync(
            report,
            f"glossary {path.stem}",
            existing.get(path.stem),
            GlossaryTerm,
            {"slug": path.stem},
            values,
            _glossary_values,
        )


def _import_disclaimers(root: Path, report: Report, personas: dict[str, Persona]) -> None:
    existing = Disclaimer.objects.in_bulk(field_name="slug")

    def current(instance: Disclaimer) -> dict:
        return {
            "title": instance.title,
            "text": instance.text,
            "order": instance.order,
            "m2m_personas": sorted(instance.personas.values_list("slug", flat=True)),
        }

    for path in sorted((root / "disclaimers").glob("*.md")):
        post = _load(path)
        slugs = sorted(str(s) for s in post.metadata.get("personas") or [])
        unknown = [s for s in slugs if s not in personas]
        if unknown:
            raise ContentError(f"{path}: unknown persona(s) {', '.join(unknown)}")
        values = {
            "title": str(post.metadata.get("title") or path.stem),
            "text": post.content.strip(),
            "order": int(post.metadata.get("order") or 0),
            "m2m_personas": slugs,
        }
        _sync(
            report,
            f"disclaimer {path.stem}",
            existing.get(path.stem),
            Disclaimer,
            {"slug": path.stem},
            values,
            current,
            lambda instance, slugs=slugs: instance.personas.set([personas[s] for s in slugs]),
        )


def _topic_values(instance: Topic) -> dict:
    return {
        "title": instance.title,
        "kind": instance.kind,
        "summary": instance.summary,
        "other_names": instance.other_names,
        "order": instance.order,
        "m2m_related": sorted(instance.related.values_list("slug", flat=True)),
    }


def _variant_values(instance: Variant) -> dict:
    return {"title": instance.title, "summary": instance.summary, "body": instance.body, "status": instance.status}


def _import_topics(root: Path, report: Report, personas: dict[str, Persona]) -> None:
    topic_dirs = sorted(p for p in (root / "topics").iterdir() if p.is_dir()) if (root / "topics").exists() else []
    all_slugs = {p.name for p in topic_dirs}
    existing_topics = Topic.objects.in_bulk(field_name="slug")
    kinds = {kind for kind, _ in Topic.Kind.choices}
    statuses = {status for status, _ in Variant.Status.choices}
    pending_related: list[tuple[Topic, list[str]]] = []

    for topic_dir in topic_dirs:
        slug = topic_dir.name
        topic_file = topic_dir / "topic.md"
        if not topic_file.exists():
            raise ContentError(f"{topic_dir}: no topic.md")
        meta = _load(topic_file).metadata
        kind = str(meta.get("kind", ""))
        if kind not in kinds:
            raise ContentError(f"{topic_file}: kind must be one of {', '.join(sorted(kinds))}")
        related = sorted(str(s) for s in meta.get("related") or [])
        missing = [s for s in related if s not in all_slugs]
        if missing:
            raise ContentError(f"{topic_file}: related topic(s) not found: {', '.join(missing)}")
        values = {
            "title": str(meta.get("title") or slug),
            "kind": kind,
            "summary": str(meta.get("summary") or ""),
            "other_names": _lines(meta.get("other_names")),
            "order": int(meta.get("order") or 0),
            "m2m_related": related,
        }
        before = len(report.created) + len(report.updated)
        topic = _sync(report, f"topic {slug}", existing_topics.get(slug), Topic, {"slug": slug}, values, _topic_values)
        if len(report.created) + len(report.updated) > before:
            pending_related.append((topic, related))

        existing_variants = {v.persona.slug: v for v in topic.variants.select_related("persona")}
        for variant_file in sorted(topic_dir.glob("*.md")):
            if variant_file.name == "topic.md":
                continue
            persona = personas.get(variant_file.stem)
            if persona is None:
                raise ContentError(f"{variant_file}: no persona named {variant_file.stem!r}")
            post = _load(variant_file)
            status = str(post.metadata.get("status") or Variant.Status.DRAFT)
            if status not in statuses:
                raise ContentError(f"{variant_file}: status must be one of {', '.join(sorted(statuses))}")
            values = {
                # Stored as the model stores text, so the fingerprint matches what a save keeps.
                "title": normalise_line(str(post.metadata.get("title") or "")),
                "summary": normalise_line(str(post.metadata.get("summary") or "")),
                "body": normalise_text(post.content),
                "status": status,
            }
            if len(values["summary"]) > 160:
                raise ContentError(f"{variant_file}: summary is longer than 160 characters")
            probe = Variant(topic=topic, persona=persona, body=values["body"])
            unknown = probe.render().unknown_keys
            if unknown:
                raise ContentError(f"{variant_file}: unknown reference key(s) {', '.join(unknown)}")
            before = len(report.created) + len(report.updated)
            variant = _sync(
                report,
                f"variant {slug}/{persona.slug}",
                existing_variants.get(persona.slug),
                Variant,
                {"topic": topic, "persona": persona},
                values,
                _variant_values,
            )
            if len(report.created) + len(report.updated) > before and status == Variant.Status.PUBLISHED:
                # Shipped content goes live through the one publishing path, as the
                # release process (no user), and is recorded as not medically reviewed.
                try:
                    variant.publish(by=None, override_reason="")
                except ValidationError as error:
                    raise ContentError(f"{variant_file}: cannot publish: {' '.join(error.messages)}") from error
                variant.imported_hash = fingerprint(_variant_values(variant))
                variant.save(update_fields=["imported_hash"])

    # Related topics point at each other, so they are set once every topic exists.
    by_slug = Topic.objects.in_bulk(field_name="slug")
    for topic, related in pending_related:
        topic.related.set([by_slug[s] for s in related])
        topic.imported_hash = fingerprint(_topic_values(topic))
        topic.save(update_fields=["imported_hash"])


@transaction.atomic
def import_content(root: Path = CONTENT_DIR) -> Report:
    """Load every content file under ``root``. All or nothing: a bad file changes nothing."""
    report = Report()
    personas = Persona.objects.in_bulk(field_name="slug")
    _import_references(root, report)
    _import_glossary(root, report)
    _import_disclaimers(root, report, personas)
    _import_topics(root, report, personas)
    return report
