"""schema.org JSON-LD for topic pages, so search engines know what a page is and whom it is for."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from topics.models import Persona, Reference, Revision, Topic, Variant
from topics.trust import TrustPanel

# Keep "</script>" and friends out of the block, whatever an editor typed.
_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def audience(persona: Persona) -> dict:
    if persona.audience_type in {"Patient", "Clinician"}:
        return {"@type": persona.audience_type}
    return {"@type": "Audience", "audienceType": persona.audience_type or persona.name}


def about(topic: Topic, related: list[Topic]) -> dict:
    """What the page is about. For a condition, the signs and treatments it has pages for."""
    names = topic.other_names_list
    if topic.kind == Topic.Kind.GENE:
        data = {"@type": "Gene", "name": topic.title}
    elif topic.kind in {Topic.Kind.CONDITION, Topic.Kind.SYMPTOM}:
        data = {"@type": "MedicalCondition", "name": topic.title}
        # Only what the site's own pages cover: related symptom and treatment topics.
        signs = [{"@type": "MedicalSignOrSymptom", "name": t.title} for t in related if t.kind == Topic.Kind.SYMPTOM]
        treatments = [{"@type": "MedicalTherapy", "name": t.title} for t in related if t.kind == Topic.Kind.TREATMENT]
        if signs and topic.kind == Topic.Kind.CONDITION:
            data["signOrSymptom"] = signs
        if treatments:
            data["possibleTreatment"] = treatments
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


def medical_web_page(
    *,
    variant: Variant,
    page: Revision,
    url: str,
    references: list[Reference],
    related: list[Topic],
    trust: TrustPanel,
) -> dict:
    """The page for search engines, with exactly the dates and reviewer its trust panel shows."""
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": page.heading,
        "url": url,
        "inLanguage": "en",
        "audience": audience(variant.persona),
        "about": about(variant.topic, related),
        "citation": [citation(reference) for reference in references],
    }
    if page.summary:
        data["description"] = page.summary
    # The dates the trust panel shows: the day the text was written, never the day it was loaded.
    if page.updated:
        data["dateModified"] = page.updated
    if trust.reviewed:
        data["lastReviewed"] = trust.last_reviewed
        data["reviewedBy"] = {"@type": "Person", "name": trust.reviewer.name, "jobTitle": trust.reviewer.credentials}
    return data


def script_tag(data: dict) -> SafeString:
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))
