"""Only moderators decide on readers' stories: a permission of its own, given to Moderators.

Editors read stories but no longer change or delete them: an approved story is shown
under the reader's name, so its words are only ever masked, and only by a moderator.
"""

import django.db.models.deletion
from django.contrib.auth.management import create_permissions
from django.conf import settings
from django.db import migrations, models


def moderators_moderate(apps, schema_editor):
    # Permissions are normally created after all migrations; the group needs this one now.
    app_config = apps.get_app_config("feedback")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    story = {"content_type__app_label": "feedback", "content_type__model": "story"}
    moderate = Permission.objects.get(codename="moderate_story", **story)
    Group.objects.get_or_create(name="Moderators")[0].permissions.add(moderate)
    editors = Group.objects.filter(name="Editors").first()
    if editors is not None:
        editors.permissions.remove(*Permission.objects.filter(codename__in=["change_story", "delete_story"], **story))


def editors_moderate_again(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    story = {"content_type__app_label": "feedback", "content_type__model": "story"}
    editors = Group.objects.filter(name="Editors").first()
    if editors is not None:
        editors.permissions.add(*Permission.objects.filter(codename__in=["change_story", "delete_story"], **story))


class Migration(migrations.Migration):

    dependencies = [
        ('feedback', '0002_moderators_and_prompts'),
        ('auth', '0012_alter_user_first_name_max_length'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='story',
            options={'ordering': ['-created'], 'permissions': [('moderate_story', "Can approve, reject, take down and mask readers' stories")], 'verbose_name_plural': 'stories'},
        ),
        migrations.AlterField(
            model_name='story',
            name='moderated_by',
            field=models.ForeignKey(blank=True, help_text='Who last approved, rejected or masked it.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='story',
            name='text',
            field=models.TextField(help_text="What the visitor wrote. E-mail addresses and phone numbers were masked before it was stored. These are the reader's words: a moderator may hide parts of them (each becomes “[hidden]”) and change nothing else. It is always shown as plain text.", max_length=2000),
        ),
        migrations.RunPython(moderators_moderate, editors_moderate_again),
    ]
