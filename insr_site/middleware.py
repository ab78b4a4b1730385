"""Site-wide middleware: response headers Django has no setting for, request body limits, database outages."""

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


def request_body_limit(get_response):
    """413 in the site's layout for any body over DATA_UPLOAD_MAX_MEMORY_SIZE, before it is parsed.

    Django's own limit leaves out the file parts of a multipart body, and the site takes
    no uploads, so here the whole body counts. A declared Content-Length over the limit
    is refused unread; a body with no length (chunked) is read only up to the limit.
    This runs before any middleware or view reads request.POST (CSRF does, in process_view).
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = request.META.get("CONTENT_LENGTH") or ""
        if length.strip().isdigit():
            if int(length) > limit:
                return _too_large(request)
        elif "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            # Django reads no body without a Content-Length; all that matters is its size.
            stream, seen = request.META["wsgi.input"], 0
            while chunk := stream.read(64 * 1024):
                seen += len(chunk)
                if seen > limit:
                    return _too_large(request)
        return get_response(request)

    return middleware


def _too_large(request: HttpRequest) -> HttpResponse:
    # The unread rest of the body is gunicorn's to drain or drop (a WSGI application may
    # not set Connection itself).
    return HttpResponse(loader.render_to_string("413.html", request=request), status=413)


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
