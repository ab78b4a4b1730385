"""Security headers, CSP, hostile input, outages and admin sign-in protection."""

import os
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from topics.rendering import render_body

ROOT = Path(__file__).resolve().parent.parent
EXPECTED_CSP = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}


def production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="insr_site.settings",
        DJANGO_SECRET_KEY="a-production-like-secret-key-with-enough-length-and-variety-0123456789",
        DJANGO_ALLOWED_HOSTS="insr.example.org",
        **extra,
    )
    return env


def test_check_deploy_passes_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_admin_path_is_configurable():
    code = "import django; django.setup(); from django.urls import reverse; print(reverse('admin:index'))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=production_env(DJANGO_ADMIN_PATH="editors-desk"),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.stdout.strip() == "/editors-desk/", result.stderr


def parse_csp(header: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


def test_pages_carry_the_security_headers(client, insr_topic):
    response = client.get("/topics/insr-gene/patient/", secure=True)
    assert response.status_code == 200
    assert parse_csp(response["Content-Security-Policy"]) == EXPECTED_CSP
    assert int(re.search(r"max-age=(\d+)", response["Strict-Transport-Security"]).group(1)) >= 31536000
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def test_static_files_carry_cross_origin_headers(client, db):
    response = client.get("/static/css/site.css", secure=True)
    assert response.status_code == 200
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_plain_http_is_redirected_to_https(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/", headers={"X-Forwarded-Proto": "http"})
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert client.get("/", headers={"X-Forwarded-Proto": "https"}).status_code == 200


def test_persona_cookie_is_only_a_slug_and_secure_over_https(client, insr_topic):
    response = client.post("/persona/", {"persona": "student", "next": "/"}, secure=True)
    cookie = response.cookies["persona"]
    assert cookie.value == "student"
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


def test_htmx_is_configured_for_the_csp(client, db):
    html = client.get("/").content.decode()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', html).group(1)
    assert '"includeIndicatorStyles": false' in config and '"allowEval": false' in config


def test_admin_works_under_the_same_policy(admin_client_for_security):
    response = admin_client_for_security.get(reverse("admin:topics_variant_changelist"))
    assert response.status_code == 200
    assert parse_csp(response["Content-Security-Policy"]) == EXPECTED_CSP
    for tag in re.findall(r"<script\b[^>]*>", response.content.decode()):
        assert "src=" in tag, f"inline script in admin: {tag}"


@pytest.fixture
def admin_client_for_security(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("op", "op@example.org", "a-long-test-password"))
    return client


def test_an_expired_form_gets_a_page_in_the_layout_that_says_how_to_keep_the_text(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(reverse("admin:login"), {"username": "a", "password": "b"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Skip to main content" in html  # the site's layout, not Django's bare page
    assert "This form has expired" in html and "Back button" in html
    assert "<style" not in html  # nothing the CSP would block


ADMIN_BAD_IDS = ["abc", "1/change", "99999999999999999999", "%00", "<script>"]


@pytest.mark.parametrize("model_name", ["topic", "variant", "reference", "disclaimer", "glossaryterm", "persona"])
def test_mistyped_admin_addresses_get_a_4xx_page_never_a_crash(admin_client_for_security, insr_topic, model_name):
    """Hand-edited admin URLs (ids, history versions, sorting, filters, paging) are answered, not crashed on."""
    client = admin_client_for_security
    client.raise_request_exception = False
    base = f"/admin/topics/{model_name}/"
    for bad in ADMIN_BAD_IDS:
        urls = [f"{base}{bad}/change/", f"{base}{bad}/history/", f"{base}1/history/{bad}/", f"{base}{bad}/delete/"]
        urls += [f"{base}?o={bad}", f"{base}?p={bad}", f"{base}?q={bad}", f"{base}?persona__id__exact={bad}"]
        for url in urls:
            response = client.get(url)
            assert response.status_code < 500, (url, response.status_code)
            assert b"Traceback" not in response.content
    if model_name != "persona":  # the models with django-simple-history
        response = client.get(f"{base}abc/history/")
        assert response.status_code == 404
        assert "Skip to main content" in response.content.decode()  # the site's own 404 page


@pytest.mark.parametrize("model_name", ["feedbackpage", "pagefeedback", "story", "storyprompt"])
def test_mistyped_feedback_admin_addresses_get_a_4xx_page_never_a_crash(admin_client_for_security, model_name):
    client = admin_client_for_security
    client.raise_request_exception = False
    base = f"/admin/feedback/{model_name}/"
    for bad in ADMIN_BAD_IDS:
        urls = [f"{base}{bad}/change/", f"{base}{bad}/delete/", f"{base}?o={bad}", f"{base}?p={bad}"]
        urls += [f"{base}?q={bad}", f"{base}?status__exact={bad}", f"{base}?created__year={bad}"]
        for url in urls:
            response = client.get(url)
            assert response.status_code < 500, (url, response.status_code)
            assert b"Traceback" not in response.content


# Outages --------------------------------------------------------------------------------


def test_database_outage_shows_a_friendly_503_and_recovers(client, insr_topic):
    client.raise_request_exception = False  # as in production: the error handler answers
    with mock.patch("topics.selectors.choose_variant", side_effect=OperationalError("connection refused")):
        response = client.get("/topics/insr-gene/patient/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "We'll be back soon" in html and "Skip to main content" in html
    assert "connection refused" not in html
    assert client.get("/topics/insr-gene/patient/").status_code == 200


def test_other_errors_are_not_disguised_as_outages(client, insr_topic):
    client.raise_request_exception = False
    with mock.patch("topics.selectors.choose_variant", side_effect=ValueError("bug")):
        response = client.get("/topics/insr-gene/patient/")
    assert response.status_code == 500
    assert "Sorry, something went wrong" in response.content.decode()
    assert "Traceback" not in response.content.decode()


# Admin sign-in ----------------------------------------------------------------------------


def test_repeated_wrong_passwords_lock_the_account_out(client, django_user_model):
    django_user_model.objects.create_superuser("editor", "e@example.org", "the-right-password-123")
    url = reverse("admin:login")
    for _ in range(5):
        response = client.post(url, {"username": "editor", "password": "wrong", "next": "/admin/"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    # Even the right password is refused while locked.
    response = client.post(url, {"username": "editor", "password": "the-right-password-123"})
    assert response.status_code == 429


def test_no_default_accounts(db, django_user_model):
    assert django_user_model.objects.count() == 0


# Hostile input ------------------------------------------------------------------------------

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<svg onload=alert(1)><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example"></iframe>',
    "<style>@import 'https://evil.example/x.css';</style>",
    '<form action="https://evil.example"><input name=q></form>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<svg><p><style><img src=x onerror=alert(1)></style></p></svg>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    "<details open ontoggle=alert(1)>",
    '![x](x" onerror="alert(1))',
]


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_editor_markdown_renders_inert(payload):
    html = render_body(f"Text before.\n\n{payload}\n\nText after.", set()).html.lower()
    for banned in ["<script", "<iframe", "<svg", "<style", "<form", "<math", "<object", "<embed", "<base", "<meta",
                   "<img", "style=", "javascript:", "data:text", "<input"]:  # fmt: skip
        assert banned not in html, (payload, html)
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), (payload, html)


HOSTILE_STRINGS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE topics_topic; --",
    "../../../../etc/passwd",
    "%00",
    "\x00",
    "\ud800" if False else "\u202e\u2066",
    "😀" * 50,
    "a" * 5000,
    "{{ request }}",
    "{% debug %}",
    "%(x)s",
    "javascript:alert(1)",
    "//evil.example",
    "\r\nSet-Cookie: x=1",
]


def as_wire_cookie(value: str) -> str:
    """A cookie as a WSGI server hands it over: the header's raw bytes, decoded as Latin-1."""
    value = "".join(ch for ch in value if ch.isprintable() and ch not in ';,\\"')
    return value.encode("utf-8").decode("latin-1")


def assert_safe_response(response, payload: str):
    assert response.status_code < 500, (payload, response.status_code)
    body = response.content.decode(errors="replace")
    assert "Traceback" not in body
    if any(ch in payload for ch in "<>\"'") and len(payload) > 3:
        assert payload not in body, f"unescaped reflection of {payload!r}"


@pytest.mark.parametrize("payload", HOSTILE_STRINGS)
def test_hostile_strings_on_every_public_url(client, insr_topic, payload):
    GET_URLS = ["/", "/topics/", "/glossary/", "/search/", "/topics/insr-gene/patient/", "/sitemap.xml",
                "/robots.txt", "/healthz", "/risk-test/", "/about/privacy/",
                "/topics/insr-gene/patient/share/"]  # fmt: skip
    client.cookies["persona"] = as_wire_cookie(payload)
    for url in GET_URLS:
        assert_safe_response(client.get(url, {"q": payload, "page": payload, "persona": payload}), payload)
    for path in [f"/topics/{payload}/", f"/topics/insr-gene/{payload}/", f"/glossary/{payload}/", f"/{payload}"]:
        assert_safe_response(client.get(path), payload)
    response = client.post("/persona/", {"persona": payload, "next": payload})
    assert_safe_response(response, payload)
    for path in [f"/topics/{payload}/patient/share/", f"/topics/insr-gene/{payload}/share/"]:
        assert_safe_response(client.get(path), payload)
    assert_hostile_visitor_posts_are_safe(client, payload)
    response = client.post("/persona/", {"persona": "patient", "next": payload})
    assert response.status_code == 302 and response["Location"].startswith("/")
    assert not response["Location"].startswith("//")


def assert_hostile_visitor_posts_are_safe(client, payload: str) -> None:
    """Visitors' forms (feedback, comments, stories, the risk test) take anything without a 500."""
    forms = {
        "/feedback/": [{"topic": payload, "persona": payload, "helpful": payload}, {"topic": "insr-gene",
                       "persona": "patient", "helpful": "no", "website": payload}],
        "/feedback/comment/": [{"token": payload, "comment": payload}],
        "/topics/insr-gene/patient/share/": [{"prompt": payload, "text": payload, "name": payload, "website": ""}],
        "/risk-test/": [{"age": payload, "sex": "woman", "gestational_diabetes": payload, "height": payload,
                         "weight": payload}],
    }  # fmt: skip
    for url, posts in forms.items():
        for data in posts:
            for headers in ({}, {"HX-Request": "true"}, {"Origin": payload[:100].replace("\n", "")}):
                try:
                    response = client.post(url, data, headers=headers)
                except ValueError:  # the test client itself refuses a header with a line break
                    continue
                assert_safe_response(response, payload)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=300), persona=st.text(max_size=60), next_url=st.text(max_size=120))
def test_fuzzed_query_cookie_and_form_never_break_the_site(client, insr_topic, query, persona, next_url):
    client.cookies["persona"] = as_wire_cookie(persona)
    assert_safe_response(client.get("/search/", {"q": query}), query)
    assert_safe_response(client.get("/topics/insr-gene/"), persona)
    home = client.get("/", {"persona": persona})
    assert home.status_code in {200, 404}
    assert_safe_response(home, persona)
    response = client.post("/persona/", {"persona": persona, "next": next_url})
    assert response.status_code in {302, 400}
    if response.status_code == 302:
        assert response["Location"].startswith("/") and not response["Location"].startswith("//")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=2100), name=st.text(max_size=60), answer=st.text(max_size=30), origin=st.text(max_size=40))
def test_fuzzed_visitor_forms_never_break_the_site(client, insr_topic, text, name, answer, origin):
    posts = [
        ("/topics/insr-gene/patient/share/", {"prompt": answer, "text": text, "name": name}),
        ("/topics/insr-gene/patient/share/", {"prompt": "Describe your experience", "text": text, "name": name}),
        ("/feedback/", {"topic": "insr-gene", "persona": answer, "helpful": answer}),
        ("/feedback/comment/", {"token": answer, "comment": text}),
        ("/risk-test/", {"age": answer, "sex": "man", "family_history": "yes", "height": name, "weight": answer}),
    ]
    for url, data in posts:
        for headers in ({}, {"HX-Request": "true"}, {"Origin": origin.replace("\n", "").replace("\r", "")}):
            assert_safe_response(client.post(url, data, headers=headers), text)


def test_oversized_form_is_refused_in_the_layout(client, db):
    response = client.post("/persona/", {"persona": "patient", "next": "/", "padding": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Skip to main content" in response.content.decode()


@pytest.mark.parametrize("url", ["/feedback/", "/persona/", "/risk-test/"])
def test_large_multipart_file_is_refused_before_parsing_and_nothing_is_stored(client, insr_topic, url):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from feedback.models import PageFeedback, RateLimitHit, Story

    upload = SimpleUploadedFile("big.bin", b"x" * (30 * 1024 * 1024), content_type="application/octet-stream")
    data = {"topic": "insr-gene", "persona": "patient", "helpful": "no", "next": "/", "age": "50", "file": upload}
    response = client.post(url, data)
    assert response.status_code == 413
    page = response.content.decode()
    assert "Skip to main content" in page and "too much to send" in page
    assert response["Content-Security-Policy"] and response["X-Frame-Options"] == "DENY"
    assert "persona" not in response.cookies
    assert not PageFeedback.objects.exists() and not Story.objects.exists() and not RateLimitHit.objects.exists()


def test_body_under_the_limit_is_still_parsed(client, insr_topic, settings):
    # Just under the limit, a form is read as before (the file part is Django's to ignore).
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("small.bin", b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2))
    response = client.post("/persona/", {"persona": "patient", "next": "/", "file": upload})
    assert response.status_code == 302


def test_chunked_body_over_the_limit_is_refused(client, db, settings):
    from io import BytesIO

    body = b"a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.generic(
        "POST", "/persona/", b"", "application/x-www-form-urlencoded", HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": BytesIO(body), "CONTENT_LENGTH": ""},
    )  # fmt: skip
    assert response.status_code == 413


def test_too_many_fields_is_refused(client, db):
    data = {f"f{i}": "x" for i in range(2500)}
    response = client.post("/persona/", data)
    assert response.status_code == 400


def test_wrong_method_gets_a_page_in_the_layout(client, db):
    response = client.get("/persona/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "That action is not available here" in response.content.decode()


def test_head_requests_are_answered(client, insr_topic):
    assert client.head("/topics/insr-gene/patient/").status_code == 200
    assert client.head("/").status_code == 200


def test_server_error_page_survives_a_broken_template(client, db):
    from insr_site.errors import server_error

    with mock.patch("insr_site.errors.loader.render_to_string", side_effect=ValueError("missing manifest")):
        response = server_error(None)
    assert response.status_code == 500
    assert b"Sorry, something went wrong" in response.content
    assert b"manifest" not in response.content


def test_a_database_outage_is_answered_by_the_page_cache_without_waiting_for_the_database_twice(client, insr_topic):
    # The content version is the first thing a cacheable page reads; when that read cannot
    # reach the database, the view (which would wait for it again) is never run.
    client.raise_request_exception = False
    with (
        mock.patch("topics.caching._content_version", side_effect=OperationalError("connection refused")),
        mock.patch("topics.selectors.choose_variant") as view_query,
    ):
        response = client.get("/topics/insr-gene/patient/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30" and response["Cache-Control"] == "no-store"
    assert "We'll be back soon" in response.content.decode()
    view_query.assert_not_called()
    assert client.get("/topics/insr-gene/patient/").status_code == 200
