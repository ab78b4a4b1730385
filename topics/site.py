"""Absolute URLs, always from the configured public address (DJANGO_SITE_URL).

Never from the request's Host header or scheme: pages are cached and shared by every
visitor (and by a CDN), so one visitor's Host must not end up in everyone's canonical
link, og:url, JSON-LD, sitemap or robots.txt.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.http import HttpRequest


def absolute_url(path: str) -> str:
    """The public address of a path on this site, e.g. "/topics/insr-gene/patient/"."""
    return settings.SITE_URL + path


def scheme() -> str:
    return urlsplit(settings.SITE_URL).scheme


def domain() -> str:
    return urlsplit(settings.SITE_URL).netloc


@register(Tags.urls, deploy=False)
def check_site_url(app_configs, **kwargs) -> list[Error]:
    if settings.SITE_URL:
        return []
    return [
        Error(
            "DJANGO_SITE_URL is not set and no host in DJANGO_ALLOWED_HOSTS can stand in for it.",
            hint="Set DJANGO_SITE_URL to the public address, e.g. https://insr.example.org.",
            id="topics.E001",
        )
    ]


def site_url(request: HttpRequest) -> dict[str, str]:
    """Template context: {{ site_url }}, for canonical links in the base layout."""
    return {"site_url": settings.SITE_URL}
