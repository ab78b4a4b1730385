"""Editorial roles, and live text for variants that were already published."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITABLE = ["variant", "topic", "reference", "glossaryterm", "disclaimer"]
READ_ONLY = ["persona", "reviewer"]


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(actions, models):
        codenames = [f"{action}_{model}" for action in actions for model in models]
        return list(Permission.objects.filter(content_type__app_label="topics", codename__in=codenames))

    editing = perms(["view", "add", "change"], EDITABLE) + perms(["view"], READ_ONLY)
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(editing)
    reviewers, _ = Group.objects.get_or_create(name="Medical reviewers")
    reviewers.permissions.set(editing + perms(["publish"], ["variant"]))


def copy_published_text_to_live(apps, schema_editor):
    Variant = apps.get_model("topics", "Variant")
    for variant in Variant.objects.filter(status="published"):
        variant.live_title, variant.live_summary, variant.live_body = variant.title, variant.summary, variant.body
        variant.live_html, variant.live_citation_keys = variant.html, variant.citation_keys
        variant.live_reading_grade = variant.reading_grade
        variant.published_at = variant.updated_at
        variant.save()


class Migration(migrations.Migration):
    dependencies = [("topics", "0004_editorial_workflow"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(copy_published_text_to_live, migrations.RunPython.noop),
    ]
