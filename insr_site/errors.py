"""Error pages in the site's layout.

Django's defaults would work too, but these pass a plain message so every error page
says, in everyday words, what happened and what to do next.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponse(loader.render_to_string("400.html", request=request), status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponse(loader.render_to_string("403.html", request=request), status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponse(loader.render_to_string("404.html", request=request), status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: whatever broke may be what a context processor needs.
    return HttpResponseServerError(loader.render_to_string("500.html"))
