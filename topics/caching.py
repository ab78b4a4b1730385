"""Whole-page caching that every process invalidates at once.

Every change to content (a variant, topic, reference, glossary term, disclaimer or
persona) bumps one number in the database, the site's content version. Cached pages
are stored under keys that include that number, so the moment a change commits,
every worker on every instance asks for new keys and renders fresh pages, whoever
made the change: admin on another instance, a management command, the release
phase. No cache needs to be reachable by the writer, so this works with the
per-process memory cache as well as with Redis.

Reading the version costs one small query per request, far less than rendering.
The cache sits in middleware just inside WhiteNoise, so a cached page skips the
session, CSRF, authentication and the view entirely; views opt in with @cached_page.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.http import quote_etag

from topics.models import SiteVersion

CACHE_SECONDS = 60 * 60 * 24
PAGE_CACHE_ATTRIBUTE = "page_cache"  # set on a response by @cached_page: "url" or "persona"


def cached_page(view=None, *, vary_on_persona: bool = False):
    """Mark a view's pages as cacheable by the page cache middleware.

    ``vary_on_persona`` is for the few pages whose links follow the visitor's
    remembered persona (home, search); every other page is the same for everyone,
    because the persona is in its URL.
    """

    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = view_func(request, *args, **kwargs)
            # A view may have marked its response already (a page that varies only sometimes).
            if not hasattr(response, PAGE_CACHE_ATTRIBUTE):
                setattr(response, PAGE_CACHE_ATTRIBUTE, "persona" if vary_on_persona else "url")
            return response

        return wrapper

    return decorator(view) if view is not None else decorator


class RecentPages:
    """The pages this process served last, in front of the shared cache.

    Safe without any invalidation of its own: keys carry the content version, so a
    changed site asks for new keys and old entries simply age out. It saves a Redis
    round trip (and unpickling) on every hit of a popular page.
    """

    def __init__(self, size: int = 300) -> None:
        self.size = size
        self.pages: OrderedDict[str, tuple] = OrderedDict()
        self.lock = threading.Lock()  # gunicorn's threaded workers share it

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


def clear() -> None:
    """Forget every cached page, shared and in this process (tests that rewind the database)."""
    cache.clear()
    recent_pages.clear()


def _keys(request: HttpRequest, version: int) -> dict[str, str]:
    base = [str(version), request.method, request.get_full_path(), request.headers.get("HX-Request", "")]
    persona = request.COOKIES.get(settings.PERSONA_COOKIE_NAME, "")[:50]
    return {
        "url": "page:" + hashlib.sha256("\n".join(base).encode()).hexdigest(),
        "persona": "page:" + hashlib.sha256("\n".join([*base, persona]).encode()).hexdigest(),
    }


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

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or settings.SESSION_COOKIE_NAME in request.COOKIES:
            return get_response(request)
        try:
            version = SiteVersion.current()
        except DatabaseError:
            # The database is down: no page can be trusted to be current. Let the view
            # answer (with the 503 page, or /healthz with its 503).
            return get_response(request)
        keys = _keys(request, version)
        page = _find(list(keys.values()))
        if page is not None:
            content, headers = page
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            return response
        response = get_response(request)
        mode = getattr(response, PAGE_CACHE_ATTRIBUTE, None)
        private = any(word in response.get("Cache-Control", "") for word in ("private", "no-store"))
        if mode and response.status_code == 200 and not response.cookies and not response.streaming and not private:
            # The ETag is computed once here, not by ConditionalGetMiddleware on every hit.
            response["ETag"] = quote_etag(hashlib.md5(response.content, usedforsecurity=False).hexdigest())
            page = (response.content, list(response.items()))
            cache.set(keys[mode], page, CACHE_SECONDS)
            recent_pages.put(keys[mode], page)
        return response

    return middleware


def _find(keys: list[str]) -> tuple | None:
    for key in keys:
        if (page := recent_pages.get(key)) is not None:
            return page
    found = cache.get_many(keys)
    for key in keys:
        if key in found:
            recent_pages.put(key, found[key])
            return found[key]
    return None
