"""Choosing who you are: with htmx only the content swaps; without JavaScript the form posts."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TOPIC = "/topics/insulin-resistance/"


KEPT = [".site-header", ".persona-switcher", "#persona-status"]


def open_switcher(page) -> None:
    """On topic pages the choice is one line ("Written for: … · Change") until opened."""
    page.locator(".switcher summary").click()
    expect(page.locator(".switcher details")).to_have_attribute("open", "")


def mark_page(page) -> None:
    """Tag the live document; a reload, or swapping anything but the content, loses a tag.

    The live region must be the same element after the swap: screen readers announce
    changes to a live region that was already there, not a new one.
    """
    page.evaluate(
        """(selectors) => {
          window.__sameDocument = true;
          selectors.forEach((selector) => { document.querySelector(selector).dataset.kept = 'yes'; });
        }""",
        KEPT,
    )


def assert_same_document(page) -> None:
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded"
    for selector in KEPT:
        assert page.evaluate(f"document.querySelector({selector!r}).dataset.kept") == "yes", selector


def test_switcher_is_a_radio_group_with_a_legend_and_a_polite_live_region(open_tab):
    page = open_tab().page
    page.goto(TOPIC + "patient/")
    open_switcher(page)
    group = page.get_by_role("group", name="Which best describes you?")
    expect(group.get_by_role("radio")).to_have_count(4)
    expect(page.locator("#persona-status")).to_have_attribute("aria-live", "polite")

    # Keyboard: arrow keys move through the options; the last one chosen is shown.
    group.get_by_role("radio", name="Patient").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#article .written-for")).to_have_text("Written for: Student")
    expect(page).to_have_url(re.compile(r"/topics/insulin-resistance/student/$"))
    expect(group.get_by_role("radio", name="Student")).to_be_focused()


def test_topic_page_persona_switch_swaps_only_the_article(open_tab):
    tab = open_tab()
    page = tab.page
    page.goto(TOPIC + "patient/")
    expect(page.locator("#article .written-for")).to_have_text("Written for: Patient")
    mark_page(page)

    open_switcher(page)
    page.get_by_role("radio", name="Student").check()

    expect(page).to_have_url(re.compile(r"/topics/insulin-resistance/student/$"))
    expect(page.locator("#article .written-for")).to_have_text("Written for: Student")
    expect(page.locator(".switcher summary")).to_have_text("Written for: Student · Change")
    expect(page.locator("#persona-status")).to_have_text("Now showing the version for: Student")
    expect(page).to_have_title(re.compile(r"\(Student\)"))
    assert_same_document(page)
    # The submit button is only for the no-JavaScript flow.
    expect(page.get_by_role("button", name="Show pages for me")).to_be_hidden()

    page.go_back()
    expect(page).to_have_url(re.compile(r"/topics/insulin-resistance/patient/$"))
    expect(page.locator("#article .written-for")).to_have_text("Written for: Patient")
    expect(page.get_by_role("radio", name="Patient")).to_be_checked()
    expect(page).to_have_title(re.compile(r"\(Patient\)"))

    page.go_forward()
    expect(page.locator("#article .written-for")).to_have_text("Written for: Student")
    expect(page.get_by_role("radio", name="Student")).to_be_checked()
    assert tab.errors == []


def test_home_persona_switch_swaps_only_the_topic_list(open_tab):
    tab = open_tab()
    page = tab.page
    page.goto(TOPIC + "patient/")
    page.get_by_role("link", name="Home").first.click()
    expect(page).to_have_url(re.compile(r"/$"))
    first_topic = page.locator("#topic-list .topic-cards a").first
    expect(first_topic).to_have_attribute("href", re.compile(r"/patient/$"))
    mark_page(page)

    page.get_by_role("radio", name=re.compile("^Healthcare professional")).check()

    expect(first_topic).to_have_attribute("href", re.compile(r"/professional/$"))
    expect(page.locator("#topics-heading")).to_contain_text("Written for: Healthcare professional")
    expect(page.locator("#persona-status")).to_have_text("Now showing pages for: Healthcare professional")
    expect(page).to_have_url(re.compile(r"/\?persona=professional$"))
    assert_same_document(page)

    page.get_by_role("radio", name=re.compile("^Student")).check()
    expect(page).to_have_url(re.compile(r"/\?persona=student$"))
    expect(first_topic).to_have_attribute("href", re.compile(r"/student/$"))

    # Back restores each earlier persona, radios and links together.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/\?persona=professional$"))
    expect(page.locator("#topic-list .topic-cards a").first).to_have_attribute("href", re.compile(r"/professional/$"))
    expect(page.get_by_role("radio", name=re.compile("^Healthcare professional"))).to_be_checked()
    page.go_back()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#topic-list .topic-cards a").first).to_have_attribute("href", re.compile(r"/patient/$"))
    # As it was on the first visit: the default reader's links, and nothing ticked yet.
    expect(page.locator(".persona-switcher input:checked")).to_have_count(0)

    # Remembered: a plain topic link now opens the last choice, the student version.
    page.goto(TOPIC)
    expect(page).to_have_url(re.compile(r"/topics/insulin-resistance/student/$"))
    assert tab.errors == []


def test_persona_switch_without_javascript_posts_the_form(open_tab):
    page = open_tab(javascript=False).page
    page.goto(TOPIC + "patient/")
    open_switcher(page)
    submit = page.get_by_role("button", name="Show pages for me")
    expect(submit).to_be_visible()
    assert page.locator("[data-text-size-slot] button").count() == 0, "no dead buttons without JavaScript"

    page.get_by_role("radio", name="Parent or caregiver").check()
    submit.click()

    expect(page).to_have_url(re.compile(r"/topics/insulin-resistance/caregiver/$"))
    expect(page.locator("#article .written-for")).to_have_text("Written for: Parent or caregiver")
    open_switcher(page)
    expect(page.get_by_role("radio", name="Parent or caregiver")).to_be_checked()

    page.goto("/")
    expect(page.get_by_role("radio", name=re.compile("^Parent or caregiver"))).to_be_checked()
    page.get_by_role("radio", name=re.compile("^Student")).check()
    page.get_by_role("button", name="Show pages for me").click()
    expect(page).to_have_url(re.compile(r"/\?persona=student$"))
    expect(page.locator("#topic-list .topic-cards a").first).to_have_attribute("href", re.compile(r"/student/$"))
