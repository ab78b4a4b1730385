"""Disclaimers store their rendered HTML, as pages do, so no page renders Markdown per request.

Every topic page shows its reader's disclaimers; rendering them on each uncached page let
one disclaimer full of unclosed brackets slow every page. Existing rows are rendered here;
one over the complexity limits is stored as escaped plain text, and its editor meets the
limits at the next save.
"""

from django.db import migrations, models
from django.utils.html import escape, linebreaks

from topics import rendering


def render_disclaimers(apps, schema_editor):
    Disclaimer = apps.get_model("topics", "Disclaimer")
    for disclaimer in Disclaimer.objects.all():
        text = rendering.normalise_text(disclaimer.text)
        try:
            rendering.check_complexity(text)
        except rendering.TooComplex:
            html = linebreaks(escape(text))
        else:
            html = rendering.render_plain(disclaimer.text)
        Disclaimer.objects.filter(pk=disclaimer.pk).update(html=html)


class Migration(migrations.Migration):
    dependencies = [
        ("topics", "0014_persona_topic_kind_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="disclaimer",
            name="html",
            field=models.TextField(blank=True, editable=False, help_text="The text rendered and sanitized when saved."),
        ),
        migrations.RunPython(render_disclaimers, migrations.RunPython.noop),
    ]
