"""Finding topics by any name: titles, other names (CD220, HHF5), summaries, article text, glossary.

On PostgreSQL: full-text search over a weighted tsvector stored on each variant
(title and other names A, summaries B, article prose C) with a GIN index, ranked,
with highlighted snippets; pg_trgm word similarity on titles and other names so a
small typo still finds the page. On SQLite (local development): a plain scoring
fallback built to give the same top results on the shipped content.

Only live text of published variants is searched, for the visitor's persona.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, FloatField, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from topics.models import GlossaryTerm, Persona, Topic, Variant

MAX_RESULTS = 20
TOKEN_RE = re.compile(r"[A-Za-z0-9]+")
TRIGRAM_THRESHOLD = 0.45
CONFIG = "english"


@dataclass
class Hit:
    topic: Topic
    variant: Variant
    snippet: SafeString
    score: float


@dataclass
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    terms: list[GlossaryTerm] = field(default_factory=list)


def search(query: str, persona: Persona) -> Results:
    query = " ".join(query.split())
    if not TOKEN_RE.search(query):
        return Results(query=query)
    variants = Variant.objects.published().health_pages().filter(persona=persona).select_related("topic", "persona")
    if connection.vendor == "postgresql":
        hits = _postgres_hits(query, variants)
    else:
        hits = _fallback_hits(query, variants)
    return Results(query=query, hits=hits[:MAX_RESULTS], terms=_glossary(query))


def _glossary(query: str) -> list[GlossaryTerm]:
    """Terms named by the query: exactly (PCOS, IRS), or by a word of three letters or more."""
    match = Q(term__iexact=query) | Q(other_forms__iregex=rf"(^|\n){re.escape(query)}(\r?\n|$)")
    for word in TOKEN_RE.findall(query):
        if len(word) > 2:
            match |= Q(term__icontains=word) | Q(other_forms__icontains=word)
    terms = GlossaryTerm.objects.filter(match).distinct()[:10]
    return sorted(terms, key=lambda t: (t.term.lower() != query.lower(), t.term.lower()))


# PostgreSQL ------------------------------------------------------------------------------


def _postgres_hits(query: str, variants) -> list[Hit]:
    from django.contrib.postgres.search import (
        SearchHeadline,
        SearchQuery,
        SearchRank,
        TrigramWordSimilarity,
    )

    tokens = TOKEN_RE.findall(query.lower())
    every_word = SearchQuery(query, search_type="websearch", config=CONFIG)
    any_word = SearchQuery(" | ".join(tokens), search_type="raw", config=CONFIG)
    title_similarity = TrigramWordSimilarity(Value(query), "topic__title")
    names_similarity = TrigramWordSimilarity(Value(query), "topic__other_names")
    found = []
    for search_query in (every_word, any_word):
        found = list(
            variants.annotate(
                rank=Coalesce(SearchRank(F("search_vector"), search_query), Value(0.0), output_field=FloatField()),
                title_similarity=title_similarity,
                names_similarity=names_similarity,
                similarity=Greatest(title_similarity, names_similarity),
            )
            .filter(Q(search_vector=search_query) | Q(similarity__gte=TRIGRAM_THRESHOLD))
            .annotate(
                snippet=SearchHeadline(
                    "search_text",
                    search_query,
                    config=CONFIG,
                    start_sel="\x02",
                    stop_sel="\x03",
                    max_words=30,
                    min_words=12,
                    max_fragments=1,
                )
            )
            .order_by("-rank", "-similarity", "topic__title")[:MAX_RESULTS]
        )
        if found:
            break
    # A page whose own name matches comes before pages that merely mention the words.
    hits = [
        Hit(v.topic, v, _highlighted(v.snippet), v.rank + 2 * v.title_similarity + 1.5 * v.names_similarity)
        for v in found
    ]
    return sorted(hits, key=lambda h: (-h.score, h.topic.title))


def _highlighted(marked: str) -> SafeString:
    """Escape a snippet, then turn PostgreSQL's markers into <mark> elements."""
    return mark_safe(escape(marked or "").replace("\x02", "<mark>").replace("\x03", "</mark>"))


def search_vector_for(variant: Variant):
    """The weighted document a published variant is found by (PostgreSQL only)."""
    from django.contrib.postgres.search import SearchVector

    names = " ".join([variant.topic.title, *variant.topic.other_names_list, variant.live_title])
    summaries = " ".join([variant.topic.summary, variant.live_summary])
    return (
        SearchVector(Value(names), weight="A", config=CONFIG)
        + SearchVector(Value(summaries), weight="B", config=CONFIG)
        + SearchVector(Value(variant.search_text), weight="C", config=CONFIG)
    )


# SQLite fallback -------------------------------------------------------------------------

WEIGHTS = {"name": 10.0, "summary": 3.0, "body": 1.0}


def _fallback_hits(query: str, variants) -> list[Hit]:
    tokens = [t for t in TOKEN_RE.findall(query.lower())]
    rows = list(variants)
    vocabulary = {w for v in rows for w in TOKEN_RE.findall(_names(v).lower())}
    hits = []
    for variant in rows:
        score = _score(tokens, variant, vocabulary)
        if score > 0:
            hits.append(Hit(variant.topic, variant, _fallback_snippet(tokens, variant.search_text), score))
    return sorted(hits, key=lambda h: (-h.score, h.topic.title))


def _names(variant: Variant) -> str:
    return " ".join([variant.topic.title, *variant.topic.other_names_list, variant.live_title])


def _score(tokens: list[str], variant: Variant, vocabulary: set[str]) -> float:
    names = TOKEN_RE.findall(_names(variant).lower())
    other_names = {n.lower() for n in variant.topic.other_names_list}
    summary = TOKEN_RE.findall(f"{variant.topic.summary} {variant.live_summary}".lower())
    body = TOKEN_RE.findall(variant.search_text.lower())
    score = 0.0
    for token in tokens:
        stem = token[:5] if len(token) > 5 else token
        if token in other_names:
            score += 2 * WEIGHTS["name"]
        if any(n == token or (len(token) > 3 and n.startswith(stem)) for n in names):
            score += WEIGHTS["name"]
        elif len(token) > 3 and difflib.get_close_matches(token, [n for n in names if len(n) > 3], n=1, cutoff=0.8):
            score += WEIGHTS["name"] * 0.8  # a small typo in a name
        if any(w.startswith(stem) for w in summary):
            score += WEIGHTS["summary"]
        score += WEIGHTS["body"] * min(5, sum(1 for w in body if w.startswith(stem))) / 5
    return score


def _fallback_snippet(tokens: list[str], text: str, width: int = 110) -> SafeString:
    lowered = text.lower()
    positions = [lowered.find(t) for t in tokens if len(t) > 1 and lowered.find(t) >= 0]
    start = max(0, min(positions) - width // 2) if positions else 0
    piece = text[start : start + 2 * width]
    if start:
        piece = "…" + piece.split(" ", 1)[-1]
    if start + 2 * width < len(text):
        piece = piece.rsplit(" ", 1)[0] + "…"
    words = sorted({t for t in tokens if len(t) > 1}, key=len, reverse=True)
    if not words:
        return mark_safe(escape(piece))
    pattern = re.compile(r"(?i)\b(?:" + "|".join(re.escape(w) for w in words) + r")\w*")
    out, last = [], 0
    for match in pattern.finditer(piece):
        out += [escape(piece[last : match.start()]), "<mark>", escape(match.group(0)), "</mark>"]
        last = match.end()
    out.append(escape(piece[last:]))
    return mark_safe("".join(out))
