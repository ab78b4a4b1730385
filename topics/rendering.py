"""Editor Markdown -> safe HTML.

Plain functions, text in and text out, so they can be tested without a database.
Key points, care cards and questions to ask are written as ``:::`` blocks
(``topics.blocks``). Citation markers ``[@key]`` (or ``[@a; @b]``) cite the page's
reference list, numbered in order of first use, in one of two styles:

- ``inline`` (students, professionals): a numbered superscript link on each sentence;
- ``sections`` (patients, caregivers): the markers leave the sentences, and each section
  (and the key points) ends with one "Sources" link for every source it cites, a larger
  target than thirty little numbers and fewer stops for a keyboard.

The HTML is sanitized with nh3 *after* Markdown has run, so nothing an editor types
can reach a visitor's browser as script. Which source a link names (its accessible
name) and the links back from the reference list are added when a page is shown
(``label_citations``, ``citation_places``), so renaming a reference never leaves
stored HTML behind.
"""

from __future__ import annotations

import html as html_lib
import re
import secrets
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field

import markdown
import nh3

from topics import blocks

# A reference key: lower-case letters, digits and hyphens (see Reference.key).
KEY_PATTERN = r"[a-z0-9][a-z0-9-]*"
# Markers are recognised more loosely than valid keys, so that a mistyped key
# ("[@Semple_2011]") is reported as unknown instead of silently shown as text.
_MARKER_KEY = r"[A-Za-z0-9][\w.:-]*"
CITATION_RE = re.compile(r"\[(@" + _MARKER_KEY + r"(?:\s*;\s*@" + _MARKER_KEY + r")*)\]")

ALLOWED_TAGS = blocks.ALLOWED_TAGS | {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "dd",
    "dfn",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "abbr": {"title"},
    "sup": {"id"},
    "th": {"scope"},
    "h2": {"id"},
    "h3": {"id"},
    **blocks.ALLOWED_ATTRIBUTES,
}
# Classes the site's own markup uses; anything else an editor writes is dropped.
ALLOWED_CLASSES = {"sup": {"citation"}, "a": {"citation-link"}, **blocks.ALLOWED_CLASSES}
URL_SCHEMES = {"http", "https", "mailto"}

# How citations are shown: see the module docstring.
INLINE = "inline"
SECTIONS = "sections"
CITATION_STYLES = (INLINE, SECTIONS)


# Limits checked before Markdown runs. Python-Markdown's inline patterns take time that
# grows with the square of the number of brackets, and its block parser recurses once per
# level of nesting: without these, one hostile body could keep a worker busy for minutes
# or crash it. The shipped pages use a small fraction of each.
MAX_BODY_CHARACTERS = 20_000
MAX_LINES = 1_000  # the block parser slows with the square of the number of short blocks
MAX_BRACKET_SPAN = 500  # an opening "[" is closed within this many characters
# Characters that start inline patterns, with how many a body may have of each.
MAX_MARKERS = {
    "[": ("square brackets", 200),  # links, images, citations
    "<": ("angle brackets", 200),  # inline HTML
    "*": ("asterisks", 300),  # emphasis
    "_": ("underscores", 300),
    "`": ("backticks", 500),  # code
    "\\": ("backslashes", 500),  # escapes
}
MAX_NESTING = 8  # lists and quotes inside one another

NESTING_MARKER_RE = re.compile(r"\s*(?:[-*+]|\d{1,9}[.)]|>)(?=\s|$)")


class TooComplex(ValueError):
    """A body that Markdown cannot render safely and quickly; the message is for the editor."""


