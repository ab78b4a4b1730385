"""Phone to print: nothing wider than a 360px screen, a print view of the article only, and screenshots."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, screenshot_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PAGES = [
    "/",
    "/topics/",
    "/topics/insulin-resistance/patient/",
    "/topics/severe-insulin-resistance-syndromes/professional/",  # has a table
    "/topics/donohue-syndrome/caregiver/",
    "/glossary/",
    "/glossary/insulin-receptor-substrate/",
    "/search/?q=insulin",
    "/no-such-page/",
]

# Elements whose right edge passes the viewport: named in the failure message.
TOO_WIDE = """() => [...document.querySelectorAll('body *')]
  .filter((element) => element.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .slice(0, 5)
  .map((element) => element.outerHTML.slice(0, 120))"""


def horizontal_overflow(page) -> dict:
    return page.evaluate(
        """() => ({scrollWidth: document.documentElement.scrollWidth,
                   clientWidth: document.documentElement.clientWidth})"""
    )


@pytest.mark.parametrize("text_size", [None, "3"], ids=["default-text", "largest-text"])
def test_nothing_is_wider_than_a_360px_phone(open_tab, text_size):
    page = open_tab(viewport=PHONE).page
    if text_size:
        page.add_init_script(f"localStorage.setItem('insr-text-size', '{text_size}')")
    problems = {}
    for path in PAGES:
        page.goto(path)
        if path == "/topics/insulin-resistance/patient/":
            page.locator("button.glossary-term").first.click()
            expect(page.locator(".glossary-popover .glossary-more").first).to_be_visible()
        sizes = horizontal_overflow(page)
        if sizes["scrollWidth"] > PHONE["width"]:
            problems[path] = {**sizes, "too wide": page.evaluate(TOO_WIDE)}
    assert problems == {}


def test_print_shows_the_article_its_references_and_disclaimer_only(open_tab):
    page = open_tab().page
    page.goto("/topics/insulin-resistance/patient/")
    page.emulate_media(media="print")
    for selector in [
        "#page-title",
        "[data-review-status]",
        ".prose",
        "[data-key-points]",
        ".care-card[data-care='emergency']",
        "ul.questions[data-questions]",
        ".references",
        ".disclaimer",
    ]:
        expect(page.locator(selector).first).to_be_visible()
    # Each question prints with room to write an answer under it.
    question = page.locator("ul.questions li").first.bounding_box()
    assert question and question["height"] > 60, question
    for selector in [
        ".skip-link",
        ".site-header",
        "nav[aria-label='Main']",
        ".breadcrumbs",
        ".switcher",
        ".related",
        ".site-footer",
    ]:
        expect(page.locator(selector).first).to_be_hidden()
    page.emulate_media(media="screen")
    expect(page.locator("nav[aria-label='Main']")).to_be_visible()


@pytest.mark.parametrize("name, path", [("home", "/"), ("topic", "/topics/insulin-resistance/patient/")])
def test_screenshots_for_people_to_look_at(open_tab, name, path):
    """Writes test-results/screenshots/<page>-<desktop|phone>.png (git ignores test-results/)."""
    for device, viewport in [("desktop", DESKTOP), ("phone", PHONE)]:
        page = open_tab(viewport=viewport).page
        page.goto(path)
        target = screenshot_path(f"{name}-{device}")
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
