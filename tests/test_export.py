"""export_content and import_content: a lossless round trip in the files' own format."""

import datetime
import difflib
import filecmp
import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from frontmatter.default_handlers import YAMLHandler
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import restore_default_personas, wipe_content
from topics import caching, workflow
from topics.content_files import (
    CONTENT_DIR,
    ContentError,
    EventRecord,
    Flow,
    Text,
    VariantRecord,
    Word,
    document,
    front_matter,
    quote,
    read_document,
    variant_files,
)
from topics.exporting import export_content
from topics.importing import import_content
from topics.models import Reviewer, ReviewEvent, Topic, Variant

T0 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


class Clock:
    """What "now" is for the code under test.

    A page the release published from a file that holds no review is dated by the load
    itself (the files do not carry it), so a round trip compares pages loaded at the same
    moment; every other date comes from the files and is set to differ from it.
    """

    def __init__(self, monkeypatch) -> None:
        self.now = T0
        monkeypatch.setattr(timezone, "now", lambda: self.now)
        # ReviewEvent.at's default was bound to the real timezone.now when the model loaded.
        monkeypatch.setattr(ReviewEvent._meta.get_field("at"), "_get_default", lambda: self.now)

    def at(self, moment: datetime.datetime) -> None:
        self.now = moment

    def later(self, **delta) -> None:
        self.now += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def files_under(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*.md") if path.name != "README.md")


def public_pages(client) -> dict[str, str]:
    """Every published page's HTML, by address."""
    caching.clear()
    pages = {}
    for variant in Variant.objects.published().select_related("topic", "persona"):
        url = variant.get_absolute_url()
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    return pages


def assert_same_pages(after: dict[str, str], before: dict[str, str]) -> None:
    assert sorted(after) == sorted(before)
    for url, html in before.items():
        diff = difflib.unified_diff(html.splitlines(), after[url].splitlines(), lineterm="", n=1)
        assert after[url] == html, f"{url} differs:\n" + "\n".join(list(diff)[:40])


def assert_same_review_state(after: dict, before: dict) -> None:
    assert sorted(after) == sorted(before)
    for page, fields in before.items():
        for name, value in fields.items():
            assert (page, name, after[page][name]) == (page, name, value)


def review_state() -> dict:
    """Every variant's texts, status, review fields and review record, by page."""
    state = {}
    variants = Variant.objects.select_related("topic", "persona", "reviewer", "submitted_by")
    for v in variants:
        events = [
            (
                e.action,
                e.revision,
                e.at,
                (e.reviewer.name, e.reviewer.credentials) if e.reviewer else e.user and e.user.username,
                e.note,
                e.override_reason,
            )
            for e in v.review_events.select_related("reviewer", "user").order_by("at", "pk")
        ]
        state[f"{v.topic.slug}/{v.persona.slug}"] = {
            "working": (v.title, v.summary, v.body, v.status, v.revision),
            "live": (
                v.live_title,
                v.live_summary,
                v.live_body,
                v.live_html,
                v.live_reading_grade,
                v.published_at,
                v.written_on,
            ),
            "published_revision": v.published_revision,
            "review": (
                (v.reviewer.name, v.reviewer.credentials) if v.reviewer else None,
                v.last_reviewed,
                v.next_review_due,
                v.review_notes,
                v.grade_override_reason,
            ),
            "submitted": (v.submitted_revision, v.submitted_at, v.submitted_by and v.submitted_by.username),
            "events": events,
        }
    return state


# --- the format --------------------------------------------------------------------------------------


def read_back(fields: dict):
    return YAMLHandler().load(front_matter(fields))


@given(st.text())
def test_every_text_reads_back_exactly(text):
    assert read_back({"value": text}) == {"value": text}
    assert "\n" not in quote(text)  # one value, one line: a changed sentence is a one-line diff


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.:TY ", max_size=12))
def test_words_are_bare_only_when_they_read_back_as_text(word):
    assert read_back({"value": Word(word)}) == {"value": word}


@given(
    st.lists(st.text(), max_size=4),
    st.lists(st.text(), max_size=4),
    st.dictionaries(st.sampled_from(["a", "b-c", "d_e"]), st.text() | st.integers(0, 10**6)),
    st.lists(st.dictionaries(st.sampled_from(["action", "note", "revision"]), st.text(), min_size=1), max_size=3),
)
def test_lists_and_mappings_read_back_exactly(block, flow, mapping, steps):
    fields = {"block": block, "flow": Flow(flow), "mapping": mapping or None, "steps": steps, "flag": True}
    expected = {"block": block, "flow": flow, "steps": steps, "flag": True} | ({"mapping": mapping} if mapping else {})
    assert read_back(fields) == expected


@given(title=st.text(), body=st.text(min_size=1))
def test_a_whole_file_reads_back(tmp_path_factory, title, body):
    path = tmp_path_factory.mktemp("doc") / "page.md"
    path.write_bytes(document({"title": title}, body).encode())
    meta, content = read_document(path)
    assert meta == {"title": title}
    from topics.rendering import normalise_text

    assert normalise_text(content) == normalise_text(body)


@given(name=st.text(min_size=1), credentials=st.text(), notes=st.text(), reason=st.text(), note=st.text())
def test_review_fields_read_back_exactly_from_a_page_file(tmp_path_factory, name, credentials, notes, reason, note):
    text = Text("A heading", "A summary.", "Body [@key].")
    record = VariantRecord(
        status="published",
        working=text,
        live=text,
        detailed=True,
        reviewer=(name, credentials),
        last_reviewed=datetime.date(2026, 12, 1),
        next_review_due=datetime.date(2027, 12, 1),
        review_notes=notes,
        override_reason=reason,
        published_at=T0,
        published_revision=3,
        revision=3,
        events=(
            EventRecord("submitted", 3, T0 - datetime.timedelta(microseconds=1), by="edna", note=note),
            EventRecord("approved", 3, T0, reviewer=(name, credentials), note=notes, override_reason=reason),
        ),
    )
    page, draft = variant_files(record)
    assert draft is None
    path = tmp_path_factory.mktemp("page") / "patient.md"
    path.write_bytes(page.encode())
    assert VariantRecord.from_files(path, None) == record


def test_file_layout_matches_the_shipped_files():
    text = document(
        {"title": 'Say "hi"', "kind": Word("gene"), "names": ["A"], "related": [Word("x-y")], "none": [], "order": 2},
        "Body.\r\n\r\nMore.  ",
    )
    assert text == (
        '---\ntitle: "Say \\"hi\\""\nkind: gene\nnames:\n  - "A"\nrelated:\n  - x-y\nnone: []\norder: 2\n---\n'
        "\nBody.\n\nMore.\n"
    )


def test_words_yaml_would_misread_are_quoted():
    assert front_matter({"a": Word("yes"), "b": Word("2024"), "c": Word("null"), "d": Word("2026-12-01")}) == (
        'a: "yes"\nb: "2024"\nc: "null"\nd: "2026-12-01"\n'
    )


# --- shipped content ---------------------------------------------------------------------------------


def test_shipped_content_exports_byte_for_byte(db, tmp_path):
    import_content()
    written, removed = export_content(tmp_path)
    assert removed == 0
    assert files_under(tmp_path) == files_under(CONTENT_DIR)
    assert written == len(files_under(CONTENT_DIR))
    match, mismatch, errors = filecmp.cmpfiles(CONTENT_DIR, tmp_path, files_under(CONTENT_DIR), shallow=False)
    assert mismatch == [] and errors == []
    for name in match:
        data = (tmp_path / name).read_bytes()
        assert b"\r" not in data and data.endswith(b"\n") and not data.endswith(b"\n\n"), name


def test_one_sentence_changed_and_published_is_a_one_line_diff(db, tmp_path, clock):
    import_content()
    clock.at(datetime.datetime(2027, 3, 4, 9, 0, tzinfo=datetime.UTC))
    variant = Variant.objects.get(topic__slug="insr-gene", persona__slug="patient")
    old = "Insulin is a hormone. It is a signal that moves through your blood."
    assert old in variant.body
    variant.body = variant.body.replace(old, "Insulin is a hormone. It is a message carried in your blood.")
    variant.save()
    workflow.publish(variant, by=None)
    export_content(tmp_path)
    before = (CONTENT_DIR / "topics/insr-gene/patient.md").read_text().splitlines()
    after = (tmp_path / "topics/insr-gene/patient.md").read_text().splitlines()
    assert len(before) == len(after)
    # The sentence, and the day the live text last changed: the day it was published.
    assert [(a, b) for a, b in zip(before, after, strict=True) if a != b] == [
        (next(line for line in before if line.startswith("updated: ")), 'updated: "2027-03-04"'),
        (next(line for line in before if old in line), next(line for line in after if "message carried" in line)),
    ]
    changed = [
        name for name in files_under(CONTENT_DIR) if (CONTENT_DIR / name).read_bytes() != (tmp_path / name).read_bytes()
    ]
    assert changed == ["topics/insr-gene/patient.md"]


# --- review data out and back ------------------------------------------------------------------------


def test_page_published_above_target_loads_into_an_empty_database_with_its_reason(
    insr_topic, editor, reviewer_user, tmp_path, client
):
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    variant.body = (
        "## What is it?\n\nThe insulin receptor, a transmembrane glycoprotein encoded by the INSR gene, "
        "mediates intracellular signalling through autophosphorylation of tyrosine residues [@medlineplus-insr]."
    )
    workflow.save_draft(variant, by=editor)  # four eyes: another's text
    assert variant.over_target
    reason = "Named proteins a reader will meet in their clinic letters; the glossary explains each."
    workflow.publish(variant, by=reviewer_user, notes="Checked against MedlinePlus.", override_reason=reason)
    export_content(tmp_path)
    page_file = (tmp_path / "topics/insr-gene/patient.md").read_text()
    assert f'  grade_override_reason: "{reason}"' in page_file
    assert '  reviewer: "Rita Example"' in page_file and "rita@example.org" not in page_file

    wipe_content()
    report = import_content(tmp_path)
    assert report.kept == []
    loaded = Variant.objects.get(topic__slug="insr-gene", persona__slug="patient")
    assert loaded.is_live and loaded.status == Variant.Status.PUBLISHED
    assert loaded.over_target and loaded.grade_override_reason == reason
    assert loaded.live_body == variant.body
    assert (loaded.reviewer.name, loaded.reviewer.credentials) == ("Rita Example", "MD, endocrinologist")
    assert loaded.reviewer.user is None  # matched by name and credentials, never given an account
    html = client.get("/topics/insr-gene/patient/").content.decode()
    assert "Medically reviewed by Rita Example, MD, endocrinologist" in html


def test_reviewer_files_name_the_board_and_never_an_account(insr_topic, reviewer_user, tmp_path):
    Reviewer.objects.create(name="Former Member", credentials="PhD, genetic counsellor", active=False)
    export_content(tmp_path)
    assert files_under(tmp_path / "reviewers") == ["former-member.md", "rita-example.md"]
    assert (tmp_path / "reviewers/rita-example.md").read_text() == (
        '---\nname: "Rita Example"\ncredentials: "MD, endocrinologist"\nactive: true\n---\n'
    )
    assert "active: false" in (tmp_path / "reviewers/former-member.md").read_text()
    wipe_content()
    import_content(tmp_path)
    assert set(Reviewer.objects.values_list("name", "credentials", "active", "user")) == {
        ("Rita Example", "MD, endocrinologist", True, None),
        ("Former Member", "PhD, genetic counsellor", False, None),
    }


def test_pending_draft_is_exported_beside_the_live_text_and_removed_once_published(
    insr_topic, reviewer_user, editor, tmp_path
):
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    live_body = variant.live_body
    variant.body = live_body + "\n\nA new paragraph waiting for review [@medlineplus-insr]."
    workflow.save_draft(variant, by=editor)
    workflow.submit(variant, by=editor, note="New paragraph.", expected_revision=variant.revision)
    export_content(tmp_path)
    page = (tmp_path / "topics/insr-gene/patient.md").read_text()
    draft = (tmp_path / "topics/insr-gene/patient.draft.md").read_text()
    assert "A new paragraph" not in page and "status: published" in page
    assert "A new paragraph waiting for review" in draft and "status: review" in draft
    assert 'submitted_by: "edna"' in draft

    workflow.publish(variant, by=reviewer_user, expected_revision=variant.revision)
    written, removed = export_content(tmp_path)
    assert removed == 1 and not (tmp_path / "topics/insr-gene/patient.draft.md").exists()


def test_round_trip_into_an_empty_database_keeps_every_page_and_review(
    db, client, clock, editor, reviewer_user, tmp_path
):
    import_content()
    Reviewer.objects.create(name="Former Member", credentials="PhD, genetic counsellor", active=False)

    # An editor rewrites a page above its target; a reviewer publishes it with notes and a reason.
    clock.later(days=3, microseconds=123457)
    approved = Variant.objects.get(topic__slug="insr-gene", persona__slug="patient")
    approved.body = (
        "## What does the INSR gene do?\n\nThe insulin receptor, a transmembrane glycoprotein encoded by the INSR "
        "gene, mediates intracellular signalling through autophosphorylation of tyrosine residues "
        "[@medlineplus-insr].\n\n" + "\n\n".join(approved.body.split("\n\n")[2:4])
    )
    workflow.save_draft(approved, by=editor)
    assert approved.over_target
    workflow.publish(
        approved,
        by=reviewer_user,
        notes='Checked against "MedlinePlus".\nSecond line, with a backslash \\ too.',
        override_reason="The exact wording matters here.",
        expected_revision=approved.revision,
    )
    clock.later(minutes=5)
    workflow.add_note(approved, by=reviewer_user, note="Look again when MedlinePlus updates.")

    # An editor sends a change for review; the reviewer asks for changes.
    clock.later(hours=2)
    returned = Variant.objects.get(topic__slug="insulin-resistance", persona__slug="caregiver")
    returned.body += "\n\nA sentence that needs a source."
    workflow.save_draft(returned, by=editor)
    workflow.submit(returned, by=editor, note="One new sentence.", expected_revision=returned.revision)
    clock.later(hours=1)
    workflow.request_changes(
        returned, by=reviewer_user, note="Cite a source for it.", expected_revision=returned.revision
    )

    # A draft nobody has sent yet, and one waiting for review.
    clock.later(hours=1)
    drafted = Variant.objects.get(topic__slug="donohue-syndrome", persona__slug="student")
    drafted.title = "Donohue syndrome: a draft heading"
    workflow.save_draft(drafted, by=editor)
    waiting = Variant.objects.get(topic__slug="insr-gene", persona__slug="caregiver")
    waiting.summary = "A new summary, waiting for a reviewer."
    workflow.save_draft(waiting, by=editor)
    workflow.submit(waiting, by=editor, expected_revision=waiting.revision)

    # A page that was never published.
    topic = Topic.objects.create(slug="draft-topic", title="A topic in progress", kind="concept", summary="Soon.")
    Variant.objects.create(topic=topic, persona=approved.persona, body="Work in progress [@medlineplus-insr].")

    pages, state = public_pages(client), review_state()
    reviewers = set(Reviewer.objects.values_list("name", "credentials", "active"))
    assert state["insr-gene/patient"]["review"][0] == ("Rita Example", "MD, endocrinologist")
    assert len(pages) == Variant.objects.published().count() >= 60

    export_content(tmp_path)
    wipe_content()
    assert Variant.objects.count() == 0
    clock.at(T0)  # the release loads the pages that hold no review at the same moment as before
    report = import_content(tmp_path)
    assert report.kept == [] and report.updated == []

    assert_same_pages(public_pages(client), pages)
    assert_same_review_state(review_state(), state)
    assert set(Reviewer.objects.values_list("name", "credentials", "active")) == reviewers

    # The release runs on every deploy: loading the same files again changes nothing.
    events = ReviewEvent.objects.count()
    again = import_content(tmp_path)
    assert again.created == [] and again.updated == [] and again.kept == []
    assert ReviewEvent.objects.count() == events
    assert_same_review_state(review_state(), state)

    # And exporting what was loaded gives the same files, byte for byte.
    second = tmp_path.parent / "second"
    export_content(second)
    assert files_under(second) == files_under(tmp_path)
    assert all((second / name).read_bytes() == (tmp_path / name).read_bytes() for name in files_under(tmp_path))


def test_review_in_a_file_reaches_a_page_the_release_loaded_before(db, reviewer_user, tmp_path, client):
    """The usual deploy: the database holds the shipped pages, the new files carry a review."""
    import_content()
    shutil.copytree(CONTENT_DIR, tmp_path / "staging")
    staging = tmp_path / "staging"
    variant = Variant.objects.get(topic__slug="insr-gene", persona__slug="professional")
    workflow.publish(variant, by=reviewer_user, notes="Accurate.", expected_revision=variant.revision)
    export_content(staging)
    # Back to the production database as it was: the shipped pages, nobody reviewed.
    wipe_content()
    import_content()
    report = import_content(staging)
    assert report.updated == ["variant insr-gene/professional"] and report.kept == []
    loaded = Variant.objects.get(topic__slug="insr-gene", persona__slug="professional")
    assert loaded.reviewer.name == "Rita Example" and loaded.review_notes == "Accurate."
    assert "Medically reviewed by Rita Example" in client.get("/topics/insr-gene/professional/").content.decode()
    assert import_content(staging).updated == []


def test_rows_loaded_by_the_earlier_importer_are_still_recognised(db, tmp_path):
    """Rows fingerprinted before review records existed are updated by the release, not kept forever."""
    from topics.importing import _variant_values, fingerprint

    shutil.copytree(CONTENT_DIR, tmp_path / "content")
    import_content(tmp_path / "content")
    for variant in Variant.objects.all():
        Variant.objects.filter(pk=variant.pk).update(imported_hash=fingerprint(_variant_values(variant)))
    path = tmp_path / "content/topics/insr-gene/patient.md"
    path.write_text(path.read_text().replace("set of instructions", "recipe"))
    report = import_content(tmp_path / "content")
    assert report.kept == [] and report.updated == ["variant insr-gene/patient"]
    assert "recipe" in Variant.objects.get(topic__slug="insr-gene", persona__slug="patient").live_html
    assert import_content(tmp_path / "content").updated == []


def test_a_draft_file_beside_an_unpublished_page_is_an_error(insr_topic, tmp_path):
    export_content(tmp_path)
    page = tmp_path / "topics/insr-gene/patient.md"
    page.write_text(page.read_text().replace("status: published", "status: draft"))
    (tmp_path / "topics/insr-gene/patient.draft.md").write_text("---\nstatus: draft\n---\n\nText.\n")
    wipe_content()
    with pytest.raises(ContentError, match=r"patient\.draft\.md: patient\.md is not published"):
        import_content(tmp_path)
    assert Topic.objects.count() == 0


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ("action: released", "action: shredded", "review_record action must be one of"),
        ('  last_reviewed: "', '  last_reviewed: "soon', "review: last_reviewed must be a date"),
        ('    at: "', '    at: "yesterday', "review_record at must be a time"),
    ],
)
def test_a_bad_review_in_a_file_names_the_file(insr_topic, reviewer_user, tmp_path, replace, by, message):
    variant = Variant.objects.get(topic=insr_topic, persona__slug="professional")
    workflow.publish(variant, by=reviewer_user, expected_revision=variant.revision)
    export_content(tmp_path)
    path = tmp_path / "topics/insr-gene/professional.md"
    text = path.read_text()
    assert replace in text
    path.write_text(text.replace(replace, by, 1))
    wipe_content()
    with pytest.raises(ContentError, match=rf"professional\.md: {message}"):
        import_content(tmp_path)


