"""Each reader's home page lists the topic groups in an order that fits them.

The shipped personas get these orders (editors may change them in admin):

- Patient: the usual order. Understanding insulin resistance first, then the conditions,
  whose list starts with the common ones (prediabetes and type 2 diabetes), then signs,
  self-care and the gene.
- Parent or caregiver: conditions and the gene first. Many caregivers look after a child
  with one of the rare inherited syndromes (Donohue syndrome affects babies) and come to
  read about that condition and its cause; then signs, care and the background.
- Student: how the body works first (the concepts include insulin signalling), then the
  gene and the conditions it explains.
- Healthcare professional: conditions and genetics first, then treatment, as a clinician
  looks a diagnosis up; the plain-language background last.
"""

from django.db import migrations, models

import topics.models

KIND_ORDERS = {
    "patient": "",
    "caregiver": "condition, gene, symptom, treatment, concept",
    "student": "concept, gene, condition, symptom, treatment",
    "professional": "condition, gene, treatment, symptom, concept",
}


def set_orders(apps, schema_editor):
    Persona = apps.get_model("topics", "Persona")
    for slug, order in KIND_ORDERS.items():
        # Only where nobody chose an order yet.
        Persona.objects.filter(slug=slug, topic_kind_order="").update(topic_kind_order=order)


class Migration(migrations.Migration):
    dependencies = [
        ("topics", "0013_citations_resources"),
    ]

    operations = [
        migrations.AddField(
            model_name="persona",
            name="topic_kind_order",
            field=models.CharField(
                blank=True,
                help_text=(
                    "The order of the topic groups on the home page for this reader: kinds separated by commas, "
                    "from concept, condition, symptom, treatment, gene (e.g. “condition, gene, symptom”). "
                    "Kinds left out follow in the usual order; empty: the usual order."
                ),
                max_length=120,
                validators=[topics.models.validate_topic_kind_order],
            ),
        ),
        migrations.RunPython(set_orders, migrations.RunPython.noop),
    ]
