"""The shipped content is the product: every page must meet its reader's needs."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from tests.test_weight import MAX_FIRST_VISIT, first_visit_bytes
from topics.blocks import block_problems
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
def shipped(shipped_content, db):
    """Every shipped page of a health topic. The about pages (one version each, no sources
    or care cards) have their own checks in tests/test_about.py."""
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
# Found in the second medical read: a health page talking about our sources or our pages instead
# of saying what is known (the about pages may speak of our sources: that is what they are for).
TALK_ABOUT_OURSELVES = re.compile(
    r"\bour sources\b|\bsources do not say\b|\bnot covered on this page\b|\bnot given here\b"
    r"|\bthese pages (?:set|give|do|cover)\b|\bthis page does not (?:cover|give|say)\b|\bcollected around\b"
    r"|\bverify the current\b|\bfollow current specialist guidance\b|\bnot in the sources\b",
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
        card = r'<aside aria-labelledby="care-\d+" class="care-card" data-care="(routine|urgent|emergency)" role="note"'
        assert re.search(card, variant.html), str(variant)
        questions = '<h2 id="questions-to-ask-your-doctor">Questions to ask your doctor</h2>\n<ul class="questions"'
        assert questions in variant.html, str(variant)
        assert variant.html.count("<li>", variant.html.index("data-questions")) >= 3, str(variant)


def test_pages_about_conditions_that_can_become_emergencies_say_when_to_call_911(shipped):
    for variant in shipped:
        if variant.persona.slug in PLAIN_READERS and variant.topic.slug in EMERGENCY_TOPICS:
            card = re.search(r'<aside[^>]*data-care="emergency"[^>]*>.*?</aside>', variant.html, re.S)
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
            match = NOTES_TO_OURSELVES.search(text) or TALK_ABOUT_OURSELVES.search(text)
            assert match is None, f"{variant}: {match.group(0) if match else ''!r}"
    for term in GlossaryTerm.objects.all():
        assert NOTES_TO_OURSELVES.search(term.definition) is None, term.slug
        assert TALK_ABOUT_OURSELVES.search(term.definition) is None, term.slug


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
    assert '<details class="trust-panel" data-review-status="not-reviewed">' in header
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


# The medical editor's rules (second medical read): first aid that is safe to follow ----------------


def care_cards(html: str) -> list[tuple[str, str]]:
    """Each care card on a page as (level, its words as plain text)."""
    return [
        (level, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inner)).strip())
        for level, inner in re.findall(r'<aside[^>]*data-care="(\w+)"[^>]*>(.*?)</aside>', html, re.S)
    ]


# An instruction to eat or drink something: a verb, then within a few words a food or a sugar.
EAT_OR_DRINK = re.compile(
    r"(?<!not )(?<!never )\b(?:eat|drink|have|give|take|chew)\b(?:\s+[\w'-]+){0,4}?\s+"
    r"(?:something\s+sweet|sweets?|fast sugar|sugar|juice|soda|candy|candies|carbs|glucose tablets|glucose gel"
    r"|snacks?)\b",
    re.IGNORECASE,
)
# What makes it safe to follow: an amount, or the plan the child's care team gave.
AN_AMOUNT_OR_THE_PLAN = re.compile(r"\b\d+ grams\b|\bplan\b", re.IGNORECASE)


def test_every_care_card_that_says_to_eat_or_drink_gives_an_amount_or_the_plan(shipped):
    vague = [
        (str(v), text)
        for v in shipped
        for level, text in care_cards(v.html)
        if EAT_OR_DRINK.search(text) and not AN_AMOUNT_OR_THE_PLAN.search(text)
    ]
    assert vague == []


def test_the_rule_for_eat_or_drink_catches_the_card_it_was_written_for():
    card = "Signs of low blood sugar include shaking. Eat or drink something sweet and check again in 15 minutes."
    assert EAT_OR_DRINK.search(card) and not AN_AMOUNT_OR_THE_PLAN.search(card)
    assert not EAT_OR_DRINK.search("Call 911 if someone is too confused to eat, drink or treat it on their own.")
    assert not EAT_OR_DRINK.search("Do not give food or drink to someone who has passed out.")


# Signs a reader must act on, each worded several ways. The same sign never sits in a routine
# ("see your doctor") card on one page and an urgent or emergency one on another.
SIGNS = {
    "very thirsty": r"\bthirst",
    "peeing a lot": r"\bpee(?:s|ing)? (?:a lot|more often|often)\b|\burinat",
    "weight loss without trying": r"\blos(?:e|es|ing) weight without trying\b",
    "chest pain": r"\bchest (?:pain|discomfort)\b",
    "passing out": r"\bpass(?:es|ed)? out\b",
    "a seizure": r"\bseizures?\b",
    "trouble breathing": r"\btrouble breathing\b|\bshort(?:ness)? of breath\b",
    "a drooping face": r"\bdroop",
}


def test_the_same_sign_has_the_same_urgency_on_every_page(shipped):
    levels: dict[str, dict[str, set[str]]] = {sign: {} for sign in SIGNS}
    for variant in shipped:
        for level, text in care_cards(variant.html):
            for sign, pattern in SIGNS.items():
                if re.search(pattern, text, re.IGNORECASE):
                    levels[sign].setdefault(level, set()).add(str(variant))
    mixed = {
        sign: {level: sorted(pages) for level, pages in by_level.items()}
        for sign, by_level in levels.items()
        if "routine" in by_level and by_level.keys() & {"urgent", "emergency"}
    }
    assert mixed == {}


def low_blood_sugar_emergency_cards(shipped):
    """Plain-language emergency cards about a low: where a frightened reader acts."""
    for variant in shipped:
        if variant.persona.slug not in PLAIN_READERS:
            continue
        for level, text in care_cards(variant.html):
            if level == "emergency" and re.search(r"low blood sugar|glucagon", text, re.IGNORECASE):
                yield variant, text


def test_every_low_blood_sugar_emergency_card_names_the_same_911_triggers(shipped):
    cards = list(low_blood_sugar_emergency_cards(shipped))
    assert len(cards) >= 16  # the low blood sugar, INSR gene, syndrome and pregnancy pages
    triggers = {
        "passes out": r"\bpass(?:es)? out\b",
        "a seizure": r"\bseizure\b",
        "too confused to eat, drink or treat it": r"\btoo confused to eat, drink or treat",
    }
    missing = {
        str(variant): [name for name, pattern in triggers.items() if not re.search(pattern, text, re.IGNORECASE)]
        for variant, text in cards
    }
    assert {page: names for page, names in missing.items() if names} == {}


def test_every_low_blood_sugar_emergency_card_says_nothing_by_mouth(shipped):
    """Food or drink in the mouth of someone passed out, seizing or unable to swallow can choke them."""
    nothing_by_mouth = re.compile(r"\b(?:do not|never) (?:put|give|try to give)\b[^.]*\b(?:food|drink|mouth)\b", re.I)
    silent = [
        str(variant) for variant, text in low_blood_sugar_emergency_cards(shipped) if not nothing_by_mouth.search(text)
    ]
    assert silent == []


# References the stored sources name without an address anyone could follow: the eMedicineHealth
# page (its stored copy shows no URL) and the papers and label that the Dr.Oracle page cites with
# no authors, DOI or address. Each says in its details where it was cited.
NO_ADDRESS = {"emedicinehealth-insulin-resistance", "actos-label", "ecde-2001", "ijms-2024", "kjim-2010"}
# Papers whose own text no stored source shows: known only by title from the page that cites them
# (the Dr.Oracle page gives a summary of its own, not their words), or, for semple-2011, by its DOI
# in the MedlinePlus Genetics list. What they say cannot be checked, so on the pages a patient, a
# caregiver or a student reads no sentence rests on them alone.
TEXT_NOT_STORED = {"semple-2011", "kjim-2010", "ecde-2001", "ijms-2024"}
CITATION_GROUP = re.compile(r"\[(@[^\]]+)\]")


def test_every_cited_reference_can_be_followed_to_its_source(shipped):
    references = {ref.key: ref for ref in Reference.objects.all()}
    cited = {key for variant in shipped for key in variant.citation_keys}
    assert cited <= references.keys()
    for key in sorted(cited - NO_ADDRESS):
        ref = references[key]
        assert ref.url or ref.doi, key
        assert not ref.url or re.match(r"https?://[\w.-]+\.[a-z]+/", ref.url), (key, ref.url)
        assert not ref.doi or re.fullmatch(r"10\.\d{4,9}/\S+", ref.doi), (key, ref.doi)
    for key in NO_ADDRESS & cited:
        assert not references[key].url and not references[key].doi, f"{key} has an address now: drop it from the list"


def test_no_sentence_for_patients_caregivers_or_students_rests_only_on_a_source_nobody_can_check(shipped):
    alone = [
        (str(v), group)
        for v in shipped
        if v.persona.slug != "professional"
        for group in CITATION_GROUP.findall(v.body)
        if {key.strip().lstrip("@") for key in group.split(";")} <= TEXT_NOT_STORED
    ]
    assert alone == []


def test_the_glossary_explains_palliative_care(shipped):
    term = GlossaryTerm.objects.get(slug="palliative-care")
    assert "quality of life" in term.definition.lower()
