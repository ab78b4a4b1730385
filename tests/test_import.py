import shutil
import textwrap
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from topics import workflow
from topics.content_files import CONTENT_DIR
from topics.importing import import_content
from topics.models import Disclaimer, GlossaryTerm, Reference, Topic, Variant


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


@pytest.fixture
def content(tmp_path) -> Path:
    """A small content tree in the shipped format."""
    write(
        tmp_path / "references/semple-2011.md",
        """
        ---
        key: semple-2011
        kind: research
        title: Genetic syndromes of severe insulin resistance.
        year: 2011
        doi: 10.1210/er.2010-0020
        ---
    """,
    )
    write(
        tmp_path / "glossary/insulin.md",
        """
        ---
        term: insulin
        other_forms: []
        ---
        A hormone that helps sugar get into cells.
    """,
    )
    write(
        tmp_path / "disclaimers/general.md",
        """
        ---
        title: For information only
        personas: [patient]
        ---
        Ask your doctor.
    """,
    )
    write(
        tmp_path / "topics/insr-gene/topic.md",
        """
        ---
        title: The INSR gene
        kind: gene
        summary: A gene that makes the insulin receptor.
        other_names: [CD220, HHF5, IR]
        related: [donohue-syndrome]
        ---
    """,
    )
    write(
        tmp_path / "topics/insr-gene/patient.md",
        """
        ---
        summary: The INSR gene for patients.
        status: published
        ---
        ## What is it?

        A gene is a set of instructions [@semple-2011].
    """,
    )
    write(
        tmp_path / "topics/donohue-syndrome/topic.md",
        """
        ---
        title: Donohue syndrome
        kind: condition
        summary: A rare condition in babies.
        related: [insr-gene]
        ---
    """,
    )
    write(
        tmp_path / "topics/donohue-syndrome/caregiver.md",
        """
        ---
        status: published
        ---
        It affects babies [@semple-2011].
    """,
    )
    return tmp_path


def test_import_creates_everything(content, db):
    report = import_content(content)
    assert len(report.created) == 7
    topic = Topic.objects.get(slug="insr-gene")
    assert topic.other_names_list == ["CD220", "HHF5", "IR"]
    assert [t.slug for t in topic.related.all()] == ["donohue-syndrome"]
    variant = Variant.objects.get(topic=topic, persona__slug="patient")
    assert variant.status == "published"
    assert variant.citation_keys == ["semple-2011"]
    assert Reference.objects.get(key="semple-2011").year == 2011
    assert GlossaryTerm.objects.get(slug="insulin").definition.startswith("A hormone")
    assert [p.slug for p in Disclaimer.objects.get(slug="general").personas.all()] == ["patient"]


def test_import_is_idempotent(content, db):
    import_content(content)
    counts = [m.objects.count() for m in (Topic, Variant, Reference, GlossaryTerm, Disclaimer)]
    history = Variant.history.count()
    report = import_content(content)
    assert report.created == [] and report.updated == [] and report.kept == []
    assert len(report.unchanged) == 7
    assert [m.objects.count() for m in (Topic, Variant, Reference, GlossaryTerm, Disclaimer)] == counts
    assert Variant.history.count() == history  # nothing was even re-saved


def test_import_updates_rows_editors_have_not_touched(content, db):
    import_content(content)
    path = content / "topics/insr-gene/patient.md"
    path.write_text(path.read_text().replace("set of instructions", "recipe"))
    report = import_content(content)
    assert report.updated == ["variant insr-gene/patient"]
    assert "recipe" in Variant.objects.get(topic__slug="insr-gene", persona__slug="patient").html


def test_import_never_overwrites_an_editors_change(content, db):
    import_content(content)
    variant = Variant.objects.get(topic__slug="insr-gene", persona__slug="patient")
    variant.body = "An editor rewrote this in admin [@semple-2011]."
    variant.save()
    path = content / "topics/insr-gene/patient.md"
    path.write_text(path.read_text().replace("set of instructions", "recipe"))
    for _ in range(2):
        report = import_content(content)
        assert report.kept == ["variant insr-gene/patient"]
    variant.refresh_from_db()
    assert variant.body == "An editor rewrote this in admin [@semple-2011]."


