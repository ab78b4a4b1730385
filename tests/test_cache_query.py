"""A cached view sees only what its cache key holds: declared query parameters, once, canonical."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from topics import caching

# One address for each cached URL pattern, on the shipped content. A new cached view
# must get one here: the test below fails for any cached pattern without a sample.
SAMPLES = {
    "topics:home": "/",
    "topics:topic-list": "/topics/",
    "topics:variant": "/topics/insr-gene/patient/",
    "topics:glossary": "/glossary/",
    "topics:glossary-term": "/glossary/gene/",
    "topics:search": "/search/?q=insulin",
    "topics:about": "/about/",
    "topics:about-page": "/about/privacy/",
    "feedback:share": "/topics/insr-gene/patient/share/",
    "tools:risk-test": "/risk-test/",
    "sitemap": "/sitemap.xml",
    "robots": "/robots.txt",
}
# Every parameter some view reads somewhere, with a value that would change its page.
TEMPTING = {"persona": "student", "q": "insulin", "p": "2", "sent": "1", "preview": "1", "zz": "junk"}


@pytest.fixture
def shipped(shipped_content, db):
    caching.clear()
    yield
    caching.clear()


def cached_patterns(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from cached_patterns(entry, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and hasattr(entry.callback, caching.VIEW_ATTRIBUTE):
            yield f"{namespace}{entry.name}", getattr(entry.callback, caching.VIEW_ATTRIBUTE)


def test_every_cached_view_sees_no_parameter_it_did_not_declare(client, shipped):
    patterns = dict(cached_patterns())
    assert set(patterns) == set(SAMPLES), "give every cached URL pattern a sample address"
    for name, view in patterns.items():
        url = SAMPLES[name]
        extra = {k: v for k, v in TEMPTING.items() if k not in view.query and k not in view.uncached_query}
        caching.clear()
        plain = client.get(url)
        assert plain.status_code == 200, url
        caching.clear()
        tempted = (
            client.get(url, extra)
            if "?" not in url
            else client.get(f"{url}&{'&'.join(f'{k}={v}' for k, v in extra.items())}")
        )
        assert tempted.status_code == 200, url
        # What the view was handed holds declared names only, and the page is the same.
        assert set(tempted.wsgi_request.GET) <= set(view.query), (url, dict(tempted.wsgi_request.GET))
        assert tempted.content == plain.content, f"{name} reads a parameter it did not declare"


def test_a_repeated_parameter_is_refused_in_the_sites_layout(client, shipped):
    for url in ("/?persona=junk&persona=patient", "/search/?q=a&q=b", "/sitemap.xml?p=1&p=2"):
        response = client.get(url)
        assert response.status_code == 400, url
        html = response.content.decode()
        assert "more than once" in html and "Skip to main content" in html
        assert "no-store" in response["Cache-Control"]
    assert len(caching.recent_pages.pages) == 0


@pytest.mark.parametrize("page", ["١", "1.0", "-1", "1e3", " 1", "x"])
def test_a_page_number_in_another_spelling_is_refused(client, shipped, page):
    response = client.get("/sitemap.xml", {"p": page})
    assert response.status_code == 400
    assert "digits 0 to 9" in response.content.decode()
    assert len(caching.recent_pages.pages) == 0


def test_spellings_of_one_page_share_one_cache_entry(client, shipped):
    first = client.get("/sitemap.xml?p=1")
    for url in ("/sitemap.xml?p=01", "/sitemap.xml?p=0001", "/sitemap.xml?p=1&zz=1"):
        assert client.get(url).content == first.content
    searched = client.get("/search/?q=insulin")
    for url in ("/search/?q=insulin%20%20", "/search/?q=%20insulin", "/search/?q=insulin%00", "/search/?q=insulin&x=1"):
        assert client.get(url).content == searched.content, url
    assert client.get("/search/?q=").content == client.get("/search/").content
    assert len(caching.recent_pages.pages) == 3  # sitemap page 1, the search, the empty search
