"""Whole-page caching that every process invalidates at once.

Every change to content (a variant, topic, reference, glossary term, disclaimer or
persona) bumps one number in the database, the site's content version. Cached pages
are stored under keys that include that number, so the moment a change commits,
every worker on every instance asks for new keys and renders fresh pages, whoever
made the change: admin on another instance, a management command, the release
phase. No cache needs to be reachable by the writer, so this works with the
per-process memory cache as well as with Redis.

Reading the version costs one small query per request, far less than rendering.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from topics.models import SiteVersion

CACHE_SECONDS = 60 * 60 * 24
# Only these headers are stored with a cached page; everything else (CSP, security
# headers) is added again by middleware on every response.
KEPT_HEADERS = ("Content-Type", "Vary", "Content-Language", "HX-Push-Url")


def _cache_key(request: HttpRequest, version: int, vary_on_persona: bool) -> str:
    parts = [str(version), request.get_full_path(), "htmx" if request.headers.get("HX-Request") else "page"]
    if vary_on_persona:
        parts.append(request.COOKIES.get(settings.PERSONA_COOKIE_NAME, "")[:50])
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"page:{digest}"


def cached_page(view=None, *, vary_on_persona: bool = False):
    """Serve a public GET page from the cache, keyed by URL and content version.

    Visitors with a session (signed-in staff, who may see previews) always get a
    fresh page. Only 200 responses that set no cookie are stored, so nothing
    personal is ever cached. ``vary_on_persona`` is for the few pages whose links
    follow the visitor's remembered persona (home, search).
    """

    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method not in ("GET", "HEAD") or settings.SESSION_COOKIE_NAME in request.COOKIES:
                return view_func(request, *args, **kwargs)
            key = _cache_key(request, SiteVersion.current(), vary_on_persona)
            stored = cache.get(key)
            if stored is not None:
                content, headers = stored
                response = HttpResponse(content)
                for name, value in headers.items():
                    response[name] = value
                return response
            response = view_func(request, *args, **kwargs)
            if response.status_code == 200 and not response.cookies and not getattr(response, "streaming", False):
                headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
                cache.set(key, (response.content, headers), CACHE_SECONDS)
            return response

        return wrapper

    return decorator(view) if view is not None else decorator
