"""Citations by reader, outside resources on gene and syndrome pages, and search by key points.

- Patients and caregivers (``Persona.plain_language``) read one "Sources" link per section
  instead of a number on every sentence: every stored page is rendered again, the working
  text from the working Markdown and the live text from the live Markdown, never one
  from the other. (``import_content`` does the same on every release, so a database that
  only ran ``migrate`` catches up at the next one.)
- Topics list outside resources (``Topic.resources``): nothing to fill in here, the
  content files bring them.
- Search weighs key points like summaries (weight B): every live page's search document
  is built again on PostgreSQL.
"""

import re

import topics.resources
from django.db import migrations, models

PLAIN_LANGUAGE_PERSONAS = ["patient", "caregiver"]
KEY_POINTS_RE = re.compile(r"<section[^>]*data-key-points[^>]*>(.*?)</section>", re.DOTALL)


def plain_language_readers(apps, schema_editor):
    Persona = apps.get_model("topics", "Persona")
    Persona.objects.filter(slug__in=PLAIN_LANGUAGE_PERSONAS).update(plain_language=True)


def render_again(apps, schema_editor):
    # Rendering is plain functions of text (topics.rendering), so the code of this release
    # renders the stored Markdown; on a new database there is nothing to render yet.
    from topics import rendering

    Variant = apps.get_model("topics", "Variant")
    Reference = apps.get_model("topics", "Reference")
    keys = set(Reference.objects.values_list("key", flat=True))
    for variant in Variant.objects.select_related("persona"):
        style = rendering.SECTIONS if variant.persona.plain_language else rendering.INLINE
        texts = {"html": variant.body}
        if variant.published_at is not None:
            texts["live_html"] = variant.live_body
        changes = {}
        for field_name, text in texts.items():
            try:
                changes[field_name] = rendering.render_body(text, keys, style=style).html
            except rendering.TooComplex:
                pass  # stored before the limits existed: left as it is until its next save
        if changes:
            Variant.objects.filter(pk=variant.pk).update(**changes)


def search_by_key_points(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.contrib.postgres.search import SearchVector
    from django.db.models import Value

    from topics.readability import prose_text

    # The same weighted document as topics.search.search_vector_for builds on publishing.
    Variant = apps.get_model("topics", "Variant")
    for variant in Variant.objects.filter(published_at__isnull=False).select_related("topic"):
        topic = variant.topic
        other_names = [line.strip() for line in topic.other_names.splitlines() if line.strip()]
        names = " ".join([topic.title, *other_names, variant.live_title])
        key_points = " ".join(prose_text(part) for part in KEY_POINTS_RE.findall(variant.live_html))
        summaries = " ".join([topic.summary, variant.live_summary, key_points])
        Variant.objects.filter(pk=variant.pk).update(
            search_vector=SearchVector(Value(names), weight="A", config="english")
            + SearchVector(Value(summaries), weight="B", config="english")
            + SearchVector(Value(variant.search_text), weight="C", config="english")
        )


class Migration(migrations.Migration):

    dependencies = [
        ('topics', '0012_about_pages_and_written_on'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicaltopic',
            name='resources',
            field=models.JSONField(blank=True, default=list, help_text='Gene and syndrome pages: outside resources shown under “More information and resources”. A list of {"resource": "omim", "id": "147670"} (an id only where a source shows it) or {"resource": "pubmed", "search": "Donohue syndrome"}. Resources: gtr, omim, clinvar, gene, pubmed.', validators=[topics.resources.validate]),
        ),
        migrations.AddField(
            model_name='persona',
            name='plain_language',
            field=models.BooleanField(default=False, help_text="Pages for this reader are in plain language: each section ends with one “Sources” link instead of a number on each sentence, and references are one list. Off: numbered citations, and references grouped by kind (guidelines, drug labels, research). Changing it re-renders this reader's pages."),
        ),
        migrations.AddField(
            model_name='topic',
            name='resources',
            field=models.JSONField(blank=True, default=list, help_text='Gene and syndrome pages: outside resources shown under “More information and resources”. A list of {"resource": "omim", "id": "147670"} (an id only where a source shows it) or {"resource": "pubmed", "search": "Donohue syndrome"}. Resources: gtr, omim, clinvar, gene, pubmed.', validators=[topics.resources.validate]),
        ),
        migrations.RunPython(plain_language_readers, migrations.RunPython.noop),
        migrations.RunPython(render_again, migrations.RunPython.noop),
        migrations.RunPython(search_by_key_points, migrations.RunPython.noop),
    ]
