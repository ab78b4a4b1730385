from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from topics import workflow
from topics.models import Disclaimer, Persona, Variant


def test_default_personas_created_by_migration(personas):
    assert list(personas) == ["patient", "caregiver", "student", "professional"]
    assert Persona.objects.default().slug == "patient"
    assert personas["patient"].max_grade == Decimal("6.0")
    assert personas["student"].max_grade == Decimal("10.0")


def test_save_stores_rendered_html_citations_and_grade(make_topic, make_reference, make_variant):
    make_reference("a")
    make_reference("b")
    variant = make_variant(make_topic(), body="One thing [@b]. Two things [@a]. <script>x</script>")
    variant.refresh_from_db()
    assert variant.citation_keys == ["b", "a"]
    assert 'href="#ref-b"' in variant.html
    assert "<script" not in variant.html
    assert variant.reading_grade < Decimal("6")


def test_references_follow_citation_order(make_topic, make_reference, make_variant):
    make_reference("a")
    make_reference("b")
    variant = make_variant(make_topic(), body="[@b] then [@a]")
    assert [ref.key for ref in variant.references()] == ["b", "a"]


def test_clean_rejects_unknown_reference_key(make_topic, personas):
    variant = Variant(topic=make_topic(), persona=personas["patient"], body="Text [@no-such-key].")
    with pytest.raises(ValidationError) as error:
        variant.full_clean()
    assert "no-such-key" in str(error.value.message_dict["body"])


def test_published_queryset_excludes_drafts_and_review(make_topic, make_variant):
    topic = make_topic()
    make_variant(topic, "patient", status=Variant.Status.PUBLISHED)
    make_variant(topic, "student", status=Variant.Status.DRAFT)
    make_variant(topic, "caregiver", status=Variant.Status.REVIEW)
    assert [v.persona.slug for v in Variant.objects.published()] == ["patient"]


def test_one_variant_per_topic_and_persona(make_topic, make_variant):
    from django.db import IntegrityError

    topic = make_topic()
    make_variant(topic, "patient")
    with pytest.raises(IntegrityError):
        make_variant(topic, "patient")


def test_over_target_compares_grade_with_persona(make_topic, make_variant):
    hard = (
        "Heterozygous dominant-negative mutations of the insulin receptor impair transphosphorylation "
        "of the intracellular tyrosine kinase domain, attenuating phosphatidylinositol 3-kinase signalling."
    )
    topic = make_topic()
    patient = make_variant(topic, "patient", hard)
    student = make_variant(topic, "student", "Insulin is a hormone. It helps sugar get into cells.")
    assert patient.reading_grade > patient.persona.max_grade
    assert patient.over_target
    assert not student.over_target


def test_disclaimers_for_persona_include_those_for_everyone(personas):
    everyone = Disclaimer.objects.create(slug="all", title="All", text="For all.")
    pro = Disclaimer.objects.create(slug="pro", title="Pro", text="For professionals.")
    pro.personas.add(personas["professional"])
    assert set(Disclaimer.objects.for_persona(personas["patient"])) == {everyone}
    assert set(Disclaimer.objects.for_persona(personas["professional"])) == {everyone, pro}


def test_reference_links(make_reference):
    ref = make_reference("x", doi="10.1210/er.2010-0020", pmid="123")
    assert ref.doi_url == "https://doi.org/10.1210/er.2010-0020"
    assert ref.pubmed_url == "https://pubmed.ncbi.nlm.nih.gov/123/"


def test_variant_history_is_recorded(make_topic, make_variant):
    variant = make_variant(make_topic(), body="First text.")
    variant.body = "Second text."
    workflow.save_draft(variant, by=None)
    history = list(variant.history.all())
    assert [h.body for h in history[:2]] == ["Second text.", "First text."]
    assert history[0].status == "draft" and history[1].status == "published"


def test_glossary_terms_link_when_shown_not_when_saved(make_topic, make_variant):
    from topics.models import GlossaryTerm

    GlossaryTerm.objects.create(slug="pancreas", term="pancreas", definition="An organ.")
    variant = make_variant(make_topic(), body="## Pancreas\n\nThe pancreas makes insulin. The pancreas is small.")
    assert "glossary-link" not in variant.live_html  # stored without links, so new terms apply at once
    shown = GlossaryTerm.objects.link(variant.live_html)
    assert shown.count('href="/glossary/pancreas/"') == 1
    assert '<h2 id="pancreas">Pancreas</h2>' in shown


def test_new_glossary_term_links_on_live_pages_without_publishing_again(client, make_topic, make_variant):
    from topics.models import GlossaryTerm

    make_variant(make_topic("insr-gene"), body="The pancreas makes insulin.")
    assert "/glossary/pancreas/" not in client.get("/topics/insr-gene/patient/").content.decode()
    GlossaryTerm.objects.create(slug="pancreas", term="pancreas", definition="An organ.")
    html = client.get("/topics/insr-gene/patient/").content.decode()
    assert 'class="glossary-link" href="/glossary/pancreas/"' in html


def test_html_entities_never_become_glossary_links():
    from topics.rendering import link_glossary

    html = "<p>Salt &amp; sugar &#x27;amp&#x27; &lt;3 nbsp&nbsp;here.</p>"
    terms = [("amp", ["amp"]), ("lt", ["lt"]), ("nbsp", ["nbsp"]), ("x27", ["x27"])]
    linked = link_glossary(html, terms, url_for=lambda slug: f"/glossary/{slug}/")
    assert "&amp;" in linked and "&#x27;" in linked and "&lt;" in linked and "&nbsp;" in linked
    # Only the real words link, never the insides of a character reference.
    assert linked.count("glossary-link") == 2
    assert ">amp</a>&#x27;" in linked and ">nbsp</a>&nbsp;" in linked


def test_topic_kind_order_puts_named_kinds_first_and_keeps_the_rest(personas):
    persona = personas["caregiver"]
    persona.topic_kind_order = " Gene,condition "
    persona.full_clean()
    assert persona.topic_kinds() == ["gene", "condition", "concept", "symptom", "treatment"]
    persona.topic_kind_order = ""
    assert persona.topic_kinds() == ["concept", "condition", "symptom", "treatment", "gene"]


@pytest.mark.parametrize("value", ["genes", "gene, gene", "condition; gene"])
def test_topic_kind_order_refuses_typos_and_repeats(personas, value):
    persona = personas["caregiver"]
    persona.topic_kind_order = value
    with pytest.raises(ValidationError):
        persona.full_clean()


def test_shipped_personas_order_topic_groups_for_their_reader(personas):
    by_slug = {slug: persona.topic_kinds() for slug, persona in Persona.objects.in_bulk(field_name="slug").items()}
    # Patients start with the common condition explained; caregivers (often of a child with a
    # rare inherited syndrome) and professionals with the conditions and the gene.
    assert by_slug["patient"][0] == "concept"
    assert by_slug["caregiver"][:2] == ["condition", "gene"]
    assert by_slug["professional"][:2] == ["condition", "gene"]
    assert by_slug["student"][0] == "concept"