def test_export_command_reports_what_it_wrote(insr_topic, tmp_path, capsys):
    (tmp_path / "glossary").mkdir()
    (tmp_path / "glossary/deleted-term.md").write_text("---\nterm: gone\n---\n\nGone.\n")
    (tmp_path / "README.md").write_text("kept")
    call_command("export_content", path=str(tmp_path))
    out = capsys.readouterr().out
    assert "Exported 5 files" in out and "removed 1" in out
    assert not (tmp_path / "glossary/deleted-term.md").exists() and (tmp_path / "README.md").exists()


def test_export_from_an_empty_database_removes_nothing(db, tmp_path):
    shutil.copytree(CONTENT_DIR, tmp_path / "content")
    with pytest.raises(CommandError, match="holds no content"):
        call_command("export_content", path=str(tmp_path / "content"))
    assert files_under(tmp_path / "content") == files_under(CONTENT_DIR)


def test_loading_over_a_page_in_review_records_no_resubmission(insr_topic, editor, tmp_path, mailoutbox):
    variant = Variant.objects.get(topic=insr_topic, persona__slug="patient")
    variant.body += "\n\nA sentence waiting for review."
    workflow.save_draft(variant, by=editor)
    workflow.submit(variant, by=editor, expected_revision=variant.revision)
    first = tmp_path / "first"
    export_content(first)
    # Elsewhere the editor changes the text while it is in review (recorded there as a resubmission).
    variant.body = variant.body.replace("waiting for review", "still waiting for review")
    workflow.save_draft(variant, by=editor)
    export_content(tmp_path / "second")
    wipe_content()
    import_content(first)
    assert Variant.objects.get(topic__slug="insr-gene", persona__slug="patient").status == Variant.Status.REVIEW
    mailoutbox.clear()
    assert import_content(tmp_path / "second").updated == ["variant insr-gene/patient"]
    loaded = Variant.objects.get(topic__slug="insr-gene", persona__slug="patient")
    assert loaded.status == Variant.Status.REVIEW and "still waiting for review" in loaded.body
    # The one resubmission is the one the file records; loading adds none and e-mails nobody.
    assert loaded.review_events.filter(action=ReviewEvent.Action.RESUBMITTED).count() == 1
    assert mailoutbox == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the new process opens the SQLite test file")
def test_export_as_a_tar_on_standard_output_holds_what_the_folder_export_writes(transactional_db, tmp_path):
    restore_default_personas()
    import_content()
    written, _ = export_content(tmp_path / "folder")
    # A new process, as in a one-off console: it reads the test database this test filled.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "insr_site.test_settings"}
    env["DATABASE_URL"] = f"sqlite:///{connection.settings_dict['NAME']}"
    result = subprocess.run(
        [sys.executable, "manage.py", "export_content", "--tar"],
        cwd=Path(__file__).resolve().parent.parent, env=env, capture_output=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    with tarfile.open(fileobj=io.BytesIO(result.stdout), mode="r:gz") as archive:
        archive.extractall(tmp_path / "tar", filter="data")
    folder = {
        p.relative_to(tmp_path / "folder"): p.read_bytes() for p in (tmp_path / "folder").rglob("*") if p.is_file()
    }
    from_tar = {p.relative_to(tmp_path / "tar"): p.read_bytes() for p in (tmp_path / "tar").rglob("*") if p.is_file()}
    assert from_tar == folder and len(folder) == written
    assert f"Exported {written} files" in result.stderr.decode()
