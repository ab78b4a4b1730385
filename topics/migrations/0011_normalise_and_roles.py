"""Stored text normalised, glossary links taken out of stored HTML, and who may change public records.

- Bodies get LF line endings and no trailing spaces, so comparing working and live text
  means what an editor expects (a save that changes nothing changes nothing).
- Glossary links are now added when a page is shown, so they come out of the stored HTML.
- Glossary terms and disclaimers show on every page the moment they change: only
  medical reviewers may add or change them from now on.
"""

import re

from django.db import migrations

GLOSSARY_LINK_RE = re.compile(r'<a class="glossary-link" href="[^"]*">(.*?)</a>', re.DOTALL)


def normalise_text(text: str) -> str:
    # A copy of topics.rendering.normalise_text as it is today: migrations keep their own.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def normalise(apps, schema_editor):
    Variant = apps.get_model("topics", "Variant")
    for variant in Variant.objects.all():
        variant.body = normalise_text(variant.body)
        variant.live_body = normalise_text(variant.live_body)
        variant.title, variant.summary = " ".join(variant.title.split()), " ".join(variant.summary.split())
        variant.live_title = " ".join(variant.live_title.split())
        variant.live_summary = " ".join(variant.live_summary.split())
        variant.html = GLOSSARY_LINK_RE.sub(r"\1", variant.html)
        variant.live_html = GLOSSARY_LINK_RE.sub(r"\1", variant.live_html)
        variant.revision = max(variant.revision, 1)
        if variant.published_at is not None and (variant.title, variant.summary, variant.body) == (
            variant.live_title,
            variant.live_summary,
            variant.live_body,
        ):
            variant.published_revision = variant.revision
        variant.save()


def reviewers_own_glossary_and_disclaimers(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors = Group.objects.filter(name="Editors").first()
    if editors is None:
        return
    codenames = [f"{action}_{model}" for action in ("add", "change") for model in ("glossaryterm", "disclaimer")]
    editors.permissions.remove(*Permission.objects.filter(content_type__app_label="topics", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("topics", "0010_review_records")]

    operations = [
        migrations.RunPython(normalise, migrations.RunPython.noop),
        migrations.RunPython(reviewers_own_glossary_and_disclaimers, migrations.RunPython.noop),
    ]
