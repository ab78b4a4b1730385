"""The trust panel under every page's title: review status in words, the three steps, the real dates."""

import datetime
import json
import re

import pytest
from django.utils import timezone

from tests.test_export import Clock
from topics import workflow
from topics.content_files import CONTENT_DIR, read_document
from topics.importing import import_content
from topics.models import Topic, Variant
from topics.trust import trust_panel

# A day no shipped file is dated: the release "loads" the content on it.
IMPORT_DAY = datetime.datetime(2030, 1, 15, 9, 0, tzinfo=datetime.UTC)


def panel_of(html: str) -> str:
    match = re.search(r'<details class="trust-panel" data-review-status="[^"]+">.*?\n</details>', html, re.S)
    assert match, "no trust panel"
    return match.group(0)


def steps_of(panel: str) -> list[tuple[str, str, bool]]:
    """(step, state in words, is the current step) for each of the three steps."""
    items = re.findall(r'<li data-state="([^"]+)"( aria-current="step")?>([^:<]+)<span>: ([^<]+)</span></li>', panel)
    assert all(state == words for state, _current, _name, words in items)  # the state is said in words
    return [(name, words, bool(current)) for _state, current, name, words in items]


def json_ld(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def day(value: datetime.date) -> str:
    return f'<time datetime="{value:%Y-%m-%d}">{value.day} {value:%B %Y}</time>'


@pytest.fixture
def loaded_on_another_day(db, monkeypatch):
    """The shipped content, loaded by the release on IMPORT_DAY (later than any file's date)."""
    clock = Clock(monkeypatch)
    clock.at(IMPORT_DAY)
    import_content()
    return clock


def test_every_shipped_page_has_the_panel_with_its_files_date_never_the_import_day(loaded_on_another_day, client):
    pages = Variant.objects.published().select_related("topic", "persona")
    assert pages.count() >= 88
    for variant in pages:
        path = CONTENT_DIR / "topics" / variant.topic.slug / f"{variant.persona.slug}.md"
        written = datetime.date.fromisoformat(read_document(path)[0]["updated"])
        assert written < IMPORT_DAY.date()
        html = client.get(variant.get_absolute_url()).content.decode()
        panel = panel_of(html)
        url = variant.get_absolute_url()
        assert 'data-review-status="not-reviewed"' in panel, url
        # The h1 first, the panel right after it.
        assert html.index('id="page-title"') < html.index("trust-panel") < html.index('class="prose"'), url
        if variant.topic.kind == Topic.Kind.ABOUT:
            assert "Not yet reviewed" in panel, url
        else:
            assert "Not yet medically reviewed: written from the sources listed below" in panel, url
        assert f"<dt>Written or updated:</dt> <dd>{day(written)}</dd>" in panel, url
        assert "<dt>Last reviewed:</dt> <dd>Not yet</dd>" in panel, url
        assert "15 January 2030" not in html and "2030-01-15" not in html, url
        assert 'href="/about/editorial-policy/"' in panel, url
        # Shipped content was published by the release, never reviewed: it waits at "Submitted".
        assert steps_of(panel) == [
            ("Submitted", "done", True),
            ("Under review", "not yet", False),
            ("Approved", "not yet", False),
        ], url
        if variant.topic.kind != Topic.Kind.ABOUT:
            data = json_ld(html)
            assert data["dateModified"] == written.isoformat(), url
            assert "lastReviewed" not in data and "reviewedBy" not in data, url


def test_sitemap_dates_pages_by_their_files_not_the_import(loaded_on_another_day, client):
    xml = client.get("/sitemap.xml").content.decode()
    assert "<lastmod>2030-01-15</lastmod>" not in xml
    entry = re.search(r"<loc>http://testserver/topics/insr-gene/patient/</loc><lastmod>([^<]+)</lastmod>", xml)
    written = read_document(CONTENT_DIR / "topics/insr-gene/patient.md")[0]["updated"]
    assert entry and entry.group(1) == written
    for about in ["/about/", "/about/editorial-policy/", "/about/accessibility/", "/about/privacy/"]:
        assert f"<loc>http://testserver{about}</loc>" in xml
    assert "/topics/about" not in xml


def test_reviewed_page_shows_reviewer_credentials_dates_and_next_review(
    client, insr_topic, editor, reviewer_user, settings
):
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    variant.body += "\n\nOne more plain sentence."
    workflow.save_draft(variant, by=editor)  # four eyes: the reviewer publishes another's text
    workflow.publish(variant, by=reviewer_user, override_reason="short test text", expected_revision=variant.revision)
    today = timezone.localdate()
    due = today + datetime.timedelta(days=settings.REVIEW_INTERVAL_DAYS)
    html = client.get("/topics/insr-gene/patient/").content.decode()
    panel = panel_of(html)
    assert 'data-review-status="reviewed"' in panel
    assert f"Medically reviewed by Rita Example, MD, endocrinologist on {day(today)}" in panel
    assert "Not yet" not in panel
    assert f"<dt>Written or updated:</dt> <dd>{day(today)}</dd>" in panel
    assert f"<dt>Last reviewed:</dt> <dd>{day(today)}</dd>" in panel
    assert f"<dt>Next review due:</dt> <dd>{day(due)}</dd>" in panel
    assert steps_of(panel) == [
        ("Submitted", "done", False),
        ("Under review", "done", False),
        ("Approved", "done", True),
    ]
    data = json_ld(html)
    assert data["lastReviewed"] == today.isoformat() and data["dateModified"] == today.isoformat()
    assert data["reviewedBy"] == {"@type": "Person", "name": "Rita Example", "jobTitle": "MD, endocrinologist"}


def test_approving_the_same_text_again_keeps_the_day_it_was_written(insr_topic, editor, reviewer_user, monkeypatch):
    clock = Clock(monkeypatch)
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    variant.body += "\n\nNew words."
    workflow.save_draft(variant, by=editor)
    workflow.publish(variant, by=reviewer_user, override_reason="short test text")
    written = variant.written_on
    assert written == clock.now.date()
    clock.later(days=400)  # the yearly review: same text, approved again
    workflow.publish(variant, by=reviewer_user, override_reason="short test text")
    variant.refresh_from_db()
    assert variant.written_on == written and variant.last_reviewed == clock.now.date()


def test_newer_text_in_review_puts_the_page_under_review(client, insr_topic, editor):
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    variant.body += "\n\nA sentence a reviewer has not seen."
    workflow.save_draft(variant, by=editor)
    workflow.submit(variant, by=editor)
    html = client.get("/topics/insr-gene/patient/").content.decode()
    panel = panel_of(html)
    assert 'data-review-status="in-review"' in panel
    assert "Not yet medically reviewed" in panel  # the text shown has still not been reviewed
    assert "A sentence a reviewer has not seen" not in html
    assert steps_of(panel) == [
        ("Submitted", "done", False),
        ("Under review", "now", True),
        ("Approved", "not yet", False),
    ]


def test_approved_page_with_a_newer_text_in_review_says_so(client, insr_topic, editor, reviewer_user):
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    workflow.publish(variant, by=reviewer_user, override_reason="short test text")
    variant.body += "\n\nA later change."
    workflow.save_draft(variant, by=editor)
    workflow.submit(variant, by=editor)
    panel = panel_of(client.get("/topics/insr-gene/patient/").content.decode())
    assert 'data-review-status="reviewed"' in panel and "Medically reviewed by Rita Example" in panel
    assert "A newer version of this page is with a reviewer now." in panel


def test_a_draft_in_preview_has_done_no_step(insr_topic, make_variant):
    draft = make_variant(insr_topic, "student", "Not sent yet.", status="draft")
    panel = trust_panel(draft, draft.working_revision(), preview=True)
    assert panel.status == "draft" and not panel.reviewed
    assert [(step.state, step.current) for step in panel.steps] == [("not yet", False)] * 3
    assert panel.written == timezone.localdate()
