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

from django.db import transaction  # noqa: E402

from topics.models import Persona, Reference, Topic, Variant  # noqa: E402


def main(count: int) -> None:
    personas = list(Persona.objects.all())
    keys = list(Reference.objects.values_list("key", flat=True)[:20])
    body = "\n\n".join(
        f"## Part {n}\n\nThis is generated text for measuring speed. It cites a source [@{key}]."
        for n, key in enumerate(keys)
    )
    existing = set(Topic.objects.filter(slug__startswith="generated-").values_list("slug", flat=True))
    with transaction.atomic():
        for n in range(count):
            if f"generated-{n}" in existing:
                continue
            topic = Topic.objects.create(
                slug=f"generated-{n}", title=f"Generated topic {n}", kind=Topic.Kind.CONCEPT,
                summary="A generated topic for the benchmark.", order=1000 + n,
            )  # fmt: skip
            for persona in personas:
                variant = Variant.objects.create(topic=topic, persona=persona, body=body)
                variant.publish(by=None, override_reason="Generated benchmark text.")


if __name__ == "__main__":
    main(int(sys.argv[1]))
