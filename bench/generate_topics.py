"""Add N generated topics, each published in every persona, for `make bench --topics N`.

Run by bench/run.py against its own throwaway database; never against real content.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insr_site.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from topics import workflow  # noqa: E402
from topics.models import Persona, Reference, Topic, Variant  # noqa: E402


def main(count: int) -> None:
    personas = list(Persona.objects.all())
    keys = list(Reference.objects.values_list("key", flat=True)[:20])
    body = "\n\n".join(
        f"## Part {n}\n\nThis is generated text for measuring speed. It cites a source [@{key}]."
        for n, key in enumerate(keys)
    )
    existing = set(Topic.objects.filter(slug__startswith="generated-").values_list("slug", flat=True))
    missing = [n for n in range(count) if f"generated-{n}" not in existing]
    if not missing:
        return
    with transaction.atomic():
        # Every generated page has the same text: publish it once per persona, the real way,
        # then copy what publishing stored (rendering 8,000 copies took half an hour on a
        # busy 2-core machine and measured nothing the pages need).
        def new_topic(n: int) -> Topic:
            return Topic(
                slug=f"generated-{n}", title=f"Generated topic {n}", kind=Topic.Kind.CONCEPT,
                summary="A generated topic for the benchmark.", order=1000 + n,
            )  # fmt: skip

        first = missing[0]
        template_topic = Topic.objects.create(**{f: getattr(new_topic(first), f) for f in COPIED_TOPIC_FIELDS})
        templates = {}
        for persona in personas:
            variant = Variant.objects.create(topic=template_topic, persona=persona, body=body)
            workflow.publish(variant, by=None, override_reason="Generated benchmark text.")
            templates[persona.pk] = variant
        topics = Topic.objects.bulk_create([new_topic(n) for n in missing[1:]], batch_size=500)
        copies = [
            Variant(topic=topic, **{f: getattr(templates[persona.pk], f) for f in COPIED_VARIANT_FIELDS})
            for topic in topics
            for persona in personas
        ]
        Variant.objects.bulk_create(copies, batch_size=500)
        if connection.vendor == "postgresql":
            from topics.search import search_vector_for

            # A topic's four copies share every field their search document is made of.
            model = templates[personas[0].pk]
            for topic in topics:
                sample = Variant(topic=topic, **{f: getattr(model, f) for f in COPIED_VARIANT_FIELDS})
                Variant.objects.filter(topic=topic).update(search_vector=search_vector_for(sample))


COPIED_TOPIC_FIELDS = ["slug", "title", "kind", "summary", "order"]
COPIED_VARIANT_FIELDS = [
    "persona", "title", "summary", "body", "html", "citation_keys", "reading_grade", "status", "live_title",
    "live_summary", "live_body", "live_html", "live_citation_keys", "live_reading_grade", "published_at",
    "search_text", "grade_override_reason",
]  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]))
