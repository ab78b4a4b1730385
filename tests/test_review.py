"""Medical review that cannot be bypassed, misattributed or lost (the workflow's invariants)."""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.deletion import ProtectedError
from django.urls import reverse

from tests.test_workflow import change_url, form_data
from topics import workflow
from topics.importing import import_content
from topics.models import Disclaimer, GlossaryTerm, Reference, Reviewer, ReviewEvent, Topic, Variant

PAGE = "/topics/insr-gene/patient/"


@pytest.fixture
def patient_page(insr_topic) -> Variant:
    return Variant.objects.get(topic=insr_topic, persona__slug="patient")


# Stale forms and two tabs ------------------------------------------------------------


def test_second_tab_save_is_refused_and_keeps_the_editors_text(client, patient_page, editor):
    client.force_login(editor)
    tab_one = form_data(patient_page, body="First tab's fix [@medlineplus-insr].")
    tab_two = form_data(patient_page, body="Second tab's words [@medlineplus-insr].")  # opened at the same revision
    assert client.post(change_url(patient_page), tab_one).status_code == 302

    response = client.post(change_url(patient_page), tab_two)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not saved: this page changed after you opened it" in html and "changed by edna" in html
    assert "Second tab&#x27;s words" in html or "Second tab's words" in html  # still in the form
    assert "<del>First tab" in html or "<del>First" in html  # the difference is shown
    patient_page.refresh_from_db()
    assert patient_page.body == "First tab's fix [@medlineplus-insr]."


def test_reviewer_cannot_publish_from_a_stale_form(client, patient_page, editor, reviewer_user):
    old_form = form_data(patient_page, note="Looks right.", grade_override="test", _publish="1")
    client.force_login(editor)
    client.post(change_url(patient_page), form_data(patient_page, body="A newer fix [@medlineplus-insr]."))
    client.force_login(reviewer_user)
    response = client.post(change_url(patient_page), old_form)
    assert response.status_code == 200 and "changed after you opened it" in response.content.decode()
    patient_page.refresh_from_db()
    assert patient_page.live_body.startswith("## What is it?")  # nothing published
    assert patient_page.body == "A newer fix [@medlineplus-insr]."  # and the fix is not overwritten
    assert not ReviewEvent.objects.filter(action=ReviewEvent.Action.APPROVED).exists()


def test_model_refuses_a_stale_revision(patient_page, reviewer_user):
    seen = patient_page.revision
    patient_page.body = "Changed [@medlineplus-insr]."
    workflow.save_draft(patient_page, by=None)
    with pytest.raises(ValidationError, match="changed by"):
        workflow.publish(patient_page, by=reviewer_user, override_reason="x", expected_revision=seen)


def test_save_without_changes_changes_nothing(client, patient_page, editor):
    client.force_login(editor)
    revision = patient_page.revision
    crlf = patient_page.body.replace("\n", "\r\n") + "\r\n  \r\n"
    response = client.post(change_url(patient_page), form_data(patient_page, body=crlf + "   "))
    assert response.status_code == 302
    patient_page.refresh_from_db()
    assert patient_page.status == "published" and patient_page.working_matches_live
    assert patient_page.revision == revision
    compare = client.get(reverse("admin:topics_variant_compare", args=[patient_page.pk])).content.decode()
    assert "No differences." in compare


# Who may publish, and what the page then says ------------------------------------------


def test_superuser_without_a_reviewer_entry_cannot_publish(client, patient_page, django_user_model):
    admin = django_user_model.objects.create_superuser("op", "op@example.org", "a-long-test-password")
    client.force_login(admin)
    data = form_data(patient_page, body="Operator words [@medlineplus-insr].", grade_override="x", _publish="1")
    response = client.post(change_url(patient_page), data)
    assert response.status_code == 200
    assert "no active entry on the medical review board" in response.content.decode()
    patient_page.refresh_from_db()
    assert "Operator words" not in patient_page.live_body
    with pytest.raises(PermissionDenied):
        workflow.publish(patient_page, by=admin, override_reason="x")


