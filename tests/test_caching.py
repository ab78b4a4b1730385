"""Whole-page caching: cheap pages, constant queries, and changes that show at once."""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection

from topics import caching, workflow
from topics.models import Disclaimer, GlossaryTerm, Persona, Reference, Variant
from topics.versioning import SiteVersion

ROOT = Path(__file__).resolve().parent.parent
PAGE = "/topics/insr-gene/patient/"


def test_second_request_is_served_from_cache_with_one_query(client, insr_topic, django_assert_num_queries):
    first = client.get(PAGE)
    with django_assert_num_queries(1):  # only the content version
        second = client.get(PAGE)
    assert second.content == first.content
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


@pytest.mark.django_db(transaction=True)  # committed, as in production: the file's counter moves
def test_hit_on_sqlite_runs_no_query_and_is_what_the_full_stack_sends(client, insr_topic, django_assert_num_queries):
    if connection.vendor != "sqlite":
        pytest.skip("the database file's change counter is SQLite's")
    gzip = {"Accept-Encoding": "gzip"}
    rendered = client.get(PAGE, headers=gzip)  # the view, through every middleware
    with django_assert_num_queries(0):
        hit = client.get(PAGE, headers=gzip)
    assert hit.content == rendered.content
    security = ("Content-Security-Policy", "X-Frame-Options", "Permissions-Policy", "Cross-Origin-Resource-Policy")
    for header in (*security, "Vary", "Cache-Control", "ETag", "Content-Encoding", "Content-Type"):
        assert hit[header] == rendered[header], header
    assert sorted(hit.headers) == sorted(rendered.headers)
    # A committed change moves the counter: the next request reads the new version.
    insr_topic.other_names = "Changed after the hit"
    insr_topic.save()
    assert "Changed after the hit" in client.get(PAGE).content.decode()


def forget_pages() -> None:
    """Empty the page cache only, keeping the per-version lookups (personas, disclaimers)."""
    caching.recent_pages.clear()
    caching.cache.clear()


def test_uncached_topic_page_runs_at_most_four_queries_whatever_the_references(
    client, make_topic, make_reference, make_variant, django_assert_num_queries, django_assert_max_num_queries
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
    # The first page after a change also reads, once per process, the personas, the
    # disclaimers, the glossary and the readers' experiences (shown to caregivers too).
    with django_assert_max_num_queries(8):
        assert client.get("/topics/one-ref/caregiver/").status_code == 200

    # Version, variant (with topic, persona, reviewer), references, neighbours and related.
    with django_assert_num_queries(4) as one_queries:
        assert client.get("/topics/one-ref/patient/").status_code == 200
    with django_assert_num_queries(len(one_queries.captured_queries)):
        response = client.get("/topics/twenty-refs/patient/")
    assert response.content.decode().count('<li id="ref-') == 20


def test_topic_page_in_a_large_group_runs_the_same_queries(
    client, insr_topic, make_topic, make_variant, django_assert_max_num_queries, django_assert_num_queries
):
    for n in range(3):
        make_variant(make_topic(f"gene-{n:02}", title=f"Gene {n:02}", order=5))
    client.get("/topics/gene-00/patient/")
    forget_pages()
    with django_assert_max_num_queries(4) as small:
        client.get("/topics/gene-01/patient/")
    small_count = len(small.captured_queries)  # before the next request resets the query log
    for n in range(3, 60):
        make_variant(make_topic(f"gene-{n:02}", title=f"Gene {n:02}", order=5))
    client.get("/topics/gene-00/patient/")
    forget_pages()
    with django_assert_num_queries(small_count):
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
    workflow.publish(draft, by=None, override_reason="short test text")
    assert "For families." in body_of(client, "/topics/insr-gene/caregiver/")


def test_editing_text_shows_at_once(client, insr_topic):
    assert "A gene is a set of instructions" in body_of(client)
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    variant.body = "Freshly edited words [@medlineplus-insr]."
    variant.save()
    assert "Freshly edited words" not in body_of(client)  # a pending revision is not public
    workflow.publish(variant, by=None, override_reason="short test text")
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
        "from topics import workflow; from topics.models import Variant; "
        "v = Variant.objects.get(topic__slug='insr-gene'); "
        "v.body = 'Text changed by a management command [@medlineplus-insr].'; workflow.publish(v, by=None)"
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
    # On SQLite a hit reads no version while the file is unchanged, so it would never touch
    # the connection; forget the version so this request queries it, as after any change.
    caching._sqlite_seen = None
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
    workflow.publish(variant, by=None, override_reason="short test text")
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


# Attacks replayed (issue 13): each must find nothing ------------------------------------------


@pytest.fixture
def public_site(settings):
    """A production-like public address, and another allowed host an attacker may name."""
    settings.SITE_URL = "https://insr.example.org"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "insr.example.org"]
    return settings.SITE_URL


