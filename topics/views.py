"""Public pages. Every htmx request has a plain-HTML twin: the site works without JavaScript."""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from topics import caching, rendering, selectors, site, structured_data, trust
from topics.caching import HTMX_HEADERS, PAGE_CACHE_ATTRIBUTE, cached_page
from topics.models import GlossaryTerm, Persona, Topic, Variant
from topics.search import search as search_topics
from topics.sitemaps import VariantSitemap

MAX_QUERY_LENGTH = 200
# A large group shows its first topics on the home page; /topics/ lists them all.
HOME_TOPICS_PER_GROUP = 12


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _cookie_persona(request: HttpRequest) -> Persona:
    return selectors.remembered_persona(slug=request.COOKIES.get(settings.PERSONA_COOKIE_NAME))


def _requested_persona(request: HttpRequest) -> tuple[Persona, bool]:
    """The persona named by ?persona= (True: the page is the same for everyone), else the cookie's.

    Home and search take it from the URL when a persona switch or a search form put it
    there, so that those pages, like topic pages, can be cached and shared by address.
    """
    if "persona" in request.GET:
        persona = selectors.persona_from_slug(slug=request.GET["persona"])
        if persona is None:
            raise Http404("No such reader.")
        return persona, True
    return _cookie_persona(request), False


def _mark_persona_source(response: HttpResponse, *, in_url: bool) -> HttpResponse:
    if in_url:
        # The same page for every visitor, whatever their cookie: cached by URL alone.
        setattr(response, PAGE_CACHE_ATTRIBUTE, "url")
    else:
        patch_vary_headers(response, ["Cookie"])
    return response


@require_safe
@cached_page(query=("persona",), vary_on_persona=True)
def home(request: HtmxHttpRequest) -> HttpResponse:
    # "/?persona=student" is the home page for one persona: the address a persona switch
    # pushes, so Back returns to the persona before. Plain "/" follows the cookie.
    persona, in_url = _requested_persona(request)
    # Nothing is ticked until the visitor chooses (in the URL, or a cookie naming a real
    # persona): the links still lead to the default reader's pages. The page cache keys
    # plain "/" on exactly that (a real persona's slug, or none), so the two never mix.
    chosen = in_url or _has_chosen_persona(request)
    response = render(request, "topics/home.html", _home_context(persona, chosen=chosen))
    return _mark_persona_source(response, in_url=in_url)


def _has_chosen_persona(request: HttpRequest) -> bool:
    return selectors.persona_from_slug(slug=request.COOKIES.get(settings.PERSONA_COOKIE_NAME)) is not None


def _home_url(persona: Persona) -> str:
    return f"{reverse('topics:home')}?persona={persona.slug}"


def _home_context(persona: Persona, *, chosen: bool) -> dict:
    groups = selectors.topics_by_kind(per_group=HOME_TOPICS_PER_GROUP, persona=persona)
    return {
        "persona": persona,
        "chosen": chosen,
        "personas": selectors.all_personas(),
        "groups": groups,
        "start_here": selectors.start_here_topics(),
    }


@require_safe
@cached_page
def topic_list(request: HtmxHttpRequest) -> HttpResponse:
    # The same for every visitor (links go to /topics/<topic>/, which follows the cookie),
    # so it is cached by URL: it must not read the persona cookie.
    return render(request, "topics/topic_list.html", {"groups": selectors.topics_by_kind()})


@require_safe
def topic_redirect(request: HtmxHttpRequest, topic: str) -> HttpResponse:
    """/topics/<topic>/ sends the visitor to the page for their remembered persona."""
    topic_obj = get_object_or_404(Topic.objects.health_topics(), slug=topic)
    persona = _cookie_persona(request)
    return redirect("topics:variant", topic=topic_obj.slug, persona=persona.slug)


@require_safe
# ?feedback= carries one visitor's thank-you (feedback.views): never cached, never served from the cache.
@cached_page(uncached_query=("feedback",))
def variant_detail(request: HtmxHttpRequest, topic: str, persona: str) -> HttpResponse:
    # Staff may read the working text at the public address; nobody else can ask for it.
    preview = "preview" in request.GET and request.user.is_staff
    choice = selectors.choose_variant(topic_slug=topic, persona_slug=persona, preview=preview)
    if choice.withdrawn is not None:
        # A page a reviewer took down is gone, not quietly replaced by another reader's page.
        return _withdrawn(request, choice.withdrawn)
    response = render(request, "topics/variant.html", _variant_context(request, choice))
    return _mark_preview(response) if preview else response


