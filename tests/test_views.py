import json
import re
from unittest import mock

import pytest
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from topics.models import Disclaimer, GlossaryTerm, Reviewer, Variant

PERSONA_URL = "/persona/"


def ld_json(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD block"
    return json.loads(match.group(1))


def assert_no_inline_script(html: str):
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/ld+json"' in tag, tag
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


# Home -----------------------------------------------------------------------------------


def test_home_shows_picker_and_topics_grouped_by_kind(client, insr_topic):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Which best describes you?" in html
    assert 'name="persona" value="professional"' in html
    assert "<h3>Genes</h3>" in html
    assert 'href="/topics/insr-gene/patient/"' in html
    assert_no_inline_script(html)


def test_home_links_follow_remembered_persona(client, insr_topic):
    client.cookies["persona"] = "professional"
    html = client.get("/").content.decode()
    assert 'href="/topics/insr-gene/professional/"' in html
    assert 'value="professional" checked' in html


def test_home_hides_topics_without_published_variants(client, make_topic, make_variant):
    make_variant(make_topic("drafty", title="Drafty topic"), status=Variant.Status.DRAFT)
    assert "Drafty topic" not in client.get("/").content.decode()


def ticked(html: str) -> list[str]:
    """The personas ticked in the page's switcher."""
    return re.findall(r'name="persona" value="([a-z]+)" checked', html)


def persona_status(html: str) -> str:
    return re.search(r'<p id="persona-status"[^>]*>(.*?)</p>', html, re.S).group(1).strip()


@pytest.mark.parametrize("cookie", [None, "astronaut", "<script>"])
def test_home_first_visit_ticks_nothing_but_links_to_the_default_reader(client, insr_topic, cookie):
    if cookie:
        client.cookies["persona"] = cookie
    html = client.get("/").content.decode()
    assert ticked(html) == []
    assert persona_status(html) == ""
    assert 'href="/topics/insr-gene/patient/"' in html
    assert "Written for: Patient, until you choose who you are" in html
    # Without JavaScript, sending the form with nothing chosen is stopped by the browser.
    assert html.count('type="radio" name="persona"') == html.count(" required>") == 4


def test_home_confirms_the_chosen_reader_visibly(client, insr_topic):
    client.cookies["persona"] = "caregiver"
    html = client.get("/").content.decode()
    assert ticked(html) == ["caregiver"]
    assert persona_status(html) == "Now showing pages for: Parent or caregiver"
    client.cookies.clear()
    html = client.get("/?persona=student").content.decode()
    assert ticked(html) == ["student"]
    assert persona_status(html) == "Now showing pages for: Student"


def test_home_shows_each_topics_summary_written_for_the_reader(client, make_topic, make_variant):
    topic = make_topic("insulin-resistance", title="Insulin resistance", kind="concept", summary="Topic summary.")
    make_variant(topic, "patient", summary="What it means for you.")
    make_variant(topic, "professional", summary="Mechanisms, diagnosis and references.")
    make_variant(topic, "student")  # no summary of its own
    assert "<p>What it means for you.</p>" in client.get("/").content.decode()
    assert "<p>Mechanisms, diagnosis and references.</p>" in client.get("/?persona=professional").content.decode()
    assert "<p>Topic summary.</p>" in client.get("/?persona=student").content.decode()
    # No caregiver page: the link falls back, and so does the summary.
    assert "<p>Topic summary.</p>" in client.get("/?persona=caregiver").content.decode()


def group_headings(html: str) -> list[str]:
    return re.findall(r"<h3>(.*?)</h3>", html)


def test_home_lists_groups_in_the_readers_order(client, personas, make_topic, make_variant):
    for kind in ("concept", "condition", "gene"):
        make_variant(make_topic(f"a-{kind}", kind=kind))
    personas["professional"].topic_kind_order = "gene, condition"
    personas["professional"].save()
    usual = ["Understanding insulin resistance", "Conditions", "Genes"]
    assert group_headings(client.get("/?persona=patient").content.decode()) == usual
    professional = client.get("/?persona=professional").content.decode()
    assert group_headings(professional) == ["Genes", "Conditions", "Understanding insulin resistance"]
    # The full list keeps the usual order for everyone; its groups are anchored by kind, which
    # is what home's "See all" links point at, whatever order home shows them in.
    full_list = client.get("/topics/").content.decode()
    anchors = re.findall(r'<section class="topic-group" id="group-([a-z]+)"', full_list)
    assert anchors == ["concept", "condition", "gene"]


# /topics/<topic>/ -------------------------------------------------------------------------


def test_topic_redirects_to_default_persona(client, insr_topic):
    response = client.get("/topics/insr-gene/")
    assert response.status_code == 302
    assert response["Location"] == "/topics/insr-gene/patient/"


def test_topic_redirects_to_remembered_persona(client, insr_topic):
    client.cookies["persona"] = "professional"
    assert client.get("/topics/insr-gene/")["Location"] == "/topics/insr-gene/professional/"


@pytest.mark.parametrize("cookie", ["nobody", "<script>", "x" * 500, ""])
def test_topic_redirect_ignores_bad_cookie(client, insr_topic, cookie):
    client.cookies["persona"] = cookie
    assert client.get("/topics/insr-gene/")["Location"] == "/topics/insr-gene/patient/"


def test_unknown_topic_redirect_is_404_in_layout(client, db):
    response = client.get("/topics/no-such-topic/")
    assert response.status_code == 404
    assert "We can't find that page" in response.content.decode()
    assert "Skip to main content" in response.content.decode()


# /topics/<topic>/<persona>/ -----------------------------------------------------------------


def test_variant_page_has_everything_a_reader_needs(client, insr_topic):
    Disclaimer.objects.create(slug="general", title="For information only", text="Ask your doctor.")
    response = client.get("/topics/insr-gene/professional/")
    html = response.content.decode()
    assert response.status_code == 200
    article = re.search(r'<article id="article".*?</article>', html, re.S).group(0)
    assert "Biallelic variants cause Donohue syndrome" in article
    assert "Written for: Healthcare professional" in article
    assert "Other names:</span> CD220, HHF5, IR" in article
    assert "For information only" in article and "Ask your doctor." in article
    assert "Not yet medically reviewed" in article
    # Numbered references with DOI and source links, in order of first use (the number is the
    # item's value: professional pages group references by kind, each keeping its number).
    refs = re.findall(r'<li id="ref-([a-z0-9-]+)" value="(\d+)">', article)
    assert refs == [("semple-2011", "1"), ("medlineplus-insr", "2")]
    assert 'href="https://doi.org/10.1210/er.2010-0020"' in article
    assert 'href="https://medlineplus.gov/genetics/gene/insr/"' in article
    # Screen readers listing links hear which source each "Read the source" opens.
    assert 'Read the source<span class="visually-hidden">: Title of medlineplus-insr</span>' in article
    assert '<link rel="canonical" href="http://testserver/topics/insr-gene/professional/">' in html
    assert_no_inline_script(html)


def test_variant_page_json_ld(client, insr_topic):
    data = ld_json(client.get("/topics/insr-gene/professional/").content.decode())
    assert data["@type"] == "MedicalWebPage"
    assert data["audience"] == {"@type": "Clinician"}
    assert data["about"]["@type"] == "Gene"
    assert data["about"]["alternateName"] == ["CD220", "HHF5", "IR"]
    assert [c["name"] for c in data["citation"]] == ["Title of semple-2011", "Title of medlineplus-insr"]
    assert "lastReviewed" not in data and "reviewedBy" not in data


def test_reviewed_variant_shows_reviewer_and_date(client, insr_topic):
    import datetime

    reviewer = Reviewer.objects.create(name="A. Reviewer", credentials="MD")
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    variant.reviewer = reviewer
    variant.last_reviewed = datetime.date(2026, 10, 1)
    variant.save()
    html = client.get("/topics/insr-gene/patient/").content.decode()
    assert "Medically reviewed by A. Reviewer, MD on" in html
    assert "1 October 2026" in html
    data = ld_json(html)
    assert data["lastReviewed"] == "2026-10-01"
    assert data["reviewedBy"]["name"] == "A. Reviewer"


def test_unknown_persona_is_404(client, insr_topic):
    response = client.get("/topics/insr-gene/astronaut/")
    assert response.status_code == 404
    assert "We can't find that page" in response.content.decode()


def test_unpublished_topic_is_404(client, make_topic, make_variant):
    make_variant(make_topic("hidden"), status=Variant.Status.REVIEW)
    assert client.get("/topics/hidden/patient/").status_code == 404


def test_missing_persona_falls_back_to_nearest_with_notice(client, insr_topic):
    # Caregiver (order 2) has no variant: patient (order 1) is nearest.
    html = client.get("/topics/insr-gene/caregiver/").content.decode()
    assert "A gene is a set of instructions" in html
    assert "We have not written this page for “Parent or caregiver” yet" in html
    assert '<link rel="canonical" href="http://testserver/topics/insr-gene/patient/">' in html
    # Student (order 3) is nearer to professional (4) than to patient (1).
    html = client.get("/topics/insr-gene/student/").content.decode()
    assert "Biallelic variants" in html


def test_never_published_variant_is_not_shown_even_as_fallback(client, insr_topic, make_variant):
    make_variant(insr_topic, "caregiver", "Secret draft for families.", status=Variant.Status.DRAFT)
    html = client.get("/topics/insr-gene/caregiver/").content.decode()
    assert "Secret draft" not in html
    assert "A gene is a set of instructions" in html


def test_related_topics_listed(client, insr_topic, make_topic, make_variant):
    other = make_topic("donohue-syndrome", title="Donohue syndrome", kind="condition")
    make_variant(other)
    insr_topic.related.add(other)
    html = client.get("/topics/insr-gene/patient/").content.decode()
    assert 'href="/topics/donohue-syndrome/patient/">Donohue syndrome</a>' in html


def test_topic_page_persona_switcher_is_a_form(client, insr_topic):
    html = client.get("/topics/insr-gene/patient/").content.decode()
    assert f'method="post" action="{PERSONA_URL}"' in html
    assert "<legend>Which best describes you?</legend>" in html
    assert '<input type="hidden" name="next" value="/topics/insr-gene/patient/">' in html
    assert "csrfmiddlewaretoken" not in html


def test_topic_page_reader_choice_is_one_line_that_opens_in_place(client, insr_topic):
    html = client.get("/topics/insr-gene/patient/").content.decode()
    switcher = re.search(r'<section class="switcher".*?</section>', html, re.S).group(0)
    summary = re.search(r"<summary>(.*?)</summary>", switcher, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", summary) == "Written for: Patient · Change"
    # The whole form is inside the <details>, closed by default: it opens without JavaScript.
    details = re.search(r"<details>.*?</details>", switcher, re.S).group(0)
    assert '<form class="persona-switcher' in details and "</form>" in details
    assert ticked(details) == ["patient"]
    # The live region stays outside the details, so it is heard whether or not it is open.
    assert 'id="persona-status"' in switcher and 'id="persona-status"' not in details


def test_persona_swap_with_htmx_updates_the_one_line_choice(client, insr_topic):
    html = client.post(
        PERSONA_URL, {"persona": "professional", "next": "/topics/insr-gene/patient/"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert '<strong id="switcher-persona" hx-swap-oob="innerHTML">Healthcare professional</strong>' in html


PRINTABLE = ["/", "/topics/", "/glossary/", "/glossary/insulin/", "/search/?q=gene", "/risk-test/"]


def print_masthead(html: str) -> list[str]:
    """The lines of the masthead printed pages start with (hidden on screen)."""
    block = re.search(r'<div class="print-masthead">(.*?)</div>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", line).strip() for line in re.findall(r"<p>(.*?)</p>", block)]


@pytest.mark.parametrize("path", PRINTABLE)
def test_every_page_has_a_print_slot_and_a_printed_masthead(client, insr_topic, path):
    GlossaryTerm.objects.create(slug="insulin", term="Insulin", definition="A hormone.")
    html = client.get(path).content.decode()
    assert html.count("data-print-slot") == 1
    assert print_masthead(html) == ["Understanding Insulin Resistance", "http://testserver" + path.partition("?")[0]]


def test_topic_page_prints_its_canonical_address_and_date(client, insr_topic, settings):
    settings.SITE_URL = "https://insr.example.org"
    settings.ALLOWED_HOSTS = ["insr.example.org", "other.example"]
    html = client.get("/topics/insr-gene/patient/?utm_source=x", HTTP_HOST="other.example").content.decode()
    article = re.search(r'<article id="article".*?</article>', html, re.S).group(0)
    # Inside the article, so a persona swap brings the right address; from DJANGO_SITE_URL, never the Host.
    updated = timezone.localdate(Variant.objects.get(topic=insr_topic, persona__slug="patient").published_at)
    assert print_masthead(article) == [
        "Understanding Insulin Resistance",
        "https://insr.example.org/topics/insr-gene/patient/",
        f"Page last updated: {updated.day} {updated:%B %Y}",
    ]
    assert html.count("data-print-slot") == 1  # beside the breadcrumbs, not at the end as well
    assert html.count('class="print-masthead"') == 1


# /persona/ --------------------------------------------------------------------------------


def test_persona_switch_without_javascript_redirects_and_sets_cookie(client, insr_topic):
    response = client.post(PERSONA_URL, {"persona": "professional", "next": "/topics/insr-gene/patient/"})
    assert response.status_code == 302
    assert response["Location"] == "/topics/insr-gene/professional/"
    cookie = response.cookies["persona"]
    assert cookie.value == "professional"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    # The cookie is remembered for the next plain topic link.
    assert client.get("/topics/insr-gene/")["Location"] == "/topics/insr-gene/professional/"


def test_persona_switch_with_htmx_returns_only_the_article(client, insr_topic):
    response = client.post(
        PERSONA_URL,
        {"persona": "professional", "next": "/topics/insr-gene/patient/"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Push-Url"] == "/topics/insr-gene/professional/"
    assert "HX-Request" in response["Vary"]
    assert response.cookies["persona"].value == "professional"
    assert html.lstrip().startswith('<article id="article"')
    assert "<html" not in html and "site-header" not in html
    assert "Biallelic variants" in html
    assert 'hx-swap-oob="innerHTML">Now showing the version for: Healthcare professional' in html


def test_persona_switch_on_home_with_htmx_returns_topic_list(client, insr_topic):
    response = client.post(PERSONA_URL, {"persona": "student", "next": "/"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="topic-list"')
    assert 'href="/topics/insr-gene/student/"' in html
    # Pushed as its own address, so Back returns to the persona before.
    assert response["HX-Push-Url"] == "/?persona=student"
    # The home page's search form now searches for the student.
    assert '<input type="hidden" id="search-persona" name="persona" value="student" hx-swap-oob="true">' in html


def test_home_search_form_sends_the_persona_shown(client, insr_topic):
    client.cookies["persona"] = "caregiver"
    html = client.get("/").content.decode()
    assert '<input type="hidden" id="search-persona" name="persona" value="caregiver">' in html


def test_persona_switch_home_without_javascript(client, insr_topic):
    response = client.post(PERSONA_URL, {"persona": "student", "next": "/"})
    assert response["Location"] == "/?persona=student"
    assert 'href="/topics/insr-gene/student/"' in client.get("/?persona=student").content.decode()
    # Remembered: plain "/" now shows the student's pages too.
    assert 'href="/topics/insr-gene/student/"' in client.get("/").content.decode()


def test_home_persona_in_the_url_wins_over_the_cookie(client, insr_topic):
    client.cookies["persona"] = "professional"
    html = client.get("/?persona=caregiver").content.decode()
    assert 'href="/topics/insr-gene/caregiver/"' in html
    assert 'value="caregiver" checked' in html
    # One canonical home page, whichever persona's links it shows.
    assert 'rel="canonical" href="http://testserver/"' in html
    # Shared caches may keep one copy of it for everyone; plain "/" depends on the cookie.
    assert "Cookie" not in client.get("/?persona=caregiver").get("Vary", "")
    assert "Cookie" in client.get("/")["Vary"]


@pytest.mark.parametrize("slug", ["", "astronaut", "<script>", "x" * 500])
def test_home_with_unknown_persona_in_the_url_is_404_in_layout(client, insr_topic, slug):
    response = client.get("/", {"persona": slug})
    assert response.status_code == 404
    assert "site-header" in response.content.decode()
    assert "<script>" not in response.content.decode()


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "", "\x00", "/" + "a" * 600],
)
def test_persona_switch_never_redirects_off_site(client, insr_topic, next_url):
    response = client.post(PERSONA_URL, {"persona": "patient", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] in {"/?persona=patient", next_url} and response["Location"].startswith("/")
    assert not response["Location"].startswith("//") and "\\" not in response["Location"]


@pytest.mark.parametrize("persona", ["", "astronaut", "<b>x</b>", "x" * 1000])
def test_persona_switch_rejects_unknown_persona(client, insr_topic, persona):
    response = client.post(PERSONA_URL, {"persona": persona, "next": "/"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Please choose one of the options listed." in html
    assert "<b>x</b>" not in html
    assert "persona" not in response.cookies


def test_persona_switch_get_not_allowed(client, db):
    assert client.get(PERSONA_URL).status_code == 405


# Glossary, search --------------------------------------------------------------------------


def test_glossary_pages_and_htmx_fragment(client, db):
    GlossaryTerm.objects.create(slug="insulin", term="insulin", definition="A hormone that moves sugar into cells.")
    assert "A hormone that moves sugar into cells." in client.get("/glossary/").content.decode()
    full = client.get("/glossary/insulin/").content.decode()
    assert "<html" in full and "A hormone that moves sugar" in full
    fragment = client.get("/glossary/insulin/", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and 'id="definition-insulin"' in fragment
    assert client.get("/glossary/nothing/").status_code == 404


def test_glossary_is_a_to_z_whatever_the_case(client, db):
    for term in ["HDL", "beta cells", "Acanthosis nigricans", "insulin"]:
        GlossaryTerm.objects.create(slug=term.lower().replace(" ", "-"), term=term, definition=f"About {term}.")
    html = client.get("/glossary/").content.decode()
    positions = [html.index(f"About {term}.") for term in ["Acanthosis nigricans", "beta cells", "HDL", "insulin"]]
    assert positions == sorted(positions)


def test_search_finds_other_names(client, insr_topic):
    html = client.get("/search/", {"q": "HHF5"}).content.decode()
    assert 'href="/topics/insr-gene/patient/">The INSR gene</a>' in html


def test_search_no_results_is_kind(client, insr_topic):
    html = client.get("/search/", {"q": "zebra"}).content.decode()
    assert "No results for “zebra”" in html


def test_search_rejects_oversized_query(client, db):
    response = client.get("/search/", {"q": "a" * 1000})
    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()


def test_search_escapes_query(client, db):
    html = client.get("/search/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


# Sitemap, robots, health -------------------------------------------------------------------


def test_sitemap_lists_published_pages_only(client, insr_topic):
    Variant.objects.filter(persona__slug="professional").update(published_at=None)
    xml = client.get("/sitemap.xml").content.decode()
    assert "<loc>http://testserver/topics/insr-gene/patient/</loc>" in xml
    assert "professional" not in xml
    assert "<lastmod>" in xml


def test_robots_names_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()


def test_healthz_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_healthz_503_when_database_unreachable(client, db):
    with mock.patch("topics.views.connection.cursor", side_effect=DatabaseError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_server_error_page_uses_layout(client, db, settings):
    from insr_site.errors import server_error

    response = server_error(None)
    html = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, something went wrong" in html and "Skip to main content" in html


def test_url_names_resolve_to_the_contract():
    assert (
        reverse("topics:variant", kwargs={"topic": "insr-gene", "persona": "patient"}) == "/topics/insr-gene/patient/"
    )
    assert reverse("topics:set-persona") == "/persona/"
    assert reverse("sitemap") == "/sitemap.xml"
    assert reverse("healthz") == "/healthz"


def test_large_sitemap_is_paginated_and_every_page_named_in_robots(client, insr_topic, make_topic, make_variant):
    from topics.sitemaps import VariantSitemap

    for n in range(5):
        make_variant(make_topic(f"extra-{n}"))
    with mock.patch.object(VariantSitemap, "limit", 3):
        robots = client.get("/robots.txt").content.decode()
        assert "Sitemap: http://testserver/sitemap.xml\n" in robots
        assert "Sitemap: http://testserver/sitemap.xml?p=3\n" in robots  # 7 pages of 3: 3 sitemap pages
        assert "?p=4" not in robots
        urls = set()
        for page in (1, 2, 3):
            xml = client.get("/sitemap.xml", {"p": page}).content.decode()
            urls |= set(re.findall(r"<loc>(.*?)</loc>", xml))
        assert len(urls) == 7
        assert client.get("/sitemap.xml", {"p": 9}).status_code == 404


def test_professional_page_links_to_the_printable_patient_version(client, insr_topic):
    html = client.get("/topics/insr-gene/professional/").content.decode()
    assert 'href="/topics/insr-gene/patient/?print=1">Patient version, ready to print</a>' in html
    assert "Patient version, ready to print" not in client.get("/topics/insr-gene/patient/").content.decode()
    printable = client.get("/topics/insr-gene/patient/", {"print": "1"}).content.decode()
    assert '<link rel="canonical" href="http://testserver/topics/insr-gene/patient/">' in printable
    assert "print-handout.js" in printable


def test_previous_and_next_within_the_group(client, insr_topic, make_topic, make_variant):
    first = make_topic("a-gene", title="A gene", order=0)
    last = make_topic("z-gene", title="Z gene", order=9)
    make_variant(first)
    make_variant(last)
    make_variant(make_topic("a-condition", title="A condition", kind="condition"))
    html = client.get("/topics/insr-gene/patient/").content.decode()
    assert re.search(r'href="/topics/a-gene/patient/" rel="prev">.*A gene</a>', html)
    assert re.search(r'href="/topics/z-gene/patient/" rel="next">.*Z gene</a>', html)
    assert "a-condition" not in html


def test_open_graph_tags(client, insr_topic):
    html = client.get("/topics/insr-gene/patient/").content.decode()
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:url" content="http://testserver/topics/insr-gene/patient/">' in html
    assert '<meta property="og:title" content="The INSR gene">' in html


def test_condition_json_ld_names_signs_and_treatments_it_has_pages_for(client, make_topic, make_variant):
    pcos = make_topic("polycystic-ovary-syndrome", title="Polycystic ovary syndrome", kind="condition")
    sign = make_topic("acanthosis-nigricans", title="Acanthosis nigricans", kind="symptom")
    therapy = make_topic("managing-insulin-resistance", title="Managing insulin resistance", kind="treatment")
    for topic in (pcos, sign, therapy):
        make_variant(topic)
    pcos.related.add(sign, therapy)
    data = ld_json(client.get("/topics/polycystic-ovary-syndrome/patient/").content.decode())
    assert data["about"]["@type"] == "MedicalCondition"
    assert data["about"]["signOrSymptom"] == [{"@type": "MedicalSignOrSymptom", "name": "Acanthosis nigricans"}]
    assert data["about"]["possibleTreatment"] == [{"@type": "MedicalTherapy", "name": "Managing insulin resistance"}]
    assert data["audience"] == {"@type": "Patient"}
    assert data["inLanguage"] == "en" and "dateModified" in data


@pytest.mark.parametrize(
    ("persona", "audience"),
    [
        ("caregiver", {"@type": "Audience", "audienceType": "Caregiver"}),
        ("student", {"@type": "Audience", "audienceType": "Student"}),
    ],
)
def test_json_ld_audience_text_for_caregivers_and_students(client, insr_topic, make_variant, persona, audience):
    make_variant(insr_topic, persona)
    assert ld_json(client.get(f"/topics/insr-gene/{persona}/").content.decode())["audience"] == audience


def test_variant_page_lists_its_sections_and_the_most_urgent_card_before_the_first_section(client, shipped_content, db):
    html = client.get("/topics/low-blood-sugar/patient/").content.decode()
    header = re.search(r'<header class="article-header">.*?</header>', html, re.S).group(0)
    contents = re.search(r'<nav id="on-this-page".*?</nav>', header, re.S).group(0)
    prose = html[html.index('<div class="prose">') :]
    ends = ('class="other-names"', 'class="disclaimer"', 'class="references"')
    prose = prose[: min(prose.find(end) % len(prose) for end in ends)]
    linked = re.findall(r'<a href="#([^"]+)">', contents)
    assert linked == re.findall(r'<h2[^>]* id="([^"]+)"', prose) and "when-to-get-help" in linked
    help_link = re.search(r'<p class="get-help"><a href="#(care-\d+)">When to get help now</a></p>', header).group(1)
    assert re.search(rf'<aside[^>]*data-care="emergency"[^>]*role="note">\s*<h3 id="{help_link}">', html)
    # Other names come after the text, out of the way of the answer.
    assert "Other names:" not in header


def test_home_starts_with_a_short_list_and_the_risk_test(client, shipped_content, db):
    html = client.get("/").content.decode()
    start = re.search(r'<nav class="start-here".*?</nav>', html, re.S).group(0)
    assert re.findall(r'href="([^"]+)"', start) == [
        "/topics/insulin-resistance/",
        "/topics/prediabetes-and-type-2-diabetes/",
        "/topics/getting-tested/",
        "/topics/low-blood-sugar/",
        "/risk-test/",
    ]
    assert html.index('class="start-here"') < html.index('class="picker"')
    # Every page has the search box in its header: a plain GET form.
    assert '<form class="site-search" role="search" aria-label="Site" method="get" action="/search/">' in html
