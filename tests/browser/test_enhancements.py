"""Text size, glossary definitions by keyboard, focus, and a clean console under the real CSP."""

import re

import pytest
from playwright.sync_api import expect

from topics.models import GlossaryTerm

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TOPIC = "/topics/insulin-resistance/patient/"

# Records the root font size at the moment <body> is created: proof that the saved
# size is applied from <head>, before anything is painted.
RECORD_FIRST_FONT_SIZE = """
new MutationObserver((changes, observer) => {
  if (document.body) {
    window.__firstFontSize = getComputedStyle(document.documentElement).fontSize;
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""


def font_px(locator) -> float:
    return float(locator.evaluate("element => getComputedStyle(element).fontSize").removesuffix("px"))


def test_text_size_changes_without_reload_and_is_remembered(open_tab):
    tab = open_tab()
    page = tab.page
    page.add_init_script(RECORD_FIRST_FONT_SIZE)
    page.goto(TOPIC)
    paragraph = page.locator(".prose p").first
    assert font_px(paragraph) == 18, "body text is 18px by default"
    page.evaluate("window.__sameDocument = true")
    larger = page.get_by_role("button", name="Larger text")
    smaller = page.get_by_role("button", name="Smaller text")
    expect(page.get_by_role("group", name="Text size")).to_be_visible()

    larger.click()
    larger.click()
    expect(page.locator("html")).to_have_attribute("data-text-size", "2")
    assert font_px(paragraph) == 22
    assert page.evaluate("window.__sameDocument === true"), "changing the size reloaded the page"

    # Remembered on the next page, and applied before the first paint.
    page.goto("/glossary/")
    assert page.evaluate("window.__firstFontSize") == "22px"
    assert font_px(page.locator(".glossary-list dd").first) == 22

    for _ in range(3):
        page.get_by_role("button", name="Smaller text").click()
    assert font_px(page.locator(".glossary-list dd").first) == 16
    expect(page.get_by_role("button", name="Smaller text")).to_have_attribute("aria-disabled", "true")
    page.get_by_role("button", name="Larger text").click()
    expect(page.locator("html")).not_to_have_attribute("data-text-size", re.compile(".*"))
    assert page.evaluate("localStorage.getItem('insr-text-size')") is None
    assert smaller is not None and tab.errors == []


def test_text_size_is_never_in_the_server_html(open_tab):
    """Pages may be cached: the size lives in the visitor's browser, never in the HTML."""
    page = open_tab().page
    page.goto(TOPIC)
    page.get_by_role("button", name="Larger text").click()
    html = page.request.get(TOPIC).text()
    assert "data-text-size=" not in html
    assert "Larger text" not in html


def test_skip_link_and_glossary_definition_by_keyboard(open_tab):
    tab = open_tab()
    page = tab.page
    page.goto(TOPIC)

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()

    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('button.glossary-term')"):
            break
    else:
        pytest.fail("no glossary word reachable with Tab")
    term = page.locator("button.glossary-term:focus")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid", "focus is not visible"
    expect(term).to_have_attribute("aria-expanded", "false")
    slug = term.get_attribute("data-href").strip("/").split("/")[-1]
    definition = GlossaryTerm.objects.get(slug=slug).definition
    popover = page.locator("#" + term.get_attribute("aria-controls"))
    expect(popover).to_be_hidden()

    page.keyboard.press("Enter")
    expect(term).to_have_attribute("aria-expanded", "true")
    expect(popover).to_be_visible()
    expect(popover).to_contain_text(definition.strip().split("\n")[0][:60])
    expect(popover.get_by_role("link")).to_have_attribute("href", f"/glossary/{slug}/")

    page.keyboard.press("Escape")
    expect(popover).to_be_hidden()
    expect(term).to_have_attribute("aria-expanded", "false")
    expect(term).to_be_focused()

    page.keyboard.press("Space")
    expect(popover).to_be_visible()
    assert tab.errors == []


def test_glossary_words_stay_links_without_javascript(open_tab):
    page = open_tab(javascript=False).page
    page.goto(TOPIC)
    link = page.locator("a.glossary-link").first
    href = link.get_attribute("href")
    link.click()
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))
    expect(page.locator("h1 dfn")).to_be_visible()


def test_no_console_errors_or_csp_violations(open_tab):
    """The whole journey under the real Content-Security-Policy (no bypass)."""
    tab = open_tab()
    page = tab.page
    response = page.goto("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.get_by_role("radio", name=re.compile("^Student")).check()
    expect(page.locator("#persona-status")).to_contain_text("Student")
    page.locator("#topic-list .topic-cards a").first.click()
    expect(page.locator("#article .written-for")).to_have_text("Written for: Student")

    page.locator(".switcher summary").click()
    page.get_by_role("radio", name="Healthcare professional").check()
    expect(page.locator("#article .written-for")).to_have_text("Written for: Healthcare professional")
    page.locator("button.glossary-term").first.click()
    expect(page.locator(".glossary-popover:not([hidden]) .glossary-more")).to_be_visible()
    page.get_by_role("button", name="Larger text").click()
    page.go_back()
    expect(page.locator("#article .written-for")).to_have_text("Written for: Student")

    page.goto("/search/")
    page.get_by_label("Search topics and words").fill("insulin")
    expect(page.locator("#results h2")).to_have_text("Results for “insulin”")
    expect(page).to_have_url(re.compile(r"/search/\?q=insulin&persona=[a-z]+$"))
    expect(page.locator("#search-status")).to_contain_text("found for “insulin”")

    for path in ["/glossary/", "/glossary/insulin/", "/topics/", "/topics/donohue-syndrome/caregiver/"]:
        page.goto(path)
    page.goto("/no-such-page/")
    # The 404 status itself is reported on the console; anything else is a real error.
    errors = [line for line in tab.errors if "/no-such-page/" not in line]
    assert errors == []


def test_a_csp_violation_would_be_reported(open_tab):
    """Control for the test above: an inline style is refused, and the refusal is caught."""
    tab = open_tab()
    page = tab.page
    page.goto("/glossary/")
    page.evaluate("document.querySelector('h1').setAttribute('style', 'color: red')")
    for _ in range(40):
        if any("CSP violation" in line for line in tab.errors):
            break
        page.wait_for_timeout(50)
    assert any("CSP violation" in line for line in tab.errors), tab.errors
