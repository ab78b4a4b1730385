"""Site-wide middleware: response headers Django has no setting for, and the health check."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import loader


def cross_origin_resource_policy(get_response):
    """Our pages, styles and scripts are for our own pages only."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.setdefault("Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY)
        return response

    return middleware


def health_check(get_response):
    """/healthz for the platform's health check, answered before any host or HTTPS rule.

    The platform probes the container port with its own Host header (often an internal
    address) over plain HTTP: ALLOWED_HOSTS would answer 400 and SECURE_SSL_REDIRECT a
    301, and the instance would be taken for dead. The check reveals nothing a visitor
    could misuse, so it is answered for any host and scheme.
    """
    from topics.views import healthz

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path_info == "/healthz":
            return healthz(request)
        return get_response(request)

    return middleware


def method_not_allowed(get_response):
    """Django answers a wrong HTTP method with an empty 405; give it the site's layout."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if response.status_code == 405 and not response.content:
            page = loader.render_to_string("405.html", request=request)
            response.content = page
            response["Content-Type"] = "text/html; charset=utf-8"
        return response

    return middleware
