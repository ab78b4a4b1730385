"""Settings for the INSR education site: one file, configured by environment variables.

Safe defaults: DEBUG is off unless DJANGO_DEBUG is set, and with DEBUG off the site
refuses to start without DJANGO_SECRET_KEY rather than inventing one.
"""

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
# The build step signs nothing: `collectstatic` runs without the secret (platforms often
# build before, or without, the app's config). Django refuses any use of an empty key.
BUILDING = sys.argv[1:2] == ["collectstatic"] and Path(sys.argv[0]).name == "manage.py"
if not SECRET_KEY and not BUILDING:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random value in production, "
            "or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-used-only-with-DJANGO_DEBUG"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")


def site_url() -> str:
    """The public address every absolute URL is built from (canonical links, JSON-LD, sitemap).

    Never the request's Host header: a cached page must not carry whatever host one
    visitor sent. Default: `make run`'s address in development, else the first allowed host.
    """
    value = os.environ.get("DJANGO_SITE_URL", "").strip()
    if not value:
        hosts = [h for h in ALLOWED_HOSTS if h not in {"*", ""} and not h.startswith(".")]
        if DEBUG:
            value = "http://127.0.0.1:8000"
        elif hosts:
            value = f"https://{hosts[0]}"
        else:
            return ""  # reported by the system check topics.E001 (migrate, the release phase, stops)
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path.strip("/") or parts.query:
        raise ImproperlyConfigured(
            f"DJANGO_SITE_URL must be a scheme and host, e.g. https://insr.example.org: {value!r}"
        )
    return f"{parts.scheme}://{parts.netloc}"


SITE_URL = site_url()

# The PaaS router terminates TLS and tells us the original scheme in this header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_htmx",
    "template_partials",
    "csp",
    "simple_history",
    "axes",
    "topics",
    "feedback",
    "tools",
]

MIDDLEWARE = [
    # Outermost, so static files served by WhiteNoise get these headers too.
    "insr_site.middleware.cross_origin_resource_policy",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # Before the HTTPS redirect and the host check: the platform probes any host, over HTTP.
    "insr_site.middleware.health_check",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # 304 Not Modified when the visitor already has the page (by its ETag).
    "django.middleware.http.ConditionalGetMiddleware",
    # Cached pages are answered here, before sessions, CSRF, auth and the view (and most of
    # them earlier still, before Django, by topics.caching.EarlyHits in insr_site/wsgi.py,
    # with the headers every middleware above gave that page).
    "topics.caching.page_cache",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Inside CSP, so a 413 carries every security header; still before anything reads the
    # body (CSRF reads request.POST in process_view, after every middleware's __call__).
    "insr_site.middleware.request_body_limit",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "insr_site.middleware.method_not_allowed",
    # Last, as django-axes requires: locks out repeated failed admin sign-ins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords for one account from one address lock that pair out for an hour.
# Locking by username alone would let anyone lock editors out.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "429.html"
# The visitor's address, not the router's: behind DJANGO_PROXY_COUNT proxies (1 behind a
# PaaS router) it is that many entries from the right of X-Forwarded-For; entries further
# left were written by the visitor and are ignored (see insr_site.client_ip).
PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "insr_site.client_ip.client_ip"

ROOT_URLCONF = "insr_site.urls"
WSGI_APPLICATION = "insr_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "topics.site.site_url",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Saves read before they write (the revision check). SQLite cannot turn a reading
    # transaction into a writing one while another writer waits, and answers "database
    # is locked" at once; taking the write lock when the transaction starts, and waiting
    # for it, lets concurrent saves queue instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and (
    pool_size := int(os.environ.get("DATABASE_POOL_SIZE", "16"))
):
    # PostgreSQL: a pool per process instead of one persistent connection per thread.
    # gunicorn runs many threads (gunicorn.conf.py) so that a cached page never queues
    # behind slow uncached ones; with a connection each they would exceed the database
    # plan's limit. Connections now go back to the pool after each request, so a worker
    # holds at most DATABASE_POOL_SIZE, whatever its thread count. (Django requires
    # CONN_MAX_AGE 0 with a pool: the pool keeps the connections alive instead.)
    # A request waits at most 2 s for a connection: uncached renders are few at a time
    # (topics.caching), so a longer wait means the database is down, and the visitor (and
    # the platform's health check) should get the 503 page now, not after ten seconds.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": pool_size, "timeout": 2}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Whole rendered pages are cached (topics.caching). Per process by default; with
