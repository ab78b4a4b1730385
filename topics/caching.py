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
and sent compressed to every browser that accepts it. In front of Django itself,
EarlyHits answers most hits from the WSGI environ alone, replaying the status and
headers the whole site sent for that page; what it cannot answer exactly, Django does.

The shared cache (Redis) is an accelerator, never a dependency: when it fails or is
slow, pages are rendered as if it were empty, one warning is logged per minute, and
it is tried again a few seconds later, without a restart.
"""

from __future__ import annotations

import contextvars
import gzip
import hashlib
import logging
import mmap
import os
import threading
import time
from collections import OrderedDict
from functools import lru_cache, wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import get_bytes_from_wsgi, get_path_info, get_script_name, get_str_from_wsgi
from django.db import connection, connections
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django.shortcuts import render
from django.urls import Resolver404, get_urlconf, resolve
from django.utils.cache import _if_none_match_passes, patch_vary_headers
from django.utils.http import parse_etags

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
SERVED_ENVIRON = "topics.page_cache.served"  # set in the WSGI environ: (key, page) the answer is
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
        return self.canonical_of(request.GET)

    def canonical_of(self, given: QueryDict) -> QueryDict:
        """canonical_query for a query string already parsed (the early answer has no request)."""
        query = QueryDict(mutable=True)
        for name, canonical in self.canonical.items():
            values = given.getlist(name)
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

    Beside each page it keeps the answers the whole site gave for it (see EarlyHits):
    status and every header as they left the outermost middleware, one for each way a
    request may differ in what wraps the page (coding, HTTPS, method, 304). They share
    the page's bodies and leave with it.
    """

    def __init__(self, size: int = 300) -> None:
        self.size = size
        self.pages: OrderedDict[str, tuple] = OrderedDict()
        self.answers: dict[str, dict[tuple, tuple]] = {}
        self.lock = threading.Lock()  # gunicorn's threads share it

    def get(self, key: str) -> tuple | None:
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def get_with_answers(self, key: str) -> tuple[tuple | None, dict[tuple, tuple] | None]:
        with self.lock:
            page = self.pages.get(key)
            if page is None:
                return None, None
            self.pages.move_to_end(key)
            return page, self.answers.get(key)

    def put(self, key: str, page: tuple) -> None:
        with self.lock:
            if self.pages.get(key) is not page:
                self.answers.pop(key, None)  # they were the answers of another page object
            self.pages[key] = page
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                old, _ = self.pages.popitem(last=False)
                self.answers.pop(old, None)

    def add_answer(self, key: str, page: tuple, how: tuple, answer: tuple) -> None:
        """Keep the site's answer for ``page`` under ``key``, if that is still the page kept there."""
        with self.lock:
            if self.pages.get(key) is page:
                self.answers.setdefault(key, {})[how] = answer

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()
            self.answers.clear()


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


class SqliteHeader:
    """The first bytes of the SQLite file, read through a shared memory map: no system call.

    SQLite writes its pages with pwrite; Linux keeps one page cache per file, so a map
    of the file sees each commit's new change counter the moment it is written. A read
    that makes a system call lets go of the interpreter lock, and under load getting it
    back cost a cached page more than all its Python. The file is looked up by name
    again every second, so a database file replaced under the server is mapped anew.
    """

    RECHECK_SECONDS = 1.0

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.mapped: tuple | None = None  # (name, (device, inode), map, checked at)

    def read(self, name) -> bytes | None:
        mapped = self.mapped
        if mapped is None or mapped[0] != name or time.monotonic() - mapped[3] >= self.RECHECK_SECONDS:
            mapped = self._map(name)
            if mapped is None:
                return None
        return mapped[2][:28]

    def _map(self, name) -> tuple | None:
        with self.lock:
            try:
                stat = os.stat(name)
                mapped = self.mapped
                if mapped is not None and mapped[0] == name and mapped[1] == (stat.st_dev, stat.st_ino):
                    self.mapped = (*mapped[:3], time.monotonic())
                    return self.mapped
                with open(name, "rb") as file:
                    view = mmap.mmap(file.fileno(), 100, access=mmap.ACCESS_READ)  # the header
            except (OSError, TypeError, ValueError):  # no file, a name that is no file, too short
                self.mapped = None
                return None
            self.mapped = (name, (stat.st_dev, stat.st_ino), view, time.monotonic())
            return self.mapped

    def forget(self) -> None:
        with self.lock:
            self.mapped = None


sqlite_header = SqliteHeader()


