"""The answer on the first screen of every topic page, and a way to jump to the rest.

For every published topic page (each topic, each reader it is written for) at three
screen sizes, measured with getBoundingClientRect on a first visit: the title and the
whole first key point are above the fold, the trust panel takes at most a fifth of the
screen, "On this page" comes before the first section, and "When to get help now" leads
to an urgent or emergency care card. Screenshots of every first screen go to
test-results/screenshots/first-screen/ for people to look at.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot_path
from topics.models import Topic, Variant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SIZES = {
    "phone-360": {"width": 360, "height": 740},
    "phone-390": {"width": 390, "height": 844},
    "desktop-1366": {"width": 1366, "height": 768},
}

MEASURE = """() => {
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
    return {top: r.top + scrollY, bottom: r.bottom + scrollY, height: r.height}; };
  const help = document.querySelector('.get-help a');
  return {
    title: box(document.querySelector('#page-title')),
    keyPoint: box(document.querySelector('[data-key-points] li')),
    trust: box(document.querySelector('.trust-panel')),
    contents: box(document.querySelector('#on-this-page')),
    firstSection: box(document.querySelector('.prose h2')),
    contentsLinks: [...document.querySelectorAll('#on-this-page a')].map((a) => a.getAttribute('href')),
    headings: [...document.querySelectorAll('.prose h2[id]')].map((h) => '#' + h.id),
    help: help ? help.getAttribute('href') : null,
    helpTarget: help
      ? (document.querySelector(help.getAttribute('href'))?.closest('[data-care]')?.dataset.care ?? null)
      : null,
    urgentCards: document.querySelectorAll('.prose [data-care="urgent"], .prose [data-care="emergency"]').length,
    persona: document.querySelector('#article').dataset.persona,
    landmarks: document.querySelectorAll('.prose aside:not([role]), .prose [role="complementary"]').length,
  };
}"""


def topic_pages() -> list[str]:
    variants = Variant.objects.published().filter(topic__in=Topic.objects.health_topics())
    pages = [variant.get_absolute_url() for variant in variants.select_related("topic", "persona")]
    assert len(pages) >= 60, pages
    return sorted(pages)


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_every_topic_page_answers_on_the_first_screen(open_tab, size):
    viewport = SIZES[size]
    page = open_tab(viewport=viewport).page
    problems = []
    pages = topic_pages()
    for path in pages:
        page.goto(path)
        m = page.evaluate(MEASURE)
        name = path.strip("/").replace("/", "-")
        page.screenshot(path=str(screenshot_path(f"first-screen/{size}/{name}")), caret="initial")
        height = viewport["height"]
        if m["title"]["bottom"] > height:
            problems.append(f"{path}: title ends at {m['title']['bottom']:.0f} > {height}")
        if m["keyPoint"] is None or m["keyPoint"]["bottom"] > height:
            bottom = m["keyPoint"] and round(m["keyPoint"]["bottom"])
            problems.append(f"{path}: first key point ends at {bottom} > {height}")
        if m["trust"]["height"] > height / 5 or m["trust"]["top"] < m["title"]["bottom"]:
            problems.append(f"{path}: trust panel {m['trust']} under a title ending at {m['title']['bottom']}")
        if m["contents"] is None or m["contents"]["bottom"] > m["firstSection"]["top"]:
            problems.append(f"{path}: 'On this page' {m['contents']} not above the first section {m['firstSection']}")
        if m["contentsLinks"] != m["headings"]:
            problems.append(f"{path}: 'On this page' links {m['contentsLinks']} are not the sections {m['headings']}")
        if m["landmarks"]:
            problems.append(f"{path}: {m['landmarks']} care cards are complementary landmarks")
        if m["urgentCards"] and m["persona"] in ("patient", "caregiver"):
            if m["help"] is None or m["helpTarget"] not in ("urgent", "emergency"):
                problems.append(f"{path}: 'When to get help now' is {m['help']} -> {m['helpTarget']}")
            elif m["help"] and m["contents"] and page.locator(".get-help a").bounding_box()["y"] > height:
                problems.append(f"{path}: 'When to get help now' is below the first screen")
        elif m["help"] is not None and m["helpTarget"] not in ("urgent", "emergency"):
            problems.append(f"{path}: 'When to get help now' leads to {m['helpTarget']}")
    assert problems == [], "\n".join(problems)


def test_the_get_help_link_lands_on_the_most_urgent_card(open_tab):
    page = open_tab(viewport=SIZES["phone-390"]).page
    page.goto("/topics/low-blood-sugar/patient/")
    page.get_by_role("link", name="When to get help now").click()
    card = page.locator(".care-card[data-care='emergency']").first
    expect(card.locator("h3")).to_be_in_viewport()
    expect(card).to_have_attribute("role", "note")
    page.screenshot(path=str(screenshot_path("first-screen/get-help-landed")), caret="initial")


def test_trust_panel_details_are_one_tap_away(open_tab):
    page = open_tab(viewport=SIZES["phone-360"]).page
    page.goto("/topics/insulin-resistance/patient/")
    panel = page.locator(".trust-panel")
    expect(panel.locator("summary")).to_contain_text("Not yet medically reviewed")
    expect(panel.get_by_role("link", name="How we write and review pages")).to_be_hidden()
    panel.locator("summary").click()
    expect(panel.get_by_role("link", name="How we write and review pages")).to_be_visible()
    expect(panel.locator(".review-steps")).to_be_visible()
    page.screenshot(path=str(screenshot_path("first-screen/trust-panel-open")), caret="initial")
    # Printed, the steps and dates are there without a tap.
    page.reload()
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    expect(panel.locator(".review-steps")).to_be_visible()
    expect(page.locator(".page-jumps")).to_be_hidden()
    expect(page.locator(".sources-link").first).to_be_hidden()
