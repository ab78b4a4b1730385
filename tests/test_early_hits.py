"""A cache hit answered before Django (topics.caching.EarlyHits) is byte for byte what the site sends.

Each request is sent three times: through EarlyHits (the first of its kind goes through
the whole site, which is how its answer is learnt), through EarlyHits again (answered
early, the site never called), and to Django's own WSGI handler with every middleware.
Status, every header in order, and body must be the same. Requests the site could answer
otherwise must reach the site every time.
"""

from __future__ import annotations

import io
import sys
import time

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

from topics import caching
from topics.models import GlossaryTerm
from topics.versioning import SiteVersion

PAGE = "/topics/insr-gene/patient/"
# Every kind of cached page, each reader's topic page among them.
PAGES = [
    PAGE,
    "/topics/insr-gene/caregiver/",
    "/topics/insr-gene/student/",
    "/topics/insr-gene/professional/",
    "/",
    "/?persona=student",
    "/topics/",
    "/glossary/",
    "/glossary/gene/",
    "/glossary/gene/?persona=patient",
    "/search/?q=gene",
    "/search/?q=gene&persona=professional",
    "/search/?q=gene&suggest=1",
    "/sitemap.xml",
    "/robots.txt",
]
CODINGS = [{}, {"Accept-Encoding": "gzip"}, {"Accept-Encoding": "gzip, deflate, br"}, {"Accept-Encoding": "gzip;q=0"}]
HTMX = [{}, {"HX-Request": "true"}, {"HX-Request": "true", "HX-History-Restore-Request": "true"}]
SECURITY = ("Content-Security-Policy", "Permissions-Policy", "Cross-Origin-Resource-Policy", "X-Frame-Options")


