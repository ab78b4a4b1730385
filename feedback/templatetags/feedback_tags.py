from django import template

from feedback.models import Story
from feedback.views import read_comment_token, takes_stories
from topics.caching import per_content_version

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


@per_content_version
def _approved_stories_by_topic() -> dict[int, list[Story]]:
    """Every topic's newest approved experiences, read once per content version in each process.

    Approving or rejecting a story bumps the content version, so this is exact.
    """
    by_topic: dict[int, list[Story]] = {}
    for story in Story.objects.approved():
        shown = by_topic.setdefault(story.topic_id, [])
        if len(shown) < STORIES_ON_PAGE:
            shown.append(story)
    return by_topic


@register.simple_tag
def approved_stories(topic, persona) -> list[Story] | None:
    """Approved experiences of this topic, for the pages that show them (None elsewhere)."""
    if not takes_stories(persona):
        return None
    return _approved_stories_by_topic().get(topic.pk, [])
