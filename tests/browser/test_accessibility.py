"""axe-core (bundled by axe-playwright-python) on every public page: zero violations of any impact."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import DESKTOP, PHONE
from topics.models import Persona, Topic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# WCAG 2.0, 2.1 and 2.2, levels A and AA, plus axe's best practices.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


def public_pages() -> list[str]:
    personas = list(Persona.objects.values_list("slug", flat=True))
    topics = list(Topic.objects.health_topics().values_list("slug", flat=True))
    assert len(personas) == 4 and len(topics) >= 15
    variants = [f"/topics/{topic}/{persona}/" for topic in topics for persona in personas]
    return [
        "/", "/topics/", *variants, "/glossary/", "/glossary/insulin/",
        "/glossary/acanthosis-nigricans/?persona=caregiver", "/search/?q=insulin",
        "/search/?q=acanthosys&persona=patient", "/no-such-page/",
        "/risk-test/", "/topics/insulin-resistance/patient/share/",
        "/about/", "/about/editorial-policy/", "/about/accessibility/", "/about/privacy/",
    ]  # fmt: skip


def axe_violations(axe: Axe, page, path: str) -> list[str]:
    page.goto(path)
    results = axe.run(page, options=AXE_OPTIONS)
    return [] if results.violations_count == 0 else [f"{path}\n{results.generate_report()}"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone-360"])
def test_axe_finds_no_violations_on_any_public_page(open_tab, viewport):
    # axe is injected into the page, which the CSP would block: bypass it here only.
    page = open_tab(viewport=viewport, bypass_csp=True).page
    axe = Axe()
    pages = public_pages()
    violations = [report for path in pages for report in axe_violations(axe, page, path)]
    assert violations == [], "\n\n".join(violations)
    assert len(pages) >= 69


def test_axe_finds_no_violations_on_a_phone_with_open_glossary_and_larger_text(open_tab):
    page = open_tab(viewport=PHONE, bypass_csp=True).page
    page.add_init_script("localStorage.setItem('insr-text-size', '3')")
    axe = Axe()
    violations = axe_violations(axe, page, "/")
    violations += axe_violations(axe, page, "/topics/insulin-resistance/caregiver/")
    page.locator("button.glossary-term").first.click()
    page.locator(".glossary-popover .glossary-more").first.wait_for()
    results = axe.run(page, options=AXE_OPTIONS)
    if results.violations_count:
        violations.append(f"glossary popover open\n{results.generate_report()}")
    page.locator(".switcher summary").click()
    results = axe.run(page, options=AXE_OPTIONS)
    if results.violations_count:
        violations.append(f"reader choice open\n{results.generate_report()}")
    assert violations == [], "\n\n".join(violations)