def test_host_header_never_reaches_a_cached_page(client, insr_topic, public_site):
    hostile = {"HTTP_HOST": "localhost:6666"}
    urls = [PAGE, "/", "/glossary/", "/robots.txt", "/sitemap.xml", "/search/?q=gene&persona=patient"]
    for url in urls:
        assert client.get(url, **hostile).status_code == 200, url
    for url in urls:
        for response in (client.get(url), client.get(url, **hostile)):
            text = response.content.decode()
            assert "6666" not in text and "localhost" not in text and "testserver" not in text, url
    html = client.get(PAGE).content.decode()
    assert f'<link rel="canonical" href="{public_site}{PAGE}">' in html
    assert f'<meta property="og:url" content="{public_site}{PAGE}">' in html
    assert f'"url": "{public_site}{PAGE}"' in html  # JSON-LD
    assert f"Sitemap: {public_site}/sitemap.xml" in client.get("/robots.txt").content.decode()
    assert f"<loc>{public_site}{PAGE}</loc>" in client.get("/sitemap.xml").content.decode()


HTMX = {"HX-Request": "true"}
HISTORY_RESTORE = {"HX-Request": "true", "HX-History-Restore-Request": "true"}


@pytest.mark.parametrize("url", ["/search/?q=gene&persona=patient", "/search/?q=gene", PAGE, "/glossary/gene/"])
def test_history_restore_request_never_poisons_htmx_requests(client, insr_topic, url):
    GlossaryTerm.objects.create(slug="gene", term="gene", definition="A set of instructions.")
    uncached = {}
    for name, headers in {"plain": {}, "htmx": HTMX, "restore": HISTORY_RESTORE}.items():
        caching.clear()
        uncached[name] = client.get(url, headers=headers).content
    caching.clear()
    # The attacker's order: a history restore first, then everyone else.
    for name, headers in {"restore": HISTORY_RESTORE, "htmx": HTMX, "plain": {}}.items():
        assert client.get(url, headers=headers).content == uncached[name], name
    for name, headers in {"htmx": HTMX, "plain": {}, "restore": HISTORY_RESTORE}.items():
        assert client.get(url, headers=headers).content == uncached[name], name
    if url.startswith("/search/"):
        assert b"<html" not in uncached["htmx"] and b"<html" in uncached["restore"]


def test_cached_pages_vary_on_every_header_their_key_holds(client, insr_topic):
    vary = client.get(PAGE)["Vary"]
    for header in ("HX-Request", "HX-History-Restore-Request", "Accept-Encoding"):
        assert header in vary


