"""Search as you type with htmx; the same form without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_results_update_as_you_type_without_a_reload(open_tab):
    tab = open_tab()
    page = tab.page
    page.goto("/search/")
    page.evaluate("window.__sameDocument = true")
    box = page.get_by_role("searchbox", name="Search topics and words")

    box.press_sequentially("HHF5", delay=40)
    results = page.locator("#results")
    expect(results.get_by_role("link", name="The INSR gene and the insulin receptor")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/search/\?q=HHF5&persona=patient$"))
    expect(page.locator("#search-status")).to_contain_text("found for “HHF5”")

    # A small typo still finds the page.
    box.fill("")
    box.press_sequentially("acanthosys", delay=40)
    expect(results.get_by_role("link", name="Acanthosis nigricans", exact=True)).to_be_visible()

    # Nothing found: said kindly, with places to start.
    box.fill("zebra")
    expect(results.get_by_role("heading", name="No results for “zebra”")).to_be_visible()
    expect(results.get_by_role("link", name="All topics")).to_be_visible()

    assert page.evaluate("window.__sameDocument === true"), "the page reloaded"
    assert tab.errors == []


def test_search_form_works_without_javascript(open_tab):
    page = open_tab(javascript=False).page
    page.goto("/")
    page.get_by_role("searchbox", name="Search topics and words").fill("PCOS")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=PCOS&persona=patient$"))
    expect(page.locator("#results").get_by_role("link", name=re.compile("Polycystic ovary syndrome"))).to_be_visible()


def test_home_search_follows_the_persona_just_chosen(open_tab):
    tab = open_tab()
    page = tab.page
    page.goto("/")
    page.get_by_role("radio", name=re.compile("^Student")).check()
    expect(page).to_have_url(re.compile(r"/\?persona=student$"))
    page.get_by_role("searchbox", name="Search topics and words").fill("PCOS")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=PCOS&persona=student$"))
    first = page.locator("#results .search-hits a").first
    expect(first).to_have_attribute("href", re.compile(r"/student/$"))
    assert tab.errors == []


def test_the_header_box_suggests_pages_as_you_type_on_every_page(open_tab):
    tab = open_tab()
    page = tab.page
    page.goto("/topics/insulin-resistance/patient/")
    box = page.get_by_role("searchbox", name="Search the site")
    box.press_sequentially("PCOS", delay=40)
    suggestions = page.get_by_role("list", name="Suggested pages")
    link = suggestions.get_by_role("link", name=re.compile("Polycystic ovary syndrome"))
    expect(link).to_be_visible()
    # Over the page, under the box: it hides no part of the box itself.
    box_bottom = box.bounding_box()["y"] + box.bounding_box()["height"]
    assert suggestions.bounding_box()["y"] >= box_bottom - 1
    link.click()
    expect(page).to_have_url(re.compile(r"/topics/polycystic-ovary-syndrome/patient/$"))
    assert tab.errors == []


def test_after_back_the_search_box_holds_the_words_the_results_are_for(open_tab):
    tab = open_tab()
    page = tab.page
    page.goto("/search/")
    box = page.get_by_role("searchbox", name="Search topics and words")
    box.press_sequentially("HHF5", delay=40)
    expect(page).to_have_url(re.compile(r"q=HHF5"))
    box.fill("")
    box.press_sequentially("PCOS", delay=40)
    expect(page).to_have_url(re.compile(r"q=PCOS"))
    page.locator("#results .search-hits a").first.click()
    expect(page).to_have_url(re.compile(r"/topics/polycystic-ovary-syndrome/"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"q=PCOS"))
    expect(page.get_by_role("searchbox", name="Search topics and words")).to_have_value("PCOS")
    expect(page.locator("#results")).to_contain_text("Polycystic ovary syndrome")
    assert tab.errors == []
