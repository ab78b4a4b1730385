import pytest
from django.urls import reverse

from topics import workflow
from topics.models import Disclaimer, GlossaryTerm, Persona, Reference, Reviewer, Topic, Variant

MODELS = [Persona, Topic, Variant, Reference, Disclaimer, GlossaryTerm, Reviewer]


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("operator", "op@example.org", "a-long-test-password")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_and_add_pages_load(admin_client, insr_topic, model):
    meta = model._meta
    assert admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add")).status_code == 200


def test_variant_changelist_filters_and_grade_against_target(admin_client, insr_topic):
    url = reverse("admin:topics_variant_changelist")
    html = admin_client.get(url, {"persona__id__exact": Persona.objects.get(slug="professional").pk}).content.decode()
    assert "target ≤ 18.0" in html
    assert "target ≤ 6.0" not in html
    assert 'href="/topics/insr-gene/professional/"' in html
    assert admin_client.get(url, {"status__exact": "published", "q": "gene"}).status_code == 200


def test_admin_finds_a_variant_by_its_page_address_and_shows_the_site_icon(admin_client, insr_topic):
    html = admin_client.get(reverse("admin:topics_variant_changelist"), {"q": "insr-gene"}).content.decode()
    assert "2 variants" in html
    assert '<link rel="icon" href="/static/img/favicon.svg"' in html


def test_topic_change_page_lists_variants_without_editing_their_text(admin_client, insr_topic):
    # Bodies are edited only on the variant form, where revisions and review apply.
    html = admin_client.get(reverse("admin:topics_topic_change", args=[insr_topic.pk])).content.decode()
    assert 'name="variants-0-body"' not in html
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    assert reverse("admin:topics_variant_change", args=[variant.pk]) in html


def test_editor_change_shows_on_public_page(admin_client, client, insr_topic):
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    url = reverse("admin:topics_variant_change", args=[variant.pk])
    response = admin_client.post(
        url,
        {
            "topic": insr_topic.pk,
            "persona": variant.persona.pk,
            "status": "published",
            "title": "",
            "summary": "",
            "body": "A brand new sentence from an editor [@semple-2011].",
            "base_revision": variant.revision,
            "reviewer": "",
            "last_reviewed": "",
            "next_review_due": "",
        },
    )
    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.status == "draft" and variant.has_pending_revision
    html = client.get("/topics/insr-gene/patient/").content.decode()
    assert "A brand new sentence from an editor" not in html  # live text until a reviewer publishes
    workflow.publish(variant, by=variant.published_by)
    html = client.get("/topics/insr-gene/patient/").content.decode()
    assert "A brand new sentence from an editor" in html
    assert '<li id="ref-semple-2011">' in html


def test_unknown_reference_key_is_a_form_error(admin_client, insr_topic):
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    url = reverse("admin:topics_variant_change", args=[variant.pk])
    response = admin_client.post(
        url,
        {
            "topic": insr_topic.pk,
            "persona": variant.persona.pk,
            "status": "published",
            "body": "Claim with a typo [@semple-2O11].",
        },
    )
    assert response.status_code == 200
    assert "Unknown reference key(s): semple-2O11" in response.content.decode()
    variant.refresh_from_db()
    assert "typo" not in variant.body


def test_admin_requires_login(client, db):
    response = client.get(reverse("admin:topics_variant_changelist"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_variant_change_page_shows_rendered_body_and_grade(admin_client, insr_topic):
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    html = admin_client.get(reverse("admin:topics_variant_change", args=[variant.pk])).content.decode()
    assert '<div class="rendered-preview"><h2 id="what-is-it">What is it?</h2>' in html
    assert f"{variant.reading_grade} (target ≤ 6.0, ok)" in html


def test_grade_panel_of_a_live_page_knows_its_reader_and_says_above_target(client, insr_topic, editor):
    import json as json_module
    import re as re_module

    from django.urls import reverse as reverse_url

    from topics.models import Variant as VariantModel

    variant = VariantModel.objects.get(topic=insr_topic, persona__slug="patient")
    assert variant.is_live
    client.force_login(editor)
    html = client.get(reverse_url("admin:topics_variant_change", args=[variant.pk])).content.decode()
    # The reader is read-only on a live page, so the panel is sent it with every keystroke.
    vals = re_module.search(r'hx-vals="([^"]+)"', html)
    assert vals and json_module.loads(vals.group(1).replace("&quot;", '"')) == {"persona": variant.persona_id}
    hard = "Heterozygous dominant-negative mutations impair transphosphorylation of kinase domains."
    panel = client.post(reverse_url("admin:topics_variant_grade"), {"body": hard, "persona": variant.persona_id})
    text = panel.content.decode()
    assert "target for Patient" in text and "Above target." in text
