"""Search by any name, on both databases, over the shipped content."""

import pytest

from topics.models import Persona, SearchTerm, Topic, Variant
from topics.search import search

# query -> the topic that must come first, on SQLite and on PostgreSQL alike
TOP_RESULTS = {
    "HHF5": "insr-gene",
    "CD220": "insr-gene",
    "IR": "insr-gene",
    "insulin receptor": "insr-gene",
    "acanthosis": "acanthosis-nigricans",
    "PCOS": "polycystic-ovary-syndrome",
    "dark patches on my neck": "acanthosis-nigricans",
    "Donohue": "donohue-syndrome",
    "leprechaunism": "donohue-syndrome",
    "pioglitazone": "metformin-and-pioglitazone",
    # small typos
    "acanthosys": "acanthosis-nigricans",
    "metformn": "metformin-and-pioglitazone",
    "Rabson Mendenhal": "rabson-mendenhall-syndrome",
}


@pytest.fixture
def shipped(shipped_content):
    """The shipped content, loaded once for this module (tests/conftest.py)."""


@pytest.mark.parametrize(("query", "expected"), TOP_RESULTS.items())
def test_top_result(shipped, db, query, expected):
    results = search(query, Persona.objects.get(slug="patient"))
    assert results.hits, f"nothing found for {query!r}"
    assert results.hits[0].topic.slug == expected, [h.topic.slug for h in results.hits[:3]]


def test_results_are_for_the_visitors_persona(shipped, db):
    professional = search("HHF5", Persona.objects.get(slug="professional")).hits[0]
    assert professional.variant.persona.slug == "professional"


def test_snippets_highlight_the_words_and_escape_the_text(shipped, db):
    hit = search("dark patches neck", Persona.objects.get(slug="patient")).hits[0]
    assert "<mark>" in hit.snippet and "<script" not in hit.snippet
    assert "neck" in hit.snippet.lower()


def test_glossary_terms_are_found_exactly_first(shipped, db):
    terms = search("insulin receptor", Persona.objects.get(slug="patient")).terms
    assert terms[0].slug == "insulin-receptor"
    assert [t.slug for t in search("PCOS", Persona.objects.get(slug="patient")).terms] == ["polycystic-ovary-syndrome"]


def test_nothing_found_and_empty_queries(shipped, db):
    patient = Persona.objects.get(slug="patient")
    assert search("zebra", patient).hits == []
    assert search("   ", patient).hits == []
    assert search("!!!", patient).hits == []


def test_drafts_are_never_found(shipped, db):
    variant = Variant.objects.get(topic__slug="insr-gene", persona__slug="patient")
    variant.body = "Xylophone is a secret draft word."
    variant.save()
    assert search("xylophone", Persona.objects.get(slug="patient")).hits == []


def test_search_page_finds_other_names_and_typos(client, shipped, db):
    html = client.get("/search/", {"q": "HHF5"}).content.decode()
    assert 'href="/topics/insr-gene/patient/"' in html
    html = client.get("/search/", {"q": "acanthosys"}).content.decode()
    first = html.index('class="topic-cards search-hits"')
    assert html.index('href="/topics/acanthosis-nigricans/patient/"', first) < html.index("</ul>", first)