def test_an_inactive_reviewer_cannot_publish(patient_page, reviewer_user):
    Reviewer.objects.filter(user=reviewer_user).update(active=False)
    with pytest.raises(PermissionDenied):
        workflow.publish(patient_page, by=reviewer_user, override_reason="x")


def test_release_publish_never_keeps_an_older_reviewers_name(client, patient_page, reviewer_user):
    patient_page.body = "Reviewed text [@medlineplus-insr]."
    patient_page.save()
    workflow.publish(patient_page, by=reviewer_user, notes="Fine.", override_reason="x")
    assert "Medically reviewed by Rita Example" in client.get(PAGE).content.decode()

    patient_page.body = "Newer text nobody reviewed [@medlineplus-insr]."
    patient_page.save()
    workflow.publish(patient_page, by=None, override_reason="x")
    patient_page.refresh_from_db()
    assert patient_page.reviewer is None and patient_page.last_reviewed is None and patient_page.review_notes == ""
    html = client.get(PAGE).content.decode()
    assert "Newer text nobody reviewed" in html
    assert "Rita Example" not in html and "Not yet medically reviewed" in html


def test_live_variant_cannot_move_to_another_topic_or_reader(client, patient_page, personas, make_topic, editor):
    other = make_topic("other-topic")
    patient_page.topic = other
    with pytest.raises(ValidationError, match="cannot be moved"):
        workflow.save_draft(patient_page, by=None)
    client.force_login(editor)
    patient_page.refresh_from_db()
    data = form_data(patient_page, persona=personas["student"].pk, topic=other.pk)
    assert client.post(change_url(patient_page), data).status_code == 302
    patient_page.refresh_from_db()
    assert (patient_page.topic.slug, patient_page.persona.slug) == ("insr-gene", "patient")


# Submission, request changes, notes ---------------------------------------------------


def test_edit_after_submission_sends_it_for_review_again(client, patient_page, editor):
    client.force_login(editor)
    client.post(
        change_url(patient_page), form_data(patient_page, body="Sent text [@medlineplus-insr].", _submit_review="1")
    )
    patient_page.refresh_from_db()
    submitted = patient_page.submitted_revision
    response = client.post(change_url(patient_page), form_data(patient_page, body="Edited after [@medlineplus-insr]."))
    patient_page.refresh_from_db()
    assert patient_page.status == "review" and patient_page.submitted_revision == patient_page.revision > submitted
    actions = list(patient_page.review_events.values_list("action", flat=True))
    assert actions[:2] == [ReviewEvent.Action.RESUBMITTED, ReviewEvent.Action.SUBMITTED]
    followed = client.get(response["Location"]).content.decode()
    assert "sent for review again" in followed


def test_request_changes_needs_a_note_that_the_editor_then_sees(client, patient_page, editor, reviewer_user):
    client.force_login(editor)
    client.post(
        change_url(patient_page), form_data(patient_page, body="Draft words [@medlineplus-insr].", _submit_review="1")
    )
    patient_page.refresh_from_db()

    client.force_login(reviewer_user)
    without_note = client.post(change_url(patient_page), form_data(patient_page, _request_changes="1"))
    assert without_note.status_code == 200 and "Say what should change" in without_note.content.decode()
    with_note = client.post(
        change_url(patient_page), form_data(patient_page, note="Cite the MedlinePlus page.", _request_changes="1")
    )
    assert with_note.status_code == 302
    patient_page.refresh_from_db()
    assert patient_page.status == "draft"
    event = patient_page.review_events.first()
    assert event.action == ReviewEvent.Action.CHANGES_REQUESTED and event.reviewer.name == "Rita Example"

    client.force_login(editor)
    html = client.get(change_url(patient_page)).content.decode()
    assert "Changes requested" in html and "Cite the MedlinePlus page." in html
    desk = client.get(reverse("admin:topics_variant_review_desk")).content.decode()
    returned = desk.split('data-desk="returned"')[1].split("</section>")[0]
    assert "The INSR gene (Patient)" in returned


