"""The trust panel under a topic page's title, on a phone and on paper, and the about pages."""

import itertools
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, screenshot_path
from tests.browser.test_layout import TOO_WIDE, horizontal_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TOPIC = "/topics/insulin-resistance/patient/"
ABOUT_PAGES = ["/about/", "/about/editorial-policy/", "/about/accessibility/", "/about/privacy/"]


def test_trust_panel_on_a_360px_phone(open_tab):
    """Writes test-results/screenshots/trust-panel-phone.png (git ignores test-results/)."""
    tab = open_tab(viewport=PHONE)
    page = tab.page
    page.goto(TOPIC)
    panel = page.locator("[data-review-status]")
    expect(panel).to_have_count(1)
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("data-review-status", "not-reviewed")
    expect(panel).to_contain_text("Not yet medically reviewed: written from the sources listed below")
    # The status in words is always shown, in a fifth of the screen at most; the steps,
    # dates and policy are one tap away.
    expect(panel.locator(".review-steps")).to_be_hidden()
    assert panel.bounding_box()["height"] <= PHONE["height"] / 5
    panel.locator("summary").click()
    expect(panel.locator("li[aria-current='step']")).to_have_text("Submitted: done")
    expect(panel.locator("li")).to_have_text(["Submitted: done", "Under review: not yet", "Approved: not yet"])
    # Right under the title, before the article's first words.
    title = page.locator("#page-title").bounding_box()
    box = panel.bounding_box()
    prose = page.locator(".prose").bounding_box()
    assert title["y"] < box["y"] < prose["y"]
    # On a phone the three steps run as a line (so the first key point stays on the first
    # screen), in reading order: each to the right of the one before, or on a lower line.
    steps = [item.bounding_box() for item in panel.locator("li").all()]
    assert all(
        (a["y"] == b["y"] and a["x"] + a["width"] <= b["x"]) or a["y"] + a["height"] <= b["y"]
        for a, b in itertools.pairwise(steps)
    ), steps
    assert box["height"] < 300, box  # opened: still under half the screen
    assert all(step["x"] >= 0 and step["x"] + step["width"] <= PHONE["width"] for step in steps), steps
    sizes = horizontal_overflow(page)
    assert sizes["scrollWidth"] <= PHONE["width"], page.evaluate(TOO_WIDE)
    target = screenshot_path("trust-panel-phone")
    panel.screenshot(path=str(target))
    assert target.stat().st_size > 5_000
    panel.get_by_role("link", name="How we write and review pages").click()
    expect(page).to_have_url(re.compile(r"/about/editorial-policy/$"))
    expect(page.locator("h1")).to_contain_text("Editorial policy")
    assert tab.errors == []


def test_trust_panel_prints(open_tab):
    page = open_tab().page
    page.goto(TOPIC)
    page.emulate_media(media="print")
    panel = page.locator("[data-review-status]")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Written or updated")
    expect(panel).to_contain_text("Next review due")


def test_about_pages_fit_a_phone_and_are_linked_from_the_footer(open_tab):
    page = open_tab(viewport=PHONE, javascript=False).page
    for path in ABOUT_PAGES:
        page.goto("/")
        page.locator(".site-footer").get_by_role("link").filter(
            has_text={
                "/about/": "About us",
                "/about/editorial-policy/": "Editorial policy",
                "/about/accessibility/": "Accessibility",
                "/about/privacy/": "Privacy",
            }[path]
        ).click()
        assert page.url.endswith(path), page.url
        expect(page.locator("h1")).to_be_visible()
        expect(page.locator("[data-review-status]")).to_be_visible()
        sizes = horizontal_overflow(page)
        assert sizes["scrollWidth"] <= PHONE["width"], (path, page.evaluate(TOO_WIDE))