def test_import_keeps_editor_status_and_reference_changes(content, db):
    import_content(content)
    Variant.objects.filter(topic__slug="insr-gene").update(status="draft")
    ref = Reference.objects.get(key="semple-2011")
    ref.title = "Corrected in admin"
    ref.save()
    report = import_content(content)
    assert set(report.kept) == {"variant insr-gene/patient", "reference semple-2011"}
    assert Variant.objects.get(topic__slug="insr-gene").status == "draft"
    assert Reference.objects.get(key="semple-2011").title == "Corrected in admin"


def test_unknown_citation_in_a_file_stops_the_import_and_changes_nothing(content, db):
    write(
        content / "topics/insr-gene/student.md",
        """
        ---
        status: published
        ---
        Cites nothing real [@no-such-paper].
    """,
    )
    with pytest.raises(CommandError, match="student.md: unknown reference key"):
        call_command("import_content", path=str(content))
    assert Topic.objects.count() == 0


def test_unknown_persona_file_is_an_error(content, db):
    write(content / "topics/insr-gene/astronaut.md", "---\nstatus: published\n---\nHi.\n")
    with pytest.raises(CommandError, match="no persona named 'astronaut'"):
        call_command("import_content", path=str(content))


def test_command_reports_counts(content, db, capsys):
    call_command("import_content", path=str(content))
    assert "7 created, 0 updated, 0 unchanged, 0 kept as edited in admin" in capsys.readouterr().out


def test_shipped_content_imports_twice_without_changes(db, tmp_path):
    shutil.copytree(CONTENT_DIR, tmp_path / "content")
    first = import_content(tmp_path / "content")
    assert first.created and not first.kept
    second = import_content(tmp_path / "content")
    assert second.created == [] and second.updated == [] and second.kept == []
    for slug in ["insulin-resistance", "insr-gene"]:
        personas = set(Variant.objects.published().filter(topic__slug=slug).values_list("persona__slug", flat=True))
        assert personas == {"patient", "caregiver", "student", "professional"}


def test_import_never_undoes_a_review_made_in_admin(content, db, reviewer_user):
    import_content(content)
    variant = Variant.objects.get(topic__slug="insr-gene", persona__slug="patient")
    workflow.publish(variant, by=reviewer_user, notes="Accurate.", expected_revision=variant.revision)
    path = content / "topics/insr-gene/patient.md"
    path.write_text(path.read_text().replace("set of instructions", "recipe"))
    for _ in range(2):
        assert import_content(content).kept == ["variant insr-gene/patient"]
    variant.refresh_from_db()
    assert variant.reviewer.name == "Rita Example" and variant.review_notes == "Accurate."
    assert "recipe" not in variant.live_body


def test_an_exported_change_puts_the_row_back_in_step_with_the_files(content, db, reviewer_user):
    from topics.exporting import export_content

    import_content(content)
    ref = Reference.objects.get(key="semple-2011")
    ref.title = "Corrected in admin"
    ref.save()
    variant = Variant.objects.get(topic__slug="insr-gene", persona__slug="patient")
    workflow.publish(variant, by=reviewer_user, notes="Accurate.", expected_revision=variant.revision)
    assert set(import_content(content).kept) == {"reference semple-2011", "variant insr-gene/patient"}
    export_content(content)  # what an editor commits after working in admin
    report = import_content(content)
    assert report.kept == [] and report.updated == [] and report.created == []
    # From now on the files lead again: a later change to them is loaded.
    path = content / "references/semple-2011.md"
    path.write_text(path.read_text().replace("Corrected in admin", "Corrected in the file"))
    assert import_content(content).updated == ["reference semple-2011"]
    assert Reference.objects.get(key="semple-2011").title == "Corrected in the file"


def test_a_file_without_a_review_is_published_as_not_reviewed(content, db):
    import_content(content)
    variant = Variant.objects.get(topic__slug="insr-gene", persona__slug="patient")
    assert variant.is_live and variant.reviewer is None and variant.last_reviewed is None
    assert list(variant.review_events.values_list("action", "user", "reviewer")) == [("released", None, None)]


# --- an older commit deployed after an export ---------------------------------------------------------


def release(path: Path, capsys) -> str:
    """What the release phase prints when it loads ``path``."""
    capsys.readouterr()
    call_command("import_content", path=str(path))
    return capsys.readouterr().out


