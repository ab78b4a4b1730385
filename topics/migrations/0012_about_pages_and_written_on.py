"""About pages as topics of their own kind, and the day each live text was written.

- Topic.Kind "about": the site's about pages, served at /about/ and kept out of every
  list of health topics.
- Variant.written_on: the day the live text was written or last changed. Pages a
  reviewer published take the day it went live; pages only the release published get
  theirs from their content file at the next `import_content` (published_at is only
  the day the release loaded them).
"""

from django.db import migrations, models
from django.utils import timezone


def date_reviewed_pages(apps, schema_editor):
    Variant = apps.get_model("topics", "Variant")
    for variant in Variant.objects.filter(published_at__isnull=False, published_by__isnull=False):
        Variant.objects.filter(pk=variant.pk).update(written_on=timezone.localdate(variant.published_at))


class Migration(migrations.Migration):

    dependencies = [
        ('topics', '0011_normalise_and_roles'),
    ]

    operations = [
        migrations.AddField(
            model_name='variant',
            name='written_on',
            field=models.DateField(blank=True, editable=False, help_text='The day the live text was written or last changed: for shipped pages the date in their file (`updated`), never the day they were loaded; set when publishing changes the live text.', null=True),
        ),
        migrations.AlterField(
            model_name='historicaltopic',
            name='kind',
            field=models.CharField(choices=[('concept', 'Understanding insulin resistance'), ('condition', 'Conditions'), ('symptom', 'Signs and symptoms'), ('treatment', 'Treatment and self-care'), ('gene', 'Genes'), ('about', 'About this site')], help_text='Groups topics on the home page and topic list.', max_length=20),
        ),
        migrations.AlterField(
            model_name='topic',
            name='kind',
            field=models.CharField(choices=[('concept', 'Understanding insulin resistance'), ('condition', 'Conditions'), ('symptom', 'Signs and symptoms'), ('treatment', 'Treatment and self-care'), ('gene', 'Genes'), ('about', 'About this site')], help_text='Groups topics on the home page and topic list.', max_length=20),
        ),
        migrations.RunPython(date_reviewed_pages, migrations.RunPython.noop),
    ]
