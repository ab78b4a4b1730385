"""The prediabetes risk test: answers in, a score out, nothing stored or logged."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.middleware import HtmxDetails

from tools import scoring
from tools.forms import RiskTestForm
from topics import selectors
from topics.caching import cached_page

GETTING_TESTED_TOPIC = "getting-tested"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


# No CSRF token: the test changes nothing on the server (it stores nothing), so a post
# from anywhere can do no harm, and the question page stays the same for everyone.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
@cached_page
def risk_test(request: HtmxHttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "tools/risk_test.html", {"form": RiskTestForm()})

    form = RiskTestForm(request.POST)
    context = {"form": form}
    if form.is_valid():
        # The result is for the reader they said they are (the persona cookie), in their words.
        persona = selectors.remembered_persona(slug=request.COOKIES.get(settings.PERSONA_COOKIE_NAME))
        context |= {
            "result": scoring.score(form.answers()),
            "persona": persona,
            "high_risk_score": scoring.HIGH_RISK_SCORE,
            "getting_tested_url": reverse("topics:topic", kwargs={"topic": GETTING_TESTED_TOPIC}),
        }
    template = "tools/risk_test.html"
    if request.htmx:
        template += "#risk-test"
    response = render(request, template, context, status=200 if form.is_valid() or request.htmx else 400)
    # The answers are health details: no copy of the result anywhere, the browser's included.
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response
