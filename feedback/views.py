"""Visitors' voices: page feedback and readers' experiences.

What is kept, and for how long, is said on /about/privacy/ (an about page, shipped as
content; a test checks that it states the retention constants in feedback.models).

Topic pages are cached whole, the same for everyone, so the forms on them carry no
CSRF token. The views below that take a visitor's post refuse it when the browser
says it comes from another site (feedback.guards.is_same_origin). Nothing a visitor
types is ever logged.
"""

from __future__ import annotations

from django.core import signing
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.middleware import HtmxDetails

from feedback import guards
from feedback.forms import CommentForm, FeedbackForm, StoryForm
from feedback.models import FeedbackPage, PageFeedback, Story, StoryPrompt
from topics import selectors
from topics.caching import cached_page
from topics.models import Topic

# Forms a visitor may send per hour (counted by a keyed hash of their address).
FEEDBACK_PER_HOUR = 30
STORIES_PER_HOUR = 5
COMMENT_TOKEN_SALT = "feedback.comment"
COMMENT_TOKEN_AGE = 60 * 60 * 24
SENT_TOKEN_SALT = "feedback.story-sent"
SENT_TOKEN_AGE = 60 * 60


def takes_stories(persona) -> bool:
    """Readers' experiences are asked for, and shown, on the plain-language readers' pages only
    (the people who live with a condition or look after someone who does), whatever they are called."""
    return persona is not None and persona.plain_language


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _refused(request: HttpRequest) -> HttpResponse:
    message = "This form can only be sent from a page on this site. Please go back to the page and try again."
    return render(request, "403.html", {"message": message}, status=403)


def _bad(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "400.html", {"message": message}, status=status)


def comment_token(response: PageFeedback) -> str:
    """Lets the visitor who answered add one comment to their own answer, for a day."""
    return signing.dumps([response.pk, response.helpful], salt=COMMENT_TOKEN_SALT, compress=True)


def read_comment_token(token: str) -> tuple[int, bool] | None:
    """(answer id, helpful) from a token this site made in the last day; None for anything else."""
    try:
        value = signing.loads(token, salt=COMMENT_TOKEN_SALT, max_age=COMMENT_TOKEN_AGE)
    except (signing.BadSignature, ValueError, UnicodeError):
        return None
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], bool):
        return value[0], value[1]
    return None


def _feedback_limit(request: HtmxHttpRequest, context: dict) -> HttpResponse:
    if request.htmx:
        return render(request, "feedback/_page_voices.html#feedback-limit", context)
    return _bad(request, "You have sent a lot of answers in the last hour. Please try again later.", status=429)


def _page_url(topic_slug: str, persona_slug: str) -> str:
    return reverse("topics:variant", kwargs={"topic": topic_slug, "persona": persona_slug})


@csrf_exempt
@require_POST
@vary_on_headers("HX-Request")
def vote(request: HtmxHttpRequest) -> HttpResponse:
    """ "Was this page helpful?" Yes or No; then the same page thanks the visitor and offers a comment box."""
    if not guards.is_same_origin(request):
        return _refused(request)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return _bad(request, "Please answer Yes or No on the page you were reading.")
    topic = Topic.objects.published().filter(slug=form.cleaned_data["topic"]).first()
    persona = selectors.persona_from_slug(slug=form.cleaned_data["persona"])
    if topic is None or persona is None:
        return _bad(request, "We could not find the page you answered about. Please go back and try again.")
    helpful = form.cleaned_data["helpful"] == "yes"
    context = {"topic": topic, "persona": persona, "helpful": helpful, "token": ""}

    if guards.over_limit(request, "feedback", FEEDBACK_PER_HOUR):
        return _feedback_limit(request, context)
    if not form.is_bot():
        with transaction.atomic():
            counted = guards.record_hit(request, "feedback", FEEDBACK_PER_HOUR)
            if counted:
                page, _ = FeedbackPage.objects.get_or_create(topic=topic, persona=persona)
                answer = PageFeedback.objects.create(page=page, helpful=helpful)
        if not counted:
            return _feedback_limit(request, context)
        context["token"] = comment_token(answer)

    if request.htmx:
        return render(request, "feedback/_page_voices.html#feedback-thanks", context)
    # Back to the same page, which thanks the visitor and offers the comment box.
    query = f"?feedback={context['token']}" if context["token"] else "?feedback=thanks"
    return redirect(f"{_page_url(topic.slug, persona.slug)}{query}#feedback", permanent=False)


