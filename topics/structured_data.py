"""schema.org JSON-LD for topic pages, so search engines know what a page is and whom it is for."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from topics.models import Persona, Reference, Topic, Variant

# Keep "</script>" and friends out of the block, whatever an editor typed.
_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def audience(persona: Persona) -> dict:
    if persona.audience_type in {"Patient", "Clinician"}:
        return {"@type": persona.audience_type}
    return {"@type": "Audience", "audienceType": persona.audience_type or persona.name}


def about(topic: Topic) -> dict:
    names = topic.other_names_list
    if topic.kind == Topic.Kind.GENE:
        data = {"@type": "Gene", "name": topic.title}
    elif topic.kind in {Topic.Kind.CONDITION, Topic.Kind.SYMPTOM}:
        data = {"@type": "MedicalCondition", "name": topic.title}
    else:
        data = {"@type": "MedicalEntity", "name": topic.title}
    if names:
        data["alternateName"] = names
    return data


def citation(reference: Reference) -> dict:
    data = {"@type": "CreativeWork", "name": reference.title}
    if reference.authors:
        data["author"] = reference.authors
    if reference.year:
        data["datePublished"] = str(reference.year)
    link = reference.doi_url or reference.url
    if link:
        data["url"] = link
    return data


def medical_web_page(*, variant: Variant, url: str, references: list[Reference]) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": variant.heading,
        "url": url,
        "inLanguage": "en",
        "dateModified": variant.updated_at,
        "audience": audience(variant.persona),
        "about": about(variant.topic),
        "citation": [citation(reference) for reference in references],
    }
    if variant.summary:
        data["description"] = variant.summary
    if variant.reviewer and variant.last_reviewed:
        data["lastReviewed"] = variant.last_reviewed
        data["reviewedBy"] = {
            "@type": "Person",
            "name": variant.reviewer.name,
            "jobTitle": variant.reviewer.credentials,
        }
    return data


def script_tag(data: dict) -> SafeString:
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))
