"""Error pages in the site's layout.

Django's defaults would work too, but these pass a plain message so every error page
says, in everyday words, what happened and what to do next.
"""

import sys

from django import db
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponse(loader.render_to_string("400.html", request=request), status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponse(loader.render_to_string("403.html", request=request), status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return HttpResponse(loader.render_to_string("403_csrf.html", request=request), status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponse(loader.render_to_string("404.html", request=request), status=404)


# Used when even the 500 template cannot render (say, static files are missing), so a
# visitor still gets a page, never a stack trace.
PLAIN_500 = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sorry, something went wrong</title>'
    "</head><body><main><h1>Sorry, something went wrong on our side</h1>"
    "<p>It is not something you did. Please try again in a few minutes.</p>"
    '<p><a href="/">Go to the home page</a></p></main></body></html>'
)


def database_unavailable() -> HttpResponse:
    """503 while the database cannot be reached: the visitor is asked to come back soon."""
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Every uncaught exception on every path (middleware, the page cache, a view) ends here.

    A database error is an outage, whichever query hit it (the content version, the
    personas a cache key is built from, a view's read): the 503 page, never a 500.
    Django calls this inside its ``except`` block, so the exception is at hand.
    """
    if isinstance(sys.exc_info()[1], db.Error):
        return database_unavailable()
    # No request context: whatever broke may be what a context processor needs.
    try:
        return HttpResponseServerError(loader.render_to_string("500.html"))
    except Exception:  # the error page must never fail in its turn
        return HttpResponseServerError(PLAIN_500)
