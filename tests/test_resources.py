"""Outside resources on gene and syndrome pages, and glossary word pages that lead somewhere."""

import shutil

import pytest
from django.core.exceptions import ValidationError

from topics import resources
from topics.content_files import CONTENT_DIR, ContentError, topic_file
from topics.exporting import export_content
from topics.importing import import_content
from topics.models import GlossaryTerm, Topic, distinct_names

ENTRIES = [
    {"resource": "gtr", "search": "Donohue syndrome"},
    {"resource": "omim", "id": "246200"},
    {"resource": "clinvar", "search": "Donohue syndrome"},
    {"resource": "gene", "search": "INSR human"},
    {"resource": "pubmed", "search": "Donohue syndrome"},
]


def test_links_use_an_identifier_where_given_and_search_otherwise():
    links = resources.links(ENTRIES)
    assert [link.name for link in links] == ["Genetic Testing Registry", "OMIM", "ClinVar", "NCBI Gene", "PubMed"]
    assert links[1].url == "https://omim.org/entry/246200" and links[1].identifier == "246200"
    assert links[0].url == "https://www.ncbi.nlm.nih.gov/gtr/all/tests/?term=Donohue+syndrome"
    assert links[3].url == "https://www.ncbi.nlm.nih.gov/gene/?term=INSR+human"
    assert links[4].url == "https://pubmed.ncbi.nlm.nih.gov/?term=Donohue+syndrome" and links[4].search


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ("omim", "a list"),
        ([{"resource": "wikipedia", "search": "x"}], "resource must be one of"),
        ([{"resource": "omim"}], "either an id or a search"),
        ([{"resource": "omim", "id": "246200", "search": "x"}], "either an id or a search"),
        ([{"resource": "omim", "id": "24620"}], "not a OMIM identifier"),
        ([{"resource": "pubmed", "id": "12345"}], "give a search term"),
        ([{"resource": "omim", "id": "246200", "note": "x"}], "unknown key"),
        ([{"resource": "pubmed", "search": "x" * 101}], "longer than"),
    ],
)
def test_bad_entries_are_refused_with_a_clear_message(entries, message):
    with pytest.raises(ValidationError, match=message):
        resources.check(entries)
    assert resources.links(entries) == []


def test_a_topic_with_bad_resources_does_not_validate(make_topic):
    topic = make_topic("donohue-syndrome", resources=[{"resource": "omim", "id": "not a number"}])
    with pytest.raises(ValidationError):
        topic.full_clean()


def test_resources_show_on_the_page_for_every_reader(client, make_topic, make_variant):
    topic = make_topic("donohue-syndrome", title="Donohue syndrome", kind=Topic.Kind.CONDITION, resources=ENTRIES)
    make_variant(topic, "patient")
    make_variant(topic, "professional")
    patient = client.get("/topics/donohue-syndrome/patient/").content.decode()
    professional = client.get("/topics/donohue-syndrome/professional/").content.decode()
    for html in (patient, professional):
        assert '<h2 id="resources-heading">More information and resources</h2>' in html
        assert '<a href="https://omim.org/entry/246200">OMIM 246200</a>' in html
        assert 'href="https://pubmed.ncbi.nlm.nih.gov/?term=Donohue+syndrome"' in html
    assert "A doctor or genetic counselor can help you understand" in patient
    assert "A doctor or genetic counselor" not in professional


def test_pages_without_resources_have_no_resources_section(client, insr_topic):
    assert "More information and resources" not in client.get("/topics/insr-gene/patient/").content.decode()


def test_resources_round_trip_through_the_files(db, tmp_path):
    shutil.copytree(CONTENT_DIR, tmp_path / "content")
    import_content(tmp_path / "content")
    donohue = Topic.objects.get(slug="donohue-syndrome")
    assert donohue.resources == ENTRIES
    assert 'resources:\n  - resource: gtr\n    search: "Donohue syndrome"\n  - resource: omim\n    id: "246200"\n' in (
        topic_file(donohue)
    )
    # Changed in admin, exported, loaded into an empty database: the same list.
    donohue.resources = [{"resource": "omim", "id": "246200"}]
    donohue.save()
    export_content(tmp_path / "content")
    Topic.objects.all().delete()
    import_content(tmp_path / "content")
    assert Topic.objects.get(slug="donohue-syndrome").resources == [{"resource": "omim", "id": "246200"}]
    # A topic without resources writes no resources key at all.
    assert "resources" not in (tmp_path / "content/topics/insulin/topic.md").read_text()


def test_rows_loaded_before_topics_had_resources_take_them_from_the_files(db, tmp_path):
    """The release brings resources to topics loaded by an earlier importer, not "kept as edited"."""
    from topics.content_files import fingerprint

    shutil.copytree(CONTENT_DIR, tmp_path / "content")
    import_content(tmp_path / "content")
    for topic in Topic.objects.prefetch_related("related"):
        values = {
            "title": topic.title,
            "kind": topic.kind,
            "summary": topic.summary,
            "other_names": topic.other_names,
            "order": topic.order,
            "m2m_related": sorted(t.slug for t in topic.related.all()),
        }
        Topic.objects.filter(pk=topic.pk).update(resources=[], imported_hash=fingerprint(values))
    report = import_content(tmp_path / "content")
    assert "topic donohue-syndrome" in report.updated and report.kept == []
    assert Topic.objects.get(slug="donohue-syndrome").resources == ENTRIES
    assert "topic insulin" in report.unchanged


