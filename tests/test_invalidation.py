"""Every path that changes public content shows at once: the content version moves with it."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from topics.models import Disclaimer, GlossaryTerm, Persona, Reference, Topic, Variant
from topics.versioning import SiteVersion

PAGE = "/topics/insr-gene/patient/"


def body_of(client, url=PAGE) -> str:
    return client.get(url).content.decode()


@pytest.fixture
def admin_client_(client, django_user_model):
    """A signed-in operator, on a client of its own (visitors use `client`)."""
    from django.test import Client

    operator = Client()
    operator.force_login(django_user_model.objects.create_superuser("op", "op@example.org", "a-long-test-password"))
    return operator


def test_admin_bulk_delete_of_topics_shows_at_once(client, insr_topic, admin_client_):
    assert client.get(PAGE).status_code == 200
    assert "The INSR gene" in body_of(client, "/")
    response = admin_client_.post(
        reverse("admin:topics_topic_changelist"),
        {"action": "delete_selected", "_selected_action": [insr_topic.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Topic.objects.exists()
    assert client.get(PAGE).status_code == 404
    assert "The INSR gene" not in body_of(client, "/")


def test_admin_bulk_delete_of_variants_shows_at_once(client, insr_topic, admin_client_):
    assert "A gene is a set of instructions" in body_of(client)
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    response = admin_client_.post(
        reverse("admin:topics_variant_changelist"),
        {"action": "delete_selected", "_selected_action": [variant.pk], "post": "yes"},
    )
    assert response.status_code == 302
    # The patient page now falls back to the professional text.
    assert "A gene is a set of instructions" not in body_of(client)


def test_queryset_update_shows_at_once(client, insr_topic):
    body_of(client)
    Topic.objects.filter(pk=insr_topic.pk).update(title="Insulin receptor gene")
    assert "Insulin receptor gene" in body_of(client)
    Reference.objects.filter(key="medlineplus-insr").update(title="A corrected title")
    assert "A corrected title" in body_of(client)


def test_queryset_delete_shows_at_once(client, insr_topic):
    body_of(client)
    Variant.objects.filter(topic=insr_topic).delete()
    assert client.get(PAGE).status_code == 404


def test_bulk_create_and_bulk_update_show_at_once(client, insr_topic):
    assert "Fresh definition" not in body_of(client, "/glossary/")
    GlossaryTerm.objects.bulk_create([GlossaryTerm(slug="cell", term="cell", definition="Fresh definition.")])
    assert "Fresh definition" in body_of(client, "/glossary/")
    term = GlossaryTerm.objects.get(slug="cell")
    term.definition = "Updated in bulk."
    GlossaryTerm.objects.bulk_update([term], ["definition"])
    assert "Updated in bulk." in body_of(client, "/glossary/")


def test_many_to_many_changes_show_at_once(client, insr_topic, make_topic, make_variant):
    other = make_topic("insulin-resistance", title="Insulin resistance", kind=Topic.Kind.CONCEPT)
    make_variant(other)
    assert 'href="/topics/insulin-resistance/patient/"' not in body_of(client)
    insr_topic.related.add(other)
    assert 'href="/topics/insulin-resistance/patient/"' in body_of(client)
    insr_topic.related.clear()
    assert 'href="/topics/insulin-resistance/patient/"' not in body_of(client)

    disclaimer = Disclaimer.objects.create(slug="pro", title="For clinicians", text="Professional judgement.")
    disclaimer.personas.set([Persona.objects.get(slug="professional")])
    assert "Professional judgement." not in body_of(client)
    Persona.objects.get(slug="patient").disclaimers.add(disclaimer)  # from the other side
    assert "Professional judgement." in body_of(client)


def test_revert_from_history_shows_at_once(client, insr_topic):
    insr_topic.title = "A title that was a mistake"
    insr_topic.save()
    assert "A title that was a mistake" in body_of(client)
    # What django-simple-history's "Revert" does: save the old revision's instance.
    insr_topic.history.order_by("history_date").first().instance.save()
    html = body_of(client)
    assert "A title that was a mistake" not in html and "The INSR gene" in html


def test_revert_in_admin_shows_at_once(client, insr_topic, admin_client_):
    insr_topic.title = "A title that was a mistake"
    insr_topic.save()
    assert "A title that was a mistake" in body_of(client)
    first = insr_topic.history.order_by("history_date").first()
    url = reverse("admin:topics_topic_simple_history", args=[insr_topic.pk, first.history_id])
    form = admin_client_.get(url).context["adminform"].form
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["related"] = [t.pk for t in data["related"]] if data.get("related") else []
    data = {k: v for k, v in data.items() if v is not None}
    response = admin_client_.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "A title that was a mistake" not in body_of(client)


def test_management_command_import_shows_at_once(client, db):
    assert "/topics/insr-gene/" not in body_of(client, "/")
    assert client.get("/glossary/").status_code == 200
    call_command("import_content", verbosity=0)
    assert "/topics/insr-gene/" in body_of(client, "/")
    assert 'id="insulin"' in body_of(client, "/glossary/") or "Insulin" in body_of(client, "/glossary/")


def test_every_bulk_change_bumps_in_the_same_transaction(db, make_topic):
    topic = make_topic()
    before = SiteVersion.current()
    with connection.cursor():
        Topic.objects.filter(pk=topic.pk).update(summary="Changed.")
    assert SiteVersion.current() == before + 1


def test_managers_of_public_content_cannot_delete_everything_at_once():
    # Django keeps delete() off managers; the invalidating queryset must too.
    assert not hasattr(Topic.objects, "delete")
    assert not hasattr(Variant.objects, "delete")


def test_every_public_content_model_uses_the_invalidating_queryset():
    from topics.invalidation import InvalidatingQuerySet
    from topics.models import InvalidatesPages, Reviewer

    for model in [Persona, Topic, Variant, Reference, Disclaimer, GlossaryTerm, Reviewer]:
        assert issubclass(model, InvalidatesPages)
        assert isinstance(model.objects.all(), InvalidatingQuerySet), model
