"""Editors and reviewers in a real browser: two tabs, the review screen, request changes, publish."""

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from tests.browser.conftest import screenshot_path
from topics.models import Reviewer, Variant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "a-long-browser-test-password"


def make_user(django_user_model, username: str, group: str):
    user = django_user_model.objects.create_user(username, f"{username}@example.org", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def sign_in(page, username: str) -> None:
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def test_second_tab_is_refused_with_the_difference_and_keeps_its_text(browser, site, django_user_model):
    make_user(django_user_model, "edna", "Editors")
    variant = Variant.objects.get(topic__slug="insulin-resistance", persona__slug="patient")
    url = f"{site.url}/admin/topics/variant/{variant.pk}/change/"
    context = browser.new_context(base_url=site.url, viewport={"width": 1280, "height": 900})
    errors = []
    try:
        first, second = context.new_page(), context.new_page()
        for page in (first, second):
            page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(first, "edna")  # the session is shared by both tabs, as in a real browser
        first.goto(url)
        second.goto(url)
        original = first.locator("#id_body").input_value()

        first.locator("#id_body").fill(original + "\n\nA fix made in the first tab.")
        first.locator("input[name=_save]").click()
        expect(first.locator(".messagelist .success").first).to_be_visible()
        # The save arrived: opening the form again offers nothing back.
        first.goto(url)
        expect(first.locator("#id_body")).to_have_value(re.compile("A fix made in the first tab"))
        expect(first.locator(".draft-offer")).to_have_count(0)

        second.locator("#id_body").fill(original + "\n\nWords typed in the second tab.")
        second.locator("input[name=_continue]").click()
        conflict = second.locator("[data-conflict]")
        expect(conflict).to_contain_text("Not saved: this page changed after you opened it")
        expect(conflict).to_contain_text("changed by edna")
        expect(conflict.locator("del", has_text="first")).to_be_visible()
        expect(conflict.locator("ins", has_text="second")).to_be_visible()
        expect(second.locator("#id_body")).to_have_value(re.compile("Words typed in the second tab"))
        second.screenshot(path=screenshot_path("admin-two-tabs-conflict"), full_page=True)

        variant.refresh_from_db()
        assert variant.body.endswith("A fix made in the first tab.")
        # The refused text is not lost: this browser offers it back on the form.
        first.goto(url)
        expect(first.locator(".draft-offer")).to_contain_text("not saved")
    finally:
        context.close()
    assert errors == []


def test_review_screen_request_changes_then_publish(browser, site, django_user_model):
    make_user(django_user_model, "edna", "Editors")
    rita = make_user(django_user_model, "rita", "Medical reviewers")
    Reviewer.objects.create(name="Rita Example", credentials="MD", user=rita)
    variant = Variant.objects.get(topic__slug="insulin-resistance", persona__slug="patient")
    url = f"{site.url}/admin/topics/variant/{variant.pk}/change/"
    editor_context = browser.new_context(base_url=site.url, viewport={"width": 1280, "height": 900})
    reviewer_context = browser.new_context(base_url=site.url, viewport={"width": 1280, "height": 900})
    try:
        editor = editor_context.new_page()
        sign_in(editor, "edna")
        editor.goto(url)
        body = editor.locator("#id_body")
        body.fill(body.input_value().replace("Insulin is a hormone.", "Insulin is a hormone, a kind of messenger."))
        editor.locator("#id_note").fill("Made the first line plainer.")
        editor.get_by_role("button", name="Save and send for medical review").click()
        expect(editor.locator(".messagelist .success", has_text="Sent for medical review")).to_be_visible()

        reviewer = reviewer_context.new_page()
        sign_in(reviewer, "rita")
        reviewer.get_by_role("link", name="Review desk").click()
        awaiting = reviewer.locator('[data-desk="awaiting"]')
        expect(awaiting).to_contain_text("Insulin resistance (Patient)")
        awaiting.get_by_role("link", name="Insulin resistance (Patient)").click()
        changes = reviewer.locator(".word-diff-text").first
        expect(changes.locator("ins")).to_contain_text("a kind of messenger")
        expect(reviewer.locator(".review-record")).to_contain_text("Made the first line plainer.")
        reviewer.screenshot(path=screenshot_path("admin-review-screen"), full_page=True)

        reviewer.get_by_role("button", name="Request changes (note required)").click()
        expect(reviewer.locator(".errorlist")).to_contain_text("Say what should change")
        reviewer.locator("#id_note").fill("Say “messenger” without the comma splice.")
        reviewer.get_by_role("button", name="Request changes (note required)").click()
        expect(reviewer.locator(".messagelist .success", has_text="Sent back to its editor")).to_be_visible()

        editor.get_by_role("link", name="Review desk").click()
        returned = editor.locator('[data-desk="returned"]')
        returned.get_by_role("link", name="Insulin resistance (Patient)").click()
        expect(editor.locator("[data-changes-requested]")).to_contain_text("without the comma splice")
        body = editor.locator("#id_body")
        body.fill(body.input_value().replace("a hormone, a kind of messenger.", "a hormone. It is a messenger."))
        editor.get_by_role("button", name="Save and send for medical review").click()
        expect(editor.locator(".messagelist .success", has_text="Sent for medical review")).to_be_visible()

        reviewer.goto(url)
        reviewer.locator("#id_note").fill("Checked against the NIDDK pages.")
        reviewer.get_by_role("button", name="Save and publish (medical review)").click()
        expect(reviewer.locator(".messagelist .success", has_text="Published")).to_be_visible()

        public = reviewer_context.new_page()
        public.goto(f"{site.url}/topics/insulin-resistance/patient/")
        expect(public.locator("main")).to_contain_text("It is a messenger.")
        expect(public.locator("main")).to_contain_text("Medically reviewed by Rita Example")
    finally:
        editor_context.close()
        reviewer_context.close()
