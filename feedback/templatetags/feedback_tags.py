from django import template

from feedback.models import Story
from feedback.views import STORY_PERSONAS, read_comment_token

register = template.Library()

# Readers' experiences shown on a topic page; the newest approved ones.
STORIES_ON_PAGE = 20


@register.simple_tag(takes_context=True)
def feedback_state(context) -> dict:
    """After a post without JavaScript the page comes back as ?feedback=...: thank the visitor."""
    request = context.get("request")
    value = request.GET.get("feedback", "") if request is not None else ""
    if not value:
        return {}
    if value == "thanks":
        return {"thanks": True}
    token = read_comment_token(value[:200])
    if token is not None:
        return {"thanks": True, "token": value, "helpful": token[1]}
    return {}


@register.simple_tag
def approved_stories(topic, persona) -> list[Story] | None:
    """Approved experiences of this topic, for the pages that show them (None elsewhere)."""
    if persona is None or persona.slug not in STORY_PERSONAS:
        return None
    return list(Story.objects.approved().filter(topic=topic)[:STORIES_ON_PAGE])
