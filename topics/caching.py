"""Whole-page caching that is exactly what an uncached request would get.

Every change to content (a variant, topic, reference, glossary term, disclaimer,
persona or reviewer) bumps one number in the database, the site's content version
(topics.invalidation makes sure every path does). Cached pages are stored under keys
that include that number and the build (templates, code and static files), so the
moment a change commits, or a new build starts, every worker on every instance asks
for new keys and renders fresh pages. No cache needs to be reachable by the writer,
so this works with the per-process memory cache as well as with Redis.

A key holds only what the view reads: the path, the query parameters the view
declares (`@cached_page(query=...)`), the htmx headers, and for the few pages that
follow the remembered persona, that persona. The view sees no other parameter, and each
declared one once, in one canonical spelling (a repeated one is a 400), so it cannot read
anything the key lacks. Anything else a request carries (junk parameters, another
spelling of a page number, another Host, an unknown persona cookie) cannot make a new
entry, and absolute URLs come from DJANGO_SITE_URL, never from the request.

Reading the version costs one small query per request, far less than rendering; on
PostgreSQL it is pushed to each process instead, and on SQLite it is read again only
after the database file's change counter moved, so a cached page runs no query.
The cache sits in middleware just inside WhiteNoise, so a cached page skips the
session, CSRF, authentication and the view entirely. Pages are stored gzipped once
and sent compressed to every browser that accepts it.

The shared cache (Redis) is an accelerator, never a dependency: when it fails or is
slow, pages are rendered as if it were empty, one warning is logged per minute, and
it is tried again a few seconds later, without a restart.
"""

from __future__ import annotations

import contextvars
import gzip
import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from functools import lru_cache, wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import Resolver404, get_urlconf, resolve
from django.utils.cache import patch_vary_headers

from topics.versioning import SiteVersion

try:
    import brotli  # pinned in requirements.txt; pages are gzip-only without it
except ImportError:  # pragma: no cover
    brotli = None

logger = logging.getLogger(__name__)

CACHE_SECONDS = 60 * 60 * 24
PAGE_CACHE_ATTRIBUTE = "page_cache"  # set on a response: "url" or "persona"
VIEW_ATTRIBUTE = "page_cache_view"  # set on a view by @cached_page: what its pages depend on
REFUSED_ATTRIBUTE = "page_cache_refused"  # set on a request whose query is refused: the message
# Content codings pages are stored in, best first.
ENCODINGS = ("br", "gzip")
# Every htmx header a view reads (django-htmx's request.htmx and .history_restore_request).
HTMX_HEADERS = ("HX-Request", "HX-History-Restore-Request")
# Stored headers that depend on how the body is sent, not on the page.
_TRANSPORT_HEADERS = {"content-length", "content-encoding", "cache-control"}
# A failing shared cache is left alone this long before it is tried again, so a slow or
# stopped Redis costs one timeout per few seconds, not one per request.
RETRY_SECONDS = 5.0
WARN_EVERY_SECONDS = 60.0
# Uncached renders of public pages (searches above all) that run at once in one process.
# gunicorn runs many threads per worker (gunicorn.conf.py) so slow clients cannot stall
# it; without this bound, fifty uncached searches would share the interpreter with a
# cached page and make it wait for its turn. Waiting renders sleep, they hold no CPU.
RENDER_SLOTS = 3
_render_slots = threading.BoundedSemaphore(RENDER_SLOTS)


class BadQuery(ValueError):
    """A declared query parameter with a value no page answers to: a 400, never a cache entry."""


def as_given(value: str) -> str:
    """A parameter whose value the view checks itself (a persona slug: anything else is a 404, never stored)."""
    return value


def page_number(value: str) -> str:
    """A page number: ASCII digits only, folded to one spelling ("01", "0001" are "1")."""
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise BadQuery("Page numbers are written with the digits 0 to 9.")
    return str(int(value))


def flag(value: str) -> str | None:
    """An on/off switch written "1" (the search page's exact=1); any other value is no parameter."""
    return "1" if value == "1" else None


