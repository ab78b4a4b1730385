"""Finding topics by any name: titles, other names (CD220, HHF5), summaries, article text, glossary.

On PostgreSQL: full-text search over a weighted tsvector stored on each variant
(title and other names A, summaries and key points B, article prose C) with a GIN
index, ranked, with highlighted snippets; pg_trgm word similarity on titles and other
names so a small typo still finds the page. On SQLite (local development): a plain
scoring fallback built to give the same top results on the shipped content. On both,
a page whose title or key points answer the question comes before one that mentions
its words in passing, and question words ("what should I ...") count for nothing.

Only live text of published variants is searched, for the visitor's persona. A word
the site never uses gets a "Did you mean ...?" from the site's own names: topic
titles, other names and glossary terms.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, FloatField, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from topics import search_vocabulary
from topics.caching import per_content_version
from topics.models import GlossaryTerm, Persona, Topic, Variant
from topics.readability import prose_text

MAX_RESULTS = 20
TOKEN_RE = re.compile(r"[A-Za-z0-9]+")
TRIGRAM_THRESHOLD = 0.45
CONFIG = "english"
# Words of a question that say nothing about its subject (PostgreSQL's English
# configuration drops these and more; the SQLite fallback and typo matching drop these).
STOP_WORDS = frozenset(
    "a about am an and are as at be can could do does for from how i if in is it me my of on or should "
    "so that the this to was what when where which who why will with would you your".split()
)
# A misspelt word is searched as its correction when they are this alike (0 to 1);
# a looser likeness is only offered as "Did you mean ...?".
CONFIDENT_CORRECTION = 0.8
# After the backend's own rank (scaled so the best is 1), what lifts a page: its name is
# the query (or is named in it), an editor's vocabulary entry points to it, or it explains
# the lab value in the query.
NAME_EXACT = 3.0
NAME_NAMED = 1.0
TERM_POINTS = 1.5
LAB_POINTS = 3.0
# Results scoring below this share of the best are noise, not answers: not listed.
RELATIVE_CUTOFF = 0.3
KEY_POINTS_RE = re.compile(r"<section[^>]*data-key-points[^>]*>(.*?)</section>", re.DOTALL)


@dataclass
class Hit:
    topic: Topic
    variant: Variant
    snippet: SafeString
    score: float
    section: str = ""  # the id of the heading above the sentence the snippet shows

    @property
    def url(self) -> str:
        """The page, at the section whose sentence matched."""
        url = self.variant.get_absolute_url()
        return f"{url}#{self.section}" if self.section else url


@dataclass
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    terms: list[GlossaryTerm] = field(default_factory=list)
    suggestion: str = ""  # "Did you mean ...?": the query with misspelt words corrected
    corrected: bool = False  # the hits are for the suggestion ("Showing results for ...")


def search(query: str, persona: Persona, *, reader_chosen: bool = True, exact: bool = False) -> Results:
    """Published pages for the reader that answer the query, best first.

    reader_chosen: False when the visitor has not said who they are (the default persona),
    so "my baby has ..." may bring the caregiver pages. exact: search the words as typed,
    never a correction.
    """
    query = " ".join(query.split())
    if not TOKEN_RE.search(query):
        return Results(query=query)
    if not reader_chosen and search_vocabulary.for_caregiver(query):
        # The reader who looks after someone, found by the personas' data (schema.org audience).
        persona = Persona.objects.filter(audience_type="Caregiver").order_by("order").first() or persona
    suggestion, likeness = corrections(query)
    corrected = bool(suggestion) and not exact and likeness >= CONFIDENT_CORRECTION
    searched = suggestion if corrected else query
    expansion = search_vocabulary.expand(searched)
    lab = search_vocabulary.lab_value(searched)
    expanded = " ".join([searched, *expansion.words])
    variants = Variant.objects.published().health_pages().filter(persona=persona).select_related("topic", "persona")
    if connection.vendor == "postgresql":
        hits = _postgres_hits(expanded, variants)
    else:
        hits = _fallback_hits(expanded, variants)
    hits = _ranked(hits, searched, expansion, lab, variants)
    return Results(
        query=query, hits=hits[:MAX_RESULTS], terms=_glossary(searched), suggestion=suggestion, corrected=corrected
    )


def _ranked(hits: list[Hit], query: str, expansion, lab, variants) -> list[Hit]:
    """The backend's hits re-weighed the same way on both databases, the faint ones dropped."""
    pointed = [*expansion.topics, *([lab.topic] if lab else [])]
    have = {hit.topic.slug for hit in hits}
    missing = [slug for slug in pointed if slug not in have]
    if missing:
        hits += [Hit(v.topic, v, mark_safe(""), 0.0) for v in variants.filter(topic__slug__in=missing)]
    if not hits:
        return []
    best = max(hit.score for hit in hits) or 1.0
    words = _words(query)
    for hit in hits:
        hit.score = hit.score / best + _name_points(words, hit.topic, hit.variant)
        if hit.topic.slug in expansion.topics:
            hit.score += TERM_POINTS
        if lab and hit.topic.slug == lab.topic:
            hit.score += LAB_POINTS
    hits.sort(key=lambda h: (-h.score, h.topic.title))
    kept = [hit for hit in hits[:MAX_RESULTS] if hit.score >= RELATIVE_CUTOFF * hits[0].score]
    stems = [t[:5] if len(t) > 5 else t for t in [*meaningful_tokens(query), *expansion.words]]
    for hit in kept:
        sentence = search_vocabulary.best_sentence(hit.variant.live_html, stems, lab.phrases if lab else ())
        if sentence:
            hit.snippet = search_vocabulary.highlighted(sentence.text, stems)
            hit.section = sentence.section
    return kept