def environ(url: str, headers: dict | None = None, method: str = "GET", body: bytes = b"") -> dict:
    """A WSGI environ as gunicorn makes it, for 127.0.0.1 over plain HTTP."""
    path, _, query = url.partition("?")
    env = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if body:
        env["CONTENT_LENGTH"] = str(len(body))
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        env[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    return env


def call(app, env: dict) -> tuple[str, list, bytes]:
    answered = []

    def start_response(status, headers, exc_info=None):
        answered.append((status, list(headers)))

    result = app(env, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return answered[-1][0], answered[-1][1], body


class Counted:
    """Django's WSGI handler, counting the requests that reach it."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()
        self.calls = 0

    def __call__(self, env, start_response):
        self.calls += 1
        return self.handler(env, start_response)


@pytest.fixture
def site(insr_topic, make_variant, settings, monkeypatch):
    """(early, django, counted): EarlyHits in front of a counted Django, and Django alone.

    Committed content, as in production: on SQLite the database file's change counter
    moves with each commit; on PostgreSQL the version arrives by NOTIFY.
    """
    make_variant(insr_topic, "caregiver", "## For families\n\nA gene is a set of instructions [@medlineplus-insr].")
    GlossaryTerm.objects.create(slug="gene", term="gene", definition="A set of instructions in a cell.")
    listener = None
    if connection.vendor == "postgresql":
        settings.CONTENT_VERSION_LISTEN = True
        settings.DATABASES["default"]["NAME"] = connection.settings_dict["NAME"]  # the test database
        listener = caching.VersionListener()
        monkeypatch.setattr(caching, "version_listener", listener)
        listener.current()
        deadline = time.monotonic() + 5
        while listener.version != SiteVersion.current() and time.monotonic() < deadline:
            time.sleep(0.01)
    counted = Counted()
    try:
        yield caching.EarlyHits(counted), WSGIHandler(), counted
    finally:
        if listener is not None:
            listener.stop()


def assert_same_three_ways(site, url: str, headers: dict | None = None, method: str = "GET") -> tuple:
    early, django, counted = site
    learnt = call(early, environ(url, headers, method))
    before = counted.calls
    replayed = call(early, environ(url, headers, method))
    assert counted.calls == before, f"{method} {url} {headers}: not answered early"
    full = call(django, environ(url, headers, method))
    assert replayed == full, f"{method} {url} {headers}"
    assert learnt == full, f"{method} {url} {headers}"
    return full


@pytest.mark.django_db(transaction=True)
def test_an_early_hit_is_what_the_whole_site_sends_for_every_page_coding_and_htmx_request(site):
    for url in PAGES:
        for coding in CODINGS:
            for htmx in HTMX:
                status, headers, body = assert_same_three_ways(site, url, coding | htmx)
                assert status == "200 OK", url
                names = [name for name, _ in headers]
                for name in (*SECURITY, "Vary", "Cache-Control", "ETag", "Content-Length"):
                    assert name in names, (url, name)
                compressed = coding.get("Accept-Encoding") in ("gzip", "gzip, deflate, br")
                assert ("Content-Encoding" in names) == compressed, (url, coding)


@pytest.mark.django_db(transaction=True)
def test_an_early_304_is_the_sites_304(site):
    early, django, counted = site
    for url in (PAGE, "/", "/glossary/", "/search/?q=gene"):
        for coding in CODINGS[:3]:
            etag = dict(call(django, environ(url, coding))[1])["ETag"]
            for given in (etag, f"W/{etag}", f'"other", {etag}', "*"):
                status, headers, body = assert_same_three_ways(site, url, coding | {"If-None-Match": given})
                assert status == "304 Not Modified" and body == b"", (url, given)
                assert dict(headers)["ETag"] == etag
            # Another page's ETag, and a HEAD request (never a 304): the whole page.
            assert assert_same_three_ways(site, url, coding | {"If-None-Match": '"other"'})[0] == "200 OK"
            assert assert_same_three_ways(site, url, coding | {"If-None-Match": etag}, method="HEAD")[0] == "200 OK"


@pytest.mark.django_db(transaction=True)
def test_a_visitors_remembered_reader_and_spellings_of_one_query_are_answered_early(site):
    for persona in ("professional", "patient", "no-such-reader"):
        for url in ("/", "/search/?q=gene"):
            html = assert_same_three_ways(site, url, {"Cookie": f"persona={persona}; other=1"})[2].decode()
            if url == "/":  # the reader picker ticks a real reader only
                assert (f'value="{persona}" checked' in html) == (persona != "no-such-reader"), persona
    # Spellings the page cache folds into one page are answered as that page.
    for url in ("/search/?q=gene%20%20", "/search/?q=gene&utm_source=x", "/sitemap.xml?p=01", PAGE + "?junk=1"):
        assert assert_same_three_ways(site, url, {"Accept-Encoding": "gzip"})[0] == "200 OK", url


@pytest.mark.django_db(transaction=True)
def test_https_answers_carry_hsts_and_plain_http_is_redirected_by_the_site(site, settings):
    secure = {"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"}
    headers = dict(assert_same_three_ways(site, PAGE, secure)[1])
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in dict(assert_same_three_ways(site, PAGE, {"Accept-Encoding": "gzip"})[1])
    settings.SECURE_SSL_REDIRECT = True  # read when the middleware is made: a new site
    counted = Counted()
    redirecting = (caching.EarlyHits(counted), WSGIHandler(), counted)
    for _ in range(2):
        redirected = call(redirecting[0], environ(PAGE, {"Accept-Encoding": "gzip"}))
        assert redirected[0].startswith("301") and counted.calls == _ + 1
        assert redirected == call(redirecting[1], environ(PAGE, {"Accept-Encoding": "gzip"}))
    assert assert_same_three_ways(redirecting, PAGE, secure)[0] == "200 OK"


FALL_THROUGH = [
    ("POST", PAGE, {}, b""),
    ("GET", PAGE, {"Cookie": "sessionid=not-a-real-session"}, b""),
    ("GET", PAGE, {"Cookie": "messages=a-message"}, b""),
    ("GET", PAGE, {"Host": "evil.example"}, b""),
    ("GET", "/?persona=student&persona=patient", {}, b""),
    ("GET", "/sitemap.xml?p=%D9%A1", {}, b""),
    ("GET", PAGE + "?feedback=thanks", {}, b""),
    ("GET", PAGE, {"If-Match": '"nothing-matches"'}, b""),
    ("GET", PAGE, {"If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}, b""),
    ("GET", PAGE, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}, b""),
    ("GET", PAGE, {"Content-Type": "text/plain"}, b"a body"),
    ("GET", "/topics/insr-gene/", {}, b""),
    ("GET", "/healthz", {}, b""),
    ("GET", "/no-such-page/", {}, b""),
    ("GET", "/?" + "&".join(f"a{n}=1" for n in range(2500)), {}, b""),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("method", "url", "headers", "body"),
    FALL_THROUGH,
    ids=[f"{method} {url[:40]} {' '.join(headers)}" for method, url, headers, _ in FALL_THROUGH],
)
def test_requests_the_site_may_answer_otherwise_always_reach_it(site, method, url, headers, body):
    early, django, counted = site
    for coding in CODINGS[:2]:  # the page is cached, and answered early, first
        assert_same_three_ways(site, PAGE, coding)
    for _ in range(2):
        before = counted.calls
        answered = call(early, environ(url, headers, method, body))
        assert counted.calls == before + 1, (method, url, headers)
        full = call(django, environ(url, headers, method, body))
        if url != "/healthz":  # its body says when it answered
            assert answered[0] == full[0] and answered[2] == full[2], (method, url, headers)
    if "Host" in headers:
        assert answered[0].startswith("400"), "a Host the site refuses gets no cached page"


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_is_never_answered_with_the_page_before_it(site, insr_topic):
    early, django, counted = site
    assert_same_three_ways(site, PAGE, {"Accept-Encoding": "gzip"})
    insr_topic.other_names = "Changed after the early hit"
    insr_topic.save()
    if connection.vendor == "postgresql":
        deadline = time.monotonic() + 5
        while caching.version_listener.version != SiteVersion.current() and time.monotonic() < deadline:
            time.sleep(0.01)
    assert b"Changed after the early hit" in call(early, environ(PAGE))[2]
    before = counted.calls
    assert b"Changed after the early hit" in call(early, environ(PAGE))[2]
    assert counted.calls == before, "the new page is answered early in its turn"


def test_the_sqlite_change_counter_is_seen_through_the_map_at_once_and_a_replaced_file_is_mapped_anew(
    tmp_path, monkeypatch
):
    import os
    import sqlite3

    def make(path):
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE t (x)")
        return path

    def counter(header: bytes) -> int:
        return int.from_bytes(header[24:28], "big")

    name = str(make(tmp_path / "site.sqlite3"))
    header = caching.SqliteHeader()
    first = counter(header.read(name))
    with sqlite3.connect(name) as db:
        db.execute("INSERT INTO t VALUES (1)")
    assert counter(header.read(name)) == first + 1, "a commit shows on the next read"
    # A new file under the same name (a restored copy): mapped again once it is looked up again.
    replacement = make(tmp_path / "restored.sqlite3")
    with sqlite3.connect(replacement) as db:
        for n in range(5):
            db.execute("INSERT INTO t VALUES (?)", [n])
            db.commit()
    os.replace(replacement, name)
    monkeypatch.setattr(header, "RECHECK_SECONDS", 0.0)
    assert counter(header.read(name)) != first + 1
    assert header.read(str(tmp_path / "missing.sqlite3")) is None
    (tmp_path / "empty.sqlite3").write_bytes(b"")
    assert header.read(str(tmp_path / "empty.sqlite3")) is None
