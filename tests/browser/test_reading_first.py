"""The article on the first screen, choosing a reader, printing, and focus in forced colours.

Positions are measured with getBoundingClientRect on a first visit (a fresh browser
context: no cookie, no saved text size). Each test saves screenshots of what it checks
in test-results/screenshots/ for people to look at.
"""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, screenshot_path
from topics.models import Persona, Topic, Variant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TOPIC = "/topics/insulin-resistance/patient/"
TABLET = {"width": 768, "height": 1024}
# A 1366x768 laptop screen at 200% zoom: half as many CSS pixels, each drawn twice.
ZOOMED_LAPTOP = {"viewport": {"width": 683, "height": 384}, "device_scale_factor": 2}
# On a 360x740 phone's first visit to home, under the intro, the picker and the search: the
# first topic link on the second screen, "Insulin resistance" (was 1,874 px) within two.
MAX_FIRST_TOPIC = 1_300
MAX_INSULIN_RESISTANCE = 2 * PHONE["height"]
LARGEST_TEXT = "localStorage.setItem('insr-text-size', '3')"  # font-size.js's largest step


def box(page, selector: str) -> dict:
    """The first match's box in CSS pixels, from the top of the first screen (nothing scrolled)."""
    return page.locator(selector).first.evaluate(
        """(element) => {
          const r = element.getBoundingClientRect();
          return {top: r.top + window.scrollY, bottom: r.bottom + window.scrollY, height: r.height};
        }"""
    )


def first_screen(page, name: str) -> None:
    target = screenshot_path(name)
    # The viewport only: what a reader sees before scrolling. caret="initial": hiding the caret
    # leaves style="" on inputs, which htmx would then copy (and the CSP refuse).
    page.screenshot(path=str(target), caret="initial")
    assert target.stat().st_size > 5_000


# 1. The article starts on the first screen ------------------------------------------------


def test_phone_first_visit_shows_the_title_and_first_key_point(open_tab):
    page = open_tab(viewport=PHONE).page
    page.goto(TOPIC)
    first_screen(page, "first-screen-phone-topic")
    header, title = box(page, ".site-header"), box(page, "#page-title")
    key_point = box(page, "[data-key-points] li")
    assert header["height"] <= 100, header
    assert title["bottom"] <= PHONE["height"], title
    assert key_point["bottom"] <= PHONE["height"], key_point
    # The reader choice is one line until opened.
    summary = page.locator(".switcher summary")
    expect(summary).to_have_text("Written for: Patient · Change")
    assert box(page, ".switcher")["height"] <= 60
    expect(page.get_by_role("radio", name="Student")).to_be_hidden()
    summary.click()
    expect(page.get_by_role("radio", name="Student")).to_be_visible()
    first_screen(page, "first-screen-phone-topic-choice-open")


def test_phone_at_the_largest_text_size_still_shows_the_title(open_tab):
    page = open_tab(viewport=PHONE).page
    page.add_init_script(LARGEST_TEXT)
    page.goto(TOPIC)
    expect(page.locator("html")).to_have_attribute("data-text-size", "3")
    first_screen(page, "first-screen-phone-topic-largest-text")
    # The header keeps its size: the text size buttons enlarge the reading, not the chrome.
    assert box(page, ".site-header")["height"] <= 100
    assert box(page, "#page-title")["bottom"] <= PHONE["height"]


def test_laptop_at_200_percent_zoom_shows_the_title(open_tab):
    page = open_tab(**ZOOMED_LAPTOP).page
    page.goto(TOPIC)
    first_screen(page, "first-screen-laptop-200-percent-topic")
    assert page.evaluate("window.devicePixelRatio") == 2
    assert box(page, "#page-title")["bottom"] <= ZOOMED_LAPTOP["viewport"]["height"]


def test_reader_choice_is_one_line_without_javascript_too(open_tab):
    page = open_tab(viewport=PHONE, javascript=False).page
    page.goto(TOPIC)
    assert box(page, "#page-title")["bottom"] <= PHONE["height"]
    page.locator(".switcher summary").click()
    page.get_by_role("radio", name="Parent or caregiver").check()
    page.get_by_role("button", name="Show pages for me").click()
    expect(page).to_have_url(re.compile(r"/topics/insulin-resistance/caregiver/$"))
    expect(page.locator(".switcher summary")).to_have_text("Written for: Parent or caregiver · Change")


