"""Test-only overrides. Everything else is the production settings module."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-used-anywhere-else")
os.environ.setdefault("DJANGO_SITE_URL", "http://testserver")

from insr_site.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Tests change content inside transactions that never commit, so no notice would arrive:
# pages read the content version per request (tests/test_caching.py tests the listener).
CONTENT_VERSION_LISTEN = False
# Absolute URLs name the test client's host, whatever the environment says.
SITE_URL = "http://testserver"
# Tests render templates without running collectstatic first.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# Serve static files from the app folders, as in development, so headers on them can be tested.
WHITENOISE_USE_FINDERS = True
# A file, not memory, for SQLite test databases: tests prove that a change made by
# another process (a management command) reaches pages served by this one.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One file per test process, so concurrent runs never share a database.
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(tempfile.gettempdir(), f"insr-test-{os.getpid()}.sqlite3")}  # noqa: F405