def test_notes_are_never_dropped(client, patient_page, editor, reviewer_user):
    client.force_login(editor)
    client.post(
        change_url(patient_page), form_data(patient_page, body="Words [@medlineplus-insr].", _submit_review="1")
    )
    patient_page.refresh_from_db()
    client.force_login(reviewer_user)
    client.post(change_url(patient_page), form_data(patient_page, note="Half-way thoughts."))
    patient_page.refresh_from_db()
    client.force_login(editor)
    client.post(
        change_url(patient_page), form_data(patient_page, note="Taking it back to fix a typo.", _return_to_draft="1")
    )
    notes = list(patient_page.review_events.values_list("note", flat=True))
    assert "Half-way thoughts." in notes and "Taking it back to fix a typo." in notes


def test_review_emails_go_to_reviewers_then_back_to_the_editor(
    client, patient_page, editor, reviewer_user, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            change_url(patient_page),
            form_data(patient_page, body="For review [@medlineplus-insr].", _submit_review="1"),
        )
    assert [m.to for m in mail.outbox] == [["rita@example.org"]]
    assert "For review: The INSR gene (Patient)" == mail.outbox[0].subject
    patient_page.refresh_from_db()
    client.force_login(reviewer_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            change_url(patient_page), form_data(patient_page, note="Please add a source.", _request_changes="1")
        )
    assert mail.outbox[-1].to == ["edna@example.org"] and "Please add a source." in mail.outbox[-1].body


def test_bulk_publish_is_gone(client, patient_page, reviewer_user):
    client.force_login(reviewer_user)
    html = client.get(reverse("admin:topics_variant_changelist")).content.decode()
    assert "publish_selected" not in html
    response = client.post(
        reverse("admin:topics_variant_changelist"),
        {"action": "publish_selected", "_selected_action": [patient_page.pk]},
    )
    assert response.status_code in (200, 302)
    patient_page.refresh_from_db()
    assert patient_page.review_events.filter(action=ReviewEvent.Action.APPROVED).count() == 0


# Everything else a visitor sees -------------------------------------------------------


def test_editor_cannot_change_a_live_topic_but_a_reviewer_can(client, insr_topic, editor, reviewer_user):
    url = reverse("admin:topics_topic_change", args=[insr_topic.pk])
    data = {
        "slug": "insr-gene",
        "title": "A title put live by an editor",
        "kind": "gene",
        "summary": "s",
        "other_names": "",
        "order": 0,
        "variants-TOTAL_FORMS": 0,
        "variants-INITIAL_FORMS": 0,
    }
    client.force_login(editor)
    assert client.post(url, data).status_code == 403
    assert Topic.objects.get(pk=insr_topic.pk).title == "The INSR gene"
    client.force_login(reviewer_user)
    data["title"] = "The INSR gene, reviewed"
    data["variants-TOTAL_FORMS"] = data["variants-INITIAL_FORMS"] = 2
    for n, variant in enumerate(insr_topic.variants.all()):
        data[f"variants-{n}-id"] = variant.pk
        data[f"variants-{n}-topic"] = insr_topic.pk
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Topic.objects.get(pk=insr_topic.pk).title == "The INSR gene, reviewed"


def test_editor_may_still_shape_a_topic_that_is_not_live(client, make_topic, editor):
    topic = make_topic("new-topic")
    client.force_login(editor)
    html = client.get(reverse("admin:topics_topic_change", args=[topic.pk])).content.decode()
    assert 'name="title"' in html


