"""Loading the content files into the database (the format is in topics/content/README.md).

The rule that keeps editors' work safe: every imported row remembers a fingerprint
of what was loaded into it (``imported_hash``). On the next import, a row that still
matches that fingerprint is updated from the files; a row that differs was changed
in admin, and is left exactly as the editor left it.

The release phase runs this on every deploy, so it is idempotent. It never invents
a medical review: a page's reviewer, review dates, notes and review record come only
from its file (written by ``export_content``); a page whose file has none is
published as the release, "not yet medically reviewed".

Nor does it undo one. A fingerprint only says that nobody changed a row since files
last matched it, and deploying an export makes the files match: redeploying the
commit before would then roll back the review it carried. So a file replaces a page
only when it descends from what the database holds (``why_older``): it records every
review step the database has, and a text revision at least as new. Otherwise the page
is left alone, and the report says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction

from topics import invalidation, workflow
from topics import resources as outside_resources
from topics.content_files import (
    CONTENT_DIR,
    DRAFT_SUFFIX,
    REFERENCE_FIELDS,
    ContentError,
    Text,
    VariantRecord,
    as_lines,
    check_markdown,
    fingerprint,
    read_document,
)
from topics.models import (
    ABOUT_SLUG,
    Disclaimer,
    GlossaryTerm,
    Persona,
    Reference,
    Reviewer,
    ReviewEvent,
    Topic,
    Variant,
    about_page_name,
)


@dataclass
class Report:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # changed in admin, so not overwritten
    # Pages whose files are older than the database (an earlier deploy's), with the reason.
    left_alone: dict[str, str] = field(default_factory=dict)
    # Pages a reviewer took down: a release never puts them back up.
    withdrawn: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.kept)} kept as edited in admin, "
            f"{len(self.left_alone)} left alone as newer than their files, "
            f"{len(self.withdrawn)} left withdrawn"
        )


def why_older(stored: VariantRecord, file: VariantRecord) -> str | None:
    """Why a page's files do not descend from what the database holds for it; None when they do.

    Review steps only ever accumulate, and a text's revision only ever grows, so a file
    exported later holds every step and a revision at least as high; an older file (the
    commit before an export, say) lacks some. A file that has no review record at all
    cannot show where it comes from, so it never replaces a page that has one.
    """
    if stored.detailed and not file.detailed:
        return f"its files hold no review record, and the database holds {_held(stored)}"
    in_file = {step.key for step in file.events}
    # The release's own steps are left out: another database loaded the same files at another time.
    missing = [step for step in stored.events if not step.is_release and step.key not in in_file]
    if missing:
        newest = [step.describe() for step in reversed(missing[-3:])]
        more = f" and {len(missing) - 3} earlier" if len(missing) > 3 else ""
        return f"the database records review steps its files do not: {'; '.join(newest)}{more}"
    for name, label in (("revision", "of the text"), ("published_revision", "live")):
        held, written = getattr(stored, name), getattr(file, name)
        if held is not None and (written is None or written < held):
            return f"the database holds revision {held} {label}, its files {_revision(written)}"
    if stored.has_draft and not file.detailed and file.working != stored.working:
        return "the database holds a pending text that its files do not"
    if stored.reviewer and stored.live is not None and file.live != stored.live:
        new_review = any(
            step.action == ReviewEvent.Action.APPROVED and step.revision == file.published_revision
            for step in file.events
            if step.key not in {held.key for held in stored.events}
        )
        if not new_review:
            return (
                f"its files change the live text {stored.reviewer[0]} reviewed without recording a review of "
                "the new text; change it in admin, where a reviewer approves it"
            )
    return None


def _held(record: VariantRecord) -> str:
    parts = []
    if record.reviewer:
        on = f" on {record.last_reviewed:%Y-%m-%d}" if record.last_reviewed else ""
        parts.append(f"a medical review by {record.reviewer[0]}{on}")
    if record.status == Variant.Status.REVIEW:
        parts.append(f"revision {record.revision} waiting for review")
    elif record.has_draft:
        parts.append(f"a pending draft (revision {record.revision})")
    steps = [step for step in record.events if not step.is_release]
    if steps and not parts:
        parts.append(f"review steps, the last {steps[-1].describe()}")
    return " and ".join(parts) or "a review record"


def _revision(number: int | None) -> str:
    return "none" if number is None else f"revision {number}"


# ---------------------------------------------------------------------------


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
    if as_now == wanted:
        # Already what the files say (an editor's change that was exported and committed
        # counts too): in step with the files from now on.
        if instance.imported_hash != wanted:
            model.objects.filter(pk=instance.pk).update(imported_hash=wanted)
        report.unchanged.append(label)
        return instance
    if as_now != instance.imported_hash:
        report.kept.append(label)
        return instance
    if reason := _superseded(instance, values):
        report.left_alone[label] = reason
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


def _superseded(instance: models.Model, values: dict) -> str | None:
    """Why a file that holds what this row said before someone changed it in admin is older than the row.

    Rows without a review record of their own (a glossary definition, a disclaimer, a
    reference, a topic's names) keep their history: a file equal to an earlier version,
    followed there by a person's change, comes from before that change (the commit
    before an export, say). Many-to-many values have no history and are not compared.
    """
    history = getattr(instance, "history", None)
    if history is None:
        return None
    plain = {name: value for name, value in values.items() if not name.startswith("m2m_")}
    records = list(history.order_by("history_date", "history_id").select_related("history_user"))
    for index in range(len(records) - 1, -1, -1):
        if all(getattr(records[index], name) == value for name, value in plain.items()):
            changes = [record for record in records[index + 1 :] if record.history_user is not None]
            if not changes:
                return None
            last = changes[-1]
            return (
                f"its file holds what it said before {last.history_user.get_username()} changed it in admin "
                f"on {last.history_date:%Y-%m-%d}"
            )
    return None


def _reference_values(instance: Reference) -> dict:
    return {name: getattr(instance, name) for name in REFERENCE_FIELDS}


def _import_references(root: Path, report: Report) -> None:
    existing = Reference.objects.in_bulk(field_name="key")
    for path in sorted((root / "references").glob("*.md")):
        meta, _body = read_document(path)
        key = str(meta.get("key") or path.stem)
        values = {name: meta.get(name) or ("" if name != "year" else None) for name in REFERENCE_FIELDS}
        values = {k: (str(v) if v is not None and k != "year" else v) for k, v in values.items()}
        _sync(report, f"reference {key}", existing.get(key), Reference, {"key": key}, values, _reference_values)


def _glossary_values(instance: GlossaryTerm) -> dict:
    return {"term": instance.term, "other_forms": instance.other_forms, "definition": instance.definition}


def _import_glossary(root: Path, report: Report) -> None:
    existing = GlossaryTerm.objects.in_bulk(field_name="slug")
    for path in sorted((root / "glossary").glob("*.md")):
        meta, body = read_document(path)
        check_markdown(body, path)
        values = {
            "term": str(meta.get("term") or path.stem),
            "other_forms": as_lines(meta.get("other_forms")),
            "definition": body.strip(),
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
        meta, body = read_document(path)
        slugs = sorted(str(s) for s in meta.get("personas") or [])
        unknown = [s for s in slugs if s not in personas]
        if unknown:
            raise ContentError(f"{path}: unknown persona(s) {', '.join(unknown)}")
        check_markdown(body, path)
        values = {
            "title": str(meta.get("title") or path.stem),
            "text": body.strip(),
            "order": int(meta.get("order") or 0),
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


def _reviewer(identity: tuple[str, str] | None, path: Path, active: bool = True) -> Reviewer | None:
    """The board member with this name and credentials, added (without an account) if missing."""
    if identity is None:
        return None
    name, credentials = identity
    reviewer = Reviewer.objects.filter(name=name, credentials=credentials).first()
    if reviewer is None:
        reviewer = Reviewer(name=name, credentials=credentials, active=active)
        try:
            reviewer.full_clean()
        except ValidationError as error:
            raise ContentError(f"{path}: reviewer {name!r}: {' '.join(error.messages)}") from error
        reviewer.save()
    return reviewer


def _import_reviewers(root: Path, report: Report) -> None:
    for path in sorted((root / "reviewers").glob("*.md")):
        meta, _body = read_document(path)
        name = str(meta.get("name") or "")
        if not name.strip():
            raise ContentError(f"{path}: a reviewer needs a name")
        active = meta.get("active", True)
        if not isinstance(active, bool):
            raise ContentError(f"{path}: active must be true or false")
        identity = (name, str(meta.get("credentials") or ""))
        existing = Reviewer.objects.filter(name=identity[0], credentials=identity[1]).first()
        label = f"reviewer {path.stem}"
        if existing is None:
            _reviewer(identity, path, active)
            report.created.append(label)
        elif existing.active == active:
            report.unchanged.append(label)
        else:
            # Who is on the board is the operators' call in admin: a file never re-activates
            # or retires someone.
            report.kept.append(label)


def _topic_values(instance: Topic) -> dict:
    return {
        "title": instance.title,
        "kind": instance.kind,
        "summary": instance.summary,
        "other_names": instance.other_names,
        "order": instance.order,
        "resources": instance.resources,
        "m2m_related": sorted(instance.related.values_list("slug", flat=True)),
    }


def _variant_values(instance: Variant) -> dict:
    """What rows loaded before review records existed were fingerprinted by (still recognised)."""
    return {"title": instance.title, "summary": instance.summary, "body": instance.body, "status": instance.status}


def _user(username: str):
    """The account with this username, if this database has one; accounts are never created here."""
    if not username:
        return None
    user_model = get_user_model()
    return user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()


def _check_citations(topic: Topic, persona: Persona, text: Text | None, path: Path) -> None:
    if text is None:
        return
    unknown = Variant(topic=topic, persona=persona, body=text.body).render().unknown_keys
    if unknown:
        raise ContentError(f"{path}: unknown reference key(s) {', '.join(unknown)}")


def _apply(variant: Variant, record: VariantRecord, path: Path) -> None:
    """Make the variant what its files say, through the one publishing path."""
    if record.live is not None and (
        not variant.is_live or Text(variant.live_title, variant.live_summary, variant.live_body) != record.live
    ):
        variant.title, variant.summary, variant.body = record.live.title, record.live.summary, record.live.body
        before = set(variant.review_events.values_list("pk", flat=True)) if variant.pk else set()
        try:
            # Published as it is saved, in one step: history records the new text going
            # live, never a "published → draft" that did not happen. A page that was
            # published above its reading-grade target goes live again with its reason.
            workflow.publish(variant, by=None, override_reason=record.override_reason)
        except ValidationError as error:
            raise ContentError(f"{path}: cannot publish: {' '.join(error.messages)}") from error
        if record.detailed:
            # The file's own record says how this text went live; loading it is not a new release.
            variant.review_events.exclude(pk__in=before).delete()
    variant.title, variant.summary, variant.body = record.working.title, record.working.summary, record.working.body
    # Given its recorded status as it is saved (the release's own step): saving changed
    # text "in review" would record a resubmission and e-mail the reviewers, and a page
    # the release leaves published is not saved at all.
    workflow.save_draft(variant, by=None, status=record.status)
    restored: dict = {}
    if record.live is not None:
        # The day the text was written, from its file: publishing just now set today,
        # which for shipped content is only the day of the release. No date: none shown.
        restored["written_on"] = record.updated
    if record.detailed:
        reviewer = _reviewer(record.reviewer, path)
        restored |= {
            "reviewer": reviewer,
            "last_reviewed": record.last_reviewed,
            "next_review_due": record.next_review_due,
            "review_notes": record.review_notes,
            "grade_override_reason": record.override_reason,
            "submitted_revision": record.submitted_revision,
            "submitted_at": record.submitted_at,
            "submitted_by": _user(record.submitted_by),
        }
        if record.revision is not None:
            restored["revision"] = record.revision
        if record.live is not None:
            restored["published_by"] = reviewer.user if reviewer else None
            if record.published_at is not None:
                restored["published_at"] = record.published_at
            if record.published_revision is not None:
                restored["published_revision"] = record.published_revision
    else:
        # Published by the release: the page says plainly that it is not medically reviewed.
        restored |= {
            "reviewer": None,
            "last_reviewed": None,
            "next_review_due": None,
            "review_notes": "",
            "grade_override_reason": "",
        }
    # Recorded facts, not an edit: written as they were, without a new revision or history entry.
    Variant.objects.filter(pk=variant.pk).update(**restored)
    for event in record.events:
        reviewer = _reviewer(event.reviewer, path)
        ReviewEvent.objects.get_or_create(
            variant=variant,
            action=event.action,
            revision=event.revision,
            at=event.at,
            defaults={
                "reviewer": reviewer,
                "user": reviewer.user if reviewer else _user(event.by),
                "note": event.note,
                "override_reason": event.override_reason,
            },
        )


def _import_variant(
    report: Report, label: str, topic: Topic, persona: Persona, variant: Variant | None, path: Path
) -> None:
    draft_path = path.with_name(path.stem + DRAFT_SUFFIX)
    record = VariantRecord.from_files(path, draft_path if draft_path.exists() else None)
    if record.live is not None:
        check_markdown(record.live.body, path)
    check_markdown(record.working.body, draft_path if record.has_draft else path)
    _check_citations(topic, persona, record.live, path)
    _check_citations(topic, persona, record.working, draft_path if record.has_draft else path)
    wanted = record.fingerprint()
    if variant is not None and variant.is_withdrawn:
        # A reviewer took this page down: only a reviewer puts it back (by publishing it).
        report.withdrawn.append(f"{label} (taken down on {variant.withdrawn_at:%Y-%m-%d})")
        return
    if variant is not None:
        as_now = VariantRecord.from_variant(variant)
        loaded_before_records = (
            variant.imported_hash == fingerprint(_variant_values(variant))
            and not as_now.detailed
            and not as_now.has_draft
        )
        if as_now.fingerprint() == wanted:
            # Already what the files say, an exported editor's change included: in step from now on.
            if variant.imported_hash != wanted:
                Variant.objects.filter(pk=variant.pk).update(imported_hash=wanted)
            report.unchanged.append(label)
            return
        if variant.imported_hash != as_now.fingerprint() and not loaded_before_records:
            report.kept.append(label)
            return
        if variant.is_live and record.live is None:
            # Files never take a live page down; that is a reviewer's decision in admin.
            report.kept.append(f"{label} (live; its file has no published text)")
            return
        if reason := why_older(as_now, record):
            report.left_alone[label] = reason
            return
        report.updated.append(label)
    else:
        variant = Variant(topic=topic, persona=persona)
        report.created.append(label)
    _apply(variant, record, path)
    variant = Variant.objects.prefetch_related("review_events__reviewer", "review_events__user").get(pk=variant.pk)
    Variant.objects.filter(pk=variant.pk).update(imported_hash=VariantRecord.from_variant(variant).fingerprint())


def _import_topics(root: Path, report: Report, personas: dict[str, Persona]) -> None:
    topic_dirs = sorted(p for p in (root / "topics").iterdir() if p.is_dir()) if (root / "topics").exists() else []
    all_slugs = {p.name for p in topic_dirs}
    existing_topics = Topic.objects.in_bulk(field_name="slug")
    kinds = {kind for kind, _ in Topic.Kind.choices}
    pending_related: list[tuple[Topic, list[str]]] = []

    for topic_dir in topic_dirs:
        slug = topic_dir.name
        topic_file = topic_dir / "topic.md"
        if not topic_file.exists():
            raise ContentError(f"{topic_dir}: no topic.md")
        meta, _body = read_document(topic_file)
        kind = str(meta.get("kind", ""))
        if kind not in kinds:
            raise ContentError(f"{topic_file}: kind must be one of {', '.join(sorted(kinds))}")
        if kind == Topic.Kind.ABOUT and about_page_name(slug) is None:
            raise ContentError(f"{topic_file}: an about page's folder is {ABOUT_SLUG} or {ABOUT_SLUG}-<page>")
        related = sorted(str(s) for s in meta.get("related") or [])
        missing = [s for s in related if s not in all_slugs]
        if missing:
            raise ContentError(f"{topic_file}: related topic(s) not found: {', '.join(missing)}")
        try:
            resources = outside_resources.check(meta.get("resources"))
        except ValidationError as error:
            raise ContentError(f"{topic_file}: resources: {' '.join(error.messages)}") from error
        values = {
            "title": str(meta.get("title") or slug),
            "kind": kind,
            "summary": str(meta.get("summary") or ""),
            "other_names": as_lines(meta.get("other_names")),
            "order": int(meta.get("order") or 0),
            "resources": resources,
            "m2m_related": related,
        }
        before = len(report.created) + len(report.updated)
        topic = _sync(report, f"topic {slug}", existing_topics.get(slug), Topic, {"slug": slug}, values, _topic_values)
        if len(report.created) + len(report.updated) > before:
            pending_related.append((topic, related))

        existing_variants = {
            v.persona.slug: v
            for v in topic.variants.select_related("persona", "reviewer", "submitted_by").prefetch_related(
                "review_events__reviewer", "review_events__user"
            )
        }
        for variant_file in sorted(topic_dir.glob("*.md")):
            if variant_file.name == "topic.md":
                continue
            if variant_file.name.endswith(DRAFT_SUFFIX):
                if not variant_file.with_name(variant_file.name.removesuffix(DRAFT_SUFFIX) + ".md").exists():
                    raise ContentError(f"{variant_file}: a draft without its page's file")
                continue
            persona = personas.get(variant_file.stem)
            if persona is None:
                raise ContentError(f"{variant_file}: no persona named {variant_file.stem!r}")
            label = f"variant {slug}/{persona.slug}"
            _import_variant(report, label, topic, persona, existing_variants.get(persona.slug), variant_file)

    # Related topics point at each other, so they are set once every topic exists.
    by_slug = Topic.objects.in_bulk(field_name="slug")
    for topic, related in pending_related:
        topic.related.set([by_slug[s] for s in related])
        topic.imported_hash = fingerprint(_topic_values(topic))
        topic.save(update_fields=["imported_hash"])


def refresh_renderings() -> int:
    """Render every page's working and live text again from its own Markdown; how many changed."""
    keys = set(Reference.objects.values_list("key", flat=True))
    return sum(variant.refresh_stored_html(keys) for variant in Variant.objects.select_related("persona"))


@transaction.atomic
def import_content(root: Path = CONTENT_DIR) -> Report:
    """Load every content file under ``root``. All or nothing: a bad file changes nothing."""
    report = Report()
    personas = Persona.objects.in_bulk(field_name="slug")
    _import_references(root, report)
    _import_glossary(root, report)
    _import_disclaimers(root, report, personas)
    _import_reviewers(root, report)
    _import_topics(root, report, personas)
    # Pages are rendered when saved: bring every stored rendering up to the code that ships
    # with this release (a new citation style, say), including pages edited in admin.
    rerendered = refresh_renderings()
    if report.created or report.updated or rerendered:
        # Review fields are restored with queryset updates, which do not bump the content
        # version by themselves: pages must show the restored review line at once.
        invalidation.bump()
    return report
