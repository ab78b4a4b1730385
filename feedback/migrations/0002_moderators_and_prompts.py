"""The Moderators group, what editors may do with visitors' feedback, and the default prompts."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DEFAULT_PROMPTS = ["Describe your experience", "What changes to your diet have helped?"]


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
        return list(Permission.objects.filter(content_type__app_label="feedback", codename__in=codenames))

    # Moderators (and editors) read feedback, approve or reject stories, and edit prompts.
    moderating = (
        perms(["view", "delete"], ["feedbackpage", "pagefeedback"])
        + perms(["view", "change", "delete"], ["story"])
        + perms(["view", "add", "change", "delete"], ["storyprompt"])
    )
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    moderators.permissions.add(*moderating)
    for name in ("Editors",):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*moderating)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Moderators").delete()


def create_prompts(apps, schema_editor):
    StoryPrompt = apps.get_model("feedback", "StoryPrompt")
    if not StoryPrompt.objects.filter(topic__isnull=True).exists():
        for order, text in enumerate(DEFAULT_PROMPTS):
            StoryPrompt.objects.create(topic=None, text=text, order=order)


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0001_visitor_feedback"),
        ("topics", "0005_roles_and_live_text"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(create_roles, remove_roles),
        migrations.RunPython(create_prompts, migrations.RunPython.noop),
    ]
