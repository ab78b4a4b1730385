"""Whole-page caching: cheap pages, constant queries, and changes that show at once."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from topics import caching
from topics.models import Disclaimer, GlossaryTerm, Persona, Reference, SiteVersion, Variant

ROOT = Path(__file__).resolve().parent.parent
PAGE = "/topics/insr-gene/patient/"


def test_second_request_is_served_from_cache_with_one_query(client, insr_topic, django_assert_num_queries):
    first = client.get(PAGE)
    with django_assert_num_queries(1):  # only the content version
        second = client.get(PAGE)
    assert second.content == first.content
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_uncached_topic_page_runs_at_most_eight_queries_whatever_the_references(
    client, make_topic, make_reference, make_variant, django_assert_num_queries
):
    for n in range(20):
        make_reference(f"ref-{n}")
    one = make_topic("one-ref", title="One reference")
    make_variant(one, body="A claim [@ref-0].")
    twenty = make_topic("twenty-refs", title="Twenty references")
    make_variant(twenty, body=" ".join(f"Claim {n} [@ref-{n}]." for n in range(20)))
    for n in range(3):
        twenty.related.add(make_topic(f"related-{n}"))
    Disclaimer.objects.create(slug="d", title="D", text="T")

    # Eight on a patient page: the content version, the personas, the variant, its references,
    # the disclaimers, the related and neighbouring topics, the glossary (linked when shown)
    # and the readers' experiences it shows.
    with django_assert_num_queries(8) as one_queries:
        assert client.get("/topics/one-ref/patient/").status_code == 200
    with django_assert_num_queries(len(one_queries.captured_queries)):
        response = client.get("/topics/twenty-refs/patient/")
    assert response.content.decode().count('<li id="ref-') == 20


def test_topic_page_in_a_large_group_runs_the_same_queries(
    client, insr_topic, make_topic, make_variant, django_assert_max_num_queries, django_assert_num_queries
):
    for n in range(3):
        make_variant(make_topic(f"gene-{n:02}", title=f"Gene {n:02}", order=5))
    caching.clear()
    with django_assert_max_num_queries(8) as small:
        client.get("/topics/gene-01/patient/")
    for n in range(3, 60):
        make_variant(make_topic(f"gene-{n:02}", title=f"Gene {n:02}", order=5))
    caching.clear()
    with django_assert_num_queries(len(small.captured_queries)):
        html = client.get("/topics/gene-30/patient/").content.decode()
    assert 'href="/topics/gene-29/patient/" rel="prev"' in html
    assert 'href="/topics/gene-31/patient/" rel="next"' in html


def test_home_query_count_does_not_grow_with_topics(client, make_topic, make_variant, django_assert_max_num_queries):
    for n in range(3):
        make_variant(make_topic(f"topic-{n}"))
    caching.clear()
    with django_assert_max_num_queries(10) as few:
        client.get("/")
    for n in range(3, 30):
        make_variant(make_topic(f"topic-{n}"))
    caching.clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/").content.decode()
    # Home shows the first twelve of a group and links to the full list.
    assert html.count('href="/topics/topic-') == 12
    assert "See all 30 topics" in html


def test_conditional_get_answers_304(client, insr_topic):
    response = client.get(PAGE)
    etag = response["ETag"]
    again = client.get(PAGE, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""


def test_cached_pages_hold_nothing_per_visitor(client, insr_topic):
    client.cookies["persona"] = "professional"
    html = client.get(PAGE).content.decode()
    assert "csrfmiddlewaretoken" not in html
    assert "Set-Cookie" not in str(client.get(PAGE).headers)


def test_signed_in_staff_always_get_a_fresh_page(client, insr_topic, django_user_model, django_assert_num_queries):
    client.force_login(django_user_model.objects.create_superuser("op", "op@example.org", "a-long-test-password"))
    client.get(PAGE)
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    Variant.objects.filter(pk=variant.pk).update(live_html="<p>Changed behind the cache's back.</p>")
    assert "Changed behind the cache" in client.get(PAGE).content.decode()


# Invalidation ------------------------------------------------------------------------------


def body_of(client, url=PAGE) -> str:
    return client.get(url).content.decode()


def test_publishing_shows_at_once(client, insr_topic):
    draft = Variant.objects.create(
        topic=insr_topic, persona=Persona.objects.get(slug="caregiver"), body="For families.", status="draft"
    )
    assert "For families." not in body_of(client, "/topics/insr-gene/caregiver/")
    draft.publish(by=None, override_reason="short test text")
    assert "For families." in body_of(client, "/topics/insr-gene/caregiver/")


def test_editing_text_shows_at_once(client, insr_topic):
    assert "A gene is a set of instructions" in body_of(client)
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    variant.body = "Freshly edited words [@medlineplus-insr]."
    variant.save()
    assert "Freshly edited words" not in body_of(client)  # a pending revision is not public
    variant.publish(by=None, override_reason="short test text")
    assert "Freshly edited words" in body_of(client)


def test_reference_change_shows_at_once(client, insr_topic):
    body_of(client)
    ref = Reference.objects.get(key="medlineplus-insr")
    ref.title = "A corrected reference title"
    ref.save()
    assert "A corrected reference title" in body_of(client)


def test_glossary_term_change_shows_at_once(client, insr_topic):
    GlossaryTerm.objects.create(slug="gene", term="gene", definition="Old words.")
    assert "Old words." in body_of(client, "/glossary/")
    term = GlossaryTerm.objects.get(slug="gene")
    term.definition = "New plain words."
    term.save()
    assert "New plain words." in body_of(client, "/glossary/")
    assert "New plain words." in body_of(client, "/glossary/gene/")


def test_disclaimer_change_shows_at_once(client, insr_topic):
    disclaimer = Disclaimer.objects.create(slug="general", title="About this page", text="First text.")
    assert "First text." in body_of(client)
    disclaimer.text = "Second text."
    disclaimer.save()
    assert "Second text." in body_of(client)
    disclaimer.delete()
    assert "Second text." not in body_of(client)


def test_persona_change_shows_at_once(client, insr_topic):
    assert "Written for: Patient" in body_of(client)
    persona = Persona.objects.get(slug="patient")
    persona.name = "Person with the condition"
    persona.save()
    assert "Written for: Person with the condition" in body_of(client)


def test_topic_change_shows_at_once(client, insr_topic):
    body_of(client)
    insr_topic.other_names = "CD220\nHHF5\nIR\nInsulin receptor"
    insr_topic.save()
    assert "CD220, HHF5, IR, Insulin receptor" in body_of(client)


@pytest.mark.django_db(transaction=True)
def test_change_made_by_another_process_shows_at_once(client, make_topic, make_reference, make_variant):
    make_reference("medlineplus-insr")
    make_variant(make_topic("insr-gene"), body="Text before [@medlineplus-insr].")
    assert "Text before" in body_of(client)

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    script = (
        "from topics.models import Variant; v = Variant.objects.get(topic__slug='insr-gene'); "
        "v.body = 'Text changed by a management command [@medlineplus-insr].'; v.publish(by=None)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="insr_site.settings", DJANGO_DEBUG="1", DATABASE_URL=url)
    env.pop("REDIS_URL", None)  # the writer shares no cache with this process
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "Text changed by a management command" in body_of(client)


@pytest.mark.django_db(transaction=True)  # outside a test transaction, so a connection can be closed
def test_a_dropped_database_connection_is_replaced_without_an_error_page(client, insr_topic):
    """The database restarted or closed an idle connection: the next visitor still gets the page."""
    first = client.get(PAGE)
    connection.ensure_connection()
    connection.health_check_enabled = True  # as in production (CONN_HEALTH_CHECKS)
    connection.health_check_done = False  # a new request, as request_started leaves it
    connection.connection.close()  # closed under Django's feet
    second = client.get(PAGE)
    assert second.status_code == 200
    assert second.content == first.content
    assert connection.is_usable()


def test_version_bumps_once_per_change(db, make_topic):
    before = SiteVersion.current()
    topic = make_topic()
    assert SiteVersion.current() == before + 1
    topic.delete()
    assert SiteVersion.current() == before + 2


# Redis ---------------------------------------------------------------------------------------


@pytest.fixture
def redis_cache(settings):
    import redis

    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not answering at {url}; CI must start it")
        pytest.skip(f"Redis is not answering at {url}")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    caching.clear()
    yield url
    caching.clear()


def test_pages_are_cached_in_redis_and_invalidated(client, insr_topic, redis_cache, django_assert_num_queries):
    import redis
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    assert isinstance(caches["default"], RedisCache)
    first = client.get(PAGE)
    # Another worker or instance, which has never served this page itself, gets it from Redis.
    caching.recent_pages.clear()
    with django_assert_num_queries(1):
        shared = client.get(PAGE)
    assert shared.content == first.content
    assert any(key.startswith(b":1:page:") for key in redis.Redis.from_url(redis_cache).keys())
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    variant.body = "Seen through Redis [@medlineplus-insr]."
    variant.publish(by=None, override_reason="short test text")
    assert "Seen through Redis" in body_of(client)


def test_development_server_renders_every_page_fresh(settings, rf, insr_topic):
    """With DEBUG (make run) a template edit shows on the next reload: no page cache at all."""
    from topics.views import variant_detail

    def render(request):
        return variant_detail(request, topic="insr-gene", persona="patient")

    settings.DEBUG = True
    assert caching.page_cache(render) is render
    settings.DEBUG = False
    cached = caching.page_cache(render)
    cached(rf.get(PAGE))
    assert caching.recent_pages.pages, "production caches the page"