def test_phone_home_reaches_the_topics_soon(open_tab):
    page = open_tab(viewport=PHONE).page
    page.goto("/")
    first_screen(page, "first-screen-phone-home")
    # The picker comes first on a first visit; the topic links follow soon after it.
    link = page.locator("#topic-list").get_by_role("link", name="Insulin resistance", exact=True)
    expect(link).to_have_attribute("href", "/topics/insulin-resistance/patient/")
    # "Start here" (the first topics a newcomer needs, and the risk test) is on the first screen;
    # the full list follows it, no further down than it was before home had it.
    start_here = box(page, ".start-here")
    assert box(page, ".start-here li:last-child a")["bottom"] <= PHONE["height"], start_here
    assert box(page, "#topic-list .topic-cards a")["top"] <= MAX_FIRST_TOPIC + start_here["height"]
    top = link.evaluate("(e) => e.getBoundingClientRect().top + window.scrollY")
    assert top <= MAX_INSULIN_RESISTANCE + start_here["height"]


# 2. Choosing a reader -----------------------------------------------------------------------


def test_first_visit_home_ticks_nothing_and_a_choice_is_confirmed(open_tab):
    tab = open_tab(viewport=TABLET)
    page = tab.page
    page.goto("/")
    expect(page.locator(".persona-switcher input:checked")).to_have_count(0)
    status = page.locator("#persona-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text("")
    # Links still lead to the default reader's pages.
    expect(page.locator("#topic-list .topic-cards a").first).to_have_attribute("href", re.compile(r"/patient/$"))
    first_screen(page, "reader-choice-tablet-first-visit")

    page.get_by_role("radio", name=re.compile("^Parent or caregiver")).check()

    # Confirmed where the choice was made (visible without scrolling), and told to screen readers.
    expect(status).to_have_text("Now showing pages for: Parent or caregiver")
    expect(status).to_be_visible()
    expect(status).to_be_in_viewport()
    expect(page.get_by_role("radio", name=re.compile("^Parent or caregiver"))).to_be_checked()
    first_screen(page, "reader-choice-tablet-chosen")

    # The topics are listed for this reader: their groups in the caregiver's order, each
    # summary the one written for a caregiver.
    caregiver = Persona.objects.get(slug="caregiver")
    first_group = page.locator("#topic-list .topic-group").first
    first_kind = caregiver.topic_kinds()[0]
    expect(first_group.locator("h3")).to_have_text(dict(Topic.Kind.choices)[first_kind])
    card = first_group.locator(".topic-cards li").first
    slug = card.locator("a").get_attribute("href").split("/")[2]
    written_for = Variant.objects.get(topic__slug=slug, persona=caregiver).live_summary
    assert written_for, "every shipped page has a summary of its own"
    expect(card.locator("p")).to_have_text(written_for)
    assert tab.errors == []


def test_choice_is_confirmed_without_javascript(open_tab):
    page = open_tab(viewport=TABLET, javascript=False).page
    page.goto("/")
    expect(page.locator(".persona-switcher input:checked")).to_have_count(0)
    page.get_by_role("radio", name=re.compile("^Student")).check()
    page.get_by_role("button", name="Show pages for me").click()
    expect(page).to_have_url(re.compile(r"/\?persona=student$"))
    expect(page.locator("#persona-status")).to_have_text("Now showing pages for: Student")
    expect(page.locator("#persona-status")).to_be_in_viewport()
    # Remembered: plain "/" now ticks the student too.
    page.goto("/")
    expect(page.get_by_role("radio", name=re.compile("^Student"))).to_be_checked()


# 6. Print for everyone ------------------------------------------------------------------------

RECORD_PRINT = "window.print = () => { window.__printed = (window.__printed || 0) + 1; };"


@pytest.mark.parametrize("path", [TOPIC, "/", "/glossary/"])
def test_print_or_save_button_on_every_page(open_tab, path):
    page = open_tab().page
    page.add_init_script(RECORD_PRINT)
    page.goto(path)
    button = page.get_by_role("button", name="Print or save")
    expect(button).to_have_count(1)
    button.click()
    assert page.evaluate("window.__printed") == 1
    page.emulate_media(media="print")
    expect(button).to_be_hidden()


def test_no_dead_print_button_without_javascript(open_tab):
    page = open_tab(javascript=False).page
    page.goto(TOPIC)
    expect(page.get_by_role("button", name="Print or save")).to_have_count(0)


def test_printed_page_names_the_site_its_address_its_date_and_review_status(open_tab):
    page = open_tab(viewport=DESKTOP).page
    page.goto(TOPIC)
    page.emulate_media(media="print")
    masthead = page.locator("#article .print-masthead")
    expect(masthead).to_be_visible()
    # The site, the canonical address (DJANGO_SITE_URL, not the address the test browser
    # used) and the page's date, at the top.
    variant = Variant.objects.get(topic__slug="insulin-resistance", persona__slug="patient")
    # The day its text was written (from the content), as the trust panel shows it.
    written = variant.written_on
    expect(masthead.locator("p")).to_have_text(
        ["Understanding Insulin Resistance", settings.SITE_URL + TOPIC, f"Page last updated: {written:%-d %B %Y}"]
    )
    assert box(page, "#article .print-masthead")["bottom"] <= box(page, "#page-title")["top"]
    # Who it is written for, and its review status in words, under the title and at the end.
    expect(page.locator("#article .written-for")).to_be_visible()
    review_status = page.locator("[data-review-status]")
    expect(review_status).to_be_visible()
    expect(review_status).to_contain_text(re.compile("medically reviewed", re.I))
    expect(review_status).to_contain_text(f"{written:%-d %B %Y}")
    # The care cards and the questions to ask.
    expect(page.locator(".care-card").first).to_be_visible()
    expect(page.locator("ul.questions").first).to_be_visible()
    target = screenshot_path("print-topic")
    page.screenshot(path=str(target), full_page=True, caret="initial")
    # On screen, the masthead is not shown.
    page.emulate_media(media="screen")
    expect(masthead).to_be_hidden()


def test_printed_address_follows_a_persona_swap(open_tab):
    page = open_tab().page
    page.goto(TOPIC)
    page.locator(".switcher summary").click()
    page.get_by_role("radio", name="Student").check()
    expect(page).to_have_url(re.compile(r"/student/$"))
    page.emulate_media(media="print")
    expected = settings.SITE_URL + "/topics/insulin-resistance/student/"
    expect(page.locator(".print-masthead p").nth(1)).to_have_text(expected)


# 7. Focus is visible in every mode -----------------------------------------------------------


def focus_first_link_in_main(page) -> None:
    page.keyboard.press("Tab")  # the skip link
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('main a')"):
            return
    pytest.fail("no link in <main> reachable with Tab")


def focus_style(page) -> dict:
    return page.evaluate(
        """() => {
          const style = getComputedStyle(document.activeElement);
          return {outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
                  outlineColor: style.outlineColor, background: style.backgroundColor};
        }"""
    )


def test_focused_link_shows_an_outline_in_forced_colours(open_tab):
    page = open_tab(forced_colors="active").page
    page.goto(TOPIC)
    assert page.evaluate("matchMedia('(forced-colors: active)').matches")
    focus_first_link_in_main(page)
    style = focus_style(page)
    assert style["outlineStyle"] not in ("none", "hidden") and style["outlineWidth"] >= 2, style
    assert style["outlineColor"] not in ("transparent", "rgba(0, 0, 0, 0)"), style
    first_screen(page, "focus-forced-colours")
    # The one-line reader choice and the print button show focus there too.
    page.locator(".switcher summary").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    style = focus_style(page)
    assert style["outlineStyle"] != "none" and style["outlineWidth"] >= 2, style


def test_focused_link_in_normal_colours_shows_a_background(open_tab):
    """The control: outside forced colours the outline is transparent and the background shows focus."""
    page = open_tab().page
    page.goto(TOPIC)
    focus_first_link_in_main(page)
    style = focus_style(page)
    assert style["outlineWidth"] >= 2 and style["outlineColor"] in ("transparent", "rgba(0, 0, 0, 0)"), style
    assert style["background"] == "rgb(255, 191, 71)", style  # --focus
    first_screen(page, "focus-normal-colours")