# REDIS_URL, one cache shared by every worker and instance. Either way a content change
# invalidates at once, because cache keys carry the content version from the database,
# and a new build at once, because they carry the build identifier.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            # A stopped or slow Redis must cost a visitor a quarter of a second at most, once:
            # topics.caching then leaves it alone for a few seconds and serves pages uncached.
            # Its memory bound is Redis's own `maxmemory` with an LRU policy (see README).
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
else:
    # Bounded per process: about 2,000 pages of a few KB each (pages are stored gzipped).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 2000}}}

# On PostgreSQL each process learns the content version by LISTEN/NOTIFY as changes commit,
# so cached pages cost no query (topics.caching.VersionListener). 0: read it per request.
CONTENT_VERSION_LISTEN = env_bool("DJANGO_CONTENT_VERSION_LISTEN", True)

# Names this build in cache keys, so a deploy never serves HTML of the previous one.
# Empty: a hash of the templates, code and static manifest, taken at start-up.
BUILD_ID = os.environ.get("DJANGO_BUILD_ID", "").strip()

# With a CDN in front: seconds it may keep a public page (s-maxage). Publishing reaches
# CDN visitors within this time unless the CDN is purged. 0 (default): no CDN caching.
CDN_MAX_AGE = int(os.environ.get("DJANGO_CDN_MAX_AGE", "0"))
# How long a CDN may keep serving a page while the site is down.
CDN_STALE_IF_ERROR = 60 * 60 * 24

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "insr_site.storage.MinifiedStaticFilesStorage"
        )
    },
}

# How long a medical review holds before the page is due for another.
REVIEW_INTERVAL_DAYS = int(os.environ.get("REVIEW_INTERVAL_DAYS", "365"))
# Four eyes: the reviewer who publishes a text is never its last author. Off
# (DJANGO_REVIEW_FOUR_EYES=0) only for a one-person board; pages then say
# "Written and reviewed by" when the reviewer wrote the text.
REVIEW_FOUR_EYES = env_bool("DJANGO_REVIEW_FOUR_EYES", default=True)


# Review e-mail: SMTP when EMAIL_HOST is set, otherwise printed to the console (the log).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
    # Mail is sent while the editor's save request waits (after its commit): a hung mail
    # server may hold it this many seconds per step, then the failure is logged and the
    # save stands (topics.notifications).
    EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "5"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = (
    os.environ.get("DEFAULT_FROM_EMAIL") or os.environ.get("DJANGO_DEFAULT_FROM_EMAIL") or "webmaster@localhost"
)
# The sender of the few mails Django itself sends (none to admins: errors go to the log).
SERVER_EMAIL = os.environ.get("SERVER_EMAIL") or DEFAULT_FROM_EMAIL

# The visitor's chosen reader: a cookie holding only a persona slug.
PERSONA_COOKIE_NAME = "persona"
PERSONA_COOKIE_AGE = 60 * 60 * 24 * 365

# Editors' sessions end after eight hours without activity, or when the browser closes.
# Every request renews them (the live grade panel posts while an editor types), so a
# long writing session is not signed out mid-sentence. Visitors have no session.
SESSION_COOKIE_AGE = 60 * 60 * 8
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A form that expired (say, signed in again in another tab) gets a page in the site's
# layout that says how to keep what was typed.
CSRF_FAILURE_VIEW = "insr_site.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
# The site needs none of these browser features; say so, so nothing embedded can use them.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "fullscreen",
        "geolocation", "gyroscope", "magnetometer", "microphone", "midi", "payment", "picture-in-picture",
        "publickey-credentials-get", "screen-wake-lock", "sync-xhr", "usb", "xr-spatial-tracking",
    ]
}  # fmt: skip

# Bounds on what a request may carry. Editors' longest Markdown is far below 1 MB. The one
# home of the body limit: insr_site.middleware.request_body_limit refuses any larger body,
# file parts included (the site takes no uploads), and the gunicorn worker
# (insr_site/gunicorn_worker.py) buffers no more than this before handing a request on.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# No inline script or style anywhere: everything comes from our own static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Everything to stdout, where the PaaS collects it. gunicorn writes the one access line
# per request; Django adds lines only for errors, so a 404 is not logged twice.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "filters": {"no_traceback": {"()": "insr_site.logs.WithoutTraceback"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"}},
    "root": {"handlers": ["stdout"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO"), "propagate": False},
        "django.request": {"handlers": ["stdout"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        # Scanners send any Host header all day: one line each (the 400 page answers them), no traceback.
        "django.security.DisallowedHost": {
            "handlers": ["stdout"],
            "level": "ERROR",
            "filters": ["no_traceback"],
            "propagate": False,
        },
    },
}
