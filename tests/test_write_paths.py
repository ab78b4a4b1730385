"""Every admin write path, enumerated: as an editor (not a reviewer), none changes what visitors see.

The paths are not listed by hand: every model registered in admin (topics/admin.py and
feedback/admin.py) is tried through its change view (inlines included), every bulk
action it offers, and django-simple-history's history/revert form. Each post sends the
form as admin shows it with every text changed. Afterwards the public record is the same:
a live variant's text, a live topic's title, summary, other names and related topics, a
disclaimer, a glossary definition, a reference cited by a live page, a persona, and an
approved story.
"""

import pytest
from django.contrib import admin
from django.urls import reverse

from feedback.models import Story
from topics import workflow
from topics.importing import import_content
from topics.models import Disclaimer, GlossaryTerm, Persona, Reference, Topic, Variant

CHANGED = "Changed by an editor"


@pytest.fixture
def public(insr_topic, make_topic, make_variant, personas):
    other = make_topic("other-topic", title="Other topic")
    make_variant(other, "patient", "Other words [@semple-2011].")
    insr_topic.related.add(other)
    disclaimer = Disclaimer.objects.create(slug="general", title="General", text="Not medical advice.")
    term = GlossaryTerm.objects.create(slug="gene", term="gene", definition="A set of instructions.")
    story = Story.objects.create(
        topic=insr_topic, persona=personas["patient"], prompt="Q", text="My own words.", status=Story.Status.APPROVED
    )
    return {
        "variant": Variant.objects.get(topic=insr_topic, persona__slug="patient"),
        "topic": insr_topic,
        "disclaimer": disclaimer,
        "term": term,
        "reference": Reference.objects.get(key="medlineplus-insr"),
        "persona": personas["patient"],
        "story": story,
    }


def snapshot(public) -> dict:
    variant = Variant.objects.get(pk=public["variant"].pk)
    topic = Topic.objects.get(pk=public["topic"].pk)
    persona = Persona.objects.get(pk=public["persona"].pk)
    story = Story.objects.filter(pk=public["story"].pk).values("text", "name", "status").first()
    return {
        "live": (variant.is_live, variant.live_title, variant.live_summary, variant.live_body, variant.reviewer_id),
        "topic": (topic.title, topic.summary, topic.other_names, sorted(topic.related.values_list("pk", flat=True))),
        "disclaimer": Disclaimer.objects.filter(pk=public["disclaimer"].pk).values("title", "text").first(),
        "term": GlossaryTerm.objects.filter(pk=public["term"].pk).values("term", "definition").first(),
        "reference": Reference.objects.filter(pk=public["reference"].pk).values("key", "title", "url").first(),
        "persona": (persona.name, persona.max_grade, persona.description, persona.slug),
        "story": story,
    }


def registered() -> list[tuple[type, admin.ModelAdmin]]:
    return [(model, model_admin) for model, model_admin in admin.site._registry.items()]


def objects_of(model, public) -> list:
    if model._meta.proxy:
        model = model._meta.concrete_model
    return [obj for obj in public.values() if isinstance(obj, model)]