def normalise_text(text: str) -> str:
    """The text as stored: LF line endings, no trailing spaces, no blank lines at either end.

    Browsers send CRLF and editors leave stray spaces; normalising before comparing and
    storing means a save that changes nothing changes nothing.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def nesting_depth(line: str) -> int:
    """How many list or quote markers open a line, counting indentation as nesting too."""
    depth, position = 0, 0
    indent = len(line) - len(line.lstrip(" \t"))
    while match := NESTING_MARKER_RE.match(line, position):
        depth += 1
        position = match.end()
    return depth + indent // 4


def check_complexity(body: str) -> None:
    """Refuse, with a message an editor can act on, a body too large or too nested to render."""
    if len(body) > MAX_BODY_CHARACTERS:
        raise TooComplex(
            f"The text is {len(body):,} characters long; the limit is {MAX_BODY_CHARACTERS:,}. "
            "Split it into two topics, or shorten it."
        )
    lines = body.count("\n") + 1
    if lines > MAX_LINES:
        raise TooComplex(f"The text has {lines:,} lines; the limit is {MAX_LINES:,}. Shorten it.")
    for char, (name, limit) in MAX_MARKERS.items():
        if body.count(char) > limit:
            raise TooComplex(
                f"The text has {body.count(char):,} {name} ({char}); the limit is {limit:,}. Remove the extra ones."
            )
    # An unclosed "[" makes Markdown look for its "]" through the rest of the text, once
    # for every bracket: a bracket must close nearby, as citations and links do.
    next_close = body.find("]")
    for position, char in enumerate(body):
        if char != "[":
            continue
        if next_close < position:
            next_close = body.find("]", position)
        if next_close == -1 or next_close - position > MAX_BRACKET_SPAN:
            line = body.count("\n", 0, position) + 1
            raise TooComplex(
                f"The “[” on line {line} is not closed by a “]” within {MAX_BRACKET_SPAN} characters. "
                "Close it, or remove it."
            )
    deepest = max((nesting_depth(line) for line in body.split("\n")), default=0)
    if deepest > MAX_NESTING:
        raise TooComplex(f"Lists or quotes are nested {deepest} levels deep; the limit is {MAX_NESTING}. Flatten them.")


@dataclass
class Rendered:
    html: str
    citations: list[str] = field(default_factory=list)  # keys, in order of first use
    unknown_keys: list[str] = field(default_factory=list)


def citation_keys(body: str) -> list[str]:
    """Every key cited in ``body``, in order of first use, without repeats."""
    keys: list[str] = []
    for match in CITATION_RE.finditer(body):
        for key in _split_keys(match.group(1)):
            if key not in keys:
                keys.append(key)
    return keys


def _split_keys(group: str) -> list[str]:
    return [part.strip().lstrip("@") for part in group.split(";")]


def render_body(body: str, known_keys: Collection[str], *, style: str = INLINE) -> Rendered:
    """Render an editor's Markdown to sanitized HTML with numbered citations.

    Keys not in ``known_keys`` are reported in ``unknown_keys`` and rendered as
    plain text, so a caller can refuse the save without anything crashing. A body
    over the limits raises ``TooComplex`` before Markdown sees it. Both styles give
    the same prose, so a page grades the same whichever reader it is written for.
    """
    if style not in CITATION_STYLES:
        raise ValueError(f"unknown citation style {style!r}")
    check_complexity(body)
    order = citation_keys(body)
    known = [key for key in order if key in known_keys]
    unknown = [key for key in order if key not in known_keys]
    numbers = {key: index for index, key in enumerate(known, start=1)}
    if style == SECTIONS:
        with_links, sources = _sources_per_section(body, numbers)
    else:
        with_links, sources = _inline_citations(body, numbers), {}
    html = markdown.markdown(
        with_links, extensions=["tables", "sane_lists", blocks.BlocksExtension()], output_format="html"
    )
    html = with_section_ids(sanitize(html))
    for token, markup in sources.items():
        # The site's own markup, added after sanitizing: keys match KEY_PATTERN, nothing else goes in.
        html = html.replace(f"<p>{token}</p>", markup)
    return Rendered(html=html, citations=known, unknown_keys=unknown)


def _inline_citations(body: str, numbers: dict[str, int]) -> str:
    uses: dict[str, int] = {}

    def replace(match: re.Match[str]) -> str:
        links = []
        for key in _split_keys(match.group(1)):
            if key not in numbers:
                return match.group(0)
            uses[key] = uses.get(key, 0) + 1
            anchor = f"cite-{key}-{uses[key]}"
            links.append(f'<a class="citation-link" id="{anchor}" href="#ref-{key}">{numbers[key]}</a>')
        return '<sup class="citation">[' + ", ".join(links) + "]</sup>"

    return CITATION_RE.sub(replace, body)


# A level-2 heading starts a section; deeper headings stay inside theirs.
SECTION_HEADING_RE = re.compile(r"^##(?!#)\s")
# A marker with the spaces before it, so "sugar [@a]." becomes "sugar.", as the prose grader reads it.
MARKER_WITH_SPACE_RE = re.compile(r"[ \t]*" + CITATION_RE.pattern)


def _sources_per_section(body: str, numbers: dict[str, int]) -> tuple[str, dict[str, str]]:
    """The body without its known markers, and a placeholder ending each section that cited something.

    Sections are the text before the first ``##`` heading, each ``##`` section and the
    key points block. Returns the Markdown and, for each placeholder, the "Sources"
    link that replaces it once the HTML is sanitized.
    """
    nonce = secrets.token_hex(8)  # an editor cannot type a placeholder that becomes a link
    sources: dict[str, str] = {}
    out: list[str] = []
    cited: list[str] = []
    block: str | None = None  # the kind of ::: block we are inside, if any

    def strip(match: re.Match[str]) -> str:
        keys = _split_keys(match.group(1))
        if not all(key in numbers for key in keys):
            return match.group(0)  # shown as typed, as in the inline style, so an editor sees it
        cited.extend(key for key in keys if key not in cited)
        return ""

    def close_section() -> None:
        if not cited:
            return
        token = f"sourcesplaceholder{nonce}n{len(sources) + 1}"
        anchor = f"sources-{len(sources) + 1}"
        keys = " ".join(cited)
        sources[token] = (
            f'<div class="section-sources"><a class="sources-link" id="{anchor}" href="#ref-{cited[0]}" '
            f'data-cites="{keys}">Sources</a></div>'
        )
        out.extend(["", token, ""])
        cited.clear()

    for line in body.split("\n"):
        stripped = line.rstrip()
        if block is None:
            opener = blocks.OPEN_RE.match(stripped)
            if opener and opener.group(1) in blocks.KINDS:
                block = opener.group(1)
                if block == "key-points":
                    close_section()  # the key points are a section of their own
            elif SECTION_HEADING_RE.match(stripped):
                close_section()
        elif stripped == blocks.CLOSE:
            if block == "key-points":
                close_section()  # inside the block, so the link stays with the key points
            block = None
        out.append(MARKER_WITH_SPACE_RE.sub(strip, line))
    close_section()
    return "\n".join(out), sources


# Section headings get an id from their words, so "On this page", search results and a shared
# link can point at "What to do" itself. These ids belong to the page around the article (see
# templates/): a heading with the same words gets a suffix instead of stealing the page's anchor.
# (Tests check this against the templates that show an article.)
PAGE_IDS = frozenset(
    {
        "main",
        "article",
        "page-title",
        "persona-status",
        "switcher-persona",
        "related",
        "related-heading",
        "references-heading",
        "resources-heading",
        "feedback",
        "feedback-box",
        "feedback-heading",
        "feedback-website",
        "feedback-comment",
        "feedback-comment-error",
        "feedback-comment-hint",
        "comment-website",
        "experiences-heading",
        "on-this-page",
        "on-this-page-heading",
        "site-search-q",
        "site-search-suggestions",
    }
)
# Ids the blocks give their own headings (topics.blocks): the key points' and each care card's.
BLOCK_ID_RE = re.compile(r'\s+id="(?:key-points-heading|care-\d+)"')
HEADING_RE = re.compile(r"<(?P<tag>h[23])(?P<attrs>[^>]*)>(?P<inner>.*?)</(?P=tag)>", re.DOTALL)


def section_id(heading: str) -> str:
    """The anchor for a heading's visible words: "When to get help" -> "when-to-get-help"."""
    words = html_lib.unescape(TAG_RE.sub("", heading)).lower()
    return "-".join(re.findall(r"[a-z0-9]+", words))[:60].strip("-") or "section"


