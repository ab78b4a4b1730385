from django.db import migrations

DEFAULT_PERSONAS = [
    {
        "slug": "patient",
        "name": "Patient",
        "description": "I have, or might have, one of these conditions.",
        "max_grade": "6.0",
        "order": 1,
        "is_default": True,
        "audience_type": "Patient",
    },
    {
        "slug": "caregiver",
        "name": "Parent or caregiver",
        "description": "I look after a child or another person who has one.",
        "max_grade": "6.0",
        "order": 2,
        "is_default": False,
        "audience_type": "Caregiver",
    },
    {
        "slug": "student",
        "name": "Student",
        "description": "I am learning how the body works.",
        "max_grade": "10.0",
        "order": 3,
        "is_default": False,
        "audience_type": "Student",
    },
    {
        "slug": "professional",
        "name": "Healthcare professional",
        "description": "I care for patients and want the mechanisms and references.",
        "max_grade": "18.0",
        "order": 4,
        "is_default": False,
        "audience_type": "Clinician",
    },
]


def create_personas(apps, schema_editor):
    Persona = apps.get_model("topics", "Persona")
    for data in DEFAULT_PERSONAS:
        Persona.objects.update_or_create(slug=data["slug"], defaults=data)


def remove_personas(apps, schema_editor):
    Persona = apps.get_model("topics", "Persona")
    Persona.objects.filter(slug__in=[p["slug"] for p in DEFAULT_PERSONAS], variants__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("topics", "0001_initial")]

    operations = [migrations.RunPython(create_personas, remove_personas)]