def cached_entries() -> int:
    """Pages in the shared cache: the memory cache's entries, or Redis's page keys."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    shared = caches["default"]
    if isinstance(shared, LocMemCache):
        return len(shared._cache)
    return len(shared._cache.get_client().keys("*page:*"))


@pytest.mark.parametrize("url", [PAGE, "/", "/search/?q=gene&persona=patient", "/glossary/"])
def test_junk_query_parameters_add_no_cache_entries(client, insr_topic, url):
    separator = "&" if "?" in url else "?"
    first = client.get(url)
    before = (cached_entries(), len(caching.recent_pages.pages))
    for n in range(300):
        response = client.get(f"{url}{separator}utm_source={n}&junk={n}")
        assert response.status_code == 200
        assert response.content == first.content
    assert (cached_entries(), len(caching.recent_pages.pages)) == before


def test_unknown_persona_cookies_add_no_cache_entries(client, insr_topic):
    client.get("/")
    before = cached_entries()
    for n in range(50):
        client.cookies["persona"] = f"nobody-{n}"
        assert client.get("/").status_code == 200
    assert cached_entries() <= before + 1  # at most the page for "no valid persona"


def test_query_parameters_a_page_reads_are_in_its_key(client, insr_topic):
    assert client.get("/?persona=professional").content != client.get("/?persona=patient").content
    assert b"gene" in client.get("/search/?q=gene&persona=patient").content
    zebra = client.get("/search/?q=zebra&persona=patient").content
    assert zebra != client.get("/search/?q=gene&persona=patient").content


def ticked(html: bytes) -> list[str]:
    import re

    return re.findall(r'name="persona" value="([a-z]+)" checked', html.decode())


@pytest.mark.parametrize("first", ["none", "cookie"])
def test_first_visit_home_and_a_chosen_home_never_share_a_cached_page(client, insr_topic, first):
    """Nothing ticked for a first visit, the choice ticked with a cookie: whichever is cached first."""
    order = ["none", "cookie"] if first == "none" else ["cookie", "none"]
    for _ in range(2):  # the second round is served from the cache
        for visitor in order:
            client.cookies.clear()
            if visitor == "cookie":
                client.cookies["persona"] = "patient"  # the default reader, chosen
            assert ticked(client.get("/").content) == ([] if visitor == "none" else ["patient"]), visitor
    client.cookies["persona"] = "no-such-reader"
    assert ticked(client.get("/").content) == []


def test_memory_cache_is_bounded(settings):
    from insr_site import settings as production

    if "REDIS_URL" not in os.environ:
        assert production.CACHES["default"]["OPTIONS"]["MAX_ENTRIES"] <= 2000
    assert caching.recent_pages.size <= 300


# The cache down ------------------------------------------------------------------------------


@pytest.fixture
def stopped_redis(settings):
    """Redis configured but not answering: nothing listens on this port."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free now, and nothing will listen on it
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
    caching.shared_cache.reset()
    yield
    caching.shared_cache.reset()


def test_redis_stopped_every_page_is_still_served(client, insr_topic, stopped_redis, caplog):
    from django.urls import reverse

    urls = [PAGE, "/", "/search/?q=gene", "/glossary/", reverse("admin:login"), "/robots.txt", "/sitemap.xml"]
    with caplog.at_level("WARNING", logger="topics.caching"):
        for _ in range(3):
            for url in urls:
                assert client.get(url).status_code == 200, url
            caching.shared_cache.down_until = 0  # as if the retry interval had passed
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok", "cache": "unreachable"}
    # One warning per interval, not one per request.
    assert len([r for r in caplog.records if r.name == "topics.caching"]) == 1


def test_redis_stopped_pages_stay_correct(client, insr_topic, stopped_redis):
    assert "A gene is a set of instructions" in body_of(client)
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    variant.body = "Changed while the cache was down [@medlineplus-insr]."
    workflow.publish(variant, by=None, override_reason="short test text")
    assert "Changed while the cache was down" in body_of(client)


