"""Four eyes (a reviewer never publishes her own last change) and taking a live page down."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from topics import workflow
from topics.importing import import_content
from topics.models import Reviewer, ReviewEvent, Variant

PAGE = "/topics/insr-gene/patient/"
NEW_TEXT = "## What is it?\n\nA gene is a recipe [@medlineplus-insr]."


@pytest.fixture
def second_reviewer(django_user_model):
    user = django_user_model.objects.create_user("sam", "sam@example.org", "reviewer-password-456", is_staff=True)
    user.groups.add(Group.objects.get(name="Medical reviewers"))
    Reviewer.objects.create(name="Sam Second", credentials="MD, paediatrician", user=user)
    return user


@pytest.fixture
def page(insr_topic) -> Variant:
    return Variant.objects.get(topic=insr_topic, persona__slug="patient")


def form_data(variant: Variant, **changes) -> dict:
    data = {
        "title": variant.title,
        "summary": variant.summary,
        "body": variant.body,
        "note": "",
        "base_revision": variant.revision,
        "grade_override": "short test text",
    }
    data.update(changes)
    return data


def test_save_draft_records_the_last_author(page, editor):
    page.body = NEW_TEXT
    workflow.save_draft(page, by=editor)
    page.refresh_from_db()
    assert page.last_author == editor and page.status == Variant.Status.DRAFT


def test_reviewer_cannot_publish_her_own_change(page, reviewer_user, second_reviewer):
    page.body = NEW_TEXT
    workflow.save_draft(page, by=reviewer_user)
    with pytest.raises(ValidationError, match="another medical reviewer publishes it"):
        workflow.publish(page, by=reviewer_user, override_reason="short test text")
    page.refresh_from_db()
    assert page.live_body != NEW_TEXT
    assert not workflow.publishable_by(page, reviewer_user) and workflow.publishable_by(page, second_reviewer)
    assert not Variant.objects.filter(pk=page.pk).publishable_by(reviewer_user).exists()
    workflow.publish(page, by=second_reviewer, override_reason="short test text")
    page.refresh_from_db()
    assert page.live_body == NEW_TEXT and page.reviewer.user == second_reviewer and not page.reviewed_own_text


def test_reviewer_editing_in_the_form_cannot_publish_in_the_same_press(client, page, reviewer_user):
    client.force_login(reviewer_user)
    url = reverse("admin:topics_variant_change", args=[page.pk])
    response = client.post(url, form_data(page, body=NEW_TEXT, _publish="1"))
    assert response.status_code == 200
    assert "another medical reviewer publishes it" in response.content.decode()
    page.refresh_from_db()
    assert page.body != NEW_TEXT and page.live_body != NEW_TEXT  # nothing saved, nothing published
    # Saved plainly, the form shows no Publish button to her and says why.
    client.post(url, form_data(page, body=NEW_TEXT, _save="1"))
    html = client.get(url).content.decode()
    assert 'name="_publish"' not in html and "data-four-eyes" in html


def test_reviewers_own_change_waits_on_the_desk_for_another_reviewer(client, page, reviewer_user, second_reviewer):
    page.body = NEW_TEXT
    workflow.save_draft(page, by=reviewer_user)
    workflow.submit(page, by=reviewer_user)
    desk = reverse("admin:topics_variant_review_desk")
    client.force_login(reviewer_user)
    awaiting_mine = client.get(desk).context["sections"][0][3]
    client.force_login(second_reviewer)
    awaiting_theirs = client.get(desk).context["sections"][0][3]
    assert page not in awaiting_mine and page in awaiting_theirs


def test_four_eyes_off_says_written_and_reviewed_by(client, page, reviewer_user, settings):
    settings.REVIEW_FOUR_EYES = False
    page.body = NEW_TEXT
    workflow.save_draft(page, by=reviewer_user)
    workflow.publish(page, by=reviewer_user, override_reason="short test text")
    html = client.get(PAGE).content.decode()
    assert "Written and reviewed by Rita Example" in html
    assert "Medically reviewed by Rita Example" not in html


def test_another_reviewers_approval_says_medically_reviewed(client, page, editor, reviewer_user):
    page.body = NEW_TEXT
    workflow.save_draft(page, by=editor)
    workflow.publish(page, by=reviewer_user, override_reason="short test text")
    html = client.get(PAGE).content.decode()
    assert "Medically reviewed by Rita Example" in html and "Written and reviewed" not in html


def test_review_email_carries_the_editors_note(page, editor, reviewer_user, django_capture_on_commit_callbacks):
    page.body = NEW_TEXT
    workflow.save_draft(page, by=editor)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(page, by=editor, note="I simplified the first section.")
    assert len(mail.outbox) == 1 and "I simplified the first section." in mail.outbox[0].body


def test_take_down_answers_410_leaves_sitemap_and_search_and_is_recorded(client, page, reviewer_user):
    assert client.get(PAGE).status_code == 200  # cached now
    assert page.pk in [hit.variant.pk for hit in client.get("/search/?q=instructions").context["hits"]]
    assert PAGE in client.get("/sitemap.xml").content.decode()
    workflow.unpublish(page, by=reviewer_user, note="A source was retracted.")
    response = client.get(PAGE)
    assert response.status_code == 410
    html = response.content.decode()
    assert "This page was withdrawn on" in html and 'href="/topics/insr-gene/professional/"' in html
    assert 'href="/"' in html and "skip" in html.lower()  # the site's layout
    assert PAGE not in client.get("/sitemap.xml").content.decode()
    hits = client.get("/search/?q=instructions").context["hits"]  # words only the patient page has
    assert page.pk not in [hit.variant.pk for hit in hits]
    event = page.review_events.first()
    assert event.action == ReviewEvent.Action.UNPUBLISHED and event.note == "A source was retracted."
    assert event.user == reviewer_user


def test_editor_cannot_take_a_page_down(client, page, editor):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        workflow.unpublish(page, by=editor)
    client.force_login(editor)
    url = reverse("admin:topics_variant_change", args=[page.pk])
    response = client.post(url, form_data(page, _unpublish="1"))
    assert response.status_code == 200
    page.refresh_from_db()
    assert page.is_live
    changelist = client.get(reverse("admin:topics_variant_changelist")).content.decode()
    assert "take_down_selected" not in changelist


def test_take_down_from_the_form_and_the_list(client, insr_topic, reviewer_user):
    client.force_login(reviewer_user)
    patient = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    professional = Variant.objects.get(topic=insr_topic, persona__slug="professional")
    url = reverse("admin:topics_variant_change", args=[patient.pk])
    assert 'name="_unpublish"' in client.get(url).content.decode()
    assert client.post(url, form_data(patient, _unpublish="1")).status_code == 302
    changelist = reverse("admin:topics_variant_changelist")
    client.post(changelist, {"action": "take_down_selected", "_selected_action": [professional.pk]})
    patient.refresh_from_db()
    professional.refresh_from_db()
    assert not patient.is_live and patient.is_withdrawn and not professional.is_live
    assert client.get("/topics/insr-gene/professional/").status_code == 410


def test_withdrawn_page_can_be_published_again(client, page, reviewer_user):
    workflow.unpublish(page, by=reviewer_user)
    workflow.publish(page, by=reviewer_user, override_reason="short test text")
    page.refresh_from_db()
    assert page.is_live and not page.is_withdrawn
    assert client.get(PAGE).status_code == 200


def test_import_leaves_a_withdrawn_page_withdrawn_and_names_it(db, personas, reviewer_user, client):
    import_content()
    page = Variant.objects.get(topic__slug="insr-gene", persona__slug="patient")
    workflow.unpublish(page, by=reviewer_user)
    report = import_content()
    page.refresh_from_db()
    assert not page.is_live and page.is_withdrawn
    assert any("insr-gene" in label and "patient" in label for label in report.withdrawn)
    assert "left withdrawn" in report.summary()
    assert client.get(PAGE).status_code == 410


def test_release_that_leaves_a_page_published_records_no_status_change(db, personas):
    import_content()
    page = Variant.objects.get(topic__slug="insr-gene", persona__slug="patient")
    before = page.history.count()
    import_content()
    statuses = list(page.history.order_by("history_date").values_list("status", flat=True))
    assert page.history.count() == before
    assert "draft" not in statuses  # loaded straight as published, never "published → draft"
