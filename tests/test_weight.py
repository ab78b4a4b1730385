"""A first visit to a topic page stays small: HTML, CSS and JavaScript together."""

import gzip
import re

MAX_FIRST_VISIT = 40 * 1024


def first_visit_bytes(client, url: str) -> int:
    """Gzipped bytes a browser with an empty cache fetches for a page: HTML, CSS, JavaScript."""
    html = client.get(url).content
    assets = re.findall(rb'<link rel="stylesheet" href="([^"]+)"', html) + re.findall(rb'<script src="([^"]+)"', html)
    assert assets, "no assets found"
    total = len(gzip.compress(html))
    for asset in assets:
        response = client.get(asset.decode())
        assert response.status_code == 200, asset
        body = b"".join(response.streaming_content) if response.streaming else response.content
        total += len(gzip.compress(body))
    return total


def test_first_visit_to_a_topic_page_is_at_most_40_kib_gzipped(client, insr_topic):
    total = first_visit_bytes(client, "/topics/insr-gene/professional/")
    assert total <= MAX_FIRST_VISIT, f"{total} bytes gzipped"


def test_htmx_is_the_only_library_and_fonts_are_system_fonts(client, insr_topic):
    html = client.get("/topics/insr-gene/patient/").content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', html)
    libraries = [s for s in scripts if "django_htmx" in s or "htmx" in s]
    assert len(libraries) == 1
    assert all(s.startswith("/static/") for s in scripts)
    css = b"".join(
        b"".join(client.get(url).streaming_content)
        for url in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    )
    assert b"@font-face" not in css and b"fonts.googleapis" not in css