def _words(text: str) -> tuple[str, ...]:
    return tuple(TOKEN_RE.findall(text.lower()))


def _name_points(words: tuple[str, ...], topic: Topic, variant: Variant) -> float:
    """NAME_EXACT when the query is the page's name, NAME_NAMED when it names the page in passing."""
    names = [topic.title, variant.live_title, *topic.other_names_list]
    # "Low blood sugar (hypoglycemia)": both the words outside and inside the brackets are names.
    names += [part for name in names if "(" in name for part in re.split(r"[()]", name) if part.strip()]
    best = 0.0
    for name in names:
        name_words = _words(name)
        if not name_words:
            continue
        if name_words == words:
            return NAME_EXACT
        n = len(name_words)
        if (n > 1 or len(name_words[0]) > 3) and any(words[i : i + n] == name_words for i in range(len(words))):
            best = max(best, NAME_NAMED)
    return best


def meaningful_tokens(query: str) -> list[str]:
    """The query's words in lower case, without question words, unless that leaves none."""
    tokens = TOKEN_RE.findall(query.lower())
    return [t for t in tokens if t not in STOP_WORDS] or tokens


def key_points_text(html: str) -> str:
    """The prose of a page's key points: what the page says matters most."""
    return " ".join(prose_text(match) for match in KEY_POINTS_RE.findall(html))


# Did you mean ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    known: frozenset[str]  # every word public pages use: such a word is never "corrected"
    names: tuple[str, ...]  # words of titles, other names and glossary terms: what a correction may be


@per_content_version
def vocabulary() -> Vocabulary:
    """The site's own words, read once per content version."""
    topics = Topic.objects.published().values_list("title", "other_names")
    terms = GlossaryTerm.objects.values_list("term", "other_forms")
    name_text = " ".join(f"{a} {b}" for a, b in [*topics, *terms]).lower()
    names = {word for word in TOKEN_RE.findall(name_text) if len(word) > 3 and not word.isdigit()}
    prose = " ".join(Variant.objects.published().health_pages().values_list("search_text", flat=True)).lower()
    return Vocabulary(known=frozenset(TOKEN_RE.findall(prose)) | names, names=tuple(sorted(names)))


def did_you_mean(query: str) -> str:
    """The query with each word the site never uses replaced by the nearest name it does use; "" if none."""
    return corrections(query)[0]


