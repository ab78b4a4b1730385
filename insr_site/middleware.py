"""Site-wide middleware: response headers Django has no setting for, the health check, request body limits."""

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
