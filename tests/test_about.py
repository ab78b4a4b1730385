"""The publisher explains itself: /about/ pages, shipped as content and reviewed like every page."""

import datetime
import re
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from feedback import models as feedback_models
from feedback import views as feedback_views
from tests.test_content import NOTES_TO_OURSELVES
from tests.test_workflow import change_url, form_data
from topics import workflow
from topics.content_files import CONTENT_DIR, ContentError, read_document
from topics.exporting import export_content
from topics.importing import import_content
from topics.models import Persona, Topic, Variant
from topics.readability import prose_text
from topics.search import search

ABOUT_PAGES = {
    "/about/": "about",
    "/about/editorial-policy/": "about-editorial-policy",
    "/about/accessibility/": "about-accessibility",
    "/about/privacy/": "about-privacy",
}
PRIVACY_FILE = CONTENT_DIR / "topics/about-privacy/patient.md"


@pytest.fixture
def shipped(shipped_content, db):
    """The shipped content (loaded once for this module; each test's changes roll back)."""


def footer_of(html: str) -> str:
    return re.search(r'<footer class="site-footer">.*?</footer>', html, re.S).group(0)


def test_about_pages_are_served_with_their_heading_and_trust_panel(shipped, client):
    for url, slug in ABOUT_PAGES.items():
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        variant = Variant.objects.published().get(topic__slug=slug)
        assert f'<h1 id="page-title">{variant.live_title}</h1>' in html, url
        assert 'data-review-status="not-reviewed"' in html, url
        assert f'<link rel="canonical" href="http://testserver{url}">' in html, url
        assert variant.get_absolute_url() == url


def test_every_page_footer_links_to_all_four_about_pages(shipped, client):
    pages = ["/", "/topics/", "/topics/insr-gene/caregiver/", "/glossary/", "/glossary/insulin/", "/search/?q=insulin"]
    pages += ["/risk-test/", "/topics/insulin-resistance/patient/share/", "/no-such-page/", *ABOUT_PAGES]
    for url in pages:
        footer = footer_of(client.get(url).content.decode())
        for about in ABOUT_PAGES:
            assert f'href="{about}"' in footer, (url, about)
        assert 'href="/risk-test/"' in footer, url