def plain_text(value: str) -> str | None:
    """Free text (a search): control characters dropped, runs of spaces one space; empty is no parameter."""
    return " ".join("".join(ch for ch in value if ch.isprintable() or ch.isspace()).split()) or None


class CachedView:
    """What a cacheable view's pages depend on, besides the path."""

    def __init__(self, query, vary_on_persona: bool, seconds: int, uncached_query: tuple[str, ...] = ()) -> None:
        # Each declared parameter with the function that gives its one canonical spelling.
        canonical = dict(query) if isinstance(query, dict) else dict.fromkeys(query, as_given)
        self.canonical = dict(sorted(canonical.items()))
        self.query = tuple(self.canonical)
        self.vary_on_persona = vary_on_persona
        self.seconds = seconds
        self.uncached_query = uncached_query

    def canonical_query(self, request: HttpRequest) -> QueryDict:
        """The request's query as the view may see it: declared parameters only, one canonical value each.

        Anything else a request carries is dropped before the view runs, so what the view
        reads is exactly what the cache key holds, and junk cannot make a new entry.
        """
        query = QueryDict(mutable=True)
        for name, canonical in self.canonical.items():
            values = request.GET.getlist(name)
            if len(values) > 1:
                raise BadQuery(f"This address gives “{name}” more than once. Please use the link on the page.")
            if values and (value := canonical(values[0])) is not None:
                query[name] = value
        query._mutable = False
        return query


def cached_page(
    view=None,
    *,
    query: tuple[str, ...] = (),
    vary_on_persona: bool = False,
    seconds: int = CACHE_SECONDS,
    uncached_query: tuple[str, ...] = (),
):
    """Mark a view's pages as cacheable by the page cache middleware.

    ``query`` names every query parameter the view reads (or maps each to the function
    that gives its canonical spelling, e.g. ``page_number``); the view sees those alone,
    each once, in that spelling, so junk parameters and spellings cannot add entries. ``vary_on_persona`` is for the
    few pages whose links follow the visitor's remembered persona (home, search);
    every other page is the same for everyone, because the persona is in its URL.
    ``seconds`` is how long a page is kept: shorter for pages with free-text keys.
    ``uncached_query`` names parameters that make a page one visitor's own (a
    thank-you carrying a signed token): with one of them the page is neither served
    from the cache nor stored.
    """

    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            refused = getattr(request, REFUSED_ATTRIBUTE, None)
            if refused is not None:
                # The page cache found a query no page answers to (see page_cache).
                return render(request, "400.html", {"message": refused}, status=400)
            response = view_func(request, *args, **kwargs)
            # A view may have marked its response already (a page that varies only sometimes).
            if not hasattr(response, PAGE_CACHE_ATTRIBUTE):
                setattr(response, PAGE_CACHE_ATTRIBUTE, "persona" if vary_on_persona else "url")
            return response

        # functools.wraps copies this onto the decorators outside (require_safe, ...).
        setattr(wrapper, VIEW_ATTRIBUTE, CachedView(query, vary_on_persona, seconds, uncached_query))
        return wrapper

    return decorator(view) if view is not None else decorator


class RecentPages:
    """The pages this process served last, in front of the shared cache.

    Safe without any invalidation of its own: keys carry the content version, so a
    changed site asks for new keys and old entries simply age out. It saves a Redis
    round trip (and unpickling) on every hit of a popular page. Pages are stored
    gzipped, so 300 of them hold a few megabytes.
    """

    def __init__(self, size: int = 300) -> None:
        self.size = size
        self.pages: OrderedDict[str, tuple] = OrderedDict()
        self.lock = threading.Lock()  # gunicorn's threads share it

    def get(self, key: str) -> tuple | None:
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key: str, page: tuple) -> None:
        with self.lock:
            self.pages[key] = page
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()


recent_pages = RecentPages()


