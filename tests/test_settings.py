import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_check(env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"DJANGO_SETTINGS_MODULE": "insr_site.settings", **env_overrides})
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_production_without_secret_key_refuses_to_start():
    result = run_check({})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_the_build_step_needs_no_secret_key_but_nothing_else_runs_without_it():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_SETTINGS_MODULE"] = "insr_site.settings"
    command = [sys.executable, "manage.py", "collectstatic", "--no-input", "--dry-run", "-v0"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    for other in (["migrate", "--check"], ["check"], ["createsuperuser", "--no-input"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *other], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode != 0 and "DJANGO_SECRET_KEY is not set" in result.stderr, other


def test_production_with_secret_key_starts():
    result = run_check({"DJANGO_SECRET_KEY": "x" * 60, "DJANGO_ALLOWED_HOSTS": "example.org"})
    assert result.returncode == 0, result.stderr


def test_debug_is_off_unless_set(settings):
    from insr_site import settings as site_settings

    assert site_settings.env_bool("SURELY_UNSET_VARIABLE") is False


def test_whitenoise_directly_after_security_middleware(settings):
    position = settings.MIDDLEWARE.index("django.middleware.security.SecurityMiddleware")
    assert settings.MIDDLEWARE[position + 1] == "whitenoise.middleware.WhiteNoiseMiddleware"


def test_production_uses_compressed_manifest_storage():
    code = "from django.conf import settings; print(settings.STORAGES['staticfiles']['BACKEND'])"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"DJANGO_SETTINGS_MODULE": "insr_site.settings", "DJANGO_SECRET_KEY": "x" * 60})
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "insr_site.storage.MinifiedStaticFilesStorage", result.stderr


def test_proxy_ssl_header_trusted(settings):
    assert settings.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")


def site_url_of(env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"DJANGO_SETTINGS_MODULE": "insr_site.settings", "DJANGO_SECRET_KEY": "x" * 60, **env_overrides})
    code = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_site_url_comes_from_the_environment():
    result = site_url_of({"DJANGO_SITE_URL": "https://insr.example.org/", "DJANGO_ALLOWED_HOSTS": "other.example"})
    assert result.stdout.strip() == "https://insr.example.org", result.stderr


def test_site_url_defaults_to_the_first_allowed_host_in_production_and_make_run_in_development():
    production = site_url_of({"DJANGO_ALLOWED_HOSTS": "insr.example.org,www.insr.example.org"})
    assert production.stdout.strip() == "https://insr.example.org", production.stderr
    development = site_url_of({"DJANGO_DEBUG": "1"})
    assert development.stdout.strip() == "http://127.0.0.1:8000", development.stderr


def test_site_url_with_a_path_refuses_to_start():
    result = site_url_of({"DJANGO_SITE_URL": "https://insr.example.org/site/"})
    assert result.returncode != 0
    assert "DJANGO_SITE_URL must be a scheme and host" in result.stderr


def test_production_without_any_site_address_fails_the_release_check():
    result = run_check({"DJANGO_SECRET_KEY": "x" * 60})
    assert result.returncode != 0
    assert "topics.E001" in result.stderr and "DJANGO_SITE_URL" in result.stderr


def _database_settings(database_url: str, **extra: str) -> str:
    code = "from django.conf import settings; d = settings.DATABASES['default']; print(d['CONN_MAX_AGE'], d['OPTIONS'])"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "insr_site.settings", "DJANGO_SECRET_KEY": "x" * 60})
    env.update({"DATABASE_URL": database_url, **extra})
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_postgresql_workers_share_a_bounded_connection_pool_not_one_connection_per_thread():
    # gunicorn runs 64 threads per worker: the pool, not the thread count, bounds connections.
    assert _database_settings("postgres://u@127.0.0.1:5432/db") == (
        "0 {'pool': {'min_size': 2, 'max_size': 16, 'timeout': 2}}"
    )
    assert "'max_size': 5" in _database_settings("postgres://u@127.0.0.1:5432/db", DATABASE_POOL_SIZE="5")


def test_the_pool_can_be_turned_off_and_sqlite_never_has_one():
    assert _database_settings("postgres://u@127.0.0.1:5432/db", DATABASE_POOL_SIZE="0") == "60 {}"
    assert "pool" not in _database_settings("sqlite:////tmp/insr-settings-check.sqlite3")
