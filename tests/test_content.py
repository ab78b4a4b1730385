"""The shipped content is the product: every page must meet its reader's needs."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from tests.test_weight import MAX_FIRST_VISIT, first_visit_bytes
from topics.importing import import_content
from topics.models import GlossaryTerm, Persona, Reference, Topic, Variant
from topics.readability import grade_text

REQUIRED_TOPICS = {
    "insulin",
    "insulin-resistance",
    "causes-and-risk-factors",
    "signs-and-symptoms",
    "managing-insulin-resistance",
    "metformin-and-pioglitazone",
    "prediabetes-and-type-2-diabetes",
    "insr-gene",
    "severe-insulin-resistance-syndromes",
    "donohue-syndrome",
    "rabson-mendenhall-syndrome",
    "type-a-insulin-resistance",
    "polycystic-ovary-syndrome",
    "acanthosis-nigricans",
    "insulin-signalling",
}
LIMITS = {"patient": Decimal("6.0"), "caregiver": Decimal("6.0"), "student": Decimal("10.0")}


@pytest.fixture
def shipped(db):
    import_content()
    return list(Variant.objects.select_related("topic", "persona"))


def test_every_required_topic_is_published_for_all_four_personas(shipped):
    personas = set(Persona.objects.values_list("slug", flat=True))
    assert REQUIRED_TOPICS <= set(Topic.objects.values_list("slug", flat=True))
    for topic in Topic.objects.all():
        published = set(Variant.objects.published().filter(topic=topic).values_list("persona__slug", flat=True))
        assert published == personas, topic.slug


def test_every_variant_within_its_reading_grade(shipped):
    too_hard = [
        (v.topic.slug, v.persona.slug, v.reading_grade)
        for v in shipped
        if v.persona.slug in LIMITS and v.reading_grade > LIMITS[v.persona.slug]
    ]
    assert too_hard == []


def test_professional_pages_are_at_least_two_grades_above_patient(shipped):
    grades = {(v.topic.slug, v.persona.slug): v.reading_grade for v in shipped}
    for topic in Topic.objects.values_list("slug", flat=True):
        assert grades[(topic, "professional")] >= grades[(topic, "patient")] + 2, topic


def test_every_variant_cites_and_every_key_resolves(shipped):
    keys = set(Reference.objects.values_list("key", flat=True))
    for variant in shipped:
        assert variant.citation_keys, f"{variant} cites nothing"
        assert variant.render().unknown_keys == [], variant
        assert set(variant.citation_keys) <= keys


def test_reference_table_holds_the_source_references(shipped):
    for key in [
        "grasso-2013", "hubbard-2013", "longo-2002", "maassen-2003", "semple-2011",
        "ijms-2024", "ecde-2001", "kjim-2010", "actos-label", "medlineplus-insr", "niddk-insulin-resistance",
    ]:  # fmt: skip
        assert Reference.objects.filter(key=key).exists(), key
    assert Reference.objects.get(key="semple-2011").doi == "10.1210/er.2010-0020"


def test_glossary_definitions_are_plain(shipped):
    terms = list(GlossaryTerm.objects.all())
    assert len(terms) >= 30
    assert [t.slug for t in terms if grade_text(t.definition) > 6.0] == []


def test_shipped_content_is_honest_about_review(shipped):
    assert all(v.reviewer_id is None for v in shipped)


def test_content_report_prints_the_table(shipped, capsys):
    call_command("content_report")
    out = capsys.readouterr().out
    assert "insr-gene" in out and "professional" in out
    assert "0 page(s) need attention." in out


def test_condition_pages_for_patients_and_caregivers_end_with_next_steps(shipped):
    for variant in shipped:
        if variant.topic.kind == Topic.Kind.CONDITION and variant.persona.slug in {"patient", "caregiver"}:
            headings = re.findall(r"<h2[^>]*>(.*?)</h2>", variant.html)
            assert headings[-2:] == ["Questions to ask your doctor", "When to get help"], str(variant)


def test_glossary_terms_are_linked_from_article_bodies(shipped):
    insr_patient = next(v for v in shipped if v.topic.slug == "insr-gene" and v.persona.slug == "patient")
    links = re.findall(r'class="glossary-link" href="/glossary/([a-z0-9-]+)/"', insr_patient.html)
    assert "gene" in links and "insulin" in links
    assert len(links) == len(set(links))  # first use only
    pages_with_links = [v for v in shipped if 'class="glossary-link"' in v.html]
    assert len(pages_with_links) == len(shipped)


def test_first_visit_to_every_shipped_topic_page_is_at_most_30_kib_compressed(shipped, client):
    """The weight budget holds for the real pages, the longest professional ones included."""
    heaviest = max(
        (first_visit_bytes(client, variant.get_absolute_url()), variant.get_absolute_url())
        for variant in Variant.objects.published().select_related("topic", "persona")
    )
    assert heaviest[0] <= MAX_FIRST_VISIT, heaviest


def test_every_shipped_page_has_its_own_title_description_and_canonical(shipped, client):
    titles, descriptions = {}, {}
    for variant in Variant.objects.published().select_related("topic", "persona"):
        url = variant.get_absolute_url()
        html = client.get(url).content.decode()
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()
        description = re.search(r'<meta name="description" content="([^"]*)"', html).group(1).strip()
        assert f'<link rel="canonical" href="http://testserver{url}">' in html
        assert re.search(r'<meta property="og:description" content="[^"]+">', html), url
        assert 50 <= len(description) <= 300, (url, description)
        assert title not in titles, (url, titles.get(title))
        assert description not in descriptions, (url, descriptions.get(description))
        titles[title], descriptions[description] = url, url
    assert len(titles) == 60