def corrections(query: str) -> tuple[str, float]:
    """did_you_mean's answer, and how alike the least alike corrected word is to its correction (0 to 1)."""
    words = vocabulary()
    corrected = query
    changed = False
    likeness = 1.0
    for token in dict.fromkeys(TOKEN_RE.findall(query)):
        lowered = token.lower()
        if len(lowered) < 4 or lowered in STOP_WORDS or lowered.isdigit() or lowered in words.known:
            continue
        match = difflib.get_close_matches(lowered, words.names, n=1, cutoff=0.75)
        if match:
            likeness = min(likeness, difflib.SequenceMatcher(None, lowered, match[0]).ratio())
            # Written as the reader wrote theirs: "Mendenhal" becomes "Mendenhall", "PCSO" "PCOS".
            word = match[0].upper() if token.isupper() else match[0].capitalize() if token[0].isupper() else match[0]
            corrected = re.sub(rf"(?<![A-Za-z0-9]){re.escape(token)}(?![A-Za-z0-9])", word, corrected)
            changed = True
    return (corrected, likeness) if changed else ("", 0.0)


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
    # Names are matched on the words that matter: "what should I" is like many titles.
    subject = " ".join(meaningful_tokens(query))
    title_similarity = TrigramWordSimilarity(Value(subject), "topic__title")
    names_similarity = TrigramWordSimilarity(Value(subject), "topic__other_names")
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
    # A page whose own name matches comes before pages that merely mention the words; a
    # faint likeness between names (below the typo threshold) is noise, not a match.
    hits = [
        Hit(
            v.topic,
            v,
            _highlighted(v.snippet),
            v.rank + 2 * _likeness(v.title_similarity) + 1.5 * _likeness(v.names_similarity),
        )
        for v in found
    ]
    return sorted(hits, key=lambda h: (-h.score, h.topic.title))


def _likeness(similarity: float | None) -> float:
    return similarity if similarity is not None and similarity >= TRIGRAM_THRESHOLD else 0.0


def _highlighted(marked: str) -> SafeString:
    """Escape a snippet, then turn PostgreSQL's markers into <mark> elements."""
    return mark_safe(escape(marked or "").replace("\x02", "<mark>").replace("\x03", "</mark>"))


def index(variant: Variant) -> None:
    """Store the weighted search document of a live page (PostgreSQL full-text search only).

    Called by publishing (topics.workflow) and when a topic's names change (below): the
    models know nothing of search, so search's rules live here alone.
    """
    if connection.vendor == "postgresql" and variant.is_live:
        Variant.objects.filter(pk=variant.pk).update(search_vector=search_vector_for(variant))


@receiver(post_save, sender=Topic, dispatch_uid="topics.search.reindex_topic")
def reindex_topic(sender, instance: Topic, raw: bool = False, **kwargs) -> None:
    """A topic's title and other names are part of how its pages are found."""
    if raw:
        return  # loaddata: the rows arrive as they were, search documents included
    for variant in instance.variants.published():
        variant.topic = instance
        index(variant)


def search_vector_for(variant: Variant):
    """The weighted document a published variant is found by (PostgreSQL only)."""
    from django.contrib.postgres.search import SearchVector

    names = " ".join([variant.topic.title, *variant.topic.other_names_list, variant.live_title])
    summaries = " ".join([variant.topic.summary, variant.live_summary, key_points_text(variant.live_html)])
    return (
        SearchVector(Value(names), weight="A", config=CONFIG)
        + SearchVector(Value(summaries), weight="B", config=CONFIG)
        + SearchVector(Value(variant.search_text), weight="C", config=CONFIG)
    )


# SQLite fallback -------------------------------------------------------------------------

WEIGHTS = {"name": 10.0, "summary": 3.0, "key_points": 3.0, "body": 1.0}


def _fallback_hits(query: str, variants) -> list[Hit]:
    tokens = meaningful_tokens(query)
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
    key_points = TOKEN_RE.findall(key_points_text(variant.live_html).lower())
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
        if any(w.startswith(stem) for w in key_points):
            score += WEIGHTS["key_points"]
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