def test_an_old_deploy_never_undoes_a_review_or_a_pending_text(db, tmp_path, client, editor, reviewer_user, capsys):
    shipped = tmp_path / "shipped"  # the commit before the export
    shutil.copytree(CONTENT_DIR, shipped)
    import_content(shipped)

    # A reviewer approves a changed text; another page is changed and sent for review.
    approved = Variant.objects.get(topic__slug="insr-gene", persona__slug="patient")
    old = "Insulin is a hormone. It is a signal that moves through your blood."
    new = "Insulin is a hormone. It is a message carried in your blood."
    approved.body = approved.body.replace(old, new)
    workflow.save_draft(approved, by=editor)
    workflow.publish(approved, by=reviewer_user, notes="Checked.", expected_revision=approved.revision)
    pending = Variant.objects.get(topic__slug="insulin-resistance", persona__slug="caregiver")
    pending.body += "\n\nA sentence waiting for a reviewer."
    workflow.save_draft(pending, by=editor)
    workflow.submit(pending, by=editor, expected_revision=pending.revision)
    before = {v.pk: (v.body, v.live_body, v.status, v.revision) for v in (approved, pending)}

    exported = tmp_path / "exported"
    call_command("export_content", path=str(exported))
    assert "0 updated" in release(exported, capsys)  # the deploy of the export

    out = release(shipped, capsys)  # and then the commit before it
    assert "0 created, 0 updated" in out and "2 left alone" in out
    assert (
        "Left alone (newer in the database than in its files): variant insr-gene/patient: its files hold no review "
        "record, and the database holds a medical review by Rita Example on "
    ) in out
    assert (
        "Left alone (newer in the database than in its files): variant insulin-resistance/caregiver: its files hold "
        f"no review record, and the database holds revision {pending.revision} waiting for review"
    ) in out
    for variant in (approved, pending):
        variant.refresh_from_db()
        assert (variant.body, variant.live_body, variant.status, variant.revision) == before[variant.pk]
    assert approved.reviewer.name == "Rita Example" and approved.review_notes == "Checked."
    html = client.get("/topics/insr-gene/patient/").content.decode()
    assert "Medically reviewed by Rita Example" in html and "message carried" in html
    assert pending.status == Variant.Status.REVIEW and "waiting for a reviewer" in pending.body
    assert "waiting for a reviewer" not in pending.live_body
    assert "waiting for a reviewer" not in client.get("/topics/insulin-resistance/caregiver/").content.decode()

    # The export itself, deployed again, changes nothing.
    out = release(exported, capsys)
    assert "0 created, 0 updated" in out and "0 kept as edited in admin, 0 left alone" in out
    # Before the export was deployed, the old files met pages changed in admin: kept too.


def test_files_deployed_before_the_export_keep_the_admin_work_as_edited(content, db, editor, reviewer_user):
    import_content(content)
    variant = Variant.objects.get(topic__slug="insr-gene", persona__slug="patient")
    workflow.publish(variant, by=reviewer_user, notes="Accurate.", expected_revision=variant.revision)
    report = import_content(content)
    assert report.kept == ["variant insr-gene/patient"] and report.left_alone == {}


def test_an_older_export_never_undoes_a_later_step(content, db, tmp_path, editor, reviewer_user):
    from topics.exporting import export_content

    import_content(content)
    variant = Variant.objects.get(topic__slug="insr-gene", persona__slug="patient")
    workflow.publish(variant, by=reviewer_user, notes="First review.", expected_revision=variant.revision)
    first = tmp_path / "first"
    export_content(first)
    # Later the same text is approved again (a periodic review), and another page is sent for review.
    workflow.publish(variant, by=reviewer_user, notes="Looked again.", expected_revision=variant.revision)
    other = Variant.objects.get(topic__slug="donohue-syndrome", persona__slug="caregiver")
    other.body += "\n\nA new sentence."
    workflow.save_draft(other, by=editor)
    workflow.submit(other, by=editor, expected_revision=other.revision)
    second = tmp_path / "second"
    export_content(second)
    assert import_content(second).updated == []

    report = import_content(first)
    assert report.updated == [] and sorted(report.left_alone) == [
        "variant donohue-syndrome/caregiver",
        "variant insr-gene/patient",
    ]
    assert report.left_alone["variant insr-gene/patient"].startswith(
        "the database records review steps its files do not: approved (revision"
    )
    assert "Rita Example" in report.left_alone["variant insr-gene/patient"]
    assert report.left_alone["variant donohue-syndrome/caregiver"].startswith(
        "its files hold no review record, and the database holds revision"
    )
    variant.refresh_from_db()
    other.refresh_from_db()
    assert variant.review_notes == "Looked again." and other.status == Variant.Status.REVIEW
    assert "A new sentence." in other.body and "A new sentence." not in other.live_body
    # The newer files still lead: loading them again changes nothing, and the older ones still lose.
    assert import_content(second).updated == [] and import_content(second).left_alone == {}
    assert len(import_content(first).left_alone) == 2