def _sqlite_version() -> int:
    """The content version, read again only after some commit changed the database file.

    In SQLite's default (rollback journal) mode every committed write increments a counter
    in the file's header (https://www.sqlite.org/fileformat.html, offset 24); reading it is
    a memory read (SqliteHeader), against a query per cached page. The counter is read
    before the version, so a version stored with a counter can only be newer than that
    counter, never older. In WAL mode, with a database in memory, or on any error, the
    query answers as before.
    """
    global _sqlite_seen
    counter, version = _sqlite_known_version()
    if version is not None:
        return version
    version = SiteVersion.current()
    if counter is not None:
        _sqlite_seen = (counter, version)
    return version


def _sqlite_known_version() -> tuple[int | None, int | None]:
    """(the file's change counter, the version read at that counter if still current), without a query.

    The counter is None when the file cannot tell (WAL, no file, an error).
    """
    header = sqlite_header.read(settings.DATABASES["default"]["NAME"])
    if header is None or header[18] == 2:  # no file, or WAL (the counter stays still)
        return None, None
    counter = int.from_bytes(header[24:28], "big")
    seen = _sqlite_seen
    if seen is not None and seen[0] == counter:
        return counter, seen[1]
    return counter, None


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


def _htmx_state(meta: dict) -> str:
    return ",".join(str(meta.get(name, "") == "true") for name in _HTMX_META)


def _keys(request: HttpRequest, view: CachedView, version: int) -> dict[str, str]:
    """The cache keys of this request: by URL, and by URL and remembered persona."""
    # request.GET is the canonical query by now (page_cache): one value for each declared name.
    persona = request.COOKIES.get(settings.PERSONA_COOKIE_NAME, "")
    return _page_keys(view, version, request.path, request.GET, request.META, persona, _persona_slugs)


def _page_keys(view: CachedView, version: int, path: str, query: QueryDict, meta: dict, persona: str, slugs):
    """The keys of a request from its parts: the one definition, for the middleware and the early answer.

    ``query`` is the canonical query; ``slugs()`` gives the real personas' slugs, or None
    when they are not known without a query (the early answer then leaves it to the site).
    """
    parts = [f"{name}={query[name]!r}" for name in view.query if name in query]
    base = [build_id(), str(version), path, *parts, _htmx_state(meta)]
    keys = {"url": "page:" + hashlib.sha256("\n".join(base).encode()).hexdigest()}
    if view.vary_on_persona:
        # Only a real persona counts: any other cookie value shows the default persona's page.
        known = slugs()
        if known is None:
            return None
        if persona not in known:
            persona = ""
        keys["persona"] = "page:" + hashlib.sha256("\n".join([*base, "persona=" + persona]).encode()).hexdigest()
    return keys


# Responses ---------------------------------------------------------------------------------


def accepted_encodings(request: HttpRequest) -> set[str]:
    """The content codings a request accepts (q above 0), from its Accept-Encoding header."""
    return set(_accepted(request.META.get("HTTP_ACCEPT_ENCODING", "")))


@lru_cache(maxsize=256)  # browsers send a handful of spellings; any other is parsed again
def _accepted(header: str) -> frozenset[str]:
    accepted = set()
    for coding in header.lower().split(","):
        name, *params = (part.strip() for part in coding.split(";"))
        quality = next((p[2:] for p in params if p.startswith("q=")), "1")
        try:
            if float(quality) > 0:
                accepted.add(name)
        except ValueError:
            pass
    return frozenset(accepted)


def _encoding_for(request: HttpRequest, available) -> str | None:
    return _encoding_of(request.META.get("HTTP_ACCEPT_ENCODING", ""), available)


def _encoding_of(header: str, available) -> str | None:
    accepted = _accepted(header)
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


def _representation_etag(page: tuple, encoding: str | None) -> str:
    """The ETag header of a page in one content coding (None: uncompressed)."""
    # A different representation needs a different strong ETag.
    return f'"{page[2]}-{encoding}"' if encoding is not None else f'"{page[2]}"'


def _respond(request: HttpRequest, page: tuple) -> HttpResponse:
    mode, bodies, etag, headers = page
    encoding = _encoding_for(request, bodies)
    if encoding is not None:
        response = HttpResponse(bodies[encoding])
        response["Content-Encoding"] = encoding
    else:
        response = HttpResponse(gzip.decompress(bodies["gzip"]))
    for name, value in headers:
        response[name] = value
    response["ETag"] = _representation_etag(page, encoding)
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
        if not _allowed_host(request):
            # The site answers 400 (CommonMiddleware asks for the host): no cached page either.
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
    found = _find(list(keys.values()))
    if found is not None:
        return _answer(request, *found)
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
    return _answer(request, keys[mode], page)


def _answer(request: HttpRequest, key: str, page: tuple) -> HttpResponse:
    # Tells EarlyHits, outside Django, which page this answer is, so it can keep the
    # answer as it leaves the outermost middleware (request.META is the WSGI environ).
    request.META[SERVED_ENVIRON] = (key, page)
    return _respond(request, page)