def test_glossary_and_disclaimers_are_for_reviewers_only(client, editor, reviewer_user):
    term = GlossaryTerm.objects.create(slug="gene", term="gene", definition="Instructions.")
    disclaimer = Disclaimer.objects.create(slug="general", title="General", text="Not advice.")
    client.force_login(editor)
    assert client.get(reverse("admin:topics_glossaryterm_add")).status_code == 403
    response = client.post(
        reverse("admin:topics_glossaryterm_change", args=[term.pk]),
        {"slug": "gene", "term": "gene", "other_forms": "", "definition": "Changed by an editor."},
    )
    assert response.status_code == 403
    assert client.get(reverse("admin:topics_disclaimer_add")).status_code == 403
    assert client.post(reverse("admin:topics_disclaimer_change", args=[disclaimer.pk]), {}).status_code == 403
    client.force_login(reviewer_user)
    assert client.get(reverse("admin:topics_glossaryterm_add")).status_code == 200


def test_reference_cited_by_a_live_page_is_a_reviewers_to_change(client, insr_topic, editor):
    reference = Reference.objects.get(key="medlineplus-insr")
    client.force_login(editor)
    url = reverse("admin:topics_reference_change", args=[reference.pk])
    response = client.post(
        url, {"key": "medlineplus-insr", "kind": "gene-database", "title": "x", "url": "https://evil.example/"}
    )
    assert response.status_code == 403
    assert Reference.objects.get(pk=reference.pk).url == "https://medlineplus.gov/genetics/gene/insr/"
    uncited = Reference.objects.create(key="uncited-2020", kind="research", title="Not cited")
    assert reference.is_public() and not uncited.is_public()
    assert client.get(reverse("admin:topics_reference_change", args=[uncited.pk])).status_code == 200


def test_cited_reference_key_cannot_be_renamed(client, insr_topic, reviewer_user):
    reference = Reference.objects.get(key="semple-2011")
    reference.key = "semple-2011-renamed"
    with pytest.raises(ValidationError, match="cited by 1 page"):
        reference.save()
    client.force_login(reviewer_user)
    response = client.post(
        reverse("admin:topics_reference_change", args=[reference.pk]),
        {"key": "semple-renamed", "kind": "research", "title": "Title", "authors": "Semple RK", "year": 2011},
    )
    assert response.status_code == 200 and "is cited by 1 page(s)" in response.content.decode()
    assert Reference.objects.filter(key="semple-2011").exists()


def test_cited_reference_cannot_be_deleted_by_any_path(client, insr_topic, django_user_model):
    admin = django_user_model.objects.create_superuser("op", "op@example.org", "a-long-test-password")
    reference = Reference.objects.get(key="semple-2011")
    with pytest.raises(ProtectedError), transaction.atomic():
        reference.delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        Reference.objects.filter(key="semple-2011").delete()
    client.force_login(admin)
    page = client.get(reverse("admin:topics_reference_delete", args=[reference.pk])).content.decode()
    assert "remove the citation from that page first" in page
    response = client.post(
        reverse("admin:topics_reference_changelist"),
        {"action": "delete_selected", "_selected_action": [reference.pk], "post": "yes"},
    )
    assert response.status_code == 200
    assert Reference.objects.filter(key="semple-2011").exists()


# One reading grade ------------------------------------------------------------------


def test_panel_grade_equals_stored_grade_for_every_shipped_page(client, db, editor):
    import_content()
    client.force_login(editor)
    url = reverse("admin:topics_variant_grade")
    checked = 0
    for variant in Variant.objects.select_related("persona"):
        html = client.post(url, {"body": variant.body, "persona": variant.persona.pk}).content.decode()
        shown = re.search(r"<span data-grade>([\d.]+)</span>", html).group(1)
        assert float(shown) == float(variant.reading_grade) == float(variant.live_reading_grade), str(variant)
        checked += 1
    assert checked == Variant.objects.count() >= 60


