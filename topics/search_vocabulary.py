"""How search reads a worried person's words: their own names for things, lab values,
who they are looking after, and the sentence of a page that answers them.

Plain functions over the query text (and the editors' SearchTerm rows); topics.search
uses them on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from topics.caching import per_content_version
from topics.models import SearchTerm
from topics.readability import prose_text

WORD_RE = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
# Someone writing about the person they look after, when they have not said who they are.
CAREGIVER_RE = re.compile(
    r"\b(?:my|our)\s+(?:baby|babies|child|children|kid|kids|son|daughter|toddler|infant|newborn|teen|teenager)\b",
    re.IGNORECASE,
)
LAB_RE = re.compile(
    r"\b(?P<test>hba1c|a1c|fasting|glucose|sugar)\b\D{0,25}?(?P<value>\d{1,3}(?:\.\d)?)\b", re.IGNORECASE
)
HEADING_RE = re.compile(r'<h[23][^>]*\bid="(?P<id>[^"]+)"[^>]*>')
SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+|\n")
SNIPPET_LENGTH = 240


def for_caregiver(query: str) -> bool:
    """True when the query is about someone the visitor looks after ("my baby has ...")."""
    return bool(CAREGIVER_RE.search(query))


@dataclass
class Expansion:
    words: list[str] = field(default_factory=list)  # the pages' words for the visitor's
    topics: list[str] = field(default_factory=list)  # pages the visitor's words point to


@per_content_version
def _entries() -> list[tuple[str, str, str]]:
    # Read once per content version, not on every search: editing a term bumps the version.
    return list(SearchTerm.objects.values_list("phrase", "means", "topic"))


def expand(query: str) -> Expansion:
    """The editors' vocabulary entries whose phrase the query contains, as whole words."""
    text = " " + " ".join(WORD_RE.findall(query.lower())) + " "
    found = Expansion()
    for phrase, means, topic in _entries():
        if f" {phrase} " in text:
            found.words += [w for w in WORD_RE.findall(means.lower()) if w not in found.words]
            if topic and topic not in found.topics:
                found.topics.append(topic)
    return found


@dataclass(frozen=True)
class LabValue:
    topic: str  # the page that explains this value
    phrases: tuple[str, ...]  # the words of the sentence that states its range, as the pages write it


def lab_value(query: str) -> LabValue | None:
    """The page and the range sentence for a test result in the query ("a1c 6.1", "fasting 110").

    The ranges are those the getting-tested and low-blood-sugar pages state (NIDDK and CDC):
    A1C 5.7 to 6.4 percent and fasting blood sugar 100 to 125 mg/dL mean prediabetes; below
    70 mg/dL is low blood sugar. A number such as 110 is high, never low.
    """
    match = LAB_RE.search(query)
    if not match:
        return None
    test, value = match["test"].lower(), float(match["value"])
    if test in ("a1c", "hba1c") or value < 20:
        if value < 5.7:
            return LabValue("getting-tested", ("below 5.7",))
        if value < 6.5:
            return LabValue("getting-tested", ("5.7 to 6.4",))
        return LabValue("getting-tested", ("6.5 percent or more", "6.5%", "6.5"))
    if value < 70:
        return LabValue("low-blood-sugar", ("below 70", "70 mg/dl", "70"))
    if value < 126:
        return LabValue("getting-tested", ("100 to 125",))
    return LabValue("getting-tested", ("126 or more", "126 mg/dl or above", "126"))


@dataclass(frozen=True)
class Sentence:
    text: str
    section: str  # the id of the heading it comes under ("" before the first heading)


def sentences(html: str) -> list[Sentence]:
    """A page's prose, sentence by sentence, each with the section it is in."""
    found = []
    cuts = [(m.start(), m["id"]) for m in HEADING_RE.finditer(html)]
    bounds = [(0, ""), *cuts]
    for index, (start, section) in enumerate(bounds):
        end = bounds[index + 1][0] if index + 1 < len(bounds) else len(html)
        for piece in SENTENCE_END_RE.split(prose_text(html[start:end])):
            if piece.strip():
                found.append(Sentence(piece.strip(), section))
    return found


def best_sentence(html: str, stems: list[str], phrases: tuple[str, ...] = ()) -> Sentence | None:
    """The sentence that answers the query best: a lab range first, then the most query words."""

    def score(sentence: Sentence) -> float:
        lowered = sentence.text.lower()
        words = WORD_RE.findall(lowered)
        matched = sum(1 for stem in stems if any(w.startswith(stem) for w in words))
        lab = 10 if any(p in lowered for p in phrases[:1]) else 5 if any(p in lowered for p in phrases) else 0
        return lab + matched

    best, best_score = None, 0.0
    for sentence in sentences(html):
        value = score(sentence)
        if value > best_score:
            best, best_score = sentence, value
    return best


def highlighted(text: str, stems: list[str]) -> SafeString:
    """The sentence, shortened around its first match if long, with the query's words marked."""
    if len(text) > SNIPPET_LENGTH:
        lowered = text.lower()
        first = min((lowered.find(s) for s in stems if lowered.find(s) >= 0), default=0)
        start = max(0, first - SNIPPET_LENGTH // 3)
        piece = text[start : start + SNIPPET_LENGTH]
        text = ("…" + piece.split(" ", 1)[-1] if start else piece).rsplit(" ", 1)[0] + "…"
    words = sorted({s for s in stems if len(s) > 1}, key=len, reverse=True)
    if not words:
        return mark_safe(escape(text))
    pattern = re.compile(r"(?i)\b(?:" + "|".join(re.escape(w) for w in words) + r")[\w.]*")
    out, last = [], 0
    for match in pattern.finditer(text):
        out += [escape(text[last : match.start()]), "<mark>", escape(match.group(0)), "</mark>"]
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))
