"""Search sends a worried person to the page a clinician would choose (tests/search_relevance.py).

On whichever database runs: SQLite by default, PostgreSQL with DATABASE_URL.
"""

import importlib

import pytest
from django.apps import apps

from tests.search_relevance import CASES, position
from topics.models import Persona, SearchTerm
from topics.search import RELATIVE_CUTOFF, search

vocabulary_migration = importlib.import_module("topics.migrations.0017_search_vocabulary")


@pytest.fixture
def shipped(shipped_content, db):
    if not SearchTerm.objects.exists():
        # A transactional test emptied the tables, the migration's rows included.
        vocabulary_migration.create_terms(apps, None)


def test_the_best_page_comes_first_for_nearly_every_query_and_in_the_top_three_for_all(shipped):
    places = {case: position(case)[0] for case in CASES}
    assert len(CASES) >= 60
    outside_top_three = [case for case, place in places.items() if place is None or place > 3]
    assert outside_top_three == []
    first = sum(1 for place in places.values() if place == 1) / len(CASES)
    assert first >= 0.95, [case for case, place in places.items() if place != 1]


def test_faint_results_are_not_listed(shipped):
    hits = search("insulin", Persona.objects.get(slug="patient")).hits
    assert hits and all(hit.score >= RELATIVE_CUTOFF * hits[0].score for hit in hits)
    assert len(search("insulin resistance", Persona.objects.get(slug="patient")).hits) < 10


def test_a_lab_value_shows_the_sentence_with_its_range(shipped):
    hit = search("a1c 6.1", Persona.objects.get(slug="patient")).hits[0]
    assert hit.topic.slug == "getting-tested"
    assert "5.7 to 6.4" in hit.snippet
    for query in ("fasting 110", "blood sugar 110", "fasting sugar 110"):
        hit = search(query, Persona.objects.get(slug="patient")).hits[0]
        assert hit.topic.slug == "getting-tested", query  # 110 is high, never low blood sugar
        assert "100 to 125" in hit.snippet, query


def test_heart_attack_signs_link_to_the_911_card(shipped, client):
    hit = search("heart attack signs", Persona.objects.get(slug="patient")).hits[0]
    assert hit.section.startswith("care-")
    assert "<mark>heart</mark> <mark>attack</mark>" in hit.snippet
    html = client.get("/search/", {"q": "heart attack signs"}).content.decode()
    assert f'href="/topics/prediabetes-and-type-2-diabetes/patient/#{hit.section}"' in html
    section = hit.variant.live_html.split(f'id="{hit.section}"')[1].split("</aside>")[0]
    assert "911" in section


def test_a_confident_correction_is_searched_with_a_way_back(shipped, client):
    html = client.get("/search/", {"q": "insulin resistence"}).content.decode()
    assert "Showing results for <strong>insulin resistance</strong>" in html
    assert 'href="/search/?q=insulin%20resistence&amp;persona=patient&amp;exact=1"' in html
    first = html.index('class="topic-cards search-hits"')
    assert html.index('href="/topics/insulin-resistance/patient/"', first) < html.index("</li>", first)
    exact = client.get("/search/", {"q": "insulin resistence", "exact": "1"}).content.decode()
    assert "Showing results for" not in exact and "Did you mean" in exact


def test_my_baby_brings_the_caregiver_pages_unless_a_reader_was_chosen(shipped, client):
    html = client.get("/search/", {"q": "my baby has donohue syndrome"}).content.decode()
    assert 'href="/topics/donohue-syndrome/caregiver/"' in html
    client.cookies["persona"] = "student"
    html = client.get("/search/", {"q": "my baby has donohue syndrome"}).content.decode()
    assert 'href="/topics/donohue-syndrome/student/"' in html and "/caregiver/" not in html


def test_editors_teach_search_a_word(shipped):
    patient = Persona.objects.get(slug="patient")
    assert search("zebra", patient).hits == []
    SearchTerm.objects.create(phrase="Zebra", means="velvety skin", topic="acanthosis-nigricans")
    assert SearchTerm.objects.get(means="velvety skin").phrase == "zebra"
    assert search("zebra", patient).hits[0].topic.slug == "acanthosis-nigricans"