class SharedCache:
    """Django's cache, made optional: errors and timeouts mean "not cached", never a 500."""

    def __init__(self) -> None:
        self.down_until = 0.0
        self.last_warning = -WARN_EVERY_SECONDS

    @property
    def available(self) -> bool:
        return time.monotonic() >= self.down_until

    def get_many(self, keys: list[str]) -> dict:
        if not self.available:
            return {}
        try:
            return cache.get_many(keys)
        except Exception as error:  # any backend's connection or timeout error  # noqa: BLE001
            self._failed(error)
            return {}

    def set(self, key: str, value, timeout: int) -> None:
        if not self.available:
            return
        try:
            cache.set(key, value, timeout)
        except Exception as error:  # noqa: BLE001
            self._failed(error)

    def check(self) -> bool:
        """For /healthz: does the shared cache answer now?"""
        if not self.available:
            return False
        try:
            cache.get("healthz")
        except Exception as error:  # noqa: BLE001
            self._failed(error)
            return False
        return True

    def _failed(self, error: Exception) -> None:
        now = time.monotonic()
        self.down_until = now + RETRY_SECONDS
        if now - self.last_warning >= WARN_EVERY_SECONDS:
            self.last_warning = now
            logger.warning(
                "Page cache unavailable (%s: %s); serving pages uncached, retrying every %.0f s.",
                type(error).__name__, error, RETRY_SECONDS,
            )  # fmt: skip

    def reset(self) -> None:
        self.down_until = 0.0
        self.last_warning = -WARN_EVERY_SECONDS


shared_cache = SharedCache()


