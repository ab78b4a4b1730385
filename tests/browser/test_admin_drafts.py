"""An editor's unsaved text survives a closed tab: the variant form offers it back."""

import re

import pytest
from playwright.sync_api import expect

from topics.models import Variant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "a-long-browser-test-password"


def sign_in(page, django_user_model) -> None:
    django_user_model.objects.create_superuser("drafts", "drafts@example.org", PASSWORD)
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("drafts")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def test_unsaved_text_is_offered_back_and_forgotten_once_saved(open_tab, django_user_model):
    tab = open_tab()
    page = tab.page
    sign_in(page, django_user_model)
    variant = Variant.objects.get(topic__slug="insulin-resistance", persona__slug="patient")
    url = f"/admin/topics/variant/{variant.pk}/change/"
    page.goto(url)
    body = page.locator("#id_body")
    saved_text = body.input_value()
    typed = saved_text + "\n\nA new paragraph that must not be lost."
    body.fill(typed)
    page.wait_for_function("key => window.localStorage.getItem(key) !== null", arg=f"insr-draft:{url}")

    # The tab is closed without saving, and the form opened again.
    page.goto(url)
    expect(body).to_have_value(saved_text)
    offer = page.locator(".draft-offer")
    expect(offer).to_contain_text("not saved")
    page.get_by_role("button", name="Put that text back").click()
    expect(body).to_have_value(typed)
    expect(offer).to_have_count(0)

    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(body).to_have_value(typed)
    expect(page.locator(".draft-offer")).to_have_count(0)
    page.reload()
    expect(page.locator(".draft-offer")).to_have_count(0)
    assert tab.errors == []


def test_a_forgotten_copy_is_not_offered_again(open_tab, django_user_model):
    page = open_tab().page
    sign_in(page, django_user_model)
    variant = Variant.objects.get(topic__slug="insulin-resistance", persona__slug="caregiver")
    url = f"/admin/topics/variant/{variant.pk}/change/"
    page.goto(url)
    page.locator("#id_body").fill("Words the editor decides to throw away.")
    page.wait_for_function("key => window.localStorage.getItem(key) !== null", arg=f"insr-draft:{url}")
    page.goto(url)
    page.get_by_role("button", name="Forget it").click()
    expect(page.locator(".draft-offer")).to_have_count(0)
    page.reload()
    expect(page.locator(".draft-offer")).to_have_count(0)