def changed_form_data(response) -> dict:
    """The form as admin rendered it (inlines and management forms too), every text changed."""
    data = {}
    forms = []
    if "adminform" in response.context:
        forms.append(response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets") or []:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        forms.extend(formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None:
                continue
            if isinstance(value, (list, tuple)):
                data[key] = [getattr(v, "pk", v) for v in value]
            elif (
                isinstance(value, str)
                and name not in ("slug", "key", "base_revision", "status")
                and (not getattr(field, "choices", None))
            ):
                data[key] = f"{CHANGED} {value}"[: getattr(field, "max_length", None) or None]
            else:
                data[key] = getattr(value, "pk", value)
    data["note"] = CHANGED
    data["grade_override"] = CHANGED
    return data


@pytest.mark.parametrize("press", ["_save", "_continue", "_submit_review", "_publish", "_unpublish"])
def test_no_change_view_changes_public_content_for_an_editor(client, public, editor, press):
    client.force_login(editor)
    before = snapshot(public)
    tried = 0
    for model, _model_admin in registered():
        for obj in objects_of(model, public):
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
            response = client.get(url)
            if response.status_code != 200:
                continue
            tried += 1
            client.post(url, {**changed_form_data(response), press: "1"})
            assert snapshot(public) == before, f"{model.__name__} change view changed public content"
    assert tried >= 5  # editors may open most of these (read-only where the content is public)


def test_no_bulk_action_changes_public_content_for_an_editor(client, public, editor):
    client.force_login(editor)
    before = snapshot(public)
    tried = []
    for model, _model_admin in registered():
        objects = objects_of(model, public)
        if not objects:
            continue
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(changelist)
        if response.status_code != 200 or not response.context.get("action_form"):
            continue
        for action, _label in response.context["action_form"].fields["action"].choices:
            if not action:
                continue
            tried.append(f"{model.__name__}.{action}")
            # "post": the confirmation of "Delete selected" too.
            client.post(changelist, {"action": action, "_selected_action": [o.pk for o in objects], "post": "yes"})
            assert snapshot(public) == before, f"{model.__name__} action {action} changed public content"
    assert "Variant.submit_for_review" in tried


def test_no_history_revert_changes_public_content_for_an_editor(client, public, editor, reviewer_user):
    # A reviewer's change gives every public record an older revision to revert to.
    topic = public["topic"]
    topic.summary = "A newer summary, by a reviewer."
    topic.save()
    for key, field in (("disclaimer", "text"), ("term", "definition"), ("reference", "title")):
        obj = public[key]
        setattr(obj, field, getattr(obj, field) + " Reviewed again.")
        obj.save()
    before = snapshot(public)
    client.force_login(editor)
    tried = 0
    for model, model_admin in registered():
        if not hasattr(model_admin, "history_form_view"):
            continue  # only django-simple-history's admins have the form
        for obj in objects_of(model, public):
            for record in obj.history.all():
                name = f"{model._meta.app_label}_{model._meta.model_name}"
                url = reverse(f"admin:{name}_simple_history", args=[obj.pk, record.history_id])
                response = client.get(url)
                data = changed_form_data(response) if response.status_code == 200 else {}
                response = client.post(url, {**data, "_save": "1"})
                tried += 1
                assert response.status_code in (200, 302, 403)
                assert snapshot(public) == before, f"{model.__name__} history revert changed public content"
    assert tried >= 5


def test_history_revert_of_a_live_topic_is_refused_for_an_editor(client, public, editor):
    topic = public["topic"]
    first = topic.history.earliest()
    topic.title = "The INSR gene, renamed by a reviewer"
    topic.save()
    client.force_login(editor)
    url = reverse("admin:topics_topic_simple_history", args=[topic.pk, first.history_id])
    response = client.post(url, {"title": "Reverted", "slug": topic.slug, "kind": topic.kind, "summary": "x"})
    assert response.status_code == 403
    topic.refresh_from_db()
    assert topic.title == "The INSR gene, renamed by a reviewer"


def test_history_revert_of_a_live_variant_is_a_draft_never_live(client, public, editor):
    variant = public["variant"]
    first = variant.history.earliest()
    variant.body = "A newer working text [@medlineplus-insr]."
    workflow.save_draft(variant, by=editor)
    client.force_login(editor)
    url = reverse("admin:topics_variant_simple_history", args=[variant.pk, first.history_id])
    response = client.get(url)
    assert response.status_code == 200
    data = changed_form_data(response)
    data.update(body=first.body, title=first.title, summary=first.summary, note="", grade_override="")
    before = snapshot(public)
    response = client.post(url, {**data, "_save": "1"})
    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.body == first.body and variant.last_author == editor
    assert snapshot(public) == before  # the live text is what a reviewer published


def test_import_changes_no_public_content_an_editor_or_reviewer_changed(db, personas, reviewer_user):
    import_content()
    topic = Topic.objects.get(slug="insr-gene")
    topic.summary = "A reviewer's own summary."
    topic.save()
    page = Variant.objects.get(topic=topic, persona__slug="patient")
    workflow.unpublish(page, by=reviewer_user)
    import_content()
    topic.refresh_from_db()
    page.refresh_from_db()
    assert topic.summary == "A reviewer's own summary." and not page.is_live
