"""What operators rely on: outages answered with the 503 page, the health check, logs and e-mail."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail
from django.db import DatabaseError, InterfaceError, OperationalError, ProgrammingError, transaction
from django.test import Client

from topics import caching, notifications

ROOT = Path(__file__).resolve().parent.parent
PAGE = "/topics/insr-gene/patient/"


def assert_outage_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30" and response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "We'll be back soon" in html and "Skip to main content" in html
    assert "Traceback" not in html and "refused" not in html


@pytest.fixture
def outage_client(insr_topic):
    caching.clear()
    yield Client(raise_request_exception=False)
    caching.clear()


@pytest.mark.parametrize("error", [OperationalError, InterfaceError, DatabaseError, ProgrammingError])
@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("/", "topics.caching._content_version"),  # the page cache's first read
        ("/", "topics.caching._persona_slugs"),  # the persona read that builds the key
        (PAGE, "topics.selectors.choose_variant"),  # the view
        ("/search/?q=insulin", "topics.views.search_topics"),
        ("/topics/insr-gene/", "topics.views.get_object_or_404"),  # an uncached view
    ],
)
def test_any_database_error_on_any_path_is_the_503_page(outage_client, url, target, error):
    with mock.patch(target, side_effect=error("connection refused")):
        assert_outage_page(outage_client.get(url))
    assert outage_client.get(url).status_code in (200, 302)  # back by itself


def test_a_closed_connection_is_the_503_page(outage_client, db):
    # Every query fails as when the database went away under an open connection.
    with mock.patch(
        "django.db.backends.utils.CursorWrapper._execute", side_effect=InterfaceError("connection already closed")
    ):
        assert_outage_page(outage_client.get(PAGE))
        assert_outage_page(outage_client.get("/"))
        response = outage_client.post(f"{PAGE}share/", {"prompt": "Describe your experience", "text": "Hi."})
        assert_outage_page(response)
        assert outage_client.get("/healthz").status_code == 503


def test_other_errors_stay_500s(outage_client):
    with mock.patch("topics.selectors.choose_variant", side_effect=ValueError("bug")):
        response = outage_client.get(PAGE)
    assert response.status_code == 500 and "Sorry, something went wrong" in response.content.decode()


# Health check ------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["10.0.3.7:8000", "evil.example", "testserver"])
def test_healthz_answers_the_platform_whatever_the_host_and_scheme(db, settings, host):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["insr.example.org"]
    response = Client().get("/healthz", headers={"Host": host})  # plain HTTP
    assert response.status_code == 200
    assert json.loads(response.content)["database"] == "ok"
    # Everything else still gets the host check and the redirect.
    assert Client(raise_request_exception=False).get(PAGE, headers={"Host": host}).status_code == 400
    assert Client().get("/", headers={"Host": "insr.example.org"}).status_code == 301


def test_a_disallowed_host_is_one_log_line_without_a_traceback(db, settings):
    settings.ALLOWED_HOSTS = ["insr.example.org"]
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("django.security.DisallowedHost")
    logger.addHandler(handler)
    try:
        response = Client(raise_request_exception=False).get("/", headers={"Host": "scanner.example"})
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 400 and "Skip to main content" in response.content.decode()
    assert len(records) == 1
    line = logging.Formatter("%(levelname)s %(name)s %(message)s").format(records[0])
    assert "\n" not in line and "scanner.example" in line and "Traceback" not in line


# E-mail ------------------------------------------------------------------------------------


def settings_in_a_new_process(env: dict[str, str], *names: str) -> dict:
    code = "import json, django; django.setup(); from django.conf import settings as s; "
    code += f"print(json.dumps({{n: getattr(s, n, None) for n in {list(names)!r}}}))"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_"))}
    clean.update({"DJANGO_SETTINGS_MODULE": "insr_site.settings", "DJANGO_SECRET_KEY": "x" * 50, **env})
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_email_comes_from_the_environment_with_a_short_timeout():
    names = ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD")
    names += ("EMAIL_USE_TLS", "EMAIL_TIMEOUT", "DEFAULT_FROM_EMAIL", "SERVER_EMAIL")
    env = {"EMAIL_HOST": "smtp.example.org", "EMAIL_PORT": "2525", "EMAIL_HOST_USER": "u"}
    env |= {"EMAIL_HOST_PASSWORD": "p", "EMAIL_USE_TLS": "0", "DEFAULT_FROM_EMAIL": "site@example.org"}
    got = settings_in_a_new_process(env, *names)
    assert got == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.org",
        "EMAIL_PORT": 2525,
        "EMAIL_HOST_USER": "u",
        "EMAIL_HOST_PASSWORD": "p",
        "EMAIL_USE_TLS": False,
        "EMAIL_TIMEOUT": 5.0,
        "DEFAULT_FROM_EMAIL": "site@example.org",
        "SERVER_EMAIL": "site@example.org",
    }
    got = settings_in_a_new_process({"EMAIL_HOST": "h", "EMAIL_TIMEOUT": "2", "SERVER_EMAIL": "ops@e.org"}, *names)
    assert (got["EMAIL_TIMEOUT"], got["SERVER_EMAIL"], got["EMAIL_USE_TLS"]) == (2.0, "ops@e.org", True)
    assert settings_in_a_new_process({}, "EMAIL_BACKEND")["EMAIL_BACKEND"].endswith("console.EmailBackend")


def test_a_failing_mail_server_is_logged_and_never_loses_the_save(db, caplog, django_capture_on_commit_callbacks):
    with (
        mock.patch("topics.notifications.send_mail", side_effect=TimeoutError("timed out")),
        caplog.at_level(logging.ERROR, logger="topics.notifications"),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        notifications._send("For review: a page", "Body", ["rita@example.org"])
    assert "Could not send review e-mail" in caplog.text and "TimeoutError" in caplog.text
    assert mail.outbox == []
