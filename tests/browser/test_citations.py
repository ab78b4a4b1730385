"""Citations a finger and a keyboard can use: large named "Sources" targets, and a way back."""

import re

import pytest
from playwright.sync_api import expect

from topics.models import Reference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MIN_TARGET = 24  # CSS px, WCAG 2.2 target size (minimum)


def assert_large(locator) -> None:
    for index in range(locator.count()):
        box = locator.nth(index).bounding_box()
        assert box["width"] >= MIN_TARGET and box["height"] >= MIN_TARGET, (index, box)


def test_a_patient_follows_a_sources_link_and_comes_back_to_the_section(open_tab):
    page = open_tab().page
    page.goto("/topics/insr-gene/patient/")
    sources = page.locator(".prose a.sources-link")
    assert 3 <= sources.count() <= 10, "one per section that cites, not one per sentence"
    assert page.locator(".prose sup.citation").count() == 0
    assert_large(sources)
    first = sources.first
    expect(first).to_have_accessible_name(re.compile(r"^Sources for this section: MedlinePlus Genetics, INSR gene"))

    first.click()
    reference = page.locator(".references li:target")
    expect(reference).to_be_in_viewport()
    back = reference.locator(".back-links a")
    assert_large(back)
    back.first.click()
    assert page.url.endswith("#sources-1")
    expect(first).to_be_in_viewport()


def test_a_professional_reads_references_by_kind_and_returns_to_each_citation(open_tab):
    page = open_tab().page
    page.goto("/topics/insulin-resistance/professional/")
    headings = page.locator(".references h3").all_inner_texts()
    # In the order Dr.Oracle uses, guidelines first; this page cites the label and research papers.
    order = list(Reference.KIND_HEADINGS.values())
    assert headings == sorted(headings, key=order.index)
    assert {"From the FDA drug label", "From the research"} <= set(headings)
    citation = page.locator(".prose a.citation-link").nth(2)
    number = citation.inner_text()
    citation.click()
    reference = page.locator(".references li:target")
    expect(reference).to_be_in_viewport()
    # The list shows the number the text showed.
    assert reference.evaluate("li => li.value") == int(number)
    anchor = citation.get_attribute("id")
    back = reference.locator(f'.back-links a[href="#{anchor}"]')
    expect(back).to_have_count(1)
    assert_large(back)
    back.click()
    expect(citation).to_be_in_viewport()