class VersionListener:
    """PostgreSQL only: the content version, pushed to this process as each change commits.

    SiteVersion.bump() sends the new version with NOTIFY in the change's transaction;
    PostgreSQL delivers it when (and only if) the change commits, in commit order. A
    thread in each process LISTENs, so a cached page needs no query at all: that one
    query was most of what a cached page cost. The version is read again on every
    (re)connection and every few seconds, so nothing missed can last; while the listener
    is not connected, `current()` is None and pages read the version from the database.
    """

    def __init__(self) -> None:
        self.version: int | None = None
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.last_warning = -WARN_EVERY_SECONDS

    def stop(self) -> None:
        """Close the listening connection (tests, before their database is dropped)."""
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=5)

    def current(self) -> int | None:
        if self.thread is None:
            self._start()
        return self.version

    def _start(self) -> None:
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="content-version-listener", daemon=True)
                self.thread.start()

    def _run(self) -> None:
        import psycopg

        while not self.stopping.is_set():
            try:
                with psycopg.connect(_conninfo(), autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {SiteVersion.CHANNEL}")
                    while not self.stopping.is_set():
                        # After LISTEN, so no change can fall between the read and the first
                        # notice; read again every second, so a lost connection shows at once.
                        self.version = self._read(conn)
                        for notice in conn.notifies(timeout=1.0):
                            self.version = int(notice.payload)
                self.version = None
            except Exception as error:  # noqa: BLE001  any failure: fall back to reading per request
                self.version = None
                now = time.monotonic()
                if now - self.last_warning >= WARN_EVERY_SECONDS:
                    self.last_warning = now
                    logger.warning("Content version listener lost (%s); reading it per request.", error)
                time.sleep(1.0)

    @staticmethod
    def _read(conn) -> int:
        table = SiteVersion._meta.db_table
        row = conn.execute(f'SELECT value FROM "{table}" WHERE id = 1').fetchone()
        return row[0] if row else 0


def _conninfo() -> str:
    from psycopg.conninfo import make_conninfo

    db = settings.DATABASES["default"]
    params = {"dbname": db["NAME"], "user": db.get("USER"), "password": db.get("PASSWORD")}
    params |= {"host": db.get("HOST"), "port": db.get("PORT")}
    params |= {k: v for k, v in db.get("OPTIONS", {}).items() if k in {"sslmode", "sslrootcert", "sslcert", "sslkey"}}
    return make_conninfo(**{k: str(v) for k, v in params.items() if v})


version_listener = VersionListener()


def _content_version() -> int:
    if settings.CONTENT_VERSION_LISTEN and connection.vendor == "postgresql":
        version = version_listener.current()
        if version is not None:
            return version
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        return _sqlite_version()
    return SiteVersion.current()


# SQLite only: the version read last, with the database file's change counter at the time.
_sqlite_seen: tuple[int, int] | None = None


def _sqlite_version() -> int:
    """The content version, read again only after some commit changed the database file.

    In SQLite's default (rollback journal) mode every committed write increments a counter
    in the file's header (https://www.sqlite.org/fileformat.html, offset 24); reading it is
    one pread, against a query per cached page. The counter is read before the version, so
    a version stored with a counter can only be newer than that counter, never older. In
    WAL mode, with a database in memory, or on any error, the query answers as before.
    """
    global _sqlite_seen
    try:
        fd = os.open(settings.DATABASES["default"]["NAME"], os.O_RDONLY)
        try:
            header = os.pread(fd, 28, 0)
        finally:
            os.close(fd)
    except (OSError, TypeError):
        return SiteVersion.current()
    if len(header) < 28 or header[18] == 2:  # too short, or WAL (the counter stays still)
        return SiteVersion.current()
    counter = int.from_bytes(header[24:28], "big")
    seen = _sqlite_seen
    if seen is not None and seen[0] == counter:
        return seen[1]
    version = SiteVersion.current()
    _sqlite_seen = (counter, version)
    return version


# Build -------------------------------------------------------------------------------------

# What a build is made of, for the build identifier: code and templates of the project
# (and its pinned requirements); static files through collectstatic's manifest, whose
# names carry each file's hash. Shipped content is loaded into the database, so it is
# covered by the content version instead.
_BUILD_SUFFIXES = {".py", ".html", ".txt", ".xml"}
_NOT_BUILD = {".venv", ".git", "node_modules", "staticfiles", "tests", "bench", "content", "__pycache__"}


def compute_build_id(root: Path, manifest: Path | None) -> str:
    """A hash of every template, module and requirement under ``root``, and the static manifest."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part in _NOT_BUILD or part.startswith(".") for part in relative.parts[:-1]):
            continue
        if path.suffix in _BUILD_SUFFIXES and path.is_file():
            digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    if manifest is not None and manifest.is_file():
        digest.update(b"manifest\0" + manifest.read_bytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def build_id() -> str:
    """This build, taken once at start-up: DJANGO_BUILD_ID if the platform names it, else a hash."""
    if settings.BUILD_ID:
        return settings.BUILD_ID
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json" if settings.STATIC_ROOT else None
    return compute_build_id(Path(settings.BASE_DIR), manifest)


# Keys --------------------------------------------------------------------------------------

# The content version this request read, so that small per-version lookups (personas,
# disclaimers) cost no second query. Set by the middleware for the request's duration.
_request_version: contextvars.ContextVar[int | None] = contextvars.ContextVar("content_version", default=None)
_memo: dict[tuple, object] = {}
_memo_lock = threading.Lock()


def current_version() -> int:
    version = _request_version.get()
    return SiteVersion.current() if version is None else version


def per_content_version(func):
    """Memoize a small, argument-free lookup per content version, in this process.

    Exact for the same reason cached pages are: every change bumps the version.
    """

    @wraps(func)
    def wrapper():
        key = (func.__qualname__, current_version())
        try:
            return _memo[key]
        except KeyError:
            pass
        value = func()
        with _memo_lock:
            # Older versions are never asked for again; keep the memo small.
            for old in [k for k in _memo if k[0] == key[0]]:
                del _memo[old]
            _memo[key] = value
        return value

    return wrapper


@per_content_version
def _persona_slugs() -> frozenset[str]:
    from topics.models import Persona

    return frozenset(Persona.objects.values_list("slug", flat=True))


@lru_cache(maxsize=4096)
def _cached_view(path: str, urlconf) -> CachedView | None:
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    return getattr(match.func, VIEW_ATTRIBUTE, None)


# Read from META, not request.headers: building the headers mapping of a request costs as
# much as the rest of a cache hit put together.
_HTMX_META = tuple("HTTP_" + name.upper().replace("-", "_") for name in HTMX_HEADERS)


def _htmx_state(request: HttpRequest) -> str:
    return ",".join(str(request.META.get(name, "") == "true") for name in _HTMX_META)


def _keys(request: HttpRequest, view: CachedView, version: int) -> dict[str, str]:
    """The cache keys of this request: by URL, and by URL and remembered persona."""
    # request.GET is the canonical query by now (page_cache): one value for each declared name.
    query = [f"{name}={request.GET[name]!r}" for name in view.query if name in request.GET]
    base = [build_id(), str(version), request.path, *query, _htmx_state(request)]
    keys = {"url": "page:" + hashlib.sha256("\n".join(base).encode()).hexdigest()}
    if view.vary_on_persona:
        # Only a real persona counts: any other cookie value shows the default persona's page.
        persona = request.COOKIES.get(settings.PERSONA_COOKIE_NAME, "")
        if persona not in _persona_slugs():
            persona = ""
        keys["persona"] = "page:" + hashlib.sha256("\n".join([*base, "persona=" + persona]).encode()).hexdigest()
    return keys


# Responses ---------------------------------------------------------------------------------


def accepted_encodings(request: HttpRequest) -> set[str]:
    """The content codings a request accepts (q above 0), from its Accept-Encoding header."""
    accepted = set()
    for coding in request.META.get("HTTP_ACCEPT_ENCODING", "").lower().split(","):
        name, *params = (part.strip() for part in coding.split(";"))
        quality = next((p[2:] for p in params if p.startswith("q=")), "1")
        try:
            if float(quality) > 0:
                accepted.add(name)
        except ValueError:
            pass
    return accepted


def _encoding_for(request: HttpRequest, available) -> str | None:
    accepted = accepted_encodings(request)
    for encoding in ENCODINGS:  # best first
        if encoding in available and (encoding in accepted or "*" in accepted):
            return encoding
    return None


def public_cache_control(mode: str) -> str:
    """Cache-Control for a cached page: for a CDN when DJANGO_CDN_MAX_AGE is set."""
    seconds = settings.CDN_MAX_AGE
    if mode == "url" and seconds:
        # Browsers revalidate every time (cheap: a 304 by ETag); a CDN keeps the page for
        # `seconds`, refreshes it in the background, and keeps serving it if we are down.
        return (
            f"public, max-age=0, s-maxage={seconds}, stale-while-revalidate={seconds}, "
            f"stale-if-error={settings.CDN_STALE_IF_ERROR}"
        )
    if mode == "persona":
        # Follows the visitor's cookie: a shared cache would have to vary on every cookie.
        return "private, no-cache"
    return "max-age=0"


def _compress(content: bytes, *, long_lived: bool) -> dict[str, bytes]:
    # mtime=0: the same page always compresses to the same bytes. Brotli's quality 5 costs
    # about a millisecond for a topic page and still beats gzip's best by a tenth. A page
    # kept for a day (a topic page) is compressed once per content change and sent to
    # every visitor, so it gets quality 10: about 15 ms once, a ninth fewer bytes for all.
    bodies = {"gzip": gzip.compress(content, compresslevel=9, mtime=0)}
    if brotli is not None:
        bodies["br"] = brotli.compress(content, quality=10 if long_lived else 5)
    return bodies


def _page(response: HttpResponse, mode: str, *, long_lived: bool = False) -> tuple:
    """What is stored: (mode, compressed bodies by coding, identity ETag, headers)."""
    content = response.content
    etag = hashlib.md5(content, usedforsecurity=False).hexdigest()
    headers = [(name, value) for name, value in response.items() if name.lower() not in _TRANSPORT_HEADERS]
    return mode, _compress(content, long_lived=long_lived), etag, headers


def _respond(request: HttpRequest, page: tuple) -> HttpResponse:
    mode, bodies, etag, headers = page
    encoding = _encoding_for(request, bodies)
    if encoding is not None:
        response = HttpResponse(bodies[encoding])
        response["Content-Encoding"] = encoding
        etag += f"-{encoding}"  # a different representation needs a different strong ETag
    else:
        response = HttpResponse(gzip.decompress(bodies["gzip"]))
    for name, value in headers:
        response[name] = value
    response["ETag"] = f'"{etag}"'
    response["Content-Length"] = str(len(response.content))
    response["Cache-Control"] = public_cache_control(mode)
    return response


def _storable(request: HttpRequest, response: HttpResponse) -> str | None:
    mode = getattr(response, PAGE_CACHE_ATTRIBUTE, None)
    private = any(word in response.get("Cache-Control", "") for word in ("private", "no-store"))
    if mode and response.status_code == 200 and not response.cookies and not response.streaming and not private:
        return mode
    return None


def _uncacheable(response: HttpResponse) -> HttpResponse:
    # Anything not stored here may be personal (a redirect by cookie, a signed-in
    # editor's page): no shared cache in front of the site may keep it.
    if not response.has_header("Cache-Control"):
        response["Cache-Control"] = "private, no-store"
    return response


def page_cache(get_response):
    """Serve marked pages from the cache; store them on the way out.

    Visitors with a session (signed-in staff, who may see previews) always get a
    fresh page. Only 200 responses that set no cookie are stored, so nothing
    personal is ever cached.
    """

    if settings.DEBUG:
        # Developing (`make run`): templates and CSS change without a content change, so
        # every page is rendered fresh.
        return get_response
    build_id()  # at start-up, not on the first visitor's request

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or settings.SESSION_COOKIE_NAME in request.COOKIES:
            return _uncacheable(get_response(request))
        view = _cached_view(request.path_info, get_urlconf())
        if view is None or any(name in request.GET for name in view.uncached_query):
            return _uncacheable(get_response(request))
        # A database error here, or anywhere below (the personas of a key, the view), is
        # answered with the 503 page by insr_site.errors.server_error, the one place for it.
        version = _content_version()
        try:
            canonical = view.canonical_query(request)
        except BadQuery as refused:
            # Answered by the view's decorator, so the 400 page has the site's layout and headers.
            setattr(request, REFUSED_ATTRIBUTE, str(refused))
            return _uncacheable(get_response(request))
        request.GET = canonical
        request.META["QUERY_STRING"] = canonical.urlencode()
        token = _request_version.set(version)
        try:
            return _serve(request, view, version, get_response)
        finally:
            _request_version.reset(token)

    return middleware


def _serve(request: HttpRequest, view: CachedView, version: int, get_response) -> HttpResponse:
    keys = _keys(request, view, version)
    page = _find(list(keys.values()))
    if page is not None:
        return _respond(request, page)
    # A slot is waited for, never required: a stuck render must not stop every other.
    has_slot = _render_slots.acquire(timeout=10)
    try:
        response = get_response(request)
    finally:
        if has_slot:
            _render_slots.release()
    mode = _storable(request, response)
    if mode is None or mode not in keys:
        return _uncacheable(response)
    patch_vary_headers(response, [*HTMX_HEADERS, "Accept-Encoding"])
    page = _page(response, mode, long_lived=view.seconds >= CACHE_SECONDS)
    shared_cache.set(keys[mode], page, view.seconds)
    recent_pages.put(keys[mode], page)
    return _respond(request, page)


def _find(keys: list[str]) -> tuple | None:
    for key in keys:
        if (page := recent_pages.get(key)) is not None:
            return page
    found = shared_cache.get_many(keys)
    for key in keys:
        if key in found:
            recent_pages.put(key, found[key])
            return found[key]
    return None


def clear() -> None:
    """Forget every cached page and memo, shared and in this process (tests that rewind the database)."""
    shared_cache.reset()
    try:
        cache.clear()
    except Exception:  # noqa: BLE001  the shared cache may be the thing a test stopped
        pass
    global _sqlite_seen
    _sqlite_seen = None
    recent_pages.clear()
    with _memo_lock:
        _memo.clear()
    _cached_view.cache_clear()
