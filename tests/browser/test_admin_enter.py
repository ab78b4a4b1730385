"""Enter in the variant form's Title or Summary only saves: it never sends, publishes or takes down."""

import re

import pytest
from playwright.sync_api import expect

from topics.models import Reviewer, Variant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "a-long-browser-test-password"


def test_enter_in_the_title_saves_and_takes_no_workflow_step(open_tab, django_user_model):
    # A reviewer: every workflow button (send, publish, take down) is on her form.
    user = django_user_model.objects.create_superuser("enter", "enter@example.org", PASSWORD)
    Reviewer.objects.create(name="Enter Tester", credentials="MD", user=user)
    tab = open_tab()
    page = tab.page
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("enter")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    variant = Variant.objects.get(topic__slug="insulin-resistance", persona__slug="patient")
    live_body, events = variant.live_body, variant.review_events.count()
    page.goto(f"/admin/topics/variant/{variant.pk}/change/")
    expect(page.locator("input[name=_publish]")).to_be_visible()
    expect(page.locator("input[name=_unpublish]")).to_be_visible()
    title = page.locator("#id_title")
    title.fill("A title typed by a reviewer")
    title.press("Enter")
    expect(page.locator(".messagelist .success")).to_be_visible()

    variant.refresh_from_db()
    assert variant.title == "A title typed by a reviewer"  # saved
    assert variant.is_live and variant.live_body == live_body and variant.live_title != variant.title
    assert variant.status == Variant.Status.DRAFT  # a pending change, not sent, published or taken down
    assert variant.review_events.count() == events
    assert tab.errors == []