def with_section_ids(html: str) -> str:
    """Give every h2 and h3 a unique id made from its words (an id already written is replaced)."""
    used: set[str] = set(PAGE_IDS)

    def add_id(match: re.Match[str]) -> str:
        if BLOCK_ID_RE.search(match["attrs"]):
            return match[0]
        base = section_id(match["inner"])
        if base.startswith(("ref-", "cite-", "sources-", "definition-", "disclaimer-")):
            base = f"section-{base}"  # the citations' and notes' own anchors
        anchor, number = base, 1
        while anchor in used:
            number += 1
            anchor = f"{base}-{number}"
        used.add(anchor)
        attrs = re.sub(r'\s+id="[^"]*"', "", match["attrs"])
        return f'<{match["tag"]}{attrs} id="{anchor}">{match["inner"]}</{match["tag"]}>'

    return HEADING_RE.sub(add_id, html)


@dataclass(frozen=True)
class Section:
    """One h2 of a page, for its "On this page" list."""

    anchor: str
    title: str


H2_WITH_ID_RE = re.compile(r'<h2[^>]*\sid="(?P<id>[^"]+)"[^>]*>(?P<inner>.*?)</h2>', re.DOTALL)
# A care card's opening tag and its heading's id (topics.blocks writes both).
CARE_CARD_RE = re.compile(r'<aside[^>]*\sdata-care="(?P<level>urgent|emergency)"[^>]*>\s*<h3 id="(?P<id>care-\d+)"')


