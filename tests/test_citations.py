"""Citations by reader: "Sources" per section for plain language, numbers otherwise, links both ways."""

import importlib
import re

import pytest
from django.apps import apps as django_apps

from topics.importing import import_content
from topics.models import Persona, Reference, Variant
from topics.readability import reading_grade
from topics.rendering import INLINE, SECTIONS, citation_places, label_citations, render_body

citations_by_reader = importlib.import_module("topics.migrations.0013_citations_resources")

KEYS = {"a", "b", "c"}
BODY = """::: key-points
- Insulin helps sugar get into cells [@a].
- The gene makes the receptor [@b; @a].
:::

Before any heading [@c].

## What it does

A gene is a set of steps [@a]. It makes a part of the cell [@b].

::: care routine
- See a doctor if you feel ill [@c].
:::

## No sources here

Just words.

## Unknown

A typo [@nope] stays as typed.
"""


def ids_in(html: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', html))


# Rendering ---------------------------------------------------------------------------------


def test_plain_language_style_puts_one_sources_link_at_the_end_of_each_section():
    rendered = render_body(BODY, KEYS, style=SECTIONS)
    assert "<sup" not in rendered.html and "[@a]" not in rendered.html
    links = re.findall(
        r'<a class="sources-link" id="(sources-\d+)" href="#ref-(\w+)" data-cites="([^"]*)">', rendered.html
    )
    # Key points, the text before the first heading, "What it does" (its care card too); none where nothing is cited.
    assert links == [("sources-1", "a", "a b"), ("sources-2", "c", "c"), ("sources-3", "a", "a b c")]
    key_points = rendered.html.split("</section>")[0]
    assert 'id="sources-1"' in key_points, "the key points keep their own Sources link"
    assert "[@nope]" in rendered.html and rendered.unknown_keys == ["nope"]
    # Numbers are the same whatever the style: order of first use.
    assert rendered.citations == render_body(BODY, KEYS).citations == ["a", "b", "c"]


def test_both_styles_leave_the_same_prose_so_the_reading_grade_is_the_same():
    inline, sections = render_body(BODY, KEYS, style=INLINE), render_body(BODY, KEYS, style=SECTIONS)
    assert "A gene is a set of steps. It makes a part of the cell." in sections.html
    assert reading_grade(inline.html) == reading_grade(sections.html)


def test_an_editor_cannot_type_a_sources_placeholder():
    html = render_body("sourcesplaceholder0000000000000000n1\n\nText [@a].", KEYS, style=SECTIONS).html
    assert html.count("sources-link") == 1
    assert "sourcesplaceholder0000000000000000n1" in html


def test_unknown_style_is_refused():
    with pytest.raises(ValueError):
        render_body("x", KEYS, style="footnotes")


def test_citation_links_are_named_after_their_sources():
    names = {"a": "MedlinePlus Genetics, INSR gene", "b": "Semple RK and others, Genetic syndromes", "c": "C & D"}
    sections = label_citations(render_body(BODY, KEYS, style=SECTIONS).html, names)
    label = "Sources for this section: MedlinePlus Genetics, INSR gene; Semple RK and others, Genetic syndromes"
    assert f'aria-label="{label}"' in sections
    assert 'aria-label="Sources for this section: C &amp; D"' in sections
    # Numbers keep their number as their name, beside the numbered list.
    inline = render_body(BODY, KEYS, style=INLINE).html
    assert label_citations(inline, names) == inline


def test_citation_places_name_each_citing_section_in_reading_order():
    inline = citation_places(render_body(BODY, KEYS, style=INLINE).html)
    assert [(p.anchor, p.section) for p in inline["a"]] == [
        ("cite-a-1", "Key points"),
        ("cite-a-2", "Key points"),
        ("cite-a-3", "What it does"),
    ]
    assert [p.section for p in inline["c"]] == ["Introduction", "What it does"]
    sections = citation_places(render_body(BODY, KEYS, style=SECTIONS).html)
    assert [(p.anchor, p.section) for p in sections["c"]] == [
        ("sources-2", "Introduction"),
        ("sources-3", "What it does"),
    ]


def test_source_names_are_short_and_say_who_and_what(make_reference):
    ref = make_reference("semple-2011", authors="Semple RK, Savage DB, Cochran EK", title="Genetic syndromes.")
    assert ref.short_name == "Semple RK and others, Genetic syndromes"
    ref = make_reference(
        "medlineplus-insr", kind=Reference.Kind.GENE_DATABASE, authors="MedlinePlus Genetics", title="INSR gene."
    )
    assert ref.short_name == "MedlinePlus Genetics, INSR gene"


# Pages -------------------------------------------------------------------------------------


@pytest.fixture
def cited_topic(make_topic, make_reference, make_variant):
    make_reference(
        "semple-2011", authors="Semple RK, Savage DB", title="Genetic syndromes.", doi="10.1210/er.2010-0020"
    )
    make_reference(
        "medlineplus-insr", kind=Reference.Kind.GENE_DATABASE, authors="MedlinePlus Genetics", title="INSR gene."
    )
    make_reference(
        "actos-label", kind=Reference.Kind.DRUG_LABEL, authors="U.S. Food and Drug Administration", title="ACTOS."
    )
    topic = make_topic("insr-gene", title="The INSR gene")
    body = (
        "::: key-points\n- A gene [@medlineplus-insr].\n:::\n\n## Genetics\n\nVariants cause it [@semple-2011]. "
        "More [@medlineplus-insr; @semple-2011].\n\n## Medicines\n\nPioglitazone [@actos-label]. Again [@semple-2011]."
    )
    for persona in ("patient", "caregiver", "student", "professional"):
        make_variant(topic, persona, body)
    return topic


@pytest.mark.parametrize("persona", ["patient", "caregiver"])
def test_plain_language_pages_have_few_large_named_sources_links(client, cited_topic, persona):
    html = client.get(f"/topics/insr-gene/{persona}/").content.decode()
    assert 'class="citation"' not in html
    labels = re.findall(r'class="sources-link"[^>]*aria-label="([^"]+)">Sources</a>', html)
    assert labels == [
        "Sources for this section: MedlinePlus Genetics, INSR gene",
        "Sources for this section: Semple RK and others, Genetic syndromes; MedlinePlus Genetics, INSR gene",
        "Sources for this section: U.S. Food and Drug Administration, ACTOS; Semple RK and others, Genetic syndromes",
    ]
    # One list, no headings by kind.
    references = html.split('class="references"')[1].split("</section>")[0]
    assert "<h3" not in references
    assert re.findall(r'<li id="ref-([\w-]+)">', references) == ["medlineplus-insr", "semple-2011", "actos-label"]


@pytest.mark.parametrize("persona", ["patient", "professional"])
def test_every_reference_links_back_to_each_place_that_cites_it(client, cited_topic, persona):
    html = client.get(f"/topics/insr-gene/{persona}/").content.decode()
    references = html.split('class="references"')[1].split("</section>")[0]
    ids = ids_in(html)
    for key in ("medlineplus-insr", "semple-2011", "actos-label"):
        entry = references.split(f'id="ref-{key}"')[1].split("</li>")[0]
        back = re.findall(r'href="#([^"]+)"', entry.split('class="back-links"')[1])
        assert back, key
        assert set(back) <= ids, f"{key}: links back to a place that is not on the page"
        # ...and each of those places cites it.
        for anchor in back:
            link = re.search(rf'<a [^>]*id="{anchor}"[^>]*>', html).group(0)
            assert f"#ref-{key}" in link or key in link, (key, link)
    semple = references.split('id="ref-semple-2011"')[1].split("</li>")[0]
    if persona == "professional":
        # Every use: twice in "Genetics" (the second as "2"), once in "Medicines".
        assert re.findall(r'href="#(cite-semple-2011-\d)"', semple) == [f"cite-semple-2011-{n}" for n in (1, 2, 3)]
        shown = '>Genetics</a>, <a href="#cite-semple-2011-2">2</a>, <a href="#cite-semple-2011-3">Medicines</a>'
        assert shown in semple
    else:
        assert re.findall(r'href="#(sources-\d)"', semple) == ["sources-2", "sources-3"]
        assert ">Genetics</a>" in semple and ">Medicines</a>" in semple


@pytest.mark.parametrize("persona", ["student", "professional"])
def test_student_and_professional_references_are_grouped_by_kind_keeping_their_numbers(client, cited_topic, persona):
    html = client.get(f"/topics/insr-gene/{persona}/").content.decode()
    references = html.split('class="references"')[1].split("</section>")[0]
    headings = re.findall(r"<h3[^>]*>([^<]+)</h3>", references)
    assert headings == ["From the FDA drug label", "From the research", "From the genetics databases"]
    assert references.index("From the research") < references.index('id="ref-semple-2011"')
    numbers = dict(re.findall(r'<li id="ref-([\w-]+)" value="(\d)"', references))
    assert numbers == {"medlineplus-insr": "1", "semple-2011": "2", "actos-label": "3"}
    # The numbers in the text are the list's numbers.
    for key, number in numbers.items():
        assert re.search(rf'id="cite-{key}-1" href="#ref-{key}"[^>]*>{number}</a>', html)


def test_a_reader_switched_to_plain_language_gets_their_pages_rendered_again(cited_topic, personas):
    student = personas["student"]
    student.plain_language = True
    student.save()
    variant = Variant.objects.get(topic=cited_topic, persona=student)
    assert "sources-link" in variant.html and "sources-link" in variant.live_html
    assert "citation-link" not in variant.live_html


def test_import_renders_stored_pages_again_live_text_from_live_markdown(cited_topic, personas):
    variant = Variant.objects.get(topic=cited_topic, persona=personas["patient"])
    variant.body = variant.body + "\n\nA pending sentence [@semple-2011]."
    variant.save()
    # As rendered before this release: numbers on every sentence.
    old = render_body(variant.body, {"semple-2011", "medlineplus-insr", "actos-label"}).html
    old_live = render_body(variant.live_body, {"semple-2011", "medlineplus-insr", "actos-label"}).html
    Variant.objects.filter(pk=variant.pk).update(html=old, live_html=old_live)

    import_content(citations_by_reader_empty_content())

    variant.refresh_from_db()
    assert "citation-link" not in variant.html and "sources-link" in variant.html
    assert "A pending sentence" in variant.html
    assert "A pending sentence" not in variant.live_html, "the live text comes from the live Markdown"
    assert "sources-link" in variant.live_html


def test_the_migration_renders_existing_pages_for_their_reader(cited_topic, personas):
    Variant.objects.update(html="<p>old</p>", live_html="<p>old</p>")
    citations_by_reader.render_again(django_apps, None)
    patient = Variant.objects.get(topic=cited_topic, persona=personas["patient"])
    professional = Variant.objects.get(topic=cited_topic, persona=personas["professional"])
    assert "sources-link" in patient.live_html and "citation-link" not in patient.live_html
    assert "citation-link" in professional.live_html and "sources-link" not in professional.live_html


def test_migration_marks_patients_and_caregivers_as_plain_language(personas):
    Persona.objects.update(plain_language=False)
    citations_by_reader.plain_language_readers(django_apps, None)
    plain = set(Persona.objects.filter(plain_language=True).values_list("slug", flat=True))
    assert plain == {"patient", "caregiver"}


def citations_by_reader_empty_content():
    """An empty content folder: import_content then only renders what is stored."""
    import tempfile
    from pathlib import Path

    root = Path(tempfile.mkdtemp())
    for folder in ("references", "glossary", "disclaimers", "topics"):
        (root / folder).mkdir()
    return root