def test_a_bad_resource_in_a_file_names_the_file(db, tmp_path):
    shutil.copytree(CONTENT_DIR, tmp_path / "content")
    path = tmp_path / "content/topics/donohue-syndrome/topic.md"
    path.write_text(path.read_text().replace('id: "246200"', 'id: "guessed"'))
    with pytest.raises(ContentError, match="donohue-syndrome/topic.md: resources"):
        import_content(tmp_path / "content")


# Other names -------------------------------------------------------------------------------


def test_distinct_names_drop_repeats_of_the_title_and_of_each_other():
    names = ["Type A insulin resistance", "Insulin resistance syndrome, type A", "Insulin-resistance syndrome type A"]
    names += ["Insulin resistance - type A", "Donohue's syndrome", "Leprechaunisms", "Leprechaunism", "RMS"]
    assert distinct_names(names, besides="Type A insulin resistance syndrome") == [
        "Type A insulin resistance",
        "Donohue's syndrome",
        "Leprechaunisms",
        "RMS",
    ]
    assert distinct_names(["Donohue's syndrome"], besides="Donohue syndrome") == []


# Glossary word pages -----------------------------------------------------------------------


@pytest.fixture
def glossary_site(make_topic, make_variant):
    GlossaryTerm.objects.create(
        slug="acanthosis-nigricans", term="acanthosis nigricans", definition="Dark, thick, velvety skin."
    )
    GlossaryTerm.objects.create(slug="insulin-receptor", term="insulin receptor", definition="A lock for insulin.")
    GlossaryTerm.objects.create(slug="insulin", term="insulin", definition="A hormone.")
    about = make_topic("acanthosis-nigricans", title="Acanthosis nigricans", kind=Topic.Kind.SYMPTOM)
    make_variant(about, "patient", "Acanthosis nigricans is dark skin.")
    pcos = make_topic("polycystic-ovary-syndrome", title="PCOS", kind=Topic.Kind.CONDITION)
    make_variant(pcos, "patient", "Some get acanthosis nigricans on the neck.")
    make_variant(pcos, "professional", "Insulin acts on the insulin receptor; acanthosis nigricans may be seen.")
    gene = make_topic("insr-gene", title="The INSR gene", other_names="CD220\nInsulin receptors")
    make_variant(gene, "student", "Only the insulin receptor is named here.")
    return about


def test_a_glossary_word_page_links_to_its_topic_and_the_pages_that_use_it(client, glossary_site):
    html = client.get("/glossary/acanthosis-nigricans/").content.decode()
    assert 'Read more: <a href="/topics/acanthosis-nigricans/">Acanthosis nigricans</a>' in html
    uses = html.split('id="term-uses-heading"')[1].split("</section>")[0]
    # One link per topic (its own page leads each reader to their version); not the topic itself again.
    assert uses.count("<li>") == 1 and '<a href="/topics/polycystic-ovary-syndrome/">PCOS</a>' in uses


def test_with_a_persona_the_word_page_lists_that_readers_pages(client, glossary_site):
    html = client.get("/glossary/acanthosis-nigricans/?persona=professional").content.decode()
    assert 'Read more: <a href="/topics/acanthosis-nigricans/professional/">' in html
    assert '<a href="/topics/polycystic-ovary-syndrome/professional/">PCOS</a>' in html
    html = client.get("/glossary/acanthosis-nigricans/?persona=student").content.decode()
    assert "Pages that use this word" not in html
    assert client.get("/glossary/acanthosis-nigricans/?persona=nobody").status_code == 404


def test_a_word_is_matched_to_its_topic_by_other_names_and_used_as_the_glossary_links_it(client, glossary_site):
    html = client.get("/glossary/insulin-receptor/").content.decode()
    assert 'Read more: <a href="/topics/insr-gene/">The INSR gene</a>' in html  # "Insulin receptors", a plural
    assert '<a href="/topics/polycystic-ovary-syndrome/">PCOS</a>' in html
    # "insulin receptor" is the longer term: pages that only say it do not "use" plain "insulin".
    insulin = client.get("/glossary/insulin/").content.decode()
    assert "Read more" not in insulin
    assert '<a href="/topics/polycystic-ovary-syndrome/">' in insulin and "/topics/insr-gene/" not in insulin


def test_the_popover_fragment_stays_the_definition_only(client, glossary_site):
    fragment = client.get("/glossary/acanthosis-nigricans/", headers={"HX-Request": "true"}).content.decode()
    assert "Dark, thick, velvety skin." in fragment
    assert "Pages that use" not in fragment and "Read more" not in fragment
    assert len(fragment) < 600


def test_the_word_page_is_the_same_whatever_the_cookie(client, glossary_site):
    pages = set()
    for persona in ("patient", "professional"):
        client.cookies["persona"] = persona
        pages.add(client.get("/glossary/acanthosis-nigricans/").content)
    assert len(pages) == 1
