"""Every editor-written Markdown meets the same complexity limits, in admin and in the files.

A disclaimer with 4,000 unclosed "[" made every uncached topic page take seconds: the
limits now apply to disclaimers, glossary definitions and story prompts as to pages,
and disclaimers are rendered when saved, never per request.
"""

from __future__ import annotations

import importlib
import time

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.urls import reverse

from feedback.models import StoryPrompt
from topics import rendering
from topics.models import Disclaimer, GlossaryTerm, Persona

HOSTILE = "[" * 4000
disclaimer_html = importlib.import_module("topics.migrations.0015_disclaimer_html")


@pytest.fixture
def operator_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("operator", "op@example.org", "a-long-test-password")
    client.force_login(user)
    return client


def assert_refused_quickly(response, started: float) -> None:
    assert response.status_code == 200  # the form again, with the message, nothing saved
    assert "square brackets" in response.content.decode()
    assert time.monotonic() - started < 2


def test_a_hostile_disclaimer_is_refused_in_admin(operator_client, insr_topic):
    started = time.monotonic()
    response = operator_client.post(
        reverse("admin:topics_disclaimer_add"),
        {"slug": "hostile", "title": "Hostile", "text": HOSTILE, "order": 0},
    )
    assert_refused_quickly(response, started)
    assert not Disclaimer.objects.filter(slug="hostile").exists()


def test_an_unclosed_bracket_in_a_disclaimer_names_its_line(operator_client, insr_topic):
    disclaimer = Disclaimer.objects.create(slug="general", title="For information", text="Ask your doctor.")
    response = operator_client.post(
        reverse("admin:topics_disclaimer_change", args=[disclaimer.pk]),
        {"slug": "general", "title": "For information", "text": "Ask.\n\n[ your doctor " + "x" * 600, "order": 0},
    )
    assert response.status_code == 200
    assert "on line 3 is not closed" in response.content.decode()
    disclaimer.refresh_from_db()
    assert disclaimer.text == "Ask your doctor."


def test_a_hostile_glossary_definition_is_refused_in_admin(operator_client, db):
    started = time.monotonic()
    response = operator_client.post(
        reverse("admin:topics_glossaryterm_add"),
        {"slug": "insulin", "term": "insulin", "other_forms": "", "definition": HOSTILE},
    )
    assert_refused_quickly(response, started)
    assert not GlossaryTerm.objects.exists()


def test_a_hostile_story_prompt_is_refused_in_admin(operator_client, db):
    response = operator_client.post(reverse("admin:feedback_storyprompt_add"), {"text": "[" * 150, "order": 0})
    assert response.status_code == 200 and "square brackets" not in response.content.decode()
    assert "is not closed" in response.content.decode()
    assert not StoryPrompt.objects.filter(text__startswith="[").exists()


def test_disclaimers_are_rendered_when_saved_never_per_request(client, insr_topic, monkeypatch):
    disclaimer = Disclaimer.objects.create(slug="general", title="For information", text="Ask **your** doctor.")
    assert disclaimer.html == "<p>Ask <strong>your</strong> doctor.</p>"
    disclaimer.personas.set([Persona.objects.get(slug="patient")])

    def refuse(text):
        raise AssertionError("a disclaimer was rendered while a page was shown")

    monkeypatch.setattr(rendering, "render_plain", refuse)
    html = client.get("/topics/insr-gene/patient/").content.decode()
    assert "Ask <strong>your</strong> doctor." in html


def test_the_migration_renders_existing_disclaimers_and_keeps_hostile_ones_plain(db):
    Disclaimer.objects.create(slug="plain", title="Plain", text="Ask *your* doctor.")
    Disclaimer.objects.create(slug="hostile", title="Hostile", text="Fine.")
    Disclaimer.objects.filter(slug="hostile").update(text=HOSTILE + "<script>", html="")
    Disclaimer.objects.filter(slug="plain").update(html="")
    started = time.monotonic()
    disclaimer_html.render_disclaimers(apps, None)
    assert time.monotonic() - started < 2
    html = dict(Disclaimer.objects.values_list("slug", "html"))
    assert html["plain"] == "<p>Ask <em>your</em> doctor.</p>"
    assert html["hostile"].startswith("<p>[[[") and "<script>" not in html["hostile"]


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("disclaimers/hostile.md", f"---\ntitle: Hostile\n---\n\n{HOSTILE}\n"),
        ("glossary/hostile.md", f"---\nterm: hostile\n---\n\n{HOSTILE}\n"),
        ("topics/insr-gene/student.md", f"---\nstatus: published\n---\n\n{HOSTILE}\n"),
        ("topics/insr-gene/patient.draft.md", f"---\nstatus: draft\n---\n\n{HOSTILE}\n"),
    ],
)
def test_hostile_markdown_in_a_file_is_refused_naming_the_file(db, tmp_path, personas, path, text):
    import shutil

    from topics.content_files import CONTENT_DIR

    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR / "references", root / "references")
    shutil.copytree(CONTENT_DIR / "topics/insr-gene", root / "topics/insr-gene")
    (root / "topics/insr-gene/topic.md").write_text("---\ntitle: The INSR gene\nkind: gene\nsummary: A gene.\n---\n")
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text)
    started = time.monotonic()
    with pytest.raises(CommandError) as refused:
        call_command("import_content", path=str(root))
    assert time.monotonic() - started < 20
    assert str(refused.value).startswith(f"{root / path}: The text has 4,000 square brackets")
    assert not Disclaimer.objects.exists() and not GlossaryTerm.objects.exists()
