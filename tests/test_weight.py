"""A first visit to a topic page stays small: HTML, CSS and JavaScript together."""

import gzip
import re

import brotli

from insr_site.storage import minify

MAX_FIRST_VISIT = 30 * 1024
BROWSER = {"Accept-Encoding": "gzip, deflate, br"}


def first_visit_bytes(client, url: str) -> int:
    """Compressed bytes a browser with an empty cache fetches for a page: HTML, CSS, JavaScript.

    The HTML as the site sends it; static files as whitenoise serves them after
    collectstatic: minified (insr_site.storage) and the smaller of its .br and .gz files.
    Tests serve the originals, so the same minifying is applied here.
    """
    response = client.get(url, headers=BROWSER)
    assert response["Content-Encoding"] in {"br", "gzip"}
    html = brotli.decompress(response.content) if response["Content-Encoding"] == "br" else response.content
    assets = re.findall(rb'<link rel="stylesheet" href="([^"]+)"', html) + re.findall(rb'<script src="([^"]+)"', html)
    assert assets, "no assets found"
    total = len(response.content)
    for asset in assets:
        response = client.get(asset.decode())
        assert response.status_code == 200, asset
        body = b"".join(response.streaming_content) if response.streaming else response.content
        body = minify(asset.decode().split("?")[0], body)
        total += min(len(gzip.compress(body)), len(brotli.compress(body)))
    return total


def test_first_visit_to_a_topic_page_is_at_most_30_kib_compressed(client, insr_topic):
    total = first_visit_bytes(client, "/topics/insr-gene/professional/")
    assert total <= MAX_FIRST_VISIT, f"{total} bytes compressed"


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


def test_collectstatic_minifies_our_css_and_javascript_but_leaves_minified_libraries_alone():
    css = b"/* why this rule exists */\n.note {\n  color: red;\n}\n"
    assert minify("css/site.css", css) == b".note{color:red}"
    js = b"// a comment\nfunction show(box) {\n  return box; // kept\n}\n"
    assert minify("js/glossary.js", js) == b"function show(box){return box;}"
    library = b"/*! htmx */ var a = 1;"
    assert minify("django_htmx/htmx-2.min.js", library) == library
    assert minify("img/logo.svg", css) == css
