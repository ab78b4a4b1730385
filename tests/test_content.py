"""The shipped content is the product: every page must meet its reader's needs."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from tests.test_weight import MAX_FIRST_VISIT, first_visit_bytes
from topics.blocks import block_problems
from topics.importing import import_content
from topics.models import GlossaryTerm, Persona, Reference, Topic, Variant
from topics.readability import grade_text, hard_words, prose_text

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
    "getting-tested",
    "pregnancy-and-gestational-diabetes",
    "metabolic-syndrome",
    "low-blood-sugar",
    "children-and-teens",
    "genetic-testing-and-counselling",
}
LIMITS = {"patient": Decimal("6.0"), "caregiver": Decimal("6.0"), "student": Decimal("10.0")}


@pytest.fixture
def shipped(db):
    """Every shipped page of a health topic. The about pages (one version each, no sources
    or care cards) have their own checks in tests/test_about.py."""
    import_content()
    return list(Variant.objects.health_pages().select_related("topic", "persona"))


def test_every_required_topic_is_published_for_all_four_personas(shipped):
    personas = set(Persona.objects.values_list("slug", flat=True))
    assert REQUIRED_TOPICS <= set(Topic.objects.values_list("slug", flat=True))
    for topic in Topic.objects.health_topics():
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
    for topic in Topic.objects.health_topics().values_list("slug", flat=True):
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
    def shown(variant):
        return GlossaryTerm.objects.link(variant.live_html)

    insr_patient = next(v for v in shipped if v.topic.slug == "insr-gene" and v.persona.slug == "patient")
    links = re.findall(r'class="glossary-link" href="/glossary/([a-z0-9-]+)/"', shown(insr_patient))
    assert "gene" in links and "insulin" in links
    assert len(links) == len(set(links))  # first use only
    pages_with_links = [v for v in shipped if 'class="glossary-link"' in shown(v)]
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
    assert len(titles) == 4 * Topic.objects.health_topics().count() + Topic.objects.about_pages().count()


# Structure a reader can act on (issue: key points, care cards, questions, honest notes) ----------

PLAIN_READERS = {"patient", "caregiver"}
# Conditions that can become an emergency: heart attack and stroke (prediabetes and type 2
# diabetes, metabolic syndrome), low blood sugar (the INSR syndromes, insulin in pregnancy), drug
# warnings (metformin and pioglitazone).
EMERGENCY_TOPICS = {
    "prediabetes-and-type-2-diabetes",
    "metformin-and-pioglitazone",
    "insr-gene",
    "severe-insulin-resistance-syndromes",
    "donohue-syndrome",
    "rabson-mendenhall-syndrome",
    "type-a-insulin-resistance",
    "pregnancy-and-gestational-diabetes",
    "metabolic-syndrome",
    "low-blood-sugar",
}
# Editors' notes to themselves that once reached public pages.
NOTES_TO_OURSELVES = re.compile(
    r"\bstored (?:source|text|cop|label|extract)|\bsources? (?:used |reviewed )?here\b|\bthese summaries\b"
    r"|\bavailable summaries\b|\bsource is followed\b|\bsources reviewed\b|\bnot addressed by the sources\b"
    r"|\bthe sources do not\b|pending human review|\bTODO\b|\bFIXME\b|\bXXX\b",
    re.IGNORECASE,
)


def key_points(html: str) -> str:
    match = re.match(
        r'\s*<section aria-labelledby="key-points-heading" class="key-points" data-key-points="">.*?</section>',
        html,
        re.S,
    )
    return match.group(0) if match else ""


def test_every_page_opens_with_two_to_five_key_points(shipped):
    for variant in shipped:
        box = key_points(variant.html)
        assert box, f"{variant}: no key points before the first section"
        assert 2 <= box.count("<li>") <= 5, str(variant)
        assert box.count("<h2") == 1, str(variant)  # only its own heading: it comes before any section


def test_patient_and_caregiver_pages_have_a_care_card_and_questions_to_tick(shipped):
    for variant in shipped:
        if variant.persona.slug not in PLAIN_READERS:
            continue
        assert re.search(
            r'<aside aria-labelledby="care-\d+" class="care-card" data-care="(routine|urgent|emergency)">', variant.html
        ), str(variant)
        assert '<h2>Questions to ask your doctor</h2>\n<ul class="questions" data-questions="">' in variant.html, str(
            variant
        )
        assert variant.html.count("<li>", variant.html.index("data-questions")) >= 3, str(variant)


def test_pages_about_conditions_that_can_become_emergencies_say_when_to_call_911(shipped):
    for variant in shipped:
        if variant.persona.slug in PLAIN_READERS and variant.topic.slug in EMERGENCY_TOPICS:
            card = re.search(r'<aside[^>]*data-care="emergency">.*?</aside>', variant.html, re.S)
            assert card and "911" in card.group(0), str(variant)
    by_page = {(v.topic.slug, v.persona.slug): v.html for v in shipped}
    # Signs to act on, not only a promise: heart attack and stroke, and low blood sugar.
    prediabetes = by_page[("prediabetes-and-type-2-diabetes", "patient")]
    assert "Signs of a heart attack" in prediabetes and "Signs of a stroke" in prediabetes
    for slug in ("donohue-syndrome", "type-a-insulin-resistance", "rabson-mendenhall-syndrome"):
        for persona in PLAIN_READERS:
            assert "Low blood sugar: act now" in by_page[(slug, persona)], (slug, persona)


def test_no_public_page_contains_notes_to_ourselves(shipped):
    for variant in shipped:
        for text in (variant.title, variant.summary, variant.body, prose_text(variant.html)):
            match = NOTES_TO_OURSELVES.search(text)
            assert match is None, f"{variant}: {match.group(0) if match else ''!r}"
    for term in GlossaryTerm.objects.all():
        assert NOTES_TO_OURSELVES.search(term.definition) is None, term.slug


def test_donohue_prognosis_is_stated_as_the_sources_state_it(shipped):
    for variant in shipped:
        assert "do not live past age 2" not in variant.body, str(variant)
        assert "do not live past the age of 2" not in variant.body, str(variant)


def test_no_blocks_are_mistyped(shipped):
    assert [str(v) for v in shipped if block_problems(v.body)] == []


def test_glossary_definitions_are_not_circular(shipped):
    for term in GlossaryTerm.objects.all():
        first_sentence = re.split(r"(?<=[.!?])\s", term.definition.strip(), maxsplit=1)[0]
        assert not re.search(rf"(?<![\w-]){re.escape(term.term)}(?![\w-])", first_sentence, re.I), term.slug


def test_glossary_has_the_terms_readers_meet(shipped):
    terms = {t.lower() for t in GlossaryTerm.objects.values_list("term", flat=True)}
    for term in ["A1C", "autosomal recessive", "autosomal dominant", "carrier", "gestational diabetes",
                 "metabolic syndrome", "glucagon", "androgen"]:  # fmt: skip
        assert term.lower() in terms, term


def test_plain_pages_leave_no_hard_word_unexplained(shipped):
    names = [name for _, forms in GlossaryTerm.objects.link_forms() for name in forms]
    left = {str(v): hard_words(v.html, names) for v in shipped if v.persona.slug in PLAIN_READERS}
    assert {page: words for page, words in left.items() if words} == {}


def test_unreviewed_page_says_so_under_its_title(shipped, client):
    html = client.get("/topics/insulin-resistance/patient/").content.decode()
    header = re.search(r'<header class="article-header">.*?</header>', html, re.S).group(0)
    assert '<div class="trust-panel" data-review-status="not-reviewed">' in header
    assert "Not yet medically reviewed: written from the sources listed below" in header
    assert header.index("data-review-status") > header.index('id="page-title"')


def expected_kind(ref: Reference) -> str:
    """What a reference is, judged from what its file says about the source."""
    who = f"{ref.authors} {ref.source}"
    if "Food and Drug Administration" in who or "FDA" in ref.source:
        return Reference.Kind.DRUG_LABEL  # prescribing information and FDA notices about a label
    if ref.doi or "cited in Dr.Oracle" in ref.details:
        return Reference.Kind.RESEARCH  # journal articles
    if ref.url.startswith(("https://medlineplus.gov/genetics/gene/", "https://ghr.nlm.nih.gov/condition/")):
        return Reference.Kind.GENE_DATABASE  # gene and condition records of MedlinePlus Genetics
    if "guideline" in f"{ref.title} {ref.source}".lower():
        return Reference.Kind.GUIDELINE
    return Reference.Kind.HEALTH_INFORMATION  # public health pages, fact sheets, dictionaries


def test_every_shipped_reference_has_the_kind_its_source_is(shipped):
    wrong = {
        ref.key: (ref.kind, expected_kind(ref)) for ref in Reference.objects.all() if ref.kind != expected_kind(ref)
    }
    assert wrong == {}
    # A public health page is not a clinical guideline (it was filed as one).
    assert Reference.objects.get(key="cdc-preventing-type-2").kind == Reference.Kind.HEALTH_INFORMATION


def test_plain_language_pages_have_one_sources_link_per_section(shipped, client):
    html = client.get("/topics/insr-gene/patient/").content.decode()
    prose = html.split('<div class="prose">')[1].split('<section class="references"')[0]
    assert 'class="citation"' not in prose
    sources = re.findall(r'class="sources-link"[^>]*aria-label="Sources for this section: ([^"]+)"', prose)
    sections = len(re.findall(r"<h2", prose))
    assert 3 <= len(sources) <= sections, "one per section that cites, no more"
    assert "MedlinePlus Genetics, INSR gene: insulin receptor" in sources[0]
    # Far fewer stops for a keyboard than a number on every sentence.
    professional = client.get("/topics/insr-gene/professional/").content.decode()
    assert len(sources) * 2 < professional.count('class="citation-link"')


def test_gene_and_syndrome_pages_offer_the_medlineplus_genetics_resources(shipped, client):
    for slug in ["insr-gene", "donohue-syndrome", "rabson-mendenhall-syndrome", "type-a-insulin-resistance"]:
        for persona in ("patient", "professional"):
            html = client.get(f"/topics/{slug}/{persona}/").content.decode()
            section = html.split('class="resources"')[1].split("</section>")[0]
            assert "More information and resources" in section
            for name in ["Genetic Testing Registry", "OMIM", "ClinVar", "NCBI Gene", "PubMed"]:
                assert name in section, (slug, name)
    # Identifiers only where a stored source shows them (the OMIM and MedGen records); otherwise searches.
    with_resources = [topic for topic in Topic.objects.all() if topic.resources]
    assert {t.slug for t in with_resources} >= {"insr-gene", "donohue-syndrome", "rabson-mendenhall-syndrome"}
    omim = {t.slug: [e for e in t.resources if e["resource"] == "omim"][0] for t in with_resources}
    assert omim["insr-gene"] == {"resource": "omim", "id": "147670"}
    assert omim["donohue-syndrome"] == {"resource": "omim", "id": "246200"}
    assert omim["rabson-mendenhall-syndrome"] == {"resource": "omim", "id": "262190"}
    assert "search" in omim["type-a-insulin-resistance"]
    for topic in with_resources:
        for entry in topic.resources:
            assert entry["resource"] == "omim" or "search" in entry, (topic.slug, entry)
