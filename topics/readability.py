"""Reading grade of an article's prose.

The grade is measured on the rendered, sanitized HTML, so it is the grade of what
a visitor actually reads. Only prose counts: paragraphs, list items, table cells
and quotes. Headings and citation numbers are left out, because they are labels,
not sentences, and would otherwise run into the next sentence and inflate it.

textstat is pinned at 0.7.8: later releases fetch NLTK data at run time, which
fails offline and on a PaaS.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser

import textstat

PROSE_TAGS = {"p", "li", "td", "th", "dd", "dt", "blockquote"}
SKIPPED_TAGS = {"sup", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "code"}
SENTENCE_END = (".", "!", "?", ":")


class _ProseParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._current: list[str] = []
        self._skip_depth = 0
        self._prose_depth = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in SKIPPED_TAGS:
            self._skip_depth += 1
        elif tag in PROSE_TAGS:
            # A list inside a list item starts a new block: flush the item's own text.
            self._flush()
            self._prose_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in PROSE_TAGS:
            self._flush()
            self._prose_depth = max(0, self._prose_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._prose_depth and not self._skip_depth:
            self._current.append(data)

    def _flush(self) -> None:
        # Removing a citation leaves a space before the punctuation that followed it.
        text = re.sub(r"\s+([.,;:!?])", r"\1", " ".join("".join(self._current).split()))
        self._current = []
        if text:
            # A list item without a full stop is still one unit of meaning.
            self.blocks.append(text if text.endswith(SENTENCE_END) else text + ".")


def prose_text(html: str) -> str:
    """The prose of a rendered article as plain text, one block per line."""
    parser = _ProseParser()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.blocks)


def grade_text(text: str) -> float:
    """Flesch-Kincaid grade of plain text, rounded to one decimal; 0 for no text."""
    if not re.search(r"[A-Za-z]", text):
        return 0.0
    return round(float(textstat.flesch_kincaid_grade(text)), 1)


def reading_grade(html: str) -> float:
    return grade_text(prose_text(html))


@dataclass
class Analysis:
    grade: float
    longest_sentences: list[str]
    hardest_words: list[str]


SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?:])\s+")
WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]*")


def analyse(html: str, *, sentences: int = 3, words: int = 8) -> Analysis:
    """What makes a text hard: its grade, its longest sentences and its longest words."""
    text = prose_text(html)
    all_sentences = [s.strip() for line in text.splitlines() for s in SENTENCE_SPLIT_RE.split(line) if s.strip()]
    longest = sorted(all_sentences, key=lambda s: len(s.split()), reverse=True)[:sentences]
    seen: dict[str, int] = {}
    for word in WORD_RE.findall(text):
        key = word.lower()
        if key not in seen:
            seen[key] = textstat.syllable_count(key)
    hardest = [w for w, n in sorted(seen.items(), key=lambda item: (-item[1], item[0])) if n >= 3][:words]
    return Analysis(grade=grade_text(text), longest_sentences=longest, hardest_words=hardest)


# Vocabulary ------------------------------------------------------------------------------
# Sentence length is not the whole story: Flesch-Kincaid rewards "IRS and PI3K" in a
# short sentence. A hard word is one of three or more syllables that is not on the
# Dale-Chall list of words most fourth-graders know (textstat's easy words) nor in
# EVERYDAY_WORDS below. It is fine on a page when the glossary defines it (the page
# links it) or when its own sentence explains it ("..., called X", "X means ...",
# "X (...)", "X, or ...").

# Common words of three or more syllables that the Dale-Chall list lacks, with their
# usual forms; names of peoples and places are left out by the capital-letter rule.
EVERYDAY_WORDS = frozenset(
    """
    activity actually average beautiful company condition conditions continue dangerous develop
    diary difficult dizzy dizziness easier emergency energy especially every everyday example exercise
    expected family favourite favorite finally generally happening heavier however ideally including
    information instructions medicine medical million normally ordinary overweight period periods
    pharmacy possible probably really regular related serious several similar sometimes specialist
    tiredness uneven unusual unusually usual usually vegetable vegetables whatever velvety infection affect
    affected opposite react respond encourage comfortable confusion confused messenger pharmacist threatening
    prescription prescribe
    """.split()
)
EXPLAINED_AFTER = re.compile(
    r"^\s*(?:\(|,\s*or\b|,\s*an?\b|,\s*the\b|,\s*when\b|\s+means\b|\s+is\s+(?:a|an|the|when)\b|\s+are\b|:)"
)
EXPLAINED_BEFORE = re.compile(r"\b(?:called|named|known as|means|meaning)\s+(?:(?:an?|the)\s+)?$", re.IGNORECASE)


def _is_everyday(word: str) -> bool:
    lower = word.lower()
    stems = {lower}
    for suffix, replacement in (("ies", "y"), ("es", ""), ("s", ""), ("ing", ""), ("ing", "e"), ("ed", ""),
                                ("ed", "e"), ("ly", ""), ("er", ""), ("ier", "y")):  # fmt: skip
        if lower.endswith(suffix) and len(lower) > len(suffix) + 2:
            stems.add(lower[: -len(suffix)] + replacement)
    return any(stem in EVERYDAY_WORDS or textstat.is_easy_word(stem) for stem in stems)


def _is_hard(word: str) -> bool:
    parts = [part for part in word.split("-") if part]
    return any(textstat.syllable_count(part) >= 3 and not _is_everyday(part) for part in parts)


def hard_words(html: str, glossary_names: Iterable[str]) -> list[str]:
    """Hard words in the prose that the glossary does not define and their sentence does not explain."""
    names = sorted({n.strip().lower() for n in glossary_names if n.strip()}, key=len, reverse=True)
    glossary_re = (
        re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w-])", re.IGNORECASE)
        if names
        else None
    )
    found: list[str] = []
    for line in prose_text(html).splitlines():
        for sentence in SENTENCE_SPLIT_RE.split(line):
            # Defined words are blanked out, so the rest of a glossary phrase is not checked on its own.
            text = glossary_re.sub(lambda m: " " * len(m.group(0)), sentence) if glossary_re else sentence
            for index, match in enumerate(WORD_RE.finditer(text)):
                word = match.group(0).strip("'-")
                if not word or (word[0].isupper() and index > 0) or word.isupper():
                    continue  # names and abbreviations
                if not _is_hard(word) or word.lower() in found:
                    continue
                if EXPLAINED_AFTER.match(text[match.end() :]) or EXPLAINED_BEFORE.search(text[: match.start()]):
                    continue
                found.append(word.lower())
    return found
