"""Visitors' voices: "Was this page helpful?", readers' experiences, moderation and privacy."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connections
from django.test import Client
from django.utils import timezone

from feedback import guards
from feedback.models import FeedbackPage, PageFeedback, RateLimitHit, Story, StoryPrompt, purge_expired
from feedback.views import STORIES_PER_HOUR
from insr_site.client_ip import client_ip
from topics.importing import import_content
from topics.models import Persona
from topics.versioning import SiteVersion

PAGE = "/topics/insr-gene/patient/"
SHARE = "/topics/insr-gene/patient/share/"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def story_topic(insr_topic, make_variant):
    make_variant(insr_topic, "caregiver", "For families.")
    return insr_topic


def vote(client, helpful="no", persona="patient", **extra):
    return client.post("/feedback/", {"topic": "insr-gene", "persona": persona, "helpful": helpful}, **extra)


def share(client, text="Walking after dinner helped me.", headers=None, **fields):
    data = {"prompt": "Describe your experience", "text": text, "name": "Sam"} | fields
    return client.post(SHARE, data, headers=headers or {})


# The topic page -----------------------------------------------------------------------------


def test_topic_page_asks_whether_it_helped_without_a_token_or_cookie(client, insr_topic):
    response = client.get(PAGE)
    html = response.content.decode()
    assert "Was this page helpful?" in html
    assert "data-feedback" in html
    assert 'name="website"' in html
    assert "csrfmiddlewaretoken" not in html
    assert not response.cookies


def test_patient_and_caregiver_pages_link_to_share_an_experience(client, story_topic):
    for persona in ("patient", "caregiver"):
        html = client.get(f"/topics/insr-gene/{persona}/").content.decode()
        assert f'href="/topics/insr-gene/{persona}/share/" data-story' in html
        assert "Readers' experiences" in html


def test_professional_pages_ask_for_feedback_but_not_for_stories(client, insr_topic):
    html = client.get("/topics/insr-gene/professional/").content.decode()
    assert "data-feedback" in html
    assert "data-story" not in html
    assert client.get("/topics/insr-gene/professional/share/").status_code == 404


# "Was this page helpful?" ------------------------------------------------------------------


def test_answer_without_javascript_returns_to_the_same_page_with_thanks(client, insr_topic):
    response = vote(client, "no")
    assert response.status_code == 302
    assert response["Location"].startswith(PAGE + "?feedback=")
    assert response["Location"].endswith("#feedback")
    answer = PageFeedback.objects.get()
    assert answer.helpful is False
    assert (answer.page.topic.slug, answer.page.persona.slug) == ("insr-gene", "patient")
    html = client.get(response["Location"]).content.decode()
    assert "Thank you for your answer." in html
    assert "What was missing or hard to understand?" in html
    assert 'action="/feedback/comment/"' in html


def test_answer_with_htmx_replaces_the_form_in_place(client, insr_topic):
    response = vote(client, "yes", headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thank you for your answer." in html
    assert "<html" not in html
    assert "autofocus" in html  # htmx moves focus to the thank-you; the region around it is aria-live
    assert "Is there anything we could make clearer?" in html
    assert PageFeedback.objects.get().helpful is True
    assert 'aria-live="polite"' in client.get(PAGE).content.decode()


def test_comment_is_added_to_the_visitors_own_answer_once(client, insr_topic):
    vote(client, "no", headers=HTMX)
    token = latest_comment_token()
    response = client.post("/feedback/comment/", {"token": token, "comment": "Too many long words."})
    assert response.status_code == 302
    assert "?feedback=thanks" in response["Location"]
    assert "Thank you. We read every comment" in client.get(response["Location"]).content.decode()
    client.post("/feedback/comment/", {"token": token, "comment": "Overwritten?"}, headers=HTMX)
    assert PageFeedback.objects.get().comment == "Too many long words."


def latest_comment_token() -> str:
    from feedback.views import comment_token

    return comment_token(PageFeedback.objects.latest("created"))


def test_comment_with_htmx_thanks_in_place(client, insr_topic):
    vote(client, "no", headers=HTMX)
    response = client.post("/feedback/comment/", {"token": latest_comment_token(), "comment": "Hard."}, headers=HTMX)
    assert response.status_code == 200
    assert "Thank you. We read every comment" in response.content.decode()


def test_too_long_comment_is_refused_and_kept(client, insr_topic):
    vote(client, "no")
    text = "word " * 150
    response = client.post("/feedback/comment/", {"token": latest_comment_token(), "comment": text})
    assert response.status_code == 400
    html = response.content.decode()
    assert "500 characters or fewer" in html
    assert text.strip() in html
    assert "Skip to main content" in html
    htmx = client.post("/feedback/comment/", {"token": latest_comment_token(), "comment": text}, headers=HTMX)
    assert htmx.status_code == 200 and text.strip() in htmx.content.decode()
    assert PageFeedback.objects.get().comment == ""


def test_forged_or_missing_comment_token_is_refused(client, insr_topic):
    vote(client, "no")
    for token in ["", "1", latest_comment_token() + "x", "<script>"]:
        response = client.post("/feedback/comment/", {"token": token, "comment": "Hi"})
        assert response.status_code == 400
    assert PageFeedback.objects.get().comment == ""


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"topic": "insr-gene", "persona": "patient", "helpful": "maybe"},
        {"topic": "no-such-topic", "persona": "patient", "helpful": "yes"},
        {"topic": "insr-gene", "persona": "nobody", "helpful": "yes"},
        {"topic": "<script>", "persona": "\x00", "helpful": "yes"},
    ],
)
def test_bad_answers_get_a_clear_400_page(client, insr_topic, data):
    response = client.post("/feedback/", data)
    assert response.status_code == 400
    assert "Skip to main content" in response.content.decode()
    assert not PageFeedback.objects.exists()


def test_answers_need_post(client, db):
    assert client.get("/feedback/").status_code == 405
    assert client.get("/feedback/comment/").status_code == 405


# Attacks -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://testserver"},
    ],
)
def test_posts_from_another_site_are_refused(client, story_topic, headers):
    assert vote(client, headers=headers).status_code == 403
    response = share(client, headers=headers)
    assert response.status_code == 403
    assert "can only be sent from a page on this site" in response.content.decode()
    assert not PageFeedback.objects.exists() and not Story.objects.exists()


def test_posts_from_our_own_pages_are_taken(client, story_topic):
    same = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    assert vote(client, headers=same).status_code == 302
    assert share(client, headers=same).status_code == 302
    assert PageFeedback.objects.count() == 1 and Story.objects.count() == 1


def test_honeypot_keeps_nothing_but_looks_the_same(client, story_topic):
    assert (
        client.post(
            "/feedback/", {"topic": "insr-gene", "persona": "patient", "helpful": "no", "website": "http://spam"}
        ).status_code
        == 302
    )
    assert share(client, website="http://spam").status_code == 302
    assert not PageFeedback.objects.exists() and not Story.objects.exists()


def test_stories_are_limited_per_visitor_without_storing_addresses(client, story_topic):
    for n in range(STORIES_PER_HOUR):
        assert share(client, text=f"Story number {n}.").status_code == 302
    response = share(client, text="One story too many, kept on the form.")
    assert response.status_code == 429
    html = response.content.decode()
    assert "One story too many, kept on the form." in html
    assert "in the last hour" in html
    assert Story.objects.count() == STORIES_PER_HOUR
    for hit in RateLimitHit.objects.all():
        assert "127.0.0.1" not in hit.visitor and len(hit.visitor) == 64
    # Another visitor is not affected.
    other = client.post(SHARE, {"prompt": "Describe your experience", "text": "Hi"}, REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 302


def test_feedback_answers_are_limited_too(client, insr_topic, settings):
    for _ in range(30):
        vote(client)
    assert vote(client).status_code == 429
    assert "try again later" in vote(client, headers=HTMX).content.decode()
    assert PageFeedback.objects.count() == 30


def test_address_behind_proxies_is_the_one_the_router_added(rf, settings):
    # DJANGO_PROXY_COUNT, as settings.PROXY_COUNT: the one setting the sign-in lockout reads too.
    settings.PROXY_COUNT = 1
    request = rf.post("/", HTTP_X_FORWARDED_FOR="1.1.1.1, 2.2.2.2", REMOTE_ADDR="10.0.0.1")
    assert guards.client_address(request) == "2.2.2.2" == client_ip(request)
    settings.PROXY_COUNT = 0
    assert guards.client_address(request) == "10.0.0.1" == client_ip(request)


def test_behind_a_router_each_visitor_has_their_own_limit(client, story_topic, settings):
    settings.PROXY_COUNT = 1
    for n in range(STORIES_PER_HOUR):
        response = client.post(
            SHARE, {"prompt": "Describe your experience", "text": f"Story {n}."}, REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 203.0.113.5",
        )  # fmt: skip
        assert response.status_code == 302
    # The same visitor, whatever they put in front: refused. Another visitor through the same router: taken.
    data = {"prompt": "Describe your experience", "text": "More."}
    assert client.post(SHARE, data, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
    assert client.post(SHARE, data, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.9").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_stories_sent_at_once_never_pass_the_limit(story_topic):
    """Twenty posts at the same moment from one address: exactly the limit is taken."""
    posts = 20
    barrier = threading.Barrier(posts)
    statuses = []

    def post(n: int) -> None:
        try:
            barrier.wait()
            response = Client().post(SHARE, {"prompt": "Describe your experience", "text": f"At once {n}."})
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [302] * STORIES_PER_HOUR + [429] * (posts - STORIES_PER_HOUR)
    assert Story.objects.count() == STORIES_PER_HOUR
    assert RateLimitHit.objects.filter(bucket="story").count() == STORIES_PER_HOUR


def test_nothing_a_visitor_types_is_logged(client, story_topic, caplog):
    secret = "my-secret-words-xyz"
    with caplog.at_level(logging.DEBUG):
        vote(client)
        client.post("/feedback/comment/", {"token": latest_comment_token(), "comment": secret})
        share(client, text=secret)
        share(client, text=secret * 200)  # refused: too long
        client.post("/feedback/", {"topic": secret, "persona": secret, "helpful": secret})
    assert secret not in caplog.text


# Readers' experiences ----------------------------------------------------------------------


def test_share_page_has_the_form_with_the_default_prompts_and_privacy_advice(client, story_topic):
    response = client.get(SHARE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-story" in html
    assert "Describe your experience" in html and "What changes to your diet have helped?" in html
    assert "do not include personal or medical details" in html
    assert "csrfmiddlewaretoken" not in html and not response.cookies
    assert 'href="/about/privacy/"' in html


def test_topic_prompts_replace_the_default_ones(client, story_topic):
    StoryPrompt.objects.create(topic=story_topic, text="How did you learn about the INSR gene?")
    html = client.get(SHARE).content.decode()
    assert "How did you learn about the INSR gene?" in html
    assert "Describe your experience" not in html
    assert share(client, prompt="Describe your experience").status_code == 400
    assert share(client, prompt="How did you learn about the INSR gene?").status_code == 302


def test_a_story_waits_for_a_moderator(client, story_topic):
    client.get(PAGE)  # cached
    response = share(client)
    assert response.status_code == 302 and response["Location"].startswith(SHARE + "?sent=")
    thanks = client.get(response["Location"])
    assert "Thank you for sharing your experience" in thanks.content.decode()
    story = Story.objects.get()
    assert story.status == Story.Status.PENDING
    assert (story.topic.slug, story.persona.slug, story.name) == ("insr-gene", "patient", "Sam")
    assert "Walking after dinner" not in client.get(PAGE).content.decode()


def test_only_the_sender_is_thanked_and_gets_no_form_to_send_again(client, story_topic):
    # Anyone can type ?sent=1: it is no thank-you, and it cannot put one in the cache for others.
    for junk in ("1", "", "WyJpbnNyLWdlbmUiLCJwYXRpZW50Il0:1xaZLl:forged"):
        html = client.get(SHARE, {"sent": junk}).content.decode()
        assert "Thank you for sharing" not in html and 'id="story-form"' in html
    location = share(client)["Location"]
    thanks = client.get(location)
    html = thanks.content.decode()
    assert "Thank you for sharing your experience" in html
    assert "<textarea" not in html and "Send for moderation" not in html
    assert "no-store" in thanks["Cache-Control"] and "private" in thanks["Cache-Control"]
    assert "Thank you for sharing your experience" in client.get(location).content.decode()  # a reload
    # Everyone else still gets the form, and so does the sender's token on another page.
    other = Client().get(SHARE).content.decode()
    assert "Thank you for sharing" not in other and "Send for moderation" in other
    caregiver = location.replace("/patient/", "/caregiver/")
    assert "Send for moderation" in client.get(caregiver).content.decode()


def test_story_with_htmx_thanks_in_place(client, story_topic):
    response = share(client, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thank you for sharing your experience" in html and "<html" not in html


def test_approving_shows_the_story_at_once_newest_approved_first(client, story_topic, django_user_model):
    moderator = django_user_model.objects.create_user("mod", password="a-long-test-password")
    older = Story.objects.create(
        topic=story_topic, persona=Persona.objects.get(slug="patient"), prompt="Q", text="First"
    )
    newer = Story.objects.create(
        topic=story_topic, persona=Persona.objects.get(slug="caregiver"), prompt="Q", text="Second"
    )
    assert "First" not in client.get(PAGE).content.decode()  # cached without it
    version = SiteVersion.current()
    newer.moderate(Story.Status.APPROVED, by=moderator)
    older.moderate(Story.Status.APPROVED, by=moderator)
    assert SiteVersion.current() > version
    html = client.get(PAGE).content.decode()
    assert html.index("First") < html.index("Second")  # approved last, shown first
    assert "not medical advice" in html
    assert "A reader, <time" in html
    assert older.created.strftime("%B %Y") in html
    # Shown on the caregiver page too, never on the professional page.
    assert "Second" in client.get("/topics/insr-gene/caregiver/").content.decode()
    assert "Second" not in client.get("/topics/insr-gene/professional/").content.decode()
    newer.moderate(Story.Status.REJECTED, by=moderator)
    assert "Second" not in client.get(PAGE).content.decode()


def test_visitor_markup_is_shown_as_text(client, story_topic):
    share(client, text="<script>alert(1)</script><img src=x onerror=alert(1)> **bold**", name="<b>Al</b>")
    Story.objects.get().moderate(Story.Status.APPROVED, by=None)
    html = client.get(PAGE).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html and "<img src=x" not in html and "<b>Al</b>" not in html
    assert "**bold**" in html


def test_contact_details_are_masked_and_held(client, story_topic):
    share(client, text="Write to jo.bloggs@example.com or call 0161 496 0123. I was 45.", name="jo@example.com")
    story = Story.objects.get()
    assert "example.com" not in story.text and "496" not in story.text
    assert story.text.count("[hidden]") == 2 and "I was 45." in story.text
    assert story.name == "[hidden]"
    assert story.contact_details_masked and story.status == Story.Status.PENDING


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Mail jo@example.org", "Mail [hidden]"),
        ("Mail jo (at) example . org", "Mail [hidden]"),
        ("Call +44 20 7946 0958 or (555) 123-4567.", "Call [hidden] or [hidden]."),
        ("From 2019-2021 and 1998 – 2004 I ate less sugar.", None),
        ("My A1c went from 6.1 to 5.7; I lost 10 lb in 12 weeks.", None),
        ("Write to john at example dot com.", "Write to [hidden]."),
        ("Write to john at example.com please", "Write to [hidden] please"),
        ("Mail jo＠example．org now", "Mail [hidden] now"),
        ("Mail jo＠example.org now", "Mail [hidden] now"),
        ("Call 555–123–4567 or 555—123—4567.", "Call [hidden] or [hidden]."),
        ("We met at lunch. Then I was diagnosed at age 45.", None),
        # A sentence run into the next is not an address; an address in capitals still is.
        ("We met at lunch.Then I was at home.Now I walk.", None),
        ("WRITE TO JOHN AT EXAMPLE.COM", "WRITE TO [hidden]"),
        ("Write to jo at mail.example.co.uk today", "Write to [hidden] today"),
        ("From 2019–2021 I ate less.", None),
    ],
)
def test_contact_details_are_found_and_years_are_not(text, masked):
    assert guards.mask_contact_details(text) == (masked or text, masked is not None)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"prompt": "A question we never asked"}, "Please choose one of the questions listed."),
        ({"text": ""}, "Please write your experience."),
        ({"text": "x" * 2001}, "2,000 characters or fewer"),
        ({"prompt": ""}, "Please choose the question"),
        ({"name": "n" * 41}, "at most 40 characters"),
    ],
)
def test_story_errors_are_clear_and_keep_the_text(client, story_topic, fields, message):
    data = {"text": "Kept text.", "name": "Kept name"} | fields
    response = share(client, **data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert (data["text"] or "") in html and data["name"] in html
    assert "Skip to main content" in html
    htmx = share(client, headers=HTMX, **data)
    assert htmx.status_code == 200 and message in htmx.content.decode()
    assert not Story.objects.exists()


def test_control_characters_are_dropped_from_stories(client, story_topic):
    assert share(client, text="Null\x00 byte\u202e.").status_code == 302
    assert Story.objects.get().text == "Null byte."


def test_share_page_for_unknown_topic_or_persona_is_404(client, story_topic):
    for url in ["/topics/nope/patient/share/", "/topics/insr-gene/nobody/share/", "/topics/insr-gene/student/share/"]:
        response = client.get(url)
        assert response.status_code == 404
        assert "Skip to main content" in response.content.decode()


# Moderation in admin -----------------------------------------------------------------------


@pytest.fixture
def moderator_client(client, django_user_model, personas):
    user = django_user_model.objects.create_user("moderator", password="a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(user)
    return client


def test_moderators_moderate_and_editors_read_stories(db):
    moderators = set(Group.objects.get(name="Moderators").permissions.values_list("codename", flat=True))
    assert {"view_story", "change_story", "moderate_story", "view_feedbackpage", "change_storyprompt"} <= moderators
    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    assert {"view_story", "view_feedbackpage", "change_storyprompt"} <= editors
    assert not {"change_story", "delete_story", "moderate_story"} & editors


def test_default_prompts_are_editable_rows(db):
    assert list(StoryPrompt.objects.filter(topic=None).values_list("text", flat=True)) == [
        "Describe your experience",
        "What changes to your diet have helped?",
    ]


def test_moderation_queue_lists_pending_first_and_approves(moderator_client, story_topic):
    patient = Persona.objects.get(slug="patient")
    approved = Story.objects.create(topic=story_topic, persona=patient, prompt="Q", text="Old approved one")
    approved.moderate(Story.Status.APPROVED, by=None)
    pending = Story.objects.create(topic=story_topic, persona=patient, prompt="Q", text="Waiting one")
    html = moderator_client.get("/admin/feedback/story/").content.decode()
    assert html.index("Waiting one") < html.index("Old approved one")
    moderator_client.get(PAGE)
    response = moderator_client.post(
        "/admin/feedback/story/", {"action": "approve", "_selected_action": [pending.pk]}, follow=True
    )
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == Story.Status.APPROVED and pending.moderated_by.username == "moderator"
    moderator_client.logout()
    assert "Waiting one" in moderator_client.get(PAGE).content.decode()


def test_moderator_can_edit_and_reject_in_the_form(moderator_client, story_topic):
    story = Story.objects.create(
        topic=story_topic, persona=Persona.objects.get(slug="patient"), prompt="Q", text="Text with Dr Smith."
    )
    url = f"/admin/feedback/story/{story.pk}/change/"
    assert moderator_client.get(url).status_code == 200
    response = moderator_client.post(
        url, {"name": "", "text": "Text with [hidden].", "status": "rejected", "moderation_note": "Names a doctor."}
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.status == "rejected" and story.moderated_at and story.text == "Text with [hidden]."


def test_feedback_summary_puts_the_worst_pages_first_and_exports_csv(moderator_client, story_topic, make_variant):
    patient, caregiver = Persona.objects.get(slug="patient"), Persona.objects.get(slug="caregiver")
    good = FeedbackPage.objects.create(topic=story_topic, persona=caregiver)
    bad = FeedbackPage.objects.create(topic=story_topic, persona=patient)
    for helpful in (True, True, True, False):
        PageFeedback.objects.create(page=good, helpful=helpful)
    PageFeedback.objects.create(page=bad, helpful=False, comment="=HYPERLINK(1) too hard")
    PageFeedback.objects.create(page=bad, helpful=True)
    html = moderator_client.get("/admin/feedback/feedbackpage/").content.decode()
    assert "50%" in html and "25%" in html
    assert html.index("Patient") < html.index("Parent or caregiver")
    ascending = moderator_client.get("/admin/feedback/feedbackpage/?o=5").content.decode()
    assert ascending.index("25%") < ascending.index("50%")
    response = moderator_client.post(
        "/admin/feedback/feedbackpage/", {"action": "export_csv", "_selected_action": [good.pk, bad.pk]}
    )
    assert response["Content-Type"].startswith("text/csv")
    csv_text = response.content.decode()
    assert "insr-gene,patient,1,1,0.500" in csv_text
    assert "'=HYPERLINK(1) too hard" in csv_text
    detail = moderator_client.get(f"/admin/feedback/feedbackpage/{bad.pk}/change/").content.decode()
    assert "=HYPERLINK(1) too hard" in detail


def test_answers_export_as_csv(moderator_client, story_topic):
    page = FeedbackPage.objects.create(topic=story_topic, persona=Persona.objects.get(slug="patient"))
    answer = PageFeedback.objects.create(page=page, helpful=False, comment="+1 confusing")
    response = moderator_client.post(
        "/admin/feedback/pagefeedback/", {"action": "export_csv", "_selected_action": [answer.pk]}
    )
    assert "insr-gene,patient,no,'+1 confusing" in response.content.decode()


# Privacy -----------------------------------------------------------------------------------


def test_privacy_page_says_what_is_kept_and_is_linked_from_every_footer(client, insr_topic):
    import_content()  # the privacy page is an about page, shipped as content (tests/test_about.py)
    html = client.get("/about/privacy/").content.decode()
    for words in ["persona", "localStorage", "365 days", "30 days", "Readers' experiences", "risk test"]:
        assert words in html
    for url in ["/", PAGE, "/glossary/"]:
        assert 'href="/about/privacy/"' in client.get(url).content.decode()


def test_expired_visitor_data_is_deleted(story_topic):
    patient = Persona.objects.get(slug="patient")
    page = FeedbackPage.objects.create(topic=story_topic, persona=patient)
    old = timezone.now() - timedelta(days=400)
    PageFeedback.objects.create(page=page, helpful=True, created=old)
    rejected = Story.objects.create(topic=story_topic, persona=patient, prompt="Q", text="t", status="rejected")
    Story.objects.filter(pk=rejected.pk).update(moderated_at=old)
    Story.objects.create(topic=story_topic, persona=patient, prompt="Q", text="t", created=old)
    kept = Story.objects.create(topic=story_topic, persona=patient, prompt="Q", text="kept", status="approved")
    RateLimitHit.objects.create(bucket="story", visitor="x", created=timezone.now() - timedelta(hours=2))
    purge_expired()
    assert not PageFeedback.objects.exists() and not FeedbackPage.objects.exists()
    assert list(Story.objects.all()) == [kept]
    assert not RateLimitHit.objects.exists()


def test_purge_command_reports_what_it_deleted(story_topic):
    from io import StringIO

    from django.core.management import call_command

    RateLimitHit.objects.create(bucket="story", visitor="x", created=timezone.now() - timedelta(hours=2))
    out = StringIO()
    call_command("purge_visitor_data", stdout=out)
    assert "rate limit entries: 1 deleted" in out.getvalue()


# A reader's words under their name -------------------------------------------------------------


@pytest.fixture
def approved_story(story_topic):
    story = Story.objects.create(
        topic=story_topic,
        persona=Persona.objects.get(slug="patient"),
        prompt="Describe your experience",
        name="Sam",
        text="Walking after dinner helped me. Dr Smith suggested it.",
    )
    story.moderate(Story.Status.APPROVED, by=None)
    return story


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def moderator(django_user_model, personas):
    user = django_user_model.objects.create_user("moderator", password="a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_superuser("operator", "op@example.org", "a-long-test-password")


REWRITE = {
    "name": "Sam",
    "text": "Walking cured my diabetes, so I stopped my tablets.",
    "status": "approved",
    "moderation_note": "",
}


def change_url(story: Story) -> str:
    return f"/admin/feedback/story/{story.pk}/change/"


@pytest.mark.parametrize("who", ["moderator", "operator"])
def test_nobody_rewrites_an_approved_story(client, approved_story, who, request):
    login(client, request.getfixturevalue(who))
    html = client.get(change_url(approved_story)).content.decode()
    assert 'name="text"' not in html and 'name="name"' not in html and 'name="hide"' in html
    for crafted in (REWRITE, REWRITE | {"text": approved_story.text, "name": "Dr Smith"}):
        response = client.post(change_url(approved_story), crafted)
        assert response.status_code == 200
        assert "are the reader&#x27;s words and cannot be changed" in response.content.decode()
    approved_story.refresh_from_db()
    assert approved_story.name == "Sam"
    assert approved_story.text == "Walking after dinner helped me. Dr Smith suggested it."
    assert "cured my diabetes" not in client.get(PAGE).content.decode()


def test_editors_cannot_change_stories_at_all(client, approved_story, editor):
    pending = Story.objects.create(
        topic=approved_story.topic, persona=approved_story.persona, prompt="Q", text="Waiting for a moderator."
    )
    login(client, editor)
    assert client.get("/admin/feedback/story/").status_code == 200  # they read them
    assert client.post(change_url(approved_story), REWRITE).status_code == 403
    assert client.post(change_url(pending), REWRITE | {"status": "approved"}).status_code == 403
    for action in ("approve", "reject", "take_down", "delete_selected"):
        client.post("/admin/feedback/story/", {"action": action, "_selected_action": [pending.pk, approved_story.pk]})
    assert client.post(f"/admin/feedback/story/{pending.pk}/delete/", {"post": "yes"}).status_code == 403
    approved_story.refresh_from_db()
    pending.refresh_from_db()
    assert approved_story.status == Story.Status.APPROVED and approved_story.text.startswith("Walking after dinner")
    assert pending.status == Story.Status.PENDING and pending.text == "Waiting for a moderator."


def test_a_moderator_masks_an_approved_story_and_it_shows_at_once(client, approved_story, moderator):
    assert "Dr Smith suggested it" in client.get(PAGE).content.decode()
    login(client, moderator)
    data = {"status": "approved", "moderation_note": "Names a doctor.", "hide": "Dr Smith\nSam"}
    response = client.post(change_url(approved_story), data)
    assert response.status_code == 302
    approved_story.refresh_from_db()
    assert approved_story.text == "Walking after dinner helped me. [hidden] suggested it."
    assert approved_story.name == "[hidden]" and approved_story.status == Story.Status.APPROVED
    assert approved_story.moderated_by == moderator
    client.logout()
    html = client.get(PAGE).content.decode()
    assert "[hidden] suggested it" in html and "Dr Smith" not in html


def test_words_to_hide_must_be_in_the_story(client, approved_story, moderator):
    login(client, moderator)
    response = client.post(change_url(approved_story), {"status": "approved", "hide": "Dr Jones"})
    assert response.status_code == 200 and "nothing was hidden: Dr Jones" in response.content.decode()
    approved_story.refresh_from_db()
    assert "Dr Smith" in approved_story.text


def test_a_waiting_story_can_be_masked_but_not_rewritten(client, story_topic, moderator):
    patient = Persona.objects.get(slug="patient")
    story = Story.objects.create(topic=story_topic, persona=patient, prompt="Q", name="Sam", text="I take my tablets.")
    login(client, moderator)
    response = client.post(change_url(story), {"name": "Sam", "text": "I stopped my tablets.", "status": "approved"})
    assert response.status_code == 200 and "change nothing else" in response.content.decode()
    story.refresh_from_db()
    assert story.text == "I take my tablets." and story.status == Story.Status.PENDING
    response = client.post(change_url(story), {"name": "", "text": "I take my [hidden].", "status": "approved"})
    assert response.status_code == 302
    story.refresh_from_db()
    assert (story.name, story.text, story.status) == ("", "I take my [hidden].", Story.Status.APPROVED)


def test_a_story_taken_down_leaves_the_page(client, approved_story, moderator):
    assert "Walking after dinner" in client.get(PAGE).content.decode()
    login(client, moderator)
    client.post("/admin/feedback/story/", {"action": "take_down", "_selected_action": [approved_story.pk]})
    approved_story.refresh_from_db()
    assert approved_story.status == Story.Status.PENDING
    client.logout()
    assert "Walking after dinner" not in client.get(PAGE).content.decode()


def test_the_model_refuses_a_rewrite_whatever_the_path(approved_story):
    from django.core.exceptions import ValidationError

    approved_story.text = "Walking cured my diabetes."
    with pytest.raises(ValidationError, match="reader's words"):
        approved_story.save()
    approved_story.refresh_from_db()
    approved_story.name = "Dr Smith"
    with pytest.raises(ValidationError, match="never changed"):
        approved_story.moderate(Story.Status.APPROVED, by=None)
    assert Story.objects.get(pk=approved_story.pk).name == "Sam"


@pytest.mark.parametrize(
    ("before", "after", "masked"),
    [
        ("Call Dr Smith.", "Call [hidden].", True),
        ("Call Dr Smith.", "Call Dr Smith.", True),
        ("a b", "[hidden]", True),
        ("Call 0161 now or 0161 later", "Call [hidden] now or [hidden] later", True),
        ("I take my tablets.", "I stopped my tablets.", False),
        ("I take my tablets.", "I [hidden] take my tablets.", False),  # [hidden] must stand for something
        ("ab", "a[hidden]b", False),
        ("", "[hidden]", False),
        ("I take them.", "I take them. Cured!", False),
    ],
)
def test_masking_only_ever_replaces_stretches_with_hidden(before, after, masked):
    from feedback.models import is_masking

    assert is_masking(before, after) is masked