def _find(keys: list[str]) -> tuple[str, tuple] | None:
    """(key, page) of the first key cached, this process's recent pages first."""
    for key in keys:
        if (page := recent_pages.get(key)) is not None:
            return key, page
    found = shared_cache.get_many(keys)
    for key in keys:
        if key in found:
            recent_pages.put(key, found[key])
            return key, found[key]
    return None


def _allowed_host(request: HttpRequest) -> bool:
    try:
        request.get_host()
    except DisallowedHost:
        return False
    return True


# The early answer ----------------------------------------------------------------------------

# Headers that make the site answer other than with the stored page (412 on If-Match or
# If-Unmodified-Since, 304 by a page's Last-Modified): such requests go through the site.
_OTHER_CONDITIONS = ("HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE", "HTTP_IF_MODIFIED_SINCE")
_MESSAGES_COOKIE = "messages"  # django.contrib.messages' cookie storage
_HOSTS_KEPT = 64


class EarlyHits:
    """A cache hit answered before Django: no request object, middleware, session or view.

    Wraps the WSGI application (insr_site/wsgi.py). For a request the page cache would
    answer from this process's recent pages, it computes the same key from the environ
    (path, the view's declared query in canonical form, htmx headers, the remembered
    persona where the page follows it) and replays what the whole site sent the last
    time it answered that page to an equivalent request: the status and every header as
    they left the outermost middleware (CSP, HSTS, Permissions-Policy, CORP, Vary,
    Cache-Control, ETag, Content-Encoding), with the stored body. Equivalent means the
    same content coding, HTTPS or not, method, and 304 or not (If-None-Match against the
    page's ETag, as ConditionalGetMiddleware decides it): nothing else reaches the headers
    around a cached page. The first such request of each kind goes through the site, which
    is how the answer is learnt, so an early answer is always one the site gave.

    Anything the site could answer differently goes through it: another method, a
    request body, a session or messages cookie, a Host not allowed, plain HTTP while the
    site redirects to HTTPS, a query the view refuses (400) or must not cache, another
    precondition header, a version or persona list not known without a query.
    """

    def __init__(self, app) -> None:
        self.app = app
        self.sqlite = connections["default"].vendor == "sqlite"
        self.postgresql = connections["default"].vendor == "postgresql"
        self.static = "/" + settings.STATIC_URL.lstrip("/") if settings.STATIC_URL else None
        self.hosts: dict[str, bool] = {}

    def __call__(self, environ, start_response):
        try:
            request = self._eligible(environ)
            answer = self._replay(request) if request is not None else None
        except Exception:  # noqa: BLE001  odd input (2,000 parameters, ...): Django's to answer, as a 4xx page
            request = answer = None
        if request is None:
            return self.app(environ, start_response)
        if answer is not None:
            status, headers, body = answer
            start_response(status, headers)
            return [body]
        captured = []

        def capture(status, headers, exc_info=None):
            captured.append((status, headers))
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        served = environ.get(SERVED_ENVIRON)
        if served is not None and captured:
            self._keep(request, *served, *captured[-1])
        return result

    def _eligible(self, environ) -> _EarlyRequest | None:
        """What an early answer depends on, or None when only the site can answer this request."""
        method = environ.get("REQUEST_METHOD", "").upper()
        if method not in ("GET", "HEAD") or environ.get("CONTENT_LENGTH", "0") not in ("", "0"):
            return None
        if "HTTP_TRANSFER_ENCODING" in environ or any(name in environ for name in _OTHER_CONDITIONS):
            return None
        if settings.DISALLOWED_USER_AGENTS:  # CommonMiddleware's 403: left to the site
            return None
        secure = _is_secure(environ)
        if settings.SECURE_SSL_REDIRECT and not secure:
            return None
        if not self._allowed(environ):
            return None
        path_info, path = _paths(
            environ.get("SCRIPT_URL", ""), environ.get("REDIRECT_URL", ""),
            environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", "/"),
        )  # fmt: skip
        if self.static and path_info.startswith(self.static):
            return None
        view = _cached_view(path_info, settings.ROOT_URLCONF)
        if view is None:
            return None
        persona = ""
        if environ.get("HTTP_COOKIE"):
            cookies = parse_cookie(get_str_from_wsgi(environ, "HTTP_COOKIE", ""))
            if settings.SESSION_COOKIE_NAME in cookies or _MESSAGES_COOKIE in cookies:
                return None
            persona = cookies.get(settings.PERSONA_COOKIE_NAME, "")
        query = _EMPTY_QUERY
        if environ.get("QUERY_STRING"):
            given = QueryDict(get_bytes_from_wsgi(environ, "QUERY_STRING", ""))
            if any(name in given for name in view.uncached_query):
                return None
            try:
                query = view.canonical_of(given)
            except BadQuery:
                return None
        return _EarlyRequest(environ, view, path, query, persona, secure, method)

    def _allowed(self, environ) -> bool:
        """HttpRequest.get_host() would not refuse this request's host (remembered for a few hosts)."""
        if settings.USE_X_FORWARDED_HOST and "HTTP_X_FORWARDED_HOST" in environ:
            host = environ["HTTP_X_FORWARDED_HOST"]
        elif "HTTP_HOST" in environ:
            host = environ["HTTP_HOST"]
        else:
            return False  # HTTP/1.0 without Host: left to the site
        allowed = self.hosts.get(host)
        if allowed is None:
            domain, _port = split_domain_port(host)
            allowed = bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)
            if len(self.hosts) < _HOSTS_KEPT:
                self.hosts[host] = allowed
        return allowed

    def _version(self) -> int | None:
        """The content version, if known without a query; None leaves the request to the site."""
        if self.postgresql:
            return version_listener.current() if settings.CONTENT_VERSION_LISTEN else None
        if self.sqlite and not connections["default"].in_atomic_block:
            return _sqlite_known_version()[1]
        return None

    def _replay(self, request: _EarlyRequest) -> tuple | None:
        version = self._version()
        if version is None:
            return None
        keys = _page_keys(
            request.view, version, request.path, request.query, request.environ, request.persona,
            lambda: _memo.get((_persona_slugs.__qualname__, version)),
        )  # fmt: skip
        if keys is None:
            return None
        for key in keys.values():
            page, answers = recent_pages.get_with_answers(key)
            if page is not None:
                return answers.get(request.how(page)) if answers else None
        return None

    def _keep(self, request: _EarlyRequest, key: str, page: tuple, status: str, headers: list) -> None:
        """Keep the site's answer for this kind of request, if it is the stored page as expected."""
        how = request.how(page)
        encoding, _secure, _method, not_modified = how
        if not_modified:
            ok, body = status.startswith("304 "), b""
        else:
            body = page[1][encoding] if encoding is not None else gzip.decompress(page[1]["gzip"])
            length = [value for name, value in headers if name.lower() == "content-length"]
            ok = status.startswith("200 ") and length == [str(len(body))]
        if ok and not any(name.lower() == "set-cookie" for name, _value in headers):
            recent_pages.add_answer(key, page, how, (status, list(headers), body))


