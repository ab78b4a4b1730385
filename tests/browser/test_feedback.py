"""Visitors' voices in a real browser: page feedback, sharing an experience, moderation, the risk test."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from feedback.models import PageFeedback, Story
from tests.browser.conftest import PHONE
from tests.browser.test_accessibility import AXE_OPTIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PAGE = "/topics/insulin-resistance/patient/"


def test_feedback_with_htmx_thanks_in_place_and_takes_a_comment(open_tab):
    tab = open_tab()
    page = tab.page
    page.goto(PAGE)
    page.evaluate("window.__sameDocument = true")
    form = page.locator("form[data-feedback]")
    expect(form).to_be_visible()
    expect(page.locator("input[name=website]")).to_be_hidden()
    form.get_by_role("button", name="No").click()

    box = page.locator("#feedback-box")
    expect(box).to_have_attribute("aria-live", "polite")
    expect(box.get_by_text("Thank you for your answer.")).to_be_focused()
    box.get_by_label("What was missing or hard to understand? (optional)").fill("Too many long words.")
    box.get_by_role("button", name="Send comment").click()
    expect(box).to_contain_text("Thank you. We read every comment")
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded"
    assert tab.errors == []
    answer = PageFeedback.objects.get()
    assert (answer.helpful, answer.comment) == (False, "Too many long words.")


def test_feedback_without_javascript_on_a_phone(open_tab):
    page = open_tab(viewport=PHONE, javascript=False).page
    page.goto(PAGE)
    page.locator("form[data-feedback]").get_by_role("button", name="Yes").click()
    expect(page).to_have_url(re.compile(r"/topics/insulin-resistance/patient/\?feedback=.+#feedback$"))
    expect(page.get_by_text("Thank you for your answer.")).to_be_visible()
    page.get_by_label("Is there anything we could make clearer? (optional)").fill("More pictures.")
    page.get_by_role("button", name="Send comment").click()
    expect(page).to_have_url(re.compile(r"/topics/insulin-resistance/patient/\?feedback=thanks#feedback$"))
    expect(page.get_by_text("Thank you. We read every comment")).to_be_visible()
    assert PageFeedback.objects.get().comment == "More pictures."
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_story_flow_from_topic_page_to_moderator_to_page(open_tab, django_user_model):
    tab = open_tab()
    page = tab.page
    page.goto(PAGE)
    page.locator("a[data-story]").click()
    expect(page).to_have_url(re.compile(r"/topics/insulin-resistance/patient/share/$"))
    form = page.locator("form[data-story]")
    expect(form.get_by_text("Describe your experience")).to_be_visible()

    page.get_by_label("What changes to your diet have helped?").check()
    page.get_by_label("Your experience", exact=True).fill(
        "Swapping <b>juice</b> for water helped. Mail me: me@example.com"
    )
    page.get_by_label("First name or initials (optional)").fill("R. J.")
    page.get_by_role("button", name="Send for moderation").click()
    sent = page.locator(".story-sent")
    expect(sent).to_be_focused()
    expect(sent).to_contain_text("A moderator will read it")
    story = Story.objects.get()
    assert story.status == "pending" and story.contact_details_masked and "example.com" not in story.text

    # Not shown until a moderator approves it in admin.
    page.goto(PAGE)
    expect(page.get_by_text("Swapping")).to_have_count(0)
    moderator = django_user_model.objects.create_user("mod", password="a-long-test-password", is_staff=True)
    from django.contrib.auth.models import Group

    moderator.groups.add(Group.objects.get(name="Moderators"))
    admin = open_tab().page
    admin.goto("/admin/login/")
    admin.get_by_label("Username").fill("mod")
    admin.get_by_label("Password").fill("a-long-test-password")
    admin.get_by_role("button", name="Log in").click()
    admin.goto("/admin/feedback/story/")
    admin.locator("input[name=_selected_action]").first.check()
    admin.locator("select[name=action]").select_option("approve")
    admin.get_by_role("button", name="Go").click()
    expect(admin.locator(".messagelist")).to_contain_text("1 story: approved")

    page.goto(PAGE)
    experiences = page.locator(".experiences")
    expect(experiences.get_by_role("heading", name="Readers' experiences")).to_be_visible()
    expect(experiences).to_contain_text("not medical advice")
    expect(experiences).to_contain_text("Swapping <b>juice</b> for water helped. Mail me: [hidden]")
    expect(experiences.locator("b")).to_have_count(0)
    expect(experiences.locator("figcaption")).to_contain_text("R. J.,")
    assert tab.errors == []


def test_story_errors_keep_the_text_with_and_without_javascript(open_tab):
    from django.test import RequestFactory

    from feedback import guards
    from feedback.models import RateLimitHit

    # This visitor (the browser, at 127.0.0.1) already shared five stories this hour.
    visitor = guards.visitor_key(RequestFactory().post("/", REMOTE_ADDR="127.0.0.1"))
    RateLimitHit.objects.bulk_create([RateLimitHit(bucket="story", visitor=visitor) for _ in range(5)])
    for javascript in (True, False):
        page = open_tab(javascript=javascript).page
        page.goto("/topics/insulin-resistance/caregiver/share/")
        page.get_by_label("Describe your experience").check()
        page.get_by_label("Your experience", exact=True).fill("My words stay here.")
        page.get_by_role("button", name="Send for moderation").click()
        expect(page.locator(".form-errors")).to_contain_text("the most we take")
        expect(page.get_by_label("Your experience", exact=True)).to_have_value("My words stay here.")
        expect(page.get_by_label("Describe your experience")).to_be_checked()
    assert not Story.objects.exists()


def test_risk_test_with_and_without_javascript(open_tab):
    for javascript in (True, False):
        tab = open_tab(viewport=PHONE, javascript=javascript)
        page = tab.page
        page.goto("/risk-test/")
        for question, answer in [
            ("1. How old are you?", "50 to 59 years"),
            ("2. Are you a man or a woman?", "Woman"),
            ("3. If you are a woman, have you ever been diagnosed with gestational diabetes?", "Yes"),
            ("4. Do you have a mother, father, sister, or brother with diabetes?", "Yes"),
            ("5. Have you ever been diagnosed with high blood pressure?", "No"),
            ("6. Are you physically active?", "No"),
        ]:
            page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()
        page.get_by_label("Your height").select_option(label="5 feet 4 inches")
        page.get_by_label("Your weight in pounds").fill("180")
        page.get_by_role("button", name="See my score").click()
        result = page.locator("#risk-result")
        expect(result.get_by_role("heading", name="Your score: 7 points")).to_be_visible()  # 2+0+1+1+0+1+2
        expect(result).to_contain_text("increased risk for having prediabetes")
        expect(result.get_by_role("link", name="How getting tested works")).to_have_attribute(
            "href", "/topics/getting-tested/"
        )
        if javascript:
            expect(result).to_be_focused()
            # The score heading is on screen, not scrolled off the top by the swap.
            heading = result.get_by_role("heading", name="Your score: 7 points")
            expect(heading).to_be_in_viewport()
            assert heading.evaluate("(h) => h.getBoundingClientRect().top") >= 0
            assert tab.errors == []
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_axe_on_the_thank_you_the_story_errors_and_the_risk_result(open_tab):
    page = open_tab(bypass_csp=True).page
    axe = Axe()
    violations = []

    def check(label):
        results = axe.run(page, options=AXE_OPTIONS)
        if results.violations_count:
            violations.append(f"{label}\n{results.generate_report()}")

    page.goto(PAGE)
    page.locator("form[data-feedback]").get_by_role("button", name="No").click()
    page.locator(".comment-form").wait_for()
    check("feedback thank-you with comment box")
    # Browsers check required fields first; an older one would send the form as it is.
    page.goto("/topics/insulin-resistance/patient/share/")
    page.evaluate("document.querySelector('form[data-story]').noValidate = true")
    page.get_by_role("button", name="Send for moderation").click()
    page.locator(".field-error").first.wait_for()
    check("story form with errors")
    page.goto("/risk-test/")
    page.evaluate("document.querySelector('.risk-form').noValidate = true")
    page.get_by_role("button", name="See my score").click()
    page.locator(".form-errors").wait_for()
    check("risk test with errors")
    assert violations == [], "\n\n".join(violations)