def test_redis_that_does_not_answer_is_left_alone_for_a_while(client, insr_topic, settings):
    """A Redis that accepts connections but never replies (overloaded, half-dead)."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{listener.getsockname()[1]}/0",
                "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
            }
        }
        caching.shared_cache.reset()
        assert "Biallelic variants" in body_of(client, "/topics/insr-gene/professional/")
        assert not caching.shared_cache.available  # timed out once, then skipped
        with mock.patch.object(caching.cache, "get_many", side_effect=AssertionError("tried again")):
            assert client.get(PAGE).status_code == 200
    finally:
        listener.close()
        caching.shared_cache.reset()


def test_search_pages_are_kept_for_less_time_than_topic_pages():
    from django.urls import resolve

    search = getattr(resolve("/search/").func, caching.VIEW_ATTRIBUTE)
    topic = getattr(resolve(PAGE).func, caching.VIEW_ATTRIBUTE)
    assert search.seconds <= 600 < topic.seconds


def test_cache_that_comes_back_is_used_again_without_a_restart(client, insr_topic, stopped_redis, settings):
    client.get(PAGE)
    assert not caching.shared_cache.available
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    caching.shared_cache.down_until = 0  # the retry interval has passed
    caching.recent_pages.clear()
    client.get(PAGE)
    assert cached_entries() == 1
    assert client.get("/healthz").json()["cache"] == "ok"


# A new build ---------------------------------------------------------------------------------


def test_new_build_never_serves_the_previous_builds_html(client, insr_topic, monkeypatch):
    first = client.get(PAGE).content
    # The new build's templates render this page differently; the content did not change
    # (a raw write, so the content version stays as it was).
    with connection.cursor() as cursor:
        cursor.execute("UPDATE topics_variant SET live_html = %s", ["<p>Rendered by the new build.</p>"])
    assert client.get(PAGE).content == first  # same build, same version: the cached page
    monkeypatch.setattr(caching, "build_id", lambda: "the-next-build")
    assert b"Rendered by the new build." in client.get(PAGE).content


def test_build_id_changes_with_templates_code_and_static_manifest(tmp_path):
    (tmp_path / "templates").mkdir()
    template = tmp_path / "templates" / "base.html"
    template.write_text("<title>one</title>")
    (tmp_path / "views.py").write_text("x = 1\n")
    manifest = tmp_path / "staticfiles.json"
    manifest.write_text('{"paths": {"css/site.css": "css/site.aaa.css"}}')
    first = caching.compute_build_id(tmp_path, manifest)
    assert caching.compute_build_id(tmp_path, manifest) == first
    template.write_text("<title>two</title>")
    second = caching.compute_build_id(tmp_path, manifest)
    assert second != first
    (tmp_path / "views.py").write_text("x = 2\n")
    third = caching.compute_build_id(tmp_path, manifest)
    assert third != second
    manifest.write_text('{"paths": {"css/site.css": "css/site.bbb.css"}}')
    assert caching.compute_build_id(tmp_path, manifest) != third


def test_build_id_can_be_named_by_the_platform(settings):
    settings.BUILD_ID = "abc123"
    caching.build_id.cache_clear()
    try:
        assert caching.build_id() == "abc123"
    finally:
        caching.build_id.cache_clear()


# Compression ---------------------------------------------------------------------------------


def test_pages_are_sent_compressed_to_browsers_that_accept_it(client, insr_topic):
    import gzip

    import brotli

    plain = client.get(PAGE)
    assert "Content-Encoding" not in plain
    for _ in range(2):  # uncached, then cached
        caching.clear() if _ == 0 else None
        packed = client.get(PAGE, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert packed["Content-Encoding"] == "br"
        assert brotli.decompress(packed.content) == plain.content
        assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content) / 2
        assert "Accept-Encoding" in packed["Vary"]
        packed = client.get(PAGE, headers={"Accept-Encoding": "gzip, deflate"})
        assert packed["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.content) == plain.content
        assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content) / 2
        assert packed["ETag"] != plain["ETag"]
        assert "Accept-Encoding" in packed["Vary"]
    refused = client.get(PAGE, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused and refused.content == plain.content
    again = client.get(PAGE, headers={"Accept-Encoding": "gzip", "If-None-Match": packed["ETag"]})
    assert again.status_code == 304


# Ready for a CDN -----------------------------------------------------------------------------


def test_public_pages_may_be_kept_by_a_cdn_when_configured(client, insr_topic, settings):
    settings.CDN_MAX_AGE = 300
    for url in [PAGE, "/?persona=patient", "/glossary/", "/search/?q=gene&persona=patient", "/sitemap.xml"]:
        for _ in range(2):  # uncached, then cached
            control = client.get(url)["Cache-Control"]
            assert control.startswith("public, max-age=0, s-maxage=300, stale-while-revalidate=300"), url
            assert "stale-if-error=" in control


def test_personal_pages_are_never_kept_by_a_shared_cache(client, insr_topic, settings, django_user_model):
    from django.urls import reverse

    settings.CDN_MAX_AGE = 300
    client.cookies["persona"] = "professional"
    assert "private" in client.get("/")["Cache-Control"]  # follows the visitor's cookie
    assert client.get("/topics/insr-gene/")["Cache-Control"] == "private, no-store"  # redirect by cookie
    assert "no-store" in client.get(reverse("admin:login"))["Cache-Control"]
    assert "no-store" in client.get("/healthz")["Cache-Control"]
    client.force_login(django_user_model.objects.create_superuser("op", "op@example.org", "a-long-test-password"))
    for url in [PAGE, PAGE + "?preview=1", reverse("admin:index")]:
        control = client.get(url)["Cache-Control"]
        assert "private" in control and "no-store" in control, url


def test_robots_txt_never_names_the_admin_path(client, db):
    from django.urls import reverse

    robots = client.get("/robots.txt").content.decode()
    assert reverse("admin:index") not in robots
    assert "admin" not in robots.lower()


# PostgreSQL: the version pushed to every process ---------------------------------------------


@pytest.mark.django_db(transaction=True)  # notices are only sent when a change commits
def test_postgresql_pushes_the_version_so_cached_pages_need_no_query(
    client, make_topic, make_reference, make_variant, settings, django_assert_num_queries, monkeypatch
):
    import time

    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    settings.CONTENT_VERSION_LISTEN = True
    settings.DATABASES["default"]["NAME"] = connection.settings_dict["NAME"]  # the test database
    listener = caching.VersionListener()
    monkeypatch.setattr(caching, "version_listener", listener)
    make_reference("medlineplus-insr")
    variant = make_variant(make_topic("insr-gene"), body="Text before [@medlineplus-insr].")

    def wait_for(condition) -> bool:
        deadline = time.monotonic() + 5
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.01)
        return condition()

    listener.current()
    try:
        assert wait_for(lambda: listener.version == SiteVersion.current())
        assert "Text before" in body_of(client)
        with django_assert_num_queries(0):
            assert "Text before" in body_of(client)
        variant.body = "Text after [@medlineplus-insr]."
        workflow.publish(variant, by=None, override_reason="short test text")
        # Delivered when the change committed: within milliseconds, in every process.
        assert wait_for(lambda: listener.version == SiteVersion.current())
        assert "Text after" in body_of(client)
    finally:
        listener.stop()
    assert listener.version is None  # stopped: pages would read the version per request


@pytest.mark.parametrize("url", [PAGE, "/topics/", "/glossary/", "/?persona=student", "/robots.txt"])
def test_pages_cached_by_url_are_what_any_visitor_would_get_uncached(client, insr_topic, url):
    """A page keyed by URL alone must not depend on anything else a visitor sends."""
    uncached = {}
    for persona in ("professional", "caregiver"):
        caching.clear()
        client.cookies["persona"] = persona
        uncached[persona] = client.get(url).content
    assert uncached["professional"] == uncached["caregiver"]
    for persona in ("caregiver", "professional"):  # served from the cache now
        client.cookies["persona"] = persona
        assert client.get(url).content == uncached[persona]


def test_a_visitors_feedback_thank_you_is_never_served_from_or_stored_in_the_cache(client, insr_topic):
    plain = client.get("/topics/insr-gene/patient/").content.decode()
    assert "Thank you" not in plain
    thanked = client.get("/topics/insr-gene/patient/?feedback=thanks")
    assert "Thank you" in thanked.content.decode()
    assert "no-store" in thanked["Cache-Control"]
    assert "Thank you" not in client.get("/topics/insr-gene/patient/").content.decode()