def test_search_as_you_type_returns_the_results_fragment(client, shipped, db):
    response = client.get("/search/", {"q": "PCOS"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html
    assert 'href="/topics/polycystic-ovary-syndrome/patient/"' in html
    assert "HX-Request" in response["Vary"]


def test_the_header_box_gets_a_short_list_of_pages_as_the_reader_types(client, shipped, db):
    response = client.get("/search/", {"q": "PCOS", "suggest": "1"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.startswith('<ul aria-label="Suggested pages">') and "<html" not in html
    assert 'href="/topics/polycystic-ovary-syndrome/patient/"' in html
    assert html.count("<li>") <= 6  # five pages at most, and the link to all results
    assert 'href="/search/?q=PCOS">All results for' in html
    # Cached apart from the results fragment and the full page, which stay as they were.
    fragment = client.get("/search/", {"q": "PCOS"}, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<section id="results"')
    page = client.get("/search/", {"q": "PCOS", "suggest": "1"}).content.decode()
    assert "<html" in page and '<section id="results"' in page
    # Nothing found: no list at all, so the box shows nothing.
    empty = client.get("/search/", {"q": "zebra", "suggest": "1"}, headers={"HX-Request": "true"})
    assert empty.content.decode().strip() == ""
    # Sent twice, the switch is refused like any repeated parameter.
    twice = client.get("/search/?q=PCOS&suggest=1&suggest=1", headers={"HX-Request": "true"})
    assert twice.status_code == 400


def test_search_follows_the_remembered_persona(client, shipped, db):
    client.cookies["persona"] = "student"
    response = client.get("/search/", {"q": "CD220"})
    assert 'href="/topics/insr-gene/student/"' in response.content.decode()
    assert "Cookie" in response["Vary"]


def test_search_for_a_persona_named_in_the_url_is_the_same_for_everyone(client, shipped, db):
    client.cookies["persona"] = "student"
    response = client.get("/search/", {"q": "CD220", "persona": "professional"})
    html = response.content.decode()
    assert 'href="/topics/insr-gene/professional/"' in html
    assert "Cookie" not in response["Vary"]
    # The form searches again for the same reader.
    assert '<input type="hidden" name="persona" value="professional">' in html
    assert client.get("/search/", {"q": "CD220", "persona": "astronaut"}).status_code == 404


def test_no_results_says_so_kindly_and_suggests_topics(client, shipped, db):
    html = client.get("/search/", {"q": "zebra"}).content.decode()
    assert "No results for “zebra”" in html
    assert "Check the spelling" in html
    assert 'href="/topics/insulin/patient/"' in html


@pytest.mark.parametrize("persona", ["patient", "caregiver", "student", "professional"])
def test_a_page_that_answers_the_question_ranks_above_one_that_mentions_its_words(shipped, db, persona):
    managing = Topic.objects.get(slug="managing-insulin-resistance")
    assert managing.title == "Managing insulin resistance"
    slugs = [hit.topic.slug for hit in search("what should I eat", Persona.objects.get(slug=persona)).hits]
    # The page whose key points say what to do comes first, for every reader.
    assert slugs[0] == "managing-insulin-resistance", slugs
    if "severe-insulin-resistance-syndromes" in slugs:
        assert slugs.index("managing-insulin-resistance") < slugs.index("severe-insulin-resistance-syndromes")


@pytest.mark.parametrize(
    ("query", "suggestion"),
    [("acanthosys", "acanthosis"), ("metformn", "metformin"), ("Rabson Mendenhal", "Rabson Mendenhall")],
)
def test_a_misspelled_search_offers_did_you_mean(shipped, db, query, suggestion):
    assert search(query, Persona.objects.get(slug="patient")).suggestion == suggestion


@pytest.mark.parametrize("query", ["insulin", "what should I eat", "HHF5", "dark patches on my neck"])
def test_words_the_site_uses_get_no_suggestion(shipped, db, query):
    assert search(query, Persona.objects.get(slug="patient")).suggestion == ""


def test_a_confident_correction_is_searched_and_did_you_mean_links_to_it_otherwise(shipped, db, client):
    html = client.get("/search/?q=acanthosys+nigrikans&persona=student").content.decode()
    assert "Showing results for <strong>acanthosis nigricans</strong>" in html
    assert "/topics/acanthosis-nigricans/student/" in html
    # Asked for the words as typed: nothing is found by them, and the correction is a link.
    html = client.get("/search/?q=acanthosys+nigrikans&persona=student&exact=1").content.decode()
    assert "Showing results for" not in html
    assert (
        'Did you mean <a href="/search/?q=acanthosis%20nigricans&amp;persona=student">acanthosis nigricans</a>?' in html
    )
    followed = client.get("/search/?q=acanthosis%20nigricans&persona=student").content.decode()
    assert "Did you mean" not in followed and "/topics/acanthosis-nigricans/student/" in followed


def test_result_cards_list_distinct_other_names_only(shipped, db, client):
    html = client.get("/search/?q=type+A+insulin+resistance&persona=patient").content.decode()
    card = html.split('href="/topics/type-a-insulin-resistance/patient/"')[1].split("</li>")[0]
    shown = card.split("Also called:</span>")[1].split("</p>")[0].strip()
    # Seven names shipped; those that only repeat the title, or each other in another order or
    # punctuation ("Insulin resistance syndrome, type A", "Diabetes mellitus, insulin-resistant, ...") go.
    assert shown == ", ".join(
        [
            "Type A insulin resistance",
            "Insulin-resistant diabetes mellitus and acanthosis nigricans",
            "Extreme insulin resistance with acanthosis nigricans, hirsutism and abnormal insulin receptors",
        ]
    )


def test_the_migration_rebuilds_search_documents_with_key_points(shipped, db):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("search documents are PostgreSQL's")
    migration = importlib.import_module("topics.migrations.0013_citations_resources")
    patient = Persona.objects.get(slug="patient")
    before = {v.pk: v.search_vector for v in Variant.objects.published()}
    Variant.objects.update(search_vector=None)
    # The editors' vocabulary points "what should I eat" at a page by itself: without it,
    # only the search documents can find the pages.
    SearchTerm.objects.all().delete()
    assert not search("what should I eat", patient).hits  # nothing to find the pages by
    migration.search_by_key_points(apps, SimpleNamespace(connection=connection))
    # The same document publishing builds, key points included.
    assert {v.pk: v.search_vector for v in Variant.objects.published()} == before