def test_an_older_revision_of_a_draft_never_replaces_the_newer_one(content, db, tmp_path, editor, reviewer_user):
    from topics.exporting import export_content

    import_content(content)
    variant = Variant.objects.get(topic__slug="insr-gene", persona__slug="patient")
    workflow.publish(variant, by=reviewer_user, expected_revision=variant.revision)
    variant.body += "\n\nA first draft sentence."
    workflow.save_draft(variant, by=editor)
    first = tmp_path / "first"
    export_content(first)
    variant.body = variant.body.replace("A first draft sentence.", "A better draft sentence.")
    workflow.save_draft(variant, by=editor)
    second = tmp_path / "second"
    export_content(second)
    import_content(second)
    report = import_content(first)
    assert report.left_alone == {
        "variant insr-gene/patient": f"the database holds revision {variant.revision} of the text, its files "
        f"revision {variant.revision - 1}"
    }
    variant.refresh_from_db()
    assert "A better draft sentence." in variant.body


def test_a_hand_edit_of_reviewed_live_text_waits_for_a_reviewer(content, db, tmp_path, reviewer_user):
    from topics.exporting import export_content

    import_content(content)
    variant = Variant.objects.get(topic__slug="insr-gene", persona__slug="patient")
    workflow.publish(variant, by=reviewer_user, expected_revision=variant.revision)
    export_content(content)
    import_content(content)
    path = content / "topics/insr-gene/patient.md"
    path.write_text(path.read_text().replace("set of instructions", "recipe"))
    report = import_content(content)
    assert report.updated == []
    assert "change the live text Rita Example reviewed" in report.left_alone["variant insr-gene/patient"]
    variant.refresh_from_db()
    assert "recipe" not in variant.live_body and variant.reviewer.name == "Rita Example"


def test_a_newer_export_still_brings_a_review_to_an_older_database(content, db, tmp_path, reviewer_user):
    from topics.exporting import export_content

    import_content(content)
    staging = tmp_path / "staging"
    shutil.copytree(content, staging)
    variant = Variant.objects.get(topic__slug="insr-gene", persona__slug="patient")
    workflow.publish(variant, by=reviewer_user, notes="Accurate.", expected_revision=variant.revision)
    export_content(staging)
    Variant.objects.all().delete()
    import_content(content)  # another database, as the release loaded it
    report = import_content(staging)
    assert report.updated == ["variant insr-gene/patient"] and report.left_alone == {}
    assert Variant.objects.get(topic__slug="insr-gene", persona__slug="patient").review_notes == "Accurate."


def test_an_old_deploy_never_undoes_a_change_made_in_admin_to_a_glossary_word(content, db, client, tmp_path):
    from django.contrib.auth import get_user_model

    from topics.exporting import export_content

    older = tmp_path / "older"
    shutil.copytree(content, older)
    import_content(content)
    operator = get_user_model().objects.create_superuser("operator", "op@example.org", "a-long-test-password")
    client.force_login(operator)
    term = GlossaryTerm.objects.get(slug="insulin")
    response = client.post(
        f"/admin/topics/glossaryterm/{term.pk}/change/",
        {"slug": "insulin", "term": "insulin", "other_forms": "", "definition": "A hormone made in the pancreas."},
    )
    assert response.status_code == 302
    export_content(content)
    assert import_content(content).updated == []  # the export, deployed
    report = import_content(older)  # then the commit before it
    assert report.updated == [] and report.left_alone == {
        "glossary insulin": "its file holds what it said before operator changed it in admin on "
        f"{GlossaryTerm.history.latest('history_date').history_date:%Y-%m-%d}"
    }
    assert GlossaryTerm.objects.get(slug="insulin").definition == "A hormone made in the pancreas."
    # A later change to the files is still loaded: they lead again after the export.
    path = content / "glossary/insulin.md"
    path.write_text(path.read_text().replace("made in the pancreas", "made by the pancreas"))
    assert import_content(content).updated == ["glossary insulin"]
    assert import_content(older).left_alone.keys() == {"glossary insulin"}
