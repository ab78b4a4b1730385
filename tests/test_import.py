import shutil
import textwrap
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from topics.importing import CONTENT_DIR, import_content
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
    variant.publish(by=reviewer_user, notes="Accurate.", expected_revision=variant.revision)
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
    variant.publish(by=reviewer_user, notes="Accurate.", expected_revision=variant.revision)
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
