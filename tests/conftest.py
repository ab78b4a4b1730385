import importlib

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection

from topics import workflow
from topics.importing import import_content
from topics.models import Disclaimer, GlossaryTerm, Persona, Reference, Reviewer, ReviewEvent, Topic, Variant

default_personas = importlib.import_module("topics.migrations.0002_default_personas")
citations_by_reader = importlib.import_module("topics.migrations.0013_citations_resources")
persona_kind_orders = importlib.import_module("topics.migrations.0014_persona_topic_kind_order")


def restore_default_personas() -> None:
    if not Persona.objects.exists():
        # A transactional test ran before this one and emptied every table, the rows
        # that data migrations made included: make them again, the same way.
        default_personas.create_personas(apps, None)
        citations_by_reader.plain_language_readers(apps, None)
        persona_kind_orders.set_orders(apps, None)


def wipe_content() -> None:
    """An empty database as far as content goes (personas and accounts stay, as after migrate).

    Row ids start again at 1 as in a new database, since pages use some (disclaimer anchors).
    """
    models = [ReviewEvent, Variant, Topic, Reference, GlossaryTerm, Disclaimer, Reviewer]
    for model in models:
        model.objects.all().delete()
    tables = [*models, Topic.related.through, Disclaimer.personas.through]
    sequences = [{"table": model._meta.db_table, "column": "id"} for model in tables]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_by_name_sql(no_style(), sequences):
            cursor.execute(sql)


@pytest.fixture
def personas(db) -> dict[str, Persona]:
    """The four default personas, created by the data migration."""
    restore_default_personas()
    return Persona.objects.in_bulk(field_name="slug")


@pytest.fixture(scope="module")
def shipped_content(django_db_setup, django_db_blocker):
    """The shipped content, loaded once for a module's tests rather than once per test.

    Each test still runs in its own transaction (ask for ``db`` too), so what a test changes
    is rolled back and the next test sees the content as shipped. The rows are removed
    when the module ends, so other modules start from an empty database as before.
    """
    with django_db_blocker.unblock():
        restore_default_personas()
        import_content()
    yield
    with django_db_blocker.unblock():
        wipe_content()
        for model in apps.get_app_config("topics").get_models():
            if model.__name__.startswith("Historical"):
                model.objects.all().delete()


@pytest.fixture
def make_reference(db):
    def make(key: str = "semple-2011", **fields) -> Reference:
        fields.setdefault("kind", Reference.Kind.RESEARCH)
        fields.setdefault("title", f"Title of {key}")
        return Reference.objects.create(key=key, **fields)

    return make


@pytest.fixture
def make_topic(db):
    def make(slug: str = "insr-gene", **fields) -> Topic:
        fields.setdefault("title", slug.replace("-", " ").capitalize())
        fields.setdefault("kind", Topic.Kind.GENE)
        fields.setdefault("summary", f"About {slug}.")
        return Topic.objects.create(slug=slug, **fields)

    return make


@pytest.fixture
def make_variant(personas):
    def make(topic: Topic, persona: str = "patient", body: str = "Plain words here.", **fields) -> Variant:
        """A variant, published through Variant.publish unless another status is given."""
        status = fields.pop("status", Variant.Status.PUBLISHED)
        publish = status == Variant.Status.PUBLISHED
        variant = Variant.objects.create(
            topic=topic,
            persona=personas[persona],
            body=body,
            status=Variant.Status.DRAFT if publish else status,
            **fields,
        )
        if publish:
            workflow.publish(variant, by=None, override_reason="test content")
        return variant

    return make


@pytest.fixture
def insr_topic(make_topic, make_reference, make_variant):
    """One topic, published for patient and professional, with two references."""
    make_reference("semple-2011", authors="Semple RK", doi="10.1210/er.2010-0020", year=2011)
    make_reference(
        "medlineplus-insr", kind=Reference.Kind.GENE_DATABASE, url="https://medlineplus.gov/genetics/gene/insr/"
    )
    topic = make_topic("insr-gene", title="The INSR gene", other_names="CD220\nHHF5\nIR")
    make_variant(topic, "patient", "## What is it?\n\nA gene is a set of instructions [@medlineplus-insr].")
    make_variant(
        topic,
        "professional",
        "## Genetics\n\nBiallelic variants cause Donohue syndrome [@semple-2011; @medlineplus-insr].",
    )
    return topic


@pytest.fixture
def editor(django_user_model):
    """Edna, in the Editors group."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("edna", "edna@example.org", "editor-password-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def reviewer_user(django_user_model):
    """Rita, a medical reviewer with her entry on the review board."""
    from django.contrib.auth.models import Group

    from topics.models import Reviewer

    user = django_user_model.objects.create_user("rita", "rita@example.org", "reviewer-password-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Medical reviewers"))
    Reviewer.objects.create(name="Rita Example", credentials="MD, endocrinologist", user=user)
    return user


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Cached pages are keyed by content version, which restarts in every test database."""
    from topics import caching

    caching.clear()
    yield
    caching.clear()