@csrf_exempt
@require_POST
@vary_on_headers("HX-Request")
def comment(request: HtmxHttpRequest) -> HttpResponse:
    """The optional comment after a Yes or No: what was missing or hard."""
    if not guards.is_same_origin(request):
        return _refused(request)
    form = CommentForm(request.POST)
    token = read_comment_token(request.POST.get("token", "")[:200])
    answer = None
    if token is not None:
        answer = PageFeedback.objects.select_related("page__topic", "page__persona").filter(pk=token[0]).first()
    if answer is None:
        return _bad(request, "This answer can no longer take a comment. Thank you all the same.")
    context = {
        "form": form,
        "token": form.data.get("token", ""),
        "helpful": answer.helpful,
        "topic": answer.page.topic,
        "persona": answer.page.persona,
    }
    status = 400
    if form.is_valid() and not form.is_bot():
        counted = False
        if not guards.over_limit(request, "comment", FEEDBACK_PER_HOUR):
            with transaction.atomic():
                counted = guards.record_hit(request, "comment", FEEDBACK_PER_HOUR)
                if counted:
                    # One comment per answer: a token cannot be used to overwrite it.
                    PageFeedback.objects.filter(pk=answer.pk, comment="").update(comment=form.cleaned_data["comment"])
        if not counted:
            form.add_error(None, "You have sent a lot of comments in the last hour. Please try again later.")
            status = 429
    if form.errors:
        if request.htmx:
            # htmx swaps only 2xx answers: the form comes back with its message and the text.
            return render(request, "feedback/comment.html#comment-form", context)
        return render(request, "feedback/comment.html", context, status=status)
    if request.htmx:
        return render(request, "feedback/_page_voices.html#comment-thanks", context)
    return redirect(f"{_page_url(answer.page.topic.slug, answer.page.persona.slug)}?feedback=thanks#feedback")


def _story_page(topic: str, persona: str) -> tuple[Topic, object]:
    topic_obj = get_object_or_404(Topic.objects.published(), slug=topic)
    persona_obj = selectors.persona_from_slug(slug=persona)
    if not takes_stories(persona_obj):
        raise Http404("Experiences are shared from the patient and caregiver pages.")
    return topic_obj, persona_obj


def sent_token(topic: Topic, persona) -> str:
    """Says to the page that this visitor just sent a story from it (for an hour, and no other page)."""
    return signing.dumps([topic.slug, persona.slug], salt=SENT_TOKEN_SALT, compress=True)


def _just_sent(request: HttpRequest, topic: Topic, persona) -> bool:
    try:
        value = signing.loads(request.GET.get("sent", "")[:200], salt=SENT_TOKEN_SALT, max_age=SENT_TOKEN_AGE)
    except (signing.BadSignature, ValueError, UnicodeError):
        return False
    return value == [topic.slug, persona.slug]


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
# ?sent= carries one visitor's thank-you: never cached, never served from the cache.
@cached_page(uncached_query=("sent",))
def share(request: HtmxHttpRequest, topic: str, persona: str) -> HttpResponse:
    """ "Share your experience": its own page, linked from the topic page; stories wait for a moderator."""
    topic_obj, persona_obj = _story_page(topic, persona)
    prompts = StoryPrompt.objects.for_topic(topic_obj)
    context = {"topic": topic_obj, "persona": persona_obj, "page_url": _page_url(topic_obj.slug, persona_obj.slug)}
    if request.method != "POST":
        if _just_sent(request, topic_obj, persona_obj):
            # The sender's own thank-you, with no form to send the same story again.
            response = render(request, "feedback/share.html", context | {"sent": True})
            add_never_cache_headers(response)
            patch_cache_control(response, private=True, no_store=True)
            return response
        context["form"] = StoryForm(prompts=prompts)
        return render(request, "feedback/share.html", context)

    if not guards.is_same_origin(request):
        return _refused(request)
    form = StoryForm(request.POST, prompts=prompts)
    context["form"] = form
    status = 400
    if form.is_bot():
        # Say nothing a bot could learn from; keep nothing.
        return _story_sent(request, context)
    over_limit = guards.over_limit(request, "story", STORIES_PER_HOUR)
    if not over_limit and form.is_valid():
        text, masked_text = guards.mask_contact_details(form.cleaned_data["text"])
        name, masked_name = guards.mask_contact_details(form.cleaned_data["name"])
        with transaction.atomic():
            counted = guards.record_hit(request, "story", STORIES_PER_HOUR)
            if counted:
                Story.objects.create(
                    topic=topic_obj,
                    persona=persona_obj,
                    prompt=form.cleaned_data["prompt"],
                    name=name,
                    text=text,
                    contact_details_masked=masked_text or masked_name,
                )
        if counted:
            return _story_sent(request, context)
        over_limit = True
    if over_limit:
        form.add_error(
            None,
            f"You have shared {STORIES_PER_HOUR} experiences in the last hour, the most we take. "
            "Your text is still here: please copy it and try again later.",
        )
        status = 429

    if request.htmx:
        return render(request, "feedback/share.html#story-form", context)
    return render(request, "feedback/share.html", context, status=status)


def _story_sent(request: HtmxHttpRequest, context: dict) -> HttpResponse:
    if request.htmx:
        return render(request, "feedback/share.html#story-sent", context)
    # Post, redirect, get: reloading the thank-you sends nothing again.
    url = reverse("feedback:share", args=[context["topic"].slug, context["persona"].slug])
    return redirect(f"{url}?{urlencode({'sent': sent_token(context['topic'], context['persona'])})}")
