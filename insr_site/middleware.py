"""Site-wide middleware: response headers Django has no setting for, and database outages."""

from __future__ import annotations

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

from insr_site import errors


def cross_origin_resource_policy(get_response):
    """Our pages, styles and scripts are for our own pages only."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.setdefault("Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY)
        return response

    return middleware


def database_unavailable(get_response):
    """A friendly 503 while the database cannot be reached.

    Django opens a fresh connection on the next request, so the site recovers by
    itself once the database is back; nothing here needs resetting.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        return get_response(request)

    def process_exception(request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # Django raises its own OperationalError or InterfaceError when a connection
        # fails or drops; other database errors (a bad query) are bugs and stay 500s.
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        return errors.database_unavailable()

    middleware.process_exception = process_exception
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