def page_sections(html: str) -> list[Section]:
    """The page's h2s in order, with the ids ``with_section_ids`` gave them: what "On this page" lists."""
    return [
        Section(anchor=match["id"], title=html_lib.unescape(TAG_RE.sub("", match["inner"])).strip())
        for match in H2_WITH_ID_RE.finditer(html)
    ]


def most_urgent_card(html: str) -> str | None:
    """The id of the first emergency care card's heading, else of the first urgent one; None without either."""
    cards = {}
    for match in CARE_CARD_RE.finditer(html):
        cards.setdefault(match["level"], match["id"])
    return cards.get("emergency") or cards.get("urgent")


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "svg", "math"},
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values=blocks.ALLOWED_ATTRIBUTE_VALUES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def render_plain(text: str) -> str:
    """Markdown for short editor texts (disclaimers, glossary definitions): no citations."""
    return sanitize(markdown.markdown(text, output_format="html"))


# Glossary links -------------------------------------------------------------------------

TAG_RE = re.compile(r"(<[^>]+>)")
# Character references in text ("&amp;", "&#x27;"): never part of a word to link.
ENTITY_RE = re.compile(r"(&#?\w+;)")
# Text inside these elements is never linked: links, headings, citations and code.
NO_LINK_TAGS = {"a", "h1", "h2", "h3", "h4", "sup", "code", "pre", "dfn", "abbr"}


def _glossary_pattern(terms: Iterable[tuple[str, Iterable[str]]]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """A pattern for every name of every term, longest first, and the slug each name belongs to."""
    names: dict[str, str] = {}
    for slug, forms in terms:
        for form in forms:
            form = form.strip()
            if form and form.lower() not in names:
                names[form.lower()] = slug
    if not names:
        return None, names
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?![\w-])",
        re.IGNORECASE,
    )
    return pattern, names


def glossary_finder(terms: Iterable[tuple[str, Iterable[str]]]) -> Callable[[str], set[str]]:
    """A function giving the glossary terms a plain text uses, matched exactly as ``link_glossary`` links them."""
    pattern, names = _glossary_pattern(terms)

    def find(text: str) -> set[str]:
        return {names[match.lower()] for match in pattern.findall(text)} if pattern else set()

    return find