class _EarlyRequest:
    __slots__ = ("environ", "view", "path", "query", "persona", "secure", "method")

    def __init__(self, environ, view, path, query, persona, secure, method) -> None:
        self.environ, self.view, self.path, self.query = environ, view, path, query
        self.persona, self.secure, self.method = persona, secure, method

    def how(self, page: tuple) -> tuple:
        """Everything outside the page that shapes the site's answer to this request."""
        encoding = _encoding_of(self.environ.get("HTTP_ACCEPT_ENCODING", ""), page[1])
        not_modified = False
        if self.method == "GET" and (given := self.environ.get("HTTP_IF_NONE_MATCH")):
            # ConditionalGetMiddleware's test, on the ETag the page cache gives this representation.
            etags = parse_etags(given)
            not_modified = bool(etags) and not _if_none_match_passes(_representation_etag(page, encoding), etags)
        return encoding, self.secure, self.method, not_modified


_EMPTY_QUERY = QueryDict()


def _is_secure(environ) -> bool:
    """HttpRequest.is_secure() from the environ: the proxy's header when configured, else the scheme."""
    if settings.SECURE_PROXY_SSL_HEADER:
        header, secure_value = settings.SECURE_PROXY_SSL_HEADER
        value = environ.get(header)
        if value is not None:
            return value.split(",", 1)[0].strip() == secure_value
    return environ.get("wsgi.url_scheme") == "https"


@lru_cache(maxsize=4096)
def _paths(script_url: str, redirect_url: str, script_name: str, path_info: str) -> tuple[str, str]:
    """(path_info, path) exactly as WSGIRequest makes them."""
    environ = {"SCRIPT_URL": script_url, "REDIRECT_URL": redirect_url, "SCRIPT_NAME": script_name}
    environ["PATH_INFO"] = path_info
    script = get_script_name(environ)
    info = get_path_info(environ) or "/"
    return info, f"{script.rstrip('/')}/{info.replace('/', '', 1)}"


def early_hits(app):
    """The WSGI application with EarlyHits in front; unchanged when developing (no page cache)."""
    return app if settings.DEBUG else EarlyHits(app)


def clear() -> None:
    """Forget every cached page and memo, shared and in this process (tests that rewind the database)."""
    shared_cache.reset()
    try:
        cache.clear()
    except Exception:  # noqa: BLE001  the shared cache may be the thing a test stopped
        pass
    global _sqlite_seen
    _sqlite_seen = None
    sqlite_header.forget()
    recent_pages.clear()
    _paths.cache_clear()
    with _memo_lock:
        _memo.clear()
    _cached_view.cache_clear()