def _withdrawn(request: HttpRequest, variant) -> HttpResponse:
    """410 Gone in the site's layout: when it was withdrawn, and where to read on."""
    others = Variant.objects.published().filter(topic=variant.topic).select_related("persona", "topic")
    context = {"variant": variant, "topic": variant.topic, "others": others.order_by("persona__order")}
    return render(request, "410.html", context, status=410)


def _mark_preview(response: HttpResponse) -> HttpResponse:
    """A staff preview of unpublished text: never cached anywhere, never indexed."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_safe
@cached_page
def about(request: HtmxHttpRequest, page: str = "") -> HttpResponse:
    """/about/ and /about/<page>/: the publisher explains itself, in pages reviewed like every other."""
    preview = "preview" in request.GET and request.user.is_staff
    variant = selectors.about_page(page=page, preview=preview)
    revision = variant.working_revision() if preview else variant.live_revision()
    context = {
        "variant": variant,
        "page": revision,
        "preview": preview,
        "trust": trust.trust_panel(variant, revision, preview=preview),
        "canonical_url": site.absolute_url(variant.get_absolute_url()),
    }
    response = render(request, "topics/about.html", context)
    return _mark_preview(response) if preview else response


def _variant_context(request: HttpRequest, choice: selectors.PageChoice) -> dict:
    variant = choice.variant
    page = variant.working_revision() if choice.preview else variant.live_revision()
    references = variant.references(page)
    # Citation links say which source they are, and glossary words link to their definitions.
    html = rendering.label_citations(page.html, {ref.key: ref.short_name for ref in references})
    page = dataclasses.replace(page, html=GlossaryTerm.objects.link(html, selectors.glossary_link_forms()))
    canonical_url = site.absolute_url(variant.get_absolute_url())
    around = selectors.neighbourhood(topic=variant.topic)
    panel = trust.trust_panel(variant, page, preview=choice.preview)
    return {
        "choice": choice,
        "variant": variant,
        "page": page,
        "topic": variant.topic,
        "persona": choice.requested,
        "personas": choice.personas,
        "references": references,
        "reference_groups": selectors.reference_groups(
            references=references, html=page.html, by_kind=not variant.persona.plain_language
        ),
        "disclaimers": selectors.disclaimers_for(persona=variant.persona),
        "around": around,
        "canonical_url": canonical_url,
        "trust": panel,
        # "On this page" and "When to get help now", read from the page's own headings.
        "sections": rendering.page_sections(page.html),
        "get_help": rendering.most_urgent_card(page.html),
        "json_ld": structured_data.script_tag(
            structured_data.medical_web_page(
                variant=variant,
                page=page,
                url=canonical_url,
                references=references,
                related=around.related,
                trust=panel,
            )
        ),
    }


def _safe_next(request: HttpRequest) -> str:
    """Only a path on this site: never another host, scheme or protocol-relative URL."""
    candidate = request.POST.get("next", "")
    if (
        candidate.startswith("/")
        and not candidate.startswith("//")
        and len(candidate) <= 500
        and url_has_allowed_host_and_scheme(candidate, allowed_hosts=None, require_https=False)
    ):
        return candidate
    return reverse("topics:home")


# No CSRF token: choosing a persona changes no server data, only the chooser's own
# preference cookie, and `next` is limited to our own paths. Leaving the token out
# keeps every public page free of per-visitor HTML, so whole pages can be cached.
@csrf_exempt
@require_POST
@vary_on_headers("HX-Request")
def set_persona(request: HtmxHttpRequest) -> HttpResponse:
    persona = selectors.persona_from_slug(slug=request.POST.get("persona"))
    if persona is None:
        return render(request, "400.html", {"message": "Please choose one of the options listed."}, status=400)
    next_path = _safe_next(request)
    try:
        match = resolve(next_path.split("?")[0])
    except Resolver404:
        match = None
    # Staff switching reader on a preview keep reading the working text.
    preview = request.user.is_staff and "preview" in QueryDict(next_path.partition("?")[2])

    if match and match.view_name in {"topics:variant", "topics:topic"}:
        target = reverse("topics:variant", kwargs={"topic": match.kwargs["topic"], "persona": persona.slug})
        target += "?preview=1" if preview else ""
    elif match and match.view_name == "topics:home":
        target = _home_url(persona)
    else:
        target = next_path

    if request.htmx:
        if match and match.view_name in {"topics:variant", "topics:topic"}:
            try:
                choice = selectors.choose_variant(
                    topic_slug=match.kwargs["topic"], persona_slug=persona.slug, preview=preview
                )
            except Http404:
                response = HttpResponseClientRedirect(target)
            else:
                context = _variant_context(request, choice) | {"announce": True}
                response = render(request, "topics/variant.html#article", context)
                response["HX-Push-Url"] = target
        elif match and match.view_name == "topics:home":
            response = render(
                request, "topics/home.html#topic-list", _home_context(persona, chosen=True) | {"announce": True}
            )
            response["HX-Push-Url"] = target
        else:
            response = HttpResponseClientRedirect(target)
    else:
        response = redirect(target)

    response.set_cookie(
        settings.PERSONA_COOKIE_NAME,
        persona.slug,
        max_age=settings.PERSONA_COOKIE_AGE,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=True,
    )
    return response


@require_safe
@cached_page
def glossary(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "topics/glossary.html", {"terms": GlossaryTerm.objects.all()})


@require_safe
@vary_on_headers(*HTMX_HEADERS)
# Never the cookie: the page is the same for everyone at its address. ?persona= (optional)
# narrows the pages that use the word to that reader's.
@cached_page(query=("persona",))
def glossary_term(request: HtmxHttpRequest, term: str) -> HttpResponse:
    entry = get_object_or_404(GlossaryTerm, slug=term)
    if request.htmx:
        # The definition alone, for the popover on a topic page: small, and the same for every reader.
        return render(request, "topics/glossary_term.html#definition", {"entry": entry})
    persona = None
    if "persona" in request.GET:
        persona = selectors.persona_from_slug(slug=request.GET["persona"])
        if persona is None:
            raise Http404("No such reader.")
    pages = selectors.term_pages(term=entry, persona=persona)
    return render(request, "topics/glossary_term.html", {"entry": entry, "persona": persona, "pages": pages})


@require_safe
@vary_on_headers(*HTMX_HEADERS)
# Anyone can type a new search: those pages are kept ten minutes, not a day, so a flood of
# distinct searches cannot keep growing the cache.
@cached_page(
    query={"q": caching.plain_text, "persona": caching.as_given, "exact": caching.flag, "suggest": caching.flag},
    vary_on_persona=True,
    seconds=600,
)
def search(request: HtmxHttpRequest) -> HttpResponse:
    # Control characters (NUL included, which PostgreSQL refuses) can't be part of a real search.
    # (Cached requests arrive folded so already; a signed-in editor's request does not.)
    query = caching.plain_text(request.GET.get("q", "")) or ""
    if len(query) > MAX_QUERY_LENGTH:
        return render(
            request, "400.html", {"message": f"Please search with at most {MAX_QUERY_LENGTH} characters."}, status=400
        )
    # Search forms send the reader's persona along, so results link to their version.
    persona, in_url = _requested_persona(request)
    # A reader who has not said who they are may be looking after someone ("my baby has ...").
    chosen = in_url or _has_chosen_persona(request)
    # exact=1: "search instead for" the words as typed, never their correction.
    exact = request.GET.get("exact") == "1"
    results = search_topics(query, persona, reader_chosen=chosen, exact=exact)
    context = {
        "query": query,
        "persona": persona,
        "corrected": results.corrected,
        "hits": results.hits,
        "terms": results.terms,
        "suggestion": results.suggestion,
    }
    if query and not results.hits and not results.terms:
        context["suggestions"] = selectors.suggested_topics()
    template = "topics/search.html"
    if request.htmx and not request.htmx.history_restore_request:
        # The header's box asks for its short list (suggest=1); the search page's own form, for its results.
        template += "#suggestions" if request.GET.get("suggest") == "1" else "#results"
    return _mark_persona_source(render(request, template, context), in_url=in_url)


@require_safe
@cached_page
def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap = site.absolute_url(reverse("sitemap"))
    # A large site's sitemap comes in pages; name every page so crawlers find them all.
    pages = max(1, -(-VariantSitemap().items().count() // VariantSitemap.limit))
    # The admin's address is not listed: DJANGO_ADMIN_PATH may be a secret, and crawlers
    # get nothing there anyway (it answers signed-out visitors with a sign-in page).
    lines = ["User-agent: *", "Disallow: /persona/", f"Sitemap: {sitemap}"]
    lines += [f"Sitemap: {sitemap}?p={page}" for page in range(2, pages + 1)]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """For the PaaS router: 200 when the database answers, 503 when it does not.

    The cache is reported but never decides: without it pages are only slower.
    """
    cache_status = "ok" if caching.shared_cache.check() else "unreachable"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable", "cache": cache_status}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "cache": cache_status})