def link_glossary(html: str, terms: Iterable[tuple[str, Iterable[str]]], url_for: Callable[[str], str]) -> str:
    """Link the first use of each glossary term in ``html`` to its definition.

    ``terms`` pairs a term's slug with the words that name it (the term and its other
    forms). Matching is by whole word, case-insensitive, longest name first, so
    "insulin receptor" wins over "insulin". ``html`` must already be sanitized: the
    links added here are the site's own.
    """
    pattern, names = _glossary_pattern(terms)
    if pattern is None:
        return html
    linked: set[str] = set()
    skip_depth = 0
    out: list[str] = []

    def replace(match: re.Match[str]) -> str:
        slug = names[match.group(1).lower()]
        if slug in linked:
            return match.group(0)
        linked.add(slug)
        return f'<a class="glossary-link" href="{url_for(slug)}">{match.group(0)}</a>'

    for token in TAG_RE.split(html):
        if token.startswith("<"):
            name = token.strip("</>").split()[0].lower() if token.strip("</>").split() else ""
            if name in NO_LINK_TAGS and not token.endswith("/>"):
                skip_depth += -1 if token.startswith("</") else 1
                skip_depth = max(skip_depth, 0)
            out.append(token)
        elif token and not skip_depth:
            parts = ENTITY_RE.split(token)
            out.extend(part if ENTITY_RE.fullmatch(part) else pattern.sub(replace, part) for part in parts)
        else:
            out.append(token)
    return "".join(out)


# Citations as a page shows them --------------------------------------------------------

# The citation links render_body makes (nh3 adds rel="noopener noreferrer" to the numbered ones).
INLINE_LINK_RE = re.compile(
    r'<a class="citation-link" id="cite-(?P<key>' + KEY_PATTERN + r')-(?P<use>\d+)" href="#ref-(?P=key)"[^>]*>'
    r"(?P<number>\d+)</a>"
)
SOURCES_LINK_RE = re.compile(
    r'<a class="sources-link" id="(?P<anchor>sources-\d+)" href="#ref-[^"]*" data-cites="(?P<cited>[^"]*)"'
)
H2_RE = re.compile(r"<h2[^>]*>(?P<heading>.*?)</h2>", re.DOTALL)
# The end of the key points: what follows belongs to no heading until the next one.
SECTION_END_RE = re.compile(r"(?P<section_end></section>)")
PLACE_RE = re.compile(
    "|".join(f"(?:{r.pattern})" for r in (H2_RE, SECTION_END_RE, INLINE_LINK_RE, SOURCES_LINK_RE)), re.DOTALL
)
INTRODUCTION = "Introduction"


def source_name(*, authors: str, title: str, kind: str = "") -> str:
    """How a link names a source: who published it and what it is called.

    Research papers name their first author ("Semple RK and others"), as their long
    author lists would drown the title.
    """
    title = " ".join(title.split()).rstrip(". ")
    who = " ".join(authors.split())
    if kind == "research" and "," in who:
        who = who.split(",")[0].strip() + " and others"
    return f"{who}, {title}" if who else title


def label_citations(html: str, names: Mapping[str, str]) -> str:
    """Give each "Sources" link in stored HTML an accessible name that says which sources it is.

    ``names`` maps reference keys to ``source_name``; the label starts with the visible
    text, so speech input finds the link by what it shows. Numbered citations keep their
    number as their name: a professional reads the list beside it, and naming each of
    fifty numbers would cost the page its weight budget.
    """

    def sources(match: re.Match[str]) -> str:
        listed = "; ".join(names.get(key, key) for key in match["cited"].split())
        label = f"Sources for this section: {listed}"
        return match.group(0) + f' aria-label="{html_lib.escape(label)}"'

    return SOURCES_LINK_RE.sub(sources, html)


@dataclass(frozen=True)
class Place:
    """Where a reference is cited: the citation link's id and the section it is in."""

    anchor: str
    section: str


def citation_places(html: str) -> dict[str, list[Place]]:
    """Every place each reference is cited in stored HTML, in reading order, by key.

    The reference list links back to each of them, so a reader who followed a
    citation can return to the sentence or section they left.
    """
    places: dict[str, list[Place]] = {}
    section = INTRODUCTION
    for match in PLACE_RE.finditer(html):
        if match["heading"] is not None:
            section = html_lib.unescape(TAG_RE.sub("", match["heading"])).strip() or section
        elif match["section_end"] is not None:
            section = INTRODUCTION
        elif match["key"] is not None:
            key = match["key"]
            places.setdefault(key, []).append(Place(f"cite-{key}-{match['use']}", section))
        else:
            for key in match["cited"].split():
                places.setdefault(key, []).append(Place(match["anchor"], section))
    return places
