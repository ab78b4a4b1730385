"""Editorial workflow: editors draft, medical reviewers publish, live text changes only on publishing."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from topics import workflow
from topics.importing import import_content
from topics.models import Variant

PAGE = "/topics/insr-gene/patient/"


def form_data(variant: Variant, **changes) -> dict:
    data = {
        "topic": variant.topic_id,
        "persona": variant.persona_id,
        "title": variant.title,
        "summary": variant.summary,
        "body": variant.body,
        "note": "",
        "base_revision": variant.revision,
        "grade_override": "",
    }
    data.update(changes)
    return data


def change_url(variant: Variant) -> str:
    return reverse("admin:topics_variant_change", args=[variant.pk])


def test_roles_are_created_with_the_right_permissions(db):
    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    reviewers = set(Group.objects.get(name="Medical reviewers").permissions.values_list("codename", flat=True))
    assert {"add_variant", "change_variant", "change_topic", "change_reference"} <= editors
    assert "publish_variant" not in editors
    assert "publish_variant" in reviewers
    assert "delete_variant" not in editors | reviewers


def test_editor_edits_without_changing_the_public_page(client, insr_topic, editor):
    client.force_login(editor)
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    response = client.post(change_url(variant), form_data(variant, body="A new sentence [@medlineplus-insr]."))
    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.status == "draft" and variant.has_pending_revision
    client.logout()
    assert "A new sentence" not in client.get(PAGE).content.decode()
    assert "A gene is a set of instructions" in client.get(PAGE).content.decode()


def test_editor_cannot_publish_even_with_a_crafted_post(client, insr_topic, editor):
    client.force_login(editor)
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    data = form_data(variant, body="Sneaky text [@medlineplus-insr].", status="published", _publish="1")
    response = client.post(change_url(variant), data)
    assert response.status_code == 200
    assert "Only medical reviewers can publish." in response.content.decode()
    variant.refresh_from_db()
    assert "Sneaky" not in variant.live_body
    # The bulk action is not offered and is refused if forced.
    response = client.post(
        reverse("admin:topics_variant_changelist"), {"action": "publish_selected", "_selected_action": [variant.pk]}
    )
    variant.refresh_from_db()
    assert "Sneaky" not in variant.live_body


def test_publish_checks_the_user(insr_topic, editor):
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    with pytest.raises(PermissionDenied):
        workflow.publish(variant, by=editor)


def test_editor_sends_for_review_and_reviewer_publishes(client, insr_topic, editor, reviewer_user, settings):
    settings.REVIEW_INTERVAL_DAYS = 180
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    client.force_login(editor)
    client.post(
        change_url(variant), form_data(variant, body="Reviewed words here [@medlineplus-insr].", _submit_review="1")
    )
    variant.refresh_from_db()
    assert variant.status == "review" and variant.submitted_by == editor

    client.force_login(reviewer_user)
    queue = client.get(reverse("admin:topics_variantneedingreview_changelist")).content.decode()
    assert "sent for review" in queue
    response = client.post(
        change_url(variant),
        form_data(variant, note="Checked against MedlinePlus.", grade_override="Short test text.", _publish="1"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    variant.refresh_from_db()
    today = timezone.localdate()
    assert variant.status == "published" and variant.live_body.startswith("Reviewed words here")
    assert variant.reviewer.name == "Rita Example"
    assert variant.last_reviewed == today
    assert variant.next_review_due == today + datetime.timedelta(days=180)
    assert variant.review_notes == "Checked against MedlinePlus."
    assert variant.published_by == reviewer_user

    client.logout()
    html = client.get(PAGE).content.decode()
    assert "Reviewed words here" in html
    assert re.search(
        rf"Medically reviewed by Rita Example, MD, endocrinologist on\s*(<time[^>]*>)?{today.day} {today:%B %Y}", html
    )


def test_publishing_above_the_grade_target_needs_a_recorded_reason(insr_topic, reviewer_user):
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    variant.body = (
        "Heterozygous dominant-negative mutations of the insulin receptor impair transphosphorylation of the "
        "intracellular tyrosine kinase domain [@medlineplus-insr]."
    )
    variant.save()
    with pytest.raises(ValidationError, match="above the target"):
        workflow.publish(variant, by=reviewer_user)
    workflow.publish(variant, by=reviewer_user, override_reason="A quoted technical definition.")
    assert variant.grade_override_reason == "A quoted technical definition."


def test_admin_form_asks_for_the_override_reason(client, insr_topic, reviewer_user):
    client.force_login(reviewer_user)
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    hard = "Heterozygous dominant-negative mutations impair transphosphorylation of kinase domains [@medlineplus-insr]."
    response = client.post(change_url(variant), form_data(variant, body=hard, _publish="1"))
    assert response.status_code == 200
    assert "simplify the text, or give a reason to publish it anyway" in response.content.decode()


def test_needs_review_lists_pending_overdue_and_never_reviewed(
    client, insr_topic, reviewer_user, make_topic, make_variant
):
    overdue = Variant.objects.get(topic=insr_topic, persona__slug="professional")
    Variant.objects.filter(pk=overdue.pk).update(
        last_reviewed=datetime.date(2020, 1, 1), next_review_due=datetime.date(2021, 1, 1)
    )
    client.force_login(reviewer_user)
    url = reverse("admin:topics_variantneedingreview_changelist")
    html = client.get(url).content.decode()
    assert "review overdue" in html and "live, never medically reviewed" in html
    assert "review overdue" in client.get(url, {"why": "overdue"}).content.decode()
    assert "never medically reviewed" not in client.get(url, {"why": "overdue"}).content.decode()


def test_preview_shows_the_working_text_to_staff_only(client, insr_topic, editor):
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    variant.body = "Unpublished working text [@medlineplus-insr]."
    variant.save()
    anonymous = client.get(PAGE, {"preview": "1"}).content.decode()
    assert "Unpublished working text" not in anonymous

    client.force_login(editor)
    response = client.get(PAGE, {"preview": "1"})
    html = response.content.decode()
    assert "Unpublished working text" in html
    assert "Preview, not published" in html
    assert '<meta name="robots" content="noindex' in html
    assert response["X-Robots-Tag"].startswith("noindex")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    client.logout()
    assert "Unpublished working text" not in client.get(PAGE).content.decode()


def test_history_compare_shows_a_readable_diff(client, insr_topic, reviewer_user):
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    variant.body = "A gene is a recipe [@medlineplus-insr]."
    variant.save()
    client.force_login(reviewer_user)
    html = client.get(reverse("admin:topics_variant_compare", args=[variant.pk])).content.decode()
    # Word by word, live text against working text by default.
    assert "<del>set of instructions</del>" in html
    assert "<ins>recipe</ins>" in html


def test_revert_restores_working_text_but_never_publishes(client, insr_topic, django_user_model):
    admin = django_user_model.objects.create_superuser("op", "op@example.org", "a-long-test-password")
    client.force_login(admin)
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    original = variant.history.earliest()
    variant.body = "Edited text [@medlineplus-insr]."
    variant.save()
    workflow.publish(variant, by=None, override_reason="test")
    url = reverse("admin:topics_variant_simple_history", args=[variant.pk, original.history_id])
    response = client.post(url, form_data(variant, body=original.body))
    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.body == original.body
    assert variant.live_body == "Edited text [@medlineplus-insr]."  # live until published again
    assert variant.status == "draft"


def test_grade_panel_reports_grade_long_sentences_and_hard_words(client, insr_topic, editor, personas):
    client.force_login(editor)
    response = client.post(
        reverse("admin:topics_variant_grade"),
        {
            "body": "Short one. Transphosphorylation is a complicated biochemical process in cells.",
            "persona": personas["patient"].pk,
        },
    )
    html = response.content.decode()
    assert "Reading grade" in html and "target for Patient is 6.0" in html
    assert "transphosphorylation" in html
    assert "Above target" in html


@pytest.mark.parametrize("persona", ["", "abc", "-1", "99999999999999999999", "<script>"])
def test_grade_panel_without_a_valid_reader_shows_the_grade_alone(client, insr_topic, editor, persona):
    client.force_login(editor)
    response = client.post(reverse("admin:topics_variant_grade"), {"body": "Short one. Another.", "persona": persona})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Reading grade" in html and "target for" not in html


def test_grade_panel_warns_an_editor_whose_session_ended(client, insr_topic):
    """Not the sign-in page swapped into the panel: a warning that keeps the text safe."""
    url = reverse("admin:topics_variant_grade")
    response = client.post(url, {"body": "Text typed before the session ended."}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "You have been signed out" in html and "copy it somewhere safe" in html
    assert 'name="password"' not in html
    without_htmx = client.post(url, {"body": "x"})
    assert without_htmx.status_code == 302 and without_htmx["Location"].startswith(reverse("admin:login"))


def test_broken_glossary_link_is_a_form_error(client, insr_topic, editor):
    client.force_login(editor)
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    response = client.post(change_url(variant), form_data(variant, body="See [gene](/glossary/no-such-term/)."))
    assert response.status_code == 200
    assert "Link to a glossary term that does not exist: no-such-term" in response.content.decode()


def test_export_then_import_changes_nothing(db, tmp_path):
    from django.core.management import call_command

    import_content()
    call_command("export_content", path=str(tmp_path))
    report = import_content(tmp_path)
    assert report.created == [] and report.updated == [] and report.kept == []
    assert len(report.unchanged) > 100


def test_export_writes_live_text_not_drafts(db, tmp_path):
    from django.core.management import call_command

    import_content()
    variant = Variant.objects.get(topic__slug="insr-gene", persona__slug="patient")
    variant.body = "A draft nobody approved."
    variant.save()
    call_command("export_content", path=str(tmp_path))
    text = (tmp_path / "topics/insr-gene/patient.md").read_text()
    assert "A draft nobody approved." not in text
    assert text.startswith("---\n") and "status: published" in text


@pytest.mark.parametrize("model", ["variant", "topic", "reference", "glossaryterm", "disclaimer"])
def test_every_content_model_keeps_history(model):
    from django.apps import apps

    assert hasattr(apps.get_model("topics", model), "history")


def test_history_page_shows_who_changed_what(client, insr_topic, editor):
    client.force_login(editor)
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    client.post(change_url(variant), form_data(variant, summary="A new summary written by Edna."))
    history = client.get(reverse("admin:topics_variant_history", args=[variant.pk])).content.decode()
    assert "edna" in history
    assert "A new summary written by Edna." in history
