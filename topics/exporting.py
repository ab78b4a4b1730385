"""Writing the published content back to files, the reverse of topics.importing.

Only what is live goes out: a variant's live text (never a draft), and every
reference, glossary term, disclaimer and topic. Importing what was exported changes
nothing, so the files can be kept in version control as the site's record.
"""

from __future__ import annotations

from pathlib import Path

import frontmatter

from topics.importing import REFERENCE_FIELDS
from topics.models import Disclaimer, GlossaryTerm, Reference, Topic, Variant


def _write(path: Path, metadata: dict, content: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    post = frontmatter.Post(content.strip(), **metadata)
    text = frontmatter.dumps(post, handler=frontmatter.YAMLHandler(), sort_keys=False, allow_unicode=True, width=1000)
    path.write_text(text.rstrip("\n") + "\n")


def export_content(root: Path) -> int:
    written = 0
    for ref in Reference.objects.all():
        meta = {"key": ref.key, **{f: getattr(ref, f) for f in REFERENCE_FIELDS if getattr(ref, f) not in ("", None)}}
        meta["kind"] = str(ref.kind)
        _write(root / "references" / f"{ref.key}.md", meta)
        written += 1
    for term in GlossaryTerm.objects.all():
        _write(
            root / "glossary" / f"{term.slug}.md",
            {"term": term.term, "other_forms": term.other_forms_list},
            term.definition,
        )
        written += 1
    for disclaimer in Disclaimer.objects.prefetch_related("personas"):
        meta = {
            "title": disclaimer.title,
            "personas": sorted(p.slug for p in disclaimer.personas.all()),
            "order": disclaimer.order,
        }
        _write(root / "disclaimers" / f"{disclaimer.slug}.md", meta, disclaimer.text)
        written += 1
    for topic in Topic.objects.prefetch_related("related"):
        meta = {
            "title": topic.title,
            "kind": str(topic.kind),
            "summary": topic.summary,
            "other_names": topic.other_names_list,
            "related": sorted(t.slug for t in topic.related.all()),
            "order": topic.order,
        }
        _write(root / "topics" / topic.slug / "topic.md", meta)
        written += 1
    for variant in Variant.objects.published().select_related("topic", "persona"):
        meta = {
            "title": variant.live_title,
            "summary": variant.live_summary,
            "status": str(Variant.Status.PUBLISHED.value),
        }
        _write(root / "topics" / variant.topic.slug / f"{variant.persona.slug}.md", meta, variant.live_body)
        written += 1
    return written