def test_every_shipped_page_publishes_unchanged_without_an_override(client, db, reviewer_user):
    import_content()
    client.force_login(reviewer_user)
    refused = []
    for variant in Variant.objects.select_related("persona"):
        # As a browser sends it: CRLF line endings.
        data = form_data(variant, body=variant.body.replace("\n", "\r\n"), _publish="1")
        response = client.post(change_url(variant), data)
        if response.status_code != 302:
            refused.append(str(variant))
    assert refused == []
    assert ReviewEvent.objects.filter(action=ReviewEvent.Action.APPROVED).count() == Variant.objects.count()


def test_panel_lists_hard_words_without_a_glossary_entry(client, editor, personas):
    GlossaryTerm.objects.create(slug="pancreas", term="pancreas", definition="An organ.")
    client.force_login(editor)
    html = client.post(
        reverse("admin:topics_variant_grade"),
        {"body": "The pancreas makes insulin. Hyperinsulinemia is common.", "persona": personas["patient"].pk},
    ).content.decode()
    unexplained = re.search(r"<span data-unexplained>(.*?)</span>", html).group(1)
    assert "hyperinsulinemia" in unexplained and "pancreas" not in unexplained


# Hostile Markdown ------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ["[" * 20_000, "- " * 3_000 + "x", "".join("  " * i + "- x\n" for i in range(500)), "-\n" * 20_000, "x" * 50_000],
)
def test_hostile_markdown_is_a_form_error_not_a_crash(client, patient_page, editor, body):
    client.force_login(editor)
    response = client.post(change_url(patient_page), form_data(patient_page, body=body))
    assert response.status_code == 200
    assert "the limit is" in response.content.decode()
    panel = client.post(reverse("admin:topics_variant_grade"), {"body": body})
    assert panel.status_code == 200 and "the limit is" in panel.content.decode()


# Preview, labels, the add page ------------------------------------------------------------


def test_switching_reader_on_a_preview_keeps_the_working_text(client, insr_topic, editor):
    professional = Variant.objects.get(topic=insr_topic, persona__slug="professional")
    professional.body = "Unpublished professional words [@semple-2011]."
    professional.save()
    client.force_login(editor)
    response = client.post(
        reverse("topics:set-persona"), {"persona": "professional", "next": "/topics/insr-gene/patient/?preview=1"}
    )
    assert response["Location"] == "/topics/insr-gene/professional/?preview=1"
    swapped = client.post(
        reverse("topics:set-persona"),
        {"persona": "professional", "next": "/topics/insr-gene/patient/?preview=1"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Unpublished professional words" in swapped
    client.logout()
    anonymous = client.post(
        reverse("topics:set-persona"), {"persona": "professional", "next": "/topics/insr-gene/patient/?preview=1"}
    )
    assert anonymous["Location"] == "/topics/insr-gene/professional/"


def test_add_variant_page_has_the_grade_panel(client, editor):
    client.force_login(editor)
    html = client.get(reverse("admin:topics_variant_add")).content.decode()
    assert 'id="grade-panel"' in html and 'hx-target="#grade-panel"' in html


def test_labels_tell_the_truth_for_a_live_page_with_a_pending_draft(client, patient_page, editor):
    patient_page.body = "Pending words [@medlineplus-insr]."
    patient_page.save()
    client.force_login(editor)
    html = client.get(change_url(patient_page)).content.decode()
    assert "View the live page" in html and "not published yet" not in html
    topics = client.get(reverse("admin:topics_topic_changelist")).content.decode()
    assert "patient, professional" in topics


@pytest.mark.parametrize("model", ["variant", "topic", "reference", "glossaryterm", "persona", "reviewer"])
def test_hand_edited_admin_filters_get_a_400_page(admin_client, model):
    url = reverse(f"admin:topics_{model}_changelist")
    response = admin_client.get(url, {"updated_at__year": "99999999999999999999", "pk__gt": "99999999999999999999"})
    assert response.status_code in (200, 302, 400)
    assert admin_client.get(url, {"q": "a\x00b"}).status_code == 400