@pytest.mark.parametrize(
    "url",
    ["/topics/about-privacy/patient/", "/topics/about/patient/", "/topics/about-privacy/", "/topics/about/",
     "/topics/about-editorial-policy/student/", "/about/no-such-page/", "/about/insr-gene/", "/about/about/"],
)  # fmt: skip
def test_about_topics_are_not_topic_pages_and_topics_are_not_about_pages(shipped, client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert '<footer class="site-footer">' in response.content.decode()  # the site's layout


def test_about_pages_are_kept_out_of_listings_search_and_neighbours(shipped, client):
    assert not Topic.objects.published().filter(kind=Topic.Kind.ABOUT).exists()
    for url in ["/", "/topics/", "/topics/insr-gene/patient/", "/topics/genetic-testing-and-counselling/patient/"]:
        html = client.get(url).content.decode()
        main = re.search(r"<main.*?</main>", html, re.S).group(0)
        assert "/about/" not in main.replace('href="/about/editorial-policy/"', ""), url
        assert "About this site" not in main, url
    patient = Persona.objects.get(slug="patient")
    for query in ["privacy", "cookie", "editorial policy", "accessibility", "advertising sponsors", "About this site"]:
        assert all(hit.topic.kind != Topic.Kind.ABOUT for hit in search(query, patient).hits), query
        results = client.get("/search/", {"q": query, "persona": "patient"}).content.decode()
        section = re.search(r'<section id="results".*?</main>', results, re.S).group(0)
        assert "/about/" not in section, query


def test_editors_change_to_an_about_page_is_live_only_once_a_reviewer_publishes_it(
    shipped, client, editor, reviewer_user
):
    variant = Variant.objects.get(topic__slug="about-privacy")
    client.force_login(editor)
    body = variant.body + "\n\nA new plain sentence about cookies."
    assert client.post(change_url(variant), form_data(variant, body=body)).status_code == 302
    variant.refresh_from_db()
    workflow.submit(variant, by=editor, expected_revision=variant.revision)
    with pytest.raises(PermissionDenied):
        workflow.publish(variant, by=editor)
    # Staff can preview the working text at the public address; nobody else sees it.
    preview = client.get("/about/privacy/?preview=1")
    assert "A new plain sentence about cookies." in preview.content.decode()
    assert "Preview, not published." in preview.content.decode()
    assert preview["X-Robots-Tag"] == "noindex, nofollow"
    client.logout()
    public = client.get("/about/privacy/?preview=1").content.decode()
    assert "A new plain sentence about cookies." not in public
    assert 'data-review-status="in-review"' in public

    variant.refresh_from_db()
    workflow.publish(variant, by=reviewer_user, expected_revision=variant.revision)
    html = client.get("/about/privacy/").content.decode()
    assert "A new plain sentence about cookies." in html
    assert 'data-review-status="reviewed"' in html and "Reviewed by Rita Example, MD, endocrinologist on" in html


def test_publishing_an_about_page_shows_at_once_on_a_cached_page(
    shipped, client, editor, reviewer_user, django_assert_num_queries
):
    assert client.get("/about/").status_code == 200
    with django_assert_num_queries(1):  # served from the page cache: only the content version is read
        assert client.get("/about/").status_code == 200
    variant = Variant.objects.get(topic__slug="about")
    variant.body += "\n\nWords added by an editor."
    workflow.save_draft(variant, by=editor)
    assert "Words added by an editor." not in client.get("/about/").content.decode()  # not live yet
    workflow.publish(variant, by=reviewer_user, expected_revision=variant.revision)
    assert "Words added by an editor." in client.get("/about/").content.decode()


def test_about_pages_read_at_the_patient_grade_and_hold_no_notes_to_ourselves(shipped):
    patient = Persona.objects.get(slug="patient")
    about = Variant.objects.about_pages().published().select_related("topic", "persona")
    assert {v.topic.slug for v in about} == set(ABOUT_PAGES.values())
    for variant in about:
        assert variant.persona == patient, str(variant)
        assert variant.live_reading_grade <= patient.max_grade, (str(variant), variant.live_reading_grade)
        assert NOTES_TO_OURSELVES.search(prose_text(variant.live_html)) is None, str(variant)
        assert variant.reviewer is None  # nobody has reviewed them: they say so


def test_about_pages_promise_no_advertising_and_invent_no_contact_details(shipped):
    bodies = {v.topic.slug: v.live_body for v in Variant.objects.about_pages()}
    assert "no ads and no sponsors" in bodies["about"] and "no ads and no sponsors" in bodies["about-editorial-policy"]
    assert "WCAG" in bodies["about-accessibility"] and "axe-core" in bodies["about-accessibility"]
    assert '"Not yet medically reviewed"' in bodies["about-editorial-policy"]
    for slug, body in bodies.items():
        assert "Was this page helpful?" in body, slug
        assert not re.search(r"[\w.+-]+@[\w-]+\.\w+|\(\d{3}\)|\d{3}-\d{4}", body), slug  # no e-mail or phone


def test_shipped_privacy_text_states_the_retention_the_code_applies():
    """The privacy page is content an editor may change: it must keep saying what the code does."""
    _meta, body = read_document(PRIVACY_FILE)
    text = " ".join(body.split())
    assert f"We delete answers and notes after {feedback_models.FEEDBACK_KEPT_DAYS} days." in text
    assert f"deleted {feedback_models.REJECTED_STORY_KEPT_DAYS} days after they decide" in text
    assert f"within {feedback_models.UNMODERATED_STORY_KEPT_DAYS} days are deleted" in text
    # Every number of days the page states is one the code applies: none left over from an old rule.
    stated = {int(days) for days in re.findall(r"(\d+) days", text)}
    assert stated == {
        feedback_models.FEEDBACK_KEPT_DAYS,
        feedback_models.REJECTED_STORY_KEPT_DAYS,
        feedback_models.UNMODERATED_STORY_KEPT_DAYS,
    }
    hours = {1: "one hour"}[feedback_models.RATE_LIMIT_WINDOW // datetime.timedelta(hours=1)]
    assert feedback_models.RATE_LIMIT_WINDOW == datetime.timedelta(hours=1)
    assert f"a secret key, for {hours}." in text
    assert f"for example {feedback_views.STORIES_PER_HOUR} stories an hour" in text
    assert settings.PERSONA_COOKIE_AGE == 365 * 24 * 60 * 60 and "it lasts a year" in text


def test_privacy_page_says_what_is_kept(shipped, client):
    html = client.get("/about/privacy/").content.decode()
    for words in ["persona", "localStorage", "365 days", "30 days", "90 days", "Readers' experiences", "risk test"]:
        assert words in html, words


# Content files ------------------------------------------------------------------------------------


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


def about_tree(root: Path, slug: str = "about-contact", updated: str = '"2020-05-04"') -> Path:
    write(
        root / f"topics/{slug}/topic.md",
        """
        ---
        title: "Contact"
        kind: about
        summary: "How to reach us."
        other_names: []
        related: []
        order: 4
        ---
        """,
    )
    write(
        root / f"topics/{slug}/patient.md",
        f"""
        ---
        title: "Contact us"
        summary: "How to tell us about a mistake on a page."
        status: published
        updated: {updated}
        ---

        Use the form at the end of any topic page.
        """,
    )
    return root


def test_written_date_goes_from_the_file_to_the_page_and_back_byte_for_byte(personas, client, tmp_path):
    import_content(about_tree(tmp_path / "in"))
    variant = Variant.objects.get(topic__slug="about-contact")
    assert variant.written_on == datetime.date(2020, 5, 4)
    html = client.get("/about/contact/").content.decode()
    assert '<dt>Written or updated:</dt> <dd><time datetime="2020-05-04">4 May 2020</time></dd>' in html
    export_content(tmp_path / "out")
    for name in ["topics/about-contact/topic.md", "topics/about-contact/patient.md"]:
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "in" / name).read_bytes(), name
    assert import_content(tmp_path / "out").updated == []


def test_a_bare_date_is_read_too_and_written_back_quoted(personas, tmp_path):
    import_content(about_tree(tmp_path / "in", updated="2020-05-04"))
    assert Variant.objects.get(topic__slug="about-contact").written_on == datetime.date(2020, 5, 4)
    export_content(tmp_path / "out")
    assert 'updated: "2020-05-04"\n' in (tmp_path / "out/topics/about-contact/patient.md").read_text()


@pytest.mark.parametrize(
    ("slug", "updated", "message"),
    [
        ("contact", '"2020-05-04"', "an about page's folder is about or about-<page>"),
        ("about-contact", '"last spring"', "updated must be a date"),
    ],
)
def test_a_bad_about_file_names_the_file_and_changes_nothing(personas, tmp_path, slug, updated, message):
    before = list(Topic.objects.values_list("slug", "title"))
    with pytest.raises(ContentError, match=re.escape(message)) as error:
        import_content(about_tree(tmp_path, slug=slug, updated=updated))
    assert slug in str(error.value)
    assert list(Topic.objects.values_list("slug", "title")) == before


def test_a_date_on_a_page_that_is_not_published_is_an_error(personas, tmp_path):
    root = about_tree(tmp_path)
    path = root / "topics/about-contact/patient.md"
    path.write_text(path.read_text().replace("status: published", "status: draft"))
    with pytest.raises(ContentError, match="this page is not published"):
        import_content(root)


def test_an_about_topic_made_in_admin_needs_an_about_slug(db):
    topic = Topic(slug="contact", title="Contact", kind=Topic.Kind.ABOUT, summary="How to reach us.")
    with pytest.raises(ValidationError, match="about-"):
        topic.full_clean()
    Topic(slug="about-contact", title="Contact", kind=Topic.Kind.ABOUT, summary="How to reach us.").full_clean()


def test_rows_loaded_before_pages_carried_a_date_get_it_at_the_next_load(shipped):
    """An existing deploy: its rows were fingerprinted without the date, and are not taken for an editor's."""
    from topics.content_files import VariantRecord

    for variant in Variant.objects.prefetch_related("review_events"):
        Variant.objects.filter(pk=variant.pk).update(written_on=None)
        variant.written_on = None
        Variant.objects.filter(pk=variant.pk).update(imported_hash=VariantRecord.from_variant(variant).fingerprint())
    report = import_content()
    assert report.kept == []
    assert len(report.updated) == Variant.objects.count()
    assert not Variant.objects.published().filter(written_on__isnull=True).exists()
    assert import_content().updated == []
